//! JSON `null` read as absent, wherever a request can hold one, as AWS reads awsJson bodies.
//!
//! Browser clients send nulls for what they leave out (`amazon-cognito-identity-js` sends
//! `"DEVICE_KEY": null` in `AuthParameters` and `"ValidationData": null` in SignUp), and Cognito
//! reads each one as if the member, map entry or list element were not there.
//! A member is an `Option`, so serde already reads its null as `None`; what this module adds is
//! the same reading inside collections: a map entry whose value is null is dropped, and so is a
//! null list element (neither model has sparse collections, so no list keeps a null).
//!
//! The generator marks every member whose type holds a collection with
//! `deserialize_with = "crate::nulls::option"`; every generated structure and enum is a [`Wire`]
//! leaf, so collections nest to any depth without a case per shape.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A type read from request JSON with nulls inside collections dropped.
pub trait Wire: Sized {
    /// Reads a value that is not itself null.
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Reads a member: null (or absence, through the container's default) is `None`.
///
/// # Errors
///
/// The deserializer's error for a value of the wrong type.
pub fn option<'de, D: Deserializer<'de>, T: Wire>(deserializer: D) -> Result<Option<T>, D::Error> {
    Option::<Read<T>>::deserialize(deserializer).map(|value| value.map(|Read(inner)| inner))
}

/// Adapts [`Wire::read`] to serde's `Deserialize`, so it can sit inside `Option` and collections.
struct Read<T>(T);

impl<'de, T: Wire> Deserialize<'de> for Read<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::read(deserializer).map(Read)
    }
}

/// Types whose own `Deserialize` is already right: scalars, generated structures and enums.
macro_rules! leaf {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::nulls::Wire for $t {
            fn read<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$t as ::serde::Deserialize>::deserialize(deserializer)
            }
        })*
    };
}

pub(crate) use leaf;

leaf!(
    String,
    i32,
    i64,
    bool,
    f64,
    crate::Blob,
    crate::Empty,
    serde_json::Value
);

impl<T: Wire> Wire for Vec<T> {
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Elements<T>(PhantomData<T>);

        impl<'de, T: Wire> Visitor<'de> for Elements<T> {
            type Value = Vec<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(element) = seq.next_element::<Option<Read<T>>>()? {
                    if let Some(Read(value)) = element {
                        out.push(value);
                    }
                }
                Ok(out)
            }
        }

        deserializer.deserialize_seq(Elements(PhantomData))
    }
}

impl<T: Wire> Wire for BTreeMap<String, T> {
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<T>(PhantomData<T>);

        impl<'de, T: Wire> Visitor<'de> for Entries<T> {
            type Value = BTreeMap<String, T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, Option<Read<T>>>()? {
                    // A later entry wins over an earlier one, as with serde's own maps.
                    match value {
                        Some(Read(value)) => out.insert(key, value),
                        None => out.remove(&key),
                    };
                }
                Ok(out)
            }
        }

        deserializer.deserialize_map(Entries(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    #[serde(default)]
    struct Input {
        #[serde(rename = "Map", deserialize_with = "option")]
        map: Option<BTreeMap<String, String>>,
        #[serde(rename = "List", deserialize_with = "option")]
        list: Option<Vec<Vec<String>>>,
    }

    #[test]
    fn nulls_in_members_maps_and_nested_lists_read_as_absent() {
        let input: Input =
            serde_json::from_str(r#"{"Map":{"A":"1","B":null},"List":[null,["x",null],null,[]]}"#)
                .unwrap();
        assert_eq!(
            input,
            Input {
                map: Some(BTreeMap::from([("A".to_owned(), "1".to_owned())])),
                list: Some(vec![vec!["x".to_owned()], vec![]]),
            }
        );
        let input: Input = serde_json::from_str(r#"{"Map":null,"List":null}"#).unwrap();
        assert_eq!(input, Input::default());
    }

    #[test]
    fn a_null_entry_removes_an_earlier_one_of_the_same_key() {
        let input: Input = serde_json::from_str(r#"{"Map":{"A":"1","A":null}}"#).unwrap();
        assert_eq!(input.map, Some(BTreeMap::new()));
    }

    #[test]
    fn wrong_types_are_still_errors() {
        assert!(serde_json::from_str::<Input>(r#"{"Map":{"A":1}}"#).is_err());
        assert!(serde_json::from_str::<Input>(r#"{"List":"x"}"#).is_err());
    }
}
