//! Cognito's Lambda triggers: the event JSON Cognito sends, the response fields it reads,
//! and its failure semantics. Functions are named by ARN in the pool's LambdaConfig; the
//! [`TriggerInvoker`] port delivers the event (the server maps ARNs to HTTP endpoints).
//!
//! A trigger that throws answers `UserLambdaValidationException` (`<Trigger> failed with
//! error <message>.`), an unreadable answer `InvalidLambdaResponseException`, a timeout or an
//! unreachable function `UnexpectedLambdaException` — and in every case the operation stops
//! before it writes anything.

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use crate::Domain;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::{LambdaConfig, UserPool};
use crate::user::User;

/// Why a trigger produced no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerFailure {
    /// The function ran and threw; the text is its error message.
    FunctionError(String),
    /// No answer within the timeout.
    Timeout,
    /// The function could not be reached (no endpoint mapped, connection refused, 5xx).
    Unavailable(String),
    /// An answer that is not the event JSON.
    InvalidResponse(String),
}

/// Delivers a trigger event to the function behind an ARN and returns its answer.
#[async_trait]
pub trait TriggerInvoker: Send + Sync {
    async fn invoke(
        &self,
        function_arn: &str,
        event: &Value,
    ) -> std::result::Result<Value, TriggerFailure>;
}

/// A node with no trigger endpoints: every configured trigger is unreachable.
pub struct NoTriggers;

#[async_trait]
impl TriggerInvoker for NoTriggers {
    async fn invoke(
        &self,
        function_arn: &str,
        _event: &Value,
    ) -> std::result::Result<Value, TriggerFailure> {
        Err(TriggerFailure::Unavailable(format!(
            "no endpoint is configured for {function_arn}"
        )))
    }
}

/// The triggers of a pool, by the name Cognito uses in its error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    PreTokenGeneration,
    UserMigration,
    CustomMessage,
    CustomSmsSender,
    CustomEmailSender,
    InboundFederation,
}

impl Trigger {
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::UserMigration => "UserMigration",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::CustomSmsSender => "CustomSMSSender",
            Trigger::CustomEmailSender => "CustomEmailSender",
            Trigger::InboundFederation => "InboundFederation",
        }
    }

    /// The function ARN and event version configured for this trigger, if any.
    pub fn configured(self, config: &LambdaConfig) -> Option<(String, TriggerVersion)> {
        let plain = |arn: &Option<String>| arn.clone().map(|a| (a, TriggerVersion::V1));
        match self {
            Trigger::PreSignUp => plain(&config.pre_sign_up),
            Trigger::PostConfirmation => plain(&config.post_confirmation),
            Trigger::PreAuthentication => plain(&config.pre_authentication),
            Trigger::PostAuthentication => plain(&config.post_authentication),
            Trigger::DefineAuthChallenge => plain(&config.define_auth_challenge),
            Trigger::CreateAuthChallenge => plain(&config.create_auth_challenge),
            Trigger::VerifyAuthChallengeResponse => plain(&config.verify_auth_challenge_response),
            Trigger::UserMigration => plain(&config.user_migration),
            Trigger::CustomMessage => plain(&config.custom_message),
            Trigger::PreTokenGeneration => match &config.pre_token_generation_config {
                Some(versioned) => Some((
                    versioned.lambda_arn.clone(),
                    TriggerVersion::parse(&versioned.lambda_version),
                )),
                None => plain(&config.pre_token_generation),
            },
            Trigger::CustomSmsSender => config
                .custom_sms_sender
                .as_ref()
                .map(|v| (v.lambda_arn.clone(), TriggerVersion::V1)),
            Trigger::CustomEmailSender => config
                .custom_email_sender
                .as_ref()
                .map(|v| (v.lambda_arn.clone(), TriggerVersion::V1)),
            // Cognito accepts only LambdaVersion V1_0 here, so the event is version "1".
            Trigger::InboundFederation => config
                .inbound_federation
                .as_ref()
                .map(|v| (v.lambda_arn.clone(), TriggerVersion::V1)),
        }
    }
}

/// The event contract version: "1" for every trigger but pre token generation V2 and V3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TriggerVersion {
    V1,
    V2,
    V3,
}

impl TriggerVersion {
    fn parse(text: &str) -> TriggerVersion {
        match text {
            "V2_0" => TriggerVersion::V2,
            "V3_0" => TriggerVersion::V3,
            _ => TriggerVersion::V1,
        }
    }

    fn event_version(self) -> &'static str {
        match self {
            TriggerVersion::V1 => "1",
            TriggerVersion::V2 => "2",
            TriggerVersion::V3 => "3",
        }
    }
}

/// The parts of an event every trigger shares; `request` and `response` differ per trigger.
pub(crate) struct EventBase<'a> {
    pub pool: &'a UserPool,
    pub trigger_source: &'a str,
    pub username: &'a str,
    pub client_id: Option<&'a str>,
}

/// The attributes a trigger sees: every attribute as a string, plus `cognito:user_status`.
pub(crate) fn user_attributes(user: &User) -> Value {
    let mut attributes: Map<String, Value> = user
        .attributes
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    attributes.insert(
        "cognito:user_status".into(),
        Value::String(user.status.as_str().to_owned()),
    );
    Value::Object(attributes)
}

impl Domain {
    /// Runs a trigger when the pool configures it: `Ok(None)` when it does not, the
    /// function's `response` object when it answers.
    pub(crate) async fn run_trigger(
        &self,
        trigger: Trigger,
        base: EventBase<'_>,
        request: Value,
        response: Value,
    ) -> Result<Option<Value>> {
        let Some((arn, version)) = trigger.configured(&base.pool.settings.lambda_config) else {
            return Ok(None);
        };
        let event = json!({
            "version": version.event_version(),
            "triggerSource": base.trigger_source,
            "region": base.pool.region(),
            "userPoolId": base.pool.id,
            "userName": base.username,
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": base.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
            },
            "request": request,
            "response": response,
        });
        let answer = self
            .triggers
            .invoke(&arn, &event)
            .await
            .map_err(|failure| trigger_error(trigger, failure))?;
        match answer.get("response") {
            Some(Value::Object(response)) => Ok(Some(Value::Object(response.clone()))),
            Some(Value::Null) | None => Ok(Some(Value::Object(Map::new()))),
            Some(_) => Err(unrecognizable()),
        }
    }
}

pub(crate) fn unrecognizable() -> Error {
    Error::new(
        ErrorKind::InvalidLambdaResponse,
        "Unrecognizable lambda output",
    )
}

/// The configured version of the pool's pre-token-generation trigger, if any.
pub(crate) fn pre_token_version(pool: &UserPool) -> Option<TriggerVersion> {
    Trigger::PreTokenGeneration
        .configured(&pool.settings.lambda_config)
        .map(|(_, v)| v)
}

fn trigger_error(trigger: Trigger, failure: TriggerFailure) -> Error {
    let name = trigger.name();
    match failure {
        TriggerFailure::FunctionError(message) => Error::new(
            ErrorKind::UserLambdaValidation,
            format!("{name} failed with error {message}."),
        ),
        TriggerFailure::Timeout => Error::new(
            ErrorKind::UnexpectedLambda,
            format!(
                "{name} invocation failed due to error Socket timeout while invoking Lambda function."
            ),
        ),
        TriggerFailure::Unavailable(detail) => {
            tracing::warn!(trigger = name, %detail, "trigger unreachable");
            Error::new(
                ErrorKind::UnexpectedLambda,
                format!("{name} invocation failed due to error AccessDeniedException."),
            )
        }
        TriggerFailure::InvalidResponse(detail) => {
            tracing::warn!(trigger = name, %detail, "trigger answered something that is not its event");
            unrecognizable()
        }
    }
}

/// Reads a boolean the function may have set (absent or null reads false).
pub(crate) fn flag(response: &Value, name: &str) -> Result<bool> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(unrecognizable()),
    }
}

/// Reads a string the function may have set.
pub(crate) fn text<'a>(response: &'a Value, name: &str) -> Result<Option<&'a str>> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(unrecognizable()),
    }
}

/// What the ClientMetadata member of an API call carries into trigger events (never stored).
pub type ClientMetadata = std::collections::BTreeMap<String, String>;

fn metadata(client_metadata: &ClientMetadata) -> Value {
    json!(client_metadata)
}

fn attribute_list(attributes: &[(String, String)]) -> Value {
    Value::Object(
        attributes
            .iter()
            .map(|(n, v)| (n.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// What a pre sign-up function decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreSignUpOutcome {
    pub auto_confirm: bool,
    pub auto_verify_email: bool,
    pub auto_verify_phone: bool,
}

/// Replacement texts a custom message function returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomMessage {
    pub sms: Option<String>,
    pub email: Option<String>,
    pub subject: Option<String>,
}

/// The sign-up context the pre sign-up and custom message triggers see.
pub(crate) struct SignUpContext<'a> {
    pub pool: &'a UserPool,
    pub user: &'a User,
    pub client_id: Option<&'a str>,
    pub validation_data: &'a [(String, String)],
    pub client_metadata: &'a ClientMetadata,
}

impl Domain {
    /// PreSignUp_SignUp / PreSignUp_AdminCreateUser: runs before the user exists, so a
    /// refusal leaves nothing behind.
    pub(crate) async fn pre_sign_up(
        &self,
        source: &str,
        context: SignUpContext<'_>,
    ) -> Result<PreSignUpOutcome> {
        let base = EventBase {
            pool: context.pool,
            trigger_source: source,
            username: &context.user.username,
            client_id: context.client_id,
        };
        let request = json!({
            "userAttributes": user_attributes(context.user),
            "validationData": attribute_list(context.validation_data),
            "clientMetadata": metadata(context.client_metadata),
        });
        let response =
            json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false });
        let Some(answer) = self
            .run_trigger(Trigger::PreSignUp, base, request, response)
            .await?
        else {
            return Ok(PreSignUpOutcome::default());
        };
        Ok(PreSignUpOutcome {
            auto_confirm: flag(&answer, "autoConfirmUser")?,
            auto_verify_email: flag(&answer, "autoVerifyEmail")?,
            auto_verify_phone: flag(&answer, "autoVerifyPhone")?,
        })
    }

    /// CustomMessage_<source>: lets a function rewrite a code or invitation message. The
    /// function sees the placeholders (`{####}`, `{username}`), not the code.
    pub(crate) async fn custom_message(
        &self,
        source: &str,
        pool: &UserPool,
        user: &User,
        client_id: Option<&str>,
        client_metadata: &ClientMetadata,
    ) -> Result<Option<CustomMessage>> {
        let base = EventBase {
            pool,
            trigger_source: source,
            username: &user.username,
            client_id,
        };
        let request = json!({
            "userAttributes": user_attributes(user),
            "codeParameter": "{####}",
            "usernameParameter": "{username}",
            "linkParameter": "{##Click Here##}",
            "clientMetadata": metadata(client_metadata),
        });
        let response = json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null });
        let Some(answer) = self
            .run_trigger(Trigger::CustomMessage, base, request, response)
            .await?
        else {
            return Ok(None);
        };
        let message = CustomMessage {
            sms: text(&answer, "smsMessage")?.map(str::to_owned),
            email: text(&answer, "emailMessage")?.map(str::to_owned),
            subject: text(&answer, "emailSubject")?.map(str::to_owned),
        };
        // A rewritten message that drops the code would leave the user without it.
        let drops_code = |m: &Option<String>| m.as_deref().is_some_and(|m| !m.contains("{####}"));
        if drops_code(&message.sms) || drops_code(&message.email) {
            return Err(Error::new(
                ErrorKind::InvalidLambdaResponse,
                "Invalid lambda response: the custom message must contain the code parameter {####}.",
            ));
        }
        Ok(Some(message))
    }

    /// PostConfirmation_ConfirmSignUp / PostConfirmation_ConfirmForgotPassword.
    pub(crate) async fn post_confirmation(
        &self,
        source: &str,
        pool: &UserPool,
        user: &User,
        client_id: Option<&str>,
        client_metadata: &ClientMetadata,
    ) -> Result<()> {
        let base = EventBase {
            pool,
            trigger_source: source,
            username: &user.username,
            client_id,
        };
        let request = json!({ "userAttributes": user_attributes(user), "clientMetadata": metadata(client_metadata) });
        self.run_trigger(Trigger::PostConfirmation, base, request, json!({}))
            .await
            .map(|_| ())
    }

    /// PreAuthentication_Authentication: a function that throws denies the sign-in.
    pub(crate) async fn pre_authentication(
        &self,
        pool: &UserPool,
        user: &User,
        client_id: &str,
        validation_data: &[(String, String)],
        client_metadata: &ClientMetadata,
    ) -> Result<()> {
        let base = EventBase {
            pool,
            trigger_source: "PreAuthentication_Authentication",
            username: &user.username,
            client_id: Some(client_id),
        };
        let request = json!({
            "userAttributes": user_attributes(user),
            "validationData": attribute_list(validation_data),
            "userNotFound": false,
            "clientMetadata": metadata(client_metadata),
        });
        self.run_trigger(Trigger::PreAuthentication, base, request, json!({}))
            .await
            .map(|_| ())
    }

    /// PostAuthentication_Authentication: after the last factor, before tokens.
    pub(crate) async fn post_authentication(
        &self,
        pool: &UserPool,
        user: &User,
        client_id: &str,
        new_device_used: bool,
        client_metadata: &ClientMetadata,
    ) -> Result<()> {
        let base = EventBase {
            pool,
            trigger_source: "PostAuthentication_Authentication",
            username: &user.username,
            client_id: Some(client_id),
        };
        let request = json!({
            "userAttributes": user_attributes(user),
            "newDeviceUsed": new_device_used,
            "clientMetadata": metadata(client_metadata),
        });
        self.run_trigger(Trigger::PostAuthentication, base, request, json!({}))
            .await
            .map(|_| ())
    }
}

/// Claims no trigger may add, change or remove (Cognito's reserved list).
const RESERVED_CLAIMS: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "at_hash",
    "auth_time",
    "azp",
    "cognito:username",
    "exp",
    "iat",
    "identities",
    "iss",
    "jti",
    "nbf",
    "nonce",
    "origin_jti",
    "sub",
    "token_use",
    "client_id",
    "event_id",
    "scope",
    "username",
    "version",
    "cognito:groups",
    "cognito:roles",
    "cognito:preferred_role",
    "device_key",
];

/// How a pre token generation function changed the tokens about to be signed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenCustomisation {
    pub id_claims: Map<String, Value>,
    pub id_suppress: Vec<String>,
    pub access_claims: Map<String, Value>,
    pub access_suppress: Vec<String>,
    pub scopes_to_add: Vec<String>,
    pub scopes_to_suppress: Vec<String>,
    pub groups: Option<Vec<String>>,
    pub roles: Option<Vec<String>>,
    pub preferred_role: Option<String>,
}

impl TokenCustomisation {
    /// Applies the customisation to a claims map, leaving reserved claims alone.
    pub fn apply(
        added: &Map<String, Value>,
        suppressed: &[String],
        claims: &mut Map<String, Value>,
    ) {
        for name in suppressed {
            if !RESERVED_CLAIMS.contains(&name.as_str()) {
                claims.remove(name);
            }
        }
        for (name, value) in added {
            if !RESERVED_CLAIMS.contains(&name.as_str()) {
                claims.insert(name.clone(), value.clone());
            }
        }
    }
}

/// The token-generation context a pre token generation function sees.
pub(crate) struct TokenContext<'a> {
    pub pool: &'a UserPool,
    /// `None` for client-credentials tokens (no user).
    pub user: Option<&'a User>,
    pub client_id: &'a str,
    pub source: &'a str,
    pub groups: &'a [crate::group::Group],
    pub scopes: &'a [String],
    pub client_metadata: &'a ClientMetadata,
}

fn strings(value: Option<&Value>) -> Result<Option<Vec<String>>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(unrecognizable))
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(unrecognizable()),
    }
}

fn claims_object(value: Option<&Value>) -> Result<Map<String, Value>> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(_) => Err(unrecognizable()),
    }
}

impl Domain {
    /// TokenGeneration_<source>: V1 changes the ID token; V2 and V3 also the access token
    /// and its scopes; V3 also runs for client credentials.
    pub(crate) async fn pre_token_generation(
        &self,
        context: TokenContext<'_>,
    ) -> Result<Option<TokenCustomisation>> {
        let Some(version) = pre_token_version(context.pool) else {
            return Ok(None);
        };
        if context.user.is_none() && version < TriggerVersion::V3 {
            return Ok(None);
        }
        let group_names: Vec<&str> = context.groups.iter().map(|g| g.name.as_str()).collect();
        let roles: Vec<&str> = context
            .groups
            .iter()
            .filter_map(|g| g.role_arn.as_deref())
            .collect();
        let mut request = Map::new();
        if let Some(user) = context.user {
            request.insert("userAttributes".into(), user_attributes(user));
            request.insert(
                "groupConfiguration".into(),
                json!({ "groupsToOverride": group_names, "iamRolesToOverride": roles, "preferredRole": Value::Null }),
            );
        }
        if version >= TriggerVersion::V2 {
            request.insert("scopes".into(), json!(context.scopes));
        }
        request.insert("clientMetadata".into(), metadata(context.client_metadata));
        let username = context
            .user
            .map_or(context.client_id, |u| u.username.as_str());
        let base = EventBase {
            pool: context.pool,
            trigger_source: context.source,
            username,
            client_id: Some(context.client_id),
        };
        let response = if version == TriggerVersion::V1 {
            json!({ "claimsOverrideDetails": null })
        } else {
            json!({ "claimsAndScopeOverrideDetails": null })
        };
        let Some(answer) = self
            .run_trigger(
                Trigger::PreTokenGeneration,
                base,
                Value::Object(request),
                response,
            )
            .await?
        else {
            return Ok(None);
        };
        let (details, id, access) = if version == TriggerVersion::V1 {
            let details = answer
                .get("claimsOverrideDetails")
                .cloned()
                .unwrap_or(Value::Null);
            (details.clone(), details, Value::Null)
        } else {
            let details = answer
                .get("claimsAndScopeOverrideDetails")
                .cloned()
                .unwrap_or(Value::Null);
            let id = details
                .get("idTokenGeneration")
                .cloned()
                .unwrap_or(Value::Null);
            let access = details
                .get("accessTokenGeneration")
                .cloned()
                .unwrap_or(Value::Null);
            (details, id, access)
        };
        if !details.is_null() && !details.is_object() {
            return Err(unrecognizable());
        }
        let groups = details
            .get("groupOverrideDetails")
            .cloned()
            .unwrap_or(Value::Null);
        Ok(Some(TokenCustomisation {
            id_claims: claims_object(id.get("claimsToAddOrOverride"))?,
            id_suppress: strings(id.get("claimsToSuppress"))?.unwrap_or_default(),
            access_claims: claims_object(access.get("claimsToAddOrOverride"))?,
            access_suppress: strings(access.get("claimsToSuppress"))?.unwrap_or_default(),
            scopes_to_add: strings(access.get("scopesToAdd"))?.unwrap_or_default(),
            scopes_to_suppress: strings(access.get("scopesToSuppress"))?.unwrap_or_default(),
            groups: strings(groups.get("groupsToOverride"))?,
            roles: strings(groups.get("iamRolesToOverride"))?,
            preferred_role: groups
                .get("preferredRole")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }))
    }
}
