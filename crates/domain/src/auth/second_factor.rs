//! The steps between the first factor and the tokens: a remembered device (which skips MFA
//! through device SRP when the pool's ChallengeRequiredOnNewDevice says so, see `device`),
//! then MFA as the pool's MfaConfiguration and the user's factors decide (SMS_MFA, EMAIL_OTP,
//! SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE, MFA_SETUP), then the tokens, with NewDeviceMetadata
//! when the pool tracks devices. The code challenges themselves are `one_time_codes`, the
//! MFA_SETUP challenge `mfa_setup`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::one_time_codes::*;
use super::{AuthOutcome, Caller, Opened, expired_session, missing};
use crate::Domain;
use crate::enums::{MfaFactor, MfaMode};
use crate::error::{Error, Result};
use crate::limits::Counter;
use crate::mfa_settings::{self, code_mismatch};
use crate::tokens::NewDevice;
use crate::user::User;

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

pub(super) fn json_list(factors: &[MfaFactor]) -> String {
    serde_json::to_string(&factors.iter().map(|f| f.as_str()).collect::<Vec<_>>())
        .unwrap_or_default()
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
        let mut factors = mfa_settings::sign_in_factors(pool, &user);
        match pool.mfa.mode {
            MfaMode::Off => factors.clear(),
            MfaMode::Optional => {}
            MfaMode::On if factors.is_empty() => {
                // Required MFA falls back to the factors a user has without enrolling: their
                // phone number, then their email address.
                factors = [MfaFactor::Sms, MfaFactor::Email]
                    .into_iter()
                    .filter(|f| {
                        mfa_settings::pool_offers(pool, *f) && mfa_settings::user_can_use(&user, *f)
                    })
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
    pub(super) async fn open_step_session(
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
            super::session_lifetime(&caller.client),
            state,
        )
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

    pub(super) async fn check_mfa_answer(
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

    pub(super) fn select_mfa_challenge(
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
}
