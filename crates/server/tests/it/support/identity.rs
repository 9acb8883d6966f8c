//! What the identity-pool tests share: the AWS SDK's `cognito-identity` client pointed at a
//! test server, an STS stand-in that records what it is asked and answers as told, and a
//! user pool with a signed-in user to federate.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentity::config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentity::{Client as IdentityClient, Config};
use aws_sdk_cognitoidentityprovider::Client;
use tokio::net::TcpListener;

use crate::support::flows::{App, AppOptions, app, confirmed_user, tokens};
use crate::support::{ACCESS_KEY, REGION, SECRET_KEY, TestServer};

pub const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/Cognito_Auth";
pub const UNAUTH_ROLE: &str = "arn:aws:iam::123456789012:role/Cognito_Unauth";
pub const ADMIN_ROLE: &str = "arn:aws:iam::123456789012:role/Admins";
pub const READER_ROLE: &str = "arn:aws:iam::123456789012:role/Readers";

/// The AWS SDK for Rust's Cognito Identity client, signing with the test key.
pub fn identity_client(server: &TestServer) -> IdentityClient {
    let config = Config::builder()
        .endpoint_url(server.url())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            ACCESS_KEY,
            SECRET_KEY,
            None,
            None,
            "cognate-tests",
        ))
        .behavior_version(BehaviorVersion::latest())
        .build();
    IdentityClient::from_conf(config)
}

/// One AssumeRoleWithWebIdentity the stand-in received.
#[derive(Debug, Clone)]
pub struct AssumeRoleCall {
    pub role_arn: String,
    pub session_name: String,
    pub token: String,
    pub duration: String,
}

/// How the STS stand-in answers.
#[derive(Debug, Clone)]
pub enum StsAnswer {
    Credentials,
    /// An STS error: HTTP status, code, message.
    Error(u16, &'static str, &'static str),
    /// No answer for this long.
    Hang(Duration),
}

/// An STS-compatible endpoint for tests: it records each AssumeRoleWithWebIdentity and
/// answers credentials (the key id names the role, so a test can see which it was), an
/// error, or nothing for a while.
#[derive(Clone)]
pub struct StsStandIn {
    pub url: String,
    calls: Arc<Mutex<Vec<AssumeRoleCall>>>,
    answer: Arc<Mutex<StsAnswer>>,
}

impl StsStandIn {
    pub async fn start() -> StsStandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let calls = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new(StsAnswer::Credentials));
        let (recorded, answering) = (calls.clone(), answer.clone());
        let app = axum::Router::new().route(
            "/",
            axum::routing::post(move |body: String| {
                let (recorded, answering) = (recorded.clone(), answering.clone());
                async move { answer_sts(&body, &recorded, &answering).await }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StsStandIn { url, calls, answer }
    }

    pub fn answer(&self, answer: StsAnswer) {
        *self.answer.lock().unwrap() = answer;
    }

    pub fn calls(&self) -> Vec<AssumeRoleCall> {
        self.calls.lock().unwrap().clone()
    }

    pub fn last(&self) -> AssumeRoleCall {
        self.calls().last().cloned().expect("STS was called")
    }
}

async fn answer_sts(
    body: &str,
    recorded: &Mutex<Vec<AssumeRoleCall>>,
    answering: &Mutex<StsAnswer>,
) -> (axum::http::StatusCode, String) {
    let form: BTreeMap<String, String> = serde_urlencoded::from_str(body).unwrap();
    assert_eq!(form["Action"], "AssumeRoleWithWebIdentity");
    assert_eq!(form["Version"], "2011-06-15");
    let call = AssumeRoleCall {
        role_arn: form["RoleArn"].clone(),
        session_name: form["RoleSessionName"].clone(),
        token: form["WebIdentityToken"].clone(),
        duration: form["DurationSeconds"].clone(),
    };
    recorded.lock().unwrap().push(call.clone());
    let answer = answering.lock().unwrap().clone();
    match answer {
        StsAnswer::Credentials => {
            let role = call.role_arn.rsplit('/').next().unwrap_or_default();
            let key =
                format!("ASIA{:0<16}", role.to_ascii_uppercase().replace('_', ""))[..20].to_owned();
            let xml = format!(
                r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>secret/{role}</SecretAccessKey><SessionToken>session-for-{role}</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/{role}/{}</Arn></AssumedRoleUser></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"#,
                call.session_name
            );
            (axum::http::StatusCode::OK, xml)
        }
        StsAnswer::Error(status, code, message) => (
            axum::http::StatusCode::from_u16(status).unwrap(),
            format!(
                r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"#
            ),
        ),
        StsAnswer::Hang(duration) => {
            tokio::time::sleep(duration).await;
            (axum::http::StatusCode::OK, String::new())
        }
    }
}

/// A user pool with an app client, a user `alice` in group `admins` (role [`ADMIN_ROLE`],
/// precedence 1) and `readers` (role [`READER_ROLE`], precedence 5), and `bob` in no group.
pub struct Federated {
    pub app: App,
    /// `cognito-idp.<region>.amazonaws.com/<poolId>`, the Logins key of the user pool.
    pub provider: String,
}

impl Federated {
    pub async fn new(client: &Client) -> Federated {
        let app = app(client, AppOptions::default()).await;
        confirmed_user(client, &app, "alice", "Passw0rd!x", "alice@example.com").await;
        confirmed_user(client, &app, "bob", "Passw0rd!x", "bob@example.com").await;
        for (group, role, precedence) in [("admins", ADMIN_ROLE, 1), ("readers", READER_ROLE, 5)] {
            client
                .create_group()
                .user_pool_id(&app.pool)
                .group_name(group)
                .role_arn(role)
                .precedence(precedence)
                .send()
                .await
                .unwrap();
            client
                .admin_add_user_to_group()
                .user_pool_id(&app.pool)
                .username("alice")
                .group_name(group)
                .send()
                .await
                .unwrap();
        }
        let provider = format!("cognito-idp.{REGION}.amazonaws.com/{}", app.pool);
        Federated { app, provider }
    }

    /// A fresh ID token of `username`.
    pub async fn id_token(&self, client: &Client, username: &str) -> String {
        tokens(client, &self.app, username, "Passw0rd!x")
            .await
            .id_token
            .unwrap()
    }

    /// The identity pool's entry for this user pool and client.
    pub fn provider_entry(
        &self,
        server_side_check: bool,
    ) -> aws_sdk_cognitoidentity::types::CognitoIdentityProvider {
        aws_sdk_cognitoidentity::types::CognitoIdentityProvider::builder()
            .provider_name(&self.provider)
            .client_id(&self.app.client_id)
            .server_side_token_check(server_side_check)
            .build()
    }
}

/// An identity pool trusting `federated`, with the authenticated and unauthenticated roles.
pub async fn identity_pool(
    identity: &IdentityClient,
    federated: &Federated,
    guests: bool,
    server_side_check: bool,
) -> String {
    let pool = identity
        .create_identity_pool()
        .identity_pool_name("app identities")
        .allow_unauthenticated_identities(guests)
        .cognito_identity_providers(federated.provider_entry(server_side_check))
        .developer_provider_name("login.example.app")
        .send()
        .await
        .unwrap()
        .identity_pool_id;
    identity
        .set_identity_pool_roles()
        .identity_pool_id(&pool)
        .roles("authenticated", AUTH_ROLE)
        .roles("unauthenticated", UNAUTH_ROLE)
        .send()
        .await
        .unwrap();
    pool
}

/// A server whose identity pools get credentials from `sts`.
pub async fn server_with_sts(
    backend: crate::support::Backend,
    sts: &StsStandIn,
    timeout_seconds: u64,
) -> Option<TestServer> {
    let endpoint = sts.url.clone();
    TestServer::start_configured(
        backend,
        crate::support::Options { dev: false },
        move |raw| {
            raw.sts = Some(cognate_server::config::StsConfig {
                endpoint,
                timeout_seconds: Some(timeout_seconds),
            });
        },
    )
    .await
}

/// Runs a test body once per backend against a server whose identity pools call an STS
/// stand-in (STS calls time out after `timeout` seconds).
#[macro_export]
macro_rules! with_sts_on_both_backends {
    ($name:ident, timeout = $timeout:expr, |$server:ident, $sts:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run(
                $server: &$crate::support::TestServer,
                $sts: &$crate::support::identity::StsStandIn,
            ) $body

            async fn on(backend: $crate::support::Backend) {
                let sts = $crate::support::identity::StsStandIn::start().await;
                let Some(server) =
                    $crate::support::identity::server_with_sts(backend, &sts, $timeout).await
                else {
                    eprintln!("TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
                    return;
                };
                run(&server, &sts).await;
                server.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                on($crate::support::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                on($crate::support::Backend::Postgres).await;
            }
        }
    };
}

/// The identity issuer's keys, fetched as a relying party does: discovery, then `jwks_uri`.
pub async fn issuer_keys(
    server: &TestServer,
) -> (String, Vec<cognate_crypto::jwt::PublicKeyHandle>) {
    use base64::Engine as _;
    let http = reqwest::Client::new();
    let discovery: serde_json::Value = http
        .get(format!(
            "{}/cognito-identity/.well-known/openid-configuration",
            server.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issuer = discovery["issuer"].as_str().unwrap().to_owned();
    assert_eq!(issuer, format!("{}/cognito-identity", server.url()));
    let jwks: serde_json::Value = http
        .get(discovery["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let decode = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(v.as_str().unwrap())
            .unwrap()
    };
    let keys = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            assert_eq!(k["alg"], "RS512");
            cognate_crypto::jwt::PublicKeyHandle::from_rsa_components(
                k["kid"].as_str().unwrap(),
                &decode(&k["n"]),
                &decode(&k["e"]),
            )
            .unwrap()
        })
        .collect();
    (issuer, keys)
}

/// Checks an identity-pool OpenID token against the issuer's published keys; its claims.
pub async fn verified_claims(server: &TestServer, token: &str) -> serde_json::Value {
    let (issuer, keys) = issuer_keys(server).await;
    let now = crate::support::flows::now_secs();
    let claims =
        cognate_crypto::jwt::verify_rs512(token, |kid| keys.iter().find(|k| k.kid() == kid), now)
            .unwrap();
    assert_eq!(claims["iss"], issuer.as_str());
    serde_json::Value::Object(claims)
}

/// The `__type` and message of a Cognito Identity SDK error.
pub fn identity_error<E, R>(
    result: Result<impl std::fmt::Debug, aws_sdk_cognitoidentity::error::SdkError<E, R>>,
) -> (String, String)
where
    E: aws_sdk_cognitoidentity::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let err = result.expect_err("the call should have failed");
    let code = aws_sdk_cognitoidentity::error::ProvideErrorMetadata::code(&err)
        .unwrap_or("<none>")
        .to_owned();
    let message = aws_sdk_cognitoidentity::error::ProvideErrorMetadata::message(&err)
        .unwrap_or("<none>")
        .to_owned();
    (code, message)
}
