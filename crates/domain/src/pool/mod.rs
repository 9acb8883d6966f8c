//! User pools: their settings with Cognito's defaults, and the administration rules
//! (what may be set at creation only, what UpdateUserPool replaces, deletion protection).
//!
//! `settings.rs` is the pool as stored, `input.rs` what CreateUserPool and UpdateUserPool
//! carry, `defaults.rs` how an input becomes settings (Cognito's defaults and consistency
//! rules), and `admin.rs` the administration operations.

mod admin;
mod defaults;
mod input;
mod settings;

pub use admin::default_delivery_mediums;
pub use input::*;
pub use settings::*;
