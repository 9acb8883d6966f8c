//! The subset of the botocore service-model JSON the generator reads.
//!
//! Member, operation and enum order carry meaning (Coral reports violations in member order, and `Operation::ALL`
//! follows the model), so objects are read into [`Ordered`] rather than a map that would sort them.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

#[derive(Deserialize)]
pub struct Model {
    pub metadata: Metadata,
    pub operations: Ordered<Operation>,
    pub shapes: Ordered<Shape>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub api_version: String,
    pub json_version: Option<String>,
    pub target_prefix: Option<String>,
    pub service_id: Option<String>,
}

#[derive(Deserialize)]
pub struct Operation {
    pub name: String,
    pub input: Option<ShapeRef>,
    pub output: Option<ShapeRef>,
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    pub authtype: Option<String>,
    #[serde(default)]
    pub auth: Vec<String>,
}

impl Operation {
    /// Unsigned operations say so in one of two ways depending on the model's vintage.
    pub fn requires_sigv4(&self) -> bool {
        self.authtype.as_deref() != Some("none")
            && !self.auth.iter().any(|a| a == "smithy.api#noAuth")
    }
}

#[derive(Deserialize)]
pub struct ShapeRef {
    pub shape: String,
}

#[derive(Deserialize)]
pub struct Member {
    pub shape: String,
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Deserialize)]
pub struct Shape {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub members: Ordered<Member>,
    #[serde(default)]
    pub required: Vec<String>,
    pub member: Option<ShapeRef>,
    pub key: Option<ShapeRef>,
    pub value: Option<ShapeRef>,
    #[serde(rename = "enum")]
    pub values: Option<Vec<String>>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<String>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub exception: bool,
    #[serde(default)]
    pub fault: bool,
    #[serde(default)]
    pub document: bool,
}

/// A JSON object read in document order.
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Ordered<T> {
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered<T>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }

        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}
