//! What CreateUserPool, UpdateUserPool and SetUserPoolMfaConfig carry, before defaults apply.

use std::collections::BTreeMap;

use super::*;
use crate::enums::{AliasAttribute, MfaMode, UsernameAttribute, VerifiableAttribute};
use crate::schema::SchemaAttributeInput;

/// Everything CreateUserPool and UpdateUserPool may carry; `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct PoolInput {
    /// The region the request was made in (its SigV4 scope); `None` is the node's region.
    /// It becomes the start of the pool's id and appears in its ARN.
    pub region: Option<String>,
    pub name: Option<String>,
    pub password_policy: Option<PasswordPolicyInput>,
    pub sign_in_policy: Option<SignInPolicy>,
    pub deletion_protection: Option<bool>,
    pub lambda_config: Option<LambdaConfig>,
    pub auto_verified_attributes: Option<Vec<VerifiableAttribute>>,
    pub alias_attributes: Option<Vec<AliasAttribute>>,
    pub username_attributes: Option<Vec<UsernameAttribute>>,
    pub sms_verification_message: Option<String>,
    pub email_verification_message: Option<String>,
    pub email_verification_subject: Option<String>,
    pub verification_message_template: Option<VerificationMessageTemplateInput>,
    pub sms_authentication_message: Option<String>,
    pub mfa_configuration: Option<MfaMode>,
    pub attributes_require_verification_before_update: Option<Vec<VerifiableAttribute>>,
    pub device_configuration: Option<DeviceConfiguration>,
    pub email_configuration: Option<EmailConfigurationInput>,
    pub sms_configuration: Option<SmsConfiguration>,
    pub tags: Option<BTreeMap<String, String>>,
    pub admin_create_user_config: Option<AdminCreateUserConfigInput>,
    pub schema: Option<Vec<SchemaAttributeInput>>,
    pub user_pool_add_ons: Option<UserPoolAddOns>,
    pub dcr_configuration: Option<DcrConfiguration>,
    pub username_case_sensitive: Option<bool>,
    pub account_recovery: Option<Vec<RecoveryOption>>,
    pub tier: Option<String>,
    pub key_configuration: Option<KeyConfiguration>,
    pub issuer_type: Option<String>,
    pub acr_configuration: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default)]
pub struct PasswordPolicyInput {
    pub minimum_length: Option<u32>,
    pub require_uppercase: Option<bool>,
    pub require_lowercase: Option<bool>,
    pub require_numbers: Option<bool>,
    pub require_symbols: Option<bool>,
    pub history_size: Option<u32>,
    pub temporary_password_validity_days: Option<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct VerificationMessageTemplateInput {
    pub sms_message: Option<String>,
    pub email_message: Option<String>,
    pub email_subject: Option<String>,
    pub email_message_by_link: Option<String>,
    pub email_subject_by_link: Option<String>,
    pub default_email_option: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct EmailConfigurationInput {
    pub source_arn: Option<String>,
    pub reply_to_email_address: Option<String>,
    pub email_sending_account: Option<String>,
    pub from: Option<String>,
    pub configuration_set: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AdminCreateUserConfigInput {
    pub allow_admin_create_user_only: Option<bool>,
    pub unused_account_validity_days: Option<u32>,
    pub invite_sms_message: Option<String>,
    pub invite_email_message: Option<String>,
    pub invite_email_subject: Option<String>,
}

/// The MFA part of SetUserPoolMfaConfig. As in Cognito, the request describes the whole
/// configuration: a factor left out (SMS, software token, email) is switched off, a mode left
/// out keeps the current one, and WebAuthnConfiguration left out keeps the current one.
#[derive(Debug, Clone, Default)]
pub struct MfaConfigInput {
    pub mode: Option<MfaMode>,
    pub sms: Option<SmsMfaInput>,
    pub software_token_enabled: Option<bool>,
    pub email: Option<EmailMfa>,
    pub web_authn: Option<WebAuthnConfiguration>,
}

#[derive(Debug, Clone, Default)]
pub struct SmsMfaInput {
    pub sms_authentication_message: Option<String>,
    pub sms_configuration: Option<SmsConfiguration>,
}

/// One page of a listing and the key to continue after it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}
