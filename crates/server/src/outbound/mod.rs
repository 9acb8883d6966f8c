//! Implementations of the domain's delivery port: email over SMTP and SMS through an HTTP
//! webhook. Either may be absent: dev mode records messages in the outbox instead, and a
//! node without a sender for a medium refuses to deliver on it (CodeDeliveryFailureException).
//! Also the identity pools' credential port (`credentials`): STS, dev minting, or neither.

mod credentials;
mod sms;
mod smtp;
mod triggers;

use async_trait::async_trait;
use cognate_domain::MessageSender;
use cognate_domain::enums::DeliveryMedium;
use cognate_domain::messages::OutgoingMessage;

pub use credentials::{LocalCredentials, NoCredentials, StsClient};
pub use sms::SmsWebhook;
pub use smtp::SmtpMailer;
pub use triggers::{HttpTriggers, webhook_signature};

/// Routes each message to the sender for its medium.
#[derive(Clone)]
pub struct Outbound {
    pub smtp: Option<SmtpMailer>,
    pub sms: Option<SmsWebhook>,
    /// In dev mode an unconfigured medium is not an error: the outbox already has the message.
    pub dev: bool,
}

#[async_trait]
impl MessageSender for Outbound {
    async fn send(&self, message: &OutgoingMessage) -> Result<(), String> {
        match message.medium {
            DeliveryMedium::Email => match &self.smtp {
                Some(smtp) => smtp.send(message).await,
                None if self.dev => Ok(()),
                None => Err("no SMTP server is configured".to_owned()),
            },
            DeliveryMedium::Sms => match &self.sms {
                Some(sms) => sms.send(message).await,
                None if self.dev => Ok(()),
                None => Err("no SMS sender is configured".to_owned()),
            },
        }
    }

    /// Sends on a task of its own, so the request that caused the message does not wait.
    async fn send_detached(&self, message: OutgoingMessage) {
        let outbound = self.clone();
        tokio::spawn(async move {
            if let Err(detail) = outbound.send(&message).await {
                tracing::warn!(pool_id = %message.pool_id, medium = %message.medium, %detail, "message delivery failed");
            }
        });
    }
}
