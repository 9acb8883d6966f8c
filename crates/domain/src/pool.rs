//! User pools: their settings with Cognito's defaults, and the administration rules
//! (what may be set at creation only, what UpdateUserPool replaces, deletion protection).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::enums::{
    AliasAttribute, DeliveryMedium, MfaMode, RecoveryOptionName, UsernameAttribute,
    VerifiableAttribute,
};
use crate::error::{Error, ErrorKind, Result};
use crate::schema::{SchemaAttribute, SchemaAttributeInput};
use crate::time::Timestamp;
use crate::{Domain, ids};

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

fn password_policy_from(input: Option<PasswordPolicyInput>) -> PasswordPolicy {
    let d = PasswordPolicy::default();
    let Some(p) = input else { return d };
    PasswordPolicy {
        minimum_length: p.minimum_length.unwrap_or(d.minimum_length),
        require_uppercase: p.require_uppercase.unwrap_or(false),
        require_lowercase: p.require_lowercase.unwrap_or(false),
        require_numbers: p.require_numbers.unwrap_or(false),
        require_symbols: p.require_symbols.unwrap_or(false),
        history_size: p.history_size,
        temporary_password_validity_days: p
            .temporary_password_validity_days
            .unwrap_or(d.temporary_password_validity_days),
    }
}

/// Cognito keeps the legacy message fields and the template in step: a value given in
/// either place appears in both.
fn verification_template_from(input: &PoolInput) -> VerificationMessageTemplate {
    let t = input
        .verification_message_template
        .clone()
        .unwrap_or_default();
    VerificationMessageTemplate {
        sms_message: t
            .sms_message
            .or_else(|| input.sms_verification_message.clone()),
        email_message: t
            .email_message
            .or_else(|| input.email_verification_message.clone()),
        email_subject: t
            .email_subject
            .or_else(|| input.email_verification_subject.clone()),
        email_message_by_link: t.email_message_by_link,
        email_subject_by_link: t.email_subject_by_link,
        default_email_option: t
            .default_email_option
            .unwrap_or_else(|| "CONFIRM_WITH_CODE".to_owned()),
    }
}

fn email_configuration_from(input: Option<EmailConfigurationInput>) -> EmailConfiguration {
    let d = EmailConfiguration::default();
    let Some(e) = input else { return d };
    EmailConfiguration {
        source_arn: e.source_arn,
        reply_to_email_address: e.reply_to_email_address,
        email_sending_account: e.email_sending_account.unwrap_or(d.email_sending_account),
        from: e.from,
        configuration_set: e.configuration_set,
    }
}

/// UnusedAccountValidityDays is the legacy name of TemporaryPasswordValidityDays: the policy's
/// value wins when given, a non-zero legacy value otherwise, and both always read the same.
fn temporary_password_days(input: &PoolInput) -> u32 {
    let from_policy = input
        .password_policy
        .as_ref()
        .and_then(|p| p.temporary_password_validity_days);
    let legacy = input
        .admin_create_user_config
        .as_ref()
        .and_then(|a| a.unused_account_validity_days)
        .filter(|days| *days > 0);
    from_policy
        .or(legacy)
        .unwrap_or(PasswordPolicy::default().temporary_password_validity_days)
}

fn admin_create_user_config_from(
    input: Option<AdminCreateUserConfigInput>,
    temporary_days: u32,
) -> AdminCreateUserConfig {
    let a = input.unwrap_or_default();
    AdminCreateUserConfig {
        allow_admin_create_user_only: a.allow_admin_create_user_only.unwrap_or(false),
        unused_account_validity_days: temporary_days,
        invite_sms_message: a.invite_sms_message,
        invite_email_message: a.invite_email_message,
        invite_email_subject: a.invite_email_subject,
    }
}

/// Builds the replaceable settings from an input, applying Cognito's defaults.
fn settings_from(input: &PoolInput) -> Result<PoolSettings> {
    let temporary_days = temporary_password_days(input);
    let password_policy = PasswordPolicy {
        temporary_password_validity_days: temporary_days,
        ..password_policy_from(input.password_policy.clone())
    };
    check_recovery(&input.account_recovery)?;
    check_template_consistency(input)?;
    let auto_verified = input.auto_verified_attributes.clone().unwrap_or_default();
    let require_before_update = input
        .attributes_require_verification_before_update
        .clone()
        .unwrap_or_default();
    if let Some(missing) = require_before_update
        .iter()
        .find(|a| !auto_verified.contains(a))
    {
        return Err(Error::invalid_parameter(format!(
            "The attribute {missing} must be auto-verified to require verification before update."
        )));
    }
    let admin_create_user_config =
        admin_create_user_config_from(input.admin_create_user_config.clone(), temporary_days);
    let template = verification_template_from(input);
    Ok(PoolSettings {
        sign_in_policy: input.sign_in_policy.clone().unwrap_or_default(),
        deletion_protection: input.deletion_protection.unwrap_or(false),
        lambda_config: input.lambda_config.clone().unwrap_or_default(),
        auto_verified_attributes: auto_verified,
        sms_verification_message: template.sms_message.clone(),
        email_verification_message: template.email_message.clone(),
        email_verification_subject: template.email_subject.clone(),
        verification_message_template: template,
        attributes_require_verification_before_update: require_before_update,
        device_configuration: input.device_configuration.clone(),
        email_configuration: email_configuration_from(input.email_configuration.clone()),
        sms_configuration: input.sms_configuration.clone(),
        admin_create_user_config,
        user_pool_add_ons: input.user_pool_add_ons.clone(),
        dcr_configuration: input.dcr_configuration.clone(),
        account_recovery: input.account_recovery.clone(),
        tier: input
            .tier
            .clone()
            .unwrap_or_else(|| "ESSENTIALS".to_owned()),
        key_configuration: input.key_configuration.clone(),
        issuer_type: input.issuer_type.clone(),
        acr_configuration: input.acr_configuration.clone(),
        password_policy,
    })
}

fn check_template_consistency(input: &PoolInput) -> Result<()> {
    let Some(t) = &input.verification_message_template else {
        return Ok(());
    };
    let conflict = |legacy: &Option<String>, templated: &Option<String>, what: &str| match (
        legacy, templated,
    ) {
        (Some(a), Some(b)) if a != b => Err(Error::invalid_parameter(format!(
            "{what} and VerificationMessageTemplate.{what_t} must be the same when both are given.",
            what_t = what.trim_start_matches("Email").trim_start_matches("Sms"),
        ))),
        _ => Ok(()),
    };
    conflict(
        &input.sms_verification_message,
        &t.sms_message,
        "SmsVerificationMessage",
    )?;
    conflict(
        &input.email_verification_message,
        &t.email_message,
        "EmailVerificationMessage",
    )?;
    conflict(
        &input.email_verification_subject,
        &t.email_subject,
        "EmailVerificationSubject",
    )?;
    if t.default_email_option.as_deref() == Some("CONFIRM_WITH_LINK")
        && let Some(message) = &t.email_message_by_link
        && !message.contains("{##")
    {
        return Err(Error::invalid_parameter(
            "EmailMessageByLink must contain a {##Click here##} link placeholder.",
        ));
    }
    Ok(())
}

fn check_recovery(recovery: &Option<Vec<RecoveryOption>>) -> Result<()> {
    let Some(options) = recovery else {
        return Ok(());
    };
    let has_admin_only = options
        .iter()
        .any(|o| o.name == RecoveryOptionName::AdminOnly);
    if has_admin_only && options.len() > 1 {
        return Err(Error::invalid_parameter(
            "admin_only cannot be combined with other recovery mechanisms.",
        ));
    }
    let mut priorities: Vec<u32> = options.iter().map(|o| o.priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    if priorities.len() != options.len() {
        return Err(Error::invalid_parameter(
            "Recovery mechanisms must have unique priorities.",
        ));
    }
    let mut names: Vec<_> = options.iter().map(|o| o.name).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != options.len() {
        return Err(Error::invalid_parameter(
            "Recovery mechanisms must be unique.",
        ));
    }
    Ok(())
}

fn sign_in_identifiers_from(input: &PoolInput) -> Result<SignInIdentifiers> {
    let username_attributes = input.username_attributes.clone().unwrap_or_default();
    let alias_attributes = input.alias_attributes.clone().unwrap_or_default();
    if !username_attributes.is_empty() && !alias_attributes.is_empty() {
        return Err(Error::invalid_parameter(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.",
        ));
    }
    Ok(SignInIdentifiers {
        username_attributes,
        alias_attributes,
        case_sensitive: input.username_case_sensitive,
    })
}

fn mfa_from_create(input: &PoolInput) -> Result<MfaSettings> {
    let mode = input.mfa_configuration.unwrap_or(MfaMode::Off);
    // SMS is the only factor CreateUserPool can switch on; TOTP, email and passkeys
    // come through SetUserPoolMfaConfig.
    let sms_enabled = mode != MfaMode::Off;
    Ok(MfaSettings {
        mode,
        sms_authentication_message: input.sms_authentication_message.clone(),
        sms_enabled,
        software_token_enabled: false,
        email: None,
        web_authn: None,
    })
}

impl Domain {
    /// CreateUserPool.
    pub async fn create_user_pool(&self, input: PoolInput) -> Result<UserPool> {
        let name = input
            .name
            .clone()
            .ok_or_else(|| Error::invalid_parameter("PoolName is required."))?;
        let settings = settings_from(&input)?;
        let sign_in = sign_in_identifiers_from(&input)?;
        let schema =
            crate::schema::schema_for_new_pool(input.schema.as_deref().unwrap_or_default())?;
        check_identifiers_against_schema(&sign_in, &schema)?;
        let mfa = mfa_from_create(&input)?;
        let region = input.region.as_deref().unwrap_or(&self.config.region);
        if !ids::is_region(region) {
            return Err(Error::invalid_parameter(format!(
                "{region} is not a region name."
            )));
        }
        let now = self.now();
        let pool = UserPool {
            id: ids::new_pool_id(region, self.random()),
            name,
            created: now,
            modified: now,
            version: 1,
            schema,
            sign_in,
            settings,
            mfa,
            tags: input.tags.unwrap_or_default(),
        };
        self.store.insert_pool(&pool).await.map_err(Error::from)?;
        // Keys made now, once, rather than by every concurrent first sign-in of the pool
        // (each would generate an RSA key and all but one would be thrown away).
        self.create_signing_keys(&pool.id).await?;
        Ok(pool)
    }

    /// DescribeUserPool (and every operation that needs the pool).
    pub async fn user_pool(&self, pool_id: &str) -> Result<UserPool> {
        let now = self.now();
        if let Some(pool) = self.pool_cache.get(pool_id, now) {
            return Ok(pool);
        }
        let pool = self
            .store
            .get_pool(pool_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| Error::pool_not_found(pool_id))?;
        self.pool_cache.put(pool_id, now, pool.clone());
        Ok(pool)
    }

    /// The pool as stored now, bypassing the cache: read-modify-write needs the current version.
    pub(crate) async fn user_pool_for_update(&self, pool_id: &str) -> Result<UserPool> {
        self.pool_cache.remove(pool_id);
        self.user_pool(pool_id).await
    }

    /// The pool, its current number of users and its domains, for DescribeUserPool.
    pub async fn describe_user_pool(
        &self,
        pool_id: &str,
    ) -> Result<(UserPool, u64, crate::domains::PoolDomains)> {
        let pool = self.user_pool(pool_id).await?;
        let users = self.store.count_users(pool_id).await.map_err(Error::from)?;
        let domains = self.pool_domains(pool_id).await?;
        Ok((pool, users, domains))
    }

    /// UpdateUserPool: replaces every mutable setting; what is not given returns to its default.
    pub async fn update_user_pool(&self, pool_id: &str, input: PoolInput) -> Result<()> {
        if input.schema.is_some()
            || input.username_attributes.is_some()
            || input.alias_attributes.is_some()
        {
            return Err(Error::invalid_parameter(
                "Schema, UsernameAttributes and AliasAttributes cannot be changed after the user pool is created.",
            ));
        }
        let mut pool = self.user_pool_for_update(pool_id).await?;
        let settings = settings_from(&input)?;
        pool.name = input.name.clone().unwrap_or_else(|| pool.name.clone());
        pool.settings = settings;
        // Like every other member, an MFA mode left out of UpdateUserPool reverts to OFF.
        pool.mfa.mode = input.mfa_configuration.unwrap_or(MfaMode::Off);
        pool.mfa.sms_authentication_message = input.sms_authentication_message.clone();
        if let Some(tags) = input.tags {
            pool.tags = tags;
        }
        self.save_pool(pool).await
    }

    /// DeleteUserPool, refused while deletion protection is active.
    pub async fn delete_user_pool(&self, pool_id: &str) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        if pool.settings.deletion_protection {
            return Err(Error::invalid_parameter(format!(
                "The user pool {pool_id} cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first."
            )));
        }
        self.store.delete_pool(pool_id).await.map_err(Error::from)?;
        self.pool_cache.remove(pool_id);
        Ok(())
    }

    /// ListUserPools, in creation order.
    pub async fn list_user_pools(&self, next: Option<&str>, limit: u32) -> Result<Page<UserPool>> {
        let after = next.map(|t| self.open_page_token("pools", t)).transpose()?;
        let mut pools = self
            .store
            .list_pools(after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut pools, limit, "pools", |p| p.id.clone())?;
        Ok(Page { items: pools, next })
    }

    /// AddCustomAttributes.
    pub async fn add_custom_attributes(
        &self,
        pool_id: &str,
        attributes: &[SchemaAttributeInput],
    ) -> Result<()> {
        let mut pool = self.user_pool_for_update(pool_id).await?;
        crate::schema::add_custom_attributes(&mut pool.schema, attributes)?;
        self.save_pool(pool).await
    }

    /// SetUserPoolMfaConfig: the factors it names are on, the others off (see [`MfaConfigInput`]).
    pub async fn set_user_pool_mfa_config(
        &self,
        pool_id: &str,
        input: MfaConfigInput,
    ) -> Result<MfaSettings> {
        let mut pool = self.user_pool_for_update(pool_id).await?;
        let mut mfa = pool.mfa.clone();
        mfa.sms_enabled = input.sms.is_some();
        if let Some(sms) = input.sms {
            mfa.sms_authentication_message = sms.sms_authentication_message;
            if let Some(config) = sms.sms_configuration {
                pool.settings.sms_configuration = Some(config);
            }
        }
        mfa.software_token_enabled = input.software_token_enabled.unwrap_or(false);
        if input.email.is_some()
            && pool.settings.email_configuration.email_sending_account != "DEVELOPER"
        {
            return Err(Error::invalid_parameter(
                "Email MFA requires the user pool to send email with EmailSendingAccount DEVELOPER.",
            ));
        }
        mfa.email = input.email;
        if let Some(web_authn) = input.web_authn {
            mfa.web_authn = Some(web_authn);
        }
        let mode = input.mode.unwrap_or(mfa.mode);
        if mode != MfaMode::Off
            && !mfa.sms_enabled
            && !mfa.software_token_enabled
            && mfa.email.is_none()
        {
            return Err(Error::invalid_parameter(
                "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
            ));
        }
        mfa.mode = mode;
        pool.mfa = mfa.clone();
        self.save_pool(pool).await?;
        Ok(mfa)
    }

    /// TagResource.
    pub async fn tag_user_pool(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        pool.tags.extend(tags);
        if pool.tags.len() > 50 {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                "A user pool can have at most 50 tags.",
            ));
        }
        self.save_pool(pool).await
    }

    /// UntagResource.
    pub async fn untag_user_pool(&self, arn: &str, keys: &[String]) -> Result<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        for key in keys {
            pool.tags.remove(key);
        }
        self.save_pool(pool).await
    }

    /// ListTagsForResource.
    pub async fn user_pool_tags(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        Ok(self.pool_by_arn(arn).await?.tags)
    }

    /// The pool an ARN names: the ARN's region must be the one in the pool's id.
    async fn pool_by_arn(&self, arn: &str) -> Result<UserPool> {
        let not_found = || Error::resource_not_found(format!("Resource {arn} does not exist."));
        let rest = arn
            .strip_prefix("arn:aws:cognito-idp:")
            .ok_or_else(not_found)?;
        let (region, rest) = rest.split_once(':').ok_or_else(not_found)?;
        let pool_id = rest
            .strip_prefix(&format!("{}:userpool/", self.config.account_id))
            .filter(|id| ids::pool_region(id) == region)
            .ok_or_else(not_found)?;
        self.store
            .get_pool(pool_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(not_found)
    }

    /// GetCSVHeader: the columns of a user import file.
    pub async fn csv_header(&self, pool_id: &str) -> Result<Vec<String>> {
        let pool = self.user_pool(pool_id).await?;
        let mut header: Vec<String> = pool
            .schema
            .iter()
            .filter(|a| a.name != "sub" && !a.developer_only)
            .map(|a| a.name.clone())
            .collect();
        header.push("cognito:mfa_enabled".to_owned());
        header.push("cognito:username".to_owned());
        Ok(header)
    }

    pub(crate) async fn save_pool(&self, mut pool: UserPool) -> Result<()> {
        let expected = pool.version;
        pool.version += 1;
        pool.modified = self.now();
        self.store
            .update_pool(&pool, expected)
            .await
            .map_err(Error::from)?;
        // Dropped after the write, so a concurrent read cannot cache the old settings again.
        self.pool_cache.remove(&pool.id);
        Ok(())
    }
}

fn check_identifiers_against_schema(
    sign_in: &SignInIdentifiers,
    schema: &[SchemaAttribute],
) -> Result<()> {
    let mutable = |name: &str| schema.iter().any(|a| a.name == name && a.mutable);
    for attr in &sign_in.alias_attributes {
        if !mutable(attr.as_str()) {
            return Err(Error::invalid_parameter(format!(
                "Alias attribute {attr} must be mutable."
            )));
        }
    }
    Ok(())
}

/// The mediums AdminCreateUser uses when the caller names none.
pub fn default_delivery_mediums() -> Vec<DeliveryMedium> {
    vec![DeliveryMedium::Sms]
}
