//! How a pool input becomes settings: Cognito's defaults, the legacy fields kept in step with
//! their replacements, and the consistency rules between them.

use super::*;
use crate::enums::{MfaMode, RecoveryOptionName};
use crate::error::{Error, Result};

pub(super) fn password_policy_from(input: Option<PasswordPolicyInput>) -> PasswordPolicy {
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
pub(super) fn verification_template_from(input: &PoolInput) -> VerificationMessageTemplate {
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

pub(super) fn email_configuration_from(
    input: Option<EmailConfigurationInput>,
) -> EmailConfiguration {
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
pub(super) fn temporary_password_days(input: &PoolInput) -> u32 {
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

pub(super) fn admin_create_user_config_from(
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
pub(super) fn settings_from(input: &PoolInput) -> Result<PoolSettings> {
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

pub(super) fn check_template_consistency(input: &PoolInput) -> Result<()> {
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

pub(super) fn check_recovery(recovery: &Option<Vec<RecoveryOption>>) -> Result<()> {
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

pub(super) fn sign_in_identifiers_from(input: &PoolInput) -> Result<SignInIdentifiers> {
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

pub(super) fn mfa_from_create(input: &PoolInput) -> Result<MfaSettings> {
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
