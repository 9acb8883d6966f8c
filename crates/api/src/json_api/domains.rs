//! User pool domains: Create/Describe/Update/DeleteUserPoolDomain.
//!
//! The model's pattern for `Domain` is the prefix pattern, yet a custom domain is a full
//! host name (`auth.example.com`), which Cognito accepts. So a name with a dot skips the
//! model's pattern here and the domain checks it as a host name instead; prefixes keep the
//! model's check and its exact message.

use cognate_domain::domains::{CustomDomainConfig, DomainInput, DomainKind, UserPoolDomain};
use cognate_wire::idp::*;
use cognate_wire::{Empty, Validate, ValidationErrors};
use serde::Deserialize;

use super::Ctx;
use super::convert::required;
use crate::error::ApiError;

/// A domain operation's input, validated by the model except for the pattern of a full name.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct DomainRequest<T>(T);

/// A stand-in that satisfies the prefix pattern, validated in place of a full host name.
const STAND_IN: &str = "custom-domain";

macro_rules! domain_request {
    ($($request:ty),* $(,)?) => {$(
        impl Validate for DomainRequest<$request> {
            fn validate(&self, path: &str, errors: &mut ValidationErrors) {
                let mut copy = self.0.clone();
                if copy.domain.as_deref().is_some_and(|d| d.contains('.')) {
                    copy.domain = Some(STAND_IN.to_owned());
                }
                copy.validate(path, errors);
            }
        }
    )*};
}

domain_request!(
    CreateUserPoolDomainRequest,
    DescribeUserPoolDomainRequest,
    UpdateUserPoolDomainRequest,
    DeleteUserPoolDomainRequest,
);

fn custom_in(config: Option<CustomDomainConfigType>) -> Option<CustomDomainConfig> {
    config.map(|c| CustomDomainConfig {
        certificate_arn: c.certificate_arn.unwrap_or_default(),
        security_policy: c.security_policy.map(|p| p.to_string()),
    })
}

/// Where a custom domain's DNS name must point: this deployment's public host.
fn cname_target(ctx: &Ctx, domain: &UserPoolDomain) -> Option<String> {
    if domain.kind != DomainKind::Custom {
        return None;
    }
    let url = &ctx.domain.config().public_url;
    let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    Some(
        authority
            .rsplit_once(':')
            .map_or(authority, |(h, _)| h)
            .to_owned(),
    )
}

/// CreateUserPoolDomain.
pub async fn create_user_pool_domain(
    ctx: Ctx,
    DomainRequest(req): DomainRequest<CreateUserPoolDomainRequest>,
) -> Result<CreateUserPoolDomainResponse, ApiError> {
    let domain = ctx
        .domain
        .create_user_pool_domain(DomainInput {
            pool_id: required(req.user_pool_id, "userPoolId")?,
            domain: required(req.domain, "domain")?,
            custom: custom_in(req.custom_domain_config),
            managed_login_version: req.managed_login_version,
        })
        .await?;
    Ok(CreateUserPoolDomainResponse {
        managed_login_version: Some(domain.managed_login_version),
        cloud_front_domain: cname_target(&ctx, &domain),
        routing: None,
    })
}

/// DescribeUserPoolDomain: an empty description for a name no pool uses, as Cognito answers.
pub async fn describe_user_pool_domain(
    ctx: Ctx,
    DomainRequest(req): DomainRequest<DescribeUserPoolDomainRequest>,
) -> Result<DescribeUserPoolDomainResponse, ApiError> {
    let found = ctx
        .domain
        .describe_user_pool_domain(&required(req.domain, "domain")?)
        .await?;
    let description = match found {
        None => DomainDescriptionType::default(),
        Some(domain) => DomainDescriptionType {
            user_pool_id: Some(domain.pool_id.clone()),
            aws_account_id: Some(ctx.domain.config().account_id.clone()),
            domain: Some(domain.domain.clone()),
            s3_bucket: None,
            cloud_front_distribution: cname_target(&ctx, &domain),
            version: None,
            status: Some(DomainStatusType::Active),
            custom_domain_config: domain.custom.as_ref().map(|c| CustomDomainConfigType {
                certificate_arn: Some(c.certificate_arn.clone()),
                security_policy: c.security_policy.as_deref().map(SecurityPolicyType::parse),
            }),
            managed_login_version: Some(domain.managed_login_version),
            routing: None,
        },
    };
    Ok(DescribeUserPoolDomainResponse {
        domain_description: Some(description),
    })
}

/// UpdateUserPoolDomain.
pub async fn update_user_pool_domain(
    ctx: Ctx,
    DomainRequest(req): DomainRequest<UpdateUserPoolDomainRequest>,
) -> Result<UpdateUserPoolDomainResponse, ApiError> {
    let domain = ctx
        .domain
        .update_user_pool_domain(DomainInput {
            pool_id: required(req.user_pool_id, "userPoolId")?,
            domain: required(req.domain, "domain")?,
            custom: custom_in(req.custom_domain_config),
            managed_login_version: req.managed_login_version,
        })
        .await?;
    Ok(UpdateUserPoolDomainResponse {
        managed_login_version: Some(domain.managed_login_version),
        cloud_front_domain: cname_target(&ctx, &domain),
        routing: None,
    })
}

/// DeleteUserPoolDomain.
pub async fn delete_user_pool_domain(
    ctx: Ctx,
    DomainRequest(req): DomainRequest<DeleteUserPoolDomainRequest>,
) -> Result<Empty, ApiError> {
    ctx.domain
        .delete_user_pool_domain(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.domain, "domain")?,
        )
        .await?;
    Ok(Empty {})
}
