//! The one place that turns failures into HTTP: Cognito's awsJson error shape
//! (`{"__type", "message"}` plus `x-amzn-ErrorType`, `x-amzn-ErrorMessage`, `x-amzn-RequestId`).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cognate_domain::{Error, ErrorKind};

/// An error as the Cognito JSON API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub type_name: &'static str,
    pub message: String,
    pub status: StatusCode,
    /// Logged, never sent.
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(type_name: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            type_name,
            message: message.into(),
            status,
            detail: None,
        }
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(
            "InvalidParameterException",
            StatusCode::BAD_REQUEST,
            message,
        )
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", StatusCode::BAD_REQUEST, message)
    }

    pub fn unknown_operation(message: impl Into<String>) -> Self {
        Self::new(
            "UnknownOperationException",
            StatusCode::BAD_REQUEST,
            message,
        )
    }

    /// An operation the model defines that Cognate has not built yet.
    pub fn not_implemented(operation: &str) -> Self {
        Self::new(
            "UnsupportedOperationException",
            StatusCode::BAD_REQUEST,
            format!("Cognate does not implement the operation {operation} yet."),
        )
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError {
            type_name: "InternalErrorException",
            message: "Internal server error.".to_owned(),
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: Some(detail.into()),
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        // Cognito answers every client fault with 400 (observed for NotAuthorized and
        // UserNotConfirmed); SDKs key off the error name, so fidelity wins over Smithy's codes.
        let status = match e.kind {
            ErrorKind::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError {
            type_name: e.kind.exception_name(),
            message: e.message.clone(),
            status,
            detail: e.detail().map(str::to_owned),
        }
    }
}

impl From<cognate_wire::ValidationErrors> for ApiError {
    fn from(errors: cognate_wire::ValidationErrors) -> Self {
        ApiError::invalid_parameter(errors.to_string())
    }
}

/// A header value that is always valid: control characters become spaces.
fn header_text(text: &str) -> HeaderValue {
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_control() || !c.is_ascii() {
                ' '
            } else {
                c
            }
        })
        .collect();
    HeaderValue::from_str(&clean).unwrap_or_else(|_| HeaderValue::from_static(""))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(detail) = &self.detail {
            tracing::error!(error = self.type_name, %detail, "request failed");
        }
        let body = serde_json::json!({ "__type": self.type_name, "message": self.message });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        headers.insert(
            "x-amzn-errortype",
            header_text(&format!("{}:", self.type_name)),
        );
        headers.insert("x-amzn-errormessage", header_text(&self.message));
        // Lets the metrics layer count errors by type without parsing bodies.
        response.extensions_mut().insert(ErrorType(self.type_name));
        response
    }
}

/// The error type of a failed response, for metrics and logs.
#[derive(Debug, Clone, Copy)]
pub struct ErrorType(pub &'static str);

/// An OAuth endpoint's error as RFC 6749 §5.2 shapes it: `{"error", "error_description"}`,
/// never cached. `invalid_client` is 401, with a Basic challenge when the client tried Basic
/// (§5.2 requires it then); an unknown domain is 404; internal errors are 500.
#[derive(Debug)]
pub struct OAuthJsonError {
    pub error: cognate_domain::oauth::OAuthError,
    /// The client authenticated (or tried to) with HTTP Basic.
    pub basic: bool,
}

impl OAuthJsonError {
    pub fn new(error: cognate_domain::oauth::OAuthError, basic: bool) -> Self {
        OAuthJsonError { error, basic }
    }
}

/// The status of an OAuth error on a JSON endpoint.
pub fn oauth_status(code: cognate_domain::oauth::OAuthErrorCode) -> StatusCode {
    use cognate_domain::oauth::OAuthErrorCode::*;
    match code {
        InvalidClient | InvalidToken => StatusCode::UNAUTHORIZED,
        InsufficientScope => StatusCode::FORBIDDEN,
        NotFound => StatusCode::NOT_FOUND,
        ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for OAuthJsonError {
    fn into_response(self) -> Response {
        let e = &self.error;
        if let Some(detail) = e.detail() {
            tracing::error!(error = e.code.as_str(), %detail, "request failed");
        }
        let body =
            serde_json::json!({ "error": e.code.as_str(), "error_description": e.description });
        let mut response = (oauth_status(e.code), body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("cache-control", HeaderValue::from_static("no-store"));
        headers.insert("pragma", HeaderValue::from_static("no-cache"));
        if e.code == cognate_domain::oauth::OAuthErrorCode::InvalidClient && self.basic {
            headers.insert(
                "www-authenticate",
                HeaderValue::from_static("Basic realm=\"cognate\""),
            );
        }
        response.extensions_mut().insert(ErrorType(e.code.as_str()));
        response
    }
}

/// A bearer-token error (RFC 6750 §3): the JSON body plus a `WWW-Authenticate: Bearer`
/// challenge naming the error, as userInfo answers.
#[derive(Debug)]
pub struct BearerError(pub cognate_domain::oauth::OAuthError);

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let code = self.0.code;
        let challenge = format!(
            "Bearer error=\"{}\", error_description=\"{}\"",
            code.as_str(),
            self.0.description.replace(['"', '\\'], "'")
        );
        let mut response = OAuthJsonError::new(self.0, false).into_response();
        response
            .headers_mut()
            .insert("www-authenticate", header_text(&challenge));
        response
    }
}
