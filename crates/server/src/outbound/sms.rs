//! SMS through an HTTP webhook: a JSON POST per message, retried on failure, so operators can
//! bridge to any SMS provider.

use std::time::Duration;

use cognate_domain::messages::OutgoingMessage;

use crate::config::SmsConfig;

#[derive(Clone)]
pub struct SmsWebhook {
    client: reqwest::Client,
    url: String,
    attempts: u32,
}

impl SmsWebhook {
    pub fn new(config: &SmsConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        Ok(SmsWebhook {
            client,
            url: config.webhook_url.clone(),
            attempts: config.retries.unwrap_or(2) + 1,
        })
    }

    pub async fn send(&self, message: &OutgoingMessage) -> Result<(), String> {
        let payload = serde_json::json!({
            "to": message.destination,
            "body": message.body,
            "poolId": message.pool_id,
            "kind": message.kind.as_str(),
        });
        let mut last_error = String::new();
        for attempt in 0..self.attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            match self.client.post(&self.url).json(&payload).send().await {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => last_error = format!("SMS webhook answered {}", response.status()),
                Err(e) => last_error = format!("SMS webhook unreachable: {e}"),
            }
        }
        Err(last_error)
    }
}
