//! The HTTP listener, with the limits a server facing the internet needs (issue 10): a cap on
//! concurrent connections, a deadline for each request head (which also closes idle
//! keep-alive connections), a deadline for each request body, and an early 413 for a declared
//! `Content-Length` above the body limit.
//!
//! Connections are served by hyper's HTTP/1 server directly (the same stack `axum::serve`
//! uses, which sets none of these limits). Past the connection cap the server stops
//! accepting: new connections wait in the kernel's listen backlog, costing the process no
//! descriptor, until a connection ends. Since idle connections end at the head deadline,
//! a new one (a health check, say) is served within that time even when the cap is full.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cognate_api::error::ApiError;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The limits of the HTTP front door; see `config.rs` for the settings and their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Connections served at once.
    pub max_connections: usize,
    /// How long a client may take to send a complete request head, from when the server
    /// starts waiting for one: after connecting, and after each response on a kept-alive
    /// connection (so this is also the idle timeout).
    pub header_timeout: Duration,
    /// How long a request body may take to arrive in full.
    pub body_timeout: Duration,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = router.layer(axum::middleware::from_fn_with_state(limits, limit_body));
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors or a connection reset before it was accepted: back
                    // off a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Refuses a declared body above the limit before reading any of it, and reads the rest
/// within the body deadline, so that a slow or endless body cannot hold a connection (and a
/// handler) for ever. The body reaches the routes already in memory: every route takes small
/// JSON or form bodies, except import uploads, which are streamed (see [`StallLimited`]).
///
/// A refused body is still read and thrown away in the background until the deadline (or four
/// times the limit): a client that sends its body before reading the answer then gets the 413
/// instead of a connection reset. The deadline bounds what that costs.
async fn limit_body(State(limits): State<HttpLimits>, request: Request, next: Next) -> Response {
    if request
        .uri()
        .path()
        .starts_with(cognate_api::import_upload::PATH_PREFIX)
    {
        let (parts, body) = request.into_parts();
        let body = Body::new(StallLimited::new(body, limits.body_timeout));
        return next.run(Request::from_parts(parts, body)).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    let limit = limits.max_body_bytes;
    let deadline = tokio::time::Instant::now() + limits.body_timeout;
    let (parts, mut body) = request.into_parts();
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        drain_in_background(body, deadline, limit.saturating_mul(4));
        return closing(too_large(limit));
    }
    match tokio::time::timeout_at(deadline, read_up_to(&mut body, limit)).await {
        Ok(Ok(Some(bytes))) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Ok(None)) => {
            drain_in_background(body, deadline, limit.saturating_mul(4));
            closing(too_large(limit))
        }
        Ok(Err(_)) => {
            closing(ApiError::serialization("The request body could not be read.").into_response())
        }
        Err(_) => closing(
            ApiError::new(
                "RequestTimeoutException",
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "The request body did not arrive within {} seconds.",
                    limits.body_timeout.as_secs()
                ),
            )
            .into_response(),
        ),
    }
}

/// An import job's upload (a CSV of up to 100 MB, which its handler stores as it comes and
/// measures itself) is streamed rather than read under the body limit; but each piece must
/// arrive within the body deadline of the one before, so a stalled upload ends.
struct StallLimited {
    body: Body,
    within: Duration,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl StallLimited {
    fn new(body: Body, within: Duration) -> Self {
        StallLimited {
            body,
            within,
            deadline: Box::pin(tokio::time::sleep(within)),
        }
    }
}

impl HttpBody for StallLimited {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(frame) => {
                let next = tokio::time::Instant::now() + this.within;
                this.deadline.as_mut().reset(next);
                Poll::Ready(frame)
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(
                    "the upload stalled past the body deadline",
                )))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The whole body, or `None` as soon as it passes `limit` bytes.
async fn read_up_to(body: &mut Body, limit: usize) -> Result<Option<Bytes>, axum::Error> {
    let mut collected = Vec::new();
    while let Some(frame) = next_frame(body).await? {
        if let Ok(data) = frame.into_data() {
            if collected.len() + data.len() > limit {
                return Ok(None);
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(Some(Bytes::from(collected)))
}

async fn next_frame(body: &mut Body) -> Result<Option<http_body::Frame<Bytes>>, axum::Error> {
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *body).poll_frame(cx))
        .await
        .transpose()
}

/// Reads and discards what is left of a refused body, until `deadline` or `cap` bytes.
fn drain_in_background(mut body: Body, deadline: tokio::time::Instant, cap: usize) {
    tokio::spawn(async move {
        let drain = async {
            let mut seen = 0usize;
            while let Ok(Some(frame)) = next_frame(&mut body).await {
                seen += frame.data_ref().map_or(0, |data| data.len());
                if seen > cap {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout_at(deadline, drain).await;
    });
}

/// The JSON API's own answer to a body above the limit.
fn too_large(limit: usize) -> Response {
    ApiError::new(
        "SerializationException",
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The request body is larger than the limit of {limit} bytes."),
    )
    .into_response()
}

/// The rest of the body is not read, so the connection cannot carry another request. (These
/// answers come before the API's own request-id layer, so they carry an id of their own.)
fn closing(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}
