//! User-pool administration: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool,
//! ListUserPools, AddCustomAttributes, Get/SetUserPoolMfaConfig, GetCSVHeader and tags.

use std::collections::BTreeMap;

use cognate_domain::enums::{
    AliasAttribute, AttributeDataType, MfaMode, RecoveryOptionName, UsernameAttribute,
    VerifiableAttribute,
};
use cognate_domain::paging::PageSize;
use cognate_domain::pool::{
    AdminCreateUserConfigInput, DcrConfiguration, DeviceConfiguration, EmailConfigurationInput,
    EmailMfa, KeyConfiguration, LambdaConfig, MfaConfigInput, MfaSettings, PasswordPolicyInput,
    PoolInput, RecoveryOption, SignInPolicy, SmsConfiguration, SmsMfaInput, UserPool,
    UserPoolAddOns, VerificationMessageTemplateInput, VersionedLambda, WebAuthnConfiguration,
};
use cognate_domain::schema::{
    NumberConstraints, SchemaAttribute, SchemaAttributeInput, StringConstraints,
};
use cognate_wire::Empty;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::{enum_in, enum_out, enums_in, enums_out, non_negative, required, time};
use crate::error::ApiError;

/// Fills the members CreateUserPool and UpdateUserPool share.
macro_rules! shared_pool_input {
    ($req:ident) => {
        PoolInput {
            password_policy: $req
                .policies
                .as_ref()
                .and_then(|p| p.password_policy.clone())
                .map(password_policy_in),
            sign_in_policy: $req
                .policies
                .as_ref()
                .and_then(|p| p.sign_in_policy.clone())
                .map(|s| SignInPolicy {
                    allowed_first_auth_factors: s
                        .allowed_first_auth_factors
                        .unwrap_or_default()
                        .iter()
                        .map(|f| f.to_string())
                        .collect(),
                }),
            deletion_protection: $req
                .deletion_protection
                .as_ref()
                .map(|d| d.as_str() == "ACTIVE"),
            lambda_config: $req.lambda_config.map(lambda_config_in),
            auto_verified_attributes: enums_in(
                $req.auto_verified_attributes,
                VerifiableAttribute::parse,
            )?,
            sms_verification_message: $req.sms_verification_message,
            email_verification_message: $req.email_verification_message,
            email_verification_subject: $req.email_verification_subject,
            verification_message_template: $req.verification_message_template.map(|t| {
                VerificationMessageTemplateInput {
                    sms_message: t.sms_message,
                    email_message: t.email_message,
                    email_subject: t.email_subject,
                    email_message_by_link: t.email_message_by_link,
                    email_subject_by_link: t.email_subject_by_link,
                    default_email_option: t.default_email_option.map(|o| o.to_string()),
                }
            }),
            sms_authentication_message: $req.sms_authentication_message,
            mfa_configuration: $req
                .mfa_configuration
                .as_ref()
                .map(|m| enum_in(m, MfaMode::parse))
                .transpose()?,
            attributes_require_verification_before_update: enums_in(
                $req.user_attribute_update_settings
                    .and_then(|u| u.attributes_require_verification_before_update),
                VerifiableAttribute::parse,
            )?,
            device_configuration: $req.device_configuration.map(|d| DeviceConfiguration {
                challenge_required_on_new_device: d
                    .challenge_required_on_new_device
                    .unwrap_or(false),
                device_only_remembered_on_user_prompt: d
                    .device_only_remembered_on_user_prompt
                    .unwrap_or(false),
            }),
            email_configuration: $req.email_configuration.map(|e| EmailConfigurationInput {
                source_arn: e.source_arn,
                reply_to_email_address: e.reply_to_email_address,
                email_sending_account: e.email_sending_account.map(|a| a.to_string()),
                from: e.from,
                configuration_set: e.configuration_set,
            }),
            sms_configuration: $req.sms_configuration.map(sms_configuration_in),
            tags: $req.user_pool_tags,
            admin_create_user_config: $req.admin_create_user_config.map(|a| {
                let template = a.invite_message_template.unwrap_or_default();
                AdminCreateUserConfigInput {
                    allow_admin_create_user_only: a.allow_admin_create_user_only,
                    unused_account_validity_days: non_negative(a.unused_account_validity_days),
                    invite_sms_message: template.sms_message,
                    invite_email_message: template.email_message,
                    invite_email_subject: template.email_subject,
                }
            }),
            user_pool_add_ons: $req.user_pool_add_ons.map(|a| UserPoolAddOns {
                advanced_security_mode: a
                    .advanced_security_mode
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "OFF".to_owned()),
                custom_auth_mode: a
                    .advanced_security_additional_flows
                    .and_then(|f| f.custom_auth_mode)
                    .map(|m| m.to_string()),
            }),
            dcr_configuration: $req.dcr_configuration.map(|d| DcrConfiguration {
                enable_status: d.enable_status.map(|s| s.to_string()),
                open_dcr_enabled: d.open_dcr_enabled,
                authenticated_grant_types: d
                    .authenticated_grant_types
                    .map(|g| g.iter().map(ToString::to_string).collect()),
                open_dcr_grant_types: d
                    .open_dcr_grant_types
                    .map(|g| g.iter().map(ToString::to_string).collect()),
                allowed_scopes: d.allowed_scopes,
            }),
            account_recovery: $req
                .account_recovery_setting
                .and_then(|a| a.recovery_mechanisms)
                .map(|options| {
                    options
                        .into_iter()
                        .map(|o| {
                            Ok(RecoveryOption {
                                name: enum_in(
                                    &required(o.name, "name")?,
                                    RecoveryOptionName::parse,
                                )?,
                                priority: non_negative(o.priority).unwrap_or(1),
                            })
                        })
                        .collect::<Result<Vec<_>, ApiError>>()
                })
                .transpose()?,
            tier: $req.user_pool_tier.map(|t| t.to_string()),
            key_configuration: $req.key_configuration.map(|k| KeyConfiguration {
                key_type: k.key_type.map(|t| t.to_string()),
                kms_key_arn: k.kms_key_arn,
            }),
            issuer_type: $req
                .issuer_configuration
                .and_then(|i| i.r#type)
                .map(|t| t.to_string()),
            acr_configuration: $req.acr_configuration.map(|m| {
                m.into_iter()
                    .map(|(k, v)| (k, v.acr_value.unwrap_or_default()))
                    .collect()
            }),
            ..PoolInput::default()
        }
    };
}

fn password_policy_in(p: PasswordPolicyType) -> PasswordPolicyInput {
    PasswordPolicyInput {
        minimum_length: non_negative(p.minimum_length),
        require_uppercase: p.require_uppercase,
        require_lowercase: p.require_lowercase,
        require_numbers: p.require_numbers,
        require_symbols: p.require_symbols,
        history_size: non_negative(p.password_history_size),
        temporary_password_validity_days: non_negative(p.temporary_password_validity_days),
    }
}

fn versioned(version: Option<String>, arn: Option<String>) -> Option<VersionedLambda> {
    Some(VersionedLambda {
        lambda_version: version?,
        lambda_arn: arn?,
    })
}

fn lambda_config_in(l: LambdaConfigType) -> LambdaConfig {
    LambdaConfig {
        pre_sign_up: l.pre_sign_up,
        custom_message: l.custom_message,
        post_confirmation: l.post_confirmation,
        pre_authentication: l.pre_authentication,
        post_authentication: l.post_authentication,
        define_auth_challenge: l.define_auth_challenge,
        create_auth_challenge: l.create_auth_challenge,
        verify_auth_challenge_response: l.verify_auth_challenge_response,
        pre_token_generation: l.pre_token_generation,
        user_migration: l.user_migration,
        pre_token_generation_config: l
            .pre_token_generation_config
            .and_then(|c| versioned(c.lambda_version.map(|v| v.to_string()), c.lambda_arn)),
        custom_sms_sender: l
            .custom_sms_sender
            .and_then(|c| versioned(c.lambda_version.map(|v| v.to_string()), c.lambda_arn)),
        custom_email_sender: l
            .custom_email_sender
            .and_then(|c| versioned(c.lambda_version.map(|v| v.to_string()), c.lambda_arn)),
        kms_key_id: l.kms_key_id,
        inbound_federation: l
            .inbound_federation
            .and_then(|c| versioned(c.lambda_version.map(|v| v.to_string()), c.lambda_arn)),
    }
}

fn lambda_config_out(l: &LambdaConfig) -> LambdaConfigType {
    LambdaConfigType {
        pre_sign_up: l.pre_sign_up.clone(),
        custom_message: l.custom_message.clone(),
        post_confirmation: l.post_confirmation.clone(),
        pre_authentication: l.pre_authentication.clone(),
        post_authentication: l.post_authentication.clone(),
        define_auth_challenge: l.define_auth_challenge.clone(),
        create_auth_challenge: l.create_auth_challenge.clone(),
        verify_auth_challenge_response: l.verify_auth_challenge_response.clone(),
        pre_token_generation: l.pre_token_generation.clone(),
        user_migration: l.user_migration.clone(),
        pre_token_generation_config: l.pre_token_generation_config.as_ref().map(|v| {
            PreTokenGenerationVersionConfigType {
                lambda_version: v.lambda_version.parse().ok(),
                lambda_arn: Some(v.lambda_arn.clone()),
            }
        }),
        custom_sms_sender: l
            .custom_sms_sender
            .as_ref()
            .map(|v| CustomSMSLambdaVersionConfigType {
                lambda_version: v.lambda_version.parse().ok(),
                lambda_arn: Some(v.lambda_arn.clone()),
            }),
        custom_email_sender: l.custom_email_sender.as_ref().map(|v| {
            CustomEmailLambdaVersionConfigType {
                lambda_version: v.lambda_version.parse().ok(),
                lambda_arn: Some(v.lambda_arn.clone()),
            }
        }),
        kms_key_id: l.kms_key_id.clone(),
        inbound_federation: l
            .inbound_federation
            .as_ref()
            .map(|v| InboundFederationLambdaType {
                lambda_version: v.lambda_version.parse().ok(),
                lambda_arn: Some(v.lambda_arn.clone()),
            }),
    }
}

/// The EUMS block is stored as its members by wire name; it only round-trips.
fn sms_configuration_in(s: SmsConfigurationType) -> SmsConfiguration {
    let eums_sms = s
        .eums_sms
        .and_then(|e| serde_json::to_value(e).ok())
        .and_then(|v| serde_json::from_value(v).ok());
    SmsConfiguration {
        sns_caller_arn: s.sns_caller_arn,
        external_id: s.external_id,
        sns_region: s.sns_region,
        eums_sms,
    }
}

fn sms_configuration_out(s: &SmsConfiguration) -> SmsConfigurationType {
    SmsConfigurationType {
        sns_caller_arn: s.sns_caller_arn.clone(),
        external_id: s.external_id.clone(),
        sns_region: s.sns_region.clone(),
        eums_sms: s
            .eums_sms
            .as_ref()
            .and_then(|m| serde_json::to_value(m).ok())
            .and_then(|v| serde_json::from_value(v).ok()),
    }
}

pub(super) fn schema_in(
    list: Vec<SchemaAttributeType>,
) -> Result<Vec<SchemaAttributeInput>, ApiError> {
    list.into_iter()
        .map(|a| {
            Ok(SchemaAttributeInput {
                name: required(a.name, "name")?,
                data_type: a
                    .attribute_data_type
                    .as_ref()
                    .map(|t| enum_in(t, AttributeDataType::parse))
                    .transpose()?,
                developer_only: a.developer_only_attribute,
                mutable: a.mutable,
                required: a.required,
                number_constraints: a.number_attribute_constraints.map(|n| NumberConstraints {
                    min_value: n.min_value,
                    max_value: n.max_value,
                }),
                string_constraints: a.string_attribute_constraints.map(|s| StringConstraints {
                    min_length: s.min_length,
                    max_length: s.max_length,
                }),
            })
        })
        .collect()
}

fn schema_out(schema: &[SchemaAttribute]) -> Vec<SchemaAttributeType> {
    schema
        .iter()
        .map(|a| SchemaAttributeType {
            name: Some(a.name.clone()),
            attribute_data_type: enum_out(a.data_type),
            developer_only_attribute: Some(a.developer_only),
            mutable: Some(a.mutable),
            required: Some(a.required),
            number_attribute_constraints: a.number_constraints.as_ref().map(|n| {
                NumberAttributeConstraintsType {
                    min_value: n.min_value.clone(),
                    max_value: n.max_value.clone(),
                }
            }),
            string_attribute_constraints: a.string_constraints.as_ref().map(|s| {
                StringAttributeConstraintsType {
                    min_length: s.min_length.clone(),
                    max_length: s.max_length.clone(),
                }
            }),
        })
        .collect()
}

/// The pool as DescribeUserPool and CreateUserPool return it.
fn user_pool_out(ctx: &Ctx, pool: &UserPool, users: u64) -> UserPoolType {
    let s = &pool.settings;
    let config = ctx.domain.config();
    let p = &s.password_policy;
    let t = &s.verification_message_template;
    UserPoolType {
        id: Some(pool.id.clone()),
        name: Some(pool.name.clone()),
        policies: Some(UserPoolPolicyType {
            password_policy: Some(PasswordPolicyType {
                minimum_length: i32::try_from(p.minimum_length).ok(),
                require_uppercase: Some(p.require_uppercase),
                require_lowercase: Some(p.require_lowercase),
                require_numbers: Some(p.require_numbers),
                require_symbols: Some(p.require_symbols),
                password_history_size: p.history_size.and_then(|h| i32::try_from(h).ok()),
                temporary_password_validity_days: i32::try_from(p.temporary_password_validity_days)
                    .ok(),
            }),
            sign_in_policy: Some(SignInPolicyType {
                allowed_first_auth_factors: Some(
                    s.sign_in_policy
                        .allowed_first_auth_factors
                        .iter()
                        .map(|f| AuthFactorType::parse(f))
                        .collect(),
                ),
            }),
        }),
        deletion_protection: Some(DeletionProtectionType::parse(if s.deletion_protection {
            "ACTIVE"
        } else {
            "INACTIVE"
        })),
        lambda_config: Some(lambda_config_out(&s.lambda_config)),
        last_modified_date: time(pool.modified),
        creation_date: time(pool.created),
        schema_attributes: Some(schema_out(&pool.schema)),
        auto_verified_attributes: non_empty(enums_out(&s.auto_verified_attributes)),
        alias_attributes: non_empty(enums_out::<AliasAttributeType, AliasAttribute>(
            &pool.sign_in.alias_attributes,
        )),
        username_attributes: non_empty(enums_out::<UsernameAttributeType, UsernameAttribute>(
            &pool.sign_in.username_attributes,
        )),
        sms_verification_message: s.sms_verification_message.clone(),
        email_verification_message: s.email_verification_message.clone(),
        email_verification_subject: s.email_verification_subject.clone(),
        verification_message_template: Some(VerificationMessageTemplateType {
            sms_message: t.sms_message.clone(),
            email_message: t.email_message.clone(),
            email_subject: t.email_subject.clone(),
            email_message_by_link: t.email_message_by_link.clone(),
            email_subject_by_link: t.email_subject_by_link.clone(),
            default_email_option: Some(DefaultEmailOptionType::parse(&t.default_email_option)),
        }),
        sms_authentication_message: pool.mfa.sms_authentication_message.clone(),
        user_attribute_update_settings: Some(UserAttributeUpdateSettingsType {
            attributes_require_verification_before_update: Some(enums_out(
                &s.attributes_require_verification_before_update,
            )),
        }),
        mfa_configuration: enum_out(pool.mfa.mode),
        device_configuration: s
            .device_configuration
            .as_ref()
            .map(|d| DeviceConfigurationType {
                challenge_required_on_new_device: Some(d.challenge_required_on_new_device),
                device_only_remembered_on_user_prompt: Some(
                    d.device_only_remembered_on_user_prompt,
                ),
            }),
        estimated_number_of_users: Some(i32::try_from(users).unwrap_or(i32::MAX)),
        email_configuration: Some(EmailConfigurationType {
            source_arn: s.email_configuration.source_arn.clone(),
            reply_to_email_address: s.email_configuration.reply_to_email_address.clone(),
            email_sending_account: Some(EmailSendingAccountType::parse(
                &s.email_configuration.email_sending_account,
            )),
            from: s.email_configuration.from.clone(),
            configuration_set: s.email_configuration.configuration_set.clone(),
        }),
        sms_configuration: s.sms_configuration.as_ref().map(sms_configuration_out),
        user_pool_tags: Some(pool.tags.clone()),
        admin_create_user_config: Some(AdminCreateUserConfigType {
            allow_admin_create_user_only: Some(
                s.admin_create_user_config.allow_admin_create_user_only,
            ),
            unused_account_validity_days: i32::try_from(
                s.admin_create_user_config.unused_account_validity_days,
            )
            .ok(),
            invite_message_template: invite_template_out(&s.admin_create_user_config),
        }),
        user_pool_add_ons: s.user_pool_add_ons.as_ref().map(|a| UserPoolAddOnsType {
            advanced_security_mode: Some(AdvancedSecurityModeType::parse(
                &a.advanced_security_mode,
            )),
            advanced_security_additional_flows: a.custom_auth_mode.as_ref().map(|m| {
                AdvancedSecurityAdditionalFlowsType {
                    custom_auth_mode: Some(AdvancedSecurityEnabledModeType::parse(m)),
                }
            }),
        }),
        dcr_configuration: s.dcr_configuration.as_ref().map(|d| DcrConfigurationType {
            enable_status: d.enable_status.as_deref().map(StatusType::parse),
            open_dcr_enabled: d.open_dcr_enabled,
            authenticated_grant_types: d
                .authenticated_grant_types
                .as_ref()
                .map(|g| g.iter().map(|f| OAuthFlowType::parse(f)).collect()),
            open_dcr_grant_types: d
                .open_dcr_grant_types
                .as_ref()
                .map(|g| g.iter().map(|f| OAuthFlowType::parse(f)).collect()),
            allowed_scopes: d.allowed_scopes.clone(),
        }),
        username_configuration: pool
            .sign_in
            .case_sensitive
            .map(|c| UsernameConfigurationType {
                case_sensitive: Some(c),
            }),
        arn: Some(pool.arn(&config.account_id)),
        account_recovery_setting: s.account_recovery.as_ref().map(|options| {
            AccountRecoverySettingType {
                recovery_mechanisms: Some(
                    options
                        .iter()
                        .map(|o| RecoveryOptionType {
                            priority: i32::try_from(o.priority).ok(),
                            name: enum_out(o.name),
                        })
                        .collect(),
                ),
            }
        }),
        user_pool_tier: Some(UserPoolTierType::parse(&s.tier)),
        key_configuration: s.key_configuration.as_ref().map(|k| KeyConfigurationType {
            key_type: k.key_type.as_deref().map(EncryptionKeyType::parse),
            kms_key_arn: k.kms_key_arn.clone(),
        }),
        issuer_configuration: s.issuer_type.as_deref().map(|t| IssuerConfigurationType {
            r#type: Some(IssuerType::parse(t)),
        }),
        acr_configuration: s.acr_configuration.as_ref().map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        AcrLevelConfigType {
                            acr_value: Some(v.clone()),
                        },
                    )
                })
                .collect()
        }),
        ..UserPoolType::default()
    }
}

fn invite_template_out(
    c: &cognate_domain::pool::AdminCreateUserConfig,
) -> Option<MessageTemplateType> {
    if c.invite_sms_message.is_none()
        && c.invite_email_message.is_none()
        && c.invite_email_subject.is_none()
    {
        return None;
    }
    Some(MessageTemplateType {
        sms_message: c.invite_sms_message.clone(),
        email_message: c.invite_email_message.clone(),
        email_subject: c.invite_email_subject.clone(),
    })
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

/// CreateUserPool.
pub async fn create_user_pool(
    ctx: Ctx,
    req: CreateUserPoolRequest,
) -> Result<CreateUserPoolResponse, ApiError> {
    let alias_attributes = enums_in(req.alias_attributes.clone(), AliasAttribute::parse)?;
    let username_attributes = enums_in(req.username_attributes.clone(), UsernameAttribute::parse)?;
    let schema = req.schema.clone().map(schema_in).transpose()?;
    let case_sensitive = req
        .username_configuration
        .as_ref()
        .and_then(|u| u.case_sensitive);
    let name = req.pool_name.clone();
    let input = PoolInput {
        region: ctx.caller.as_ref().map(|c| c.region.clone()),
        name,
        alias_attributes,
        username_attributes,
        schema,
        username_case_sensitive: case_sensitive,
        ..shared_pool_input!(req)
    };
    let pool = ctx.domain.create_user_pool(input).await?;
    Ok(CreateUserPoolResponse {
        user_pool: Some(user_pool_out(&ctx, &pool, 0)),
    })
}

/// DescribeUserPool.
pub async fn describe_user_pool(
    ctx: Ctx,
    req: DescribeUserPoolRequest,
) -> Result<DescribeUserPoolResponse, ApiError> {
    let (pool, users, domains) = ctx
        .domain
        .describe_user_pool(&required(req.user_pool_id, "userPoolId")?)
        .await?;
    let mut out = user_pool_out(&ctx, &pool, users);
    out.domain = domains.prefix;
    out.custom_domain = domains.custom;
    Ok(DescribeUserPoolResponse {
        user_pool: Some(out),
    })
}

/// UpdateUserPool.
pub async fn update_user_pool(
    ctx: Ctx,
    req: UpdateUserPoolRequest,
) -> Result<UpdateUserPoolResponse, ApiError> {
    let pool_id = required(req.user_pool_id.clone(), "userPoolId")?;
    let name = req.pool_name.clone();
    let input = PoolInput {
        name,
        ..shared_pool_input!(req)
    };
    ctx.domain.update_user_pool(&pool_id, input).await?;
    Ok(UpdateUserPoolResponse {})
}

/// DeleteUserPool.
pub async fn delete_user_pool(ctx: Ctx, req: DeleteUserPoolRequest) -> Result<Empty, ApiError> {
    ctx.domain
        .delete_user_pool(&required(req.user_pool_id, "userPoolId")?)
        .await?;
    Ok(Empty {})
}

/// ListUserPools.
pub async fn list_user_pools(
    ctx: Ctx,
    req: ListUserPoolsRequest,
) -> Result<ListUserPoolsResponse, ApiError> {
    let page = ctx
        .domain
        .list_user_pools(
            req.next_token.as_deref(),
            PageSize::requested(req.max_results),
        )
        .await?;
    Ok(ListUserPoolsResponse {
        user_pools: Some(
            page.items
                .iter()
                .map(|p| UserPoolDescriptionType {
                    id: Some(p.id.clone()),
                    name: Some(p.name.clone()),
                    lambda_config: Some(lambda_config_out(&p.settings.lambda_config)),
                    last_modified_date: time(p.modified),
                    creation_date: time(p.created),
                    ..UserPoolDescriptionType::default()
                })
                .collect(),
        ),
        next_token: page.next,
    })
}

/// AddCustomAttributes.
pub async fn add_custom_attributes(
    ctx: Ctx,
    req: AddCustomAttributesRequest,
) -> Result<AddCustomAttributesResponse, ApiError> {
    let attributes = schema_in(required(req.custom_attributes, "customAttributes")?)?;
    ctx.domain
        .add_custom_attributes(&required(req.user_pool_id, "userPoolId")?, &attributes)
        .await?;
    Ok(AddCustomAttributesResponse {})
}

fn mfa_config_out(pool: &UserPool, mfa: &MfaSettings) -> GetUserPoolMfaConfigResponse {
    GetUserPoolMfaConfigResponse {
        sms_mfa_configuration: mfa.sms_enabled.then(|| SmsMfaConfigType {
            sms_authentication_message: mfa.sms_authentication_message.clone(),
            sms_configuration: pool
                .settings
                .sms_configuration
                .as_ref()
                .map(sms_configuration_out),
        }),
        software_token_mfa_configuration: Some(SoftwareTokenMfaConfigType {
            enabled: Some(mfa.software_token_enabled),
        }),
        email_mfa_configuration: mfa.email.as_ref().map(|e| EmailMfaConfigType {
            message: e.message.clone(),
            subject: e.subject.clone(),
        }),
        mfa_configuration: enum_out(mfa.mode),
        web_authn_configuration: Some(web_authn_out(mfa.web_authn.as_ref())),
    }
}

/// Cognito reports WebAuthn defaults (the domain's) even when nothing was set.
fn web_authn_out(w: Option<&WebAuthnConfiguration>) -> WebAuthnConfigurationType {
    let w = w.cloned().unwrap_or_default();
    WebAuthnConfigurationType {
        user_verification: Some(UserVerificationType::parse(w.user_verification())),
        factor_configuration: Some(WebAuthnFactorConfigurationType::parse(
            w.factor_configuration(),
        )),
        relying_party_id: w.relying_party_id,
    }
}

/// GetUserPoolMfaConfig.
pub async fn get_user_pool_mfa_config(
    ctx: Ctx,
    req: GetUserPoolMfaConfigRequest,
) -> Result<GetUserPoolMfaConfigResponse, ApiError> {
    let pool = ctx
        .domain
        .user_pool(&required(req.user_pool_id, "userPoolId")?)
        .await?;
    Ok(mfa_config_out(&pool, &pool.mfa))
}

/// SetUserPoolMfaConfig.
pub async fn set_user_pool_mfa_config(
    ctx: Ctx,
    req: SetUserPoolMfaConfigRequest,
) -> Result<SetUserPoolMfaConfigResponse, ApiError> {
    let pool_id = required(req.user_pool_id, "userPoolId")?;
    let input = MfaConfigInput {
        mode: req
            .mfa_configuration
            .as_ref()
            .map(|m| enum_in(m, MfaMode::parse))
            .transpose()?,
        sms: req.sms_mfa_configuration.map(|s| SmsMfaInput {
            sms_authentication_message: s.sms_authentication_message,
            sms_configuration: s.sms_configuration.map(sms_configuration_in),
        }),
        software_token_enabled: req.software_token_mfa_configuration.and_then(|s| s.enabled),
        email: req.email_mfa_configuration.map(|e| EmailMfa {
            message: e.message,
            subject: e.subject,
        }),
        web_authn: req.web_authn_configuration.map(|w| WebAuthnConfiguration {
            relying_party_id: w.relying_party_id,
            user_verification: w.user_verification.map(|u| u.to_string()),
            factor_configuration: w.factor_configuration.map(|f| f.to_string()),
        }),
    };
    let mfa = ctx.domain.set_user_pool_mfa_config(&pool_id, input).await?;
    let pool = ctx.domain.user_pool(&pool_id).await?;
    let out = mfa_config_out(&pool, &mfa);
    Ok(SetUserPoolMfaConfigResponse {
        sms_mfa_configuration: out.sms_mfa_configuration,
        software_token_mfa_configuration: out.software_token_mfa_configuration,
        email_mfa_configuration: out.email_mfa_configuration,
        mfa_configuration: out.mfa_configuration,
        web_authn_configuration: out.web_authn_configuration,
    })
}

/// GetCSVHeader.
pub async fn get_csv_header(
    ctx: Ctx,
    req: GetCSVHeaderRequest,
) -> Result<GetCSVHeaderResponse, ApiError> {
    let pool_id = required(req.user_pool_id, "userPoolId")?;
    let header = ctx.domain.csv_header(&pool_id).await?;
    Ok(GetCSVHeaderResponse {
        user_pool_id: Some(pool_id),
        csv_header: Some(header),
    })
}

/// TagResource.
pub async fn tag_resource(
    ctx: Ctx,
    req: TagResourceRequest,
) -> Result<TagResourceResponse, ApiError> {
    let tags: BTreeMap<String, String> = req.tags.unwrap_or_default();
    ctx.domain
        .tag_user_pool(&required(req.resource_arn, "resourceArn")?, tags)
        .await?;
    Ok(TagResourceResponse {})
}

/// UntagResource.
pub async fn untag_resource(
    ctx: Ctx,
    req: UntagResourceRequest,
) -> Result<UntagResourceResponse, ApiError> {
    let keys = req.tag_keys.unwrap_or_default();
    ctx.domain
        .untag_user_pool(&required(req.resource_arn, "resourceArn")?, &keys)
        .await?;
    Ok(UntagResourceResponse {})
}

/// ListTagsForResource.
pub async fn list_tags_for_resource(
    ctx: Ctx,
    req: ListTagsForResourceRequest,
) -> Result<ListTagsForResourceResponse, ApiError> {
    let tags = ctx
        .domain
        .user_pool_tags(&required(req.resource_arn, "resourceArn")?)
        .await?;
    Ok(ListTagsForResourceResponse { tags: Some(tags) })
}
