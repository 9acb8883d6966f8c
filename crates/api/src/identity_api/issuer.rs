//! The identity issuer's discovery document and keys, at `<public URL>/cognito-identity/...`:
//! what an OpenID Connect relying party (and AWS IAM, once the issuer is registered as an
//! OIDC provider) reads to check identity-pool OpenID tokens.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

/// `GET /cognito-identity/.well-known/openid-configuration`.
pub async fn openid_configuration(State(state): State<AppState>) -> Response {
    cacheable(Json(state.identity.pools.issuer_discovery()).into_response())
}

/// `GET /cognito-identity/.well-known/jwks_uri`, Cognito's own name for the key set.
pub async fn jwks(State(state): State<AppState>) -> Response {
    match state.identity.pools.issuer_jwks().await {
        Ok(jwks) => cacheable(Json(jwks).into_response()),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Keys change only by rotation, after which the old key stays published for a day: an
/// hour of caching is safe.
fn cacheable(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
