//! Google, Facebook, Login with Amazon and Sign in with Apple, each played by a stand-in that
//! speaks the provider's documented endpoints, reached through the engine's overridable
//! endpoints (as tests and air-gapped sites configure them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use cognate_crypto::SecretString;
use cognate_domain::external::{
    AttributesMethod, AuthorizationCallback, AuthorizationRequest, ClientCredentials,
    ExternalIdentityProviders, OAuthProvider, OAuthProviderType, ProviderEndpoints,
};
use cognate_federation::config::{
    AmazonEndpoints, AppleEndpoints, FacebookEndpoints, GoogleEndpoints, SocialEndpoints,
};
use cognate_federation::{Federation, FederationConfig};
use serde_json::{Value, json};

use crate::stand_in::{Op, serve};
use crate::{NOW_SECS, engine_with, now};

const REDIRECT: &str = "https://app.auth.example.com/oauth2/idpresponse";

/// Points every social provider at stand-ins: Google and Apple at OIDC-style `Op`s, Facebook
/// and Amazon at `Social`.
pub fn endpoints(google: &Op, apple: &Op, social: &str) -> SocialEndpoints {
    SocialEndpoints {
        google: GoogleEndpoints {
            authorize_url: format!("{}/authorize", google.base),
            token_url: format!("{}/token", google.base),
            attributes_url: format!("{social}/people/me?personFields="),
            jwks_uri: format!("{}/jwks", google.base),
            issuer: google.issuer(),
            issuer_aliases: vec![],
        },
        facebook: FacebookEndpoints {
            www_base: format!("{social}/www"),
            graph_base: format!("{social}/graph"),
            default_api_version: "v17.0".to_owned(),
        },
        amazon: AmazonEndpoints {
            authorize_url: format!("{social}/ap/oa"),
            token_url: format!("{social}/auth/o2/token"),
            profile_url: format!("{social}/user/profile"),
            tokeninfo_url: format!("{social}/auth/o2/tokeninfo"),
        },
        apple: AppleEndpoints {
            authorize_url: format!("{}/authorize", apple.base),
            token_url: format!("{}/token", apple.base),
            jwks_uri: format!("{}/jwks", apple.base),
            issuer: apple.issuer(),
            client_secret_audience: "https://appleid.example".to_owned(),
        },
    }
}

pub fn social_engine(google: &Op, apple: &Op, social: &str) -> Federation {
    let endpoints = endpoints(google, apple, social);
    engine_with(move |c: &mut FederationConfig| c.endpoints = endpoints)
}

/// The Graph API, Amazon's token/profile/tokeninfo APIs and Google's People API.
#[derive(Default)]
pub struct SocialState {
    pub seen: Vec<(String, HashMap<String, String>, Option<String>)>,
    pub facebook_app_id: String,
    pub facebook_secret: String,
    pub amazon_client_id: String,
}

pub async fn social() -> (String, Arc<Mutex<SocialState>>) {
    let state = Arc::new(Mutex::new(SocialState {
        facebook_app_id: "fb-app".to_owned(),
        facebook_secret: "fb-secret".to_owned(),
        amazon_client_id: "amzn1.application-oa2-client.test".to_owned(),
        ..SocialState::default()
    }));
    let router = Router::new()
        .route("/graph/{version}/oauth/access_token", get(facebook_token))
        .route("/graph/{version}/me", get(facebook_me))
        .route("/graph/{version}/app", get(facebook_app))
        .route("/auth/o2/token", post(amazon_token))
        .route("/user/profile", get(amazon_profile))
        .route("/auth/o2/tokeninfo", get(amazon_tokeninfo))
        .route("/people/me", get(google_people))
        .with_state(state.clone());
    (serve(router).await, state)
}

type Shared = State<Arc<Mutex<SocialState>>>;

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
}

fn note(
    state: &Mutex<SocialState>,
    path: &str,
    params: HashMap<String, String>,
    headers: &HeaderMap,
) {
    state
        .lock()
        .unwrap()
        .seen
        .push((path.to_owned(), params, bearer(headers)));
}

async fn facebook_token(
    State(state): Shared,
    Path(version): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    note(
        &state,
        &format!("/graph/{version}/oauth/access_token"),
        q.clone(),
        &headers,
    );
    let s = state.lock().unwrap();
    if q.get("client_id") != Some(&s.facebook_app_id)
        || q.get("client_secret") != Some(&s.facebook_secret)
        || q.get("code").map(String::as_str) != Some("fb-code")
        || q.get("redirect_uri").map(String::as_str) != Some(REDIRECT)
    {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error":{"type":"OAuthException"}})),
        )
            .into_response();
    }
    axum::Json(json!({"access_token":"fb-user-token","token_type":"bearer","expires_in":5183944}))
        .into_response()
}

async fn facebook_me(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    note(&state, "/graph/me", q.clone(), &headers);
    let s = state.lock().unwrap();
    if q.get("access_token").map(String::as_str) != Some("fb-user-token") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error":{"type":"OAuthException","code":190}})),
        )
            .into_response();
    }
    if let Some(proof) = q.get("appsecret_proof") {
        let key =
            aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, s.facebook_secret.as_bytes());
        if *proof != hex::encode(aws_lc_rs::hmac::sign(&key, b"fb-user-token").as_ref()) {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error":{"message":"Invalid appsecret_proof"}})),
            )
                .into_response();
        }
    }
    let mut me = serde_json::Map::new();
    for field in q
        .get("fields")
        .map(|f| f.split(',').collect::<Vec<_>>())
        .unwrap_or_default()
    {
        match field {
            "id" => me.insert("id".to_owned(), json!("10156000000000001")),
            "email" => me.insert("email".to_owned(), json!("fan@example.com")),
            "name" => me.insert("name".to_owned(), json!("Fan Example")),
            _ => None,
        };
    }
    axum::Json(Value::Object(me)).into_response()
}

async fn facebook_app(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    note(&state, "/graph/app", q.clone(), &headers);
    let s = state.lock().unwrap();
    if q.get("access_token").map(String::as_str) != Some("fb-user-token") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error":{"code":190}})),
        )
            .into_response();
    }
    axum::Json(json!({"id": s.facebook_app_id, "name": "Test app"})).into_response()
}

async fn amazon_token(
    State(state): Shared,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    note(&state, "/auth/o2/token", form.clone(), &headers);
    let s = state.lock().unwrap();
    if form.get("client_id") != Some(&s.amazon_client_id)
        || form.get("client_secret").map(String::as_str) != Some("amzn-secret")
        || form.get("code").map(String::as_str) != Some("amzn-code")
    {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error":"invalid_grant"})),
        )
            .into_response();
    }
    axum::Json(json!({"access_token":"Atza|token","refresh_token":"Atzr|r","token_type":"bearer","expires_in":3600})).into_response()
}

async fn amazon_profile(State(state): Shared, headers: HeaderMap) -> Response {
    note(&state, "/user/profile", HashMap::new(), &headers);
    if bearer(&headers).as_deref() != Some("Atza|token") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error":"invalid_token"})),
        )
            .into_response();
    }
    axum::Json(json!({"user_id":"amzn1.account.AFAEXAMPLE","email":"buyer@example.com","name":"Buyer","postal_code":"98101"})).into_response()
}

async fn amazon_tokeninfo(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    note(&state, "/auth/o2/tokeninfo", q.clone(), &headers);
    let s = state.lock().unwrap();
    if q.get("access_token").map(String::as_str) != Some("Atza|token") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error":"invalid_token"})),
        )
            .into_response();
    }
    axum::Json(json!({"iss":"https://www.amazon.com","user_id":"amzn1.account.AFAEXAMPLE","aud":s.amazon_client_id,"app_id":"amzn1.application.test","exp":3597,"iat":1})).into_response()
}

async fn google_people(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    note(&state, "/people/me", q.clone(), &headers);
    if bearer(&headers)
        .as_deref()
        .is_none_or(|t| !t.starts_with("at-"))
    {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    axum::Json(json!({"resourceName":"people/1","names":[{"displayName":"Alice Example"}],"birthdays":[{"date":{"year":1990,"month":1,"day":2}}]})).into_response()
}

fn provider(
    kind: OAuthProviderType,
    client_id: &str,
    credentials: ClientCredentials,
    scopes: &[&str],
) -> OAuthProvider {
    OAuthProvider {
        name: kind.as_str().to_owned(),
        provider_type: kind,
        client_id: client_id.to_owned(),
        credentials,
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        issuer: None,
        endpoints: ProviderEndpoints::default(),
        attributes_method: AttributesMethod::Get,
        api_version: None,
        requested_attributes: vec![],
    }
}

fn secret(value: &str) -> ClientCredentials {
    ClientCredentials::Secret(SecretString::new(value.to_owned()))
}

fn request() -> AuthorizationRequest {
    AuthorizationRequest {
        redirect_uri: REDIRECT.to_owned(),
        state: "st".to_owned(),
        nonce: Some("nonce-1".to_owned()),
        pkce_verifier: Some(SecretString::new("verifier-1".to_owned())),
        prompt: Some("none".to_owned()),
        login_hint: Some("hint@example.com".to_owned()),
    }
}

fn callback(code: &str, nonce: Option<&str>, verifier: Option<&str>) -> AuthorizationCallback {
    AuthorizationCallback {
        code: SecretString::new(code.to_owned()),
        redirect_uri: REDIRECT.to_owned(),
        pkce_verifier: verifier.map(|v| SecretString::new(v.to_owned())),
        nonce: nonce.map(str::to_owned),
        apple_user: None,
    }
}

fn query(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

#[tokio::test]
async fn google_signs_in_with_pkce_nonce_and_the_people_api() {
    let google = Op::start(NOW_SECS).await;
    let apple = Op::start(NOW_SECS).await;
    let (social, seen) = social().await;
    let engine = social_engine(&google, &apple, &social);
    let mut google_provider = provider(
        OAuthProviderType::Google,
        "upstream-client",
        secret("upstream-secret"),
        &["profile", "email", "openid"],
    );
    google_provider.requested_attributes = vec![
        "email".to_owned(),
        "names".to_owned(),
        "birthdays".to_owned(),
    ];

    let upstream = engine
        .authorization_url(&google_provider, &request(), now())
        .await
        .unwrap();
    assert!(upstream.pkce_sent && upstream.nonce_sent);
    let params = query(&upstream.url);
    assert_eq!(params["scope"], "profile email openid");
    assert!(
        !params.contains_key("prompt"),
        "prompt=none is not forwarded"
    );
    assert!(
        !params.contains_key("login_hint"),
        "login_hint goes to OIDC providers only"
    );

    let code = google.sign_in(&upstream.url, "117892860558610669905");
    let signed_in = engine
        .complete_authorization(
            &google_provider,
            &callback(&code, Some("nonce-1"), Some("verifier-1")),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(signed_in.subject, "117892860558610669905");
    assert_eq!(
        signed_in.attributes["names"][0]["displayName"],
        "Alice Example"
    );
    assert_eq!(
        signed_in.attributes["email"],
        "117892860558610669905@example.com"
    );
    let people = seen
        .lock()
        .unwrap()
        .seen
        .iter()
        .find(|s| s.0 == "/people/me")
        .cloned()
        .unwrap();
    assert_eq!(people.1["personFields"], "names,birthdays");

    // Google's token errors carry Google's code.
    let error = engine
        .complete_authorization(
            &google_provider,
            &callback("used-code", Some("nonce-1"), Some("verifier-1")),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "Google Error - 400 invalid_grant"
    );
}

#[tokio::test]
async fn facebook_exchanges_by_get_and_reads_graph_me() {
    let google = Op::start(NOW_SECS).await;
    let (social, seen) = social().await;
    let engine = social_engine(&google, &google, &social);
    let mut facebook = provider(
        OAuthProviderType::Facebook,
        "fb-app",
        secret("fb-secret"),
        &["public_profile", "email"],
    );
    facebook.api_version = Some("v17.0".to_owned());
    facebook.requested_attributes = vec!["email".to_owned(), "name".to_owned()];

    let upstream = engine
        .authorization_url(&facebook, &request(), now())
        .await
        .unwrap();
    assert!(
        upstream
            .url
            .starts_with(&format!("{social}/www/v17.0/dialog/oauth?"))
    );
    assert_eq!(query(&upstream.url)["scope"], "public_profile,email");
    assert!(!upstream.nonce_sent && !upstream.pkce_sent);

    let signed_in = engine
        .complete_authorization(&facebook, &callback("fb-code", None, None), now())
        .await
        .unwrap();
    assert_eq!(signed_in.subject, "10156000000000001");
    assert_eq!(signed_in.attributes["email"], "fan@example.com");
    assert_eq!(signed_in.issuer, None);
    let me = seen
        .lock()
        .unwrap()
        .seen
        .iter()
        .find(|s| s.0 == "/graph/me")
        .cloned()
        .unwrap();
    assert_eq!(me.1["fields"], "id,email,name");
    assert!(me.1.contains_key("appsecret_proof"));

    let error = engine
        .complete_authorization(&facebook, &callback("bad-code", None, None), now())
        .await
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "Facebook Error - 400 error getting token"
    );
}

#[tokio::test]
async fn login_with_amazon_reads_the_profile_api() {
    let google = Op::start(NOW_SECS).await;
    let (social, seen) = social().await;
    let engine = social_engine(&google, &google, &social);
    let amazon = provider(
        OAuthProviderType::LoginWithAmazon,
        "amzn1.application-oa2-client.test",
        secret("amzn-secret"),
        &["profile", "postal_code"],
    );
    let upstream = engine
        .authorization_url(&amazon, &request(), now())
        .await
        .unwrap();
    assert!(upstream.url.starts_with(&format!("{social}/ap/oa?")));
    assert_eq!(query(&upstream.url)["scope"], "profile postal_code");

    let signed_in = engine
        .complete_authorization(&amazon, &callback("amzn-code", None, None), now())
        .await
        .unwrap();
    assert_eq!(signed_in.subject, "amzn1.account.AFAEXAMPLE");
    assert_eq!(signed_in.attributes["postal_code"], "98101");
    let token = seen
        .lock()
        .unwrap()
        .seen
        .iter()
        .find(|s| s.0 == "/auth/o2/token")
        .cloned()
        .unwrap();
    assert_eq!(token.1["client_secret"], "amzn-secret");
    assert_eq!(token.1["grant_type"], "authorization_code");
}

/// The `.p8` key of an Apple developer account: an EC P-256 key in PKCS#8 PEM.
fn apple_p8() -> (String, jsonwebtoken::DecodingKey) {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use base64::Engine;
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let der = pair.to_pkcs8v1().unwrap();
    let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
    let point = pair.public_key().as_ref().to_vec();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let decoding =
        jsonwebtoken::DecodingKey::from_ec_components(&b64(&point[1..33]), &b64(&point[33..65]))
            .unwrap();
    (pem, decoding)
}

#[tokio::test]
async fn sign_in_with_apple_uses_form_post_and_an_es256_client_secret() {
    let apple = Op::start(NOW_SECS).await;
    let (social, _) = social().await;
    let engine = social_engine(&apple, &apple, &social);
    let (p8, public) = apple_p8();
    let apple_provider = provider(
        OAuthProviderType::SignInWithApple,
        "com.example.services",
        ClientCredentials::AppleKey {
            team_id: "TEAM123456".to_owned(),
            key_id: "KEY1234567".to_owned(),
            private_key_pem: SecretString::new(p8),
        },
        &["email", "name"],
    );
    apple.with(|s| s.client_id = "com.example.services".to_owned());

    let upstream = engine
        .authorization_url(&apple_provider, &request(), now())
        .await
        .unwrap();
    let params = query(&upstream.url);
    assert_eq!(params["response_mode"], "form_post");
    assert_eq!(params["nonce"], "nonce-1");
    assert!(!upstream.pkce_sent);

    apple.with(|s| s.client_secret_jwt_key = Some(public.clone()));
    let code = apple.sign_in(&upstream.url, "001234.abcdef");
    let mut cb = callback(&code, Some("nonce-1"), None);
    cb.apple_user = Some(
        r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"posted@example.com"}"#
            .to_owned(),
    );
    let signed_in = engine
        .complete_authorization(&apple_provider, &cb, now())
        .await
        .unwrap();
    assert_eq!(signed_in.subject, "001234.abcdef");
    assert_eq!(signed_in.attributes["firstName"], "Ada");
    assert_eq!(signed_in.attributes["lastName"], "Lovelace");
    // The ID token's email wins over the posted one.
    assert_eq!(signed_in.attributes["email"], "001234.abcdef@example.com");

    // The client secret was an ES256 JWT minted from the .p8 key.
    let minted = apple.seen("/token")[0].params["client_secret"].clone();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&["https://appleid.example"]);
    validation.validate_exp = false;
    let decoded = jsonwebtoken::decode::<Value>(&minted, &public, &validation).unwrap();
    assert_eq!(decoded.header.kid.as_deref(), Some("KEY1234567"));
    assert_eq!(decoded.claims["iss"], "TEAM123456");
    assert_eq!(decoded.claims["sub"], "com.example.services");
    assert_eq!(decoded.claims["iat"], NOW_SECS);
    assert_eq!(decoded.claims["exp"], NOW_SECS + 300);

    // A secret signed with another key is refused by Apple.
    let (other_p8, _) = apple_p8();
    let mut forged = apple_provider.clone();
    forged.credentials = ClientCredentials::AppleKey {
        team_id: "TEAM123456".to_owned(),
        key_id: "KEY1234567".to_owned(),
        private_key_pem: SecretString::new(other_p8),
    };
    let code = apple.sign_in(&upstream.url, "001234.abcdef");
    let error = engine
        .complete_authorization(&forged, &callback(&code, Some("nonce-1"), None), now())
        .await
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "SignInWithApple Error - 401 error getting token"
    );
}
#[tokio::test]
async fn social_defaults_are_the_real_endpoints() {
    let engine = Federation::new(FederationConfig::default()).unwrap();
    let google = provider(OAuthProviderType::Google, "c", secret("s"), &["openid"]);
    let resolved = engine.resolve_endpoints(&google, now()).await.unwrap();
    assert_eq!(
        resolved.authorize_url,
        "https://accounts.google.com/o/oauth2/v2/auth"
    );
    assert_eq!(
        resolved.token_url,
        "https://www.googleapis.com/oauth2/v4/token"
    );
    assert_eq!(
        resolved.issuer.as_deref(),
        Some("https://accounts.google.com")
    );
    let mut facebook = provider(OAuthProviderType::Facebook, "c", secret("s"), &["email"]);
    facebook.api_version = Some("v19.0".to_owned());
    let resolved = engine.resolve_endpoints(&facebook, now()).await.unwrap();
    assert_eq!(
        resolved.authorize_url,
        "https://www.facebook.com/v19.0/dialog/oauth"
    );
    assert_eq!(
        resolved.token_url,
        "https://graph.facebook.com/v19.0/oauth/access_token"
    );
    assert_eq!(
        resolved.attributes_url.as_deref(),
        Some("https://graph.facebook.com/v19.0/me?fields=")
    );
    let amazon = provider(
        OAuthProviderType::LoginWithAmazon,
        "c",
        secret("s"),
        &["profile"],
    );
    let resolved = engine.resolve_endpoints(&amazon, now()).await.unwrap();
    assert_eq!(
        resolved.attributes_url.as_deref(),
        Some("https://api.amazon.com/user/profile")
    );
    let apple = provider(
        OAuthProviderType::SignInWithApple,
        "c",
        secret("s"),
        &["email"],
    );
    let resolved = engine.resolve_endpoints(&apple, now()).await.unwrap();
    assert_eq!(resolved.token_url, "https://appleid.apple.com/auth/token");
    assert_eq!(
        resolved.jwks_uri.as_deref(),
        Some("https://appleid.apple.com/auth/keys")
    );
}
