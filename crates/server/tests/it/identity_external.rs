//! Identity-pool logins from external providers, checked through the federation engine
//! (`crates/federation`, behind the domain's `ExternalIdentityProviders` port): an OpenID
//! Connect provider named by an IAM OIDC provider ARN, Google (an ID token) and Facebook (an
//! access token checked through the Graph API), each played by a stand-in on loopback that
//! really signs its tokens and serves discovery and JWKS, and a SAML provider whose Responses
//! a real IdP implementation (samlify, `interop/saml/identity-login.cjs`) makes and signs.
//! The server runs in dev mode, the one mode in which `http://` providers on loopback are
//! allowed. Both databases.

use std::collections::BTreeMap;

use aws_sdk_cognitoidentity::Client as IdentityClient;
use aws_sdk_cognitoidentity::types::{
    AmbiguousRoleResolutionType, MappingRule, MappingRuleMatchType, RoleMapping, RoleMappingType,
    RulesConfigurationType,
};
use cognate_crypto::jwt::RsaSigningKey;
use cognate_server::config::{
    OidcProviderEntry, SamlProviderEntry, SocialProvidersConfig, StsConfig,
};
use serde_json::{Map, Value, json};

use crate::support::flows::{claims, now_secs};
use crate::support::identity::{
    ADMIN_ROLE, AUTH_ROLE, READER_ROLE, StsStandIn, UNAUTH_ROLE, identity_client, identity_error,
    verified_claims,
};
use crate::support::{Backend, Options, TestServer};

const OIDC_CLIENT: &str = "oidc-client";
const GOOGLE_CLIENT: &str = "google-client.apps.googleusercontent.com";
const FACEBOOK_APP: &str = "fb-app";
const FACEBOOK_USER: &str = "10156000000000001";
const SAML_ARN: &str = "arn:aws:iam::123456789012:saml-provider/corp";
const SAML_IDP: &str = "https://idp.example.com/saml/metadata";

/// An OpenID Connect provider on loopback: discovery and a JWKS, and ID tokens it signs.
struct Issuer {
    url: String,
    key: RsaSigningKey,
}

impl Issuer {
    async fn start() -> Issuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let key = RsaSigningKey::generate().unwrap();
        let mut jwk = key.public_jwk();
        jwk["use"] = json!("sig");
        let discovery = json!({
            "issuer": url,
            "authorization_endpoint": format!("{url}/authorize"),
            "token_endpoint": format!("{url}/token"),
            "jwks_uri": format!("{url}/jwks"),
        });
        let jwks = json!({ "keys": [jwk] });
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                axum::routing::get(move || async move { axum::Json(discovery) }),
            )
            .route(
                "/jwks",
                axum::routing::get(move || async move { axum::Json(jwks) }),
            );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Issuer { url, key }
    }

    /// The Logins key: the issuer without its scheme, as the IAM provider ARN names it.
    fn login_key(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    fn arn(&self) -> String {
        format!(
            "arn:aws:iam::123456789012:oidc-provider/{}",
            self.login_key()
        )
    }

    fn claims(&self, sub: &str, aud: &str) -> Map<String, Value> {
        let now = now_secs();
        json!({"iss": self.url, "sub": sub, "aud": aud, "iat": now, "exp": now + 600})
            .as_object()
            .unwrap()
            .clone()
    }

    fn token(&self, sub: &str, aud: &str) -> String {
        self.key.sign(&self.claims(sub, aud)).unwrap()
    }

    fn token_with(&self, sub: &str, aud: &str, extra: Value) -> String {
        let mut claims = self.claims(sub, aud);
        claims.extend(extra.as_object().unwrap().clone());
        self.key.sign(&claims).unwrap()
    }
}

/// Facebook's Graph API for one app and one user: `/app` and `/me` answer for the user's
/// access token and refuse any other.
async fn facebook_graph() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answer = |body: Value| {
        move |query: axum::extract::Query<BTreeMap<String, String>>| async move {
            if query.get("access_token").map(String::as_str) == Some("fb-user-token") {
                (axum::http::StatusCode::OK, axum::Json(body))
            } else {
                let error = json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}});
                (axum::http::StatusCode::BAD_REQUEST, axum::Json(error))
            }
        }
    };
    let app = axum::Router::new()
        .route(
            "/v17.0/app",
            axum::routing::get(answer(json!({"id": FACEBOOK_APP, "name": "Test app"}))),
        )
        .route(
            "/v17.0/me",
            axum::routing::get(answer(json!({"id": FACEBOOK_USER, "name": "Fay Book"}))),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// A loopback address nothing listens on.
async fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

struct Providers {
    oidc: Issuer,
    google: Issuer,
    /// An OIDC provider configured on the server whose issuer does not answer.
    unreachable: String,
}

impl Providers {
    fn unreachable_arn(&self) -> String {
        format!(
            "arn:aws:iam::123456789012:oidc-provider/{}",
            self.unreachable.trim_start_matches("http://")
        )
    }
}

async fn on(backend: Backend) {
    let providers = Providers {
        oidc: Issuer::start().await,
        google: Issuer::start().await,
        unreachable: closed_port().await,
    };
    let graph = facebook_graph().await;
    let sts = StsStandIn::start().await;
    let oidc_providers = vec![
        OidcProviderEntry {
            arn: providers.oidc.arn(),
            url: Some(providers.oidc.url.clone()),
            client_ids: vec!["another-client".to_owned(), OIDC_CLIENT.to_owned()],
        },
        OidcProviderEntry {
            arn: providers.unreachable_arn(),
            url: Some(providers.unreachable.clone()),
            client_ids: vec![OIDC_CLIENT.to_owned()],
        },
    ];
    let social = SocialProvidersConfig {
        google_issuer: Some(providers.google.url.clone()),
        google_jwks_uri: Some(format!("{}/jwks", providers.google.url)),
        facebook_graph_url: Some(graph),
        ..SocialProvidersConfig::default()
    };
    let sts_url = sts.url.clone();
    let saml_metadata = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../federation/tests/fixtures/saml/idp-metadata.xml");
    let Some(server) = TestServer::start_configured(backend, Options { dev: true }, move |raw| {
        raw.sts = Some(StsConfig {
            endpoint: sts_url,
            timeout_seconds: Some(5),
        });
        raw.openid_connect_providers = oidc_providers;
        raw.social_providers = Some(social);
        raw.saml_providers = vec![SamlProviderEntry {
            arn: SAML_ARN.to_owned(),
            metadata_file: Some(saml_metadata),
            metadata_url: None,
        }];
    })
    .await
    else {
        eprintln!("TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
        return;
    };
    external_logins(&server, &sts, &providers).await;
    refusals(&server, &providers).await;
    if samlify_installed() {
        saml_logins(&server, &sts).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_provider_logins_sqlite() {
    on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_provider_logins_postgres() {
    on(Backend::Postgres).await;
}

/// A pool trusting the OIDC provider, Google and Facebook, with both roles.
async fn external_pool(identity: &IdentityClient, providers: &Providers) -> String {
    let pool = identity
        .create_identity_pool()
        .identity_pool_name("external logins")
        .allow_unauthenticated_identities(false)
        .open_id_connect_provider_arns(providers.oidc.arn())
        .open_id_connect_provider_arns(providers.unreachable_arn())
        .supported_login_providers("accounts.google.com", GOOGLE_CLIENT)
        .supported_login_providers("graph.facebook.com", FACEBOOK_APP)
        .send()
        .await
        .unwrap()
        .identity_pool_id;
    identity
        .set_identity_pool_roles()
        .identity_pool_id(&pool)
        .roles("authenticated", AUTH_ROLE)
        .roles("unauthenticated", UNAUTH_ROLE)
        .send()
        .await
        .unwrap();
    pool
}

async fn get_id(
    identity: &IdentityClient,
    pool: &str,
    logins: &[(&str, &str)],
) -> Result<String, (String, String)> {
    let mut request = identity.get_id().identity_pool_id(pool);
    for (key, token) in logins {
        request = request.logins(*key, *token);
    }
    match request.send().await {
        Ok(answer) => Ok(answer.identity_id.unwrap()),
        Err(e) => Err(identity_error::<_, _>(Err::<(), _>(e))),
    }
}

async fn external_logins(server: &TestServer, sts: &StsStandIn, providers: &Providers) {
    let identity = identity_client(server);
    let pool = external_pool(&identity, providers).await;
    let (oidc_key, oidc) = (providers.oidc.login_key(), &providers.oidc);

    // An OIDC login: one identity per subject, found again on the next sign-in.
    let token = oidc.token("oidc-user-1", OIDC_CLIENT);
    let id = get_id(&identity, &pool, &[(&oidc_key, &token)])
        .await
        .unwrap();
    let again = oidc.token("oidc-user-1", OIDC_CLIENT);
    assert_eq!(
        get_id(&identity, &pool, &[(&oidc_key, &again)])
            .await
            .unwrap(),
        id
    );
    let other = get_id(
        &identity,
        &pool,
        &[(&oidc_key, &oidc.token("oidc-user-2", OIDC_CLIENT))],
    )
    .await
    .unwrap();
    assert_ne!(other, id);

    // Credentials: the authenticated role, asked of STS with an OpenID token whose `amr`
    // names the provider, the audience and the subject.
    let answered = identity
        .get_credentials_for_identity()
        .identity_id(&id)
        .logins(&oidc_key, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(answered.identity_id(), Some(id.as_str()));
    let call = sts.last();
    assert_eq!(call.role_arn, AUTH_ROLE);
    let openid = verified_claims(server, &call.token).await;
    assert_eq!(openid["sub"], id.as_str());
    assert_eq!(
        openid["amr"],
        json!([
            "authenticated",
            oidc_key,
            format!("{oidc_key}:{OIDC_CLIENT}:oidc-user-1")
        ])
    );

    // Rules on the provider's claims choose the role.
    let rule = MappingRule::builder()
        .claim("department")
        .match_type(MappingRuleMatchType::Equals)
        .value("engineering")
        .role_arn(ADMIN_ROLE)
        .build()
        .unwrap();
    let mapping = RoleMapping::builder()
        .r#type(RoleMappingType::Rules)
        .ambiguous_role_resolution(AmbiguousRoleResolutionType::Deny)
        .rules_configuration(
            RulesConfigurationType::builder()
                .rules(rule)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    identity
        .set_identity_pool_roles()
        .identity_pool_id(&pool)
        .roles("authenticated", AUTH_ROLE)
        .role_mappings(&oidc_key, mapping)
        .send()
        .await
        .unwrap();
    let engineer = oidc.token_with(
        "oidc-user-1",
        OIDC_CLIENT,
        json!({"department": "engineering"}),
    );
    identity
        .get_credentials_for_identity()
        .identity_id(&id)
        .logins(&oidc_key, &engineer)
        .send()
        .await
        .unwrap();
    assert_eq!(sts.last().role_arn, ADMIN_ROLE);
    let (calls, sales) = (
        sts.calls().len(),
        oidc.token_with("oidc-user-1", OIDC_CLIENT, json!({"department": "sales"})),
    );
    let refused = identity
        .get_credentials_for_identity()
        .identity_id(&id)
        .logins(&oidc_key, &sales)
        .send()
        .await;
    assert_eq!(identity_error(refused).0, "NotAuthorizedException");
    assert_eq!(sts.calls().len(), calls, "a denied role reaches no STS");

    // Google links to the same identity when presented beside the OIDC login; Facebook's
    // access token, checked through the Graph API, makes an identity of its own.
    let google = providers.google.token("google-user", GOOGLE_CLIENT);
    let linked = get_id(
        &identity,
        &pool,
        &[(&oidc_key, &token), ("accounts.google.com", &google)],
    )
    .await
    .unwrap();
    assert_eq!(linked, id);
    assert_eq!(
        get_id(&identity, &pool, &[("accounts.google.com", &google)])
            .await
            .unwrap(),
        id
    );
    let described = identity
        .describe_identity()
        .identity_id(&id)
        .send()
        .await
        .unwrap();
    let mut logins = described.logins().to_vec();
    logins.sort();
    let mut expected = vec!["accounts.google.com".to_owned(), oidc_key.clone()];
    expected.sort();
    assert_eq!(logins, expected);
    let facebook = get_id(&identity, &pool, &[("graph.facebook.com", "fb-user-token")])
        .await
        .unwrap();
    assert!(facebook != id && facebook != other);
    identity
        .get_credentials_for_identity()
        .identity_id(&facebook)
        .logins("graph.facebook.com", "fb-user-token")
        .send()
        .await
        .unwrap();
    assert_eq!(
        claims(&sts.last().token)["amr"],
        json!([
            "authenticated",
            "graph.facebook.com",
            format!("graph.facebook.com:{FACEBOOK_APP}:{FACEBOOK_USER}")
        ])
    );
}

/// Every bad login is refused with Cognito's error, and makes no identity.
async fn refusals(server: &TestServer, providers: &Providers) {
    let identity = identity_client(server);
    let pool = external_pool(&identity, providers).await;
    let (oidc_key, oidc) = (providers.oidc.login_key(), &providers.oidc);
    let not_authorized = |message: &str| ("NotAuthorizedException".to_owned(), message.to_owned());

    let forger = RsaSigningKey::from_pkcs8_pem(
        oidc.key.kid(),
        RsaSigningKey::generate()
            .unwrap()
            .to_pkcs8_pem()
            .unwrap()
            .expose(),
    )
    .unwrap();
    let forged = forger
        .sign(&oidc.claims("oidc-user-1", OIDC_CLIENT))
        .unwrap();
    let tampered = {
        let token = oidc.token("oidc-user-1", OIDC_CLIENT);
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims = oidc.claims("someone-else", OIDC_CLIENT);
        claims.insert("iat".to_owned(), json!(now_secs()));
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&claims).unwrap());
        format!("{}.{payload}.{}", parts[0], parts[2])
    };
    let expired = oidc.token_with(
        "oidc-user-1",
        OIDC_CLIENT,
        json!({"iat": now_secs() - 7200, "exp": now_secs() - 3600}),
    );
    let google_as_oidc = providers.google.token("google-user", OIDC_CLIENT);
    let other_issuer = oidc.token_with(
        "oidc-user-1",
        OIDC_CLIENT,
        json!({"iss": "https://login.example.org"}),
    );
    let cases: Vec<(&str, String, (String, String))> = vec![
        (
            &oidc_key,
            forged,
            not_authorized("Invalid login token. Couldn't verify signed token."),
        ),
        (
            &oidc_key,
            tampered,
            not_authorized("Invalid login token. Couldn't verify signed token."),
        ),
        (
            &oidc_key,
            expired,
            not_authorized("Invalid login token. Token expired."),
        ),
        (
            &oidc_key,
            oidc.token("oidc-user-1", "other-client"),
            not_authorized("Invalid login token. Incorrect token audience."),
        ),
        (
            &oidc_key,
            other_issuer,
            not_authorized("Invalid login token. Issuer doesn't match providerName"),
        ),
        (
            &oidc_key,
            google_as_oidc,
            not_authorized("Invalid login token. Couldn't verify signed token."),
        ),
        (
            &oidc_key,
            "not a token".to_owned(),
            not_authorized("Invalid login token. Not a valid OpenId Connect identity token."),
        ),
        (
            "accounts.google.com",
            providers.google.token("google-user", "another-app"),
            not_authorized("Invalid login token. Incorrect token audience."),
        ),
        (
            "graph.facebook.com",
            "stolen-token".to_owned(),
            not_authorized("Invalid login token. The provider did not accept the access token"),
        ),
        (
            "www.amazon.com",
            "Atza|token".to_owned(),
            not_authorized("Token is not from a supported provider of this identity pool."),
        ),
        (
            "api.twitter.com",
            "token;secret".to_owned(),
            not_authorized("Token is not from a supported provider of this identity pool."),
        ),
    ];
    for (key, token, expected) in cases {
        assert_eq!(
            get_id(&identity, &pool, &[(key, &token)]).await,
            Err(expected),
            "{key} with {token}"
        );
    }
    // The provider that does not answer is the provider's failure, not the caller's.
    let unreachable_key = providers.unreachable.trim_start_matches("http://");
    let (code, message) = get_id(
        &identity,
        &pool,
        &[(unreachable_key, &oidc.token("oidc-user-1", OIDC_CLIENT))],
    )
    .await
    .unwrap_err();
    assert_eq!(code, "ExternalServiceException");
    assert!(
        message.starts_with(&format!(
            "The login provider {unreachable_key} did not answer as expected"
        )),
        "{message}"
    );
    // A pool naming an OIDC provider this server was not told about.
    let stranger = identity
        .create_identity_pool()
        .identity_pool_name("unknown provider")
        .allow_unauthenticated_identities(false)
        .open_id_connect_provider_arns("arn:aws:iam::123456789012:oidc-provider/login.example.net")
        .send()
        .await
        .unwrap()
        .identity_pool_id;
    let (code, message) = get_id(
        &identity,
        &stranger,
        &[("login.example.net", &oidc.token("oidc-user-1", OIDC_CLIENT))],
    )
    .await
    .unwrap_err();
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. The OpenID Connect provider arn:aws:iam::123456789012:oidc-provider/login.example.net is not configured on this server."
        )
    );
    let listed = identity
        .list_identities()
        .identity_pool_id(&pool)
        .max_results(60)
        .send()
        .await
        .unwrap();
    assert!(
        listed.identities().is_empty(),
        "a refused login made an identity"
    );
}

fn samlify_installed() -> bool {
    let installed = crate::interop::interop_dir()
        .join("saml/node_modules/samlify")
        .exists()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    crate::identity_interop::available("node or samlify in interop/saml/node_modules", installed)
}

/// A SAML Response made now by samlify (`interop/saml/identity-login.cjs`), base64.
fn saml_response(request: Value) -> String {
    let output = std::process::Command::new("node")
        .arg(crate::interop::interop_dir().join("saml/identity-login.cjs"))
        .arg(request.to_string())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

async fn saml_logins(server: &TestServer, sts: &StsStandIn) {
    let identity = identity_client(server);
    let pool = identity
        .create_identity_pool()
        .identity_pool_name("saml logins")
        .allow_unauthenticated_identities(false)
        .saml_provider_arns(SAML_ARN)
        .send()
        .await
        .unwrap()
        .identity_pool_id;
    identity
        .set_identity_pool_roles()
        .identity_pool_id(&pool)
        .roles("authenticated", AUTH_ROLE)
        .role_mappings(
            SAML_ARN,
            RoleMapping::builder()
                .r#type(RoleMappingType::Token)
                .ambiguous_role_resolution(AmbiguousRoleResolutionType::AuthenticatedRole)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let response = saml_response(json!({
        "nameId": "alice@example.com",
        "attributes": {
            "https://aws.amazon.com/SAML/Attributes/Role": [
                format!("{ADMIN_ROLE},{SAML_ARN}"),
                format!("{SAML_ARN},{READER_ROLE}"),
            ],
            "groups": ["admins"],
        },
    }));

    // The same Response serves GetId and then GetCredentialsForIdentity, as the enhanced
    // flow presents it twice.
    let id = get_id(&identity, &pool, &[(SAML_ARN, &response)])
        .await
        .unwrap();
    assert_eq!(
        get_id(&identity, &pool, &[(SAML_ARN, &response)])
            .await
            .unwrap(),
        id
    );
    identity
        .get_credentials_for_identity()
        .identity_id(&id)
        .logins(SAML_ARN, &response)
        .custom_role_arn(READER_ROLE)
        .send()
        .await
        .unwrap();
    let call = sts.last();
    assert_eq!(call.role_arn, READER_ROLE);
    assert_eq!(
        claims(&call.token)["amr"],
        json!([
            "authenticated",
            SAML_ARN,
            format!("{SAML_ARN}:{SAML_IDP}:alice@example.com")
        ])
    );
    // Two roles and no choice: the ambiguous case, here the authenticated role.
    identity
        .get_credentials_for_identity()
        .identity_id(&id)
        .logins(SAML_ARN, &response)
        .send()
        .await
        .unwrap();
    assert_eq!(sts.last().role_arn, AUTH_ROLE);
    let refused = identity
        .get_credentials_for_identity()
        .identity_id(&id)
        .logins(SAML_ARN, &response)
        .custom_role_arn(UNAUTH_ROLE)
        .send()
        .await;
    assert_eq!(identity_error(refused).0, "NotAuthorizedException");

    let bad = [
        (
            saml_response(json!({"nameId": "mallory@example.com", "keys": "other-idp"})),
            "Invalid login token. Invalid SAML response received: SAML Assertion signature is invalid.",
        ),
        (
            saml_response(
                json!({"nameId": "alice@example.com", "audience": "urn:amazon:cognito:sp:us-east-1_Other"}),
            ),
            "Invalid login token. Invalid SAML response received:",
        ),
        (
            saml_response(
                json!({"nameId": "alice@example.com", "recipient": "https://evil.example.com/saml"}),
            ),
            "Invalid login token. Invalid SAML response received:",
        ),
        (
            saml_response(json!({"nameId": "alice@example.com", "ageSeconds": 900})),
            "Invalid login token. Invalid SAML response received:",
        ),
        (
            "PHNhbWxwOlJlc3BvbnNlLz4=".to_owned(),
            "Invalid login token. Invalid SAML response received:",
        ),
    ];
    for (response, expected) in bad {
        let (code, message) = get_id(&identity, &pool, &[(SAML_ARN, &response)])
            .await
            .unwrap_err();
        assert_eq!(code, "NotAuthorizedException", "{message}");
        assert!(message.starts_with(expected), "{message}");
    }
    let listed = identity
        .list_identities()
        .identity_pool_id(&pool)
        .max_results(60)
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.identities().len(),
        1,
        "a refused Response made an identity"
    );

    // A SAML provider ARN the server was not told about.
    let stranger = identity
        .create_identity_pool()
        .identity_pool_name("unknown saml")
        .allow_unauthenticated_identities(false)
        .saml_provider_arns("arn:aws:iam::123456789012:saml-provider/other")
        .send()
        .await
        .unwrap()
        .identity_pool_id;
    let (code, message) = get_id(
        &identity,
        &stranger,
        &[("arn:aws:iam::123456789012:saml-provider/other", &response)],
    )
    .await
    .unwrap_err();
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. The SAML provider arn:aws:iam::123456789012:saml-provider/other is not configured on this server."
        )
    );
}
