//! The stand-in for operations whose model has no input or output shape.

use serde::{Deserialize, Serialize};

use crate::{Validate, ValidationErrors};

/// An operation input or output without members: serializes to `{}` and accepts any JSON object, ignoring its members.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Empty {}

impl Validate for Empty {
    fn validate(&self, _path: &str, _errors: &mut ValidationErrors) {}
}
