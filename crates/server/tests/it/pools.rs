//! User-pool administration through the AWS SDK.

use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, AdminCreateUserConfigType, AliasAttributeType, AttributeDataType,
    DeletionProtectionType, LambdaConfigType, MessageTemplateType, PasswordPolicyType,
    RecoveryOptionNameType, RecoveryOptionType, SchemaAttributeType, SoftwareTokenMfaConfigType,
    StringAttributeConstraintsType, UserPoolMfaType, UserPoolPolicyType, UsernameConfigurationType,
    VerifiedAttributeType,
};

use crate::on_both_backends;
use crate::support::error_of;

on_both_backends!(
    a_pool_created_with_a_name_only_has_cognitos_defaults,
    |server| {
        let client = server.client();
        let created = client
            .create_user_pool()
            .pool_name("defaults")
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap();
        let id = created.id().unwrap().to_owned();
        assert!(
            id.starts_with("us-east-1_") && id.len() == "us-east-1_".len() + 9,
            "{id}"
        );
        let pool = client
            .describe_user_pool()
            .user_pool_id(&id)
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap();
        assert_eq!(pool.name(), Some("defaults"));
        assert_eq!(
            pool.arn(),
            Some(format!("arn:aws:cognito-idp:us-east-1:123456789012:userpool/{id}").as_str())
        );
        let policy = pool.policies().unwrap().password_policy().unwrap();
        assert_eq!(policy.minimum_length(), Some(8));
        assert_eq!(
            (
                policy.require_uppercase(),
                policy.require_lowercase(),
                policy.require_numbers(),
                policy.require_symbols()
            ),
            (true, true, true, true)
        );
        assert_eq!(policy.temporary_password_validity_days(), 7);
        assert_eq!(pool.mfa_configuration(), Some(&UserPoolMfaType::Off));
        assert_eq!(
            pool.deletion_protection(),
            Some(&DeletionProtectionType::Inactive)
        );
        assert_eq!(pool.estimated_number_of_users(), 0);
        let schema: Vec<_> = pool
            .schema_attributes()
            .iter()
            .map(|a| a.name().unwrap())
            .collect();
        assert_eq!(schema.len(), 20);
        assert_eq!(schema[0], "sub");
        assert_eq!(
            pool.admin_create_user_config()
                .unwrap()
                .unused_account_validity_days(),
            7
        );
        assert_eq!(
            pool.email_configuration()
                .unwrap()
                .email_sending_account()
                .map(|a| a.as_str()),
            Some("COGNITO_DEFAULT")
        );
        assert!(pool.username_configuration().is_none());
        assert_eq!(
            pool.verification_message_template()
                .unwrap()
                .default_email_option()
                .unwrap()
                .as_str(),
            "CONFIRM_WITH_CODE"
        );
    }
);

on_both_backends!(every_setting_given_at_creation_is_returned, |server| {
    let client = server.client();
    let pool = client
        .create_user_pool()
        .pool_name("full")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_symbols(false)
                        .require_numbers(true)
                        .temporary_password_validity_days(3)
                        .build(),
                )
                .build(),
        )
        .alias_attributes(AliasAttributeType::Email)
        .alias_attributes(AliasAttributeType::PreferredUsername)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .username_configuration(
            UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("tier")
                .attribute_data_type(AttributeDataType::String)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .max_length("10")
                        .build(),
                )
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("email")
                .required(true)
                .build(),
        )
        .lambda_config(
            LambdaConfigType::builder()
                .pre_sign_up("arn:aws:lambda:us-east-1:123456789012:function:pre")
                .build(),
        )
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .invite_message_template(
                    MessageTemplateType::builder()
                        .email_subject("Welcome")
                        .email_message("Hi {username}, your password is {####}")
                        .build(),
                )
                .build(),
        )
        .account_recovery_setting(
            AccountRecoverySettingType::builder()
                .recovery_mechanisms(
                    RecoveryOptionType::builder()
                        .name(RecoveryOptionNameType::VerifiedEmail)
                        .priority(1)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .deletion_protection(DeletionProtectionType::Active)
        .user_pool_tags("team", "identity")
        .email_verification_subject("Your code")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let pool = client
        .describe_user_pool()
        .user_pool_id(pool.id().unwrap())
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(
        pool.policies()
            .unwrap()
            .password_policy()
            .unwrap()
            .minimum_length(),
        Some(12)
    );
    assert!(
        !pool
            .policies()
            .unwrap()
            .password_policy()
            .unwrap()
            .require_symbols()
    );
    assert_eq!(
        pool.alias_attributes(),
        &[
            AliasAttributeType::Email,
            AliasAttributeType::PreferredUsername
        ]
    );
    assert_eq!(
        pool.auto_verified_attributes(),
        &[VerifiedAttributeType::Email]
    );
    assert!(!pool.username_configuration().unwrap().case_sensitive());
    let tier = pool
        .schema_attributes()
        .iter()
        .find(|a| a.name() == Some("custom:tier"))
        .unwrap();
    assert_eq!(
        tier.string_attribute_constraints().unwrap().max_length(),
        Some("10")
    );
    let email = pool
        .schema_attributes()
        .iter()
        .find(|a| a.name() == Some("email"))
        .unwrap();
    assert_eq!(email.required(), Some(true));
    assert_eq!(
        pool.lambda_config().unwrap().pre_sign_up(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:pre")
    );
    let admin = pool.admin_create_user_config().unwrap();
    assert!(admin.allow_admin_create_user_only());
    assert_eq!(
        admin.invite_message_template().unwrap().email_subject(),
        Some("Welcome")
    );
    assert_eq!(admin.unused_account_validity_days(), 3);
    assert_eq!(
        pool.account_recovery_setting()
            .unwrap()
            .recovery_mechanisms()[0]
            .name(),
        &RecoveryOptionNameType::VerifiedEmail
    );
    assert_eq!(
        pool.user_pool_tags()
            .unwrap()
            .get("team")
            .map(String::as_str),
        Some("identity")
    );
    assert_eq!(pool.email_verification_subject(), Some("Your code"));
    assert_eq!(
        pool.verification_message_template()
            .unwrap()
            .email_subject(),
        Some("Your code")
    );
});

on_both_backends!(conflicting_sign_in_identifiers_are_refused, |server| {
    let (code, message) = error_of(
        server
            .client()
            .create_user_pool()
            .pool_name("both")
            .alias_attributes(AliasAttributeType::Email)
            .username_attributes(
                aws_sdk_cognitoidentityprovider::types::UsernameAttributeType::Email,
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
    );
});

on_both_backends!(
    update_replaces_settings_and_unset_ones_return_to_defaults,
    |server| {
        let client = server.client();
        let id = client
            .create_user_pool()
            .pool_name("before")
            .mfa_configuration(UserPoolMfaType::Optional)
            .policies(
                UserPoolPolicyType::builder()
                    .password_policy(PasswordPolicyType::builder().minimum_length(20).build())
                    .build(),
            )
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        client
            .update_user_pool()
            .user_pool_id(&id)
            .pool_name("after")
            .send()
            .await
            .unwrap();
        let pool = client
            .describe_user_pool()
            .user_pool_id(&id)
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap();
        assert_eq!(pool.name(), Some("after"));
        assert_eq!(
            pool.policies()
                .unwrap()
                .password_policy()
                .unwrap()
                .minimum_length(),
            Some(8)
        );
        assert!(pool.auto_verified_attributes().is_empty());
        assert_eq!(
            pool.mfa_configuration(),
            Some(&UserPoolMfaType::Off),
            "an MFA mode left out reverts to OFF"
        );
        assert!(pool.last_modified_date().unwrap() >= pool.creation_date().unwrap());
    }
);

on_both_backends!(deletion_protection_blocks_delete_until_lifted, |server| {
    let client = server.client();
    let id = client
        .create_user_pool()
        .pool_name("protected")
        .deletion_protection(DeletionProtectionType::Active)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let (code, message) = error_of(client.delete_user_pool().user_pool_id(&id).send().await);
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        format!(
            "The user pool {id} cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first."
        )
    );
    client
        .update_user_pool()
        .user_pool_id(&id)
        .deletion_protection(DeletionProtectionType::Inactive)
        .send()
        .await
        .unwrap();
    client
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(client.describe_user_pool().user_pool_id(&id).send().await);
    assert_eq!(code, "ResourceNotFoundException");
});

on_both_backends!(list_user_pools_pages_through_every_pool, |server| {
    let client = server.client();
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(
            client
                .create_user_pool()
                .pool_name(format!("p{i}"))
                .send()
                .await
                .unwrap()
                .user_pool
                .unwrap()
                .id
                .unwrap(),
        );
    }
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_user_pools()
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.user_pools().len() <= 2);
        seen.extend(page.user_pools().iter().map(|p| p.id().unwrap().to_owned()));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    created.sort();
    seen.sort();
    assert_eq!(seen, created);
    let (code, message) = error_of(
        client
            .list_user_pools()
            .max_results(2)
            .next_token("forged")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "The pagination token is invalid."
        )
    );
});

on_both_backends!(custom_attributes_are_added_once, |server| {
    let client = server.client();
    let id = client
        .create_user_pool()
        .pool_name("custom")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let attribute = || {
        SchemaAttributeType::builder()
            .name("plan")
            .attribute_data_type(AttributeDataType::String)
            .mutable(true)
            .build()
    };
    client
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(attribute())
        .send()
        .await
        .unwrap();
    let pool = client
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert!(
        pool.schema_attributes()
            .iter()
            .any(|a| a.name() == Some("custom:plan"))
    );
    let (code, message) = error_of(
        client
            .add_custom_attributes()
            .user_pool_id(&id)
            .custom_attributes(attribute())
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Existing attribute already has name custom:plan."
        )
    );
    let required = SchemaAttributeType::builder()
        .name("must")
        .required(true)
        .build();
    let (code, message) = error_of(
        client
            .add_custom_attributes()
            .user_pool_id(&id)
            .custom_attributes(required)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Required custom attributes are not supported currently."
        )
    );
});

on_both_backends!(mfa_configuration_is_read_and_written, |server| {
    let client = server.client();
    let id = client
        .create_user_pool()
        .pool_name("mfa")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let before = client
        .get_user_pool_mfa_config()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(before.mfa_configuration(), Some(&UserPoolMfaType::Off));
    let (code, message) = error_of(
        client
            .set_user_pool_mfa_config()
            .user_pool_id(&id)
            .mfa_configuration(UserPoolMfaType::On)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration."
        )
    );
    let set = client
        .set_user_pool_mfa_config()
        .user_pool_id(&id)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .mfa_configuration(UserPoolMfaType::Optional)
        .send()
        .await
        .unwrap();
    assert_eq!(set.mfa_configuration(), Some(&UserPoolMfaType::Optional));
    let after = client
        .get_user_pool_mfa_config()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert!(after.software_token_mfa_configuration().unwrap().enabled());
    let pool = client
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(pool.mfa_configuration(), Some(&UserPoolMfaType::Optional));
});

on_both_backends!(csv_header_lists_the_schema, |server| {
    let client = server.client();
    let id = client
        .create_user_pool()
        .pool_name("csv")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let header = client
        .get_csv_header()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    let columns = header.csv_header();
    assert_eq!(columns.first().map(String::as_str), Some("name"));
    assert!(columns.contains(&"cognito:username".to_owned()));
    assert!(columns.contains(&"cognito:mfa_enabled".to_owned()));
    assert!(!columns.contains(&"sub".to_owned()));
});

on_both_backends!(tags_are_added_listed_and_removed, |server| {
    let client = server.client();
    let pool = client
        .create_user_pool()
        .pool_name("tags")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    let arn = pool.arn().unwrap().to_owned();
    client
        .tag_resource()
        .resource_arn(&arn)
        .tags("env", "test")
        .tags("owner", "me")
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("owner")
        .send()
        .await
        .unwrap();
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);
    assert_eq!(
        tags.tags().unwrap().get("env").map(String::as_str),
        Some("test")
    );
    let wrong = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Missing00";
    let (code, message) = error_of(
        client
            .list_tags_for_resource()
            .resource_arn(wrong)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFoundException",
            format!("Resource {wrong} does not exist.").as_str()
        )
    );
});
