//! The PreSignedUrl of a user import job: `PUT /_cognate/user-import/<token>` takes the CSV
//! file as `curl --upload-file` sends it to S3, streamed into the store piece by piece.
//! Answers are S3's: `200` with an empty body, or an XML `<Error>` with S3's codes.

use axum::body::{Body, HttpBody};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::{Error, ErrorKind};

use crate::AppState;

/// Where the uploads are routed. The listener streams these bodies instead of reading them
/// into memory under the API's body limit: a CSV may be 100 MB, and `push` enforces that.
pub const PATH_PREFIX: &str = "/_cognate/user-import/";

/// `PUT /_cognate/user-import/{token}`.
pub async fn put(State(state): State<AppState>, Path(token): Path<String>, body: Body) -> Response {
    match upload(&state, &token, body).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => s3_error(&e),
    }
}

async fn upload(state: &AppState, token: &str, mut body: Body) -> Result<(), Error> {
    let mut upload = state.import_jobs.begin_upload(token).await?;
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame.map_err(|_| {
            Error::invalid_parameter("The upload was interrupted before the whole file arrived.")
        })?;
        if let Ok(data) = frame.into_data() {
            upload.push(&data).await?;
        }
    }
    upload.finish().await
}

fn s3_error(e: &Error) -> Response {
    let (status, code, message) = match e.kind {
        ErrorKind::NotAuthorized => (StatusCode::FORBIDDEN, "AccessDenied", e.message.as_str()),
        ErrorKind::PreconditionNotMet => (
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            e.message.as_str(),
        ),
        ErrorKind::InternalError => {
            tracing::error!(
                detail = e.detail().unwrap_or(""),
                "user import upload failed"
            );
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "We encountered an internal error. Please try again.",
            )
        }
        _ => (
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            e.message.as_str(),
        ),
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message></Error>",
        xml_escape(message)
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
