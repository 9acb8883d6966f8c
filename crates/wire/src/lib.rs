//! Cognito's JSON wire types and their validation, generated from the AWS service model.
//!
//! Everything under [`idp`] is generated at build time by `build.rs` from the Apache-2.0 botocore model in
//! `models/cognito-idp/2016-04-18/service-2.json`: one struct per model structure, one enum per string enum,
//! the [`idp::Operation`] list with each operation's auth type and errors, and the model's constraints as
//! [`Validate`] impls whose messages reproduce Cognito's (Coral's) wording.
//! This crate is not the protocol: it knows shapes and constraints, not HTTP, `X-Amz-Target` routing or error bodies.
//!
//! # Layout
//!
//! - [`idp`]: the generated `cognito-idp` module (`include!`s `$OUT_DIR/cognito_idp.rs`).
//! - [`identity`]: the generated `cognito-identity` module (identity pools), from the same generator.
//! - [`validate`]: [`Validate`], [`ValidationErrors`], [`validate_input`] and the rules generated code fills in.
//! - [`Blob`] (bytes as base64 strings) and [`Empty`] (operations without an input or output shape).
//! - [`nulls`]: JSON `null` read as absent inside collections, as AWS reads it; the generator uses it for every collection member.
//! - `build.rs` and `build/`: the generator. It is generic over a model file, so another service is one more entry there.
//!
//! # Invariants
//!
//! - **Only `cognate-api` (the protocol layer) may depend on this crate.** These types are the wire contract:
//!   domain types never appear on the wire, and the protocol layer converts between the two by hand.
//! - **Deserializing never enforces the model.** Every member is an `Option` and unknown enum strings parse as
//!   `Unknown`, so a missing or out-of-range member is reported by [`validate_input`] with Cognito's message,
//!   not as a parse error. Unknown JSON members are ignored, and a `null` anywhere (a member, a map value, a list
//!   element) reads as absent, as AWS reads it.
//! - **Sensitive shapes never leak.** Members the model marks `sensitive` print as `"***"` in `Debug` and their values
//!   are left out of validation messages.
//! - **The model is the only source.** Nothing here names a Cognito operation or shape by hand; a model update is a
//!   file copy and a rebuild, and anything the generator cannot translate faithfully fails the build.
//!
//! # Building a dispatch table
//!
//! [`for_each_operation!`] hands every operation to a macro of the caller's, with input and output type names
//! relative to [`idp`]:
//!
//! ```
//! use cognate_wire::idp::{self, Operation};
//! use cognate_wire::{Validate, validate_input};
//!
//! /// Parses and validates a request body as `I`, the input type of one operation.
//! fn check<I: Validate + serde::de::DeserializeOwned>(body: &str) -> Result<(), String> {
//!     let input: I = serde_json::from_str(body).map_err(|e| e.to_string())?;
//!     validate_input(&input).map_err(|e| e.to_string())
//! }
//!
//! macro_rules! checks {
//!     ($(($op:ident, $input:ident, $output:ident)),*) => {
//!         [$((Operation::$op, check::<idp::$input> as fn(&str) -> Result<(), String>)),*]
//!     };
//! }
//!
//! let table = cognate_wire::for_each_operation!(checks);
//! assert_eq!(table.len(), Operation::ALL.len());
//! let (_, check_list_users) = table.iter().find(|(op, _)| *op == Operation::ListUsers).unwrap();
//! assert_eq!(
//!     check_list_users(r#"{"Limit": 10}"#).unwrap_err(),
//!     "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null",
//! );
//! ```

mod blob;
mod empty;
mod enums;
pub mod identity;
pub mod idp;
pub mod nulls;
pub mod validate;

pub use blob::Blob;
pub use empty::Empty;
pub use validate::{Pattern, Validate, ValidationErrors, validate_input};

/// Prints `"***"` for a present sensitive member and `None` for an absent one: `Debug` shows presence, never the value.
pub(crate) struct Redacted<'a, T>(pub &'a Option<T>);

impl<T> std::fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(_) => f.write_str("\"***\""),
            None => f.write_str("None"),
        }
    }
}
