//! Developer-authenticated identities: GetOpenIdTokenForDeveloperIdentity,
//! LookupDeveloperIdentity, MergeDeveloperIdentities and UnlinkDeveloperIdentity.

use cognate_domain::identity_pool::developer::DeveloperTokenRequest;
use cognate_wire::Empty;
use cognate_wire::identity::*;

use super::IdentityCtx;
use crate::error::ApiError;
use crate::json_api::convert::required;

/// GetOpenIdTokenForDeveloperIdentity.
pub async fn get_open_id_token_for_developer_identity(
    ctx: IdentityCtx,
    req: GetOpenIdTokenForDeveloperIdentityInput,
) -> Result<GetOpenIdTokenForDeveloperIdentityResponse, ApiError> {
    let request = DeveloperTokenRequest {
        pool_id: required(req.identity_pool_id, "identityPoolId")?,
        identity_id: req.identity_id,
        logins: required(req.logins, "logins")?,
        principal_tags: req.principal_tags.unwrap_or_default(),
        token_duration: req.token_duration,
    };
    let (identity_id, token) = ctx
        .pools
        .get_open_id_token_for_developer_identity(request)
        .await?;
    Ok(GetOpenIdTokenForDeveloperIdentityResponse {
        identity_id: Some(identity_id),
        token: Some(token),
    })
}

/// LookupDeveloperIdentity.
pub async fn lookup_developer_identity(
    ctx: IdentityCtx,
    req: LookupDeveloperIdentityInput,
) -> Result<LookupDeveloperIdentityResponse, ApiError> {
    let limit = req
        .max_results
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(60);
    let (identity_id, page) = ctx
        .pools
        .lookup_developer_identity(
            &required(req.identity_pool_id, "identityPoolId")?,
            req.identity_id.as_deref(),
            req.developer_user_identifier.as_deref(),
            req.next_token.as_deref(),
            limit,
        )
        .await?;
    Ok(LookupDeveloperIdentityResponse {
        identity_id: Some(identity_id),
        developer_user_identifier_list: Some(page.items),
        next_token: page.next,
    })
}

/// MergeDeveloperIdentities.
pub async fn merge_developer_identities(
    ctx: IdentityCtx,
    req: MergeDeveloperIdentitiesInput,
) -> Result<MergeDeveloperIdentitiesResponse, ApiError> {
    let identity_id = ctx
        .pools
        .merge_developer_identities(
            &required(req.identity_pool_id, "identityPoolId")?,
            &required(req.developer_provider_name, "developerProviderName")?,
            &required(req.source_user_identifier, "sourceUserIdentifier")?,
            &required(req.destination_user_identifier, "destinationUserIdentifier")?,
        )
        .await?;
    Ok(MergeDeveloperIdentitiesResponse {
        identity_id: Some(identity_id),
    })
}

/// UnlinkDeveloperIdentity.
pub async fn unlink_developer_identity(
    ctx: IdentityCtx,
    req: UnlinkDeveloperIdentityInput,
) -> Result<Empty, ApiError> {
    ctx.pools
        .unlink_developer_identity(
            &required(req.identity_pool_id, "identityPoolId")?,
            &required(req.identity_id, "identityId")?,
            &required(req.developer_provider_name, "developerProviderName")?,
            &required(req.developer_user_identifier, "developerUserIdentifier")?,
        )
        .await?;
    Ok(Empty {})
}
