//! Single-use codes: confirmation, password reset and attribute verification. They are
//! stored only as keyed hashes, expire, and are removed by the one request that uses them.
//! How many a public caller may have sent, and how many wrong answers a user's codes of one
//! purpose survive, are attempt counters (`limits`), reserved before anything is sent or
//! compared.

use crate::Domain;
use crate::enums::{DeliveryMedium, RecoveryOptionName};
use crate::error::{Error, Result};
use crate::limits::Counter;
use crate::messages::{self, MessageKind, OutgoingMessage};
use crate::pool::UserPool;
use crate::ports::StoredCode;
use crate::triggers::{ClientMetadata, CustomMessage};
use crate::user::User;

/// Where a message comes from, for the triggers that see it: the source suffix of
/// `CustomMessage_<source>` and `Custom*Sender_<source>`, the app client, and ClientMetadata.
pub(crate) struct MessageContext<'a> {
    pub source: &'static str,
    pub client_id: Option<&'a str>,
    pub client_metadata: Option<&'a ClientMetadata>,
    /// Hand the message over without waiting for (or reporting) its delivery: where the
    /// answer must not tell whether the user exists, a delivery failure and the time a
    /// delivery takes must not tell either.
    pub detached: bool,
    /// The caller has counted this send against the limit already (before writing anything).
    pub sends_counted: bool,
}

impl MessageContext<'_> {
    /// Whether a public caller (an app client, a user's token) caused the message: the
    /// per-user send limit applies. Administrators' IAM-signed calls are trusted and not
    /// limited.
    pub(crate) fn is_public(&self) -> bool {
        self.client_id.is_some()
    }
}

impl MessageContext<'static> {
    /// A message an administrator's call caused.
    pub(crate) fn admin(source: &'static str) -> Self {
        MessageContext {
            source,
            client_id: None,
            client_metadata: None,
            detached: false,
            sends_counted: false,
        }
    }
}

/// A custom message function's texts replace the template's for the medium they name.
pub(crate) fn apply_custom_message(
    medium: DeliveryMedium,
    custom: &CustomMessage,
    subject: &mut Option<String>,
    body: &mut String,
) {
    match medium {
        DeliveryMedium::Email => {
            if let Some(email) = &custom.email {
                body.clone_from(email);
            }
            if let Some(custom_subject) = &custom.subject {
                *subject = Some(custom_subject.clone());
            }
        }
        DeliveryMedium::Sms => {
            if let Some(sms) = &custom.sms {
                body.clone_from(sms);
            }
        }
    }
}

/// Why a code was issued; each purpose has its own lifetime and replaces earlier codes of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    SignUp,
    ResetPassword,
    VerifyEmail,
    VerifyPhoneNumber,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CodePurpose::SignUp => "sign_up",
            CodePurpose::ResetPassword => "reset_password",
            CodePurpose::VerifyEmail => "verify_email",
            CodePurpose::VerifyPhoneNumber => "verify_phone_number",
        }
    }

    /// Lifetimes as Cognito documents them: 24 h for sign-up and attributes, 1 h for resets.
    pub fn lifetime_secs(self) -> i64 {
        match self {
            CodePurpose::ResetPassword => 3600,
            _ => 86_400,
        }
    }

    fn message_kind(self) -> MessageKind {
        match self {
            CodePurpose::SignUp => MessageKind::SignUpCode,
            CodePurpose::ResetPassword => MessageKind::ResetPasswordCode,
            CodePurpose::VerifyEmail | CodePurpose::VerifyPhoneNumber => {
                MessageKind::AttributeVerificationCode
            }
        }
    }
}

/// Where ForgotPassword / AdminResetUserPassword send the code, following the pool's
/// AccountRecoverySetting (or, without one, Cognito's legacy order: phone, then email).
pub fn recovery_destination(pool: &UserPool, user: &User) -> Option<(DeliveryMedium, String)> {
    let verified = |attr: &str| {
        user.is_verified(attr)
            .then(|| user.attribute(attr).map(str::to_owned))
            .flatten()
    };
    let email = || verified("email").map(|e| (DeliveryMedium::Email, e));
    let phone = || verified("phone_number").map(|p| (DeliveryMedium::Sms, p));
    match &pool.settings.account_recovery {
        None => phone().or_else(email),
        Some(options) => {
            let mut options = options.clone();
            options.sort_by_key(|o| o.priority);
            options.iter().find_map(|o| match o.name {
                RecoveryOptionName::VerifiedEmail => email(),
                RecoveryOptionName::VerifiedPhoneNumber => phone(),
                RecoveryOptionName::AdminOnly => None,
            })
        }
    }
}

impl Domain {
    /// Issues a fresh 6-digit code, stores its hash, and sends it. A public caller's send is
    /// counted first (LimitExceededException past the limit).
    pub(crate) async fn send_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: CodePurpose,
        medium: DeliveryMedium,
        destination: &str,
        context: &MessageContext<'_>,
    ) -> Result<()> {
        let template = &pool.settings.verification_message_template;
        let (mut subject, mut body) = match medium {
            DeliveryMedium::Email => (
                Some(
                    template
                        .email_subject
                        .clone()
                        .unwrap_or_else(|| messages::DEFAULT_VERIFICATION_SUBJECT.to_owned()),
                ),
                template
                    .email_message
                    .clone()
                    .unwrap_or_else(|| messages::DEFAULT_VERIFICATION_MESSAGE.to_owned()),
            ),
            DeliveryMedium::Sms => (
                None,
                template
                    .sms_message
                    .clone()
                    .unwrap_or_else(|| messages::DEFAULT_VERIFICATION_MESSAGE.to_owned()),
            ),
        };
        let custom_source = format!("CustomMessage_{}", context.source);
        let no_metadata = ClientMetadata::new();
        let metadata = context.client_metadata.unwrap_or(&no_metadata);
        if let Some(custom) = self
            .custom_message(&custom_source, pool, user, context.client_id, metadata)
            .await?
        {
            apply_custom_message(medium, &custom, &mut subject, &mut body);
        }
        if context.is_public() && !context.sends_counted {
            self.reserve(&pool.id, Counter::Sends(purpose.as_str(), &user.sub))
                .await?;
        }
        let code = cognate_crypto::random::random_digits(self.random(), 6);
        let stored = StoredCode {
            pool_id: pool.id.clone(),
            sub: user.sub.clone(),
            purpose: purpose.as_str().to_owned(),
            hash: self.keys.hash(purpose.as_str(), code.as_bytes()),
            expires_at_ms: self.now().plus_secs(purpose.lifetime_secs()).millis(),
        };
        self.store.put_code(&stored).await.map_err(Error::from)?;
        let message = OutgoingMessage {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            kind: purpose.message_kind(),
            medium,
            destination: destination.to_owned(),
            subject,
            body: messages::render(&body, &crate::user::display_username(pool, user), &code),
            from: pool.settings.email_configuration.from.clone(),
            reply_to: pool
                .settings
                .email_configuration
                .reply_to_email_address
                .clone(),
            code: Some(code),
        };
        self.deliver_message(pool, user, message, context).await
    }

    /// Consumes a code: the attempt is counted first (LimitExceededException once the user
    /// has given too many wrong answers for this purpose, whatever the number of codes
    /// issued); then wrong → CodeMismatch, expired → ExpiredCode, right → the code is gone and
    /// the count starts afresh.
    pub(crate) async fn consume_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: CodePurpose,
        code: &str,
    ) -> Result<()> {
        let answers = Counter::Answers(purpose.as_str(), &user.sub);
        self.reserve(&pool.id, answers).await?;
        let Some(stored) = self
            .store
            .get_code(&pool.id, &user.sub, purpose.as_str())
            .await
            .map_err(Error::from)?
        else {
            return Err(code_mismatch());
        };
        if stored.expires_at_ms <= self.now().millis() {
            return Err(Error::code_expired());
        }
        let hash = self.keys.hash(purpose.as_str(), code.as_bytes());
        let matches = subtle::ConstantTimeEq::ct_eq(hash.as_slice(), stored.hash.as_slice());
        // Of two right answers racing, only the one that removes the code wins.
        if !bool::from(matches)
            || !self
                .store
                .take_code(&pool.id, &user.sub, purpose.as_str(), &hash)
                .await
                .map_err(Error::from)?
        {
            return Err(code_mismatch());
        }
        self.clear(&pool.id, answers).await
    }

    /// A code answered for a name that matched no user, when the client hides existence: the
    /// answer is counted as a real user's would be (so the limit tells nothing either), and is
    /// a wrong one.
    pub(crate) async fn answer_for_unknown_user(
        &self,
        pool: &UserPool,
        username: &str,
        purpose: CodePurpose,
    ) -> Error {
        let key = self.unknown_user_key(pool, username);
        match self
            .reserve(&pool.id, Counter::Answers(purpose.as_str(), &key))
            .await
        {
            Ok(()) => code_mismatch(),
            Err(refused) => refused,
        }
    }
}

/// CodeMismatchException with Cognito's message.
pub(crate) fn code_mismatch() -> Error {
    Error::code_mismatch()
}
