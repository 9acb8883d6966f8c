//! Routing by `Host`: a request whose host is a pool's domain (`<prefix>.<auth domain>`, or a
//! custom domain's full name) goes to that domain's endpoints; every other request keeps the
//! API's routes. The domain decides which hosts are domains; this layer only reads the header.

use std::convert::Infallible;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cognate_domain::ErrorKind;
use tower::ServiceExt;

use super::{backchannel, browser, federation, html, saml};
use crate::AppState;

/// What the host-routing middleware needs: the domain (to resolve hosts) and the domain router.
#[derive(Clone)]
pub struct Hosted {
    state: AppState,
    router: Router,
}

impl Hosted {
    pub fn new(state: AppState) -> Self {
        Hosted {
            router: router(state.clone()),
            state,
        }
    }
}

/// The endpoints of a domain. Handlers find the domain's pool in the request's
/// [`HostedSite`](cognate_domain::oauth::HostedSite) extension.
/// Only the back channel, JWKS and discovery get CORS; the pages a browser visits never do.
fn router(state: AppState) -> Router {
    let cors = state.cors.oauth_layer();
    Router::new()
        .route("/oauth2/authorize", get(browser::authorize))
        .route(
            "/oauth2/idpresponse",
            get(federation::idp_response).post(federation::idp_response_post),
        )
        .route(
            "/saml2/idpresponse",
            post(saml::idp_response).get(saml::post_only),
        )
        .route(
            "/saml2/logout",
            post(saml::logout_response).get(saml::post_only),
        )
        .route("/login", get(browser::login_page).post(browser::login))
        .route("/login/discover", get(saml::discover))
        .route("/newPassword", post(browser::new_password))
        .route("/mfa", post(browser::mfa))
        .route("/selectMfa", post(browser::select_mfa))
        .route("/mfaSetup", post(browser::mfa_setup))
        .route("/signup", get(browser::sign_up_page).post(browser::sign_up))
        .route(
            "/confirm",
            get(browser::confirm_page).post(browser::confirm),
        )
        .route(
            "/confirmUser",
            get(browser::confirm_user_page).post(browser::confirm_user),
        )
        .route(
            "/forgotPassword",
            get(browser::forgot_password_page).post(browser::forgot_password),
        )
        .route(
            "/confirmforgotPassword",
            get(browser::confirm_forgot_password_page).post(browser::confirm_forgot_password),
        )
        .route(html::STYLESHEET_PATH, get(browser::stylesheet))
        .route("/ui/custom.css", get(browser::custom_css))
        .route("/ui/logo", get(browser::logo))
        .route("/ui/branding/{id}/style.css", get(browser::branding_css))
        .route("/ui/branding/{id}/logo", get(browser::branding_logo))
        .route("/logout", get(browser::logout))
        .route(
            "/oauth2/token",
            post(backchannel::token).layer(cors.clone()),
        )
        .route(
            "/oauth2/userInfo",
            get(backchannel::user_info)
                .post(backchannel::user_info)
                .layer(cors.clone()),
        )
        .route(
            "/oauth2/revoke",
            post(backchannel::revoke).layer(cors.clone()),
        )
        // Introspection needs the client's secret, which a browser app never holds.
        .route("/oauth2/introspect", post(backchannel::introspect))
        .route(
            "/.well-known/openid-configuration",
            get(backchannel::openid_configuration).layer(cors.clone()),
        )
        .route("/.well-known/jwks.json", get(backchannel::jwks).layer(cors))
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> Response {
    html::error_page(
        StatusCode::NOT_FOUND,
        "not_found",
        "This page does not exist on this domain.",
    )
}

/// The host a request is for, without port: the `Host` header (HTTP/1.1) or the URI's
/// authority (HTTP/2).
fn host_of(request: &Request) -> Option<String> {
    let authority = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()))?;
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    Some(host.to_owned())
}

/// Middleware: sends requests for a domain host to the domain's router.
pub async fn by_host(State(hosted): State<Hosted>, mut request: Request, next: Next) -> Response {
    let Some(host) = host_of(&request) else {
        return next.run(request).await;
    };
    match hosted.state.domain.hosted_site(&host).await {
        Ok(None) => next.run(request).await,
        Ok(Some(site)) => {
            request.extensions_mut().insert(site);
            let response: Result<Response, Infallible> = hosted.router.oneshot(request).await;
            match response {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
        Err(e) if e.kind == ErrorKind::ResourceNotFound => {
            html::error_page(StatusCode::NOT_FOUND, "not_found", &e.message)
        }
        Err(e) => {
            tracing::error!(detail = ?e, "resolving the host failed");
            html::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Internal server error.",
            )
            .into_response()
        }
    }
}
