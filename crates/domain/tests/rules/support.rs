//! What the rule tables share: [`check`], which compares an outcome with what the table
//! expects, and the few calls most tables make.

use std::collections::BTreeMap;
use std::fmt::Debug;

use base64::Engine;
use cognate_domain::auth::{AuthFlow, AuthOutcome, InitiateAuthRequest};
use cognate_domain::client::{AppClient, ClientInput};
use cognate_domain::selfservice::PublicClient;
use cognate_domain::tokens::IssuedTokens;
use cognate_domain::{Error, Result};
use cognate_testkit::domain::TestDomain;
use serde_json::Value;

/// An outcome as a table writes it: `ok`, or `<Exception>: <message>`.
pub fn outcome<T>(result: &Result<T>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(e) => error_text(e),
    }
}

pub fn error_text(e: &Error) -> String {
    format!("{}: {}", e.kind.exception_name(), e.message)
}

/// Fails with the case's name when its outcome is not the expected one.
#[track_caller]
pub fn check<T: Debug>(case: impl Debug, result: &Result<T>, expected: &str) {
    assert_eq!(outcome(result), expected, "case {case:?}: {result:?}");
}

pub const INCORRECT: &str = "NotAuthorizedException: Incorrect username or password.";
pub const LOCKED: &str = "NotAuthorizedException: Password attempts exceeded";
pub const CODE_MISMATCH: &str =
    "CodeMismatchException: Invalid verification code provided, please try again.";
pub const ATTEMPTS_EXCEEDED: &str =
    "LimitExceededException: Attempt limit exceeded, please try after some time.";
pub const USER_NOT_FOUND: &str = "UserNotFoundException: User does not exist.";

/// A domain with a pool and a public client, made from `client`.
pub async fn pool_and_client(client: ClientInput) -> (TestDomain, AppClient) {
    let t = TestDomain::new().unwrap();
    let pool = t.pool().await.unwrap();
    let client = t.client_with(&pool.id, client).await.unwrap();
    (t, client)
}

/// A client that hides whether users exist (PreventUserExistenceErrors), or not.
pub fn hiding(hides: bool) -> ClientInput {
    ClientInput {
        prevent_user_existence_errors: Some(if hides { "ENABLED" } else { "LEGACY" }.into()),
        ..ClientInput::default()
    }
}

/// InitiateAuth with `flow` and `parameters`, as an app would call it.
pub async fn initiate(
    t: &TestDomain,
    client: &AppClient,
    flow: &str,
    parameters: &[(&str, &str)],
) -> Result<AuthOutcome> {
    let parameters: BTreeMap<String, String> = parameters
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    t.domain
        .initiate_auth(InitiateAuthRequest {
            pool_id: None,
            client_id: client.client_id.clone(),
            flow: AuthFlow::parse(flow).unwrap(),
            parameters,
            client_metadata: Default::default(),
            session: None,
        })
        .await
}

/// The caller of a public operation (SignUp, ForgotPassword, …) of a client without a
/// secret, naming `username`.
pub async fn public(t: &TestDomain, client_id: &str, username: &str) -> Result<PublicClient> {
    t.domain
        .public_client(client_id, username, None, Default::default())
        .await
}

/// USER_PASSWORD_AUTH; the tokens when it signs in.
pub async fn sign_in(
    t: &TestDomain,
    client: &AppClient,
    username: &str,
    password: &str,
) -> Result<IssuedTokens> {
    let outcome = initiate(
        t,
        client,
        "USER_PASSWORD_AUTH",
        &[("USERNAME", username), ("PASSWORD", password)],
    )
    .await?;
    match outcome {
        AuthOutcome::Authenticated(tokens) => Ok(tokens),
        other => panic!("expected tokens, got {other:?}"),
    }
}

/// REFRESH_TOKEN_AUTH.
pub async fn refresh(t: &TestDomain, client: &AppClient, token: &str) -> Result<IssuedTokens> {
    match initiate(t, client, "REFRESH_TOKEN_AUTH", &[("REFRESH_TOKEN", token)]).await? {
        AuthOutcome::Authenticated(tokens) => Ok(tokens),
        other => panic!("expected tokens, got {other:?}"),
    }
}

/// A JWT's claims (the domain signed it; what is checked here is what it says).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}
