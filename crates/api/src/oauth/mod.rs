//! The OpenID Connect surface of a pool: its JWKS and discovery document, at the paths
//! Cognito uses (`/<poolId>/.well-known/jwks.json`, `/<poolId>/.well-known/openid-configuration`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::ApiError;

/// `GET /<poolId>/.well-known/jwks.json`.
pub async fn jwks(State(state): State<AppState>, Path(pool_id): Path<String>) -> Response {
    match state.domain.jwks(&pool_id).await {
        Ok(jwks) => {
            let mut response = Json(jwks).into_response();
            // Keys change only on rotation, and a rotated-out key stays published for a day.
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            response
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /<poolId>/.well-known/openid-configuration`.
pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(pool_id): Path<String>,
) -> Response {
    match state.domain.user_pool(&pool_id).await {
        Ok(pool) => {
            let issuer = state.domain.issuer(&pool.id);
            Json(serde_json::json!({
                "issuer": issuer,
                "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
                "response_types_supported": ["code", "token"],
                "scopes_supported": ["openid", "email", "phone", "profile"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "claims_supported": [
                    "sub", "iss", "aud", "exp", "iat", "auth_time", "token_use", "cognito:username", "cognito:groups",
                    "email", "email_verified", "phone_number", "phone_number_verified", "name", "given_name", "family_name"
                ],
            }))
            .into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
