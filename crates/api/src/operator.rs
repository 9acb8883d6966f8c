//! Operator endpoints: readiness, Prometheus metrics, and (dev mode only) the outbox of
//! messages the server would have sent and a reset of all state.

use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;

/// How long `/health` waits for the store. A database that cannot be reached makes the
/// connection pool retry until its acquire timeout; readiness must answer well within a load
/// balancer's probe timeout instead, and a store this slow is not ready either.
const READINESS_TIMEOUT: Duration = Duration::from_millis(800);

/// `GET /health`: 200 only when the store answers within [`READINESS_TIMEOUT`], so load
/// balancers skip a node whose database is gone. `cognate_ready` reports the last answer.
pub async fn health(State(state): State<AppState>) -> Response {
    let ready = tokio::time::timeout(READINESS_TIMEOUT, state.domain.store_is_ready())
        .await
        .unwrap_or(false);
    metrics::gauge!("cognate_ready").set(if ready { 1.0 } else { 0.0 });
    if ready {
        (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                serde_json::json!({ "status": "unavailable", "reason": "store is not reachable" }),
            ),
        )
            .into_response()
    }
}

/// `GET /metrics`: requests, errors and latency per operation, in Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(render) => {
            let mut text = render();
            text.push_str(&usage_metrics(&state).await);
            ([("content-type", "text/plain; version=0.0.4")], text).into_response()
        }
        None => (StatusCode::NOT_FOUND, "metrics are disabled").into_response(),
    }
}

/// This month's active users and messages per pool, read from the store (so every node
/// reports the same numbers), as Prometheus gauges.
async fn usage_metrics(state: &AppState) -> String {
    let rows = match state.domain.current_usage().await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, detail = e.detail().unwrap_or(""), "usage metrics unavailable");
            return String::new();
        }
    };
    let mut text = String::from(
        "# HELP cognate_monthly_active_users Distinct users who signed in, refreshed tokens or otherwise acted this calendar month (UTC).\n\
         # TYPE cognate_monthly_active_users gauge\n",
    );
    for row in &rows {
        text.push_str(&format!(
            "cognate_monthly_active_users{{pool_id=\"{}\",month=\"{}\"}} {}\n",
            row.pool_id, row.month, row.active_users
        ));
    }
    text.push_str(
        "# HELP cognate_monthly_messages_sent Email and SMS messages sent this calendar month (UTC).\n\
         # TYPE cognate_monthly_messages_sent gauge\n",
    );
    for row in &rows {
        for (medium, sent) in [("EMAIL", row.emails), ("SMS", row.sms)] {
            text.push_str(&format!(
                "cognate_monthly_messages_sent{{pool_id=\"{}\",month=\"{}\",medium=\"{medium}\"}} {sent}\n",
                row.pool_id, row.month
            ));
        }
    }
    text
}

#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
    #[serde(rename = "poolId")]
    pool_id: Option<String>,
    limit: Option<u32>,
}

/// `GET /_dev/outbox?poolId=…&limit=…`: recorded messages, newest first.
pub async fn outbox(State(state): State<AppState>, Query(query): Query<OutboxQuery>) -> Response {
    let limit = query.limit.unwrap_or(100).min(1000);
    match state.domain.outbox(query.pool_id.as_deref(), limit).await {
        Ok(entries) => {
            let messages: Vec<_> = entries
                .into_iter()
                .map(|e| {
                    serde_json::json!({
                        "id": e.id,
                        "createdAt": e.created.as_secs_f64(),
                        "poolId": e.pool_id,
                        "username": e.username,
                        "kind": e.kind,
                        "medium": e.medium,
                        "destination": e.destination,
                        "subject": e.subject,
                        "body": e.body,
                        "code": e.code,
                    })
                })
                .collect();
            Json(serde_json::json!({ "messages": messages })).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /_dev/reset`: deletes every pool, client, user and message, and every identity pool.
pub async fn reset(State(state): State<AppState>) -> Response {
    match state.domain.wipe_all_state().await {
        Ok(()) => {
            // The store is shared; what the identity service cached of it goes too.
            state.identity.pools.forget_cached_settings();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
