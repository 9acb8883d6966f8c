//! Self-service operations through the AWS SDK, with codes read from mail delivered to a real
//! SMTP server on loopback and SMS delivered to a webhook.

use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, DeliveryMediumType, RecoveryOptionNameType, RecoveryOptionType,
    UserAttributeUpdateSettingsType, VerifiedAttributeType,
};

use crate::on_both_backends;
use crate::support::error_of;
use crate::support::flows::{self, AppOptions, app, attr, confirmed_user};

on_both_backends!(
    sign_up_sends_a_code_by_email_and_confirming_enables_sign_in,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        let signed_up = client
            .sign_up()
            .client_id(&app.client_id)
            .username("alice")
            .password("Passw0rd!")
            .user_attributes(attr("email", "alice@example.com"))
            .send()
            .await
            .unwrap();
        assert!(!signed_up.user_confirmed());
        assert_eq!(signed_up.user_sub().len(), 36);
        let details = signed_up.code_delivery_details().unwrap();
        assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
        assert_eq!(details.destination(), Some("a***@e***"));
        assert_eq!(details.attribute_name(), Some("email"));
        let mail = server.mail.mail_to("alice@example.com").await;
        assert_eq!(
            mail.header("Subject").as_deref(),
            Some("Your verification code")
        );
        assert_eq!(mail.from, "no-reply@cognate.test");
        let code = mail.code(6).unwrap();
        let (code_name, message) = error_of(
            client
                .confirm_sign_up()
                .client_id(&app.client_id)
                .username("alice")
                .confirmation_code("000000")
                .send()
                .await,
        );
        assert_eq!(
            (code_name.as_str(), message.as_str()),
            (
                "CodeMismatchException",
                "Invalid verification code provided, please try again."
            )
        );
        client
            .confirm_sign_up()
            .client_id(&app.client_id)
            .username("alice")
            .confirmation_code(&code)
            .send()
            .await
            .unwrap();
        let (code_name, message) = error_of(
            client
                .confirm_sign_up()
                .client_id(&app.client_id)
                .username("alice")
                .confirmation_code(&code)
                .send()
                .await,
        );
        assert_eq!(
            (code_name.as_str(), message.as_str()),
            (
                "NotAuthorizedException",
                "User cannot be confirmed. Current status is CONFIRMED"
            )
        );
        let user = client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username("alice")
            .send()
            .await
            .unwrap();
        assert!(
            user.user_attributes()
                .iter()
                .any(|a| a.name() == "email_verified" && a.value() == Some("true"))
        );
        flows::tokens(&client, &app, "alice", "Passw0rd!").await;
        let (code_name, message) = error_of(
            client
                .sign_up()
                .client_id(&app.client_id)
                .username("alice")
                .password("Passw0rd!")
                .send()
                .await,
        );
        assert_eq!(
            (code_name.as_str(), message.as_str()),
            ("UsernameExistsException", "User already exists")
        );
    }
);

on_both_backends!(sign_up_errors_use_cognitos_wording, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    let (code, message) = error_of(
        client
            .sign_up()
            .client_id(&app.client_id)
            .username("x")
            .password("weak")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidPasswordException",
            "Password did not conform with policy: Password not long enough"
        )
    );
    let (code, message) = error_of(
        client
            .sign_up()
            .client_id(&app.client_id)
            .username("x")
            .password("Passw0rd!")
            .user_attributes(attr("email_verified", "true"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NotAuthorizedException",
            "A client attempted to write unauthorized attribute email_verified"
        )
    );
    let secret = flows::app(
        &client,
        AppOptions {
            secret: true,
            ..AppOptions::default()
        },
    )
    .await;
    let (code, message) = error_of(
        client
            .sign_up()
            .client_id(&secret.client_id)
            .username("x")
            .password("Passw0rd!")
            .secret_hash("bad")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NotAuthorizedException",
            format!(
                "Unable to verify secret hash for client {}",
                secret.client_id
            )
            .as_str()
        )
    );
    client
        .sign_up()
        .client_id(&secret.client_id)
        .username("x")
        .password("Passw0rd!")
        .secret_hash(secret.secret_hash("x").unwrap())
        .send()
        .await
        .unwrap();
});

on_both_backends!(confirmation_codes_expire_and_can_be_resent, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    client
        .sign_up()
        .client_id(&app.client_id)
        .username("bea")
        .password("Passw0rd!")
        .user_attributes(attr("email", "bea@example.com"))
        .send()
        .await
        .unwrap();
    let first = server
        .mail
        .mail_to("bea@example.com")
        .await
        .code(6)
        .unwrap();
    server.clock.advance_secs(86_400 + 1);
    let (code, message) = error_of(
        client
            .confirm_sign_up()
            .client_id(&app.client_id)
            .username("bea")
            .confirmation_code(&first)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ExpiredCodeException",
            "Invalid code provided, please request a code again."
        )
    );
    client
        .resend_confirmation_code()
        .client_id(&app.client_id)
        .username("bea")
        .send()
        .await
        .unwrap();
    let second = server
        .mail
        .nth_mail_to("bea@example.com", 2)
        .await
        .code(6)
        .unwrap();
    client
        .confirm_sign_up()
        .client_id(&app.client_id)
        .username("bea")
        .confirmation_code(&second)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        client
            .resend_confirmation_code()
            .client_id(&app.client_id)
            .username("bea")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", "User is already confirmed.")
    );
});

on_both_backends!(wrong_codes_are_limited, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    client
        .sign_up()
        .client_id(&app.client_id)
        .username("cal")
        .password("Passw0rd!")
        .user_attributes(attr("email", "cal@example.com"))
        .send()
        .await
        .unwrap();
    let right = server
        .mail
        .mail_to("cal@example.com")
        .await
        .code(6)
        .unwrap();
    let wrong = if right == "111111" {
        "222222"
    } else {
        "111111"
    };
    for _ in 0..5 {
        let (code, _) = error_of(
            client
                .confirm_sign_up()
                .client_id(&app.client_id)
                .username("cal")
                .confirmation_code(wrong)
                .send()
                .await,
        );
        assert_eq!(code, "CodeMismatchException");
    }
    let (code, message) = error_of(
        client
            .confirm_sign_up()
            .client_id(&app.client_id)
            .username("cal")
            .confirmation_code(&right)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "LimitExceededException",
            "Attempt limit exceeded, please try after some time."
        )
    );
});

on_both_backends!(forgotten_passwords_are_reset_with_a_mailed_code, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "dan", "Passw0rd!", "dan@example.com").await;
    let sent = client
        .forgot_password()
        .client_id(&app.client_id)
        .username("dan")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.code_delivery_details().unwrap().delivery_medium(),
        Some(&DeliveryMediumType::Email)
    );
    let code = server
        .mail
        .mail_to("dan@example.com")
        .await
        .code(6)
        .unwrap();
    let (name, message) = error_of(
        client
            .confirm_forgot_password()
            .client_id(&app.client_id)
            .username("dan")
            .confirmation_code(&code)
            .password("weak")
            .send()
            .await,
    );
    assert_eq!(name, "InvalidPasswordException", "{message}");
    client
        .confirm_forgot_password()
        .client_id(&app.client_id)
        .username("dan")
        .confirmation_code(&code)
        .password("N3w-Passw0rd!")
        .send()
        .await
        .unwrap();
    let (name, message) = error_of(
        client
            .confirm_forgot_password()
            .client_id(&app.client_id)
            .username("dan")
            .confirmation_code(&code)
            .password("An0ther-Passw0rd!")
            .send()
            .await,
    );
    assert_eq!(
        (name.as_str(), message.as_str()),
        (
            "CodeMismatchException",
            "Invalid verification code provided, please try again."
        ),
        "codes are single-use"
    );
    let (name, _) = error_of(flows::password_sign_in(&client, &app, "dan", "Passw0rd!").await);
    assert_eq!(name, "NotAuthorizedException");
    flows::tokens(&client, &app, "dan", "N3w-Passw0rd!").await;
});

on_both_backends!(
    recovery_follows_the_pools_setting_and_sms_goes_through_the_webhook,
    |server| {
        let client = server.client();
        let pool = client
            .create_user_pool()
            .pool_name("sms")
            .account_recovery_setting(
                AccountRecoverySettingType::builder()
                    .recovery_mechanisms(
                        RecoveryOptionType::builder()
                            .name(RecoveryOptionNameType::VerifiedPhoneNumber)
                            .priority(1)
                            .build()
                            .unwrap(),
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
        let app_client = client
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("a")
            .send()
            .await
            .unwrap()
            .user_pool_client
            .unwrap();
        let client_id = app_client.client_id.unwrap();
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username("sam")
            .user_attributes(attr("phone_number", "+15555550100"))
            .user_attributes(attr("phone_number_verified", "true"))
            .user_attributes(attr("email", "sam@example.com"))
            .user_attributes(attr("email_verified", "true"))
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        let sent = client
            .forgot_password()
            .client_id(&client_id)
            .username("sam")
            .send()
            .await
            .unwrap();
        let details = sent.code_delivery_details().unwrap();
        assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Sms));
        assert_eq!(details.destination(), Some("+*******0100"));
        let sms = server.sms.messages_to("+15555550100");
        assert_eq!(sms.len(), 1);
        assert!(
            sms[0].body.starts_with("Your verification code is "),
            "{}",
            sms[0].body
        );
        server.sms.fail(true);
        let (code, message) = error_of(
            client
                .forgot_password()
                .client_id(&client_id)
                .username("sam")
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "CodeDeliveryFailureException",
                "Unable to deliver the message. Try again later."
            )
        );
    }
);

on_both_backends!(users_read_and_change_their_own_profile, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "fay", "Passw0rd!", "fay@example.com").await;
    let tokens = flows::tokens(&client, &app, "fay", "Passw0rd!").await;
    let access = tokens.access_token().unwrap();
    let me = client.get_user().access_token(access).send().await.unwrap();
    assert_eq!(me.username(), "fay");
    assert!(
        me.user_attributes()
            .iter()
            .any(|a| a.name() == "email" && a.value() == Some("fay@example.com"))
    );
    let updated = client
        .update_user_attributes()
        .access_token(access)
        .user_attributes(attr("name", "Fay"))
        .user_attributes(attr("email", "fay@new.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.code_delivery_details_list().len(),
        1,
        "the new email is auto-verified: a code goes out"
    );
    let code = server
        .mail
        .mail_to("fay@new.example.com")
        .await
        .code(6)
        .unwrap();
    let me = client.get_user().access_token(access).send().await.unwrap();
    let attribute = |name: &str| {
        me.user_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
            .map(str::to_owned)
    };
    assert_eq!(attribute("name").as_deref(), Some("Fay"));
    assert_eq!(attribute("email").as_deref(), Some("fay@new.example.com"));
    assert_eq!(attribute("email_verified").as_deref(), Some("false"));
    client
        .verify_user_attribute()
        .access_token(access)
        .attribute_name("email")
        .code(&code)
        .send()
        .await
        .unwrap();
    let me = client.get_user().access_token(access).send().await.unwrap();
    assert!(
        me.user_attributes()
            .iter()
            .any(|a| a.name() == "email_verified" && a.value() == Some("true"))
    );
    client
        .delete_user_attributes()
        .access_token(access)
        .user_attribute_names("name")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        client
            .change_password()
            .access_token(access)
            .previous_password("nope")
            .proposed_password("N3w-Passw0rd!")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("NotAuthorizedException", "Incorrect username or password.")
    );
    client
        .change_password()
        .access_token(access)
        .previous_password("Passw0rd!")
        .proposed_password("N3w-Passw0rd!")
        .send()
        .await
        .unwrap();
    flows::tokens(&client, &app, "fay", "N3w-Passw0rd!").await;
    client
        .delete_user()
        .access_token(access)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username("fay")
            .send()
            .await,
    );
    assert_eq!(code, "UserNotFoundException");
});

on_both_backends!(
    a_changed_email_waits_for_verification_when_the_pool_says_so,
    |server| {
        let client = server.client();
        let pool = client
            .create_user_pool()
            .pool_name("careful")
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .user_attribute_update_settings(
                UserAttributeUpdateSettingsType::builder()
                    .attributes_require_verification_before_update(VerifiedAttributeType::Email)
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
        .client_name("a")
        .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
        let app = flows::App {
            pool,
            client_id: created.client_id.unwrap(),
            secret: None,
        };
        confirmed_user(&client, &app, "gus", "Passw0rd!", "gus@example.com").await;
        let access = flows::tokens(&client, &app, "gus", "Passw0rd!")
            .await
            .access_token
            .unwrap();
        client
            .update_user_attributes()
            .access_token(&access)
            .user_attributes(attr("email", "gus@new.example.com"))
            .send()
            .await
            .unwrap();
        let me = client
            .get_user()
            .access_token(&access)
            .send()
            .await
            .unwrap();
        assert!(
            me.user_attributes()
                .iter()
                .any(|a| a.name() == "email" && a.value() == Some("gus@example.com")),
            "the old email stays"
        );
        let code = server
            .mail
            .mail_to("gus@new.example.com")
            .await
            .code(6)
            .unwrap();
        let (name, _) = error_of(
            client
                .verify_user_attribute()
                .access_token(&access)
                .attribute_name("email")
                .code("999999")
                .send()
                .await,
        );
        assert_eq!(name, "CodeMismatchException");
        client
            .verify_user_attribute()
            .access_token(&access)
            .attribute_name("email")
            .code(&code)
            .send()
            .await
            .unwrap();
        let me = client
            .get_user()
            .access_token(&access)
            .send()
            .await
            .unwrap();
        assert!(
            me.user_attributes()
                .iter()
                .any(|a| a.name() == "email" && a.value() == Some("gus@new.example.com"))
        );
    }
);

on_both_backends!(
    invitations_are_mailed_with_the_temporary_password,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        client
            .admin_create_user()
            .user_pool_id(&app.pool)
            .username("ivan")
            .user_attributes(attr("email", "ivan@example.com"))
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
            .await
            .unwrap();
        let mail = server.mail.mail_to("ivan@example.com").await;
        assert_eq!(
            mail.header("Subject").as_deref(),
            Some("Your temporary password")
        );
        let body = mail
            .data
            .split("\r\n\r\n")
            .nth(1)
            .unwrap()
            .trim()
            .to_owned();
        let password = body
            .strip_prefix("Your username is ivan and temporary password is ")
            .unwrap()
            .strip_suffix('.')
            .unwrap();
        let challenge = flows::password_sign_in(&client, &app, "ivan", password)
            .await
            .unwrap();
        assert_eq!(
            challenge.challenge_name().unwrap().as_str(),
            "NEW_PASSWORD_REQUIRED"
        );
    }
);
