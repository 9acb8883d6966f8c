//! App clients through the AWS SDK.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, OAuthFlowType, PreventUserExistenceErrorTypes, TimeUnitsType,
    TokenValidityUnitsType,
};

use crate::on_both_backends;
use crate::support::error_of;

async fn new_pool(client: &Client) -> String {
    client
        .create_user_pool()
        .pool_name("clients")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

on_both_backends!(a_client_gets_an_id_and_cognitos_defaults, |server| {
    let client = server.client();
    let pool = new_pool(&client).await;
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("web")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let id = app.client_id().unwrap();
    assert_eq!(id.len(), 26);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert!(app.client_secret().is_none());
    assert_eq!(app.refresh_token_validity(), 30);
    assert_eq!(app.auth_session_validity(), Some(3));
    assert_eq!(app.enable_token_revocation(), Some(true));
    assert_eq!(app.allowed_o_auth_flows_user_pool_client(), Some(false));
    assert!(app.explicit_auth_flows().is_empty());
    let described = client
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(id)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(described.client_name(), Some("web"));
    assert_eq!(described.creation_date(), app.creation_date());
});

on_both_backends!(a_generated_secret_is_returned_by_describe, |server| {
    let client = server.client();
    let pool = new_pool(&client).await;
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("backend")
        .generate_secret(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let secret = app.client_secret().unwrap().to_owned();
    assert_eq!(secret.len(), 52);
    let described = client
        .describe_user_pool_client()
        .user_pool_id(&pool)
        .client_id(app.client_id().unwrap())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(described.client_secret(), Some(secret.as_str()));
});

on_both_backends!(client_secrets_rotate_two_at_a_time, |server| {
    let client = server.client();
    let pool = new_pool(&client).await;
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("rotating")
        .generate_secret(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let id = app.client_id().unwrap();
    let added = client
        .add_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(id)
        .client_secret("a-custom-secret-of-twenty-four-plus")
        .send()
        .await;
    // Custom secrets follow the model's pattern [\w+]+: dashes are refused by validation.
    let (code, _) = error_of(added);
    assert_eq!(code, "InvalidParameterException");
    let added = client
        .add_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(id)
        .client_secret("aCustomSecretOfTwentyFourPlus")
        .send()
        .await
        .unwrap()
        .client_secret_descriptor
        .unwrap();
    assert_eq!(
        added.client_secret_value(),
        Some("aCustomSecretOfTwentyFourPlus")
    );
    let (code, _) = error_of(
        client
            .add_user_pool_client_secret()
            .user_pool_id(&pool)
            .client_id(id)
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceededException");
    let listed = client
        .list_user_pool_client_secrets()
        .user_pool_id(&pool)
        .client_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.client_secrets().len(), 2);
    assert!(
        listed
            .client_secrets()
            .iter()
            .all(|s| s.client_secret_value().is_none()),
        "values are never listed"
    );
    let first = listed.client_secrets()[0]
        .client_secret_id()
        .unwrap()
        .to_owned();
    client
        .delete_user_pool_client_secret()
        .user_pool_id(&pool)
        .client_id(id)
        .client_secret_id(&first)
        .send()
        .await
        .unwrap();
    let last = added.client_secret_id().unwrap();
    let (code, message) = error_of(
        client
            .delete_user_pool_client_secret()
            .user_pool_id(&pool)
            .client_id(id)
            .client_secret_id(last)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "The last client secret of an app client cannot be deleted."
        )
    );
});

on_both_backends!(update_replaces_client_settings, |server| {
    let client = server.client();
    let pool = new_pool(&client).await;
    let id = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("spa")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .access_token_validity(30)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Minutes)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let updated = client
        .update_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&id)
        .client_name("spa-2")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    assert_eq!(updated.client_name(), Some("spa-2"));
    assert!(updated.explicit_auth_flows().is_empty());
    assert!(updated.prevent_user_existence_errors().is_none());
    assert!(updated.access_token_validity().is_none());
});

on_both_backends!(invalid_client_settings_are_refused_with_reasons, |server| {
    let client = server.client();
    let pool = new_pool(&client).await;
    let (code, message) = error_of(
        client
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("x")
            .access_token_validity(2)
            .token_validity_units(
                TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Minutes)
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "Invalid range for token validity: AccessToken validity must be between 5 minutes and 1 day."
    );
    let (code, message) = error_of(
        client
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("x")
            .explicit_auth_flows(ExplicitAuthFlowsType::AdminNoSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(
        message.starts_with("ExplicitAuthFlows cannot mix legacy values"),
        "{message}"
    );
    let (code, message) = error_of(
        client
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("x")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
            .allowed_o_auth_scopes("api/read")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidOAuthFlowException",
            "client_credentials flow can not be selected if client does not have a client secret."
        )
    );
    let (code, message) = error_of(
        client
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("x")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .callback_urls("http://example.com/callback")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "Invalid redirect URL: http://example.com/callback. http is only allowed for localhost."
    );
    let (code, message) = error_of(
        client
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("x")
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_scopes("missing/scope")
            .callback_urls("https://example.com/callback")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ScopeDoesNotExistException",
            "Invalid scope requested: missing/scope"
        )
    );
    let (code, message) = error_of(
        client
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("x")
            .read_attributes("custom:nope")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Invalid read attributes specified while creating a client"
        )
    );
});

on_both_backends!(clients_are_listed_page_by_page_and_deleted, |server| {
    let client = server.client();
    let pool = new_pool(&client).await;
    for name in ["a", "b", "c"] {
        client
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name(name)
            .send()
            .await
            .unwrap();
    }
    let first = client
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.user_pool_clients().len(), 2);
    let rest = client
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .max_results(2)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.user_pool_clients().len(), 1);
    assert!(rest.next_token().is_none());
    let gone = rest.user_pool_clients()[0].client_id().unwrap().to_owned();
    client
        .delete_user_pool_client()
        .user_pool_id(&pool)
        .client_id(&gone)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        client
            .describe_user_pool_client()
            .user_pool_id(&pool)
            .client_id(&gone)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let other_pool = new_pool(&client).await;
    let kept = first.user_pool_clients()[0].client_id().unwrap();
    let (code, _) = error_of(
        client
            .describe_user_pool_client()
            .user_pool_id(&other_pool)
            .client_id(kept)
            .send()
            .await,
    );
    assert_eq!(
        code, "ResourceNotFoundException",
        "a client is only found in its own pool"
    );
});
