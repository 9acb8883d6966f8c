//! Cognito's JSON wire types and their validation, generated from the AWS service model.
//!
//! Everything under [`idp`] is generated at build time by `build.rs` from the Apache-2.0 botocore model in
//! `models/cognito-idp/2016-04-18/service-2.json`: one struct per model structure, one enum per string enum,
//! the [`idp::Operation`] list with each operation's auth type, and the model's constraints as [`Validate`] impls
//! whose messages reproduce Cognito's (Coral's) wording.
//! The hand-written rest of the crate is the runtime those generated items rely on:
//! [`validate`] (rules and messages), [`Blob`] (base64 bytes) and [`Empty`] (operations without an input or output shape).
//!
//! # Invariants
//!
//! - **Only `cognate-api` (the protocol layer) may depend on this crate.** These types are the wire contract:
//!   domain types never appear on the wire, and the protocol layer converts between the two by hand.
//! - **Deserializing never enforces the model.** Every member is an `Option` and unknown enum strings parse as `Unknown`,
//!   so a missing or out-of-range member is reported by [`validate_input`] with Cognito's validation message, not as a parse error.
//! - **Sensitive shapes never leak.** Members the model marks `sensitive` print as `***` in `Debug` and are left out of validation messages.
//! - **The model is the only source.** Nothing here names a Cognito operation or shape by hand; a model update is a file copy and a rebuild.

mod blob;
mod empty;
mod enums;
pub mod idp;
pub mod validate;

pub use blob::Blob;
pub use empty::Empty;
pub use validate::{Pattern, Validate, ValidationErrors, validate_input};

/// Prints `***` for a present sensitive member and `None` for an absent one, so `Debug` output shows presence but never the value.
pub(crate) struct Redacted<'a, T>(pub &'a Option<T>);

impl<T> std::fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(_) => f.write_str("\"***\""),
            None => f.write_str("None"),
        }
    }
}
