//! A field of a partial update, where "not sent" and "sent as null" mean different things:
//! absent leaves the value unchanged, `null` clears it, anything else sets it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One field of a partial update. Use with `#[serde(default, skip_serializing_if =
/// "Patch::is_unchanged")]` so an absent field deserializes as `Unchanged` and is not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Unchanged,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Patch::Unchanged)
    }

    /// The value after applying this patch to `current`.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Unchanged => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v),
        }
    }

    /// A patch that sets `Some` values and clears `None`.
    pub fn from_option(value: Option<T>) -> Patch<T> {
        value.map_or(Patch::Clear, Patch::Set)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    /// Only called when the field is present: `null` clears, a value sets.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(Patch::from_option)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Set(v) => s.serialize_some(v),
            Patch::Unchanged | Patch::Clear => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Body {
        #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
        days: Patch<i64>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let parse = |s: &str| serde_json::from_str::<Body>(s).unwrap().days;
        assert_eq!(parse("{}"), Patch::Unchanged);
        assert_eq!(parse(r#"{"days": null}"#), Patch::Clear);
        assert_eq!(parse(r#"{"days": 30}"#), Patch::Set(30));
        assert_eq!(Patch::Unchanged.apply(Some(5)), Some(5));
        assert_eq!(Patch::<i64>::Clear.apply(Some(5)), None);
    }

    #[test]
    fn unchanged_is_not_sent() {
        let s = |days| serde_json::to_string(&Body { days }).unwrap();
        assert_eq!(s(Patch::Unchanged), "{}");
        assert_eq!(s(Patch::Clear), r#"{"days":null}"#);
        assert_eq!(s(Patch::Set(7)), r#"{"days":7}"#);
    }
}
