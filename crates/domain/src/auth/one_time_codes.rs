//! The one-time code challenges of a sign-in: SMS_MFA, EMAIL_OTP and SOFTWARE_TOKEN_MFA after
//! the password, and USER_AUTH's passwordless codes (EMAIL_OTP, SMS_OTP), which are the same
//! challenges, eight digits long, and end the sign-in without MFA.
//!
//! # Where the state lives
//! Each step's Session is sealed and single use (`session.rs`), bound to its challenge by its
//! purpose, so the Session of one challenge cannot answer another. A challenge that takes a
//! code also writes one row in the codes table (purpose `mfa`, one per user): the keyed hash
//! of the challenge's random id, which binds the row to that Session, with the expiry and the
//! expiry. The keyed hash of an SMS or email code travels in the sealed Session itself. A
//! wrong code leaves the Session alive (Cognito's clients let the user try again); the right
//! one spends it and the row.
//!
//! # Limits
//! Every answer is counted before the code is compared (`limits`): MFA answers on the user's
//! second-factor counter, passwordless codes on the sign-in lockout (they are a first factor),
//! with Cognito's lockout schedule (five free, then delays from 1 s doubling to 15 min). The
//! counter is cleared by the right code. Codes sent by SMS or email count against the user's
//! send limit.

use std::collections::BTreeMap;

use subtle::ConstantTimeEq;

use super::second_factor::*;
use super::{AuthOutcome, Caller, expired_session};
use crate::codes::{MessageContext, apply_custom_message};
use crate::enums::{DeliveryMedium, MfaFactor};
use crate::error::{Error, Result};
use crate::limits::Counter;
use crate::messages::{self, MessageKind, OutgoingMessage, mask_destination};
use crate::mfa_settings::{self, code_mismatch};
use crate::ports::StoredCode;
use crate::user::User;
use crate::{Domain, b64, ids};

/// The codes-table purposes of a user's challenges in flight: one MFA challenge and one
/// passwordless sign-in code. Apart, so that anyone starting a passwordless sign-in for a
/// name (which needs no password) cannot void the user's own MFA challenge.
pub(super) const MFA_CODE_PURPOSE: &str = "mfa";
pub(super) const OTP_CODE_PURPOSE: &str = "otp";

/// Where a challenge's answers are counted: a passwordless code is a first factor and counts
/// toward the sign-in lockout; an MFA code on the second-factor counter, which a right
/// password does not clear (Cognito locks out after five wrong MFA codes).
pub(super) fn answer_counter<'a>(state: &SignInState, sub: &'a str) -> Counter<'a> {
    if state.passwordless {
        Counter::SignIn(sub)
    } else {
        Counter::SecondFactor(sub)
    }
}

pub(super) fn code_row_purpose(state: &SignInState) -> &'static str {
    if state.passwordless {
        OTP_CODE_PURPOSE
    } else {
        MFA_CODE_PURPOSE
    }
}

pub(crate) const DEFAULT_SMS_AUTHENTICATION_MESSAGE: &str = "Your authentication code is {####}. ";
pub(super) const DEFAULT_EMAIL_AUTHENTICATION_MESSAGE: &str = "Your authentication code is {####}.";
pub(super) const DEFAULT_EMAIL_AUTHENTICATION_SUBJECT: &str = "Your authentication code";

/// A code challenge's Session purpose. EMAIL_OTP is one challenge whether it is MFA or a
/// passwordless first factor (its answer ends the sign-in either way); SMS has two names.
pub(crate) fn challenge_purpose(factor: MfaFactor, passwordless: bool) -> &'static str {
    match (factor, passwordless) {
        (MfaFactor::Sms, false) => "mfa:SMS_MFA",
        (MfaFactor::Sms, true) => "otp:SMS_OTP",
        (MfaFactor::SoftwareToken, _) => "mfa:SOFTWARE_TOKEN_MFA",
        (MfaFactor::Email, _) => "mfa:EMAIL_OTP",
    }
}

pub(crate) fn challenge_name(factor: MfaFactor, passwordless: bool) -> &'static str {
    match (factor, passwordless) {
        (MfaFactor::Sms, true) => "SMS_OTP",
        (factor, _) => factor.as_str(),
    }
}

pub(crate) fn code_parameter(factor: MfaFactor, passwordless: bool) -> &'static str {
    match (factor, passwordless) {
        (MfaFactor::Sms, false) => "SMS_MFA_CODE",
        (MfaFactor::Sms, true) => "SMS_OTP_CODE",
        (MfaFactor::SoftwareToken, _) => "SOFTWARE_TOKEN_MFA_CODE",
        (MfaFactor::Email, _) => "EMAIL_OTP_CODE",
    }
}

/// MFA codes are six digits; passwordless sign-in codes eight.
pub(super) const MFA_CODE_DIGITS: usize = 6;
pub(super) const PASSWORDLESS_CODE_DIGITS: usize = 8;

pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

impl Domain {
    pub(super) fn challenge_hash(&self, challenge_id: &str, code: &str) -> Vec<u8> {
        self.keys
            .hash("mfa-challenge", format!("{challenge_id}:{code}").as_bytes())
    }

    /// SMS_MFA, EMAIL_OTP or SOFTWARE_TOKEN_MFA: sends the code (SMS, email) and records the
    /// challenge so its attempts are counted.
    pub(crate) async fn mfa_challenge(
        &self,
        caller: &Caller,
        user: &User,
        mut state: SignInState,
        factor: MfaFactor,
    ) -> Result<AuthOutcome> {
        let challenge_id = ids::new_uuid(self.random());
        let expires = self
            .now()
            .plus_secs(super::session_lifetime(&caller.client));
        let mut parameters = BTreeMap::new();
        parameters.insert("USERNAME".to_owned(), user.username.clone());
        let medium = match factor {
            MfaFactor::Sms => Some((DeliveryMedium::Sms, "phone_number")),
            MfaFactor::Email => Some((DeliveryMedium::Email, "email")),
            MfaFactor::SoftwareToken => None,
        };
        if medium.is_some() {
            let sends = Counter::Sends(code_row_purpose(&state), &user.sub);
            self.reserve(&caller.pool.id, sends).await?;
        }
        self.store
            .put_code(&StoredCode {
                pool_id: caller.pool.id.clone(),
                sub: user.sub.clone(),
                purpose: code_row_purpose(&state).to_owned(),
                hash: self.challenge_hash(&challenge_id, ""),
                expires_at_ms: expires.millis(),
            })
            .await
            .map_err(Error::from)?;
        match medium {
            Some((medium, attribute)) => {
                let destination = user
                    .attribute(attribute)
                    .ok_or_else(|| {
                        Error::invalid_parameter(format!("The user has no {attribute}."))
                    })?
                    .to_owned();
                let digits = if state.passwordless {
                    PASSWORDLESS_CODE_DIGITS
                } else {
                    MFA_CODE_DIGITS
                };
                let code = self
                    .send_sign_in_code(caller, user, medium, &destination, digits)
                    .await?;
                state.code_hash = Some(b64::encode_std(&self.challenge_hash(&challenge_id, &code)));
                parameters.insert(
                    "CODE_DELIVERY_DELIVERY_MEDIUM".to_owned(),
                    medium.as_str().to_owned(),
                );
                parameters.insert(
                    "CODE_DELIVERY_DESTINATION".to_owned(),
                    mask_destination(medium, &destination),
                );
            }
            None => {
                if let Some(name) = user
                    .software_token
                    .verified
                    .as_ref()
                    .and_then(|t| t.friendly_name.clone())
                {
                    parameters.insert("FRIENDLY_DEVICE_NAME".to_owned(), name);
                }
            }
        }
        state.challenge_id = Some(challenge_id);
        let passwordless = state.passwordless;
        let session = self.step_session(caller, challenge_purpose(factor, passwordless), &state)?;
        Ok(AuthOutcome::Challenge {
            name: challenge_name(factor, passwordless).to_owned(),
            session: Some(session),
            parameters,
        })
    }

    /// Sends a one-time sign-in code by SMS or email; returns the code.
    pub(crate) async fn send_sign_in_code(
        &self,
        caller: &Caller,
        user: &User,
        medium: DeliveryMedium,
        destination: &str,
        digits: usize,
    ) -> Result<String> {
        let pool = &caller.pool;
        let (mut subject, mut body) = match medium {
            DeliveryMedium::Sms => (
                None,
                pool.mfa
                    .sms_authentication_message
                    .clone()
                    .unwrap_or_else(|| DEFAULT_SMS_AUTHENTICATION_MESSAGE.to_owned()),
            ),
            DeliveryMedium::Email => {
                let email = pool.mfa.email.clone().unwrap_or_default();
                (
                    Some(
                        email
                            .subject
                            .unwrap_or_else(|| DEFAULT_EMAIL_AUTHENTICATION_SUBJECT.to_owned()),
                    ),
                    email
                        .message
                        .unwrap_or_else(|| DEFAULT_EMAIL_AUTHENTICATION_MESSAGE.to_owned()),
                )
            }
        };
        if let Some(custom) = self
            .custom_message(
                "CustomMessage_Authentication",
                pool,
                user,
                Some(&caller.client.client_id),
                &caller.client_metadata,
            )
            .await?
        {
            apply_custom_message(medium, &custom, &mut subject, &mut body);
        }
        let code = cognate_crypto::random::random_digits(self.random(), digits);
        let message = OutgoingMessage {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            kind: MessageKind::AuthenticationCode,
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
            code: Some(code.clone()),
        };
        let context = MessageContext {
            source: "Authentication",
            client_id: Some(&caller.client.client_id),
            client_metadata: Some(&caller.client_metadata),
            detached: false,
            sends_counted: false,
        };
        self.deliver_message(pool, user, message, &context).await?;
        Ok(code)
    }

    /// Checks the answer to a code challenge against its row: the binding to this Session and
    /// its expiry, then the attempt is counted (see the module's Limits), then the code
    /// (`check`). The right code spends the row and clears the count.
    pub(crate) async fn check_challenge_code(
        &self,
        caller: &Caller,
        user: &User,
        state: &SignInState,
        check: CodeCheck<'_>,
    ) -> Result<()> {
        let challenge_id = state.challenge_id.as_deref().ok_or_else(expired_session)?;
        let binding = self.challenge_hash(challenge_id, "");
        let stored = self
            .store
            .get_code(&caller.pool.id, &user.sub, code_row_purpose(state))
            .await
            .map_err(Error::from)?
            .filter(|row| same(&row.hash, &binding))
            .ok_or_else(expired_session)?;
        if stored.expires_at_ms <= self.now().millis() {
            return Err(expired_session());
        }
        let counter = answer_counter(state, &user.sub);
        self.reserve(&caller.pool.id, counter).await?;
        if !check.holds(self, challenge_id).await? {
            return Err(code_mismatch());
        }
        if !self
            .store
            .take_code(
                &caller.pool.id,
                &user.sub,
                code_row_purpose(state),
                &binding,
            )
            .await
            .map_err(Error::from)?
        {
            return Err(expired_session());
        }
        self.clear(&caller.pool.id, counter).await
    }
}

/// How a challenge's code is checked, once its row allows an attempt.
pub(crate) enum CodeCheck<'a> {
    /// A code sent by SMS or email, compared with the keyed hash its Session carries.
    Sent {
        expected: Option<&'a str>,
        code: &'a str,
    },
    /// A TOTP code: one step of tolerance, each step accepted once.
    Totp {
        pool: &'a crate::pool::UserPool,
        user: &'a User,
        secret: &'a [u8],
        code: &'a str,
    },
}

impl CodeCheck<'_> {
    pub(super) async fn holds(self, domain: &Domain, challenge_id: &str) -> Result<bool> {
        match self {
            CodeCheck::Sent { expected, code } => {
                let expected = expected
                    .and_then(b64::decode_std)
                    .ok_or_else(expired_session)?;
                Ok(same(&domain.challenge_hash(challenge_id, code), &expected))
            }
            CodeCheck::Totp {
                pool,
                user,
                secret,
                code,
            } => match cognate_crypto::totp::verify(
                secret,
                code,
                domain.now().secs(),
                mfa_settings::TOTP_TOLERANCE_STEPS,
            ) {
                Some(step) => domain
                    .spend_totp_step(pool, user, step)
                    .await
                    .map(|()| true),
                None => Ok(false),
            },
        }
    }
}
