//! The endpoints a browser visits on a domain: `/oauth2/authorize`, the hosted pages (sign
//! in, new password, sign up, confirm, forgot password), `/logout`, and the pages' styles and
//! logos. Errors that must not reach the client are pages; everything else is a `302`.

use std::collections::BTreeMap;
use std::future::Future;

use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::branding::BrandingColors;
use cognate_domain::hosted_ui::{Browser, Next, Outcome, PageForm, PageKind, Shown};
use cognate_domain::oauth::authorize::AuthorizeOutcome;
use cognate_domain::oauth::endpoints::{LogoutOutcome, LogoutRequest};
use cognate_domain::oauth::{HostedSite, OAuthError, OAuthResult, Redirect};

use super::html::{self, Render};
use super::wire::{self, CSRF_COOKIE, SSO_COOKIE};
use crate::AppState;
use crate::error::oauth_status;

/// How long the browser keeps its CSRF cookie.
const CSRF_COOKIE_SECS: i64 = 86_400;

pub(super) fn secure(state: &AppState) -> bool {
    state.domain.config().public_url.starts_with("https://")
}

pub(super) fn found(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(super) fn to_client(redirect: &Redirect) -> Response {
    found(&wire::redirect_url(redirect))
}

pub(super) fn error_page(e: &OAuthError) -> Response {
    if let Some(detail) = e.detail() {
        tracing::error!(error = e.code.as_str(), %detail, "request failed");
    }
    html::error_page(oauth_status(e.code), e.code.as_str(), &e.description)
}

pub(super) fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
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
    if request.names_external_provider() {
        return super::federation::authorize(&state, &site, &request).await;
    }
    match state
        .domain
        .authorize(&site, &request, wire::cookie(&headers, SSO_COOKIE))
        .await
    {
        Ok(AuthorizeOutcome::SignIn) => found(&format!("/login?{query}")),
        Ok(AuthorizeOutcome::Redirect(redirect)) => to_client(&redirect),
        Err(e) => error_page(&e),
    }
}

/// A page's request as the domain reads it: the parameters (query or form) and the browser.
fn page_form(params: BTreeMap<String, String>, headers: &HeaderMap) -> PageForm {
    PageForm {
        authorize: wire::authorize_request(&params),
        fields: params,
        browser: Browser {
            csrf_cookie: wire::cookie(headers, CSRF_COOKIE).map(str::to_owned),
            origin: headers
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        },
    }
}

/// A page the domain decided to show, with the CSRF cookie it needs.
fn show(state: &AppState, shown: &Shown, form: &PageForm) -> Response {
    let render = Render {
        authorize: &form.authorize,
        values: &form.fields,
    };
    let response = html::shown_page(shown, &render);
    match &shown.context.new_csrf_cookie {
        Some(cookie) => with_cookie(
            response,
            wire::set_cookie(CSRF_COOKIE, cookie, "/", CSRF_COOKIE_SECS, secure(state)),
        ),
        None => response,
    }
}

/// Where a page leads next on this domain.
fn next_page(form: &PageForm, next: &Next) -> Response {
    let (path, extra): (&str, Vec<(&str, &str)>) = match next {
        Next::Login { username, notice } => (
            "/login",
            vec![("username", username), ("notice", notice.as_str())],
        ),
        Next::Confirm { username, flow } => {
            let mut extra = vec![("username", username.as_str())];
            extra.extend(flow.as_deref().map(|f| ("flow", f)));
            ("/confirm", extra)
        }
        Next::ConfirmForgotPassword { username, flow } => {
            let mut extra = vec![("username", username.as_str())];
            extra.extend(flow.as_deref().map(|f| ("flow", f)));
            ("/confirmforgotPassword", extra)
        }
    };
    found(&format!(
        "{path}?{}",
        html::page_query(&form.authorize, &extra)
    ))
}

fn outcome_response(state: &AppState, form: &PageForm, outcome: OAuthResult<Outcome>) -> Response {
    match outcome {
        Ok(Outcome::Show(shown)) => show(state, &shown, form),
        Ok(Outcome::Next(next)) => next_page(form, &next),
        Ok(Outcome::SignedIn { cookie, redirect }) => with_cookie(
            to_client(&redirect),
            wire::set_cookie(
                SSO_COOKIE,
                &cookie.value,
                "/",
                cookie.max_age_secs,
                secure(state),
            ),
        ),
        Ok(Outcome::Redirect(redirect)) => to_client(&redirect),
        Err(e) => error_page(&e),
    }
}

/// Runs a page's handler on the query of a `GET` or the body of a `POST`.
async fn page<F, Fut>(state: &AppState, encoded: &str, headers: &HeaderMap, handler: F) -> Response
where
    F: FnOnce(PageForm) -> Fut,
    Fut: Future<Output = OAuthResult<Outcome>>,
{
    let params = match wire::params(encoded) {
        Ok(params) => params,
        Err(e) => return error_page(&e),
    };
    let form = page_form(params, headers);
    let outcome = handler(form.clone()).await;
    outcome_response(state, &form, outcome)
}

fn body_text(body: &Bytes) -> String {
    String::from_utf8_lossy(body).into_owned()
}

macro_rules! page_handlers {
    ($(($get:ident, $post:ident, $kind:expr, $submit:ident)),* $(,)?) => {$(
        pub async fn $get(
            State(state): State<AppState>,
            Extension(site): Extension<HostedSite>,
            RawQuery(query): RawQuery,
            headers: HeaderMap,
        ) -> Response {
            let query = query.unwrap_or_default();
            let (domain, site) = (&state.domain, &site);
            page(&state, &query, &headers, |form| async move {
                domain.hosted_page(site, $kind, &form).await
            })
            .await
        }

        pub async fn $post(
            State(state): State<AppState>,
            Extension(site): Extension<HostedSite>,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            let (domain, site) = (&state.domain, &site);
            page(&state, &body_text(&body), &headers, |form| async move {
                domain.$submit(site, &form).await
            })
            .await
        }
    )*};
}

page_handlers! {
    (login_page, login, PageKind::Login, hosted_sign_in),
    (sign_up_page, sign_up, PageKind::SignUp, hosted_sign_up),
    (confirm_page, confirm, PageKind::Confirm, hosted_confirm),
    (forgot_password_page, forgot_password, PageKind::ForgotPassword, hosted_forgot_password),
    (
        confirm_forgot_password_page,
        confirm_forgot_password,
        PageKind::ConfirmForgotPassword,
        hosted_confirm_forgot_password
    ),
}

macro_rules! post_handlers {
    ($(($name:ident, $submit:ident)),* $(,)?) => {$(
        pub async fn $name(
            State(state): State<AppState>,
            Extension(site): Extension<HostedSite>,
            headers: HeaderMap,
            body: Bytes,
        ) -> Response {
            let (domain, site) = (&state.domain, &site);
            page(&state, &body_text(&body), &headers, |form| async move {
                domain.$submit(site, &form).await
            })
            .await
        }
    )*};
}

// The pages that only answer a form: `/newPassword` and the second factor's.
post_handlers! {
    (new_password, hosted_new_password),
    (mfa, hosted_mfa),
    (select_mfa, hosted_select_mfa),
    (mfa_setup, hosted_mfa_setup),
}

/// `GET /confirmUser` (the link of a confirmation message) and its `POST`.
pub async fn confirm_user_page(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (domain, site) = (&state.domain, &site);
    page(
        &state,
        &query.unwrap_or_default(),
        &headers,
        |form| async move {
            let shown = domain.hosted_confirm_user_page(site, &form).await?;
            Ok(Outcome::Show(Box::new(shown)))
        },
    )
    .await
}

pub async fn confirm_user(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (domain, site) = (&state.domain, &site);
    page(&state, &body_text(&body), &headers, |form| async move {
        let shown = domain.hosted_confirm_user(site, &form).await?;
        Ok(Outcome::Show(Box::new(shown)))
    })
    .await
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
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => return error_page(&e),
    };
    let response = match &outcome {
        LogoutOutcome::Redirect(redirect) => to_client(redirect),
        LogoutOutcome::SignIn => found(&format!("/login?{query}")),
        LogoutOutcome::SignedOut => html::signed_out_page(),
    };
    let response = super::saml::single_logout(&state, &site, &headers, &outcome, response).await;
    with_cookie(
        response,
        wire::set_cookie(SSO_COOKIE, "", "/", 0, secure(&state)),
    )
}

/// A stylesheet or image of the pages. Versioned URLs make them safe to cache; an image
/// opened on its own may not run anything (an SVG logo could hold a script).
fn asset(media_type: &str, bytes: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    response
}

fn not_found() -> Response {
    html::error_page(
        StatusCode::NOT_FOUND,
        "not_found",
        "This page does not exist on this domain.",
    )
}

fn served<T>(
    result: cognate_domain::Result<Option<T>>,
    to_response: impl FnOnce(T) -> Response,
) -> Response {
    match result {
        Ok(Some(found)) => to_response(found),
        Ok(None) => not_found(),
        Err(e) => error_page(&OAuthError::from(e)),
    }
}

/// `GET /static/cognate.css`.
pub async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        html::STYLESHEET.as_bytes().to_vec(),
    )
}

fn client_key(query: Option<String>) -> String {
    let params = wire::params(&query.unwrap_or_default()).unwrap_or_default();
    params
        .get("client_id")
        .cloned()
        .unwrap_or_else(|| cognate_domain::branding::ALL_CLIENTS.to_owned())
}

/// `GET /ui/custom.css?client_id=…`: a classic customization's CSS.
pub async fn custom_css(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = state
        .domain
        .hosted_custom_css(&site, &client_key(query))
        .await;
    served(result, |css| {
        asset("text/css; charset=utf-8", css.into_bytes())
    })
}

/// `GET /ui/logo?client_id=…`: a classic customization's logo.
pub async fn logo(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = state.domain.hosted_logo(&site, &client_key(query)).await;
    served(result, |image| asset(&image.media_type, image.bytes))
}

/// `GET /ui/branding/{id}/style.css`: a branding style's colours as the stylesheet's
/// custom properties.
pub async fn branding_css(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    Path(branding_id): Path<String>,
) -> Response {
    let result = state
        .domain
        .hosted_branding_colors(&site, &branding_id)
        .await;
    served(result, |colors| {
        asset("text/css; charset=utf-8", colors_css(&colors).into_bytes())
    })
}

/// `GET /ui/branding/{id}/logo`.
pub async fn branding_logo(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    Path(branding_id): Path<String>,
) -> Response {
    let result = state.domain.hosted_branding_logo(&site, &branding_id).await;
    served(result, |image| asset(&image.media_type, image.bytes))
}

/// The custom properties of the stylesheet a branding style sets (each colour was checked
/// to be hexadecimal digits when the style was saved).
fn colors_css(colors: &BrandingColors) -> String {
    let properties = [
        ("--button-bg", &colors.button_background),
        ("--button-text", &colors.button_text),
        ("--button-hover", &colors.button_hover),
        ("--page-bg", &colors.page_background),
        ("--form-bg", &colors.form_background),
        ("--form-border", &colors.form_border),
        ("--heading", &colors.heading),
        ("--text", &colors.text),
        ("--link", &colors.link),
    ];
    let mut css = String::from(":root {\n");
    for (property, value) in properties {
        if let Some(value) = value {
            css.push_str(&format!("  {property}: #{value};\n"));
        }
    }
    css.push_str("}\n");
    css
}
