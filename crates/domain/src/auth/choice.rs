//! USER_AUTH, choice-based sign-in: the pool's SignInPolicy.AllowedFirstAuthFactors and what
//! the user has decide the first factors on offer (AvailableChallenges). PREFERRED_CHALLENGE
//! goes straight to one of them, otherwise SELECT_CHALLENGE lets the client pick. PASSWORD
//! and PASSWORD_SRP run the same first factor as USER_PASSWORD_AUTH and USER_SRP_AUTH (and so
//! MFA after it); EMAIL_OTP and SMS_OTP send an eight-digit code whose right answer ends the
//! sign-in without MFA. A Session from SignUp, carried through ConfirmSignUp, signs the new
//! user straight in.
//!
//! WEB_AUTHN is offered to users with a passkey (see `passkeys`); a passkey sign-in is
//! complete without MFA.
//!
//! A client that hides whether users exist (PreventUserExistenceErrors) offers every name
//! the same factors, those the pool allows; a factor the name cannot use (no such user, no
//! verified address, no passkey) answers with a decoy challenge of the same shape, whose
//! every answer fails as a wrong one does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::second_factor::{SignInState, TokenSource};
use super::{AuthOutcome, Caller, Opened, expired_session, missing};
use crate::client::AppClient;
use crate::enums::{DeliveryMedium, ExplicitAuthFlow, MfaFactor, UserStatus};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Counter;
use crate::messages::decoy_destination;
use crate::passkeys::AssertionState;
use crate::pool::UserPool;
use crate::user::User;
use crate::{Domain, b64};

/// The Session SignUp returns; ConfirmSignUp turns it into an [`AUTO_SIGN_IN`] one.
const SIGN_UP: &str = "sign-up";
/// The Session ConfirmSignUp returns, which InitiateAuth(USER_AUTH) accepts once.
const AUTO_SIGN_IN: &str = "auto-sign-in";
const SELECT_CHALLENGE: &str = "select-challenge";
const WEB_AUTHN: &str = "webauthn";

/// What the WEB_AUTHN step's Session carries.
#[derive(Debug, Serialize, Deserialize)]
struct PasskeyStep {
    sign_in: SignInState,
    assertion: AssertionState,
}

/// What the sign-up Sessions carry: who signed up.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SignedUpState {
    sub: String,
}

/// What SELECT_CHALLENGE's Session carries.
#[derive(Debug, Serialize, Deserialize)]
struct ChoiceState {
    sub: String,
    available: Vec<String>,
}

/// Configured first factors, as GetUserAuthFactors reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAuthFactors {
    pub username: String,
    pub preferred_mfa: Option<String>,
    pub mfa_methods: Vec<String>,
    /// PASSWORD, EMAIL_OTP, SMS_OTP.
    pub configured: Vec<String>,
}

/// The first factors the pool allows and the user has: a password (PASSWORD and
/// PASSWORD_SRP), a passkey (WEB_AUTHN), a verified email address (EMAIL_OTP), a verified
/// phone number (SMS_OTP).
fn available_challenges(pool: &UserPool, user: &User, has_passkey: bool) -> Vec<String> {
    let allowed = &pool.settings.sign_in_policy.allowed_first_auth_factors;
    let allows = |factor: &str| allowed.iter().any(|a| a == factor);
    let mut available = Vec::new();
    if allows("PASSWORD") && user.password.is_some() {
        available.extend(["PASSWORD", "PASSWORD_SRP"]);
    }
    if allows("WEB_AUTHN") && has_passkey {
        available.push("WEB_AUTHN");
    }
    if allows("EMAIL_OTP") && user.attribute("email").is_some() && user.is_verified("email") {
        available.push("EMAIL_OTP");
    }
    if allows("SMS_OTP")
        && user.attribute("phone_number").is_some()
        && user.is_verified("phone_number")
    {
        available.push("SMS_OTP");
    }
    available.into_iter().map(str::to_owned).collect()
}

/// Every first factor the pool allows, in the order [`available_challenges`] lists them:
/// what a client that hides whether users exist offers every name.
fn pool_challenges(pool: &UserPool) -> Vec<String> {
    let allowed = &pool.settings.sign_in_policy.allowed_first_auth_factors;
    let allows = |factor: &str| allowed.iter().any(|a| a == factor);
    let mut available = Vec::new();
    if allows("PASSWORD") {
        available.extend(["PASSWORD", "PASSWORD_SRP"]);
    }
    if allows("WEB_AUTHN") && crate::passkeys::passkeys_enabled(pool) {
        available.push("WEB_AUTHN");
    }
    if allows("EMAIL_OTP") {
        available.push("EMAIL_OTP");
    }
    if allows("SMS_OTP") {
        available.push("SMS_OTP");
    }
    available.into_iter().map(str::to_owned).collect()
}

/// What a decoy challenge's Session carries: nobody, and whom its answers count against.
fn decoy_state(decoy_for: &str) -> SignInState {
    SignInState {
        sub: String::new(),
        device_key: None,
        source: TokenSource::Authentication,
        challenge_id: None,
        code_hash: None,
        choices: Vec::new(),
        secret: None,
        passwordless: true,
        decoy_for: Some(decoy_for.to_owned()),
    }
}

fn allows_user_auth(client: &AppClient) -> bool {
    client
        .auth_flows()
        .contains(&ExplicitAuthFlow::AllowUserAuth)
}

/// The inputs a first factor needs with its choice.
fn required_input(challenge: &str) -> Option<&'static str> {
    match challenge {
        "PASSWORD" => Some("PASSWORD"),
        "PASSWORD_SRP" => Some("SRP_A"),
        _ => None,
    }
}

impl Domain {
    /// InitiateAuth with USER_AUTH.
    pub(super) async fn start_user_auth(
        &self,
        caller: &Caller,
        params: &BTreeMap<String, String>,
        session: Option<&str>,
    ) -> Result<AuthOutcome> {
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        self.check_secret_hash(
            &caller.client,
            &[username],
            params.get("SECRET_HASH").map(String::as_str),
        )?;
        if let Some(session) = session {
            return self.auto_sign_in(caller, username, session).await;
        }
        let user = match self.find_sign_in_user(&caller.pool, username).await? {
            Some(user) => Some(user),
            None if caller.client.prevents_user_existence_errors() => None,
            None => return Err(Error::user_not_found()),
        };
        if user.as_ref().is_some_and(|u| !u.enabled) {
            return Err(Error::user_disabled());
        }
        let available = match &user {
            // The same list for every name, so that it tells nothing.
            _ if caller.client.prevents_user_existence_errors() => pool_challenges(&caller.pool),
            Some(user) => {
                let has_passkey = self.has_passkey(&caller.pool, user).await?;
                available_challenges(&caller.pool, user, has_passkey)
            }
            None => Vec::new(),
        };
        if let Some(preferred) = params
            .get("PREFERRED_CHALLENGE")
            .filter(|p| available.contains(p))
        {
            if let Some(input) = required_input(preferred) {
                params.get(input).ok_or_else(|| missing(input))?;
            }
            return self
                .first_factor(caller, user, preferred, username, params)
                .await;
        }
        let session = self.session_string(
            SELECT_CHALLENGE,
            &caller.pool.id,
            &caller.client.client_id,
            super::session_lifetime(&caller.client),
            ChoiceState {
                sub: user.map(|u| u.sub).unwrap_or_default(),
                available: available.clone(),
            },
        )?;
        Ok(AuthOutcome::SelectChallenge {
            session,
            available,
            parameters: BTreeMap::new(),
        })
    }

    /// RespondToAuthChallenge for SELECT_CHALLENGE: ANSWER names an available first factor,
    /// with that factor's input (PASSWORD, SRP_A).
    pub(super) async fn answer_select_challenge(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let session = session
            .ok_or_else(|| Error::invalid_parameter("Missing required parameter Session"))?;
        let opened: Opened<ChoiceState> =
            self.open_session_string(SELECT_CHALLENGE, session, &caller.client.client_id)?;
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let answer = responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?;
        // No sub: a name that matched no user (see `start_user_auth`).
        let user = match opened.state.sub.as_str() {
            "" => None,
            sub => Some(
                self.store
                    .get_user_by_sub(&caller.pool.id, sub)
                    .await
                    .map_err(Error::from)?
                    .ok_or_else(expired_session)?,
            ),
        };
        let stored_name = user
            .as_ref()
            .map_or(username.as_str(), |u| u.username.as_str());
        self.check_secret_hash(
            &caller.client,
            &[username, stored_name],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        if let Some(user) = &user {
            self.check_username_matches(&caller.pool, username, user)
                .await?;
        }
        if !opened.state.available.contains(answer) {
            return Err(Error::invalid_parameter(format!(
                "The challenge {answer} is not available for the user."
            )));
        }
        if let Some(input) = required_input(answer) {
            responses.get(input).ok_or_else(|| missing(input))?;
        }
        self.spend_step(&opened).await?;
        self.first_factor(caller, user, answer, username, responses)
            .await
    }

    /// Runs the chosen first factor; `inputs` are the AuthParameters or ChallengeResponses
    /// that carry its input.
    async fn first_factor(
        &self,
        caller: &Caller,
        user: Option<User>,
        challenge: &str,
        username: &str,
        inputs: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let mut params = BTreeMap::new();
        params.insert("USERNAME".to_owned(), username.to_owned());
        for name in ["SECRET_HASH", "DEVICE_KEY", "PASSWORD", "SRP_A"] {
            if let Some(value) = inputs.get(name) {
                params.insert(name.to_owned(), value.clone());
            }
        }
        let factor = match challenge {
            "PASSWORD" => return self.password_sign_in(caller, &params).await,
            "PASSWORD_SRP" => return self.start_srp(caller, &params).await,
            "EMAIL_OTP" => Some(MfaFactor::Email),
            "SMS_OTP" => Some(MfaFactor::Sms),
            "WEB_AUTHN" => None,
            other => {
                return Err(Error::invalid_parameter(format!(
                    "The challenge {other} is not available for the user."
                )));
            }
        };
        let usable = match &user {
            Some(user) => {
                let has_passkey =
                    challenge == "WEB_AUTHN" && self.has_passkey(&caller.pool, user).await?;
                available_challenges(&caller.pool, user, has_passkey)
                    .iter()
                    .any(|c| c == challenge)
            }
            None => false,
        };
        let user = match user {
            Some(user) if usable => user,
            _ if caller.client.prevents_user_existence_errors() => {
                return self
                    .decoy_challenge(caller, username, user.as_ref(), challenge)
                    .await;
            }
            _ => return Err(expired_session()),
        };
        match user.status {
            UserStatus::Unconfirmed => {
                return Err(Error::new(
                    ErrorKind::UserNotConfirmed,
                    "User is not confirmed.",
                ));
            }
            UserStatus::ResetRequired => {
                return Err(Error::new(
                    ErrorKind::PasswordResetRequired,
                    "Password reset required for the user",
                ));
            }
            _ => {}
        }
        self.pre_authentication(
            &caller.pool,
            &user,
            &caller.client.client_id,
            &[],
            &caller.client_metadata,
        )
        .await?;
        let mut state = SignInState::new(&user, None, TokenSource::Authentication);
        let Some(factor) = factor else {
            return self.web_authn_challenge(caller, &user, state).await;
        };
        state.passwordless = true;
        self.mfa_challenge(caller, &user, state, factor).await
    }

    /// A challenge for a factor the name cannot use, shaped as the real one (a masked
    /// destination, or request options with a credential), so that it tells nothing. Its
    /// Session names nobody: every answer fails as a wrong code or a wrong passkey does.
    async fn decoy_challenge(
        &self,
        caller: &Caller,
        username: &str,
        user: Option<&User>,
        challenge: &str,
    ) -> Result<AuthOutcome> {
        let pool = &caller.pool;
        let shown_name = user.map_or(username, |u| u.username.as_str());
        let seed = self.keys.hash(
            "decoy-first-factor",
            format!("{}:{}", pool.id, username.to_lowercase()).as_bytes(),
        );
        // The decoy's sends and answers count where a real challenge's would.
        let decoy_for = match user {
            Some(user) => user.sub.clone(),
            None => self.unknown_user_key(pool, username),
        };
        let mut parameters = BTreeMap::new();
        parameters.insert("USERNAME".to_owned(), shown_name.to_owned());
        let (name, session) = match challenge {
            "EMAIL_OTP" | "SMS_OTP" => {
                self.reserve(&pool.id, Counter::Sends("otp", &decoy_for))
                    .await?;
                let (factor, medium) = if challenge == "EMAIL_OTP" {
                    (MfaFactor::Email, DeliveryMedium::Email)
                } else {
                    (MfaFactor::Sms, DeliveryMedium::Sms)
                };
                parameters.insert(
                    "CODE_DELIVERY_DELIVERY_MEDIUM".to_owned(),
                    medium.as_str().to_owned(),
                );
                parameters.insert(
                    "CODE_DELIVERY_DESTINATION".to_owned(),
                    decoy_destination(medium, username, &seed),
                );
                let session = self.step_session(
                    caller,
                    super::one_time_codes::challenge_purpose(factor, true),
                    &decoy_state(&decoy_for),
                )?;
                (super::one_time_codes::challenge_name(factor, true), session)
            }
            "WEB_AUTHN" => {
                let (mut options, assertion) = self.decoy_assertion_options(pool).await?;
                options["allowCredentials"] = serde_json::json!([
                    { "type": "public-key", "id": b64::encode_url(&seed[..16]) }
                ]);
                parameters.insert("CREDENTIAL_REQUEST_OPTIONS".to_owned(), options.to_string());
                let session = self.session_string(
                    WEB_AUTHN,
                    &pool.id,
                    &caller.client.client_id,
                    super::session_lifetime(&caller.client),
                    PasskeyStep {
                        sign_in: decoy_state(&decoy_for),
                        assertion,
                    },
                )?;
                ("WEB_AUTHN", session)
            }
            _ => return Err(expired_session()),
        };
        Ok(AuthOutcome::Challenge {
            name: name.to_owned(),
            session: Some(session),
            parameters,
        })
    }

    async fn has_passkey(&self, pool: &UserPool, user: &User) -> Result<bool> {
        if !crate::passkeys::passkeys_enabled(pool) {
            return Ok(false);
        }
        Ok(!self
            .store
            .list_passkeys(&pool.id, &user.sub, None, 1)
            .await
            .map_err(Error::from)?
            .is_empty())
    }

    /// WEB_AUTHN: CREDENTIAL_REQUEST_OPTIONS for the user's passkeys.
    async fn web_authn_challenge(
        &self,
        caller: &Caller,
        user: &User,
        sign_in: SignInState,
    ) -> Result<AuthOutcome> {
        let (options, assertion) = self.assertion_options(&caller.pool, user).await?;
        let session = self.session_string(
            WEB_AUTHN,
            &caller.pool.id,
            &caller.client.client_id,
            super::session_lifetime(&caller.client),
            PasskeyStep { sign_in, assertion },
        )?;
        let mut parameters = BTreeMap::new();
        parameters.insert("USERNAME".to_owned(), user.username.clone());
        parameters.insert("CREDENTIAL_REQUEST_OPTIONS".to_owned(), options.to_string());
        Ok(AuthOutcome::Challenge {
            name: "WEB_AUTHN".to_owned(),
            session: Some(session),
            parameters,
        })
    }

    /// RespondToAuthChallenge for WEB_AUTHN: CREDENTIAL is an AuthenticationResponseJSON.
    /// A wrong assertion leaves the Session usable; the right one spends it.
    pub(super) async fn answer_web_authn(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let session = session
            .ok_or_else(|| Error::invalid_parameter("Missing required parameter Session"))?;
        let opened: Opened<PasskeyStep> =
            self.open_session_string(WEB_AUTHN, session, &caller.client.client_id)?;
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let credential = responses
            .get("CREDENTIAL")
            .ok_or_else(|| missing("CREDENTIAL"))?;
        if opened.state.sign_in.sub.is_empty() {
            // A decoy (see `decoy_challenge`): no passkey can answer it.
            self.check_secret_hash(
                &caller.client,
                &[username],
                responses.get("SECRET_HASH").map(String::as_str),
            )?;
            return Err(Error::incorrect_credentials());
        }
        let user = self.signing_in_user(caller, &opened.state.sign_in).await?;
        self.check_secret_hash(
            &caller.client,
            &[username, &user.username],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        self.check_username_matches(&caller.pool, username, &user)
            .await?;
        let passkey = self
            .check_assertion(&caller.pool, &user, &opened.state.assertion, credential)
            .await?;
        self.spend_step(&opened).await?;
        self.record_passkey_use(&passkey).await?;
        self.finish_sign_in(caller, &user, opened.state.sign_in)
            .await
    }

    /// USER_AUTH with the Session ConfirmSignUp returned: the new user's tokens.
    async fn auto_sign_in(
        &self,
        caller: &Caller,
        username: &str,
        session: &str,
    ) -> Result<AuthOutcome> {
        let opened: Opened<SignedUpState> =
            self.open_session_string(AUTO_SIGN_IN, session, &caller.client.client_id)?;
        let user = self
            .find_sign_in_user(&caller.pool, username)
            .await?
            .filter(|u| u.sub == opened.state.sub && u.enabled)
            .ok_or_else(expired_session)?;
        if user.status != UserStatus::Confirmed {
            return Err(expired_session());
        }
        self.spend_step(&opened).await?;
        self.finish_sign_in(
            caller,
            &user,
            SignInState::new(&user, None, TokenSource::Authentication),
        )
        .await
    }

    /// The Session SignUp returns when the client allows USER_AUTH: for ConfirmSignUp, or,
    /// when the user is already confirmed (PreSignUp's autoConfirmUser), for InitiateAuth.
    pub(crate) fn sign_up_session(
        &self,
        pool: &UserPool,
        client: &AppClient,
        sub: &str,
        confirmed: bool,
    ) -> Result<Option<String>> {
        if !allows_user_auth(client) {
            return Ok(None);
        }
        self.session_string(
            if confirmed { AUTO_SIGN_IN } else { SIGN_UP },
            &pool.id,
            &client.client_id,
            super::session_lifetime(client),
            SignedUpState {
                sub: sub.to_owned(),
            },
        )
        .map(Some)
    }

    /// Opens SignUp's Session before ConfirmSignUp confirms anyone.
    pub(crate) fn open_sign_up_session(
        &self,
        client_id: &str,
        session: &str,
    ) -> Result<Opened<SignedUpState>> {
        self.open_session_string(SIGN_UP, session, client_id)
    }

    /// After ConfirmSignUp: spends SignUp's Session (which must name the user confirmed) and
    /// returns the one InitiateAuth(USER_AUTH) accepts.
    pub(crate) async fn auto_sign_in_session(
        &self,
        pool: &UserPool,
        client: &AppClient,
        opened: Opened<SignedUpState>,
        user: &User,
    ) -> Result<String> {
        if opened.state.sub != user.sub {
            return Err(expired_session());
        }
        self.spend_step(&opened).await?;
        self.session_string(
            AUTO_SIGN_IN,
            &pool.id,
            &client.client_id,
            super::session_lifetime(client),
            SignedUpState {
                sub: user.sub.clone(),
            },
        )
    }

    /// GetUserAuthFactors.
    pub async fn get_user_auth_factors(&self, access_token: &str) -> Result<UserAuthFactors> {
        let context = self.verify_access_token(access_token).await?;
        let (pool, user) = (context.pool, context.user);
        let has_passkey = self.has_passkey(&pool, &user).await?;
        let configured = available_challenges(&pool, &user, has_passkey)
            .into_iter()
            .filter(|c| c != "PASSWORD_SRP")
            .collect();
        Ok(UserAuthFactors {
            username: user.username.clone(),
            preferred_mfa: user.preferred_mfa.clone(),
            mfa_methods: user.mfa_methods.clone(),
            configured,
        })
    }
}
