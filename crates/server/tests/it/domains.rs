//! User pool domains and resource servers through the AWS SDK, routing by `Host`, and the
//! discovery document with and without a domain.

use aws_sdk_cognitoidentityprovider::types::{
    CustomDomainConfigType, DomainStatusType, OAuthFlowType, ResourceServerScopeType,
};

use crate::on_both_backends;
use crate::support::hosted::{browser, fresh_prefix, oauth_client};
use crate::support::{TestServer, error_of};

async fn pool(server: &TestServer, name: &str) -> String {
    server
        .client()
        .create_user_pool()
        .pool_name(name)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

fn certificate() -> CustomDomainConfigType {
    CustomDomainConfigType::builder()
        .certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/abc")
        .build()
        .unwrap()
}

fn scope(name: &str) -> ResourceServerScopeType {
    ResourceServerScopeType::builder()
        .scope_name(name)
        .scope_description(format!("{name} things"))
        .build()
        .unwrap()
}

on_both_backends!(prefix_and_custom_domains, |server| {
    let sdk = server.client();
    let pool_id = pool(server, "domains").await;
    let other = pool(server, "other").await;
    let prefix = fresh_prefix();

    let created = sdk
        .create_user_pool_domain()
        .user_pool_id(&pool_id)
        .domain(&prefix)
        .send()
        .await
        .unwrap();
    assert_eq!(created.managed_login_version, Some(1));
    let described = sdk
        .describe_user_pool_domain()
        .domain(&prefix)
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(described.user_pool_id.as_deref(), Some(pool_id.as_str()));
    assert_eq!(described.domain.as_deref(), Some(prefix.as_str()));
    assert_eq!(described.status, Some(DomainStatusType::Active));
    assert_eq!(described.aws_account_id.as_deref(), Some("123456789012"));

    // Taken by this pool, for another pool and for this one.
    let (code, message) = error_of(
        sdk.create_user_pool_domain()
            .user_pool_id(&other)
            .domain(&prefix)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Domain already associated with another user pool."
        )
    );
    let (code, message) = error_of(
        sdk.create_user_pool_domain()
            .user_pool_id(&pool_id)
            .domain(fresh_prefix())
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "User pool already has a domain configured."
        )
    );
    // The model's pattern, and Cognito's reserved words.
    let (code, message) = error_of(
        sdk.create_user_pool_domain()
            .user_pool_id(&other)
            .domain("Bad_Prefix")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "1 validation error detected: Value 'Bad_Prefix' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$"
    );
    let (_, message) = error_of(
        sdk.create_user_pool_domain()
            .user_pool_id(&other)
            .domain("my-cognito-login")
            .send()
            .await,
    );
    assert_eq!(message, "Domain cannot contain reserved word: cognito");

    // A custom domain beside the prefix domain.
    let custom = format!("auth.{}.example.com", fresh_prefix());
    let created = sdk
        .create_user_pool_domain()
        .user_pool_id(&pool_id)
        .domain(&custom)
        .custom_domain_config(certificate())
        .send()
        .await
        .unwrap();
    assert_eq!(created.cloud_front_domain.as_deref(), Some("127.0.0.1"));
    let pool = sdk
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap();
    assert_eq!(pool.domain.as_deref(), Some(prefix.as_str()));
    assert_eq!(pool.custom_domain.as_deref(), Some(custom.as_str()));
    sdk.update_user_pool_domain()
        .user_pool_id(&pool_id)
        .domain(&custom)
        .custom_domain_config(
            CustomDomainConfigType::builder()
                .certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/new")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let described = sdk
        .describe_user_pool_domain()
        .domain(&custom)
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(
        described.custom_domain_config.unwrap().certificate_arn,
        "arn:aws:acm:us-east-1:123456789012:certificate/new"
    );

    // The custom domain answers at its own name; the discovery document lists its endpoints.
    let port = server.server.addr.port();
    let document: serde_json::Value = browser(server, &custom)
        .get(format!(
            "http://{custom}:{port}/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        document["authorization_endpoint"],
        format!("http://{custom}:{port}/oauth2/authorize").as_str()
    );
    assert_eq!(
        document["issuer"],
        format!("{}/{pool_id}", server.url()).as_str()
    );

    // Deletion: the name is free again, and an unknown name has an empty description.
    sdk.delete_user_pool_domain()
        .user_pool_id(&pool_id)
        .domain(&prefix)
        .send()
        .await
        .unwrap();
    let described = sdk
        .describe_user_pool_domain()
        .domain(&prefix)
        .send()
        .await
        .unwrap()
        .domain_description
        .unwrap();
    assert_eq!(described.domain, None);
    let (code, message) = error_of(
        sdk.delete_user_pool_domain()
            .user_pool_id(&pool_id)
            .domain(&prefix)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "No such domain or user pool exists."
        )
    );
    // Deleting a pool frees its domains.
    sdk.delete_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    sdk.create_user_pool_domain()
        .user_pool_id(&other)
        .domain(&custom)
        .custom_domain_config(certificate())
        .send()
        .await
        .unwrap();
});

on_both_backends!(resource_servers, |server| {
    let sdk = server.client();
    let pool_id = pool(server, "resources").await;

    // A client cannot be allowed a custom scope before its resource server exists.
    let (code, message) = error_of(
        sdk.create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("m2m")
            .generate_secret(true)
            .allowed_o_auth_flows_user_pool_client(true)
            .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
            .allowed_o_auth_scopes("https://api.example.com/read")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ScopeDoesNotExistException",
            "Invalid scope requested: https://api.example.com/read"
        )
    );

    let created = sdk
        .create_resource_server()
        .user_pool_id(&pool_id)
        .identifier("https://api.example.com")
        .name("api")
        .scopes(scope("read"))
        .scopes(scope("write"))
        .send()
        .await
        .unwrap()
        .resource_server
        .unwrap();
    assert_eq!(created.scopes().len(), 2);
    oauth_client(
        &sdk,
        &pool_id,
        true,
        &[OAuthFlowType::ClientCredentials],
        &["https://api.example.com/read"],
    )
    .await;

    let (code, message) = error_of(
        sdk.create_resource_server()
            .user_pool_id(&pool_id)
            .identifier("https://api.example.com")
            .name("again")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.clone()),
        (
            "InvalidParameterException",
            format!("https://api.example.com already exists in user pool {pool_id}.")
        )
    );
    let (code, message) = error_of(
        sdk.create_resource_server()
            .user_pool_id(&pool_id)
            .identifier("dup")
            .name("dup")
            .scopes(scope("read"))
            .scopes(scope("read"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidParameterException",
            "Duplicate scope name read in the resource server."
        )
    );
    let mut too_many = sdk
        .create_resource_server()
        .user_pool_id(&pool_id)
        .identifier("big")
        .name("big");
    for i in 0..101 {
        too_many = too_many.scopes(scope(&format!("s{i}")));
    }
    let (code, message) = error_of(too_many.send().await);
    assert_eq!(code, "InvalidParameterException");
    assert!(
        message.contains("Member must have length less than or equal to 100"),
        "{message}"
    );

    let updated = sdk
        .update_resource_server()
        .user_pool_id(&pool_id)
        .identifier("https://api.example.com")
        .name("renamed")
        .scopes(scope("admin"))
        .send()
        .await
        .unwrap()
        .resource_server
        .unwrap();
    assert_eq!(updated.name.as_deref(), Some("renamed"));
    let described = sdk
        .describe_resource_server()
        .user_pool_id(&pool_id)
        .identifier("https://api.example.com")
        .send()
        .await
        .unwrap()
        .resource_server
        .unwrap();
    assert_eq!(described.scopes()[0].scope_name, "admin");

    for id in ["b-server", "c-server"] {
        sdk.create_resource_server()
            .user_pool_id(&pool_id)
            .identifier(id)
            .name(id)
            .send()
            .await
            .unwrap();
    }
    let first = sdk
        .list_resource_servers()
        .user_pool_id(&pool_id)
        .max_results(2)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = first
        .resource_servers()
        .iter()
        .map(|s| s.identifier.clone().unwrap())
        .collect();
    assert_eq!(ids, ["b-server", "c-server"]);
    let rest = sdk
        .list_resource_servers()
        .user_pool_id(&pool_id)
        .max_results(2)
        .next_token(first.next_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        rest.resource_servers()[0].identifier.as_deref(),
        Some("https://api.example.com")
    );
    assert!(rest.next_token.is_none());

    sdk.delete_resource_server()
        .user_pool_id(&pool_id)
        .identifier("b-server")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        sdk.describe_resource_server()
            .user_pool_id(&pool_id)
            .identifier("b-server")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFoundException",
            "Resource server b-server does not exist."
        )
    );
});

on_both_backends!(discovery_lists_the_domain_endpoints, |server| {
    let sdk = server.client();
    let pool_id = pool(server, "discovery").await;
    let http = reqwest::Client::new();
    let url = format!(
        "{}/{pool_id}/.well-known/openid-configuration",
        server.url()
    );
    let without: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        without["issuer"],
        format!("{}/{pool_id}", server.url()).as_str()
    );
    assert!(
        without.get("authorization_endpoint").is_none(),
        "no domain, no endpoints"
    );

    let prefix = fresh_prefix();
    sdk.create_user_pool_domain()
        .user_pool_id(&pool_id)
        .domain(&prefix)
        .send()
        .await
        .unwrap();
    let with: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    let base = format!(
        "http://{prefix}.auth.localhost:{}",
        server.server.addr.port()
    );
    for (field, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("userinfo_endpoint", "/oauth2/userInfo"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("introspection_endpoint", "/oauth2/introspect"),
        ("end_session_endpoint", "/logout"),
    ] {
        assert_eq!(with[field], format!("{base}{path}").as_str(), "{field}");
    }
    assert_eq!(
        with["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        with["grant_types_supported"],
        serde_json::json!([
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials"
        ])
    );

    // The domain serves the same document and the same keys.
    let host = format!("{prefix}.auth.localhost");
    let domain_http = browser(server, &host);
    let on_domain: serde_json::Value = domain_http
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(on_domain["token_endpoint"], with["token_endpoint"]);
    assert_eq!(on_domain["issuer"], with["issuer"]);
    let keys_api: serde_json::Value = http
        .get(format!("{}/{pool_id}/.well-known/jwks.json", server.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys_domain: serde_json::Value = domain_http
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys_api, keys_domain);
    // The API host keeps its routes: the domain's paths are not there.
    let response = http
        .get(format!("{}/oauth2/authorize", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
});
