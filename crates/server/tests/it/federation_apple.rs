//! Hosted sign-in through Sign in with Apple (issue 13 items 2 and 7), against a stand-in
//! written here that speaks Apple's documented endpoints: `/auth/authorize` (the test plays
//! Apple's page, which POSTs `code`, `state` and on first consent `user` back to
//! `/oauth2/idpresponse`: `response_mode=form_post`), `/auth/token`, which checks the ES256
//! client-secret JWT Cognate mints from the `.p8` key, and `/auth/keys`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
    UnparsedPublicKey,
};
use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use cognate_crypto::jwt::RsaSigningKey;
use cognate_federation::config::{AppleEndpoints, SocialEndpoints};
use serde_json::{Value, json};

use crate::support::flows::claims;
use crate::support::hosted::{CALLBACK, SiteOptions, location, params_of, site, token_request};
use crate::support::{Backend, Options, TestServer};

const SERVICES_ID: &str = "com.example.web";
const TEAM_ID: &str = "TEAM123456";
const KEY_ID: &str = "KEY1234567";

struct Apple {
    issuer: String,
    signing: RsaSigningKey,
    /// The public half of the `.p8` key Cognate holds (raw uncompressed point).
    client_key: Vec<u8>,
    /// The nonce each code was issued with.
    nonces: Mutex<HashMap<String, Option<String>>>,
}

type Shared = State<Arc<Apple>>;

async fn authorize(
    State(apple): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    assert_eq!(q["client_id"], SERVICES_ID);
    assert_eq!(q["response_mode"], "form_post");
    let code = format!("apple-code-{}", apple.nonces.lock().unwrap().len());
    apple
        .nonces
        .lock()
        .unwrap()
        .insert(code.clone(), q.get("nonce").cloned());
    let browser = headers
        .get("accept")
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if browser {
        return consent_page(&code, &q["state"], &q["redirect_uri"]);
    }
    axum::Json(json!({"code": code, "state": q["state"], "redirect_uri": q["redirect_uri"]}))
        .into_response()
}

/// Apple's page for a browser: Continue POSTs the code, the state and (first consent) the
/// user's name to Cognate's `/oauth2/idpresponse`, a cross-site `form_post`.
fn consent_page(code: &str, state: &str, redirect_uri: &str) -> Response {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    };
    let user = json!({"name": {"firstName": "Ada", "lastName": "Lovelace"}, "email": "hidden@privaterelay.appleid.com"});
    axum::response::Html(format!(
        "<!doctype html><title>Sign in with Apple</title><form method=\"post\" action=\"{}\">\
         <input type=\"hidden\" name=\"code\" value=\"{}\">\
         <input type=\"hidden\" name=\"state\" value=\"{}\">\
         <input type=\"hidden\" name=\"user\" value=\"{}\">\
         <button type=\"submit\" id=\"continue\">Continue</button></form>",
        escape(redirect_uri),
        escape(code),
        escape(state),
        escape(&user.to_string()),
    ))
    .into_response()
}

/// Checks the client-secret JWT: ES256 by the registered key, with Apple's claims.
fn client_secret_is_genuine(apple: &Apple, secret: &str) -> bool {
    let parts: Vec<&str> = secret.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return false;
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).unwrap_or_default();
    let header: Value = serde_json::from_slice(&decode(header)).unwrap_or_default();
    let claims: Value = serde_json::from_slice(&decode(payload)).unwrap_or_default();
    let signed = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &apple.client_key)
        .verify(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &decode(signature),
        )
        .is_ok();
    signed
        && header["alg"] == "ES256"
        && header["kid"] == KEY_ID
        && claims["iss"] == TEAM_ID
        && claims["sub"] == SERVICES_ID
        && claims["aud"] == apple.issuer.as_str()
}

async fn token(State(apple): Shared, Form(form): Form<HashMap<String, String>>) -> Response {
    let refuse = || {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_client"})),
        )
            .into_response()
    };
    if !form
        .get("client_secret")
        .is_some_and(|s| client_secret_is_genuine(&apple, s))
    {
        return refuse();
    }
    let Some(nonce) = form
        .get("code")
        .and_then(|c| apple.nonces.lock().unwrap().remove(c))
    else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut claims = json!({
        "iss": apple.issuer,
        "aud": SERVICES_ID,
        "sub": "001234.abcdef.0999",
        "email": "hidden@privaterelay.appleid.com",
        "email_verified": "true",
        "iat": now,
        "exp": now + 600,
    });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    let id_token = apple.signing.sign(claims.as_object().unwrap()).unwrap();
    axum::Json(json!({"access_token": "apple-access", "token_type": "Bearer", "expires_in": 3600, "id_token": id_token}))
        .into_response()
}

async fn keys(State(apple): Shared) -> Response {
    axum::Json(json!({"keys": [apple.signing.public_jwk()]})).into_response()
}

/// The `.p8` key as Apple hands it out (PKCS#8 PEM), and its public point.
fn p8_key() -> (String, Vec<u8>) {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let der = pair.to_pkcs8v1().unwrap();
    let body = STANDARD.encode(der.as_ref());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    (pem, pair.public_key().as_ref().to_vec())
}

/// A running Apple stand-in: its endpoints and the `.p8` key Cognate is configured with.
pub(crate) struct AppleStandIn {
    pub base: String,
    pub pem: String,
    pub endpoints: AppleEndpoints,
}

pub(crate) async fn start_apple() -> AppleStandIn {
    let (pem, client_key) = p8_key();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let apple = Arc::new(Apple {
        issuer: base.clone(),
        signing: RsaSigningKey::generate().unwrap(),
        client_key,
        nonces: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/auth/authorize", get(authorize))
        .route("/auth/token", post(token))
        .route("/auth/keys", get(keys))
        .with_state(apple.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let endpoints = AppleEndpoints {
        authorize_url: format!("{base}/auth/authorize"),
        token_url: format!("{base}/auth/token"),
        jwks_uri: format!("{base}/auth/keys"),
        issuer: base.clone(),
        client_secret_audience: base.clone(),
    };
    AppleStandIn {
        base,
        pem,
        endpoints,
    }
}

/// The SignInWithApple provider of a pool, for the stand-in's Services ID and key.
pub(crate) async fn create_apple_provider(server: &TestServer, pool: &str, pem: &str) {
    server
        .client()
        .create_identity_provider()
        .user_pool_id(pool)
        .provider_name("SignInWithApple")
        .provider_type(IdentityProviderTypeType::SignInWithApple)
        .provider_details("client_id", SERVICES_ID)
        .provider_details("team_id", TEAM_ID)
        .provider_details("key_id", KEY_ID)
        .provider_details("private_key", pem)
        .provider_details("authorize_scopes", "email name")
        .attribute_mapping("email", "email")
        .attribute_mapping("given_name", "firstName")
        .attribute_mapping("family_name", "lastName")
        .send()
        .await
        .unwrap();
}

async fn apple_sign_in(backend: Backend) {
    let AppleStandIn {
        base,
        pem,
        endpoints,
    } = start_apple().await;
    let Some(server) = TestServer::start_configured(backend, Options { dev: true }, |raw| {
        raw.social_endpoints = Some(SocialEndpoints {
            apple: endpoints,
            ..SocialEndpoints::default()
        });
    })
    .await
    else {
        eprintln!("TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
        return;
    };
    let site = site(&server, SiteOptions::default()).await;
    let sdk = server.client();
    create_apple_provider(&server, &site.pool, &pem).await;
    let client_id = sdk
        .create_user_pool_client()
        .user_pool_id(&site.pool)
        .client_name("apple")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("SignInWithApple")
        .callback_urls(CALLBACK)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();

    let browser = site.browser(&server);
    let mut authorize = reqwest::Url::parse(&site.url("/oauth2/authorize")).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("scope", "openid email profile")
        .append_pair("identity_provider", "SignInWithApple");
    let to_apple = location(&browser.get(authorize.as_str()).send().await.unwrap());
    assert!(
        to_apple.starts_with(&format!("{base}/auth/authorize?")),
        "{to_apple}"
    );
    // Apple's page: consent, then a POST of the code (and, the first time, the user's name).
    let consent: Value = browser
        .get(&to_apple)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        consent["redirect_uri"],
        site.url("/oauth2/idpresponse").as_str()
    );
    let user = json!({"name": {"firstName": "Ada", "lastName": "Lovelace"}, "email": "hidden@privaterelay.appleid.com"});
    let response = browser
        .post(site.url("/oauth2/idpresponse"))
        .form(&[
            ("code", consent["code"].as_str().unwrap()),
            ("state", consent["state"].as_str().unwrap()),
            ("user", &user.to_string()),
        ])
        .send()
        .await
        .unwrap();
    let to_app = location(&response);
    assert!(to_app.starts_with(CALLBACK), "{to_app}");
    let (status, _, body) = token_request(
        &server,
        &site,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &params_of(&to_app)["code"]),
            ("redirect_uri", CALLBACK),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "SignInWithApple_001234.abcdef.0999");
    assert_eq!(id["given_name"], "Ada");
    assert_eq!(id["family_name"], "Lovelace");
    assert_eq!(id["email"], "hidden@privaterelay.appleid.com");
    assert_eq!(id["identities"][0]["providerType"], "SignInWithApple");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_apple_sqlite() {
    apple_sign_in(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_apple_postgres() {
    apple_sign_in(Backend::Postgres).await;
}
