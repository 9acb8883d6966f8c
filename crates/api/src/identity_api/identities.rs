//! Identities: GetId, GetCredentialsForIdentity, GetOpenIdToken, DescribeIdentity,
//! ListIdentities, DeleteIdentities and UnlinkIdentity.

use cognate_domain::identity_pool::Identity;
use cognate_wire::Empty;
use cognate_wire::identity::*;

use super::IdentityCtx;
use crate::error::ApiError;
use crate::json_api::convert::{required, time};

fn description(identity: &Identity) -> IdentityDescription {
    IdentityDescription {
        identity_id: Some(identity.identity_id.clone()),
        logins: Some(identity.provider_names()),
        creation_date: time(identity.created),
        last_modified_date: time(identity.modified),
    }
}

/// GetId.
pub async fn get_id(ctx: IdentityCtx, req: GetIdInput) -> Result<GetIdResponse, ApiError> {
    let identity_id = ctx
        .pools
        .get_id(
            &required(req.identity_pool_id, "identityPoolId")?,
            req.account_id.as_deref(),
            &req.logins.unwrap_or_default(),
        )
        .await?;
    Ok(GetIdResponse {
        identity_id: Some(identity_id),
    })
}

/// GetCredentialsForIdentity.
pub async fn get_credentials_for_identity(
    ctx: IdentityCtx,
    req: GetCredentialsForIdentityInput,
) -> Result<GetCredentialsForIdentityResponse, ApiError> {
    let (identity_id, credentials) = ctx
        .pools
        .get_credentials_for_identity(
            &required(req.identity_id, "identityId")?,
            &req.logins.unwrap_or_default(),
            req.custom_role_arn.as_deref(),
        )
        .await?;
    Ok(GetCredentialsForIdentityResponse {
        identity_id: Some(identity_id),
        credentials: Some(Credentials {
            access_key_id: Some(credentials.access_key_id),
            secret_key: Some(credentials.secret_access_key.expose().clone()),
            session_token: Some(credentials.session_token),
            // Whole seconds, as Cognito sends them.
            expiration: Some(credentials.expiration.secs() as f64),
        }),
    })
}

/// GetOpenIdToken.
pub async fn get_open_id_token(
    ctx: IdentityCtx,
    req: GetOpenIdTokenInput,
) -> Result<GetOpenIdTokenResponse, ApiError> {
    let (identity_id, token) = ctx
        .pools
        .get_open_id_token(
            &required(req.identity_id, "identityId")?,
            &req.logins.unwrap_or_default(),
        )
        .await?;
    Ok(GetOpenIdTokenResponse {
        identity_id: Some(identity_id),
        token: Some(token),
    })
}

/// DescribeIdentity.
pub async fn describe_identity(
    ctx: IdentityCtx,
    req: DescribeIdentityInput,
) -> Result<IdentityDescription, ApiError> {
    let identity = ctx
        .pools
        .describe_identity(&required(req.identity_id, "identityId")?)
        .await?;
    Ok(description(&identity))
}

/// ListIdentities.
pub async fn list_identities(
    ctx: IdentityCtx,
    req: ListIdentitiesInput,
) -> Result<ListIdentitiesResponse, ApiError> {
    let pool_id = required(req.identity_pool_id, "identityPoolId")?;
    let limit = u32::try_from(required(req.max_results, "maxResults")?).unwrap_or(60);
    let page = ctx
        .pools
        .list_identities(
            &pool_id,
            req.next_token.as_deref(),
            limit,
            req.hide_disabled.unwrap_or(false),
        )
        .await?;
    Ok(ListIdentitiesResponse {
        identity_pool_id: Some(pool_id),
        identities: Some(page.items.iter().map(description).collect()),
        next_token: page.next,
    })
}

/// DeleteIdentities.
pub async fn delete_identities(
    ctx: IdentityCtx,
    req: DeleteIdentitiesInput,
) -> Result<DeleteIdentitiesResponse, ApiError> {
    let unprocessed = ctx
        .pools
        .delete_identities(&required(
            req.identity_ids_to_delete,
            "identityIdsToDelete",
        )?)
        .await?;
    Ok(DeleteIdentitiesResponse {
        unprocessed_identity_ids: Some(
            unprocessed
                .into_iter()
                .map(|identity_id| UnprocessedIdentityId {
                    identity_id: Some(identity_id),
                    error_code: Some(ErrorCode::AccessDenied),
                })
                .collect(),
        ),
    })
}

/// UnlinkIdentity.
pub async fn unlink_identity(
    ctx: IdentityCtx,
    req: UnlinkIdentityInput,
) -> Result<Empty, ApiError> {
    ctx.pools
        .unlink_identity(
            &required(req.identity_id, "identityId")?,
            &required(req.logins, "logins")?,
            &required(req.logins_to_remove, "loginsToRemove")?,
        )
        .await?;
    Ok(Empty {})
}
