//! A user pool as stored: its identity, the sign-in identifiers fixed at creation, and the
//! settings UpdateUserPool replaces, each with Cognito's default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::enums::{
    AliasAttribute, MfaMode, RecoveryOptionName, UsernameAttribute, VerifiableAttribute,
};
use crate::ids;
use crate::schema::SchemaAttribute;
use crate::time::Timestamp;

/// A user pool as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPool {
    pub id: String,
    pub name: String,
    pub created: Timestamp,
    pub modified: Timestamp,
    /// Bumped on every write; updates name the version they read (optimistic locking).
    pub version: i64,
    pub schema: Vec<SchemaAttribute>,
    pub sign_in: SignInIdentifiers,
    pub settings: PoolSettings,
    pub mfa: MfaSettings,
    pub tags: BTreeMap<String, String>,
}

impl UserPool {
    /// The part of the pool id after the region, which Cognito's SRP hashes as the pool name.
    pub fn srp_pool_name(&self) -> &str {
        ids::srp_pool_name(&self.id)
    }

    /// The region the pool was created in, which its id starts with.
    pub fn region(&self) -> &str {
        ids::pool_region(&self.id)
    }

    /// The pool's ARN, in the pool's own region.
    pub fn arn(&self, account_id: &str) -> String {
        format!(
            "arn:aws:cognito-idp:{}:{account_id}:userpool/{}",
            self.region(),
            self.id
        )
    }

    pub fn attribute(&self, name: &str) -> Option<&SchemaAttribute> {
        self.schema.iter().find(|a| a.name == name)
    }
}

/// How users are named and found; fixed when the pool is created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInIdentifiers {
    pub username_attributes: Vec<UsernameAttribute>,
    pub alias_attributes: Vec<AliasAttribute>,
    /// `None` when the pool was created without UsernameConfiguration (Cognito then
    /// treats usernames as case-sensitive and omits the setting from DescribeUserPool).
    pub case_sensitive: Option<bool>,
}

impl SignInIdentifiers {
    pub fn is_case_sensitive(&self) -> bool {
        self.case_sensitive.unwrap_or(true)
    }
}

/// Settings UpdateUserPool replaces as a whole (unset members go back to their defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolSettings {
    pub password_policy: PasswordPolicy,
    pub sign_in_policy: SignInPolicy,
    pub deletion_protection: bool,
    pub lambda_config: LambdaConfig,
    pub auto_verified_attributes: Vec<VerifiableAttribute>,
    pub verification_message_template: VerificationMessageTemplate,
    pub sms_verification_message: Option<String>,
    pub email_verification_message: Option<String>,
    pub email_verification_subject: Option<String>,
    pub attributes_require_verification_before_update: Vec<VerifiableAttribute>,
    pub device_configuration: Option<DeviceConfiguration>,
    pub email_configuration: EmailConfiguration,
    pub sms_configuration: Option<SmsConfiguration>,
    pub admin_create_user_config: AdminCreateUserConfig,
    pub user_pool_add_ons: Option<UserPoolAddOns>,
    pub dcr_configuration: Option<DcrConfiguration>,
    pub account_recovery: Option<Vec<RecoveryOption>>,
    pub tier: String,
    pub key_configuration: Option<KeyConfiguration>,
    pub issuer_type: Option<String>,
    pub acr_configuration: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub history_size: Option<u32>,
    pub temporary_password_validity_days: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            history_size: None,
            temporary_password_validity_days: 7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInPolicy {
    pub allowed_first_auth_factors: Vec<String>,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            allowed_first_auth_factors: vec!["PASSWORD".to_owned()],
        }
    }
}

/// Trigger ARNs. Kept as given; the trigger issue maps them to endpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LambdaConfig {
    pub pre_sign_up: Option<String>,
    pub custom_message: Option<String>,
    pub post_confirmation: Option<String>,
    pub pre_authentication: Option<String>,
    pub post_authentication: Option<String>,
    pub define_auth_challenge: Option<String>,
    pub create_auth_challenge: Option<String>,
    pub verify_auth_challenge_response: Option<String>,
    pub pre_token_generation: Option<String>,
    pub user_migration: Option<String>,
    pub pre_token_generation_config: Option<VersionedLambda>,
    pub custom_sms_sender: Option<VersionedLambda>,
    pub custom_email_sender: Option<VersionedLambda>,
    pub kms_key_id: Option<String>,
    pub inbound_federation: Option<VersionedLambda>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionedLambda {
    pub lambda_version: String,
    pub lambda_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationMessageTemplate {
    pub sms_message: Option<String>,
    pub email_message: Option<String>,
    pub email_subject: Option<String>,
    pub email_message_by_link: Option<String>,
    pub email_subject_by_link: Option<String>,
    pub default_email_option: String,
}

impl Default for VerificationMessageTemplate {
    fn default() -> Self {
        VerificationMessageTemplate {
            sms_message: None,
            email_message: None,
            email_subject: None,
            email_message_by_link: None,
            email_subject_by_link: None,
            default_email_option: "CONFIRM_WITH_CODE".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceConfiguration {
    pub challenge_required_on_new_device: bool,
    pub device_only_remembered_on_user_prompt: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailConfiguration {
    pub source_arn: Option<String>,
    pub reply_to_email_address: Option<String>,
    pub email_sending_account: String,
    pub from: Option<String>,
    pub configuration_set: Option<String>,
}

impl Default for EmailConfiguration {
    fn default() -> Self {
        EmailConfiguration {
            source_arn: None,
            reply_to_email_address: None,
            email_sending_account: "COGNITO_DEFAULT".to_owned(),
            from: None,
            configuration_set: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsConfiguration {
    pub sns_caller_arn: Option<String>,
    pub external_id: Option<String>,
    pub sns_region: Option<String>,
    pub eums_sms: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminCreateUserConfig {
    pub allow_admin_create_user_only: bool,
    pub unused_account_validity_days: u32,
    pub invite_sms_message: Option<String>,
    pub invite_email_message: Option<String>,
    pub invite_email_subject: Option<String>,
}

impl Default for AdminCreateUserConfig {
    fn default() -> Self {
        AdminCreateUserConfig {
            allow_admin_create_user_only: false,
            unused_account_validity_days: 7,
            invite_sms_message: None,
            invite_email_message: None,
            invite_email_subject: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPoolAddOns {
    pub advanced_security_mode: String,
    pub custom_auth_mode: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DcrConfiguration {
    pub enable_status: Option<String>,
    pub open_dcr_enabled: Option<bool>,
    pub authenticated_grant_types: Option<Vec<String>>,
    pub open_dcr_grant_types: Option<Vec<String>>,
    pub allowed_scopes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryOption {
    pub name: RecoveryOptionName,
    pub priority: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyConfiguration {
    pub key_type: Option<String>,
    pub kms_key_arn: Option<String>,
}

/// MFA settings, shared by CreateUserPool and Get/SetUserPoolMfaConfig.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfaSettings {
    pub mode: MfaMode,
    pub sms_authentication_message: Option<String>,
    /// Whether SetUserPoolMfaConfig has configured SMS MFA.
    pub sms_enabled: bool,
    pub software_token_enabled: bool,
    pub email: Option<EmailMfa>,
    pub web_authn: Option<WebAuthnConfiguration>,
}

impl Default for MfaSettings {
    fn default() -> Self {
        MfaSettings {
            mode: MfaMode::Off,
            sms_authentication_message: None,
            sms_enabled: false,
            software_token_enabled: false,
            email: None,
            web_authn: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailMfa {
    pub message: Option<String>,
    pub subject: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebAuthnConfiguration {
    pub relying_party_id: Option<String>,
    pub user_verification: Option<String>,
    pub factor_configuration: Option<String>,
}

impl WebAuthnConfiguration {
    /// The user verification passkeys need: the pool's, or Cognito's default, `preferred`.
    pub fn user_verification(&self) -> &str {
        self.user_verification.as_deref().unwrap_or("preferred")
    }

    /// Whether a passkey is a whole sign-in or one factor: the pool's, or Cognito's default,
    /// `SINGLE_FACTOR`.
    pub fn factor_configuration(&self) -> &str {
        self.factor_configuration
            .as_deref()
            .unwrap_or("SINGLE_FACTOR")
    }
}
