//! Messages Cognito sends (invitations, codes): their templates with `{####}` and
//! `{username}` placeholders, delivery through the [`MessageSender`](crate::ports::MessageSender)
//! port, and the dev outbox that records them.

use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::enums::DeliveryMedium;
use crate::error::{Error, ErrorKind, Result};
use crate::time::Timestamp;

/// The associated data a custom sender's code is sealed with (see examples/custom-sender).
pub const CUSTOM_SENDER_PURPOSE: &[u8] = b"cognate custom sender code";

pub const DEFAULT_INVITE_MESSAGE: &str =
    "Your username is {username} and temporary password is {####}.";
pub const DEFAULT_INVITE_SUBJECT: &str = "Your temporary password";
pub const DEFAULT_VERIFICATION_MESSAGE: &str = "Your verification code is {####}.";
pub const DEFAULT_VERIFICATION_SUBJECT: &str = "Your verification code";

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageKind {
    Invitation,
    SignUpCode,
    ResetPasswordCode,
    AttributeVerificationCode,
    AuthenticationCode,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Invitation => "invitation",
            MessageKind::SignUpCode => "sign_up_code",
            MessageKind::ResetPasswordCode => "reset_password_code",
            MessageKind::AttributeVerificationCode => "attribute_verification_code",
            MessageKind::AuthenticationCode => "authentication_code",
        }
    }
}

/// One email or SMS on its way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub pool_id: String,
    pub username: String,
    pub kind: MessageKind,
    pub medium: DeliveryMedium,
    pub destination: String,
    pub subject: Option<String>,
    pub body: String,
    /// The pool's EmailConfiguration From and ReplyTo, when set.
    pub from: Option<String>,
    pub reply_to: Option<String>,
    /// The code or temporary password inside `body`, kept for the dev outbox.
    pub code: Option<String>,
}

/// A message as the dev outbox records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: String,
    pub created: Timestamp,
    pub pool_id: String,
    pub username: String,
    pub kind: String,
    pub medium: String,
    pub destination: String,
    pub subject: Option<String>,
    pub body: String,
    pub code: Option<String>,
}

/// Fills Cognito's placeholders.
pub fn render(template: &str, username: &str, code: &str) -> String {
    template
        .replace("{username}", username)
        .replace("{####}", code)
}

/// `+*******1234` / `a***@e***`, as Cognito's CodeDeliveryDetails show destinations.
pub fn mask_destination(medium: DeliveryMedium, destination: &str) -> String {
    match medium {
        DeliveryMedium::Sms => {
            let digits: Vec<char> = destination.chars().collect();
            let keep = digits.len().saturating_sub(4);
            digits
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 && *c == '+' {
                        '+'
                    } else if i < keep {
                        '*'
                    } else {
                        *c
                    }
                })
                .collect()
        }
        DeliveryMedium::Email => {
            let (local, domain) = destination.split_once('@').unwrap_or((destination, ""));
            let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
            format!("{}***@{}***", first(local), first(domain))
        }
    }
}

impl Domain {
    /// Sends a message and, in dev mode, records it in the outbox first (so a failing sender
    /// still leaves the code visible to a developer).
    pub(crate) async fn deliver(&self, message: OutgoingMessage) -> Result<()> {
        if self.config.dev_outbox {
            self.append_to_outbox(&message).await?;
        }
        self.sender.send(&message).await.map_err(|detail| {
            tracing::warn!(pool_id = %message.pool_id, medium = %message.medium, %detail, "message delivery failed");
            Error::new(ErrorKind::CodeDeliveryFailure, "Unable to deliver the message. Try again later.")
        })?;
        self.count_message(&message.pool_id, message.medium).await;
        Ok(())
    }

    async fn append_to_outbox(&self, message: &OutgoingMessage) -> Result<()> {
        let entry = OutboxEntry {
            id: crate::ids::new_uuid(self.random()),
            created: self.now(),
            pool_id: message.pool_id.clone(),
            username: message.username.clone(),
            kind: message.kind.as_str().to_owned(),
            medium: message.medium.as_str().to_owned(),
            destination: message.destination.clone(),
            subject: message.subject.clone(),
            body: message.body.clone(),
            code: message.code.clone(),
        };
        self.store.append_outbox(&entry).await.map_err(Error::from)
    }

    /// Records the message in the dev outbox and hands it to the sender without waiting for
    /// the delivery, whose failure is logged, not returned.
    pub(crate) async fn deliver_detached(&self, message: OutgoingMessage) -> Result<()> {
        if self.config.dev_outbox {
            self.append_to_outbox(&message).await?;
        }
        self.sender.send_detached(message).await;
        Ok(())
    }

    /// Delivers a code or invitation, or hands it to the pool's custom sender function
    /// (CustomEmailSender / CustomSMSSender) with the code encrypted, as Cognito does.
    pub(crate) async fn deliver_message(
        &self,
        pool: &crate::pool::UserPool,
        user: &crate::user::User,
        message: OutgoingMessage,
        context: &crate::codes::MessageContext<'_>,
    ) -> Result<()> {
        use crate::triggers::{EventBase, Trigger, user_attributes};
        let trigger = match message.medium {
            DeliveryMedium::Email => Trigger::CustomEmailSender,
            DeliveryMedium::Sms => Trigger::CustomSmsSender,
        };
        if trigger.configured(&pool.settings.lambda_config).is_none() {
            if context.detached {
                return self.deliver_detached(message).await;
            }
            return self.deliver(message).await;
        }
        let key = self.config.custom_sender_key.as_ref().map(|k| *k.expose()).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidUserPoolConfiguration,
                "The pool names a custom sender, but this server has no custom_sender_key to encrypt codes with.",
            )
        })?;
        let code = message.code.clone().unwrap_or_default();
        let sealed = cognate_crypto::seal::Sealer::new(key)
            .and_then(|s| s.seal(CUSTOM_SENDER_PURPOSE, code.as_bytes()))
            .map_err(|e| Error::internal(format!("custom sender encryption: {e}")))?;
        let source = format!("{}_{}", trigger.name(), context.source);
        let request_type = match message.medium {
            DeliveryMedium::Email => "customEmailSenderRequestV1",
            DeliveryMedium::Sms => "customSMSSenderRequestV1",
        };
        let request = serde_json::json!({
            "type": request_type,
            "code": crate::b64::encode_std(&sealed),
            "userAttributes": user_attributes(user),
            "clientMetadata": context.client_metadata.cloned().unwrap_or_default(),
        });
        let base = EventBase {
            pool,
            trigger_source: &source,
            username: &user.username,
            client_id: context.client_id,
        };
        self.run_trigger(trigger, base, request, serde_json::json!({}))
            .await?;
        Ok(())
    }

    /// The dev outbox, newest first.
    pub async fn outbox(&self, pool_id: Option<&str>, limit: u32) -> Result<Vec<OutboxEntry>> {
        if !self.config.dev_outbox {
            return Err(Error::new(
                ErrorKind::UnsupportedOperation,
                "The outbox exists only in dev mode.",
            ));
        }
        self.store
            .list_outbox(pool_id, limit)
            .await
            .map_err(Error::from)
    }

    /// Wipes all state (dev mode only), so test suites can start from a clean slate.
    pub async fn wipe_all_state(&self) -> Result<()> {
        if !self.config.dev_outbox {
            return Err(Error::new(
                ErrorKind::UnsupportedOperation,
                "Resetting state is possible only in dev mode.",
            ));
        }
        self.store.wipe_all().await.map_err(Error::from)?;
        self.forget_cached_settings();
        Ok(())
    }
}

/// A masked destination for a decoy code: the name itself when it is an address of the
/// medium's kind, else one made up from the name's keyed hash (stable, so that asking twice
/// gives the same answer, as it would for a real user).
pub(crate) fn decoy_destination(medium: DeliveryMedium, username: &str, seed: &[u8]) -> String {
    let letter = |byte: u8| char::from(b'a' + byte % 26);
    match medium {
        DeliveryMedium::Email if username.contains('@') => mask_destination(medium, username),
        DeliveryMedium::Email => {
            let made_up = format!(
                "{}@{}.com",
                letter(seed.first().copied().unwrap_or_default()),
                letter(seed.get(1).copied().unwrap_or_default())
            );
            mask_destination(medium, &made_up)
        }
        DeliveryMedium::Sms if username.starts_with('+') => mask_destination(medium, username),
        DeliveryMedium::Sms => {
            let digits: String = seed[2..6]
                .iter()
                .map(|b| char::from(b'0' + b % 10))
                .collect();
            mask_destination(medium, &format!("+1555000{digits}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_masked_like_cognito() {
        assert_eq!(
            mask_destination(DeliveryMedium::Sms, "+12065551234"),
            "+*******1234"
        );
        assert_eq!(
            mask_destination(DeliveryMedium::Email, "alice@example.com"),
            "a***@e***"
        );
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            render(DEFAULT_INVITE_MESSAGE, "bob", "Tmp#1234"),
            "Your username is bob and temporary password is Tmp#1234."
        );
    }
}
