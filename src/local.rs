//! What this device remembers outside documents, in localStorage: the language, the networks
//! it holds, and who the person using it is in each network ("¿Quién eres?").

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

const LANGUAGE: &str = "juntas.language";
const NETWORKS: &str = "juntas.networks";

fn identity_key(network: &str) -> String {
    format!("juntas.identity.{network}")
}

/// A network this device holds a copy of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KnownNetwork {
    pub id: String,
    pub name: String,
}

pub fn language() -> Option<String> {
    LocalStorage::get(LANGUAGE).ok()
}

pub fn set_language(code: &str) -> Result<(), String> {
    LocalStorage::set(LANGUAGE, code).map_err(|e| e.to_string())
}

pub fn networks() -> Vec<KnownNetwork> {
    LocalStorage::get(NETWORKS).unwrap_or_default()
}

/// Adds or renames a known network.
pub fn remember_network(id: &str, name: &str) -> Result<(), String> {
    let mut all = networks();
    match all.iter_mut().find(|n| n.id == id) {
        Some(n) if n.name == name => return Ok(()),
        Some(n) => n.name = name.to_string(),
        None => all.push(KnownNetwork { id: id.to_string(), name: name.to_string() }),
    }
    LocalStorage::set(NETWORKS, all).map_err(|e| e.to_string())
}

pub fn identity(network: &str) -> Option<String> {
    LocalStorage::get(identity_key(network)).ok()
}

pub fn set_identity(network: &str, member: Option<&str>) -> Result<(), String> {
    match member {
        Some(m) => LocalStorage::set(identity_key(network), m).map_err(|e| e.to_string()),
        None => {
            LocalStorage::delete(identity_key(network));
            Ok(())
        }
    }
}
