//! Identity pools: Create/Describe/Update/Delete/ListIdentityPools, roles and role mappings,
//! principal-tag maps, and tags.

use std::collections::BTreeMap;

use cognate_domain::identity_pool::pool::{CognitoProvider, IdentityPool, IdentityPoolSettings};
use cognate_domain::identity_pool::principal_tags::PrincipalTagMap;
use cognate_domain::identity_pool::roles::{
    AmbiguousRoleResolution, MappingRule as DomainRule, MappingType, MatchType,
    RoleMapping as DomainMapping,
};
use cognate_wire::Empty;
use cognate_wire::identity::*;

use super::IdentityCtx;
use crate::error::ApiError;
use crate::json_api::convert::required;

fn providers_in(list: Option<Vec<CognitoIdentityProvider>>) -> Option<Vec<CognitoProvider>> {
    list.map(|providers| {
        providers
            .into_iter()
            .map(|p| CognitoProvider {
                provider_name: p.provider_name.unwrap_or_default(),
                client_id: p.client_id.unwrap_or_default(),
                server_side_token_check: p.server_side_token_check.unwrap_or(false),
            })
            .collect()
    })
}

pub(super) fn pool_out(pool: &IdentityPool) -> WireIdentityPool {
    WireIdentityPool {
        identity_pool_id: Some(pool.id.clone()),
        identity_pool_name: Some(pool.name.clone()),
        allow_unauthenticated_identities: Some(pool.allow_unauthenticated),
        allow_classic_flow: Some(pool.allow_classic_flow),
        supported_login_providers: (!pool.supported_login_providers.is_empty())
            .then(|| pool.supported_login_providers.clone()),
        developer_provider_name: pool.developer_provider_name.clone(),
        open_id_connect_provider_arns: Some(pool.open_id_connect_provider_arns.clone()),
        cognito_identity_providers: Some(
            pool.cognito_identity_providers
                .iter()
                .map(|p| CognitoIdentityProvider {
                    provider_name: Some(p.provider_name.clone()),
                    client_id: Some(p.client_id.clone()),
                    server_side_token_check: Some(p.server_side_token_check),
                })
                .collect(),
        ),
        saml_provider_arns: Some(pool.saml_provider_arns.clone()),
        identity_pool_tags: Some(pool.tags.clone()),
    }
}

/// The generated `IdentityPool` shape, named apart from the domain's record.
pub(super) type WireIdentityPool = cognate_wire::identity::IdentityPool;

/// CreateIdentityPool.
pub async fn create_identity_pool(
    ctx: IdentityCtx,
    req: CreateIdentityPoolInput,
) -> Result<WireIdentityPool, ApiError> {
    let settings = IdentityPoolSettings {
        name: required(req.identity_pool_name, "identityPoolName")?,
        allow_unauthenticated: required(
            req.allow_unauthenticated_identities,
            "allowUnauthenticatedIdentities",
        )?,
        allow_classic_flow: req.allow_classic_flow,
        supported_login_providers: req.supported_login_providers,
        developer_provider_name: req.developer_provider_name,
        open_id_connect_provider_arns: req.open_id_connect_provider_arns,
        cognito_identity_providers: providers_in(req.cognito_identity_providers),
        saml_provider_arns: req.saml_provider_arns,
        tags: req.identity_pool_tags,
    };
    let pool = ctx.pools.create_identity_pool(settings).await?;
    Ok(pool_out(&pool))
}

/// DescribeIdentityPool.
pub async fn describe_identity_pool(
    ctx: IdentityCtx,
    req: DescribeIdentityPoolInput,
) -> Result<WireIdentityPool, ApiError> {
    let pool = ctx
        .pools
        .identity_pool(&required(req.identity_pool_id, "identityPoolId")?)
        .await?;
    Ok(pool_out(&pool))
}

/// UpdateIdentityPool: the input is the whole pool.
pub async fn update_identity_pool(
    ctx: IdentityCtx,
    req: WireIdentityPool,
) -> Result<WireIdentityPool, ApiError> {
    let pool_id = required(req.identity_pool_id, "identityPoolId")?;
    let settings = IdentityPoolSettings {
        name: required(req.identity_pool_name, "identityPoolName")?,
        allow_unauthenticated: required(
            req.allow_unauthenticated_identities,
            "allowUnauthenticatedIdentities",
        )?,
        allow_classic_flow: req.allow_classic_flow,
        supported_login_providers: req.supported_login_providers,
        developer_provider_name: req.developer_provider_name,
        open_id_connect_provider_arns: req.open_id_connect_provider_arns,
        cognito_identity_providers: providers_in(req.cognito_identity_providers),
        saml_provider_arns: req.saml_provider_arns,
        tags: req.identity_pool_tags,
    };
    let pool = ctx.pools.update_identity_pool(&pool_id, settings).await?;
    Ok(pool_out(&pool))
}

/// DeleteIdentityPool.
pub async fn delete_identity_pool(
    ctx: IdentityCtx,
    req: DeleteIdentityPoolInput,
) -> Result<Empty, ApiError> {
    ctx.pools
        .delete_identity_pool(&required(req.identity_pool_id, "identityPoolId")?)
        .await?;
    Ok(Empty {})
}

/// ListIdentityPools.
pub async fn list_identity_pools(
    ctx: IdentityCtx,
    req: ListIdentityPoolsInput,
) -> Result<ListIdentityPoolsResponse, ApiError> {
    let limit = u32::try_from(required(req.max_results, "maxResults")?).unwrap_or(60);
    let page = ctx
        .pools
        .list_identity_pools(req.next_token.as_deref(), limit)
        .await?;
    Ok(ListIdentityPoolsResponse {
        identity_pools: Some(
            page.items
                .iter()
                .map(|p| IdentityPoolShortDescription {
                    identity_pool_id: Some(p.id.clone()),
                    identity_pool_name: Some(p.name.clone()),
                })
                .collect(),
        ),
        next_token: page.next,
    })
}

fn mapping_in(key: &str, mapping: RoleMapping) -> Result<DomainMapping, ApiError> {
    let mapping_type = match mapping.r#type {
        Some(RoleMappingType::Token) => MappingType::Token,
        Some(RoleMappingType::Rules) => MappingType::Rules,
        _ => {
            return Err(ApiError::invalid_parameter(format!(
                "The role mapping of {key} has no valid Type."
            )));
        }
    };
    let ambiguous_role_resolution = match mapping.ambiguous_role_resolution {
        Some(AmbiguousRoleResolutionType::AuthenticatedRole) => {
            Some(AmbiguousRoleResolution::AuthenticatedRole)
        }
        Some(AmbiguousRoleResolutionType::Deny) => Some(AmbiguousRoleResolution::Deny),
        _ => None,
    };
    let rules = mapping.rules_configuration.map(|config| {
        config
            .rules
            .unwrap_or_default()
            .into_iter()
            .map(|rule| DomainRule {
                claim: rule.claim.unwrap_or_default(),
                match_type: match rule.match_type {
                    Some(MappingRuleMatchType::Contains) => MatchType::Contains,
                    Some(MappingRuleMatchType::StartsWith) => MatchType::StartsWith,
                    Some(MappingRuleMatchType::NotEqual) => MatchType::NotEqual,
                    _ => MatchType::Equals,
                },
                value: rule.value.unwrap_or_default(),
                role_arn: rule.role_arn.unwrap_or_default(),
            })
            .collect()
    });
    Ok(DomainMapping {
        mapping_type,
        ambiguous_role_resolution,
        rules,
    })
}

fn mapping_out(mapping: &DomainMapping) -> RoleMapping {
    RoleMapping {
        r#type: Some(match mapping.mapping_type {
            MappingType::Token => RoleMappingType::Token,
            MappingType::Rules => RoleMappingType::Rules,
        }),
        ambiguous_role_resolution: mapping.ambiguous_role_resolution.map(|a| match a {
            AmbiguousRoleResolution::AuthenticatedRole => {
                AmbiguousRoleResolutionType::AuthenticatedRole
            }
            AmbiguousRoleResolution::Deny => AmbiguousRoleResolutionType::Deny,
        }),
        rules_configuration: mapping.rules.as_ref().map(|rules| RulesConfigurationType {
            rules: Some(
                rules
                    .iter()
                    .map(|rule| MappingRule {
                        claim: Some(rule.claim.clone()),
                        match_type: Some(match rule.match_type {
                            MatchType::Equals => MappingRuleMatchType::Equals,
                            MatchType::Contains => MappingRuleMatchType::Contains,
                            MatchType::StartsWith => MappingRuleMatchType::StartsWith,
                            MatchType::NotEqual => MappingRuleMatchType::NotEqual,
                        }),
                        value: Some(rule.value.clone()),
                        role_arn: Some(rule.role_arn.clone()),
                    })
                    .collect(),
            ),
        }),
    }
}

/// SetIdentityPoolRoles.
pub async fn set_identity_pool_roles(
    ctx: IdentityCtx,
    req: SetIdentityPoolRolesInput,
) -> Result<Empty, ApiError> {
    let mappings = req
        .role_mappings
        .unwrap_or_default()
        .into_iter()
        .map(|(key, mapping)| mapping_in(&key, mapping).map(|m| (key, m)))
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    ctx.pools
        .set_identity_pool_roles(
            &required(req.identity_pool_id, "identityPoolId")?,
            required(req.roles, "roles")?,
            mappings,
        )
        .await?;
    Ok(Empty {})
}

/// GetIdentityPoolRoles.
pub async fn get_identity_pool_roles(
    ctx: IdentityCtx,
    req: GetIdentityPoolRolesInput,
) -> Result<GetIdentityPoolRolesResponse, ApiError> {
    let pool = ctx
        .pools
        .identity_pool_roles(&required(req.identity_pool_id, "identityPoolId")?)
        .await?;
    Ok(GetIdentityPoolRolesResponse {
        identity_pool_id: Some(pool.id.clone()),
        roles: Some(pool.roles.clone()),
        role_mappings: (!pool.role_mappings.is_empty()).then(|| {
            pool.role_mappings
                .iter()
                .map(|(key, mapping)| (key.clone(), mapping_out(mapping)))
                .collect()
        }),
    })
}

/// SetPrincipalTagAttributeMap.
pub async fn set_principal_tag_attribute_map(
    ctx: IdentityCtx,
    req: SetPrincipalTagAttributeMapInput,
) -> Result<SetPrincipalTagAttributeMapResponse, ApiError> {
    let pool_id = required(req.identity_pool_id, "identityPoolId")?;
    let provider = required(req.identity_provider_name, "identityProviderName")?;
    let map = PrincipalTagMap {
        use_defaults: req.use_defaults.unwrap_or(false),
        tags: req.principal_tags.unwrap_or_default(),
    };
    let map = ctx
        .pools
        .set_principal_tag_attribute_map(&pool_id, &provider, map)
        .await?;
    Ok(SetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(pool_id),
        identity_provider_name: Some(provider),
        use_defaults: Some(map.use_defaults),
        principal_tags: Some(map.effective()),
    })
}

/// GetPrincipalTagAttributeMap.
pub async fn get_principal_tag_attribute_map(
    ctx: IdentityCtx,
    req: GetPrincipalTagAttributeMapInput,
) -> Result<GetPrincipalTagAttributeMapResponse, ApiError> {
    let pool_id = required(req.identity_pool_id, "identityPoolId")?;
    let provider = required(req.identity_provider_name, "identityProviderName")?;
    let map = ctx
        .pools
        .principal_tag_attribute_map(&pool_id, &provider)
        .await?;
    Ok(GetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(pool_id),
        identity_provider_name: Some(provider),
        use_defaults: Some(map.use_defaults),
        principal_tags: Some(map.effective()),
    })
}

/// TagResource.
pub async fn tag_resource(
    ctx: IdentityCtx,
    req: TagResourceInput,
) -> Result<TagResourceResponse, ApiError> {
    ctx.pools
        .tag_identity_pool(
            &required(req.resource_arn, "resourceArn")?,
            required(req.tags, "tags")?,
        )
        .await?;
    Ok(TagResourceResponse {})
}

/// UntagResource.
pub async fn untag_resource(
    ctx: IdentityCtx,
    req: UntagResourceInput,
) -> Result<UntagResourceResponse, ApiError> {
    ctx.pools
        .untag_identity_pool(
            &required(req.resource_arn, "resourceArn")?,
            &required(req.tag_keys, "tagKeys")?,
        )
        .await?;
    Ok(UntagResourceResponse {})
}

/// ListTagsForResource.
pub async fn list_tags_for_resource(
    ctx: IdentityCtx,
    req: ListTagsForResourceInput,
) -> Result<ListTagsForResourceResponse, ApiError> {
    let tags = ctx
        .pools
        .identity_pool_tags(&required(req.resource_arn, "resourceArn")?)
        .await?;
    Ok(ListTagsForResourceResponse { tags: Some(tags) })
}
