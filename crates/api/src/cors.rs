//! CORS on the endpoints a browser app calls directly: the Cognito JSON API (`POST /`), and
//! the OAuth endpoints (`/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke`), JWKS and
//! discovery, on the API host and on a pool's domain host alike.
//! The hosted pages never get CORS headers: a page is visited, not fetched, and letting another
//! origin read a page would hand it the page's CSRF token.
//!
//! What Cognito answers (captured from `cognito-idp.us-east-1.amazonaws.com` and from the AWS
//! JSON front end it shares with other services) is what every response here carries by default:
//! - on every response: `Access-Control-Allow-Origin: *` and
//!   `Access-Control-Expose-Headers: x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date`
//!   (so the SDKs can read the error type and request id of a failed call);
//! - on a preflight (`OPTIONS`): `200`, the requested headers mirrored in
//!   `Access-Control-Allow-Headers` (whatever headers an SDK or Amplify adds), the endpoint's
//!   methods, and `Access-Control-Max-Age: 172800`.
//!
//! No endpoint here reads cookies, so credentials are never allowed.
//! An operator can list the origins allowed; a listed origin is then echoed (with `Vary: Origin`)
//! and any other gets no `Access-Control-Allow-Origin`, so the browser refuses the response.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method};
use tower::layer::util::Identity;
use tower::util::{Either, option_layer};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// A CORS layer, or nothing when CORS is off.
pub type MaybeCors = Either<CorsLayer, Identity>;

/// Seconds a browser may cache a preflight, as AWS answers.
const MAX_AGE: Duration = Duration::from_secs(172_800);

/// The response headers a page may read: the request id and the error headers the SDKs parse
/// (AWS spells them `x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date`; names are
/// case-insensitive and go out lowercase).
const EXPOSED: [HeaderName; 4] = [
    HeaderName::from_static("x-amzn-requestid"),
    HeaderName::from_static("x-amzn-errortype"),
    HeaderName::from_static("x-amzn-errormessage"),
    HeaderName::from_static("date"),
];

/// Which origins may call the browser-facing endpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (`Access-Control-Allow-Origin: *`), as Cognito answers.
    #[default]
    Any,
    /// Only these exact origins (`scheme://host[:port]`), echoed back when they match.
    List(Vec<HeaderValue>),
    /// No CORS headers at all: browsers refuse every cross-origin call.
    Off,
}

impl CorsOrigins {
    /// The layer for the Cognito JSON API, which is `POST /` only.
    pub fn api_layer(&self) -> MaybeCors {
        option_layer(self.layer(&[Method::POST]))
    }

    /// The layer for the OAuth endpoints, JWKS and discovery (`GET` and `POST`).
    pub fn oauth_layer(&self) -> MaybeCors {
        option_layer(self.layer(&[Method::GET, Method::POST]))
    }

    fn layer(&self, methods: &[Method]) -> Option<CorsLayer> {
        let origin = match self {
            CorsOrigins::Any => AllowOrigin::any(),
            CorsOrigins::List(origins) => AllowOrigin::list(origins.iter().cloned()),
            CorsOrigins::Off => return None,
        };
        Some(
            CorsLayer::new()
                .allow_origin(origin)
                .allow_methods(methods.to_vec())
                .allow_headers(AllowHeaders::mirror_request())
                .expose_headers(EXPOSED)
                .max_age(MAX_AGE),
        )
    }
}
