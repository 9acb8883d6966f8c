//! Identity pools from the clients apps use, offline: boto3's `cognito-identity` (every
//! operation, role mapping by group and by rules), the AWS SDK for JavaScript v3's
//! `fromCognitoIdentityPool` (a guest and a signed-in user), AWS Amplify JS v6 signing in,
//! fetching its session's AWS credentials and uploading a file with them to an S3 + STS
//! stand-in (moto, with the web-identity checks AWS makes; see `interop/aws_standin.py`), and
//! a standard OpenID Connect library verifying an identity-pool token through discovery.
//!
//! These run on SQLite only: the clients are what they exercise; `identity.rs` runs the same
//! operations on both backends. CI installs the clients and sets COGNATE_REQUIRE_INTEROP=1,
//! so there the tests cannot skip.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

use serde_json::{Value, json};

use crate::interop::interop_dir;
use crate::support::flows::claims;
use crate::support::identity::{
    ADMIN_ROLE, AUTH_ROLE, Federated, READER_ROLE, StsStandIn, UNAUTH_ROLE, identity_client,
    identity_error, identity_pool, server_with_sts,
};
use crate::support::{Backend, Options, REGION, TestServer};

/// Whether a tool is installed; when the interop clients are required and it is missing, the
/// test fails instead of skipping.
pub(crate) fn available(what: &str, installed: bool) -> bool {
    if !installed && std::env::var("COGNATE_REQUIRE_INTEROP").is_ok_and(|v| v == "1") {
        panic!("COGNATE_REQUIRE_INTEROP=1 but {what} is missing (see .ci/run)");
    }
    if !installed {
        eprintln!("skipping: {what} is missing (see .ci/run)");
    }
    installed
}

fn node_clients() -> bool {
    let installed = [
        "@aws-sdk/credential-provider-cognito-identity",
        "aws-amplify",
        "openid-client",
        "jose",
    ]
    .iter()
    .all(|p| interop_dir().join("node_modules").join(p).exists())
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    available(
        "node or the JavaScript clients in interop/node_modules",
        installed,
    )
}

fn python_module(module: &str) -> bool {
    let installed = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    available(&format!("the Python module {module}"), installed)
}

/// Runs `program script scenario params` to completion; the last stdout line's `summary`.
async fn run_json(program: &'static str, args: Vec<String>) -> Value {
    tokio::task::spawn_blocking(move || {
        let output = Command::new(program)
            .current_dir(interop_dir())
            .args(&args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stdout.lines().last().unwrap_or_default();
        let parsed: Value = serde_json::from_str(last)
            .unwrap_or_else(|_| panic!("{args:?}: no JSON summary: {stdout} {stderr}"));
        assert!(
            output.status.success(),
            "{args:?} failed: {parsed} {stderr}"
        );
        parsed["summary"].clone()
    })
    .await
    .unwrap()
}

async fn node(scenario: &str, params: Value) -> Value {
    run_json(
        "node",
        vec!["identity.mjs".into(), scenario.into(), params.to_string()],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_drives_every_identity_operation() {
    if !python_module("boto3") {
        return;
    }
    let sts = StsStandIn::start().await;
    let server = server_with_sts(Backend::Sqlite, &sts, 5).await.unwrap();
    let idp = server.client();
    let federated = Federated::new(&idp).await;
    let params = json!({
        "endpoint": server.url(),
        "region": REGION,
        "provider": federated.provider,
        "clientId": federated.app.client_id,
        "adminToken": federated.id_token(&idp, "alice").await,
        "userToken": federated.id_token(&idp, "bob").await,
        "roles": {"auth": AUTH_ROLE, "unauth": UNAUTH_ROLE, "admin": ADMIN_ROLE, "reader": READER_ROLE},
    });
    let s = run_json(
        "python3",
        vec!["identity_boto3.py".into(), params.to_string()],
    )
    .await;
    assert_eq!(
        s["created"],
        json!({"name": "boto3 pool", "tags": {"owner": "boto3"}}),
        "{s}"
    );
    assert_eq!(
        s["described"][0]["ProviderName"],
        federated.provider.as_str()
    );
    assert_eq!(
        s["updated"],
        json!({"name": "boto3 pool renamed", "classic": true})
    );
    assert_eq!(s["tags"], json!({"stage": "test"}));
    assert_eq!(s["roles"]["authenticated"], AUTH_ROLE);
    assert_eq!(
        s["principalTags"],
        json!({"client": "aud", "username": "sub"})
    );
    assert_eq!(s["principalTagsRead"], true);
    // The role STS was asked for, named by the stand-in's session token.
    assert_eq!(s["guestRole"], "Cognito_Unauth");
    assert_eq!(s["defaultRole"], "Cognito_Auth");
    assert_eq!(
        s["groupRole"], "Admins",
        "the group with the lowest precedence"
    );
    assert_eq!(s["customRole"], "Readers");
    assert_eq!(s["noGroupRole"], "Cognito_Auth");
    assert_eq!(
        s["classicWithMappings"]["message"],
        "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow."
    );
    assert_eq!(s["mappingsRead"], "Rules");
    assert_eq!(s["ruleRole"], "Admins");
    assert_eq!(s["ruleDenied"]["code"], "NotAuthorizedException");
    assert_eq!(s["openIdToken"], true);
    assert_eq!(s["devCredentialsRole"], "Cognito_Auth");
    assert_eq!(s["lookup"], true);
    assert_eq!(s["merged"], true);
    assert_eq!(s["devUsers"], json!(["dev-user-1", "dev-user-2"]));
    assert_eq!(s["afterUnlink"], json!(["dev-user-1"]));
    assert_eq!(s["secondGone"]["code"], "ResourceNotFoundException");
    assert_eq!(s["describedLogins"], json!([federated.provider]));
    assert_eq!(s["unlinkedLogins"], json!([]));
    assert_eq!(
        s["unprocessed"],
        json!([{"IdentityId": "us-east-1:00000000-0000-4000-8000-0000000000aa", "ErrorCode": "AccessDenied"}])
    );
    assert_eq!(s["badInput"]["code"], "InvalidParameterException");
    assert!(
        s["badInput"]["message"]
            .as_str()
            .unwrap()
            .starts_with("2 validation errors detected: "),
        "{s}"
    );
    assert_eq!(s["deleted"]["code"], "ResourceNotFoundException");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_sdk_credential_provider_serves_guests_and_signed_in_users() {
    if !node_clients() {
        return;
    }
    let server = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let (idp, identity) = (server.client(), identity_client(&server));
    let federated = Federated::new(&idp).await;
    let pool_id = identity_pool(&identity, &federated, true, true).await;

    let guest = node(
        "sdk",
        json!({"endpoint": server.url(), "region": REGION, "identityPoolId": pool_id}),
    )
    .await;
    let credentials = &guest["credentials"];
    assert!(
        credentials["accessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIA"),
        "{guest}"
    );
    assert_eq!(credentials["secretAccessKeyLength"], 40);
    assert!(credentials["expiration"].is_string());
    let described = identity
        .describe_identity()
        .identity_id(credentials["identityId"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(described.logins().is_empty());

    let token = federated.id_token(&idp, "alice").await;
    let user = node(
        "sdk",
        json!({"endpoint": server.url(), "region": REGION, "identityPoolId": pool_id,
               "logins": {federated.provider.clone(): token.clone()}}),
    )
    .await;
    let expected = identity
        .get_id()
        .identity_pool_id(&pool_id)
        .logins(&federated.provider, &token)
        .send()
        .await
        .unwrap()
        .identity_id
        .unwrap();
    assert_eq!(
        user["credentials"]["identityId"],
        expected.as_str(),
        "{user}"
    );
    server.stop().await;
}

/// The S3 + STS stand-in, as a child process that lives as long as this value.
struct AwsStandIn {
    child: Child,
    stdin: ChildStdin,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    endpoint: String,
}

impl AwsStandIn {
    fn start(bucket: &str) -> AwsStandIn {
        let mut child = Command::new("python3")
            .arg(interop_dir().join("aws_standin.py"))
            .arg(json!({"bucket": bucket}).to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        AwsStandIn {
            child,
            stdin,
            lines,
            endpoint: first["endpoint"].as_str().unwrap().to_owned(),
        }
    }

    /// Registers the issuer as an OIDC provider and adds roles that trust it.
    fn trust(&mut self, issuer: &str, roles: Value) {
        writeln!(self.stdin, "{}", json!({"issuer": issuer, "roles": roles})).unwrap();
        self.stdin.flush().unwrap();
        let answer: Value = serde_json::from_str(&self.lines.next().unwrap().unwrap()).unwrap();
        assert_eq!(answer["ready"], true);
    }
}

impl Drop for AwsStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplify_signs_in_and_uploads_to_s3_with_identity_pool_credentials() {
    if !node_clients() || !python_module("moto") {
        return;
    }
    let mut aws = AwsStandIn::start("uploads");
    let endpoint = aws.endpoint.clone();
    let server =
        TestServer::start_configured(Backend::Sqlite, Options { dev: false }, move |raw| {
            raw.sts = Some(cognate_server::config::StsConfig {
                endpoint,
                timeout_seconds: Some(10),
            });
        })
        .await
        .unwrap();
    let (idp, identity) = (server.client(), identity_client(&server));
    let federated = Federated::new(&idp).await;
    let pool_id = identity_pool(&identity, &federated, true, true).await;
    let issuer = format!("{}/cognito-identity", server.url());
    // The authenticated role may upload; the unauthenticated one trusts another pool only.
    aws.trust(
        &issuer,
        json!({
            "Cognito_Auth": {"audience": pool_id, "amr": "authenticated", "s3_actions": ["s3:PutObject", "s3:GetObject"]},
            "Cognito_Unauth": {"audience": "us-east-1:00000000-0000-4000-8000-000000000000", "amr": "unauthenticated", "s3_actions": []},
        }),
    );

    let summary = node(
        "amplify",
        json!({
            "endpoint": server.url(), "region": REGION, "userPoolId": federated.app.pool,
            "userPoolClientId": federated.app.client_id, "identityPoolId": pool_id,
            "username": "alice", "password": "Passw0rd!x", "s3Endpoint": aws.endpoint,
            "bucket": "uploads", "key": "hello.txt", "body": "uploaded from the front end",
        }),
    )
    .await;
    assert_eq!(summary["signedIn"], true, "{summary}");
    let identity_id = summary["identityId"].as_str().unwrap();
    assert!(identity_id.starts_with("us-east-1:"), "{summary}");
    assert_eq!(summary["credentials"]["identityId"], Value::Null);
    assert!(
        summary["credentials"]["accessKeyId"]
            .as_str()
            .unwrap()
            .len()
            >= 16
    );
    assert_eq!(
        summary["uploaded"],
        json!({
            "key": format!("private/{}/hello.txt", identity_id.split(':').nth(1).unwrap()),
            "body": "uploaded from the front end"
        })
    );
    assert_eq!(
        summary["deleteRefused"], "AccessDenied",
        "the role's policy is enforced"
    );
    assert!(
        summary["requests"].as_array().unwrap().contains(&json!(
            "AWSCognitoIdentityService.GetCredentialsForIdentity"
        )),
        "{summary}"
    );
    let described = identity
        .describe_identity()
        .identity_id(identity_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.logins(),
        std::slice::from_ref(&federated.provider)
    );

    // STS refuses a role whose trust names another pool: Cognito's configuration error.
    let guest = identity
        .get_id()
        .identity_pool_id(&pool_id)
        .send()
        .await
        .unwrap()
        .identity_id
        .unwrap();
    assert_eq!(
        identity_error(
            identity
                .get_credentials_for_identity()
                .identity_id(&guest)
                .send()
                .await
        ),
        (
            "InvalidIdentityPoolConfigurationException".to_owned(),
            "Invalid identity pool configuration. Check assigned IAM roles for this pool."
                .to_owned()
        )
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oidc_library_verifies_identity_pool_tokens_through_discovery() {
    if !node_clients() {
        return;
    }
    let server = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let (idp, identity) = (server.client(), identity_client(&server));
    let federated = Federated::new(&idp).await;
    let pool_id = identity_pool(&identity, &federated, false, false).await;
    let issued = identity
        .get_open_id_token_for_developer_identity()
        .identity_pool_id(&pool_id)
        .logins("login.example.app", "oidc-user")
        .send()
        .await
        .unwrap();
    let token = issued.token().unwrap();
    let issuer = format!("{}/cognito-identity", server.url());
    let summary = node(
        "oidc",
        json!({"issuer": issuer, "audience": pool_id, "token": token}),
    )
    .await;
    assert_eq!(summary["issuer"], issuer.as_str(), "{summary}");
    assert_eq!(
        summary["jwksUri"],
        format!("{issuer}/.well-known/jwks_uri").as_str()
    );
    assert_eq!(summary["header"]["alg"], "RS512");
    assert_eq!(summary["claims"]["sub"], issued.identity_id().unwrap());
    assert_eq!(summary["claims"]["aud"], pool_id.as_str());
    assert_eq!(summary["claims"], claims(token));
    assert_eq!(summary["tamperedRejected"], true);
    server.stop().await;
}
