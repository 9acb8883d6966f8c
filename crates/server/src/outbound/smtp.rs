//! Email through SMTP (lettre), with the server's default From and the pool's From/ReplyTo.

use cognate_domain::messages::OutgoingMessage;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::SmtpConfig;

#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    default_from: Mailbox,
}

impl SmtpMailer {
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Self> {
        let tls = match config.tls.as_deref().unwrap_or("starttls") {
            "none" => Tls::None,
            "starttls" => Tls::Required(TlsParameters::new(config.host.clone())?),
            "tls" => Tls::Wrapper(TlsParameters::new(config.host.clone())?),
            other => anyhow::bail!("smtp.tls must be none, starttls or tls, not {other:?}"),
        };
        let default_port = if matches!(tls, Tls::Wrapper(_)) {
            465
        } else {
            587
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port.unwrap_or(default_port))
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(10)));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let default_from = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("smtp.from is not an address: {e}"))?;
        Ok(SmtpMailer {
            transport: builder.build(),
            default_from,
        })
    }

    pub async fn send(&self, message: &OutgoingMessage) -> Result<(), String> {
        let from = match &message.from {
            Some(from) => from
                .parse::<Mailbox>()
                .map_err(|e| format!("invalid From {from:?}: {e}"))?,
            None => self.default_from.clone(),
        };
        let to: Mailbox = message
            .destination
            .parse()
            .map_err(|e| format!("invalid recipient: {e}"))?;
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(message.subject.clone().unwrap_or_default());
        if let Some(reply_to) = &message.reply_to {
            builder = builder.reply_to(
                reply_to
                    .parse()
                    .map_err(|e| format!("invalid ReplyTo: {e}"))?,
            );
        }
        let content_type = if message.body.contains('<') {
            ContentType::TEXT_HTML
        } else {
            ContentType::TEXT_PLAIN
        };
        let email = builder
            .header(content_type)
            .body(message.body.clone())
            .map_err(|e| format!("cannot build the email: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP delivery failed: {e}"))
    }
}
