//! The endpoints a browser visits on a domain: `/oauth2/authorize`, the sign-in form
//! (`/login`), and `/logout`. Errors that must not reach the client are pages; everything
//! else is a `302`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::oauth::authorize::{AuthorizeOutcome, LoginOutcome, LoginPage, LoginRequest};
use cognate_domain::oauth::endpoints::{LogoutOutcome, LogoutRequest};
use cognate_domain::oauth::{HostedSite, OAuthError, Redirect};

use super::html;
use super::wire::{self, CSRF_COOKIE, SSO_COOKIE};
use crate::AppState;
use crate::error::oauth_status;

fn secure(state: &AppState) -> bool {
    state.domain.config().public_url.starts_with("https://")
}

fn found(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn to_client(redirect: &Redirect) -> Response {
    found(&wire::redirect_url(redirect))
}

fn to_login(query: &str) -> Response {
    found(&format!("/login?{query}"))
}

fn error_page(e: &OAuthError) -> Response {
    if let Some(detail) = e.detail() {
        tracing::error!(error = e.code.as_str(), %detail, "request failed");
    }
    html::error_page(oauth_status(e.code), e.code.as_str(), &e.description)
}

fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// `GET /oauth2/authorize`.
pub async fn authorize(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let params = match wire::params(&query) {
        Ok(params) => params,
        Err(e) => return error_page(&e),
    };
    let request = wire::authorize_request(&params);
    match state
        .domain
        .authorize(&site, &request, wire::cookie(&headers, SSO_COOKIE))
        .await
    {
        Ok(AuthorizeOutcome::SignIn) => to_login(&query),
        Ok(AuthorizeOutcome::Redirect(redirect)) => to_client(&redirect),
        Err(e) => error_page(&e),
    }
}

fn form_page(
    state: &AppState,
    params: &BTreeMap<String, String>,
    csrf: &str,
    message: Option<&str>,
) -> Response {
    let username = params
        .get("username")
        .map(String::as_str)
        .unwrap_or_default();
    let body = html::login_form(params, csrf, message, username);
    with_cookie(
        html::page(StatusCode::OK, "Sign in", &body),
        wire::set_cookie(CSRF_COOKIE, csrf, "/login", 3600, secure(state)),
    )
}

/// `GET /login`.
pub async fn login_page(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = match wire::params(&query.unwrap_or_default()) {
        Ok(params) => params,
        Err(e) => return error_page(&e),
    };
    match state
        .domain
        .login_page(&site, &wire::authorize_request(&params))
        .await
    {
        Ok(LoginPage::Form { csrf }) => form_page(&state, &params, &csrf, None),
        Ok(LoginPage::Redirect(redirect)) => to_client(&redirect),
        Err(e) => error_page(&e),
    }
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match wire::params(&String::from_utf8_lossy(&body)) {
        Ok(params) => params,
        Err(e) => return error_page(&e),
    };
    let field = |name: &str| params.get(name).cloned();
    let request = LoginRequest {
        authorize: wire::authorize_request(&params),
        username: field("username").unwrap_or_default(),
        password: field("password").unwrap_or_default(),
        csrf_form: field("_csrf"),
        csrf_cookie: wire::cookie(&headers, CSRF_COOKIE).map(str::to_owned),
    };
    match state.domain.hosted_sign_in(&site, request).await {
        Ok(LoginOutcome::SignedIn { cookie, redirect }) => with_cookie(
            with_cookie(
                to_client(&redirect),
                wire::set_cookie(
                    SSO_COOKIE,
                    &cookie.value,
                    "/",
                    cookie.max_age_secs,
                    secure(&state),
                ),
            ),
            wire::set_cookie(CSRF_COOKIE, "", "/login", 0, secure(&state)),
        ),
        Ok(LoginOutcome::Retry { message, csrf }) => {
            form_page(&state, &params, &csrf, Some(&message))
        }
        Ok(LoginOutcome::Redirect(redirect)) => to_client(&redirect),
        Err(e) => error_page(&e),
    }
}

/// `GET /logout`.
pub async fn logout(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let params = match wire::params(&query) {
        Ok(params) => params,
        Err(e) => return error_page(&e),
    };
    let get = |name: &str| params.get(name).cloned();
    let request = LogoutRequest {
        client_id: get("client_id"),
        logout_uri: get("logout_uri"),
        redirect_uri: get("redirect_uri"),
        response_type: get("response_type"),
        state: get("state"),
        id_token_hint: get("id_token_hint"),
        post_logout_redirect_uri: get("post_logout_redirect_uri"),
    };
    let outcome = state
        .domain
        .logout(&site, &request, wire::cookie(&headers, SSO_COOKIE))
        .await;
    let response = match outcome {
        Ok(LogoutOutcome::Redirect(redirect)) => to_client(&redirect),
        Ok(LogoutOutcome::SignIn) => to_login(&query),
        Ok(LogoutOutcome::SignedOut) => {
            html::page(StatusCode::OK, "Signed out", "<h1>You are signed out.</h1>")
        }
        Err(e) => return error_page(&e),
    };
    with_cookie(
        response,
        wire::set_cookie(SSO_COOKIE, "", "/", 0, secure(&state)),
    )
}
