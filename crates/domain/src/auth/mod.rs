//! Sign-in: InitiateAuth / AdminInitiateAuth and RespondToAuthChallenge /
//! AdminRespondToAuthChallenge as state machines. Every step checks the client (flows it
//! allows, its secret hash), finds the user without revealing whether they exist when the
//! client asks for that, counts failed passwords in the store, and ends in either the next
//! challenge (with a new sealed Session) or tokens.

mod choice;
mod custom;
mod device;
pub(crate) mod mfa_setup;
mod migration;
pub(crate) mod one_time_codes;
mod password;
pub(crate) mod second_factor;
mod session;
mod srp;

use std::collections::BTreeMap;

use crate::client::AppClient;
use crate::enums::{ExplicitAuthFlow, MfaFactor, UserStatus};
use crate::error::{Error, ErrorKind, Result};
use crate::pool::UserPool;
use crate::tokens::{ADMIN_SCOPE, Grant, IssuedTokens, TokenOptions};
use crate::triggers::ClientMetadata;
use crate::user::User;
use crate::{Domain, schema};

pub(crate) use session::{Opened, expired_session};

/// The flows InitiateAuth names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFlow {
    UserSrp,
    UserPassword,
    AdminUserPassword,
    RefreshToken,
    CustomAuth,
    UserAuth,
}

impl AuthFlow {
    /// The flow an AuthFlow names; InvalidParameterException for one Cognito does not know.
    pub fn parse(name: &str) -> Result<AuthFlow> {
        Self::from_name(name)
            .ok_or_else(|| Error::invalid_parameter("Initiate Auth method not supported."))
    }

    fn from_name(name: &str) -> Option<AuthFlow> {
        Some(match name {
            "USER_SRP_AUTH" => AuthFlow::UserSrp,
            "USER_PASSWORD_AUTH" => AuthFlow::UserPassword,
            "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => AuthFlow::AdminUserPassword,
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => AuthFlow::RefreshToken,
            "CUSTOM_AUTH" => AuthFlow::CustomAuth,
            "USER_AUTH" => AuthFlow::UserAuth,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            AuthFlow::UserSrp => "USER_SRP_AUTH",
            AuthFlow::UserPassword => "USER_PASSWORD_AUTH",
            AuthFlow::AdminUserPassword => "ADMIN_USER_PASSWORD_AUTH",
            AuthFlow::RefreshToken => "REFRESH_TOKEN_AUTH",
            AuthFlow::CustomAuth => "CUSTOM_AUTH",
            AuthFlow::UserAuth => "USER_AUTH",
        }
    }

    /// Whether the client's ExplicitAuthFlows (or Cognito's default set) allow this flow.
    fn allowed_by(self, client: &AppClient) -> bool {
        use ExplicitAuthFlow::*;
        let flows = client.auth_flows();
        let has = |f: ExplicitAuthFlow| flows.contains(&f);
        let legacy = flows
            .iter()
            .any(|f| matches!(f, AdminNoSrpAuth | CustomAuthFlowOnly | UserPasswordAuth));
        match self {
            AuthFlow::UserSrp => has(AllowUserSrpAuth) || (legacy && !has(CustomAuthFlowOnly)),
            AuthFlow::UserPassword => has(AllowUserPasswordAuth) || has(UserPasswordAuth),
            AuthFlow::AdminUserPassword => has(AllowAdminUserPasswordAuth) || has(AdminNoSrpAuth),
            AuthFlow::RefreshToken => has(AllowRefreshTokenAuth) || legacy,
            AuthFlow::CustomAuth => has(AllowCustomAuth) || has(CustomAuthFlowOnly),
            AuthFlow::UserAuth => has(AllowUserAuth),
        }
    }
}

/// InitiateAuth or AdminInitiateAuth.
#[derive(Debug, Clone)]
pub struct InitiateAuthRequest {
    /// Set for AdminInitiateAuth.
    pub pool_id: Option<String>,
    pub client_id: String,
    /// Parsed by the handler with [`AuthFlow::parse`].
    pub flow: AuthFlow,
    pub parameters: BTreeMap<String, String>,
    pub client_metadata: ClientMetadata,
    /// USER_AUTH straight after SignUp / ConfirmSignUp: the Session ConfirmSignUp returned.
    pub session: Option<String>,
}

/// RespondToAuthChallenge or AdminRespondToAuthChallenge.
#[derive(Debug, Clone, Default)]
pub struct ChallengeResponse {
    pub pool_id: Option<String>,
    pub client_id: String,
    pub challenge_name: String,
    pub session: Option<String>,
    pub responses: BTreeMap<String, String>,
    pub client_metadata: ClientMetadata,
}

/// Where a sign-in step leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    Challenge {
        name: String,
        session: Option<String>,
        parameters: BTreeMap<String, String>,
    },
    /// USER_AUTH's SELECT_CHALLENGE: the first factors the user may choose from
    /// (AvailableChallenges).
    SelectChallenge {
        session: String,
        available: Vec<String>,
        parameters: BTreeMap<String, String>,
    },
    Authenticated(IssuedTokens),
}

/// What the Session of a NEW_PASSWORD_REQUIRED step remembers.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct NewPasswordState {
    sub: String,
    /// The DEVICE_KEY the first step named, for the steps after the new password.
    #[serde(default)]
    device_key: Option<String>,
}

fn missing(parameter: &str) -> Error {
    Error::invalid_parameter(format!("Missing required parameter {parameter}"))
}

fn incorrect() -> Error {
    Error::incorrect_credentials()
}

/// The app client and its pool, checked against the pool an admin call names.
pub(crate) struct Caller {
    pub pool: UserPool,
    pub client: AppClient,
    pub admin: bool,
    /// The call's ClientMetadata, handed to every trigger the step runs.
    pub client_metadata: ClientMetadata,
}

impl Domain {
    async fn caller(
        &self,
        pool_id: Option<&str>,
        client_id: &str,
        client_metadata: &ClientMetadata,
    ) -> Result<Caller> {
        let client = self.client_by_id(client_id).await?;
        if pool_id.is_some_and(|p| p != client.pool_id) {
            return Err(Error::client_not_found(client_id));
        }
        let pool = self.user_pool(&client.pool_id).await?;
        Ok(Caller {
            pool,
            client,
            admin: pool_id.is_some(),
            client_metadata: client_metadata.clone(),
        })
    }

    /// Checks SECRET_HASH when the client has a secret; either of two rotating secrets works.
    pub(crate) fn check_secret_hash(
        &self,
        client: &AppClient,
        usernames: &[&str],
        given: Option<&str>,
    ) -> Result<()> {
        if !client.has_secret() {
            return Ok(());
        }
        let Some(given) = given else {
            return Err(Error::not_authorized(format!(
                "Client {} is configured for secret but secret was not received",
                client.client_id
            )));
        };
        let secrets = self.client_secrets(client)?;
        let matches = secrets.iter().any(|secret| {
            usernames.iter().any(|name| {
                cognate_crypto::secret_hash::verify_secret_hash(
                    secret,
                    name,
                    &client.client_id,
                    given,
                )
            })
        });
        if matches {
            Ok(())
        } else {
            Err(Error::not_authorized(format!(
                "Unable to verify secret hash for client {}",
                client.client_id
            )))
        }
    }

    /// InitiateAuth / AdminInitiateAuth.
    pub async fn initiate_auth(&self, request: InitiateAuthRequest) -> Result<AuthOutcome> {
        let caller = self
            .caller(
                request.pool_id.as_deref(),
                &request.client_id,
                &request.client_metadata,
            )
            .await?;
        let flow = request.flow;
        let admin_only = flow == AuthFlow::AdminUserPassword;
        if (admin_only && !caller.admin) || (flow == AuthFlow::UserPassword && caller.admin) {
            return Err(Error::invalid_parameter(
                "Initiate Auth method not supported.",
            ));
        }
        if !flow.allowed_by(&caller.client) {
            return Err(Error::invalid_parameter(format!(
                "{} flow not enabled for this client",
                flow.name()
            )));
        }
        let params = &request.parameters;
        match flow {
            AuthFlow::UserSrp => self.start_srp(&caller, params).await,
            AuthFlow::UserPassword | AuthFlow::AdminUserPassword => {
                self.password_sign_in(&caller, params).await
            }
            AuthFlow::RefreshToken => self.refresh_sign_in(&caller, params).await,
            AuthFlow::CustomAuth => {
                self.start_custom_auth(&caller, params, &caller.client_metadata)
                    .await
            }
            AuthFlow::UserAuth => {
                self.start_user_auth(&caller, params, request.session.as_deref())
                    .await
            }
        }
    }

    /// RespondToAuthChallenge / AdminRespondToAuthChallenge.
    pub async fn respond_to_auth_challenge(
        &self,
        response: ChallengeResponse,
    ) -> Result<AuthOutcome> {
        let caller = self
            .caller(
                response.pool_id.as_deref(),
                &response.client_id,
                &response.client_metadata,
            )
            .await?;
        let responses = &response.responses;
        match response.challenge_name.as_str() {
            "PASSWORD_VERIFIER" => self.finish_srp(&caller, responses).await,
            "NEW_PASSWORD_REQUIRED" => {
                self.set_new_password(&caller, response.session.as_deref(), responses)
                    .await
            }
            "CUSTOM_CHALLENGE" => {
                self.answer_custom_challenge(
                    &caller,
                    response.session.as_deref(),
                    responses,
                    &caller.client_metadata,
                )
                .await
            }
            "SMS_MFA" | "SOFTWARE_TOKEN_MFA" | "EMAIL_OTP" => {
                let factor = MfaFactor::parse(&response.challenge_name)
                    .ok_or_else(|| Error::internal("MFA challenge name"))?;
                self.answer_mfa(
                    &caller,
                    factor,
                    false,
                    response.session.as_deref(),
                    responses,
                )
                .await
            }
            "SMS_OTP" => {
                self.answer_mfa(
                    &caller,
                    MfaFactor::Sms,
                    true,
                    response.session.as_deref(),
                    responses,
                )
                .await
            }
            "WEB_AUTHN" => {
                self.answer_web_authn(&caller, response.session.as_deref(), responses)
                    .await
            }
            "SELECT_CHALLENGE" => {
                self.answer_select_challenge(&caller, response.session.as_deref(), responses)
                    .await
            }
            "SELECT_MFA_TYPE" => {
                self.answer_select_mfa(&caller, response.session.as_deref(), responses)
                    .await
            }
            "MFA_SETUP" => {
                self.answer_mfa_setup(&caller, response.session.as_deref(), responses)
                    .await
            }
            "DEVICE_SRP_AUTH" => {
                self.answer_device_srp(&caller, response.session.as_deref(), responses)
                    .await
            }
            "DEVICE_PASSWORD_VERIFIER" => self.answer_device_verifier(&caller, responses).await,
            other => Err(Error::invalid_parameter(format!(
                "Cognate does not support the {other} challenge yet."
            ))),
        }
    }

    /// RespondToAuthChallenge's USERNAME must name the user the step is for: their username,
    /// or a name that finds them (clients send the alias the user typed). A Session captured
    /// for one user cannot be answered in the name of another.
    pub(crate) async fn check_username_matches(
        &self,
        pool: &UserPool,
        given: &str,
        user: &User,
    ) -> Result<()> {
        if crate::user::username_key(pool, given) == crate::user::username_key(pool, &user.username)
        {
            return Ok(());
        }
        match self.find_sign_in_user(pool, given).await? {
            Some(found) if found.sub == user.sub => Ok(()),
            _ => Err(incorrect()),
        }
    }

    /// Finds who is signing in: by username, or by an alias that may sign in.
    pub(crate) async fn find_sign_in_user(
        &self,
        pool: &UserPool,
        name: &str,
    ) -> Result<Option<User>> {
        let user = self.find_user(pool, name).await?;
        // An unknown username that happens to be someone's sub must not sign them in.
        Ok(user.filter(|u| u.sub != name || u.username == name))
    }

    /// After the first factor: the user's state decides between an error, a challenge and
    /// tokens. `device_key` is the DEVICE_KEY the client named, if any.
    pub(crate) async fn after_first_factor(
        &self,
        caller: &Caller,
        user: User,
        device_key: Option<String>,
    ) -> Result<AuthOutcome> {
        match user.status {
            UserStatus::ResetRequired => {
                return Err(Error::new(
                    ErrorKind::PasswordResetRequired,
                    "Password reset required for the user",
                ));
            }
            UserStatus::Unconfirmed => {
                return Err(Error::new(
                    ErrorKind::UserNotConfirmed,
                    "User is not confirmed.",
                ));
            }
            UserStatus::ForceChangePassword => {
                return self.new_password_challenge(caller, &user, device_key);
            }
            _ => {}
        }
        self.second_factor(
            caller,
            user,
            device_key,
            second_factor::TokenSource::Authentication,
        )
        .await
    }

    /// Tokens at the end of a sign-in, after the post authentication trigger; the session
    /// (and so the access token) carries the device key, if any.
    pub(crate) async fn issue_tokens(
        &self,
        caller: &Caller,
        user: &User,
        trigger_source: &'static str,
        device_key: Option<String>,
        new_device_used: bool,
    ) -> Result<IssuedTokens> {
        self.post_authentication(
            &caller.pool,
            user,
            &caller.client.client_id,
            new_device_used,
            &caller.client_metadata,
        )
        .await?;
        let grant = Grant {
            pool: &caller.pool,
            client: &caller.client,
            user,
            scopes: vec![ADMIN_SCOPE.to_owned()],
            device_key,
        };
        let options = TokenOptions {
            trigger_source: Some(trigger_source),
            client_metadata: caller.client_metadata.clone(),
            ..TokenOptions::default()
        };
        self.start_session_with(grant, options).await
    }

    fn new_password_challenge(
        &self,
        caller: &Caller,
        user: &User,
        device_key: Option<String>,
    ) -> Result<AuthOutcome> {
        let expired = user
            .password
            .as_ref()
            .and_then(|p| p.temporary_until)
            .is_some_and(|until| until <= self.now());
        if expired {
            return Err(Error::temporary_password_expired());
        }
        let session = self.session_string(
            "new-password",
            &caller.pool.id,
            &caller.client.client_id,
            session_lifetime(&caller.client),
            NewPasswordState {
                sub: user.sub.clone(),
                device_key,
            },
        )?;
        let visible: BTreeMap<&String, &String> = user
            .attributes
            .iter()
            .filter(|(n, _)| n.as_str() != "sub")
            .collect();
        let required: Vec<String> = caller
            .pool
            .schema
            .iter()
            .filter(|a| a.required && a.name != "sub" && !user.attributes.contains_key(&a.name))
            .map(|a| format!("userAttributes.{}", a.name))
            .collect();
        let mut parameters = BTreeMap::new();
        parameters.insert("USER_ID_FOR_SRP".to_owned(), user.username.clone());
        parameters.insert(
            "userAttributes".to_owned(),
            serde_json::to_string(&visible).unwrap_or_default(),
        );
        parameters.insert(
            "requiredAttributes".to_owned(),
            serde_json::to_string(&required).unwrap_or_default(),
        );
        Ok(AuthOutcome::Challenge {
            name: "NEW_PASSWORD_REQUIRED".to_owned(),
            session: Some(session),
            parameters,
        })
    }

    async fn set_new_password(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let session = session
            .ok_or_else(|| Error::invalid_parameter("Missing required parameter Session"))?;
        let opened: Opened<NewPasswordState> =
            self.open_session_string("new-password", session, &caller.client.client_id)?;
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let new_password = responses
            .get("NEW_PASSWORD")
            .ok_or_else(|| missing("NEW_PASSWORD"))?;
        let mut user = self
            .store
            .get_user_by_sub(&caller.pool.id, &opened.state.sub)
            .await
            .map_err(Error::from)?
            .ok_or_else(expired_session)?;
        self.check_secret_hash(
            &caller.client,
            &[username, &user.username],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        self.check_username_matches(&caller.pool, username, &user)
            .await?;
        crate::password::check_policy(&caller.pool.settings.password_policy, new_password)?;
        let changes = new_password_attributes(caller, responses)?;
        crate::user::apply_attribute_changes(
            &caller.pool,
            &mut user,
            &changes,
            schema::Writer::User,
        )?;
        if let Some(missing) = caller
            .pool
            .schema
            .iter()
            .find(|a| a.required && !user.attributes.contains_key(&a.name))
        {
            return Err(Error::invalid_parameter(format!(
                "Invalid attributes given, {} is missing",
                missing.name
            )));
        }
        self.spend_step(&opened).await?;
        user.password = Some(self.seal_password(
            &caller.pool,
            &user.sub,
            &user.username,
            new_password,
            false,
        )?);
        user.status = UserStatus::Confirmed;
        self.save_user(&caller.pool, &mut user).await?;
        self.second_factor(
            caller,
            user,
            opened.state.device_key,
            second_factor::TokenSource::NewPasswordChallenge,
        )
        .await
    }

    async fn refresh_sign_in(
        &self,
        caller: &Caller,
        params: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let token = params
            .get("REFRESH_TOKEN")
            .ok_or_else(|| missing("REFRESH_TOKEN"))?;
        let device_key = params.get("DEVICE_KEY").map(String::as_str);
        let secret_hash = params.get("SECRET_HASH").map(String::as_str);
        let (_, tokens) = self
            .refresh_session(&caller.pool, &caller.client, token, device_key, |user| {
                self.check_secret_hash(&caller.client, &[&user.username, &user.sub], secret_hash)
            })
            .await?;
        Ok(AuthOutcome::Authenticated(tokens))
    }

    /// GetTokensFromRefreshToken.
    pub async fn get_tokens_from_refresh_token(
        &self,
        client_id: &str,
        client_secret: Option<&str>,
        refresh_token: &str,
    ) -> Result<IssuedTokens> {
        let caller = self.caller(None, client_id, &ClientMetadata::new()).await?;
        if caller.client.has_secret()
            && !self.client_secret_matches(&caller.client, client_secret.unwrap_or_default())?
        {
            return Err(Error::not_authorized(format!(
                "Unable to verify secret hash for client {client_id}"
            )));
        }
        if !AuthFlow::RefreshToken.allowed_by(&caller.client) {
            return Err(Error::invalid_parameter(
                "REFRESH_TOKEN_AUTH flow not enabled for this client",
            ));
        }
        let (_, tokens) = self
            .refresh_session(
                &caller.pool,
                &caller.client,
                refresh_token,
                None,
                |_| Ok(()),
            )
            .await?;
        Ok(tokens)
    }
}

/// How long a challenge Session lives: the client's AuthSessionValidity (minutes).
pub(crate) fn session_lifetime(client: &AppClient) -> i64 {
    i64::from(client.settings.auth_session_validity) * 60
}

/// `userAttributes.<name>` responses of NEW_PASSWORD_REQUIRED, limited to what the client may write.
fn new_password_attributes(
    caller: &Caller,
    responses: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>> {
    let writable = caller.client.settings.write_attributes.as_ref();
    responses
        .iter()
        .filter_map(|(key, value)| {
            key.strip_prefix("userAttributes.")
                .map(|name| (name.to_owned(), value.clone()))
        })
        .map(|(name, value)| {
            if writable.is_some_and(|w| !w.contains(&name)) {
                return Err(Error::unauthorized_attribute_write(&name));
            }
            Ok((name, value))
        })
        .collect()
}
