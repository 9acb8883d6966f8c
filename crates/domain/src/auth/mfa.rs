//! The steps between the first factor and the tokens: a remembered device (which skips MFA
//! through device SRP when the pool's ChallengeRequiredOnNewDevice says so, see `device`),
//! then MFA as the pool's MfaConfiguration and the user's factors decide (SMS_MFA, EMAIL_OTP,
//! SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP), then the tokens, with NewDeviceMetadata
//! when the pool tracks devices. USER_AUTH's passwordless codes (EMAIL_OTP, SMS_OTP) are the
//! same code challenges, eight digits long, and end the sign-in without MFA.
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

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::{AuthOutcome, Caller, Opened, expired_session, missing};
use crate::codes::{MessageContext, apply_custom_message};
use crate::enums::{DeliveryMedium, MfaFactor, MfaMode};
use crate::error::{Error, Result};
use crate::limits::Counter;
use crate::messages::{self, MessageKind, OutgoingMessage, mask_destination};
use crate::mfa::{self, code_mismatch};
use crate::ports::StoredCode;
use crate::tokens::NewDevice;
use crate::user::User;
use crate::{Domain, b64, ids};

/// The codes-table purposes of a user's challenges in flight: one MFA challenge and one
/// passwordless sign-in code. Apart, so that anyone starting a passwordless sign-in for a
/// name (which needs no password) cannot void the user's own MFA challenge.
const MFA_CODE_PURPOSE: &str = "mfa";
const OTP_CODE_PURPOSE: &str = "otp";

/// Where a challenge's answers are counted: a passwordless code is a first factor and counts
/// toward the sign-in lockout; an MFA code on the second-factor counter, which a right
/// password does not clear (Cognito locks out after five wrong MFA codes).
fn answer_counter<'a>(state: &SignInState, sub: &'a str) -> Counter<'a> {
    if state.passwordless {
        Counter::SignIn(sub)
    } else {
        Counter::SecondFactor(sub)
    }
}

fn code_row_purpose(state: &SignInState) -> &'static str {
    if state.passwordless {
        OTP_CODE_PURPOSE
    } else {
        MFA_CODE_PURPOSE
    }
}

pub(crate) const DEFAULT_SMS_AUTHENTICATION_MESSAGE: &str = "Your authentication code is {####}. ";
const DEFAULT_EMAIL_AUTHENTICATION_MESSAGE: &str = "Your authentication code is {####}.";
const DEFAULT_EMAIL_AUTHENTICATION_SUBJECT: &str = "Your authentication code";

/// Where the step after the first factor leads ([`Domain::second_factor_step`]).
pub(crate) enum SecondFactor {
    /// Nothing more to ask: the sign-in may finish.
    Done(Box<User>),
    /// A challenge to answer first.
    Challenge(AuthOutcome),
}

/// Which sign-in the tokens end: the pre token generation trigger source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum TokenSource {
    Authentication,
    NewPasswordChallenge,
    AuthenticateDevice,
}

impl TokenSource {
    pub(crate) fn trigger_source(self) -> &'static str {
        match self {
            TokenSource::Authentication => "TokenGeneration_Authentication",
            TokenSource::NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
            TokenSource::AuthenticateDevice => "TokenGeneration_AuthenticateDevice",
        }
    }
}

/// What every step after the first factor carries in its sealed Session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SignInState {
    pub sub: String,
    /// A device of the user the client named (DEVICE_KEY); the session's tokens carry it.
    #[serde(default)]
    pub device_key: Option<String>,
    pub source: TokenSource,
    /// Binds the challenge to its row in the codes table.
    #[serde(default)]
    pub challenge_id: Option<String>,
    /// Keyed hash of the SMS or email code sent, base64.
    #[serde(default)]
    pub code_hash: Option<String>,
    /// SELECT_MFA_TYPE's choices.
    #[serde(default)]
    pub choices: Vec<MfaFactor>,
    /// MFA_SETUP: the secret AssociateSoftwareToken handed out, base64, until it is verified.
    #[serde(default)]
    pub secret: Option<String>,
    /// The code is USER_AUTH's passwordless first factor (SMS_OTP, EMAIL_OTP), not MFA.
    #[serde(default)]
    pub passwordless: bool,
    /// Who a decoy challenge's answers count against (see `choice`): the sub of the user
    /// the name found, or the unknown-name key.
    #[serde(default)]
    pub decoy_for: Option<String>,
}

impl SignInState {
    pub(crate) fn new(user: &User, device_key: Option<String>, source: TokenSource) -> Self {
        SignInState {
            sub: user.sub.clone(),
            device_key,
            source,
            challenge_id: None,
            code_hash: None,
            choices: Vec::new(),
            secret: None,
            passwordless: false,
            decoy_for: None,
        }
    }
}

/// A code challenge's Session purpose. EMAIL_OTP is one challenge whether it is MFA or a
/// passwordless first factor (its answer ends the sign-in either way); SMS has two names.
pub(super) fn challenge_purpose(factor: MfaFactor, passwordless: bool) -> &'static str {
    match (factor, passwordless) {
        (MfaFactor::Sms, false) => "mfa:SMS_MFA",
        (MfaFactor::Sms, true) => "otp:SMS_OTP",
        (MfaFactor::SoftwareToken, _) => "mfa:SOFTWARE_TOKEN_MFA",
        (MfaFactor::Email, _) => "mfa:EMAIL_OTP",
    }
}

pub(super) fn challenge_name(factor: MfaFactor, passwordless: bool) -> &'static str {
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
const MFA_CODE_DIGITS: usize = 6;
const PASSWORDLESS_CODE_DIGITS: usize = 8;

fn json_list(factors: &[MfaFactor]) -> String {
    serde_json::to_string(&factors.iter().map(|f| f.as_str()).collect::<Vec<_>>())
        .unwrap_or_default()
}

fn same(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

impl Domain {
    /// After the first factor (and after NEW_PASSWORD_REQUIRED): a remembered device, an MFA
    /// challenge, MFA_SETUP, or the tokens.
    pub(crate) async fn second_factor(
        &self,
        caller: &Caller,
        user: User,
        device_key: Option<String>,
        source: TokenSource,
    ) -> Result<AuthOutcome> {
        // Without device tracking a DEVICE_KEY means nothing, as in a pool that never issued one.
        let device_key = device_key.filter(|_| caller.pool.settings.device_configuration.is_some());
        match self
            .second_factor_step(caller, user, device_key.clone(), source)
            .await?
        {
            SecondFactor::Challenge(outcome) => Ok(outcome),
            SecondFactor::Done(user) => {
                let state = SignInState::new(&user, device_key, source);
                self.finish_sign_in(caller, &user, state).await
            }
        }
    }

    /// The decision after the first factor, without issuing anything: a challenge (device
    /// SRP, MFA, MFA_SETUP), or nothing more to ask. The hosted pages use it too and issue
    /// their own tokens.
    pub(crate) async fn second_factor_step(
        &self,
        caller: &Caller,
        user: User,
        device_key: Option<String>,
        source: TokenSource,
    ) -> Result<SecondFactor> {
        let pool = &caller.pool;
        let device_key = device_key.filter(|_| pool.settings.device_configuration.is_some());
        let challenge = |outcome: Result<AuthOutcome>| outcome.map(SecondFactor::Challenge);
        if let Some(key) = &device_key {
            let device = self
                .user_device(&pool.id, &user.sub, key)
                .await?
                .ok_or_else(crate::devices::device_not_found)?;
            // ChallengeRequiredOnNewDevice: a remembered device may stand in for MFA.
            let replaces_mfa = pool
                .settings
                .device_configuration
                .as_ref()
                .is_some_and(|c| c.challenge_required_on_new_device);
            if device.remembered && replaces_mfa {
                return challenge(self.device_srp_challenge(
                    caller,
                    &user,
                    SignInState::new(&user, device_key, source),
                ));
            }
        }
        let state = SignInState::new(&user, device_key, source);
        let mut factors = mfa::sign_in_factors(pool, &user);
        match pool.mfa.mode {
            MfaMode::Off => factors.clear(),
            MfaMode::Optional => {}
            MfaMode::On if factors.is_empty() => {
                // Required MFA falls back to the factors a user has without enrolling: their
                // phone number, then their email address.
                factors = [MfaFactor::Sms, MfaFactor::Email]
                    .into_iter()
                    .filter(|f| mfa::pool_offers(pool, *f) && mfa::user_can_use(&user, *f))
                    .take(1)
                    .collect();
                if factors.is_empty() {
                    return challenge(self.mfa_setup_challenge(caller, &user, state));
                }
            }
            MfaMode::On => {}
        }
        if factors.is_empty() {
            return Ok(SecondFactor::Done(Box::new(user)));
        }
        let preferred = user
            .preferred_mfa
            .as_deref()
            .and_then(MfaFactor::parse)
            .filter(|f| factors.contains(f));
        let single = (factors.len() == 1)
            .then(|| factors.first().copied())
            .flatten();
        challenge(match preferred.or(single) {
            Some(factor) => self.mfa_challenge(caller, &user, state, factor).await,
            None => self.select_mfa_challenge(caller, &user, state, factors),
        })
    }

    /// The tokens at the end of a sign-in, with NewDeviceMetadata when the pool tracks devices
    /// and the client named none of the user's.
    pub(crate) async fn finish_sign_in(
        &self,
        caller: &Caller,
        user: &User,
        state: SignInState,
    ) -> Result<AuthOutcome> {
        let (device_key, new_device) = match state.device_key {
            Some(key) => (Some(key), None),
            None if caller.pool.settings.device_configuration.is_some() => {
                let (device_key, device_group_key) = self.new_device_metadata(&caller.pool, user);
                (
                    Some(device_key.clone()),
                    Some(NewDevice {
                        device_key,
                        device_group_key,
                    }),
                )
            }
            None => (None, None),
        };
        let mut tokens = self
            .issue_tokens(
                caller,
                user,
                state.source.trigger_source(),
                device_key,
                new_device.is_some(),
            )
            .await?;
        tokens.new_device = new_device;
        Ok(AuthOutcome::Authenticated(tokens))
    }

    /// The user a step's Session names, still there and enabled.
    pub(crate) async fn signing_in_user(
        &self,
        caller: &Caller,
        state: &SignInState,
    ) -> Result<User> {
        let user = self
            .store
            .get_user_by_sub(&caller.pool.id, &state.sub)
            .await
            .map_err(Error::from)?
            .ok_or_else(expired_session)?;
        if !user.enabled {
            return Err(Error::user_disabled());
        }
        Ok(user)
    }

    /// Opens a step's Session, checks USERNAME and the secret hash, and finds the user.
    async fn open_step_session(
        &self,
        caller: &Caller,
        purpose: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<(Opened<SignInState>, User)> {
        let session = session
            .ok_or_else(|| Error::invalid_parameter("Missing required parameter Session"))?;
        let opened: Opened<SignInState> =
            self.open_session_string(purpose, session, &caller.client.client_id)?;
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        if opened.state.sub.is_empty() {
            // A decoy code challenge for a name that cannot use it (see `choice`): every
            // code is a wrong one, counted as a real user's would be.
            self.check_secret_hash(
                &caller.client,
                &[username],
                responses.get("SECRET_HASH").map(String::as_str),
            )?;
            if let Some(who) = &opened.state.decoy_for {
                self.reserve(&caller.pool.id, Counter::SignIn(who)).await?;
            }
            return Err(code_mismatch());
        }
        let user = self.signing_in_user(caller, &opened.state).await?;
        self.check_secret_hash(
            &caller.client,
            &[username, &user.username],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        self.check_username_matches(&caller.pool, username, &user)
            .await?;
        Ok((opened, user))
    }

    pub(super) fn step_session(
        &self,
        caller: &Caller,
        purpose: &str,
        state: &SignInState,
    ) -> Result<String> {
        self.session_string(
            purpose,
            &caller.pool.id,
            &caller.client.client_id,
            self.session_lifetime(&caller.client),
            state,
        )
    }

    fn challenge_hash(&self, challenge_id: &str, code: &str) -> Vec<u8> {
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
        let expires = self.now().plus_secs(self.session_lifetime(&caller.client));
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
            body: messages::render(&body, &self.display_username(pool, user), &code),
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

    /// RespondToAuthChallenge for SMS_MFA, SOFTWARE_TOKEN_MFA and EMAIL_OTP (as MFA or as a
    /// passwordless first factor), and SMS_OTP (`passwordless`).
    pub(super) async fn answer_mfa(
        &self,
        caller: &Caller,
        factor: MfaFactor,
        passwordless: bool,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let (state, user) = self
            .check_mfa_answer(caller, factor, passwordless, session, responses)
            .await?;
        self.finish_sign_in(caller, &user, state).await
    }

    /// The code of an MFA challenge (SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA) checked and
    /// spent, without issuing anything: the user signing in. For the hosted pages.
    pub(crate) async fn verify_mfa_answer(
        &self,
        caller: &Caller,
        factor: MfaFactor,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<User> {
        self.check_mfa_answer(caller, factor, false, session, responses)
            .await
            .map(|(_, user)| user)
    }

    async fn check_mfa_answer(
        &self,
        caller: &Caller,
        factor: MfaFactor,
        passwordless: bool,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<(SignInState, User)> {
        let (opened, user) = self
            .open_step_session(
                caller,
                challenge_purpose(factor, passwordless),
                session,
                responses,
            )
            .await?;
        let parameter = code_parameter(factor, opened.state.passwordless);
        let code = responses.get(parameter).ok_or_else(|| missing(parameter))?;
        match factor {
            MfaFactor::SoftwareToken => {
                let secret = self.software_token_secret(&caller.pool, &user)?;
                let check = CodeCheck::Totp {
                    pool: &caller.pool,
                    user: &user,
                    secret: &secret,
                    code,
                };
                self.check_challenge_code(caller, &user, &opened.state, check)
                    .await?;
            }
            MfaFactor::Sms | MfaFactor::Email => {
                let check = CodeCheck::Sent {
                    expected: opened.state.code_hash.as_deref(),
                    code,
                };
                self.check_challenge_code(caller, &user, &opened.state, check)
                    .await?;
            }
        }
        self.spend_step(&opened).await?;
        Ok((opened.state, user))
    }

    fn select_mfa_challenge(
        &self,
        caller: &Caller,
        user: &User,
        mut state: SignInState,
        factors: Vec<MfaFactor>,
    ) -> Result<AuthOutcome> {
        let mut parameters = BTreeMap::new();
        parameters.insert("USERNAME".to_owned(), user.username.clone());
        parameters.insert("MFAS_CAN_CHOOSE".to_owned(), json_list(&factors));
        state.choices = factors;
        let session = self.step_session(caller, "select-mfa", &state)?;
        Ok(AuthOutcome::Challenge {
            name: "SELECT_MFA_TYPE".to_owned(),
            session: Some(session),
            parameters,
        })
    }

    /// RespondToAuthChallenge for SELECT_MFA_TYPE (and the hosted pages' choice): ANSWER
    /// names one of MFAS_CAN_CHOOSE; the chosen challenge follows.
    pub(crate) async fn choose_mfa(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        self.answer_select_mfa(caller, session, responses).await
    }

    /// RespondToAuthChallenge for SELECT_MFA_TYPE: ANSWER names one of MFAS_CAN_CHOOSE.
    pub(super) async fn answer_select_mfa(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let (opened, user) = self
            .open_step_session(caller, "select-mfa", session, responses)
            .await?;
        let answer = responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?;
        // The model's documentation spells email MFA `EMAIL_MFA`; Amplify sends `EMAIL_OTP`.
        let factor = match answer.as_str() {
            "EMAIL_MFA" => Some(MfaFactor::Email),
            other => MfaFactor::parse(other),
        }
        .filter(|f| opened.state.choices.contains(f))
        .ok_or_else(|| {
            Error::invalid_parameter(format!(
                "The MFA type {answer} is not available for the user."
            ))
        })?;
        self.spend_step(&opened).await?;
        let mut state = opened.state;
        state.choices.clear();
        self.mfa_challenge(caller, &user, state, factor).await
    }

    /// MFA_SETUP: the pool requires MFA and the user has no factor it can use.
    fn mfa_setup_challenge(
        &self,
        caller: &Caller,
        user: &User,
        state: SignInState,
    ) -> Result<AuthOutcome> {
        let can_setup: Vec<MfaFactor> =
            [MfaFactor::Sms, MfaFactor::SoftwareToken, MfaFactor::Email]
                .into_iter()
                .filter(|f| mfa::pool_offers(&caller.pool, *f))
                .collect();
        let mut parameters = BTreeMap::new();
        parameters.insert("USERNAME".to_owned(), user.username.clone());
        parameters.insert("MFAS_CAN_SETUP".to_owned(), json_list(&can_setup));
        let session = self.step_session(caller, "mfa-setup", &state)?;
        Ok(AuthOutcome::Challenge {
            name: "MFA_SETUP".to_owned(),
            session: Some(session),
            parameters,
        })
    }

    /// The caller of a Session-authorised operation (AssociateSoftwareToken,
    /// VerifySoftwareToken), found from the client the Session was issued to.
    async fn session_caller(&self, client_id: &str) -> Result<Caller> {
        let client = self.client_by_id(client_id).await?;
        let pool = self.user_pool(&client.pool_id).await?;
        Ok(Caller {
            pool,
            client,
            admin: false,
            client_metadata: Default::default(),
        })
    }

    /// AssociateSoftwareToken with the Session of MFA_SETUP: the secret goes into the next
    /// Session, which only VerifySoftwareToken accepts.
    pub(crate) async fn mfa_setup_secret(&self, session: &str, secret: Vec<u8>) -> Result<String> {
        let opened: Opened<SignInState> =
            self.open_session_string_any_client("mfa-setup", session)?;
        let caller = self.session_caller(&opened.client_id).await?;
        self.signing_in_user(&caller, &opened.state).await?;
        self.spend_step(&opened).await?;
        let mut state = opened.state;
        state.secret = Some(b64::encode_std(&secret));
        self.step_session(&caller, "mfa-setup-verify", &state)
    }

    /// VerifySoftwareToken with the Session from AssociateSoftwareToken: the code confirms the
    /// secret, which becomes the user's (switched on and preferred); the returned Session
    /// answers MFA_SETUP. A wrong code leaves the Session usable.
    pub(crate) async fn finish_mfa_setup(
        &self,
        session: &str,
        code: &str,
        friendly_name: Option<String>,
    ) -> Result<String> {
        let opened: Opened<SignInState> =
            self.open_session_string_any_client("mfa-setup-verify", session)?;
        let caller = self.session_caller(&opened.client_id).await?;
        let mut user = self.signing_in_user(&caller, &opened.state).await?;
        let secret = opened
            .state
            .secret
            .as_deref()
            .and_then(b64::decode_std)
            .ok_or_else(expired_session)?;
        self.check_enrolment_code(&caller.pool, &user, &secret, code)
            .await?;
        self.spend_step(&opened).await?;
        self.install_software_token(&caller.pool, &mut user, &secret, friendly_name)?;
        let totp = MfaFactor::SoftwareToken.as_str().to_owned();
        if !user.mfa_methods.contains(&totp) {
            user.mfa_methods.push(totp.clone());
            user.mfa_methods.sort_by_key(|m| MfaFactor::parse(m));
        }
        if user.preferred_mfa.is_none() {
            user.preferred_mfa = Some(totp);
        }
        self.save_user(&caller.pool, &mut user).await?;
        let mut state = opened.state;
        state.secret = None;
        self.step_session(&caller, "mfa-setup-done", &state)
    }

    /// RespondToAuthChallenge for MFA_SETUP, after VerifySoftwareToken: the tokens.
    pub(super) async fn answer_mfa_setup(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let (state, user) = self.check_mfa_setup(caller, session, responses).await?;
        self.finish_sign_in(caller, &user, state).await
    }

    /// MFA_SETUP answered with VerifySoftwareToken's Session, without issuing anything: the
    /// user signing in. For the hosted pages.
    pub(crate) async fn complete_mfa_setup(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<User> {
        self.check_mfa_setup(caller, session, responses)
            .await
            .map(|(_, user)| user)
    }

    async fn check_mfa_setup(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<(SignInState, User)> {
        let (opened, user) = self
            .open_step_session(caller, "mfa-setup-done", session, responses)
            .await?;
        self.spend_step(&opened).await?;
        Ok((opened.state, user))
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
    async fn holds(self, domain: &Domain, challenge_id: &str) -> Result<bool> {
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
                mfa::TOTP_TOLERANCE_STEPS,
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
