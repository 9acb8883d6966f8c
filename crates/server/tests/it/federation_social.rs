//! Hosted sign-in through Facebook and Login with Amazon (issue 13 items 2 and 7), each
//! played by a small stand-in written here that speaks the provider's documented endpoints
//! (Facebook: the dialog, Graph's `oauth/access_token` by GET and `/me?fields=`; Amazon:
//! `/ap/oa`, `/auth/o2/token` by POST, the profile API with a bearer token). The server reaches
//! them through its `social_endpoints` configuration, as an air-gapped site would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cognate_federation::config::{AmazonEndpoints, FacebookEndpoints, SocialEndpoints};
use serde_json::json;

use crate::support::flows::claims;
use crate::support::hosted::{
    CALLBACK, Site, SiteOptions, location, params_of, site, token_request,
};
use crate::support::{Backend, Options, TestServer};

/// What the stand-in remembers: the redirect URI each code was issued for.
#[derive(Default)]
struct Seen {
    redirect_uris: HashMap<String, String>,
}

type Shared = State<Arc<Mutex<Seen>>>;

pub(crate) async fn serve_social() -> String {
    let state = Arc::new(Mutex::new(Seen::default()));
    let router = Router::new()
        .route("/www/{version}/dialog/oauth", get(facebook_dialog))
        .route("/graph/{version}/oauth/access_token", get(facebook_token))
        .route("/graph/{version}/me", get(facebook_me))
        .route("/ap/oa", get(amazon_authorize))
        .route("/auth/o2/token", post(amazon_token))
        .route("/user/profile", get(amazon_profile))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

fn bad_request(body: serde_json::Value) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// The user consents at once: back to Cognate with a code for this redirect URI.
fn consent(state: &Mutex<Seen>, code: &str, q: &HashMap<String, String>) -> Response {
    let redirect_uri = q["redirect_uri"].clone();
    state
        .lock()
        .unwrap()
        .redirect_uris
        .insert(code.to_owned(), redirect_uri.clone());
    let mut url = reqwest::Url::parse(&redirect_uri).unwrap();
    url.query_pairs_mut()
        .append_pair("code", code)
        .append_pair("state", &q["state"]);
    Redirect::to(url.as_str()).into_response()
}

fn code_fits(state: &Mutex<Seen>, code: Option<&String>, redirect_uri: Option<&String>) -> bool {
    let seen = state.lock().unwrap();
    code.and_then(|c| seen.redirect_uris.get(c)) == redirect_uri && redirect_uri.is_some()
}

async fn facebook_dialog(
    State(state): Shared,
    Path(_version): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    assert_eq!(q["client_id"], "fb-app");
    assert_eq!(q["response_type"], "code");
    consent(&state, "fb-code", &q)
}

async fn facebook_token(
    State(state): Shared,
    Path(_version): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let fits = code_fits(&state, q.get("code"), q.get("redirect_uri"));
    if !fits
        || q.get("client_id").map(String::as_str) != Some("fb-app")
        || q.get("client_secret").map(String::as_str) != Some("fb-secret")
    {
        return bad_request(json!({"error": {"type": "OAuthException"}}));
    }
    axum::Json(
        json!({"access_token": "fb-user-token", "token_type": "bearer", "expires_in": 5183944}),
    )
    .into_response()
}

async fn facebook_me(Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("access_token").map(String::as_str) != Some("fb-user-token") {
        return bad_request(json!({"error": {"type": "OAuthException", "code": 190}}));
    }
    let mut me = serde_json::Map::new();
    for field in q.get("fields").map(|f| f.split(',')).into_iter().flatten() {
        match field {
            "id" => me.insert("id".to_owned(), json!("10156000000000001")),
            "email" => me.insert("email".to_owned(), json!("fan@example.com")),
            "name" => me.insert("name".to_owned(), json!("Fan Example")),
            _ => None,
        };
    }
    axum::Json(serde_json::Value::Object(me)).into_response()
}

async fn amazon_authorize(
    State(state): Shared,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    assert_eq!(q["client_id"], "amzn1.application-oa2-client.test");
    consent(&state, "amzn-code", &q)
}

async fn amazon_token(State(state): Shared, Form(form): Form<HashMap<String, String>>) -> Response {
    let fits = code_fits(&state, form.get("code"), form.get("redirect_uri"));
    if !fits
        || form.get("grant_type").map(String::as_str) != Some("authorization_code")
        || form.get("client_secret").map(String::as_str) != Some("amzn-secret")
    {
        return bad_request(json!({"error": "invalid_grant"}));
    }
    axum::Json(json!({"access_token": "Atza|token", "token_type": "bearer", "expires_in": 3600}))
        .into_response()
}

async fn amazon_profile(headers: HeaderMap) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some("Atza|token") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_token"})),
        )
            .into_response();
    }
    axum::Json(json!({"user_id": "amzn1.account.AFAEXAMPLE", "email": "buyer@example.com", "name": "Buyer", "postal_code": "98101"}))
        .into_response()
}

pub(crate) fn endpoints(social: &str) -> SocialEndpoints {
    SocialEndpoints {
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
        ..SocialEndpoints::default()
    }
}

/// A pool with a domain, Facebook and Login with Amazon, and an app client for both.
pub(crate) async fn social_site(server: &TestServer) -> (Site, String) {
    let site = site(server, SiteOptions::default()).await;
    let sdk = server.client();
    sdk.create_identity_provider()
        .user_pool_id(&site.pool)
        .provider_name("Facebook")
        .provider_type(IdentityProviderTypeType::Facebook)
        .provider_details("client_id", "fb-app")
        .provider_details("client_secret", "fb-secret")
        .provider_details("authorize_scopes", "public_profile, email")
        .attribute_mapping("email", "email")
        .attribute_mapping("name", "name")
        .send()
        .await
        .unwrap();
    sdk.create_identity_provider()
        .user_pool_id(&site.pool)
        .provider_name("LoginWithAmazon")
        .provider_type(IdentityProviderTypeType::LoginWithAmazon)
        .provider_details("client_id", "amzn1.application-oa2-client.test")
        .provider_details("client_secret", "amzn-secret")
        .provider_details("authorize_scopes", "profile postal_code")
        .attribute_mapping("email", "email")
        .attribute_mapping("address", "postal_code")
        .send()
        .await
        .unwrap();
    let client = sdk
        .create_user_pool_client()
        .user_pool_id(&site.pool)
        .client_name("social")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("Facebook")
        .supported_identity_providers("LoginWithAmazon")
        .callback_urls(CALLBACK)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    (site, client.client_id.unwrap())
}

/// Signs in through `provider` and returns the ID token's claims.
async fn sign_in_with(
    server: &TestServer,
    site: &Site,
    client_id: &str,
    provider: &str,
) -> serde_json::Value {
    let browser = site.browser(server);
    let mut authorize = reqwest::Url::parse(&site.url("/oauth2/authorize")).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("scope", "openid email profile")
        .append_pair("identity_provider", provider);
    let to_provider = location(&browser.get(authorize.as_str()).send().await.unwrap());
    let back = location(&browser.get(&to_provider).send().await.unwrap());
    assert!(back.contains("/oauth2/idpresponse?"), "{back}");
    let to_app = location(&browser.get(&back).send().await.unwrap());
    assert!(to_app.starts_with(CALLBACK), "{to_app}");
    let code = params_of(&to_app)["code"].clone();
    let (status, _, body) = token_request(
        server,
        site,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    claims(body["id_token"].as_str().unwrap())
}

async fn facebook_and_amazon(backend: Backend) {
    let social = serve_social().await;
    let Some(server) = TestServer::start_configured(backend, Options { dev: true }, |raw| {
        raw.social_endpoints = Some(endpoints(&social));
    })
    .await
    else {
        eprintln!("TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
        return;
    };
    let (site, client_id) = social_site(&server).await;

    let id = sign_in_with(&server, &site, &client_id, "Facebook").await;
    assert_eq!(id["cognito:username"], "Facebook_10156000000000001");
    assert_eq!(id["email"], "fan@example.com");
    assert_eq!(id["name"], "Fan Example");
    assert_eq!(
        id["email_verified"], false,
        "an unmapped email_verified stays false"
    );
    assert_eq!(id["identities"][0]["providerType"], "Facebook");
    assert_eq!(id["identities"][0]["userId"], "10156000000000001");
    assert_eq!(
        id["cognito:groups"],
        json!([format!("{}_Facebook", site.pool)])
    );

    let id = sign_in_with(&server, &site, &client_id, "LoginWithAmazon").await;
    assert_eq!(
        id["cognito:username"],
        "LoginWithAmazon_amzn1.account.AFAEXAMPLE"
    );
    assert_eq!(id["email"], "buyer@example.com");
    assert_eq!(id["identities"][0]["providerName"], "LoginWithAmazon");
    let user = server
        .client()
        .admin_get_user()
        .user_pool_id(&site.pool)
        .username("LoginWithAmazon_amzn1.account.AFAEXAMPLE")
        .send()
        .await
        .unwrap();
    let address = user
        .user_attributes
        .unwrap()
        .into_iter()
        .find(|a| a.name == "address")
        .and_then(|a| a.value);
    assert_eq!(address.as_deref(), Some("98101"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facebook_and_amazon_sqlite() {
    facebook_and_amazon(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facebook_and_amazon_postgres() {
    facebook_and_amazon(Backend::Postgres).await;
}
