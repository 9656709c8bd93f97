//! What this process remembers about access, each entry valid for one access version of its
//! organization: grants per subject, declared permission names, workspace ids by name, and the
//! effective permissions `whoami` and introspection report. Every credential reads the current
//! version, so a change made through any replica makes the old entries miss on the next request.

use crate::domain::Shared;
use crate::domain::SubjectType;
use crate::services::access::Grants;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Largest number of entries one map keeps; past it the map starts over.
const CACHE_LIMIT: usize = 20_000;

/// A map whose entries answer only for the access version they were computed at.
pub struct Versioned<K, V> {
    entries: Mutex<HashMap<K, (i64, Arc<V>)>>,
}

impl<K, V> Default for Versioned<K, V> {
    fn default() -> Self {
        Versioned {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V> Versioned<K, V> {
    pub fn get(&self, key: &K, version: i64) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(key) {
            Some((v, value)) if *v == version => Some(value.clone()),
            _ => None,
        }
    }

    pub fn put(&self, key: K, version: i64, value: Arc<V>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CACHE_LIMIT {
            entries.clear();
        }
        entries.insert(key, (version, value));
    }
}

/// The permissions a principal is allowed, organization-wide and per workspace name; shared, so
/// each answer carries them without a copy and their JSON is written once per entry.
pub type Effective = (Shared<Vec<String>>, Shared<BTreeMap<String, Vec<String>>>);

/// Who an effective view is for: the principal, the token (its limits never change) and the
/// built-in role it had (a role change need not bump the version).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EffectiveKey {
    pub principal_id: String,
    pub token_id: Option<String>,
    pub role: &'static str,
    /// Presented with the secret a refresh replaced, which holds less.
    pub replaced_secret: bool,
}

/// Every access cache of one process.
#[derive(Default)]
pub struct AccessCache {
    pub grants: Versioned<(SubjectType, String), Grants>,
    /// By organization id.
    pub declared: Versioned<String, Vec<String>>,
    /// By organization id: workspace name to id.
    pub workspaces: Versioned<String, HashMap<String, String>>,
    pub effective: Versioned<EffectiveKey, Effective>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_answer_only_for_their_version() {
        let map: Versioned<String, u32> = Versioned::default();
        map.put("org".into(), 3, Arc::new(7));
        assert_eq!(map.get(&"org".into(), 3).as_deref(), Some(&7));
        assert!(map.get(&"org".into(), 4).is_none());
        assert!(map.get(&"other".into(), 3).is_none());
    }
}
