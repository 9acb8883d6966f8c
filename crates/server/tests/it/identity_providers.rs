//! Identity-provider administration through the AWS SDK (issue 13 item 1): every
//! ProviderType with the keys Cognito fills in, paging, identifiers, the signing
//! certificate, linking, and Cognito's errors, each refused request leaving nothing behind.
//! OIDC discovery runs against this server's own pool; SAML metadata by file and by URL
//! (served by a small HTTP server in the test).

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    IdentityProviderType, IdentityProviderTypeType, ProviderUserIdentifierType,
};

use crate::on_both_backends;
use crate::support::error_of;
use crate::support::hosted::{SiteOptions, site};

/// The IdP metadata samlify publishes for the fixtures of `crates/federation`.
pub const SAML_METADATA: &str =
    include_str!("../../../federation/tests/fixtures/saml/idp-metadata.xml");

async fn pool(sdk: &Client) -> String {
    sdk.create_user_pool()
        .pool_name("federated")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap()
}

fn details(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn google_details() -> HashMap<String, String> {
    details(&[
        ("client_id", "google-client"),
        ("client_secret", "google-secret"),
        ("authorize_scopes", "profile email openid"),
    ])
}

/// OIDC details naming all four endpoints, so no discovery is needed.
pub fn fixed_oidc_details() -> HashMap<String, String> {
    details(&[
        ("client_id", "corp-client"),
        ("client_secret", "corp-secret"),
        ("authorize_scopes", "openid email"),
        ("attributes_request_method", "GET"),
        ("oidc_issuer", "https://idp.corp.example"),
        ("authorize_url", "https://idp.corp.example/authorize"),
        ("token_url", "https://idp.corp.example/token"),
        ("attributes_url", "https://idp.corp.example/userinfo"),
        ("jwks_uri", "https://idp.corp.example/jwks"),
    ])
}

async fn create(
    sdk: &Client,
    pool: &str,
    name: &str,
    provider_type: IdentityProviderTypeType,
    details: HashMap<String, String>,
) -> IdentityProviderType {
    sdk.create_identity_provider()
        .user_pool_id(pool)
        .provider_name(name)
        .provider_type(provider_type)
        .set_provider_details(Some(details))
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap()
}

fn detail<'a>(provider: &'a IdentityProviderType, key: &str) -> Option<&'a str> {
    provider
        .provider_details
        .as_ref()
        .and_then(|d| d.get(key))
        .map(String::as_str)
}

on_both_backends!(social_types_show_cognitos_fixed_keys, |server| {
    let sdk = server.client();
    let pool = pool(&sdk).await;

    let google = sdk
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .provider_type(IdentityProviderTypeType::Google)
        .set_provider_details(Some(google_details()))
        .attribute_mapping("email", "email")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(google.user_pool_id.as_deref(), Some(pool.as_str()));
    assert_eq!(google.provider_type, Some(IdentityProviderTypeType::Google));
    assert_eq!(
        google.provider_details.as_ref().unwrap(),
        &details(&[
            ("client_id", "google-client"),
            ("client_secret", "google-secret"),
            ("authorize_scopes", "profile email openid"),
            (
                "attributes_url",
                "https://people.googleapis.com/v1/people/me?personFields="
            ),
            ("attributes_url_add_attributes", "true"),
            (
                "authorize_url",
                "https://accounts.google.com/o/oauth2/v2/auth"
            ),
            ("oidc_issuer", "https://accounts.google.com"),
            ("token_request_method", "POST"),
            ("token_url", "https://www.googleapis.com/oauth2/v4/token"),
        ])
    );
    assert_eq!(
        google.attribute_mapping.as_ref().unwrap(),
        &details(&[("email", "email"), ("username", "sub")])
    );
    assert!(google.creation_date.is_some() && google.last_modified_date.is_some());

    let mut facebook = details(&[
        ("client_id", "fb-app"),
        ("client_secret", "fb-secret"),
        ("authorize_scopes", "public_profile, email"),
        ("api_version", "v17.0"),
    ]);
    let fb = create(
        &sdk,
        &pool,
        "Facebook",
        IdentityProviderTypeType::Facebook,
        facebook.clone(),
    )
    .await;
    assert_eq!(detail(&fb, "token_request_method"), Some("GET"));
    assert_eq!(
        detail(&fb, "token_url"),
        Some("https://graph.facebook.com/v17.0/oauth/access_token")
    );
    assert_eq!(
        detail(&fb, "authorize_url"),
        Some("https://www.facebook.com/v17.0/dialog/oauth")
    );
    assert_eq!(
        detail(&fb, "attributes_url"),
        Some("https://graph.facebook.com/v17.0/me?fields=")
    );
    assert_eq!(
        fb.attribute_mapping.as_ref().unwrap().get("username"),
        Some(&"id".to_owned())
    );

    let amazon = create(
        &sdk,
        &pool,
        "LoginWithAmazon",
        IdentityProviderTypeType::LoginWithAmazon,
        details(&[
            ("client_id", "amzn1.application-oa2-client.x"),
            ("client_secret", "amazon-secret"),
            ("authorize_scopes", "profile postal_code"),
        ]),
    )
    .await;
    assert_eq!(
        detail(&amazon, "attributes_url"),
        Some("https://api.amazon.com/user/profile")
    );
    assert_eq!(
        detail(&amazon, "attributes_url_add_attributes"),
        Some("false")
    );
    assert_eq!(
        detail(&amazon, "token_url"),
        Some("https://api.amazon.com/auth/o2/token")
    );
    assert_eq!(
        amazon.attribute_mapping.as_ref().unwrap().get("username"),
        Some(&"user_id".to_owned())
    );

    let apple = create(
        &sdk,
        &pool,
        "SignInWithApple",
        IdentityProviderTypeType::SignInWithApple,
        details(&[
            ("client_id", "com.example.web"),
            ("team_id", "TEAM123456"),
            ("key_id", "KEY1234567"),
            (
                "private_key",
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            ),
            ("authorize_scopes", "email name"),
        ]),
    )
    .await;
    assert_eq!(detail(&apple, "private_key"), None, "never echoed");
    assert_eq!(detail(&apple, "team_id"), Some("TEAM123456"));
    assert_eq!(
        detail(&apple, "oidc_issuer"),
        Some("https://appleid.apple.com")
    );
    assert_eq!(
        detail(&apple, "authorize_url"),
        Some("https://appleid.apple.com/auth/authorize")
    );

    // Describe shows what Create showed; Update replaces the details and keeps the type.
    let described = sdk
        .describe_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Facebook")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(described, fb);
    facebook.insert("api_version".to_owned(), "v19.0".to_owned());
    let updated = sdk
        .update_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Facebook")
        .set_provider_details(Some(facebook))
        .attribute_mapping("name", "name")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(
        detail(&updated, "token_url"),
        Some("https://graph.facebook.com/v19.0/oauth/access_token")
    );
    assert_eq!(
        updated.attribute_mapping.as_ref().unwrap(),
        &details(&[("name", "name"), ("username", "id")])
    );
    assert_eq!(updated.creation_date, fb.creation_date);

    // Paging through all four, by name.
    let mut names = Vec::new();
    let mut next = None;
    loop {
        let page = sdk
            .list_identity_providers()
            .user_pool_id(&pool)
            .max_results(3)
            .set_next_token(next)
            .send()
            .await
            .unwrap();
        for p in page.providers {
            names.push(p.provider_name.unwrap());
        }
        next = page.next_token;
        if next.is_none() {
            break;
        }
    }
    assert_eq!(
        names,
        ["Facebook", "Google", "LoginWithAmazon", "SignInWithApple"]
    );

    sdk.delete_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Google")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        sdk.describe_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Google")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFoundException",
            "Identity provider Google does not exist."
        )
    );
});

on_both_backends!(oidc_endpoints_come_from_discovery, dev = true, |server| {
    // The upstream is a pool of this very server: its issuer publishes a discovery document.
    let upstream = site(server, SiteOptions::default()).await;
    let sdk = server.client();
    let pool = pool(&sdk).await;
    let issuer = format!("{}/{}", server.url(), upstream.pool);
    let created = create(
        &sdk,
        &pool,
        "Upstream",
        IdentityProviderTypeType::Oidc,
        details(&[
            ("client_id", "upstream-client"),
            ("client_secret", "upstream-secret"),
            ("authorize_scopes", "openid email"),
            ("attributes_request_method", "GET"),
            ("oidc_issuer", &issuer),
        ]),
    )
    .await;
    assert_eq!(
        detail(&created, "authorize_url"),
        Some(upstream.url("/oauth2/authorize").as_str())
    );
    assert_eq!(
        detail(&created, "token_url"),
        Some(upstream.url("/oauth2/token").as_str())
    );
    assert_eq!(
        detail(&created, "attributes_url"),
        Some(upstream.url("/oauth2/userInfo").as_str())
    );
    assert!(detail(&created, "jwks_uri").is_some_and(|u| u.ends_with("/.well-known/jwks.json")));
    assert_eq!(
        detail(&created, "attributes_url_add_attributes"),
        Some("false")
    );
    assert_eq!(detail(&created, "client_secret"), Some("upstream-secret"));

    // Given endpoints need no discovery.
    let fixed = create(
        &sdk,
        &pool,
        "Fixed",
        IdentityProviderTypeType::Oidc,
        fixed_oidc_details(),
    )
    .await;
    assert_eq!(
        detail(&fixed, "token_url"),
        Some("https://idp.corp.example/token")
    );

    // An issuer without a discovery document is refused, and nothing is stored.
    let mut unreachable = fixed_oidc_details();
    for key in ["authorize_url", "token_url", "attributes_url", "jwks_uri"] {
        unreachable.remove(key);
    }
    unreachable.insert("oidc_issuer".to_owned(), format!("{}/nobody", server.url()));
    let (code, message) = error_of(
        sdk.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Nobody")
            .provider_type(IdentityProviderTypeType::Oidc)
            .set_provider_details(Some(unreachable))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        format!(
            "Unable to contact well-known endpoint of issuer {}/nobody",
            server.url()
        )
    );
    let listed = sdk
        .list_identity_providers()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .providers;
    assert_eq!(listed.len(), 2);
});

/// Serves `body` at `/metadata` on loopback until the test ends.
async fn serve_metadata(body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app =
        axum::Router::new().route("/metadata", axum::routing::get(move || async move { body }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/metadata")
}

on_both_backends!(saml_metadata_by_file_or_url, dev = true, |server| {
    let sdk = server.client();
    let pool = pool(&sdk).await;
    let by_file = sdk
        .create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("CorpFile")
        .provider_type(IdentityProviderTypeType::Saml)
        .set_provider_details(Some(details(&[
            ("MetadataFile", SAML_METADATA),
            ("IDPSignout", "true"),
        ])))
        .attribute_mapping("email", "email")
        .idp_identifiers("Corp.Example")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert!(detail(&by_file, "SSORedirectBindingURI").is_some_and(|u| u.starts_with("https://")));
    assert!(detail(&by_file, "SLORedirectBindingURI").is_some());
    let certificate = detail(&by_file, "ActiveEncryptionCertificate").unwrap();
    assert!(certificate.starts_with("MII") && !certificate.contains("BEGIN"));
    // SAML has no fixed username source.
    assert_eq!(
        by_file.attribute_mapping.as_ref().unwrap(),
        &details(&[("email", "email")])
    );

    let url = serve_metadata(SAML_METADATA).await;
    let by_url = create(
        &sdk,
        &pool,
        "CorpUrl",
        IdentityProviderTypeType::Saml,
        details(&[("MetadataURL", &url)]),
    )
    .await;
    assert_eq!(
        detail(&by_url, "SSORedirectBindingURI"),
        detail(&by_file, "SSORedirectBindingURI")
    );
    // Each SAML provider has its own encryption key pair, kept across updates.
    let own = detail(&by_url, "ActiveEncryptionCertificate")
        .unwrap()
        .to_owned();
    assert_ne!(own, certificate);
    let updated = sdk
        .update_identity_provider()
        .user_pool_id(&pool)
        .provider_name("CorpUrl")
        .set_provider_details(Some(details(&[
            ("MetadataURL", &url),
            ("EncryptedResponses", "true"),
            ("ActiveEncryptionCertificate", "ignored on input"),
        ])))
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(
        detail(&updated, "ActiveEncryptionCertificate"),
        Some(own.as_str())
    );
    assert_eq!(detail(&updated, "EncryptedResponses"), Some("true"));

    // Identifiers find their provider, whatever the case.
    let found = sdk
        .get_identity_provider_by_identifier()
        .user_pool_id(&pool)
        .idp_identifier("corp.example")
        .send()
        .await
        .unwrap()
        .identity_provider
        .unwrap();
    assert_eq!(found.provider_name.as_deref(), Some("CorpFile"));
    let (code, message) = error_of(
        sdk.get_identity_provider_by_identifier()
            .user_pool_id(&pool)
            .idp_identifier("nobody.example")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFoundException",
            "Identity provider with identifier nobody.example does not exist."
        )
    );

    // Unreachable metadata is refused with Cognito's message.
    let missing = format!("{}/missing", url.trim_end_matches("/metadata"));
    let (code, message) = error_of(
        sdk.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Broken")
            .provider_type(IdentityProviderTypeType::Saml)
            .set_provider_details(Some(details(&[("MetadataURL", &missing)])))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message),
        (
            "InvalidParameterException",
            format!("Error retrieving metadata from {missing}")
        )
    );
    let (code, _) = error_of(
        sdk.create_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Garbage")
            .provider_type(IdentityProviderTypeType::Saml)
            .set_provider_details(Some(details(&[("MetadataFile", "<not-metadata/>")])))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
});

on_both_backends!(
    refused_requests_get_cognitos_errors_and_write_nothing,
    |server| {
        let sdk = server.client();
        let pool = pool(&sdk).await;
        let attempt =
            |name: &str, provider_type: IdentityProviderTypeType, d: HashMap<String, String>| {
                sdk.create_identity_provider()
                    .user_pool_id(&pool)
                    .provider_name(name)
                    .provider_type(provider_type)
                    .set_provider_details(Some(d))
            };
        let cases = [
        (
            attempt("MyGoogle", IdentityProviderTypeType::Google, google_details()),
            "InvalidParameterException",
            "Provider MyGoogle cannot be of type Google.".to_owned(),
        ),
        (
            attempt(
                "Google",
                IdentityProviderTypeType::Google,
                details(&[("client_id", "x")]),
            ),
            "InvalidParameterException",
            "client_id, client_secret and authorize_scopes are all required idp details"
                .to_owned(),
        ),
        (
            attempt("COGNITO", IdentityProviderTypeType::Oidc, fixed_oidc_details()),
            "InvalidParameterException",
            "ProviderName COGNITO is reserved.".to_owned(),
        ),
        (
            attempt("Corp", IdentityProviderTypeType::Oidc, {
                let mut d = fixed_oidc_details();
                d.insert("authorize_scopes".to_owned(), "email".to_owned());
                d
            }),
            "InvalidParameterException",
            "authorize_scopes of an OIDC provider must include openid.".to_owned(),
        ),
        (
            attempt("Corp", IdentityProviderTypeType::Oidc, fixed_oidc_details())
                .attribute_mapping("custom:nothing", "x"),
            "InvalidParameterException",
            "Invalid attribute mapping: Type for attribute {custom:nothing} could not be determined"
                .to_owned(),
        ),
        (
            attempt("Corp", IdentityProviderTypeType::Saml, details(&[])),
            "InvalidParameterException",
            "Exactly one of MetadataURL and MetadataFile is required.".to_owned(),
        ),
        (
            attempt("Google", IdentityProviderTypeType::Google, {
                let mut d = google_details();
                d.insert("bogus".to_owned(), "1".to_owned());
                d
            }),
            "InvalidParameterException",
            "bogus is not a valid provider details key for provider type Google.".to_owned(),
        ),
        (
            attempt("Corp", IdentityProviderTypeType::Oidc, fixed_oidc_details())
                .acr_mapping("Level9", "x"),
            "InvalidParameterException",
            "1 validation error detected: Value '{Level9=x}' at 'acrMapping' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: Level[1-4]]"
                .to_owned(),
        ),
        (
            attempt("Google", IdentityProviderTypeType::Google, google_details())
                .acr_mapping("Level1", "urn:x"),
            "InvalidParameterException",
            "AcrMapping is supported for OIDC providers only.".to_owned(),
        ),
        (
            attempt("a b", IdentityProviderTypeType::Oidc, fixed_oidc_details()),
            "InvalidParameterException",
            "1 validation error detected: Value 'a b' at 'providerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^_\\p{Z}][\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}][^_\\p{Z}]+".to_owned(),
        ),
    ];
        for (request, expected_code, expected_message) in cases {
            let (code, message) = error_of(request.send().await);
            assert_eq!((code.as_str(), message), (expected_code, expected_message));
        }
        let listed = sdk
            .list_identity_providers()
            .user_pool_id(&pool)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.providers.len(), 0, "nothing was stored");

        create(
            &sdk,
            &pool,
            "Corp",
            IdentityProviderTypeType::Oidc,
            fixed_oidc_details(),
        )
        .await;
        let (code, message) = error_of(
            attempt("Corp", IdentityProviderTypeType::Oidc, fixed_oidc_details())
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message),
            (
                "DuplicateProviderException",
                format!("Corp already exists in user pool {pool}")
            )
        );
        // An identifier is unique across the pool's providers.
        sdk.update_identity_provider()
            .user_pool_id(&pool)
            .provider_name("Corp")
            .idp_identifiers("corp.example")
            .send()
            .await
            .unwrap();
        let (code, message) = error_of(
            attempt(
                "Other",
                IdentityProviderTypeType::Oidc,
                fixed_oidc_details(),
            )
            .idp_identifiers("CORP.example")
            .send()
            .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidParameterException",
                "The identifier corp.example is already used by another identity provider in the user pool."
            )
        );
        let (code, _) = error_of(
            sdk.describe_identity_provider()
                .user_pool_id(&pool)
                .provider_name("Other")
                .send()
                .await,
        );
        assert_eq!(code, "ResourceNotFoundException");
        let (code, _) = error_of(
            sdk.create_identity_provider()
                .user_pool_id("us-east-1_nothere")
                .provider_name("Corp")
                .provider_type(IdentityProviderTypeType::Oidc)
                .set_provider_details(Some(fixed_oidc_details()))
                .send()
                .await,
        );
        assert_eq!(code, "ResourceNotFoundException");
        let (code, _) = error_of(
            sdk.delete_identity_provider()
                .user_pool_id(&pool)
                .provider_name("Nobody")
                .send()
                .await,
        );
        assert_eq!(code, "ResourceNotFoundException");

        // An app client may name only providers the pool has.
        let (code, message) = error_of(
            sdk.create_user_pool_client()
                .user_pool_id(&pool)
                .client_name("web")
                .supported_identity_providers("COGNITO")
                .supported_identity_providers("Nobody")
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message),
            (
                "InvalidParameterException",
                format!("The provider Nobody does not exist for User Pool {pool}")
            )
        );
        sdk.create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web")
            .supported_identity_providers("COGNITO")
            .supported_identity_providers("Corp")
            .send()
            .await
            .unwrap();
    }
);

on_both_backends!(concurrent_creations_of_one_name_have_one_winner, |server| {
    let sdk = server.client();
    let pool = pool(&sdk).await;
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let sdk = sdk.clone();
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            sdk.create_identity_provider()
                .user_pool_id(&pool)
                .provider_name("Corp")
                .provider_type(IdentityProviderTypeType::Oidc)
                .set_provider_details(Some(fixed_oidc_details()))
                .send()
                .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(e) => assert_eq!(error_of(Err::<(), _>(e)).0, "DuplicateProviderException"),
        }
    }
    assert_eq!(created, 1);
});

on_both_backends!(the_signing_certificate_is_one_per_pool, |server| {
    let sdk = server.client();
    let pool = pool(&sdk).await;
    let other = self::pool(&sdk).await;
    let first = sdk
        .get_signing_certificate()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    let again = sdk
        .get_signing_certificate()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    assert_eq!(first, again);
    assert!(first.starts_with("MII"));
    let elsewhere = sdk
        .get_signing_certificate()
        .user_pool_id(&other)
        .send()
        .await
        .unwrap()
        .certificate
        .unwrap();
    assert_ne!(first, elsewhere);
    let (code, _) = error_of(
        sdk.get_signing_certificate()
            .user_pool_id("us-east-1_nothere")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
});

fn provider_user(name: &str, attribute: Option<&str>, value: &str) -> ProviderUserIdentifierType {
    ProviderUserIdentifierType::builder()
        .provider_name(name)
        .set_provider_attribute_name(attribute.map(str::to_owned))
        .provider_attribute_value(value)
        .build()
}

async fn identities_of(sdk: &Client, pool: &str, username: &str) -> Vec<serde_json::Value> {
    let user = sdk
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap();
    user.user_attributes
        .unwrap_or_default()
        .into_iter()
        .find(|a| a.name == "identities")
        .map(|a| serde_json::from_str(a.value.as_deref().unwrap()).unwrap())
        .unwrap_or_default()
}

on_both_backends!(linking_and_unlinking_identities, |server| {
    let sdk = server.client();
    let pool = pool(&sdk).await;
    sdk.admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    sdk.create_identity_provider()
        .user_pool_id(&pool)
        .provider_name("Corp")
        .provider_type(IdentityProviderTypeType::Oidc)
        .set_provider_details(Some(fixed_oidc_details()))
        .attribute_mapping("email", "email")
        .send()
        .await
        .unwrap();
    create(
        &sdk,
        &pool,
        "Google",
        IdentityProviderTypeType::Google,
        google_details(),
    )
    .await;
    let alice = provider_user("Cognito", None, "alice");
    let link = |source: ProviderUserIdentifierType| {
        sdk.admin_link_provider_for_user()
            .user_pool_id(&pool)
            .destination_user(alice.clone())
            .source_user(source)
    };

    link(provider_user("Corp", Some("Cognito_Subject"), "corp-1"))
        .send()
        .await
        .unwrap();
    // Linking the same identity again changes nothing.
    link(provider_user("Corp", Some("Cognito_Subject"), "corp-1"))
        .send()
        .await
        .unwrap();
    let identities = identities_of(&sdk, &pool, "alice").await;
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0]["userId"], "corp-1");
    assert_eq!(identities[0]["providerName"], "Corp");
    assert_eq!(identities[0]["providerType"], "OIDC");
    assert_eq!(identities[0]["issuer"], serde_json::Value::Null);
    assert_eq!(identities[0]["primary"], false);
    assert!(identities[0]["dateCreated"].is_i64());

    // OIDC identities also link by a mapped attribute; social ones only by subject.
    link(provider_user("Corp", Some("email"), "alice@corp.example"))
        .send()
        .await
        .unwrap();
    let errors = [
        (
            link(provider_user("Google", Some("email"), "a@gmail.com")),
            "InvalidParameterException",
            "ProviderAttributeName must be Cognito_Subject for Google providers.",
        ),
        (
            link(provider_user("Corp", Some("name"), "Alice")),
            "InvalidParameterException",
            "ProviderAttributeName name is not mapped by identity provider Corp.",
        ),
        (
            link(provider_user("Cognito", None, "bob")),
            "InvalidParameterException",
            "Invalid SourceUser: Cognito users with a username/password may not be passed in as a SourceUser, only as a DestinationUser",
        ),
        (
            link(provider_user("Nowhere", Some("Cognito_Subject"), "x")),
            "ResourceNotFoundException",
            "Identity provider Nowhere does not exist.",
        ),
        (
            sdk.admin_link_provider_for_user()
                .user_pool_id(&pool)
                .destination_user(provider_user("Cognito", None, "nobody"))
                .source_user(provider_user("Google", Some("Cognito_Subject"), "g-1")),
            "UserNotFoundException",
            "User does not exist.",
        ),
    ];
    for (request, expected_code, expected_message) in errors {
        let (code, message) = error_of(request.send().await);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (expected_code, expected_message)
        );
    }

    // At most five linked identities per user.
    for i in 0..3 {
        link(provider_user(
            "Google",
            Some("Cognito_Subject"),
            &format!("g-{i}"),
        ))
        .send()
        .await
        .unwrap();
    }
    let (code, _) = error_of(
        link(provider_user("Google", Some("Cognito_Subject"), "g-9"))
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceededException");
    assert_eq!(identities_of(&sdk, &pool, "alice").await.len(), 5);

    // One identity links to one user.
    sdk.admin_create_user()
        .user_pool_id(&pool)
        .username("bob")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        sdk.admin_link_provider_for_user()
            .user_pool_id(&pool)
            .destination_user(provider_user("Cognito", None, "bob"))
            .source_user(provider_user("Corp", Some("Cognito_Subject"), "corp-1"))
            .send()
            .await,
    );
    assert_eq!(code, "AliasExistsException");
    assert!(identities_of(&sdk, &pool, "bob").await.is_empty());

    // Unlinking removes the identity from the user.
    sdk.admin_disable_provider_for_user()
        .user_pool_id(&pool)
        .user(provider_user("Corp", Some("Cognito_Subject"), "corp-1"))
        .send()
        .await
        .unwrap();
    let left: Vec<String> = identities_of(&sdk, &pool, "alice")
        .await
        .iter()
        .map(|i| i["userId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, ["alice@corp.example", "g-0", "g-1", "g-2"]);
    let (code, message) = error_of(
        sdk.admin_disable_provider_for_user()
            .user_pool_id(&pool)
            .user(provider_user("Corp", Some("Cognito_Subject"), "corp-1"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("UserNotFoundException", "User does not exist.")
    );
    // The freed identity can link elsewhere now.
    sdk.admin_link_provider_for_user()
        .user_pool_id(&pool)
        .destination_user(provider_user("Cognito", None, "bob"))
        .source_user(provider_user("Corp", Some("Cognito_Subject"), "corp-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(identities_of(&sdk, &pool, "bob").await.len(), 1);
});
