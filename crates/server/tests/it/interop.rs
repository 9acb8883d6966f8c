//! Third-party clients against Cognate: amazon-cognito-identity-js (run under Node from
//! `interop/`) signs in with SRP until it has hit the case where `u` starts with a zero byte.
//! CI installs the client and sets COGNATE_REQUIRE_INTEROP=1, so there the test cannot skip.

use std::path::PathBuf;
use std::process::Command;

use crate::support::flows::{AppOptions, app, confirmed_user};
use crate::support::{Backend, Options, TestServer};

pub(crate) fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop")
}

/// Whether the Node client is installed; when it is required and missing, the test fails.
fn node_client_available() -> bool {
    let installed = interop_dir()
        .join("node_modules/amazon-cognito-identity-js")
        .exists()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !installed && std::env::var("COGNATE_REQUIRE_INTEROP").is_ok_and(|v| v == "1") {
        panic!(
            "COGNATE_REQUIRE_INTEROP=1 but node or interop/node_modules is missing (run `npm ci` in interop/)"
        );
    }
    installed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amazon_cognito_identity_js_signs_in_with_srp() {
    if !node_client_available() {
        eprintln!("skipping: node or interop/node_modules is missing (run `npm ci` in interop/)");
        return;
    }
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(
        &client,
        &app,
        "interop-user",
        "Interop-Passw0rd!",
        "interop@example.com",
    )
    .await;
    let endpoint = format!("{}/", server.url());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(interop_dir().join("srp-sign-in.cjs"))
            .args([
                &endpoint,
                &app.pool,
                &app.client_id,
                "interop-user",
                "Interop-Passw0rd!",
                "3",
                "3000",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node failed: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(
        summary["zeroLeadingU"].as_u64().unwrap() >= 1,
        "never hit u with a leading zero byte: {summary}"
    );
    assert_eq!(
        summary["idTokenPayload"]["cognito:username"],
        "interop-user"
    );
    let me = client
        .get_user()
        .access_token(summary["accessToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), "interop-user");
    eprintln!(
        "amazon-cognito-identity-js: {} sign-ins, {} with a zero-leading u",
        summary["signIns"], summary["zeroLeadingU"]
    );
    server.stop().await;
}

/// The AWS CLI command: `aws`, or what COGNATE_AWS_CLI says (e.g. `python3 -m awscli`).
pub(crate) fn aws_cli() -> Command {
    let line = std::env::var("COGNATE_AWS_CLI").unwrap_or_else(|_| "aws".to_owned());
    let mut words = line.split_whitespace();
    let mut command = Command::new(words.next().unwrap_or("aws"));
    command.args(words);
    command
}

/// Whether the AWS CLI is installed; when interop is required and it is missing, the test fails.
pub(crate) fn aws_cli_available() -> bool {
    let installed = aws_cli()
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed && std::env::var("COGNATE_REQUIRE_INTEROP").is_ok_and(|v| v == "1") {
        panic!("COGNATE_REQUIRE_INTEROP=1 but the aws CLI is missing (pip install awscli)");
    }
    installed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_creates_and_lists_pools_against_a_dev_server() {
    if !aws_cli_available() {
        eprintln!("skipping: the aws CLI is missing");
        return;
    }
    let server = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let url = server.url();
    let aws = move |args: &[&str]| {
        let output = aws_cli()
            .args([
                "--endpoint-url",
                &url,
                "--region",
                "us-east-1",
                "--output",
                "json",
                "cognito-idp",
            ])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "dummy")
            .env("AWS_SECRET_ACCESS_KEY", "dummy")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let aws = aws.clone();
        move || aws(&["create-user-pool", "--pool-name", "from-the-cli"])
    })
    .await
    .unwrap();
    assert!(ok, "{stderr}");
    let created: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(created["UserPool"]["Name"], "from-the-cli");
    let (ok, stdout, stderr) = tokio::task::spawn_blocking({
        let aws = aws.clone();
        move || aws(&["list-user-pools", "--max-results", "10"])
    })
    .await
    .unwrap();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("from-the-cli"));
    let (ok, _, stderr) = tokio::task::spawn_blocking(move || {
        aws(&[
            "describe-user-pool",
            "--user-pool-id",
            "us-east-1_Missing00",
        ])
    })
    .await
    .unwrap();
    assert!(!ok);
    assert!(stderr.contains("ResourceNotFoundException"), "{stderr}");
    server.stop().await;
}

/// Runs a scenario of `interop/mfa-devices.cjs` and returns its JSON summary.
async fn run_mfa_scenario(
    scenario: &str,
    server: &TestServer,
    app: &crate::support::flows::App,
    username: &str,
) -> serde_json::Value {
    let args = [
        scenario.to_owned(),
        format!("{}/", server.url()),
        app.pool.clone(),
        app.client_id.clone(),
        username.to_owned(),
        crate::mfa::PASSWORD.to_owned(),
    ];
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(interop_dir().join("mfa-devices.cjs"))
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node failed: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

/// Issue 4: amazon-cognito-identity-js enrols a software token with its access token, answers
/// SOFTWARE_TOKEN_MFA, confirms and remembers its device, and then signs in through device
/// SRP without a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amazon_cognito_identity_js_uses_totp_and_device_srp() {
    use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;
    use serde_json::json;

    use crate::mfa::{MfaPool, mfa_app, mfa_user};
    if !node_client_available() {
        eprintln!("skipping: node or interop/node_modules is missing (run `npm ci` in interop/)");
        return;
    }
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = mfa_app(
        &client,
        MfaPool {
            mode: Some(UserPoolMfaType::Optional),
            totp: true,
            devices: Some((true, true)),
            ..MfaPool::default()
        },
    )
    .await;
    mfa_user(&client, &app, "js-user", false).await;
    let summary = run_mfa_scenario("totp-devices", &server, &app, "js-user").await;
    let device_key = summary["deviceKey"].as_str().unwrap().to_owned();
    assert!(device_key.starts_with("us-east-1_"), "{summary}");
    assert_eq!(summary["firstConfirmationNecessary"], true, "{summary}");
    assert_eq!(summary["firstTokenDeviceKey"], device_key.as_str());
    assert_eq!(
        summary["wrongCode"],
        json!({
            "code": "EnableSoftwareTokenMFAException",
            "message": "Code mismatch and fail enable Software Token MFA"
        })
    );
    assert_eq!(summary["verifyStatus"], "SUCCESS");
    assert_eq!(
        summary["withCode"]["challenges"],
        json!(["SOFTWARE_TOKEN_MFA"])
    );
    assert_eq!(summary["withCode"]["deviceKey"], device_key.as_str());
    assert_eq!(summary["withDevice"]["challenges"], json!([]));
    assert_eq!(summary["withDevice"]["deviceKey"], device_key.as_str());
    assert_eq!(
        summary["withDevice"]["requests"],
        json!([
            "InitiateAuth",
            "RespondToAuthChallenge:PASSWORD_VERIFIER",
            "RespondToAuthChallenge:DEVICE_SRP_AUTH",
            "RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER"
        ]),
        "{summary}"
    );
    assert_eq!(summary["devices"], json!([device_key]));
    let user = client
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username("js-user")
        .send()
        .await
        .unwrap();
    assert_eq!(user.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    server.stop().await;
}

/// Issue 4: amazon-cognito-identity-js sets up a software token inside a sign-in when the pool
/// requires MFA (MFA_SETUP with Session-authorised AssociateSoftwareToken and
/// VerifySoftwareToken), then answers SOFTWARE_TOKEN_MFA.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amazon_cognito_identity_js_sets_up_totp_during_sign_in() {
    use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;
    use serde_json::json;

    use crate::mfa::{MfaPool, mfa_app, mfa_user};
    if !node_client_available() {
        eprintln!("skipping: node or interop/node_modules is missing (run `npm ci` in interop/)");
        return;
    }
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = mfa_app(
        &client,
        MfaPool {
            mode: Some(UserPoolMfaType::On),
            totp: true,
            ..MfaPool::default()
        },
    )
    .await;
    mfa_user(&client, &app, "js-setup", false).await;
    let summary = run_mfa_scenario("mfa-setup", &server, &app, "js-setup").await;
    assert_eq!(summary["challenges"], json!(["MFA_SETUP"]), "{summary}");
    assert_eq!(summary["username"], "js-setup");
    assert_eq!(summary["secretLength"], 32);
    assert_eq!(
        summary["next"]["challenges"],
        json!(["SOFTWARE_TOKEN_MFA"]),
        "{summary}"
    );
    server.stop().await;
}
