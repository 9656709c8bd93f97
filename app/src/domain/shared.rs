//! `Shared<T>`: a read-only value that many answers carry, cloned by reference count, and on the
//! server written as JSON once. Why: the effective permissions `whoami` and introspection report
//! are the same for every request at one access version; once the token lookup was cached,
//! cloning those lists and serialising them again on every request was the largest part of
//! those handlers' own work (docs/benchmarks.md, "Token verification under load").

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A value shared between answers; reads through `Deref`, compares and prints as the value.
pub struct Shared<T>(Arc<Inner<T>>);

struct Inner<T> {
    value: T,
    /// The value's JSON, written the first time an answer carrying it is serialised.
    #[cfg(feature = "ssr")]
    json: std::sync::OnceLock<Box<serde_json::value::RawValue>>,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Arc::new(Inner {
            value,
            #[cfg(feature = "ssr")]
            json: std::sync::OnceLock::new(),
        }))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.value
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Self {
        Shared::new(T::default())
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0.value == other.0.value
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.value.fmt(f)
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[cfg(feature = "ssr")]
        {
            use serde::ser::Error;
            let json = match self.0.json.get() {
                Some(json) => json,
                None => {
                    let written =
                        serde_json::value::to_raw_value(&self.0.value).map_err(S::Error::custom)?;
                    self.0.json.get_or_init(|| written)
                }
            };
            json.serialize(serializer)
        }
        #[cfg(not(feature = "ssr"))]
        self.0.value.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Shared::new)
    }
}

/// An answer kept only as the JSON it is sent as: what the credential cache holds for each
/// token (`whoami`'s and introspection's answers), at a fraction of the value's size, and sent
/// without serialising anything.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct SentJson(Arc<serde_json::value::RawValue>);

#[cfg(feature = "ssr")]
impl SentJson {
    /// `value` written as JSON, once.
    pub fn of<T: Serialize>(value: &T) -> Result<SentJson, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(|raw| SentJson(Arc::from(raw)))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }
}

#[cfg(feature = "ssr")]
impl Serialize for SentJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn serialises_as_the_value_every_time() {
        let map: BTreeMap<String, Vec<String>> =
            [("ws \"a\"".to_string(), vec!["x:run".to_string()])].into();
        let shared = Shared::new(map.clone());
        let expected = serde_json::to_string(&map).unwrap();
        let copy = shared.clone();
        assert_eq!(serde_json::to_string(&shared).unwrap(), expected);
        assert_eq!(
            serde_json::to_string(&copy).unwrap(),
            expected,
            "the written copy"
        );
        assert_eq!(
            serde_json::to_value(&copy).unwrap(),
            serde_json::to_value(&map).unwrap()
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn sent_json_is_the_value_written_once() {
        let map: BTreeMap<&str, u8> = [("a", 1), ("b", 2)].into();
        let sent = SentJson::of(&map).unwrap();
        assert_eq!(sent.as_str(), r#"{"a":1,"b":2}"#);
        assert_eq!(serde_json::to_string(&sent.clone()).unwrap(), sent.as_str());
    }

    #[test]
    fn reads_back_and_compares_as_the_value() {
        let shared: Shared<Vec<String>> = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert_eq!(*shared, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(shared, Shared::new(vec!["a".into(), "b".into()]));
        assert_eq!(format!("{shared:?}"), r#"["a", "b"]"#);
    }
}
