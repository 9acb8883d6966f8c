//! Triggers: Cognito's Lambda event contract delivered to real HTTP functions on loopback
//! (webhooks and the Lambda Invoke API), every trigger source the flows reach, and every
//! failure mode with its exact error.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, CustomEmailLambdaVersionConfigType,
    CustomEmailSenderLambdaVersionType, ExplicitAuthFlowsType, LambdaConfigType, MessageActionType,
    PreTokenGenerationLambdaVersionType, PreTokenGenerationVersionConfigType,
    VerifiedAttributeType,
};
use base64::Engine;
use serde_json::json;

use crate::on_both_backends;
use crate::support::error_of;
use crate::support::flows::{self, App, attr, confirmed_user};
use crate::support::sinks::arn;

/// A pool with these triggers (email auto-verified) and a client allowing every flow.
async fn app_with(client: &Client, lambda: LambdaConfigType) -> App {
    let pool = client
        .create_user_pool()
        .pool_name("triggers")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .lambda_config(lambda)
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
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowCustomAuth)
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

fn sign_up<'a>(
    client: &'a Client,
    app: &'a App,
    username: &'a str,
) -> aws_sdk_cognitoidentityprovider::operation::sign_up::builders::SignUpFluentBuilder {
    client
        .sign_up()
        .client_id(&app.client_id)
        .username(username)
        .password("Passw0rd!")
        .user_attributes(attr("email", &format!("{username}@example.com")))
        .validation_data(attr("invite", "X1"))
        .client_metadata("from", "test")
}

on_both_backends!(
    pre_sign_up_sees_cognitos_event_and_can_confirm_and_verify,
    |server| {
        let client = server.client();
        let app = app_with(
            &client,
            LambdaConfigType::builder()
                .pre_sign_up(arn("pre-sign-up"))
                .build(),
        )
        .await;
        server.triggers.respond(
            "pre-sign-up",
            json!({ "autoConfirmUser": true, "autoVerifyEmail": true }),
        );
        let signed_up = sign_up(&client, &app, "ann").send().await.unwrap();
        assert!(signed_up.user_confirmed());
        assert!(
            signed_up.code_delivery_details().is_none(),
            "no code for an auto-confirmed user"
        );
        let calls = server.triggers.calls("pre-sign-up");
        assert_eq!(calls.len(), 1);
        let event = &calls[0].event;
        assert!(calls[0].signed, "webhook calls carry a valid signature");
        assert_eq!(event["version"], "1");
        assert_eq!(event["triggerSource"], "PreSignUp_SignUp");
        assert_eq!(event["region"], "us-east-1");
        assert_eq!(event["userPoolId"], app.pool.as_str());
        assert_eq!(event["userName"], "ann");
        assert_eq!(event["callerContext"]["clientId"], app.client_id.as_str());
        assert_eq!(
            event["request"]["userAttributes"]["email"],
            "ann@example.com"
        );
        assert_eq!(event["request"]["validationData"]["invite"], "X1");
        assert_eq!(event["request"]["clientMetadata"]["from"], "test");
        assert_eq!(
            event["response"],
            json!({ "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false })
        );
        let user = client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username("ann")
            .send()
            .await
            .unwrap();
        assert_eq!(user.user_status().unwrap().as_str(), "CONFIRMED");
        assert!(
            user.user_attributes()
                .iter()
                .any(|a| a.name() == "email_verified" && a.value() == Some("true"))
        );
        flows::tokens(
            &client,
            &App {
                secret: None,
                ..app
            },
            "ann",
            "Passw0rd!",
        )
        .await;
    }
);

on_both_backends!(a_failing_pre_sign_up_leaves_no_user_behind, |server| {
    let client = server.client();
    let app = app_with(
        &client,
        LambdaConfigType::builder()
            .pre_sign_up(arn("pre-sign-up"))
            .build(),
    )
    .await;
    server
        .triggers
        .fail("pre-sign-up", "Invitation code is wrong");
    let (code, message) = error_of(sign_up(&client, &app, "bob").send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "UserLambdaValidationException",
            "PreSignUp failed with error Invitation code is wrong."
        )
    );
    let (code, _) = error_of(
        client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username("bob")
            .send()
            .await,
    );
    assert_eq!(code, "UserNotFoundException");
    let (code, message) = error_of(
        client
            .admin_create_user()
            .user_pool_id(&app.pool)
            .username("bob")
            .message_action(MessageActionType::Suppress)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "UserLambdaValidationException",
            "PreSignUp failed with error Invitation code is wrong."
        )
    );
    assert_eq!(
        server.triggers.calls("pre-sign-up")[1].event["triggerSource"],
        "PreSignUp_AdminCreateUser"
    );
});

on_both_backends!(failure_modes_map_to_cognitos_exceptions, |server| {
    let client = server.client();
    let cases = [
        (
            "pre-sign-up",
            (599u16, String::new()),
            "UnexpectedLambdaException",
            "PreSignUp invocation failed due to error Socket timeout while invoking Lambda function.",
        ),
        (
            "pre-sign-up",
            (200, "this is not JSON".to_owned()),
            "InvalidLambdaResponseException",
            "Unrecognizable lambda output",
        ),
        (
            "pre-sign-up",
            (200, r#"{"response": 42}"#.to_owned()),
            "InvalidLambdaResponseException",
            "Unrecognizable lambda output",
        ),
        (
            "pre-sign-up",
            (
                200,
                r#"{"response": {"autoConfirmUser": "yes"}}"#.to_owned(),
            ),
            "InvalidLambdaResponseException",
            "Unrecognizable lambda output",
        ),
    ];
    for (i, (function, answer, expected_code, expected_message)) in cases.into_iter().enumerate() {
        let app = app_with(
            &client,
            LambdaConfigType::builder()
                .pre_sign_up(arn(function))
                .build(),
        )
        .await;
        let answer = answer.clone();
        server.triggers.on(function, move |_| answer.clone());
        let username = format!("user{i}");
        let (code, message) = error_of(sign_up(&client, &app, &username).send().await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (expected_code, expected_message),
            "case {i}"
        );
        let (code, _) = error_of(
            client
                .admin_get_user()
                .user_pool_id(&app.pool)
                .username(&username)
                .send()
                .await,
        );
        assert_eq!(code, "UserNotFoundException", "case {i} left a user behind");
    }
    let app = app_with(
        &client,
        LambdaConfigType::builder()
            .pre_sign_up(arn("unreachable"))
            .build(),
    )
    .await;
    let (code, message) = error_of(sign_up(&client, &app, "zed").send().await);
    assert_eq!(code, "UnexpectedLambdaException");
    assert!(
        message.starts_with("PreSignUp invocation failed due to error"),
        "{message}"
    );
});

on_both_backends!(
    the_lambda_invoke_api_style_reports_errors_like_lambda,
    |server| {
        let client = server.client();
        let app = app_with(
            &client,
            LambdaConfigType::builder()
                .pre_sign_up(arn("lambda-style"))
                .build(),
        )
        .await;
        sign_up(&client, &app, "lia").send().await.unwrap();
        assert_eq!(
            server.triggers.calls("lambda-style")[0].event["triggerSource"],
            "PreSignUp_SignUp"
        );
        server.triggers.fail("lambda-style", "blocked");
        let (code, message) = error_of(sign_up(&client, &app, "lib").send().await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "UserLambdaValidationException",
                "PreSignUp failed with error blocked."
            )
        );
    }
);

on_both_backends!(
    custom_messages_rewrite_codes_and_post_confirmation_follows,
    |server| {
        let client = server.client();
        let app = app_with(
            &client,
            LambdaConfigType::builder()
                .custom_message(arn("custom-message"))
                .post_confirmation(arn("post-confirmation"))
                .build(),
        )
        .await;
        server.triggers.respond(
        "custom-message",
        json!({ "emailSubject": "Welcome aboard", "emailMessage": "Hello! Your code: {####}", "smsMessage": "Code {####}" }),
    );
        sign_up(&client, &app, "cat").send().await.unwrap();
        let mail = server.mail.mail_to("cat@example.com").await;
        assert_eq!(mail.header("Subject").as_deref(), Some("Welcome aboard"));
        let code = mail.code(6).unwrap();
        assert!(mail.data.contains(&format!("Hello! Your code: {code}")));
        let call = &server.triggers.calls("custom-message")[0];
        assert_eq!(call.event["triggerSource"], "CustomMessage_SignUp");
        assert_eq!(call.event["request"]["codeParameter"], "{####}");
        client
            .confirm_sign_up()
            .client_id(&app.client_id)
            .username("cat")
            .confirmation_code(&code)
            .send()
            .await
            .unwrap();
        let confirmed = &server.triggers.calls("post-confirmation")[0];
        assert_eq!(
            confirmed.event["triggerSource"],
            "PostConfirmation_ConfirmSignUp"
        );
        assert_eq!(
            confirmed.event["request"]["userAttributes"]["cognito:user_status"],
            "CONFIRMED"
        );
        client
            .forgot_password()
            .client_id(&app.client_id)
            .username("cat")
            .send()
            .await
            .unwrap();
        assert_eq!(
            server.triggers.calls("custom-message")[1].event["triggerSource"],
            "CustomMessage_ForgotPassword"
        );
        server
            .triggers
            .respond("custom-message", json!({ "emailMessage": "no code here" }));
        let (code, _) = error_of(
            client
                .forgot_password()
                .client_id(&app.client_id)
                .username("cat")
                .send()
                .await,
        );
        assert_eq!(
            code, "InvalidLambdaResponseException",
            "a message without the code is refused"
        );
    }
);

on_both_backends!(pre_and_post_authentication_run_around_sign_in, |server| {
    let client = server.client();
    let app = app_with(
        &client,
        LambdaConfigType::builder()
            .pre_authentication(arn("pre-auth"))
            .post_authentication(arn("post-auth"))
            .build(),
    )
    .await;
    confirmed_user(&client, &app, "dan", "Passw0rd!", "dan@example.com").await;
    flows::tokens(&client, &app, "dan", "Passw0rd!").await;
    assert_eq!(
        server.triggers.calls("pre-auth")[0].event["triggerSource"],
        "PreAuthentication_Authentication"
    );
    assert_eq!(
        server.triggers.calls("post-auth")[0].event["triggerSource"],
        "PostAuthentication_Authentication"
    );
    flows::srp_sign_in(&client, &app, "dan", "Passw0rd!")
        .await
        .unwrap();
    assert_eq!(server.triggers.calls("pre-auth").len(), 2);
    server.triggers.fail("pre-auth", "Not during maintenance");
    let (code, message) =
        error_of(flows::password_sign_in(&client, &app, "dan", "Passw0rd!").await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "UserLambdaValidationException",
            "PreAuthentication failed with error Not during maintenance."
        )
    );
});

on_both_backends!(pre_token_generation_customises_tokens, |server| {
    let client = server.client();
    let v1 = app_with(
        &client,
        LambdaConfigType::builder()
            .pre_token_generation(arn("pre-token"))
            .build(),
    )
    .await;
    confirmed_user(&client, &v1, "eve", "Passw0rd!", "eve@example.com").await;
    server.triggers.respond(
        "pre-token",
        json!({ "claimsOverrideDetails": {
            "claimsToAddOrOverride": { "tenant": "acme", "sub": "forged" },
            "claimsToSuppress": ["email"],
            "groupOverrideDetails": { "groupsToOverride": ["vip"] }
        }}),
    );
    let tokens = flows::tokens(&client, &v1, "eve", "Passw0rd!").await;
    let id = flows::claims(tokens.id_token().unwrap());
    assert_eq!(id["tenant"], "acme");
    assert_ne!(id["sub"], "forged", "reserved claims cannot be overridden");
    assert!(id.get("email").is_none());
    assert_eq!(id["cognito:groups"], json!(["vip"]));
    let event = &server.triggers.calls("pre-token")[0].event;
    assert_eq!(event["triggerSource"], "TokenGeneration_Authentication");
    assert_eq!(event["version"], "1");
    let v2 = app_with(
        &client,
        LambdaConfigType::builder()
            .pre_token_generation_config(
                PreTokenGenerationVersionConfigType::builder()
                    .lambda_version(PreTokenGenerationLambdaVersionType::V20)
                    .lambda_arn(arn("pre-token"))
                    .build()
                    .unwrap(),
            )
            .build(),
    )
    .await;
    confirmed_user(&client, &v2, "fin", "Passw0rd!", "fin@example.com").await;
    server.triggers.respond(
        "pre-token",
        json!({ "claimsAndScopeOverrideDetails": {
            "accessTokenGeneration": { "claimsToAddOrOverride": { "plan": "gold" }, "scopesToAdd": ["api/read"] },
            "idTokenGeneration": { "claimsToAddOrOverride": { "nickname": "Finny" } }
        }}),
    );
    let tokens = flows::tokens(&client, &v2, "fin", "Passw0rd!").await;
    let access = flows::claims(tokens.access_token().unwrap());
    assert_eq!(access["plan"], "gold");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin api/read");
    assert_eq!(
        flows::claims(tokens.id_token().unwrap())["nickname"],
        "Finny"
    );
    let event = server
        .triggers
        .calls("pre-token")
        .last()
        .unwrap()
        .event
        .clone();
    assert_eq!(event["version"], "2");
    assert_eq!(
        event["request"]["scopes"],
        json!(["aws.cognito.signin.user.admin"])
    );
    client
        .initiate_auth()
        .client_id(&v2.client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", tokens.refresh_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.triggers.calls("pre-token").last().unwrap().event["triggerSource"],
        "TokenGeneration_RefreshTokens"
    );
});

on_both_backends!(
    users_migrate_on_first_sign_in_and_on_forgot_password,
    |server| {
        let client = server.client();
        let app = app_with(
            &client,
            LambdaConfigType::builder()
                .user_migration(arn("migrate"))
                .build(),
        )
        .await;
        server.triggers.on("migrate", |event| {
        let mut event = event.clone();
        if event["request"]["password"] == "Legacy-pass1" || event["triggerSource"] == "UserMigration_ForgotPassword" {
            event["response"]["userAttributes"] = json!({ "email": format!("{}@legacy.example.com", event["userName"].as_str().unwrap()), "email_verified": "true" });
            event["response"]["finalUserStatus"] = json!("CONFIRMED");
            (200, event.to_string())
        } else {
            (400, json!({ "errorMessage": "Bad password" }).to_string())
        }
    });
        let (code, message) =
            error_of(flows::password_sign_in(&client, &app, "old-timer", "wrong").await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "UserNotFoundException",
                format!("Exception migrating user in app client {}", app.client_id).as_str()
            )
        );
        let tokens = flows::tokens(&client, &app, "old-timer", "Legacy-pass1").await;
        assert_eq!(
            flows::claims(tokens.id_token().unwrap())["email"],
            "old-timer@legacy.example.com"
        );
        let event = &server.triggers.calls("migrate")[1].event;
        assert_eq!(event["triggerSource"], "UserMigration_Authentication");
        flows::tokens(&client, &app, "old-timer", "Legacy-pass1").await;
        assert_eq!(
            server.triggers.calls("migrate").len(),
            2,
            "a migrated user signs in locally"
        );
        client
            .forgot_password()
            .client_id(&app.client_id)
            .username("forgetful")
            .send()
            .await
            .unwrap();
        assert_eq!(
            server.triggers.calls("migrate")[2].event["triggerSource"],
            "UserMigration_ForgotPassword"
        );
        let user = client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username("forgetful")
            .send()
            .await
            .unwrap();
        assert_eq!(user.user_status().unwrap().as_str(), "RESET_REQUIRED");
        let code = server
            .mail
            .mail_to("forgetful@legacy.example.com")
            .await
            .code(6)
            .unwrap();
        client
            .confirm_forgot_password()
            .client_id(&app.client_id)
            .username("forgetful")
            .confirmation_code(code)
            .password("N3w-Passw0rd!")
            .send()
            .await
            .unwrap();
        flows::tokens(&client, &app, "forgetful", "N3w-Passw0rd!").await;
    }
);

/// A one-time-code challenge: Define asks for CUSTOM_CHALLENGE until one answer is right;
/// Create mails nothing and keeps the code private; Verify compares.
fn otp_functions(server: &crate::support::TestServer) {
    server.triggers.on("define", |event| {
        let mut event = event.clone();
        let session = event["request"]["session"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let last = session.last().cloned().unwrap_or(json!(null));
        if session.len() >= 3 && last["challengeResult"] != true {
            event["response"]["failAuthentication"] = json!(true);
        } else if last["challengeName"] == "CUSTOM_CHALLENGE" && last["challengeResult"] == true {
            event["response"]["issueTokens"] = json!(true);
        } else if last["challengeName"] == "SRP_A" {
            event["response"]["challengeName"] = json!("PASSWORD_VERIFIER");
        } else {
            event["response"]["challengeName"] = json!("CUSTOM_CHALLENGE");
        }
        (200, event.to_string())
    });
    server.triggers.on("create", |event| {
        let mut event = event.clone();
        event["response"]["publicChallengeParameters"] = json!({ "hint": "the answer is 4242" });
        event["response"]["privateChallengeParameters"] = json!({ "answer": "4242" });
        event["response"]["challengeMetadata"] = json!("OTP");
        (200, event.to_string())
    });
    server.triggers.on("verify", |event| {
        let mut event = event.clone();
        let correct = event["request"]["challengeAnswer"]
            == event["request"]["privateChallengeParameters"]["answer"];
        event["response"]["answerCorrect"] = json!(correct);
        (200, event.to_string())
    });
}

fn custom_lambdas() -> LambdaConfigType {
    LambdaConfigType::builder()
        .define_auth_challenge(arn("define"))
        .create_auth_challenge(arn("create"))
        .verify_auth_challenge_response(arn("verify"))
        .build()
}

on_both_backends!(custom_auth_runs_define_create_verify, |server| {
    let client = server.client();
    let app = app_with(&client, custom_lambdas()).await;
    confirmed_user(&client, &app, "gil", "Passw0rd!", "gil@example.com").await;
    otp_functions(server);
    let start = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "gil")
        .send()
        .await
        .unwrap();
    assert_eq!(
        start.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let params = start.challenge_parameters().unwrap();
    assert_eq!(params["hint"], "the answer is 4242");
    assert_eq!(params["USERNAME"], "gil");
    assert!(
        !params.contains_key("answer"),
        "private parameters stay private"
    );
    let answer = |session: String, answer: &'static str| {
        client
            .respond_to_auth_challenge()
            .client_id(&app.client_id)
            .challenge_name(ChallengeNameType::CustomChallenge)
            .session(session)
            .challenge_responses("USERNAME", "gil")
            .challenge_responses("ANSWER", answer)
            .send()
    };
    let wrong = answer(start.session().unwrap().to_owned(), "1111")
        .await
        .unwrap();
    assert_eq!(
        wrong.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge),
        "a wrong answer gets another round"
    );
    let done = answer(wrong.session().unwrap().to_owned(), "4242")
        .await
        .unwrap();
    assert!(
        done.authentication_result()
            .unwrap()
            .access_token()
            .is_some()
    );
    let define_calls = server.triggers.calls("define");
    let session = define_calls.last().unwrap().event["request"]["session"].clone();
    assert_eq!(
        session[0],
        json!({ "challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "OTP" })
    );
    assert_eq!(session[1]["challengeResult"], true);
    let verify = &server.triggers.calls("verify")[0].event;
    assert_eq!(
        verify["request"]["privateChallengeParameters"]["answer"],
        "4242"
    );
    let (code, message) = error_of(answer(start.session().unwrap().to_owned(), "4242").await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NotAuthorizedException",
            "Invalid session for the user, session is expired."
        )
    );
    // Three wrong answers: DefineAuthChallenge fails the flow.
    let mut session = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "gil")
        .send()
        .await
        .unwrap()
        .session
        .unwrap();
    for _ in 0..2 {
        session = answer(session, "0").await.unwrap().session.unwrap();
    }
    let (code, message) = error_of(answer(session, "0").await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Incorrect username or password.")
    );
});

on_both_backends!(custom_auth_can_start_with_srp, |server| {
    let client = server.client();
    let app = app_with(&client, custom_lambdas()).await;
    confirmed_user(&client, &app, "hal", "Passw0rd!", "hal@example.com").await;
    otp_functions(server);
    let a = [9u8; 64];
    let big_a = cognate_crypto::srp::client_ephemeral(&a).unwrap();
    let challenge = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::CustomAuth)
        .auth_parameters("USERNAME", "hal")
        .auth_parameters("CHALLENGE_NAME", "SRP_A")
        .auth_parameters("SRP_A", cognate_crypto::srp::to_hex(&big_a))
        .send()
        .await
        .unwrap();
    assert_eq!(
        challenge.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params = challenge.challenge_parameters().unwrap();
    let salt = hex::decode(&params["SALT"]).unwrap();
    let big_b = cognate_crypto::srp::parse_hex(&params["SRP_B"]).unwrap();
    let key = cognate_crypto::srp::client_session_key(
        app.pool_name(),
        "hal",
        "Passw0rd!",
        &salt,
        &big_a,
        &big_b,
        &a,
    )
    .unwrap();
    let timestamp = cognate_crypto::srp::format_timestamp(flows::now_secs());
    let block = base64::engine::general_purpose::STANDARD
        .decode(&params["SECRET_BLOCK"])
        .unwrap();
    let signature = cognate_crypto::srp::password_claim_signature(
        &key,
        app.pool_name(),
        "hal",
        &block,
        &timestamp,
    );
    let next = flows::respond_password_verifier(
        &client,
        &app,
        "hal",
        &params["SECRET_BLOCK"],
        &timestamp,
        &signature,
    )
    .await
    .unwrap();
    assert_eq!(
        next.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge),
        "after the password, the custom challenge"
    );
    let session =
        server.triggers.calls("define").last().unwrap().event["request"]["session"].clone();
    assert_eq!(session[0]["challengeName"], "SRP_A");
    assert_eq!(session[1]["challengeName"], "PASSWORD_VERIFIER");
    let done = client
        .respond_to_auth_challenge()
        .client_id(&app.client_id)
        .challenge_name(ChallengeNameType::CustomChallenge)
        .session(next.session().unwrap())
        .challenge_responses("USERNAME", "hal")
        .challenge_responses("ANSWER", "4242")
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result().is_some());
});

on_both_backends!(custom_auth_needs_its_three_triggers, |server| {
    let client = server.client();
    let app = app_with(
        &client,
        LambdaConfigType::builder()
            .define_auth_challenge(arn("define"))
            .build(),
    )
    .await;
    let (code, message) = error_of(
        client
            .initiate_auth()
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::CustomAuth)
            .auth_parameters("USERNAME", "x")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidUserPoolConfigurationException",
            "Custom auth lambda trigger is not configured for the user pool."
        )
    );
});

on_both_backends!(custom_email_senders_get_the_code_encrypted, |server| {
    let client = server.client();
    let app = app_with(
        &client,
        LambdaConfigType::builder()
            .custom_email_sender(
                CustomEmailLambdaVersionConfigType::builder()
                    .lambda_version(CustomEmailSenderLambdaVersionType::V10)
                    .lambda_arn(arn("email-sender"))
                    .build()
                    .unwrap(),
            )
            .kms_key_id("arn:aws:kms:us-east-1:123456789012:key/cognate-test")
            .build(),
    )
    .await;
    sign_up(&client, &app, "ida").send().await.unwrap();
    let event = &server.triggers.calls("email-sender")[0].event;
    assert_eq!(event["triggerSource"], "CustomEmailSender_SignUp");
    assert_eq!(event["request"]["type"], "customEmailSenderRequestV1");
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(event["request"]["code"].as_str().unwrap())
        .unwrap();
    let key: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(crate::support::CUSTOM_SENDER_KEY)
        .unwrap()
        .try_into()
        .unwrap();
    let code = cognate_crypto::seal::Sealer::new(key)
        .unwrap()
        .open(cognate_domain::messages::CUSTOM_SENDER_PURPOSE, &sealed)
        .unwrap();
    let code = String::from_utf8(code).unwrap();
    assert_eq!(code.len(), 6);
    client
        .confirm_sign_up()
        .client_id(&app.client_id)
        .username("ida")
        .confirmation_code(code)
        .send()
        .await
        .unwrap();
});

on_both_backends!(
    pre_token_generation_v3_customises_client_credentials_tokens,
    |server| {
        use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};
        let site =
            crate::support::hosted::site(server, crate::support::hosted::SiteOptions::default())
                .await;
        let sdk = server.client();
        sdk.create_resource_server()
            .user_pool_id(&site.pool)
            .identifier("api")
            .name("api")
            .scopes(
                ResourceServerScopeType::builder()
                    .scope_name("read")
                    .scope_description("read")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let (id, secret) = crate::support::hosted::oauth_client(
            &sdk,
            &site.pool,
            true,
            &[OAuthFlowType::ClientCredentials],
            &["api/read"],
        )
        .await;
        sdk.update_user_pool()
            .user_pool_id(&site.pool)
            .lambda_config(
                LambdaConfigType::builder()
                    .pre_token_generation_config(
                        PreTokenGenerationVersionConfigType::builder()
                            .lambda_version(PreTokenGenerationLambdaVersionType::V30)
                            .lambda_arn(arn("pre-token"))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        server.triggers.respond(
        "pre-token",
        json!({ "claimsAndScopeOverrideDetails": {
            "accessTokenGeneration": { "claimsToAddOrOverride": { "machine": "batch-7" }, "scopesToSuppress": [] }
        }}),
    );
        let answer = crate::support::hosted::token_request(
            server,
            &site,
            &[("grant_type", "client_credentials")],
            Some((&id, secret.as_deref().unwrap())),
        )
        .await;
        assert_eq!(answer.0, 200, "{:?}", answer.2);
        let access = flows::claims(answer.2["access_token"].as_str().unwrap());
        assert_eq!(access["machine"], "batch-7");
        let event = server
            .triggers
            .calls("pre-token")
            .last()
            .unwrap()
            .event
            .clone();
        assert_eq!(event["triggerSource"], "TokenGeneration_ClientCredentials");
        assert_eq!(event["version"], "3");
        assert_eq!(event["request"]["scopes"], json!(["api/read"]));
        assert!(event["request"].get("userAttributes").is_none());
    }
);
