//! Invite links: `<origin>/unirse#red=<network id>&clave=<access key>`. Both travel in the
//! fragment, which browsers never send to a server, so neither reaches a request line or a log.
//! Opening a link stores the key and the network on this device, then the app syncs it.

use juntas_core::DocumentId;

use crate::{error::AppError, local};

/// The invite link for `network` on this server, if this device has the access key.
pub fn link(network: DocumentId) -> Option<String> {
    let key = local::access_key()?;
    let origin = gloo_utils::window().location().origin().ok()?;
    Some(format!("{origin}/unirse#red={network}&clave={key}"))
}

/// The (network, key) in a fragment like `#red=…&clave=…`; either may be absent.
pub fn parse_fragment(hash: &str) -> (Option<DocumentId>, Option<String>) {
    let mut network = None;
    let mut key = None;
    for pair in hash.trim_start_matches('#').split('&') {
        match pair.split_once('=') {
            Some(("red", v)) => network = v.parse().ok(),
            Some(("clave", v)) if !v.is_empty() => key = Some(v.to_owned()),
            _ => {}
        }
    }
    (network, key)
}

/// Takes an invite from the address bar (before the router reads it): stores the key and the
/// network, and replaces the address with the network's page so the key leaves the address
/// bar and the history. A key or network this device refused to store is returned (the page
/// says so: without the key the device cannot sync).
pub fn accept_from_location() -> Result<(), AppError> {
    let window = gloo_utils::window();
    let location = window.location();
    let Ok(hash) = location.hash() else { return Ok(()) };
    let (network, key) = parse_fragment(&hash);
    if network.is_none() && key.is_none() {
        return Ok(());
    }
    let stored = key.as_deref().map_or(Ok(()), local::set_access_key);
    let target = match network {
        Some(id) => format!("/red/{id}"),
        None => "/".to_owned(),
    };
    let listed = network.map_or(Ok(()), |id| local::remember_network(&id.to_string(), "…"));
    // Even when storing failed, the key leaves the address bar.
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
    }
    stored.and(listed).map_err(AppError::Local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments() {
        let id = DocumentId::from_bytes([3; 16]);
        let (n, k) = parse_fragment(&format!("#red={id}&clave=abc_DEF-123"));
        assert_eq!(n, Some(id));
        assert_eq!(k.as_deref(), Some("abc_DEF-123"));
        assert_eq!(parse_fragment("#clave=xyz"), (None, Some("xyz".into())));
        assert_eq!(parse_fragment(""), (None, None));
        assert_eq!(parse_fragment("#red=not-an-id&clave="), (None, None));
    }
}
