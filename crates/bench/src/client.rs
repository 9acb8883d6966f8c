//! A lean Cognito API client for load generation: raw JSON over a pooled HTTP client, with a
//! fixed, well-formed SigV4 header that a dev-mode server accepts without verification.

use serde_json::Value;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    url: String,
    authorization: String,
    /// The same header scoped to `cognito-identity`, for identity-pool operations.
    identity_authorization: String,
    amz_date: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub type_name: String,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.type_name, self.message)
    }
}

impl std::error::Error for ApiError {}

impl Api {
    pub fn new(url: &str) -> Api {
        let now = time::OffsetDateTime::now_utc();
        let date = format!(
            "{:04}{:02}{:02}",
            now.year(),
            u8::from(now.month()),
            now.day()
        );
        let authorization_for = |service: &str| {
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDBENCH/{date}/us-east-1/{service}/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature={}",
                "0".repeat(64)
            )
        };
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .unwrap_or_default();
        Api {
            http,
            url: format!("{url}/"),
            authorization: authorization_for("cognito-idp"),
            identity_authorization: authorization_for("cognito-identity"),
            amz_date: format!("{date}T000000Z"),
        }
    }

    /// Calls one operation; Cognito errors come back as [`ApiError`].
    pub async fn call(&self, operation: &str, body: Value) -> anyhow::Result<Value> {
        self.send(
            "AWSCognitoIdentityProviderService",
            &self.authorization,
            operation,
            body,
        )
        .await
    }

    /// Calls one identity-pool operation (`AWSCognitoIdentityService.<operation>`).
    pub async fn call_identity(&self, operation: &str, body: Value) -> anyhow::Result<Value> {
        self.send(
            "AWSCognitoIdentityService",
            &self.identity_authorization,
            operation,
            body,
        )
        .await
    }

    async fn send(
        &self,
        prefix: &str,
        authorization: &str,
        operation: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let response = self
            .http
            .post(&self.url)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{prefix}.{operation}"))
            .header("x-amz-date", &self.amz_date)
            .header("authorization", authorization)
            .body(body.to_string())
            .send()
            .await?;
        let status = response.status();
        let value: Value = serde_json::from_slice(&response.bytes().await?)?;
        if status.is_success() {
            Ok(value)
        } else {
            Err(ApiError {
                type_name: value["__type"].as_str().unwrap_or_default().to_owned(),
                message: value["message"].as_str().unwrap_or_default().to_owned(),
            }
            .into())
        }
    }
}
