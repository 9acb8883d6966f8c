//! User administration through the AWS SDK.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeType, DeliveryMediumType, MessageActionType, UserStatusType,
    UsernameAttributeType, UsernameConfigurationType,
};

use crate::on_both_backends;
use crate::support::error_of;

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

fn attribute<'a>(attributes: &'a [AttributeType], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
}

async fn plain_pool(client: &Client) -> String {
    client
        .create_user_pool()
        .pool_name("users")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

on_both_backends!(an_admin_created_user_must_change_its_password, |server| {
    let client = server.client();
    let pool = plain_pool(&client).await;
    let created = client
        .admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap()
        .user
        .unwrap();
    assert_eq!(created.username(), Some("alice"));
    assert_eq!(
        created.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
    assert!(created.enabled());
    let sub = attribute(created.attributes(), "sub").unwrap().to_owned();
    assert_eq!(sub.len(), 36);
    let got = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(got.username(), "alice");
    assert_eq!(
        attribute(got.user_attributes(), "email"),
        Some("alice@example.com")
    );
    assert_eq!(attribute(got.user_attributes(), "sub"), Some(sub.as_str()));
    let by_sub = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username(&sub)
        .send()
        .await
        .unwrap();
    assert_eq!(by_sub.username(), "alice");
    let (code, message) = error_of(
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username("alice")
            .message_action(MessageActionType::Suppress)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("UsernameExistsException", "User account already exists")
    );
});

on_both_backends!(
    attributes_and_passwords_are_checked_against_the_pool,
    |server| {
        let client = server.client();
        let pool = plain_pool(&client).await;
        let (code, message) = error_of(
            client
                .admin_create_user()
                .user_pool_id(&pool)
                .username("bob")
                .user_attributes(attr("custom:missing", "x"))
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterException");
        assert_eq!(
            message,
            "Attributes did not conform to the schema: custom:missing: Attribute does not exist in the schema."
        );
        let (code, message) = error_of(
            client
                .admin_create_user()
                .user_pool_id(&pool)
                .username("bob")
                .user_attributes(attr("email", "bob"))
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("InvalidParameterException", "Invalid email address format.")
        );
        let (code, message) = error_of(
            client
                .admin_create_user()
                .user_pool_id(&pool)
                .username("bob")
                .temporary_password("short")
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
                .admin_set_user_password()
                .user_pool_id(&pool)
                .username("ghost")
                .password("Passw0rd!")
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("UserNotFoundException", "User does not exist.")
        );
    }
);

on_both_backends!(
    email_as_username_stores_the_sub_and_finds_by_email,
    |server| {
        let client = server.client();
        let pool = client
            .create_user_pool()
            .pool_name("email-login")
            .username_attributes(UsernameAttributeType::Email)
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let user = client
            .admin_create_user()
            .user_pool_id(&pool)
            .username("carol@example.com")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap()
            .user
            .unwrap();
        let sub = attribute(user.attributes(), "sub").unwrap();
        assert_eq!(user.username(), Some(sub), "the stored username is the sub");
        assert_eq!(
            attribute(user.attributes(), "email"),
            Some("carol@example.com")
        );
        let found = client
            .admin_get_user()
            .user_pool_id(&pool)
            .username("carol@example.com")
            .send()
            .await
            .unwrap();
        assert_eq!(found.username(), sub);
        let (code, message) = error_of(
            client
                .admin_create_user()
                .user_pool_id(&pool)
                .username("not-an-email")
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("InvalidParameterException", "Username should be an email.")
        );
        let (code, message) = error_of(
            client
                .admin_create_user()
                .user_pool_id(&pool)
                .username("carol@example.com")
                .message_action(MessageActionType::Suppress)
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "UsernameExistsException",
                "An account with the given email already exists."
            )
        );
    }
);

on_both_backends!(verified_aliases_are_unique_unless_forced_over, |server| {
    let client = server.client();
    let pool = client
        .create_user_pool()
        .pool_name("aliases")
        .alias_attributes(AliasAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let create = |name: &'static str, force: bool| {
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username(name)
            .user_attributes(attr("email", "shared@example.com"))
            .user_attributes(attr("email_verified", "true"))
            .force_alias_creation(force)
            .message_action(MessageActionType::Suppress)
            .send()
    };
    create("first", false).await.unwrap();
    let (code, message) = error_of(create("second", false).await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "AliasExistsException",
            "An account with the given email already exists."
        )
    );
    let found = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username("shared@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(found.username(), "first");
    create("second", true).await.unwrap();
    let found = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username("shared@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(found.username(), "second", "the alias moved");
    let first = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username("first")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attribute(first.user_attributes(), "email_verified"),
        Some("false")
    );
    let (code, message) = error_of(
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username("x@example.com")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Username cannot be of email format, since user pool is configured for email alias."
        )
    );
});

on_both_backends!(case_insensitive_pools_match_any_case, |server| {
    let client = server.client();
    let pool = client
        .create_user_pool()
        .pool_name("ci")
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    client
        .admin_create_user()
        .user_pool_id(&pool)
        .username("Dave")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let found = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username("dAVE")
        .send()
        .await
        .unwrap();
    assert_eq!(found.username(), "Dave");
    let (code, _) = error_of(
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username("DAVE")
            .message_action(MessageActionType::Suppress)
            .send()
            .await,
    );
    assert_eq!(code, "UsernameExistsException");
    let sensitive = plain_pool(&client).await;
    client
        .admin_create_user()
        .user_pool_id(&sensitive)
        .username("Dave")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    client
        .admin_create_user()
        .user_pool_id(&sensitive)
        .username("dave")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
});

on_both_backends!(attributes_are_updated_and_deleted, |server| {
    let client = server.client();
    let pool = plain_pool(&client).await;
    client
        .admin_create_user()
        .user_pool_id(&pool)
        .username("erin")
        .user_attributes(attr("email", "erin@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .user_attributes(attr("name", "Erin"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    client
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("erin")
        .user_attributes(attr("email", "erin@new.example.com"))
        .send()
        .await
        .unwrap();
    let user = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username("erin")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attribute(user.user_attributes(), "email"),
        Some("erin@new.example.com")
    );
    assert_eq!(
        attribute(user.user_attributes(), "email_verified"),
        Some("false"),
        "a changed email is unverified"
    );
    client
        .admin_delete_user_attributes()
        .user_pool_id(&pool)
        .username("erin")
        .user_attribute_names("name")
        .send()
        .await
        .unwrap();
    let user = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username("erin")
        .send()
        .await
        .unwrap();
    assert_eq!(attribute(user.user_attributes(), "name"), None);
    let (code, message) = error_of(
        client
            .admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("erin")
            .user_attributes(attr("sub", "x"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Cannot modify the non-mutable attribute sub"
        )
    );
});

on_both_backends!(users_are_disabled_enabled_confirmed_and_deleted, |server| {
    let client = server.client();
    let pool = plain_pool(&client).await;
    client
        .admin_create_user()
        .user_pool_id(&pool)
        .username("frank")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    client
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("frank")
        .send()
        .await
        .unwrap();
    assert!(
        !client
            .admin_get_user()
            .user_pool_id(&pool)
            .username("frank")
            .send()
            .await
            .unwrap()
            .enabled()
    );
    client
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("frank")
        .send()
        .await
        .unwrap();
    assert!(
        client
            .admin_get_user()
            .user_pool_id(&pool)
            .username("frank")
            .send()
            .await
            .unwrap()
            .enabled()
    );
    client
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("frank")
        .password("N3w-Passw0rd!")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let user = client
        .admin_get_user()
        .user_pool_id(&pool)
        .username("frank")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status(), Some(&UserStatusType::Confirmed));
    let (code, message) = error_of(
        client
            .admin_confirm_sign_up()
            .user_pool_id(&pool)
            .username("frank")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "NotAuthorizedException",
            "User cannot be confirmed. Current status is CONFIRMED"
        )
    );
    client
        .admin_delete_user()
        .user_pool_id(&pool)
        .username("frank")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        client
            .admin_get_user()
            .user_pool_id(&pool)
            .username("frank")
            .send()
            .await,
    );
    assert_eq!(code, "UserNotFoundException");
});

on_both_backends!(reset_password_needs_a_verified_address, |server| {
    let client = server.client();
    let pool = plain_pool(&client).await;
    client
        .admin_create_user()
        .user_pool_id(&pool)
        .username("gina")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        client
            .admin_reset_user_password()
            .user_pool_id(&pool)
            .username("gina")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "Cannot reset password for the user as there is no registered/verified email or phone_number"
    );
});

on_both_backends!(
    invitations_and_reset_codes_reach_the_dev_outbox,
    dev = true,
    |server| {
        let client = server.client();
        let pool = plain_pool(&client).await;
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username("hank")
            .user_attributes(attr("email", "hank@example.com"))
            .user_attributes(attr("email_verified", "true"))
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .send()
            .await
            .unwrap();
        let outbox: serde_json::Value =
            reqwest::get(format!("{}/_dev/outbox?poolId={pool}", server.url()))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        let invitation = &outbox["messages"][0];
        assert_eq!(invitation["kind"], "invitation");
        assert_eq!(invitation["destination"], "hank@example.com");
        assert_eq!(invitation["subject"], "Your temporary password");
        let password = invitation["code"].as_str().unwrap();
        assert_eq!(
            invitation["body"],
            format!("Your username is hank and temporary password is {password}.")
        );
        client
            .admin_reset_user_password()
            .user_pool_id(&pool)
            .username("hank")
            .send()
            .await
            .unwrap();
        let user = client
            .admin_get_user()
            .user_pool_id(&pool)
            .username("hank")
            .send()
            .await
            .unwrap();
        assert_eq!(user.user_status(), Some(&UserStatusType::ResetRequired));
        let outbox: serde_json::Value =
            reqwest::get(format!("{}/_dev/outbox?poolId={pool}", server.url()))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        let reset = &outbox["messages"][0];
        assert_eq!(reset["kind"], "reset_password_code");
        assert_eq!(reset["code"].as_str().unwrap().len(), 6);
    }
);

on_both_backends!(resend_renews_the_temporary_password, dev = true, |server| {
    let client = server.client();
    let pool = plain_pool(&client).await;
    let invite = |action: Option<MessageActionType>| {
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username("ivy")
            .user_attributes(attr("email", "ivy@example.com"))
            .desired_delivery_mediums(DeliveryMediumType::Email)
            .set_message_action(action)
            .send()
    };
    invite(None).await.unwrap();
    invite(Some(MessageActionType::Resend)).await.unwrap();
    let outbox: serde_json::Value =
        reqwest::get(format!("{}/_dev/outbox?poolId={pool}", server.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let messages = outbox["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_ne!(messages[0]["code"], messages[1]["code"]);
    let (code, message) = error_of(
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username("nobody")
            .message_action(MessageActionType::Resend)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("UserNotFoundException", "User does not exist.")
    );
});

on_both_backends!(list_users_filters_and_pages, |server| {
    let client = server.client();
    let pool = plain_pool(&client).await;
    for (name, email, given) in [
        ("u1", "ann@example.com", "Ann"),
        ("u2", "andy@example.com", "Andy"),
        ("u3", "bea@example.org", "Bea"),
        ("u4", "anna@example.org", "Anna"),
    ] {
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username(name)
            .user_attributes(attr("email", email))
            .user_attributes(attr("given_name", given))
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
    }
    client
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("u3")
        .send()
        .await
        .unwrap();
    let names = |users: &[aws_sdk_cognitoidentityprovider::types::UserType]| {
        let mut names: Vec<_> = users
            .iter()
            .map(|u| u.username().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let exact = client
        .list_users()
        .user_pool_id(&pool)
        .filter("email = \"bea@example.org\"")
        .send()
        .await
        .unwrap();
    assert_eq!(names(exact.users()), ["u3"]);
    let prefix = client
        .list_users()
        .user_pool_id(&pool)
        .filter("email ^= \"an\"")
        .send()
        .await
        .unwrap();
    assert_eq!(names(prefix.users()), ["u1", "u2", "u4"]);
    let disabled = client
        .list_users()
        .user_pool_id(&pool)
        .filter("status = \"Disabled\"")
        .send()
        .await
        .unwrap();
    assert_eq!(names(disabled.users()), ["u3"]);
    let status = client
        .list_users()
        .user_pool_id(&pool)
        .filter("cognito:user_status = \"force_change_password\"")
        .send()
        .await
        .unwrap();
    assert_eq!(status.users().len(), 4);
    let only_email = client
        .list_users()
        .user_pool_id(&pool)
        .attributes_to_get("email")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(only_email.users().len(), 1);
    assert_eq!(only_email.users()[0].attributes().len(), 1);
    assert_eq!(only_email.users()[0].attributes()[0].name(), "email");
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_users()
            .user_pool_id(&pool)
            .limit(3)
            .set_pagination_token(token)
            .send()
            .await
            .unwrap();
        all.extend(
            page.users()
                .iter()
                .map(|u| u.username().unwrap().to_owned()),
        );
        token = page.pagination_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(all, ["u1", "u2", "u3", "u4"]);
    let (code, message) = error_of(
        client
            .list_users()
            .user_pool_id(&pool)
            .filter("email")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidParameterException", "Error while parsing filter.")
    );
    let (code, message) = error_of(
        client
            .list_users()
            .user_pool_id(&pool)
            .filter("custom:x = \"1\"")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Invalid search attribute: custom:x"
        )
    );
});

on_both_backends!(
    concurrent_creates_of_one_username_let_exactly_one_win,
    |server| {
        let client = server.client();
        let pool = plain_pool(&client).await;
        let attempts = (0..8).map(|_| {
            let client = client.clone();
            let pool = pool.clone();
            tokio::spawn(async move {
                client
                    .admin_create_user()
                    .user_pool_id(pool)
                    .username("race")
                    .message_action(MessageActionType::Suppress)
                    .send()
                    .await
            })
        });
        let mut wins = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(_) => wins += 1,
                Err(e) => {
                    let code =
                        aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::code(&e)
                            .map(str::to_owned);
                    assert_eq!(code.as_deref(), Some("UsernameExistsException"), "{e:?}");
                }
            }
        }
        assert_eq!(wins, 1);
    }
);
