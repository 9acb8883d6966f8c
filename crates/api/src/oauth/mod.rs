//! The OpenID Connect surface: each pool's JWKS and discovery document at the paths Cognito
//! uses (`/<poolId>/.well-known/jwks.json`, `/<poolId>/.well-known/openid-configuration`), and
//! the endpoints of a pool's domain, routed by the `Host` header ([`hosted`]).
//!
//! # Layout
//! - [`hosted`]: the router of a domain host and the middleware that picks it by `Host`.
//! - `browser`: the endpoints a browser visits (`/oauth2/authorize`, `/login`, `/logout`).
//! - `backchannel`: the endpoints clients call (`/oauth2/token`, `/oauth2/userInfo`,
//!   `/oauth2/revoke`, `/oauth2/introspect`).
//! - `federation`: `/oauth2/authorize` with an outside provider, and `/oauth2/idpresponse`.
//! - `saml`: `/saml2/idpresponse`, `/saml2/logout`, and single logout's step of `/logout`.
//! - `wire`: form and query parameters, cookies, HTTP Basic, redirect URLs.
//! - `html`: the few pages (the sign-in form, errors, signed out), escaped by hand.

mod backchannel;
mod browser;
mod federation;
pub mod hosted;
mod html;
mod saml;
mod wire;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::oauth::endpoints::Discovery;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;

/// `GET /<poolId>/.well-known/jwks.json`.
pub async fn jwks(State(state): State<AppState>, Path(pool_id): Path<String>) -> Response {
    jwks_response(state.domain.jwks(&pool_id).await)
}

fn jwks_response(result: Result<Value, cognate_domain::Error>) -> Response {
    match result {
        Ok(jwks) => {
            let mut response = Json(jwks).into_response();
            // Keys change only on rotation, which publishes a new key longer than this before
            // it signs (see `cognate_domain::signing`), so a cached set never lacks a key.
            let max_age = format!(
                "public, max-age={}",
                cognate_domain::signing::JWKS_MAX_AGE_SECS
            );
            if let Ok(value) = HeaderValue::from_str(&max_age) {
                response.headers_mut().insert(header::CACHE_CONTROL, value);
            }
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
    match state.domain.discovery(&pool_id).await {
        Ok(discovery) => {
            let jwks_uri = format!("{}/.well-known/jwks.json", discovery.issuer);
            Json(discovery_document(&discovery, &jwks_uri)).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The discovery document (OpenID Connect Discovery §3, RFC 8414). The endpoints of the
/// domain are listed only when the pool has one, as Cognito does.
fn discovery_document(discovery: &Discovery, jwks_uri: &str) -> Value {
    let mut document = json!({
        "issuer": discovery.issuer,
        "jwks_uri": jwks_uri,
        "response_types_supported": ["code", "token"],
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": discovery.scopes,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "prompt_values_supported": ["none", "login"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "token_use",
            "cognito:username", "cognito:groups", "username",
            "email", "email_verified", "phone_number", "phone_number_verified",
            "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
            "profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale",
            "updated_at", "address"
        ],
    });
    if let (Some(base), Some(fields)) = (&discovery.endpoints_base, document.as_object_mut()) {
        for (name, path) in [
            ("authorization_endpoint", "/oauth2/authorize"),
            ("token_endpoint", "/oauth2/token"),
            ("userinfo_endpoint", "/oauth2/userInfo"),
            ("revocation_endpoint", "/oauth2/revoke"),
            ("introspection_endpoint", "/oauth2/introspect"),
            ("end_session_endpoint", "/logout"),
        ] {
            fields.insert(name.to_owned(), json!(format!("{base}{path}")));
        }
    }
    document
}
