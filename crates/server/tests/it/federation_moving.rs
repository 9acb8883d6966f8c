//! Federation in `cognate export` / `import` (issue 13): identity providers (their secret
//! details and SAML encryption keys re-sealed for the target's key), federated links and the
//! pool's SAML signing key move with their pool. Proven by use: after the move, on another
//! key, a federated sign-in through the moved provider (its sealed client secret opened)
//! signs the linked identity in as the native user.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    IdentityProviderTypeType, ProviderUserIdentifierType,
};

use crate::federation_oidc::{
    Downstream, downstream_with, federated_code, tokens, two_site_browser, upstream_for,
    upstream_sub,
};
use crate::identity_providers::SAML_METADATA;
use crate::moving::{key_of, path, run};
use crate::support::flows::claims;
use crate::support::hosted::{Site, SiteOptions, site};
use crate::support::{Backend, Options, TestServer, fresh_dir};

async fn sub_of(sdk: &Client, pool: &str, username: &str) -> String {
    sdk.admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap()
        .user_attributes
        .unwrap()
        .into_iter()
        .find(|a| a.name == "sub")
        .unwrap()
        .value
        .unwrap()
}

/// What the moved pool must still answer: the SAML provider's encryption certificate and
/// the pool's signing certificate.
async fn saml_certificates(sdk: &Client, pool: &str) -> (String, String) {
    let described = sdk
        .describe_identity_provider()
        .user_pool_id(pool)
        .provider_name("Corp")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    let encryption = described.provider_details.unwrap()["ActiveEncryptionCertificate"].clone();
    let signing = sdk
        .get_signing_certificate()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    (encryption, signing)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_links_and_saml_keys_move_with_export_and_import() {
    let source = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let down_site = site(&source, SiteOptions::default()).await;
    let upstream = upstream_for(&down_site).await;
    let down = downstream_with(&source, down_site, &upstream).await;
    let sdk = source.client();
    let pool = down.site.pool.clone();
    sdk.create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .provider_type(IdentityProviderTypeType::Saml)
        .provider_details("MetadataFile", SAML_METADATA)
        .idp_identifiers("corp.example")
        .send()
        .await
        .unwrap();
    let certificates = saml_certificates(&sdk, &pool).await;
    // The upstream's alice is linked to the pool's own alice before she ever signs in.
    let upstream_alice = upstream_sub(&upstream, "alice").await;
    sdk.admin_link_provider_for_user()
        .user_pool_id(&pool)
        .destination_user(
            ProviderUserIdentifierType::builder()
                .provider_name("Cognito")
                .provider_attribute_value(&down.site.username)
                .build(),
        )
        .source_user(
            ProviderUserIdentifierType::builder()
                .provider_name("Upstream")
                .provider_attribute_name("Cognito_Subject")
                .provider_attribute_value(&upstream_alice)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let native_sub = sub_of(&sdk, &pool, &down.site.username).await;

    // Export for another deployment's key, and import there.
    let target_dir = fresh_dir();
    let target_url = format!(
        "sqlite://{}?mode=rwc",
        target_dir.join("cognate.db").display()
    );
    TestServer::start_at(
        target_url.clone(),
        target_dir.clone(),
        Options { dev: true },
    )
    .await
    .server
    .stop()
    .await
    .unwrap();
    let file = fresh_dir().join("export.jsonl");
    let (ok, stdout, stderr) = run(vec![
        "export".into(),
        "--out".into(),
        path(&file),
        "--target-key-file".into(),
        path(&key_of(&target_dir)),
        "--database-url".into(),
        source.database_url.clone(),
        "--data-dir".into(),
        path(source.data_dir()),
    ])
    .await;
    assert!(ok, "{stdout}\n{stderr}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("{\"identity_provider\":"),
        "no provider record"
    );
    assert!(text.contains("{\"federated_link\":"), "no link record");
    assert!(
        text.contains("{\"pool_signing_key\":"),
        "no signing key record"
    );
    assert!(
        !text.contains(&upstream.secret),
        "the provider's client secret is in clear"
    );
    source.stop().await;
    let import = || {
        vec![
            "import".into(),
            "--file".into(),
            path(&file),
            "--database-url".into(),
            target_url.clone(),
            "--data-dir".into(),
            path(&target_dir),
        ]
    };
    let (ok, _, done) = run(import()).await;
    assert!(ok, "{done}");
    assert!(done.contains("identity_provider"), "{done}");
    // Again: everything is there already, nothing is duplicated.
    let (ok, _, again) = run(import()).await;
    assert!(ok, "{again}");
    assert!(again.contains("already there"), "{again}");

    let target = TestServer::start_at(target_url, target_dir, Options { dev: true }).await;
    let sdk = target.client();
    assert_eq!(saml_certificates(&sdk, &pool).await, certificates);
    let found = sdk
        .get_identity_provider_by_identifier()
        .user_pool_id(&pool)
        .idp_identifier("corp.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        found.identity_provider.unwrap().provider_name.as_deref(),
        Some("Corp")
    );

    // The domain answers on the target's port now; the upstream learns the new callback.
    let moved = Site {
        base: format!(
            "http://{}.auth.localhost:{}",
            down.site.prefix,
            target.server.addr.port()
        ),
        ..down.site.clone()
    };
    let upstream_sdk = upstream.server.client();
    upstream_sdk
        .update_user_pool_client()
        .user_pool_id(&upstream.site.pool)
        .client_id(&upstream.client_id)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(aws_sdk_cognitoidentityprovider::types::OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("COGNITO")
        .callback_urls(moved.url("/oauth2/idpresponse"))
        .send()
        .await
        .unwrap();
    let moved = Downstream {
        site: moved,
        client_id: down.client_id.clone(),
    };
    let browser = two_site_browser(&target, &moved.site, &upstream);
    let code = federated_code(&browser, &moved, &upstream, "alice").await;
    let id = claims(
        tokens(&target, &moved, &code).await["id_token"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["sub"], native_sub.as_str());
    assert_eq!(id["cognito:username"], moved.site.username.as_str());
    assert_eq!(id["identities"][0]["userId"], upstream_alice.as_str());
    target.stop().await;
    upstream.server.stop().await;
}
