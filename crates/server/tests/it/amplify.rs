//! AWS Amplify JS v6 (`aws-amplify/auth`, run under Node from `interop/amplify.mjs`) against
//! Cognate: the default SRP sign-in, choice-based sign-in (USER_AUTH with an emailed code, and
//! picking the password from the offered first factors), setting up a software token inside a
//! sign-in, and sign-up with a code followed by `autoSignIn`.
//!
//! Each scenario runs on SQLite only: the store is not what they exercise (the SDK tests run
//! the same flows on both backends), Amplify's requests are. CI installs the client and sets
//! COGNATE_REQUIRE_INTEROP=1, so there the tests cannot skip.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, ExplicitAuthFlowsType, SignInPolicyType, UserPoolMfaType, UserPoolPolicyType,
    VerifiedAttributeType,
};
use serde_json::{Value, json};

use crate::interop::interop_dir;
use crate::mfa::{MfaPool, PASSWORD, mfa_app, mfa_user};
use crate::support::flows::{App, AppOptions, app, confirmed_user};
use crate::support::{Backend, Options, TestServer, error_of};

/// Whether Node and Amplify are installed; when they are required and missing, the test fails.
fn amplify_available() -> bool {
    let installed = interop_dir().join("node_modules/aws-amplify").exists()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !installed && std::env::var("COGNATE_REQUIRE_INTEROP").is_ok_and(|v| v == "1") {
        panic!(
            "COGNATE_REQUIRE_INTEROP=1 but node or interop/node_modules/aws-amplify is missing (run `npm ci` in interop/)"
        );
    }
    if !installed {
        eprintln!(
            "skipping: node or interop/node_modules/aws-amplify is missing (run `npm ci` in interop/)"
        );
    }
    installed
}

/// Runs a scenario of `interop/amplify.mjs` against `server`, answering its requests for
/// mailed codes from the SMTP sink, and returns its JSON summary.
async fn run_amplify(server: &TestServer, scenario: &str, app: &App, params: Value) -> Value {
    let mut params = params;
    params["endpoint"] = json!(server.url());
    params["userPoolId"] = json!(app.pool);
    params["userPoolClientId"] = json!(app.client_id);
    let scenario = scenario.to_owned();
    let mail = server.mail.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new("node")
            .arg(interop_dir().join("amplify.mjs"))
            .arg(&scenario)
            .arg(params.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut last = Value::Null;
        for line in stdout.lines() {
            let line = line.unwrap();
            let message: Value = serde_json::from_str(&line)
                .unwrap_or_else(|_| panic!("{scenario}: not JSON on stdout: {line}"));
            if message["need"] == "mailCode" {
                let to = message["to"].as_str().unwrap();
                let n = usize::try_from(message["n"].as_u64().unwrap()).unwrap();
                let mail = runtime.block_on(mail.nth_mail_to(to, n));
                let code = mail.code(8).or_else(|| mail.code(6)).unwrap();
                writeln!(stdin, "{code}").unwrap();
                stdin.flush().unwrap();
            } else {
                last = message;
            }
        }
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{scenario}: node failed: {last} {stderr}"
        );
        last["summary"].clone()
    })
    .await
    .unwrap()
}

/// The access token Amplify holds works against the server, for `username`.
async fn assert_live_tokens(client: &Client, state: &Value, username: &str) {
    assert_eq!(state["username"], username, "{state}");
    assert_eq!(
        state["idTokenPayload"]["cognito:username"], username,
        "{state}"
    );
    assert_eq!(state["accessTokenPayload"]["token_use"], "access");
    assert_eq!(state["userId"], state["accessTokenPayload"]["sub"]);
    let me = client
        .get_user()
        .access_token(state["accessToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), username);
}

fn assert_error(actual: (String, String), type_name: &str, message: &str) {
    assert_eq!((actual.0.as_str(), actual.1.as_str()), (type_name, message));
}

/// A pool allowing password and email-code first factors (email auto-verified), and a client
/// allowing USER_AUTH, SRP and refresh.
async fn choice_app(client: &Client) -> App {
    let pool = client
        .create_user_pool()
        .pool_name("amplify")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .policies(
            UserPoolPolicyType::builder()
                .sign_in_policy(
                    SignInPolicyType::builder()
                        .allowed_first_auth_factors(AuthFactorType::Password)
                        .allowed_first_auth_factors(AuthFactorType::EmailOtp)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let created = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("amplify")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    App {
        pool,
        client_id: created.client_id.unwrap(),
        secret: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplify_signs_in_with_srp() {
    if !amplify_available() {
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
        "amplify-user",
        PASSWORD,
        "amplify@example.com",
    )
    .await;
    let summary = run_amplify(
        &server,
        "srp",
        &app,
        json!({ "username": "amplify-user", "password": PASSWORD }),
    )
    .await;
    assert_eq!(
        summary["signIn"],
        json!({ "isSignedIn": true, "signInStep": "DONE" }),
        "{summary}"
    );
    assert_eq!(
        summary["requests"],
        json!([
            "InitiateAuth:USER_SRP_AUTH",
            "RespondToAuthChallenge:PASSWORD_VERIFIER"
        ]),
        "{summary}"
    );
    assert_eq!(summary["state"]["loginId"], "amplify-user");
    assert_eq!(summary["state"]["authFlowType"], "USER_SRP_AUTH");
    assert_live_tokens(&client, &summary["state"], "amplify-user").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplify_signs_in_with_an_email_code_and_by_choosing_the_password() {
    if !amplify_available() {
        return;
    }
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = choice_app(&client).await;
    confirmed_user(
        &client,
        &app,
        "amplify-choice",
        PASSWORD,
        "choice@example.com",
    )
    .await;
    let summary = run_amplify(
        &server,
        "email-otp",
        &app,
        json!({
            "username": "amplify-choice",
            "password": PASSWORD,
            "email": "choice@example.com",
        }),
    )
    .await;
    let email = &summary["email"];
    assert_eq!(
        email["started"]["signInStep"], "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
        "{summary}"
    );
    assert_eq!(
        email["started"]["codeDeliveryDetails"],
        json!({ "deliveryMedium": "EMAIL", "destination": "c***@e***" }),
        "{summary}"
    );
    assert_eq!(
        email["confirmed"],
        json!({ "isSignedIn": true, "signInStep": "DONE" }),
        "{summary}"
    );
    assert_eq!(
        email["requests"],
        json!(["InitiateAuth:USER_AUTH", "RespondToAuthChallenge:EMAIL_OTP"]),
        "{summary}"
    );
    assert_eq!(email["state"]["authFlowType"], "USER_AUTH");
    assert_eq!(
        email["state"]["idTokenPayload"]["cognito:username"],
        "amplify-choice"
    );
    // signOut revoked its refresh token, and with it the access token.
    assert_eq!(
        email["signOutRequests"],
        json!(["RevokeToken"]),
        "{summary}"
    );
    assert_error(
        error_of(
            client
                .get_user()
                .access_token(email["state"]["accessToken"].as_str().unwrap())
                .send()
                .await,
        ),
        "NotAuthorizedException",
        "Access Token has been revoked",
    );

    let selection = &summary["selection"];
    assert_eq!(
        selection["offered"],
        json!({
            "isSignedIn": false,
            "signInStep": "CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION",
            "availableChallenges": ["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"],
        }),
        "{summary}"
    );
    assert_eq!(
        selection["selected"],
        json!({ "isSignedIn": false, "signInStep": "CONFIRM_SIGN_IN_WITH_PASSWORD" }),
        "{summary}"
    );
    assert_eq!(
        selection["confirmed"],
        json!({ "isSignedIn": true, "signInStep": "DONE" }),
        "{summary}"
    );
    assert_eq!(
        selection["requests"],
        json!([
            "InitiateAuth:USER_AUTH",
            "RespondToAuthChallenge:SELECT_CHALLENGE"
        ]),
        "{summary}"
    );
    assert_live_tokens(&client, &selection["state"], "amplify-choice").await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplify_sets_up_totp_during_sign_in() {
    if !amplify_available() {
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
    mfa_user(&client, &app, "amplify-totp", false).await;
    let summary = run_amplify(
        &server,
        "totp-setup",
        &app,
        json!({ "username": "amplify-totp", "password": PASSWORD }),
    )
    .await;
    assert_eq!(
        summary["started"],
        json!({ "isSignedIn": false, "signInStep": "CONTINUE_SIGN_IN_WITH_TOTP_SETUP" }),
        "{summary}"
    );
    let secret = summary["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "{summary}");
    assert_eq!(
        summary["setupUri"],
        format!("otpauth://totp/Cognate:amplify-totp?secret={secret}&issuer=Cognate"),
    );
    assert_eq!(
        summary["confirmed"],
        json!({ "isSignedIn": true, "signInStep": "DONE" }),
        "{summary}"
    );
    assert_eq!(
        summary["requests"],
        json!([
            "InitiateAuth:USER_SRP_AUTH",
            "RespondToAuthChallenge:PASSWORD_VERIFIER",
            "AssociateSoftwareToken",
            "VerifySoftwareToken",
            "RespondToAuthChallenge:MFA_SETUP"
        ]),
        "{summary}"
    );
    assert_live_tokens(&client, &summary["state"], "amplify-totp").await;
    let user = client
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username("amplify-totp")
        .send()
        .await
        .unwrap();
    assert_eq!(user.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplify_signs_up_confirms_and_signs_in_automatically() {
    if !amplify_available() {
        return;
    }
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = choice_app(&client).await;
    let summary = run_amplify(
        &server,
        "sign-up",
        &app,
        json!({
            "username": "amplify-newcomer",
            "password": PASSWORD,
            "email": "newcomer@example.com",
        }),
    )
    .await;
    assert_eq!(summary["signUp"]["isSignUpComplete"], false, "{summary}");
    assert_eq!(summary["signUp"]["signUpStep"], "CONFIRM_SIGN_UP");
    assert_eq!(
        summary["signUp"]["codeDeliveryDetails"],
        json!({ "deliveryMedium": "EMAIL", "destination": "n***@e***", "attributeName": "email" }),
        "{summary}"
    );
    assert_eq!(
        summary["confirmSignUp"],
        json!({ "isSignUpComplete": true, "signUpStep": "COMPLETE_AUTO_SIGN_IN" }),
        "{summary}"
    );
    assert_eq!(
        summary["autoSignIn"],
        json!({ "isSignedIn": true, "signInStep": "DONE" }),
        "{summary}"
    );
    assert_eq!(
        summary["requests"],
        json!(["SignUp", "ConfirmSignUp", "InitiateAuth:USER_AUTH"]),
        "{summary}"
    );
    assert_eq!(summary["state"]["userId"], summary["signUp"]["userId"]);
    assert_live_tokens(&client, &summary["state"], "amplify-newcomer").await;
    server.stop().await;
}
