//! Single-use codes: confirmation, password reset and attribute verification. They are
//! stored only as keyed hashes, expire, and are removed by the one request that uses them.

use crate::Domain;
use crate::enums::{DeliveryMedium, RecoveryOptionName};
use crate::error::{Error, ErrorKind, Result};
use crate::messages::{self, MessageKind, OutgoingMessage};
use crate::pool::UserPool;
use crate::ports::StoredCode;
use crate::user::User;

/// Wrong guesses a code survives; after that it must be requested again.
const MAX_CODE_ATTEMPTS: i32 = 5;

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
    /// Issues a fresh 6-digit code, stores its hash, and sends it.
    pub(crate) async fn send_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: CodePurpose,
        medium: DeliveryMedium,
        destination: &str,
    ) -> Result<()> {
        let code = cognate_crypto::random::random_digits(self.random(), 6);
        let stored = StoredCode {
            pool_id: pool.id.clone(),
            sub: user.sub.clone(),
            purpose: purpose.as_str().to_owned(),
            hash: self.keys.hash(purpose.as_str(), code.as_bytes()),
            expires_at_ms: self.now().plus_secs(purpose.lifetime_secs()).millis(),
            attempts: 0,
        };
        self.store.put_code(&stored).await.map_err(Error::from)?;
        let template = &pool.settings.verification_message_template;
        let (subject, body) = match medium {
            DeliveryMedium::Email => (
                Some(
                    template
                        .email_subject
                        .as_deref()
                        .unwrap_or(messages::DEFAULT_VERIFICATION_SUBJECT),
                ),
                template
                    .email_message
                    .as_deref()
                    .unwrap_or(messages::DEFAULT_VERIFICATION_MESSAGE),
            ),
            DeliveryMedium::Sms => (
                None,
                template
                    .sms_message
                    .as_deref()
                    .unwrap_or(messages::DEFAULT_VERIFICATION_MESSAGE),
            ),
        };
        self.deliver(OutgoingMessage {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            kind: purpose.message_kind(),
            medium,
            destination: destination.to_owned(),
            subject: subject.map(str::to_owned),
            body: messages::render(body, &self.display_username(pool, user), &code),
            from: pool.settings.email_configuration.from.clone(),
            reply_to: pool
                .settings
                .email_configuration
                .reply_to_email_address
                .clone(),
            code: Some(code),
        })
        .await
    }

    /// Consumes a code: wrong → CodeMismatch (counted), expired → ExpiredCode, used → gone.
    pub(crate) async fn consume_code(
        &self,
        pool: &UserPool,
        user: &User,
        purpose: CodePurpose,
        code: &str,
    ) -> Result<()> {
        let mismatch = || {
            Error::new(
                ErrorKind::CodeMismatch,
                "Invalid verification code provided, please try again.",
            )
        };
        let Some(stored) = self
            .store
            .get_code(&pool.id, &user.sub, purpose.as_str())
            .await
            .map_err(Error::from)?
        else {
            return Err(mismatch());
        };
        if stored.attempts >= MAX_CODE_ATTEMPTS {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                "Attempt limit exceeded, please try after some time.",
            ));
        }
        if stored.expires_at_ms <= self.now().millis() {
            return Err(Error::new(
                ErrorKind::ExpiredCode,
                "Invalid code provided, please request a code again.",
            ));
        }
        let hash = self.keys.hash(purpose.as_str(), code.as_bytes());
        let matches = subtle::ConstantTimeEq::ct_eq(hash.as_slice(), stored.hash.as_slice());
        if !bool::from(matches) {
            self.store
                .bump_code_attempts(&pool.id, &user.sub, purpose.as_str())
                .await
                .map_err(Error::from)?;
            return Err(mismatch());
        }
        if !self
            .store
            .take_code(&pool.id, &user.sub, purpose.as_str(), &hash)
            .await
            .map_err(Error::from)?
        {
            return Err(mismatch());
        }
        Ok(())
    }
}
