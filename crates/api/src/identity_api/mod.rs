//! The Cognito Identity API (identity pools): `POST /` with
//! `X-Amz-Target: AWSCognitoIdentityService.<Op>`, on the same listener as user pools.
//!
//! A request goes through the same steps as a user-pool request (`json_api`): target →
//! [`Operation`] (generated from the `cognito-identity` model) → SigV4 with the signing name
//! `cognito-identity` when the model says the operation is signed → JSON into the generated
//! input type → the model's validation → one handler, which converts to domain types, calls
//! one [`IdentityPools`] method and converts back. The identity issuer's discovery document
//! and JWKS are in [`issuer`].

mod developer;
mod identities;
pub mod issuer;
mod pools;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use cognate_domain::identity_pool::IdentityPools;
use cognate_wire::identity::{Operation, TARGET_PREFIX};

use crate::AppState;
use crate::error::ApiError;
use crate::json_api::{authenticate, call, check_content_type, read_body, respond};
use crate::sigv4::{Caller, SigV4Settings};

/// The identity-pool service as the HTTP surface holds it, beside the user pools' `Domain`.
#[derive(Clone)]
pub struct IdentityState {
    pub pools: Arc<IdentityPools>,
    /// SigV4 settings with the signing name `cognito-identity`.
    pub sigv4: Arc<SigV4Settings>,
}

/// What an identity handler gets besides its input.
#[derive(Clone)]
pub struct IdentityCtx {
    pub pools: Arc<IdentityPools>,
    pub caller: Option<Caller>,
}

/// Whether a request's target is an identity-pool operation.
pub(crate) fn is_identity_target(headers: &HeaderMap) -> bool {
    headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .is_some_and(|rest| rest.starts_with('.'))
}

fn operation_of(headers: &HeaderMap) -> Result<Operation, ApiError> {
    let target = headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .unwrap_or_default();
    let name = target
        .strip_prefix(TARGET_PREFIX)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or_default();
    Operation::from_name(name)
        .ok_or_else(|| ApiError::unknown_operation(format!("Unknown operation {name}.")))
}

/// `POST /` for an identity-pool target.
pub(crate) async fn handle(
    state: AppState,
    parts: Parts,
    body: Body,
    started: Instant,
) -> Response {
    let operation = match operation_of(&parts.headers) {
        Ok(operation) => operation,
        Err(e) => return e.into_response(),
    };
    let result = async {
        check_content_type(&parts.headers)?;
        let body = read_body(body, state.max_body_bytes).await?;
        let caller = authenticate(
            operation.requires_sigv4(),
            &state.identity.sigv4,
            &state,
            &parts,
            &body,
        )?;
        let ctx = IdentityCtx {
            pools: state.identity.pools.clone(),
            caller,
        };
        dispatch(operation, ctx, &body).await
    }
    .await;
    respond(operation.name(), started, result)
}

/// Routes an operation to its handler: every operation of the model has one.
async fn dispatch(
    operation: Operation,
    ctx: IdentityCtx,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    macro_rules! routes {
        ($($op:ident => $handler:path),* $(,)?) => {
            match operation {
                $(Operation::$op => call(ctx, body, $handler).await,)*
            }
        };
    }
    routes! {
        CreateIdentityPool => pools::create_identity_pool,
        DescribeIdentityPool => pools::describe_identity_pool,
        UpdateIdentityPool => pools::update_identity_pool,
        DeleteIdentityPool => pools::delete_identity_pool,
        ListIdentityPools => pools::list_identity_pools,
        SetIdentityPoolRoles => pools::set_identity_pool_roles,
        GetIdentityPoolRoles => pools::get_identity_pool_roles,
        SetPrincipalTagAttributeMap => pools::set_principal_tag_attribute_map,
        GetPrincipalTagAttributeMap => pools::get_principal_tag_attribute_map,
        TagResource => pools::tag_resource,
        UntagResource => pools::untag_resource,
        ListTagsForResource => pools::list_tags_for_resource,
        GetId => identities::get_id,
        GetCredentialsForIdentity => identities::get_credentials_for_identity,
        GetOpenIdToken => identities::get_open_id_token,
        DescribeIdentity => identities::describe_identity,
        ListIdentities => identities::list_identities,
        DeleteIdentities => identities::delete_identities,
        UnlinkIdentity => identities::unlink_identity,
        GetOpenIdTokenForDeveloperIdentity => developer::get_open_id_token_for_developer_identity,
        LookupDeveloperIdentity => developer::lookup_developer_identity,
        MergeDeveloperIdentities => developer::merge_developer_identities,
        UnlinkDeveloperIdentity => developer::unlink_developer_identity,
    }
}
