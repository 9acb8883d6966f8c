//! Sign-in flows through the AWS SDK: SRP, password, admin password, NEW_PASSWORD_REQUIRED,
//! refresh with and without rotation, client rules, lockout and hidden user existence.

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, MessageActionType};

use crate::on_both_backends;
use crate::support::error_of;
use crate::support::flows::{
    self, App, AppOptions, app, attr, confirmed_user, password_sign_in, srp_sign_in,
};

on_both_backends!(srp_sign_in_issues_tokens, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "alice", "Passw0rd!", "alice@example.com").await;
    let result = srp_sign_in(&client, &app, "alice", "Passw0rd!")
        .await
        .unwrap();
    let tokens = result.authentication_result().unwrap();
    assert_eq!(tokens.token_type(), Some("Bearer"));
    assert_eq!(tokens.expires_in(), 3600);
    assert!(tokens.refresh_token().is_some());
    let id = flows::claims(tokens.id_token().unwrap());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["token_use"], "id");
    let (code, message) = error_of(srp_sign_in(&client, &app, "alice", "Wr0ng-Passw0rd!").await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Incorrect username or password.")
    );
});

on_both_backends!(
    srp_works_with_a_client_secret_and_email_usernames,
    |server| {
        let client = server.client();
        let pool = client
            .create_user_pool()
            .pool_name("email")
            .username_attributes(
                aws_sdk_cognitoidentityprovider::types::UsernameAttributeType::Email,
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
            .client_name("confidential")
            .generate_secret(true)
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        let app = App {
            pool,
            client_id: created.client_id.unwrap(),
            secret: created.client_secret,
        };
        client
            .admin_create_user()
            .user_pool_id(&app.pool)
            .username("eve@example.com")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        client
            .admin_set_user_password()
            .user_pool_id(&app.pool)
            .username("eve@example.com")
            .password("Passw0rd!")
            .permanent(true)
            .send()
            .await
            .unwrap();
        let result = srp_sign_in(&client, &app, "eve@example.com", "Passw0rd!")
            .await
            .unwrap();
        let id = flows::claims(result.authentication_result().unwrap().id_token().unwrap());
        assert_eq!(id["email"], "eve@example.com");
        assert_eq!(
            id["cognito:username"], id["sub"],
            "the internal username is the sub"
        );
        let without_hash = client
            .initiate_auth()
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::UserSrpAuth)
            .auth_parameters("USERNAME", "eve@example.com")
            .auth_parameters("SRP_A", "abcdef")
            .send()
            .await;
        let (code, message) = error_of(without_hash);
        assert_eq!(code, "NotAuthorizedException");
        assert_eq!(
            message,
            format!(
                "Client {} is configured for secret but secret was not received",
                app.client_id
            )
        );
        let wrong_hash = client
            .initiate_auth()
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::UserSrpAuth)
            .auth_parameters("USERNAME", "eve@example.com")
            .auth_parameters("SRP_A", "abcdef")
            .auth_parameters("SECRET_HASH", "AAAA")
            .send()
            .await;
        let (code, message) = error_of(wrong_hash);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "NotAuthorizedException",
                format!("Unable to verify secret hash for client {}", app.client_id).as_str()
            )
        );
    }
);

on_both_backends!(a_password_verifier_answer_cannot_be_replayed, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "rita", "Passw0rd!", "rita@example.com").await;
    let mut a = [7u8; 128];
    a[0] = 1;
    let big_a = cognate_crypto::srp::client_ephemeral(&a).unwrap();
    let challenge = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", "rita")
        .auth_parameters("SRP_A", cognate_crypto::srp::to_hex(&big_a))
        .send()
        .await
        .unwrap();
    let params = challenge.challenge_parameters().unwrap();
    let salt = hex::decode(&params["SALT"]).unwrap();
    let big_b = cognate_crypto::srp::parse_hex(&params["SRP_B"]).unwrap();
    let key = cognate_crypto::srp::client_session_key(
        app.pool_name(),
        "rita",
        "Passw0rd!",
        &salt,
        &big_a,
        &big_b,
        &a,
    )
    .unwrap();
    let timestamp = cognate_crypto::srp::format_timestamp(flows::now_secs());
    use base64::Engine;
    let block = base64::engine::general_purpose::STANDARD
        .decode(&params["SECRET_BLOCK"])
        .unwrap();
    let signature = cognate_crypto::srp::password_claim_signature(
        &key,
        app.pool_name(),
        "rita",
        &block,
        &timestamp,
    );
    flows::respond_password_verifier(
        &client,
        &app,
        "rita",
        &params["SECRET_BLOCK"],
        &timestamp,
        &signature,
    )
    .await
    .unwrap();
    let replay = flows::respond_password_verifier(
        &client,
        &app,
        "rita",
        &params["SECRET_BLOCK"],
        &timestamp,
        &signature,
    )
    .await;
    let (code, message) = error_of(replay);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NotAuthorizedException",
            "Invalid session for the user, session is expired."
        )
    );
    let forged =
        flows::respond_password_verifier(&client, &app, "rita", "Zm9yZ2Vk", &timestamp, &signature)
            .await;
    let (code, _) = error_of(forged);
    assert_eq!(code, "NotAuthorizedException");
});

on_both_backends!(
    password_flows_follow_the_clients_explicit_auth_flows,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "bob", "Passw0rd!", "bob@example.com").await;
        let tokens = flows::tokens(&client, &app, "bob", "Passw0rd!").await;
        assert!(tokens.access_token().is_some());
        let admin = client
            .admin_initiate_auth()
            .user_pool_id(&app.pool)
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "bob")
            .auth_parameters("PASSWORD", "Passw0rd!")
            .send()
            .await
            .unwrap();
        assert!(admin.authentication_result().unwrap().id_token().is_some());
        let srp_only = client
            .create_user_pool_client()
            .user_pool_id(&app.pool)
            .client_name("srp-only")
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        let other = App {
            pool: app.pool.clone(),
            client_id: srp_only.client_id.unwrap(),
            secret: None,
        };
        let (code, message) = error_of(password_sign_in(&client, &other, "bob", "Passw0rd!").await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidParameterException",
                "USER_PASSWORD_AUTH flow not enabled for this client"
            )
        );
        let (code, message) = error_of(
            client
                .initiate_auth()
                .client_id(&app.client_id)
                .auth_flow(AuthFlowType::AdminUserPasswordAuth)
                .auth_parameters("USERNAME", "bob")
                .auth_parameters("PASSWORD", "Passw0rd!")
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidParameterException",
                "Initiate Auth method not supported."
            )
        );
        let (code, message) = error_of(
            client
                .initiate_auth()
                .client_id(&app.client_id)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "bob")
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidParameterException",
                "Missing required parameter PASSWORD"
            )
        );
        let (code, message) = error_of(
            client
                .initiate_auth()
                .client_id("nosuchclient")
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "ResourceNotFoundException",
                "User pool client nosuchclient does not exist."
            )
        );
    }
);

on_both_backends!(
    user_states_decide_the_outcome_of_a_correct_password,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        confirmed_user(&client, &app, "carl", "Passw0rd!", "carl@example.com").await;
        client
            .admin_disable_user()
            .user_pool_id(&app.pool)
            .username("carl")
            .send()
            .await
            .unwrap();
        let (code, message) = error_of(password_sign_in(&client, &app, "carl", "Passw0rd!").await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotAuthorizedException", "User is disabled.")
        );
        client
            .admin_enable_user()
            .user_pool_id(&app.pool)
            .username("carl")
            .send()
            .await
            .unwrap();
        client
            .admin_reset_user_password()
            .user_pool_id(&app.pool)
            .username("carl")
            .send()
            .await
            .unwrap();
        let (code, message) = error_of(password_sign_in(&client, &app, "carl", "Passw0rd!").await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "PasswordResetRequiredException",
                "Password reset required for the user"
            )
        );
        let signed_up = client
            .sign_up()
            .client_id(&app.client_id)
            .username("dina")
            .password("Passw0rd!")
            .user_attributes(attr("email", "dina@example.com"))
            .send()
            .await
            .unwrap();
        assert!(!signed_up.user_confirmed());
        let (code, message) = error_of(password_sign_in(&client, &app, "dina", "Passw0rd!").await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("UserNotConfirmedException", "User is not confirmed.")
        );
        let (code, message) =
            error_of(password_sign_in(&client, &app, "dina", "Wrong-Passw0rd").await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotAuthorizedException", "Incorrect username or password.")
        );
        let (code, message) =
            error_of(password_sign_in(&client, &app, "nobody", "Passw0rd!").await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("UserNotFoundException", "User does not exist.")
        );
    }
);

on_both_backends!(
    new_password_required_completes_an_admin_created_account,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        client
            .admin_create_user()
            .user_pool_id(&app.pool)
            .username("nina")
            .temporary_password("Temp0rary!")
            .user_attributes(attr("email", "nina@example.com"))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let challenge = password_sign_in(&client, &app, "nina", "Temp0rary!")
            .await
            .unwrap();
        assert_eq!(
            challenge.challenge_name(),
            Some(&ChallengeNameType::NewPasswordRequired)
        );
        let params = challenge.challenge_parameters().unwrap();
        assert_eq!(params["USER_ID_FOR_SRP"], "nina");
        assert_eq!(params["requiredAttributes"], "[]");
        assert!(params["userAttributes"].contains("nina@example.com"));
        let session = challenge.session().unwrap().to_owned();
        let respond = |password: &'static str, session: String| {
            client
                .respond_to_auth_challenge()
                .client_id(&app.client_id)
                .challenge_name(ChallengeNameType::NewPasswordRequired)
                .session(session)
                .challenge_responses("USERNAME", "nina")
                .challenge_responses("NEW_PASSWORD", password)
                .challenge_responses("userAttributes.name", "Nina")
                .send()
        };
        let (code, message) = error_of(respond("weak", session.clone()).await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidPasswordException",
                "Password did not conform with policy: Password not long enough"
            )
        );
        let done = respond("N3w-Passw0rd!", session.clone()).await.unwrap();
        assert!(
            done.authentication_result()
                .unwrap()
                .access_token()
                .is_some()
        );
        let (code, message) = error_of(respond("N3w-Passw0rd!", session).await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "NotAuthorizedException",
                "Invalid session for the user, session is expired."
            )
        );
        let user = client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username("nina")
            .send()
            .await
            .unwrap();
        assert_eq!(user.user_status().unwrap().as_str(), "CONFIRMED");
        assert!(
            user.user_attributes()
                .iter()
                .any(|a| a.name() == "name" && a.value() == Some("Nina"))
        );
        flows::tokens(&client, &app, "nina", "N3w-Passw0rd!").await;
    }
);

on_both_backends!(challenge_sessions_expire, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    client
        .admin_create_user()
        .user_pool_id(&app.pool)
        .username("oscar")
        .temporary_password("Temp0rary!")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let challenge = password_sign_in(&client, &app, "oscar", "Temp0rary!")
        .await
        .unwrap();
    server.clock.advance_secs(4 * 60);
    let late = client
        .respond_to_auth_challenge()
        .client_id(&app.client_id)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(challenge.session().unwrap())
        .challenge_responses("USERNAME", "oscar")
        .challenge_responses("NEW_PASSWORD", "N3w-Passw0rd!")
        .send()
        .await;
    let (code, message) = error_of(late);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NotAuthorizedException",
            "Invalid session for the user, session is expired."
        )
    );
    server.clock.advance_secs(8 * 86_400);
    let (code, message) = error_of(password_sign_in(&client, &app, "oscar", "Temp0rary!").await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NotAuthorizedException",
            "Temporary password has expired and must be reset by an administrator."
        )
    );
});

on_both_backends!(repeated_wrong_passwords_lock_the_user_out, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "lou", "Passw0rd!", "lou@example.com").await;
    for _ in 0..5 {
        let (_, message) =
            error_of(password_sign_in(&client, &app, "lou", "Wrong-Passw0rd1").await);
        assert_eq!(message, "Incorrect username or password.");
    }
    let (code, message) = error_of(password_sign_in(&client, &app, "lou", "Passw0rd!").await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Password attempts exceeded")
    );
    server.clock.advance_secs(2);
    flows::tokens(&client, &app, "lou", "Passw0rd!").await;
    // Eight more failures, each after the previous delay: the lock now lasts 2^(8-5) = 8 s.
    for _ in 0..8 {
        let (_, message) =
            error_of(password_sign_in(&client, &app, "lou", "Wrong-Passw0rd1").await);
        assert_eq!(message, "Incorrect username or password.");
        server.clock.advance_secs(5);
    }
    server.clock.advance_secs(-5);
    let (_, message) = error_of(password_sign_in(&client, &app, "lou", "Passw0rd!").await);
    assert_eq!(message, "Password attempts exceeded");
    server.clock.advance_secs(5);
    let (_, message) = error_of(password_sign_in(&client, &app, "lou", "Passw0rd!").await);
    assert_eq!(
        message, "Password attempts exceeded",
        "the delay grows with every failure"
    );
    server.clock.advance_secs(4);
    flows::tokens(&client, &app, "lou", "Passw0rd!").await;
});

on_both_backends!(
    hidden_existence_answers_unknown_users_like_wrong_passwords,
    |server| {
        let client = server.client();
        let app = app(
            &client,
            AppOptions {
                hide_existence: true,
                ..AppOptions::default()
            },
        )
        .await;
        confirmed_user(&client, &app, "known", "Passw0rd!", "known@example.com").await;
        let (code_a, message_a) =
            error_of(password_sign_in(&client, &app, "unknown", "Passw0rd!").await);
        let (code_b, message_b) =
            error_of(password_sign_in(&client, &app, "known", "Wrong-Passw0rd1").await);
        assert_eq!(
            (code_a.as_str(), message_a.as_str()),
            (code_b.as_str(), message_b.as_str())
        );
        assert_eq!(message_a, "Incorrect username or password.");
        let challenge = |name: &'static str| {
            let a = [3u8; 64];
            let big_a = cognate_crypto::srp::client_ephemeral(&a).unwrap();
            client
                .initiate_auth()
                .client_id(&app.client_id)
                .auth_flow(AuthFlowType::UserSrpAuth)
                .auth_parameters("USERNAME", name)
                .auth_parameters("SRP_A", cognate_crypto::srp::to_hex(&big_a))
                .send()
        };
        let ghost_1 = challenge("ghost").await.unwrap();
        let ghost_2 = challenge("ghost").await.unwrap();
        let params_1 = ghost_1.challenge_parameters().unwrap();
        let params_2 = ghost_2.challenge_parameters().unwrap();
        assert_eq!(
            params_1["SALT"], params_2["SALT"],
            "a stable salt for the same unknown name"
        );
        assert_ne!(
            params_1["SRP_B"], params_2["SRP_B"],
            "a fresh B each time, as for real users"
        );
        assert_eq!(params_1["USER_ID_FOR_SRP"], "ghost");
        let (code, message) = error_of(srp_sign_in(&client, &app, "ghost", "Passw0rd!").await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("NotAuthorizedException", "Incorrect username or password.")
        );
        let forgot = client
            .forgot_password()
            .client_id(&app.client_id)
            .username("ghost")
            .send()
            .await
            .unwrap();
        assert!(
            forgot.code_delivery_details().is_some(),
            "a simulated delivery for an unknown user"
        );
    }
);

on_both_backends!(refresh_tokens_renew_and_rotate, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "ray", "Passw0rd!", "ray@example.com").await;
    let first = flows::tokens(&client, &app, "ray", "Passw0rd!").await;
    let refresh = first.refresh_token().unwrap().to_owned();
    server.clock.advance_secs(2);
    let renewed = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    assert!(
        renewed.refresh_token().is_none(),
        "no new refresh token without rotation"
    );
    let (old, new) = (
        flows::claims(first.access_token().unwrap()),
        flows::claims(renewed.access_token().unwrap()),
    );
    assert_eq!(old["origin_jti"], new["origin_jti"]);
    assert_eq!(old["auth_time"], new["auth_time"]);
    assert_ne!(old["jti"], new["jti"]);
    let (code, message) = error_of(
        client
            .initiate_auth()
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", "garbage")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Invalid Refresh Token")
    );

    let rotating = flows::app(
        &client,
        AppOptions {
            rotation: true,
            ..AppOptions::default()
        },
    )
    .await;
    confirmed_user(&client, &rotating, "rob", "Passw0rd!", "rob@example.com").await;
    let start = flows::tokens(&client, &rotating, "rob", "Passw0rd!").await;
    let original = start.refresh_token().unwrap().to_owned();
    let rotated = client
        .get_tokens_from_refresh_token()
        .client_id(&rotating.client_id)
        .refresh_token(&original)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    let next = rotated.refresh_token().unwrap().to_owned();
    assert_ne!(next, original);
    client
        .get_tokens_from_refresh_token()
        .client_id(&rotating.client_id)
        .refresh_token(&original)
        .send()
        .await
        .unwrap();
    server.clock.advance_secs(11);
    let (code, message) = error_of(
        client
            .get_tokens_from_refresh_token()
            .client_id(&rotating.client_id)
            .refresh_token(&original)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "RefreshTokenReuseException",
            "The refresh token has already been used."
        )
    );
    let (code, message) = error_of(
        client
            .get_tokens_from_refresh_token()
            .client_id(&rotating.client_id)
            .refresh_token(&next)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Refresh Token has been revoked"),
        "reuse after the grace period ends the whole session"
    );

    // A wrong SECRET_HASH is refused before the token is rotated: the same token still
    // works afterwards, even once a rotation's grace period would have ended.
    let guarded = flows::app(
        &client,
        AppOptions {
            rotation: true,
            secret: true,
            ..AppOptions::default()
        },
    )
    .await;
    confirmed_user(&client, &guarded, "gus", "Passw0rd!", "gus@example.com").await;
    let start = flows::tokens(&client, &guarded, "gus", "Passw0rd!").await;
    let token = start.refresh_token().unwrap().to_owned();
    let refresh = |hash: String| {
        client
            .initiate_auth()
            .client_id(&guarded.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &token)
            .auth_parameters("SECRET_HASH", hash)
            .send()
    };
    let (code, message) = error_of(refresh("d3JvbmcgaGFzaA==".to_owned()).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NotAuthorizedException",
            format!(
                "Unable to verify secret hash for client {}",
                guarded.client_id
            )
            .as_str()
        )
    );
    server.clock.advance_secs(11);
    refresh(guarded.secret_hash("gus").unwrap())
        .await
        .expect("the refused attempt rotated nothing");
});
