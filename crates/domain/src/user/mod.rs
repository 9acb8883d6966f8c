//! Users: the stored record here; how users are named and found (usernames, aliases, case
//! sensitivity) in `lookup`, their attributes in `attributes`, their password in `password`,
//! writing them in `writes`, and the administrative operations in `admin`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::b64;
use crate::enums::UserStatus;
use crate::time::Timestamp;

mod admin;
mod attributes;
mod lookup;
mod password;
mod writes;

pub use admin::{AdminCreateUserInput, MessageAction, display_username};
pub(crate) use attributes::{apply_attribute_changes, collect_attributes, delete_attributes};
pub use lookup::{user_keys, username_key};
pub(crate) use password::password_purpose;
pub(crate) use writes::{CreatedBy, username_for_new_user};

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub pool_id: String,
    pub sub: String,
    /// The internal username: what the caller chose, or the `sub` in pools where email or
    /// phone number is the username. It is also Cognito's `USER_ID_FOR_SRP`.
    pub username: String,
    pub status: UserStatus,
    pub enabled: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub version: i64,
    /// Attribute values by name, `sub` included.
    pub attributes: BTreeMap<String, String>,
    pub password: Option<PasswordRecord>,
    /// Legacy MFAOptions (SetUserSettings); kept for AdminGetUser.
    #[serde(default)]
    pub mfa_options: Vec<MfaOption>,
    #[serde(default)]
    pub preferred_mfa: Option<String>,
    /// Second factors the user enabled (UserMFASettingList): `SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`.
    #[serde(default)]
    pub mfa_methods: Vec<String>,
    /// The user's TOTP authenticator, sealed.
    #[serde(default)]
    pub software_token: SoftwareTokens,
    /// New email or phone values waiting for verification before they replace the old ones
    /// (the pool's AttributesRequireVerificationBeforeUpdate).
    #[serde(default)]
    pub pending_attributes: BTreeMap<String, String>,
}

/// A password stored as Cognito's clients need it: the SRP salt and verifier, sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordRecord {
    #[serde(with = "b64")]
    pub sealed: Vec<u8>,
    pub set_at: Timestamp,
    /// When a temporary (admin-set) password stops working.
    pub temporary_until: Option<Timestamp>,
    /// Set (to the algorithm's name) while `sealed` holds a hash imported from another
    /// system instead of a verifier; the first password sign-in replaces it (see
    /// `legacy_password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy: Option<String>,
}

/// A user's software tokens: the verified one sign-ins check, and one AssociateSoftwareToken
/// handed out that VerifySoftwareToken has not confirmed yet. Secrets are sealed, bound to
/// the pool and user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftwareTokens {
    #[serde(default)]
    pub verified: Option<SoftwareToken>,
    #[serde(default, with = "b64::option")]
    pub pending: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftwareToken {
    #[serde(with = "b64")]
    pub sealed_secret: Vec<u8>,
    pub friendly_name: Option<String>,
    pub verified_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaOption {
    pub delivery_medium: String,
    pub attribute_name: String,
}

impl User {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    pub fn is_verified(&self, attribute: &str) -> bool {
        self.attribute(&format!("{attribute}_verified")) == Some("true")
    }

    pub(crate) fn set_verified(&mut self, attribute: &str, verified: bool) {
        self.attributes
            .insert(format!("{attribute}_verified"), verified.to_string());
    }
}
