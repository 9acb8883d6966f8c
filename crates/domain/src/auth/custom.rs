//! CUSTOM_AUTH: Cognito's Define → Create → Verify loop, driven by three triggers. The
//! challenge history travels in the sealed Session, so any node can run the next round; the
//! private challenge parameters travel there too and never reach the client. A flow may start
//! with SRP (CHALLENGE_NAME=SRP_A), after which DefineAuthChallenge sees the password step.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{AuthOutcome, Caller, Opened, incorrect, missing};
use crate::Domain;
use crate::error::{Error, ErrorKind, Result};
use crate::triggers::{
    ClientMetadata, EventBase, Trigger, flag, text, unrecognizable, user_attributes,
};
use crate::user::User;

/// Rounds a flow may take before it is refused (Cognito's limit is not documented; a flow
/// that loops this long is broken or hostile).
const MAX_ROUNDS: usize = 10;

/// One finished round, as DefineAuthChallenge sees it in `request.session`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Round {
    pub challenge_name: String,
    pub challenge_result: bool,
    pub challenge_metadata: Option<String>,
}

/// What the Session of a custom challenge carries.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CustomState {
    /// `None` when the user does not exist and the client hides existence.
    pub sub: Option<String>,
    pub username: String,
    pub rounds: Vec<Round>,
    pub private_parameters: Value,
    pub challenge_metadata: Option<String>,
}

fn rounds_json(rounds: &[Round]) -> Value {
    Value::Array(
        rounds
            .iter()
            .map(|r| {
                json!({
                    "challengeName": r.challenge_name,
                    "challengeResult": r.challenge_result,
                    "challengeMetadata": r.challenge_metadata,
                })
            })
            .collect(),
    )
}

/// The user as the triggers see them; an unknown user has only a name.
fn attributes_of(user: Option<&User>) -> Value {
    user.map_or_else(|| json!({}), user_attributes)
}

fn configured(caller: &Caller) -> Result<()> {
    let config = &caller.pool.settings.lambda_config;
    let all = [
        Trigger::DefineAuthChallenge,
        Trigger::CreateAuthChallenge,
        Trigger::VerifyAuthChallengeResponse,
    ];
    if all.iter().all(|t| t.configured(config).is_some()) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidUserPoolConfiguration,
            "Custom auth lambda trigger is not configured for the user pool.",
        ))
    }
}

impl Domain {
    /// InitiateAuth with CUSTOM_AUTH.
    pub(super) async fn start_custom_auth(
        &self,
        caller: &Caller,
        params: &BTreeMap<String, String>,
        client_metadata: &ClientMetadata,
    ) -> Result<AuthOutcome> {
        configured(caller)?;
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        self.check_secret_hash(
            &caller.client,
            &[username],
            params.get("SECRET_HASH").map(String::as_str),
        )?;
        let user = match self.find_sign_in_user(&caller.pool, username).await? {
            Some(user) if !user.enabled => return Err(Error::user_disabled()),
            Some(user) => Some(user),
            None if caller.client.prevents_user_existence_errors() => None,
            None => return Err(Error::user_not_found()),
        };
        let mut rounds = Vec::new();
        if params.get("CHALLENGE_NAME").map(String::as_str) == Some("SRP_A") {
            rounds.push(Round {
                challenge_name: "SRP_A".to_owned(),
                challenge_result: true,
                challenge_metadata: None,
            });
        }
        let state = CustomState {
            sub: user.as_ref().map(|u| u.sub.clone()),
            username: user
                .as_ref()
                .map_or_else(|| username.clone(), |u| u.username.clone()),
            rounds,
            private_parameters: Value::Null,
            challenge_metadata: None,
        };
        self.next_custom_round(caller, user, state, params, client_metadata)
            .await
    }

    /// Asks DefineAuthChallenge what comes next and acts on it.
    pub(super) async fn next_custom_round(
        &self,
        caller: &Caller,
        user: Option<User>,
        mut state: CustomState,
        params: &BTreeMap<String, String>,
        client_metadata: &ClientMetadata,
    ) -> Result<AuthOutcome> {
        if state.rounds.len() >= MAX_ROUNDS {
            return Err(Error::incorrect_credentials());
        }
        let base = EventBase {
            pool: &caller.pool,
            trigger_source: "DefineAuthChallenge_Authentication",
            username: &state.username,
            client_id: Some(&caller.client.client_id),
        };
        let request = json!({
            "userAttributes": attributes_of(user.as_ref()),
            "session": rounds_json(&state.rounds),
            "clientMetadata": client_metadata,
            "userNotFound": user.is_none(),
        });
        let response =
            json!({ "challengeName": null, "issueTokens": false, "failAuthentication": false });
        let decision = self
            .run_trigger(Trigger::DefineAuthChallenge, base, request, response)
            .await?
            .ok_or_else(unrecognizable)?;
        if flag(&decision, "failAuthentication")? {
            return Err(incorrect());
        }
        if flag(&decision, "issueTokens")? {
            // An unknown user can never be issued tokens, whatever the function says.
            let user = user.ok_or_else(incorrect)?;
            return self.after_first_factor(caller, user, None).await;
        }
        match text(&decision, "challengeName")? {
            Some("CUSTOM_CHALLENGE") => {
                self.create_custom_challenge(caller, user.as_ref(), state, client_metadata)
                    .await
            }
            Some("PASSWORD_VERIFIER") => {
                state.private_parameters = Value::Null;
                self.start_srp_within_custom(caller, user, state, params)
                    .await
            }
            _ => Err(unrecognizable()),
        }
    }

    async fn create_custom_challenge(
        &self,
        caller: &Caller,
        user: Option<&User>,
        mut state: CustomState,
        client_metadata: &ClientMetadata,
    ) -> Result<AuthOutcome> {
        let base = EventBase {
            pool: &caller.pool,
            trigger_source: "CreateAuthChallenge_Authentication",
            username: &state.username,
            client_id: Some(&caller.client.client_id),
        };
        let request = json!({
            "userAttributes": attributes_of(user),
            "challengeName": "CUSTOM_CHALLENGE",
            "session": rounds_json(&state.rounds),
            "clientMetadata": client_metadata,
            "userNotFound": user.is_none(),
        });
        let response = json!({ "publicChallengeParameters": null, "privateChallengeParameters": null, "challengeMetadata": null });
        let created = self
            .run_trigger(Trigger::CreateAuthChallenge, base, request, response)
            .await?
            .ok_or_else(unrecognizable)?;
        let public = match created.get("publicChallengeParameters") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| {
                    Ok((
                        k.clone(),
                        v.as_str().map(str::to_owned).ok_or_else(unrecognizable)?,
                    ))
                })
                .collect::<Result<BTreeMap<_, _>>>()?,
            Some(_) => return Err(unrecognizable()),
        };
        state.private_parameters = created
            .get("privateChallengeParameters")
            .cloned()
            .unwrap_or(Value::Null);
        state.challenge_metadata = text(&created, "challengeMetadata")?.map(str::to_owned);
        let mut parameters = public;
        parameters.insert("USERNAME".to_owned(), state.username.clone());
        let session = self.session_string(
            "custom",
            &caller.pool.id,
            &caller.client.client_id,
            super::session_lifetime(&caller.client),
            state,
        )?;
        Ok(AuthOutcome::Challenge {
            name: "CUSTOM_CHALLENGE".to_owned(),
            session: Some(session),
            parameters,
        })
    }

    /// RespondToAuthChallenge with CUSTOM_CHALLENGE: VerifyAuthChallengeResponse judges the
    /// answer, then DefineAuthChallenge decides again.
    pub(super) async fn answer_custom_challenge(
        &self,
        caller: &Caller,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
        client_metadata: &ClientMetadata,
    ) -> Result<AuthOutcome> {
        configured(caller)?;
        let session = session
            .ok_or_else(|| Error::invalid_parameter("Missing required parameter Session"))?;
        let opened: Opened<CustomState> =
            self.open_session_string("custom", session, &caller.client.client_id)?;
        let username = responses
            .get("USERNAME")
            .ok_or_else(|| missing("USERNAME"))?;
        let answer = responses.get("ANSWER").ok_or_else(|| missing("ANSWER"))?;
        self.check_secret_hash(
            &caller.client,
            &[username, &opened.state.username],
            responses.get("SECRET_HASH").map(String::as_str),
        )?;
        self.spend_step(&opened).await?;
        let mut state = opened.state;
        let user = match &state.sub {
            Some(sub) => Some(
                self.store
                    .get_user_by_sub(&caller.pool.id, sub)
                    .await
                    .map_err(Error::from)?
                    .ok_or_else(incorrect)?,
            ),
            None => None,
        };
        match &user {
            Some(user) => {
                self.check_username_matches(&caller.pool, username, user)
                    .await?;
            }
            None if crate::user::username_key(&caller.pool, username)
                != crate::user::username_key(&caller.pool, &state.username) =>
            {
                return Err(incorrect());
            }
            None => {}
        }
        let base = EventBase {
            pool: &caller.pool,
            trigger_source: "VerifyAuthChallengeResponse_Authentication",
            username: &state.username,
            client_id: Some(&caller.client.client_id),
        };
        let request = json!({
            "userAttributes": attributes_of(user.as_ref()),
            "privateChallengeParameters": state.private_parameters,
            "challengeAnswer": answer,
            "clientMetadata": client_metadata,
            "userNotFound": user.is_none(),
        });
        let verdict = self
            .run_trigger(
                Trigger::VerifyAuthChallengeResponse,
                base,
                request,
                json!({ "answerCorrect": false }),
            )
            .await?
            .ok_or_else(unrecognizable)?;
        state.rounds.push(Round {
            challenge_name: "CUSTOM_CHALLENGE".to_owned(),
            challenge_result: flag(&verdict, "answerCorrect")?,
            challenge_metadata: state.challenge_metadata.take(),
        });
        state.private_parameters = Value::Null;
        self.next_custom_round(caller, user, state, responses, client_metadata)
            .await
    }
}
