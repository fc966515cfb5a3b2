//! The operator's key (it only makes claim links: see [`crate::members`]), how a request
//! carries its tokens (the session cookie or `Authorization: Bearer`), and the `Origin`
//! allow-list checked at every WebSocket upgrade and members request.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Name of the session cookie (a browser's device tokens, for `/sync`).
pub const COOKIE: &str = "juntas_session";
/// How long the browser keeps the session cookie (it asks `/session` again at least weekly, and
/// whenever its tokens change or a connection with the cookie fails).
pub const TOKEN_LIFETIME_SECS: u64 = 30 * 24 * 3600;

/// What names one session cookie's value without giving it away: `/session` tells the browser
/// this mark of the cookie it sets, and the browser's WebSocket sends it back (`/sync?s=…`), so
/// a cookie another tab's `/session` replaced since is refused at the upgrade, not taken with
/// other grants than the browser thinks it has.
pub fn session_mark(cookie_value: &str) -> String {
    use sha2::Digest;
    let digest =
        Sha256::new_with_prefix(b"juntas-session-mark\n").chain_update(cookie_value).finalize();
    hex::encode(&digest[..8])
}
/// File under the data dir that keeps a generated access key.
pub const KEY_FILE: &str = "access-key";

/// The operator's shared secret.
#[derive(Clone)]
pub struct AccessKey(String);

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the access key must be at least 16 characters of letters, digits, '-' or '_'")]
    Weak,
    #[error("cannot read or write the access key file {0}: {1}")]
    File(std::path::PathBuf, std::io::Error),
    #[error("no randomness available to generate an access key: {0}")]
    Random(String),
}

impl AccessKey {
    /// A key the operator chose.
    pub fn new(key: &str) -> Result<AccessKey, KeyError> {
        let key = key.trim();
        let url_safe = key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if key.len() < 16 || !url_safe {
            return Err(KeyError::Weak);
        }
        Ok(AccessKey(key.to_owned()))
    }

    /// The key in `<data>/access-key`, generated (32 random bytes) on first start.
    /// Returns the key and whether it was just created.
    pub fn load_or_create(data_dir: &Path) -> Result<(AccessKey, bool), KeyError> {
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((AccessKey::new(&text)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
                let key = URL_SAFE_NO_PAD.encode(bytes);
                write_private(&path, &key).map_err(|e| KeyError::File(path.clone(), e))?;
                Ok((AccessKey(key), true))
            }
            Err(e) => Err(KeyError::File(path, e)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is the key (constant time in the candidate's content).
    pub fn matches(&self, candidate: &str) -> bool {
        let mut mac = self.mac();
        mac.update(b"key-check");
        let expected = mac.finalize().into_bytes();
        let mut mac = Hmac::<Sha256>::new_from_slice(candidate.trim().as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(b"key-check");
        mac.verify_slice(&expected).is_ok() && candidate.trim().len() == self.0.len()
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(self.0.as_bytes()).expect("HMAC takes keys of any length")
    }
}

pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// The token(s) a request carries, from an `Authorization: Bearer` header or the cookie.
pub fn token_from_headers(headers: &axum::http::HeaderMap) -> Option<String> {
    if let Some(auth) = headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(token) = auth.strip_prefix("Bearer ")
    {
        return Some(token.trim().to_owned());
    }
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Whether a browser page from `origin` may open a sync connection to a server reached as
/// `host`: same origin, or listed by the operator. Requests without `Origin` are not from a
/// page (native clients) and are judged by their token alone.
pub fn origin_allowed(origin: Option<&str>, host: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = origin else { return true };
    if allowed.iter().any(|a| a == origin) {
        return true;
    }
    let Some(host) = host else { return false };
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> AccessKey {
        AccessKey::new("abcdefghijklmnop-0123").unwrap()
    }

    #[test]
    fn key_check_and_weak_keys() {
        assert!(key().matches("abcdefghijklmnop-0123"));
        assert!(key().matches(" abcdefghijklmnop-0123\n"));
        assert!(!key().matches("abcdefghijklmnop-0124"));
        assert!(!key().matches("abcdefghijklmnop-01234"));
        assert!(!key().matches(""));
        assert!(matches!(AccessKey::new("short"), Err(KeyError::Weak)));
        assert!(matches!(AccessKey::new("has spaces in the middle"), Err(KeyError::Weak)));
    }

    #[test]
    fn a_generated_key_is_kept_across_starts() {
        let dir = tempfile::tempdir().unwrap();
        let (first, created) = AccessKey::load_or_create(dir.path()).unwrap();
        assert!(created);
        let (second, created) = AccessKey::load_or_create(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(first.as_str(), second.as_str());
        assert!(first.as_str().len() >= 40);
    }

    #[test]
    fn origins() {
        let allowed = vec!["https://juntas.example".to_owned()];
        assert!(origin_allowed(None, Some("127.0.0.1:8080"), &[]));
        assert!(origin_allowed(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8080"), &[]));
        assert!(!origin_allowed(Some("http://evil.example"), Some("127.0.0.1:8080"), &[]));
        assert!(origin_allowed(Some("https://juntas.example"), Some("x"), &allowed));
        assert!(!origin_allowed(Some("http://127.0.0.1:8080"), None, &[]));
    }

    #[test]
    fn token_from_cookie_or_bearer() {
        let mut h = axum::http::HeaderMap::new();
        h.insert("cookie", "a=1; juntas_session=tok; b=2".parse().unwrap());
        assert_eq!(token_from_headers(&h).as_deref(), Some("tok"));
        h.insert("authorization", "Bearer other".parse().unwrap());
        assert_eq!(token_from_headers(&h).as_deref(), Some("other"));
        assert_eq!(token_from_headers(&axum::http::HeaderMap::new()), None);
    }
}
