//! The endpoints clients call on a domain: `/oauth2/token`, `/oauth2/userInfo`,
//! `/oauth2/revoke`, `/oauth2/introspect`, and the domain's discovery document and JWKS.
//! Errors are RFC 6749 JSON bodies; nothing here is cached by clients or proxies.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::oauth::token::{ClientCredentials, TokenRequest};
use cognate_domain::oauth::{HostedSite, OAuthError, OAuthErrorCode};
use serde_json::{Map, Value, json};

use super::{discovery_document, jwks_response, wire};
use crate::AppState;
use crate::error::{ApiError, BearerError, OAuthJsonError};

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The form of a back-channel request, which must be URL-encoded (RFC 6749 §3.2).
fn form(headers: &HeaderMap, body: &[u8]) -> Result<BTreeMap<String, String>, OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "The request body must be application/x-www-form-urlencoded.",
        ));
    }
    wire::params(&String::from_utf8_lossy(body))
}

/// The form and the client's credentials, or the error to answer with.
fn parse(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(BTreeMap<String, String>, ClientCredentials, bool), OAuthJsonError> {
    let form = form(headers, body).map_err(|e| OAuthJsonError::new(e, false))?;
    let (credentials, basic) = wire::client_credentials(headers, &form);
    let credentials = credentials.map_err(|e| OAuthJsonError::new(e, basic))?;
    Ok((form, credentials, basic))
}

/// `POST /oauth2/token`.
pub async fn token(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, client, basic) = match parse(&headers, &body) {
        Ok(parsed) => parsed,
        Err(e) => return e.into_response(),
    };
    let get = |name: &str| form.get(name).cloned();
    let request = TokenRequest {
        grant_type: get("grant_type"),
        code: get("code"),
        redirect_uri: get("redirect_uri"),
        code_verifier: get("code_verifier"),
        refresh_token: get("refresh_token"),
        scope: get("scope"),
        client,
    };
    match state.domain.token(&site, request).await {
        Ok(tokens) => {
            let mut body = Map::new();
            body.insert("access_token".into(), json!(tokens.access_token));
            if let Some(id_token) = tokens.id_token {
                body.insert("id_token".into(), json!(id_token));
            }
            if let Some(refresh_token) = tokens.refresh_token {
                body.insert("refresh_token".into(), json!(refresh_token));
            }
            body.insert("token_type".into(), json!("Bearer"));
            body.insert("expires_in".into(), json!(tokens.expires_in));
            no_store(Json(Value::Object(body)).into_response())
        }
        Err(e) => OAuthJsonError::new(e, basic).into_response(),
    }
}

/// `GET|POST /oauth2/userInfo` with `Authorization: Bearer <access token>`.
pub async fn user_info(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = wire::bearer(&headers) else {
        return BearerError(OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "The access token is missing.",
        ))
        .into_response();
    };
    match state.domain.user_info(&site, token).await {
        Ok(claims) => no_store(Json(Value::Object(claims)).into_response()),
        Err(e) => BearerError(e).into_response(),
    }
}

/// `POST /oauth2/revoke` (RFC 7009): 200 with an empty body on success.
pub async fn revoke(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, client, basic) = match parse(&headers, &body) {
        Ok(parsed) => parsed,
        Err(e) => return e.into_response(),
    };
    match state
        .domain
        .oauth_revoke(&site, &client, form.get("token").map(String::as_str))
        .await
    {
        Ok(()) => no_store(StatusCode::OK.into_response()),
        Err(e) => OAuthJsonError::new(e, basic).into_response(),
    }
}

/// `POST /oauth2/introspect` (RFC 7662).
pub async fn introspect(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (form, client, basic) = match parse(&headers, &body) {
        Ok(parsed) => parsed,
        Err(e) => return e.into_response(),
    };
    match state
        .domain
        .introspect(&site, &client, form.get("token").map(String::as_str))
        .await
    {
        Ok(answer) => no_store(Json(Value::Object(answer)).into_response()),
        Err(e) => OAuthJsonError::new(e, basic).into_response(),
    }
}

/// `GET /.well-known/openid-configuration` on a domain: the pool's document, with the
/// endpoints on the domain the request came to.
pub async fn openid_configuration(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
) -> Response {
    match state.domain.hosted_discovery(&site).await {
        Ok(discovery) => {
            let jwks_uri = format!("{}/.well-known/jwks.json", site.base_url);
            Json(discovery_document(&discovery, &jwks_uri)).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /.well-known/jwks.json` on a domain.
pub async fn jwks(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
) -> Response {
    jwks_response(state.domain.jwks(&site.pool_id).await)
}
