//! The protocol layer: everything that knows HTTP, Cognito's JSON wire names and, later, HTML
//! and OAuth encodings.
//!
//! # Invariant
//! This is the only crate that knows the wire. Handlers deserialise a generated wire type
//! (`cognate-wire`), convert it by hand to domain input, call exactly one `Domain` method,
//! and convert the result back. Business rules live in `cognate-domain`; a handler with an
//! `if` about Cognito's rules is a bug.
//!
//! # Layout
//! - [`json_api`]: `POST /` dispatched on `X-Amz-Target`.
//! - [`identity_api`]: the identity-pool targets of `POST /` (`AWSCognitoIdentityService.*`)
//!   and the identity issuer's discovery document and keys.
//! - [`sigv4`]: SigV4 verification for the IAM-authorised operations.
//! - [`oauth`]: each pool's JWKS and OpenID discovery document, and the OAuth 2.0 / OpenID
//!   Connect endpoints of a pool's domain, routed by the `Host` header.
//! - [`import_upload`]: the PreSignedUrl of user import jobs (a CSV `PUT`).
//! - [`operator`]: `/health`, `/metrics`, and the dev-mode outbox and reset endpoints.
//! - [`cors`]: CORS on what a browser app calls (the JSON API, the OAuth back channel, JWKS,
//!   discovery), never on the hosted pages.
//! - [`error`]: the one mapping from errors to HTTP responses.

pub mod cors;
pub mod error;
pub mod identity_api;
pub mod import_upload;
pub mod json_api;
pub mod oauth;
pub mod operator;
pub mod sigv4;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use cognate_domain::Domain;
use cognate_domain::import_jobs::ImportJobs;
use tracing::Instrument;

/// Renders the Prometheus exposition text.
pub type MetricsRenderer = Arc<dyn Fn() -> String + Send + Sync>;

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub domain: Arc<Domain>,
    /// User import jobs (their own service over the same store).
    pub import_jobs: Arc<ImportJobs>,
    pub federation: Arc<cognate_domain::federation::FederationService>,
    pub sigv4: Arc<sigv4::SigV4Settings>,
    pub access_keys: Arc<dyn sigv4::AccessKeys + Send + Sync>,
    /// Identity pools: a service of their own beside `domain`.
    pub identity: identity_api::IdentityState,
    pub max_body_bytes: usize,
    pub metrics: Option<MetricsRenderer>,
    /// Dev mode: the outbox and reset endpoints exist only then.
    pub dev: bool,
    /// Which origins browser apps may call the API and the OAuth endpoints from.
    pub cors: cors::CorsOrigins,
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let api_cors = state.cors.api_layer();
    let oauth_cors = state.cors.oauth_layer();
    let mut router = Router::new()
        .route("/", post(json_api::handle).layer(api_cors))
        .route("/health", get(operator::health))
        .route("/metrics", get(operator::metrics))
        .route("/_cognate/user-import/{token}", put(import_upload::put))
        .route(
            "/{pool_id}/.well-known/jwks.json",
            get(oauth::jwks).layer(oauth_cors.clone()),
        )
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(oauth::openid_configuration).layer(oauth_cors.clone()),
        )
        .route(
            "/cognito-identity/.well-known/openid-configuration",
            get(identity_api::issuer::openid_configuration).layer(oauth_cors.clone()),
        )
        .route(
            "/cognito-identity/.well-known/jwks_uri",
            get(identity_api::issuer::jwks).layer(oauth_cors),
        );
    if state.dev {
        router = router
            .route("/_dev/outbox", get(operator::outbox))
            .route("/_dev/reset", post(operator::reset));
    }
    router
        // Requests for a pool's domain (by `Host`) go to the domain's endpoints instead.
        .layer(middleware::from_fn_with_state(
            oauth::hosted::Hosted::new(state.clone()),
            oauth::hosted::by_host,
        ))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// The path as logs may show it: an import job's PreSignedUrl carries its upload
/// credential in the path, which stays out of the logs.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/_cognate/user-import/") {
        "/_cognate/user-import/<token>"
    } else {
        path
    }
}

/// Gives every request an id: on every log line (through the span) and in `x-amzn-RequestId`.
async fn request_id(request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_owned())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %loggable_path(request.uri().path()),
        operation = %target,
    );
    async move {
        let started = std::time::Instant::now();
        let mut response = next.run(request).await;
        let error = response.extensions().get::<error::ErrorType>().map(|e| e.0);
        tracing::info!(
            status = response.status().as_u16(),
            error = error.unwrap_or(""),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request finished"
        );
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert("x-amzn-requestid", value);
        }
        response
    }
    .instrument(span)
    .await
}
