//! The trigger port over HTTP. Each Lambda ARN a pool names is mapped, in the server's
//! configuration, to either a plain webhook (POST of the event JSON, the event with its
//! `response` back) or a Lambda-compatible Invoke API (`POST /2015-03-31/functions/<name>/invocations`),
//! so existing trigger code runs unchanged in any Lambda runtime emulator.
//!
//! Every webhook call is signed: `X-Cognate-Timestamp: <unix seconds>` and
//! `X-Cognate-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, so an endpoint
//! can refuse forged or replayed calls. Secrets are never logged.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use cognate_domain::triggers::{TriggerFailure, TriggerInvoker};
use serde_json::Value;

use crate::config::TriggerEndpoint;

/// How one ARN is reached.
#[derive(Clone)]
enum Target {
    Webhook { url: String, secret: Option<String> },
    LambdaApi { base: String, function: String },
}

pub struct HttpTriggers {
    client: reqwest::Client,
    targets: HashMap<String, Target>,
}

impl HttpTriggers {
    pub fn new(endpoints: &[TriggerEndpoint], timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder().timeout(timeout).build()?;
        let mut targets = HashMap::new();
        for endpoint in endpoints {
            let target = match (&endpoint.url, &endpoint.lambda_endpoint) {
                (Some(url), None) => Target::Webhook {
                    url: url.clone(),
                    secret: endpoint.secret.clone(),
                },
                (None, Some(base)) => Target::LambdaApi {
                    base: base.trim_end_matches('/').to_owned(),
                    function: function_name(&endpoint.arn),
                },
                _ => anyhow::bail!(
                    "trigger {} needs exactly one of url and lambda_endpoint",
                    endpoint.arn
                ),
            };
            targets.insert(endpoint.arn.clone(), target);
        }
        Ok(HttpTriggers { client, targets })
    }
}

/// `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` → `<name>`.
fn function_name(arn: &str) -> String {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.iter().position(|p| *p == "function") {
        Some(i) => parts.get(i + 1).copied().unwrap_or(arn).to_owned(),
        None => arn.to_owned(),
    }
}

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    format!(
        "v1={}",
        hex::encode(cognate_crypto::seal::keyed_hash(
            secret.as_bytes(),
            &message
        ))
    )
}

fn failure_from(e: &reqwest::Error) -> TriggerFailure {
    if e.is_timeout() {
        TriggerFailure::Timeout
    } else {
        TriggerFailure::Unavailable(e.to_string())
    }
}

/// The message a function error carries: Lambda's `errorMessage`, or the body as text.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned())
}

fn parse_event(body: &[u8]) -> Result<Value, TriggerFailure> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(other) => Err(TriggerFailure::InvalidResponse(format!(
            "expected the event object, got {other}"
        ))),
        Err(e) => Err(TriggerFailure::InvalidResponse(format!("not JSON: {e}"))),
    }
}

#[async_trait]
impl TriggerInvoker for HttpTriggers {
    async fn invoke(&self, function_arn: &str, event: &Value) -> Result<Value, TriggerFailure> {
        let target = self.targets.get(function_arn).ok_or_else(|| {
            TriggerFailure::Unavailable(format!("no endpoint is configured for {function_arn}"))
        })?;
        let body =
            serde_json::to_vec(event).map_err(|e| TriggerFailure::Unavailable(e.to_string()))?;
        match target {
            Target::Webhook { url, secret } => {
                let timestamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
                let mut request = self
                    .client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("x-cognate-timestamp", timestamp.to_string());
                if let Some(secret) = secret {
                    request = request.header(
                        "x-cognate-signature",
                        webhook_signature(secret, timestamp, &body),
                    );
                }
                let response = request
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| failure_from(&e))?;
                let status = response.status();
                let bytes = response.bytes().await.map_err(|e| failure_from(&e))?;
                if status.is_success() {
                    parse_event(&bytes)
                } else if status.is_server_error() && bytes.is_empty() {
                    Err(TriggerFailure::Unavailable(format!(
                        "webhook answered {status}"
                    )))
                } else {
                    Err(TriggerFailure::FunctionError(error_message(&bytes)))
                }
            }
            Target::LambdaApi { base, function } => {
                let url = format!("{base}/2015-03-31/functions/{function}/invocations");
                let response = self
                    .client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| failure_from(&e))?;
                let status = response.status();
                let function_error = response.headers().contains_key("x-amz-function-error");
                let bytes = response.bytes().await.map_err(|e| failure_from(&e))?;
                if function_error {
                    Err(TriggerFailure::FunctionError(error_message(&bytes)))
                } else if status.is_success() {
                    parse_event(&bytes)
                } else {
                    Err(TriggerFailure::Unavailable(format!(
                        "Lambda Invoke API answered {status}"
                    )))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_arns() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up"),
            "pre-sign-up"
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:fn:live"),
            "fn"
        );
    }

    #[test]
    fn signatures_cover_timestamp_and_body() {
        let a = webhook_signature("s3cret", 1_700_000_000, b"{}");
        assert!(a.starts_with("v1=") && a.len() == 3 + 64);
        assert_ne!(a, webhook_signature("s3cret", 1_700_000_001, b"{}"));
        assert_ne!(a, webhook_signature("s3cret", 1_700_000_000, b"{ }"));
        assert_ne!(a, webhook_signature("other", 1_700_000_000, b"{}"));
    }
}
