//! Identity providers: Create/Update/Describe/List/DeleteIdentityProvider,
//! GetIdentityProviderByIdentifier, GetSigningCertificate, AdminLinkProviderForUser and
//! AdminDisableProviderForUser. Each calls one method of the federation service.

use cognate_domain::enums::ProviderType;
use cognate_domain::federation::linking::ProviderUser;
use cognate_domain::federation::{IdentityProvider, IdentityProviderView, ProviderInput};
use cognate_domain::paging::PageSize;
use cognate_wire::Empty;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::{enum_in, enum_out, required, time};
use crate::error::ApiError;

fn provider_out(view: IdentityProviderView) -> IdentityProviderType {
    IdentityProviderType {
        user_pool_id: Some(view.pool_id),
        provider_name: Some(view.name),
        provider_type: enum_out(view.provider_type),
        provider_details: Some(view.details),
        attribute_mapping: Some(view.attribute_mapping),
        idp_identifiers: Some(view.idp_identifiers),
        acr_mapping: (!view.acr_mapping.is_empty()).then_some(view.acr_mapping),
        last_modified_date: time(view.modified),
        creation_date: time(view.created),
    }
}

fn description_out(provider: &IdentityProvider) -> ProviderDescription {
    ProviderDescription {
        provider_name: Some(provider.name.clone()),
        provider_type: enum_out(provider.provider_type),
        last_modified_date: time(provider.modified),
        creation_date: time(provider.created),
    }
}

fn provider_user_in(user: ProviderUserIdentifierType) -> ProviderUser {
    ProviderUser {
        provider_name: user.provider_name.unwrap_or_default(),
        attribute_name: user.provider_attribute_name,
        attribute_value: user.provider_attribute_value.unwrap_or_default(),
    }
}

/// CreateIdentityProvider.
pub async fn create_identity_provider(
    ctx: Ctx,
    req: CreateIdentityProviderRequest,
) -> Result<CreateIdentityProviderResponse, ApiError> {
    let provider_type = enum_in(
        &required(req.provider_type, "providerType")?,
        ProviderType::parse,
    )?;
    let view = ctx
        .federation
        .create_identity_provider(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.provider_name, "providerName")?,
            provider_type,
            ProviderInput {
                details: Some(required(req.provider_details, "providerDetails")?),
                attribute_mapping: req.attribute_mapping,
                idp_identifiers: req.idp_identifiers,
                acr_mapping: req.acr_mapping,
            },
        )
        .await?;
    Ok(CreateIdentityProviderResponse {
        identity_provider: Some(provider_out(view)),
    })
}

/// UpdateIdentityProvider.
pub async fn update_identity_provider(
    ctx: Ctx,
    req: UpdateIdentityProviderRequest,
) -> Result<UpdateIdentityProviderResponse, ApiError> {
    let view = ctx
        .federation
        .update_identity_provider(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.provider_name, "providerName")?,
            ProviderInput {
                details: req.provider_details,
                attribute_mapping: req.attribute_mapping,
                idp_identifiers: req.idp_identifiers,
                acr_mapping: req.acr_mapping,
            },
        )
        .await?;
    Ok(UpdateIdentityProviderResponse {
        identity_provider: Some(provider_out(view)),
    })
}

/// DescribeIdentityProvider.
pub async fn describe_identity_provider(
    ctx: Ctx,
    req: DescribeIdentityProviderRequest,
) -> Result<DescribeIdentityProviderResponse, ApiError> {
    let view = ctx
        .federation
        .describe_identity_provider(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.provider_name, "providerName")?,
        )
        .await?;
    Ok(DescribeIdentityProviderResponse {
        identity_provider: Some(provider_out(view)),
    })
}

/// GetIdentityProviderByIdentifier.
pub async fn get_identity_provider_by_identifier(
    ctx: Ctx,
    req: GetIdentityProviderByIdentifierRequest,
) -> Result<GetIdentityProviderByIdentifierResponse, ApiError> {
    let view = ctx
        .federation
        .identity_provider_by_identifier(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.idp_identifier, "idpIdentifier")?,
        )
        .await?;
    Ok(GetIdentityProviderByIdentifierResponse {
        identity_provider: Some(provider_out(view)),
    })
}

/// ListIdentityProviders.
pub async fn list_identity_providers(
    ctx: Ctx,
    req: ListIdentityProvidersRequest,
) -> Result<ListIdentityProvidersResponse, ApiError> {
    let page = ctx
        .federation
        .list_identity_providers(
            &required(req.user_pool_id, "userPoolId")?,
            req.next_token.as_deref(),
            PageSize::requested(req.max_results),
        )
        .await?;
    Ok(ListIdentityProvidersResponse {
        providers: Some(page.items.iter().map(description_out).collect()),
        next_token: page.next,
    })
}

/// DeleteIdentityProvider.
pub async fn delete_identity_provider(
    ctx: Ctx,
    req: DeleteIdentityProviderRequest,
) -> Result<Empty, ApiError> {
    ctx.federation
        .delete_identity_provider(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.provider_name, "providerName")?,
        )
        .await?;
    Ok(Empty {})
}

/// GetSigningCertificate.
pub async fn get_signing_certificate(
    ctx: Ctx,
    req: GetSigningCertificateRequest,
) -> Result<GetSigningCertificateResponse, ApiError> {
    let certificate = ctx
        .federation
        .signing_certificate(&required(req.user_pool_id, "userPoolId")?)
        .await?;
    Ok(GetSigningCertificateResponse {
        certificate: Some(certificate),
    })
}

/// AdminLinkProviderForUser.
pub async fn admin_link_provider_for_user(
    ctx: Ctx,
    req: AdminLinkProviderForUserRequest,
) -> Result<Empty, ApiError> {
    ctx.federation
        .admin_link_provider_for_user(
            &required(req.user_pool_id, "userPoolId")?,
            &provider_user_in(required(req.destination_user, "destinationUser")?),
            &provider_user_in(required(req.source_user, "sourceUser")?),
        )
        .await?;
    Ok(Empty {})
}

/// AdminDisableProviderForUser.
pub async fn admin_disable_provider_for_user(
    ctx: Ctx,
    req: AdminDisableProviderForUserRequest,
) -> Result<Empty, ApiError> {
    ctx.federation
        .admin_disable_provider_for_user(
            &required(req.user_pool_id, "userPoolId")?,
            &provider_user_in(required(req.user, "user")?),
        )
        .await?;
    Ok(Empty {})
}
