//! Forged and broken ID tokens from an upstream OIDC provider, end to end through the hosted
//! domain (issue 13 item 7): a hostile stand-in provider answers the code exchange with a
//! token whose issuer, audience, expiry, algorithm, key or nonce is wrong. Each sign-in ends
//! at the app's callback with Cognito's `error=invalid_request` and a description, and no
//! user is created.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_cognitoidentityprovider::types::{IdentityProviderTypeType, OAuthFlowType};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_crypto::jwt::RsaSigningKey;
use serde_json::json;

use crate::on_both_backends;
use crate::support::hosted::{CALLBACK, SiteOptions, location, params_of, site};

const CLIENT: &str = "evil-client";

struct Hostile {
    issuer: String,
    published: RsaSigningKey,
    unpublished: RsaSigningKey,
    /// Signs with the unpublished key under the published key's `kid`.
    impostor: RsaSigningKey,
    /// The nonce sent with each code.
    nonces: Mutex<HashMap<String, String>>,
}

type Shared = State<Arc<Hostile>>;

/// The "user" consents at once; the test picks the attack with `mode`, which becomes the code.
async fn authorize(State(op): Shared, Query(q): Query<HashMap<String, String>>) -> Response {
    let mode = q["mode"].clone();
    op.nonces
        .lock()
        .unwrap()
        .insert(mode.clone(), q.get("nonce").cloned().unwrap_or_default());
    let mut to = reqwest::Url::parse(&q["redirect_uri"]).unwrap();
    to.query_pairs_mut()
        .append_pair("code", &mode)
        .append_pair("state", &q["state"]);
    Redirect::to(to.as_str()).into_response()
}

async fn token(State(op): Shared, Form(form): Form<HashMap<String, String>>) -> Response {
    let mode = form["code"].clone();
    let nonce = op.nonces.lock().unwrap().remove(&mode).unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut claims = json!({
        "iss": op.issuer, "aud": CLIENT, "sub": "victim", "email": "victim@example.com",
        "nonce": nonce, "iat": now, "exp": now + 600,
    });
    let mut key = &op.published;
    match mode.as_str() {
        "wrong-iss" => claims["iss"] = json!("https://evil.example"),
        "wrong-aud" => claims["aud"] = json!("someone-else"),
        "expired" => {
            claims["iat"] = json!(now - 7200);
            claims["exp"] = json!(now - 3600);
        }
        "wrong-nonce" => claims["nonce"] = json!("not-the-nonce"),
        "unknown-kid" => key = &op.unpublished,
        "other-key" => key = &op.impostor,
        _ => {}
    }
    let id_token = if mode == "alg-none" {
        let header = json!({"alg": "none", "kid": op.published.kid()});
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    } else {
        key.sign(claims.as_object().unwrap()).unwrap()
    };
    axum::Json(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 600, "id_token": id_token}))
        .into_response()
}

async fn jwks(State(op): Shared) -> Response {
    axum::Json(json!({"keys": [op.published.public_jwk()]})).into_response()
}

async fn userinfo() -> Response {
    axum::Json(json!({"sub": "victim", "email": "victim@example.com"})).into_response()
}

on_both_backends!(forged_id_tokens_create_nobody, dev = true, |server| {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let published = RsaSigningKey::generate().unwrap();
    let unpublished = RsaSigningKey::generate().unwrap();
    let impostor = RsaSigningKey::from_pkcs8_pem(
        published.kid(),
        unpublished.to_pkcs8_pem().unwrap().expose(),
    )
    .unwrap();
    let unknown_kid = unpublished.kid().to_owned();
    let op = Arc::new(Hostile {
        issuer: base.clone(),
        published,
        unpublished,
        impostor,
        nonces: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/jwks", get(jwks))
        .route("/userinfo", get(userinfo))
        .with_state(op);
    tokio::spawn(async move { axum::serve(listener, router).await });

    let site = site(server, SiteOptions::default()).await;
    let sdk = server.client();
    sdk.create_identity_provider()
        .user_pool_id(&site.pool)
        .provider_name("Evil")
        .provider_type(IdentityProviderTypeType::Oidc)
        .provider_details("client_id", CLIENT)
        .provider_details("client_secret", "evil-secret")
        .provider_details("authorize_scopes", "openid email")
        .provider_details("attributes_request_method", "GET")
        .provider_details("oidc_issuer", &base)
        .provider_details("authorize_url", format!("{base}/authorize"))
        .provider_details("token_url", format!("{base}/token"))
        .provider_details("attributes_url", format!("{base}/userinfo"))
        .provider_details("jwks_uri", format!("{base}/jwks"))
        .attribute_mapping("email", "email")
        .send()
        .await
        .unwrap();
    let client_id = sdk
        .create_user_pool_client()
        .user_pool_id(&site.pool)
        .client_name("victim-app")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .supported_identity_providers("Evil")
        .callback_urls(CALLBACK)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    let users = || async {
        sdk.list_users()
            .user_pool_id(&site.pool)
            .send()
            .await
            .unwrap()
            .users
            .unwrap_or_default()
            .len()
    };
    let before = users().await;

    let attempt = |mode: &'static str| {
        let browser = site.browser(server);
        let authorize = format!(
            "{}?response_type=code&client_id={client_id}&redirect_uri={}&state=s1&identity_provider=Evil",
            site.url("/oauth2/authorize"),
            CALLBACK
        );
        async move {
            let to_op = location(&browser.get(&authorize).send().await.unwrap());
            let back = location(
                &browser
                    .get(format!("{to_op}&mode={mode}"))
                    .send()
                    .await
                    .unwrap(),
            );
            let to_app = location(&browser.get(&back).send().await.unwrap());
            assert!(to_app.starts_with(CALLBACK), "{to_app}");
            params_of(&to_app)
        }
    };
    let cases = [
        (
            "wrong-iss",
            "Bad id_token issuer https://evil.example".to_owned(),
        ),
        ("wrong-aud", "Bad id_token audience".to_owned()),
        ("expired", "id_token expired".to_owned()),
        ("alg-none", "Bad id_token algorithm none".to_owned()),
        ("unknown-kid", format!("Bad id_token key id {unknown_kid}")),
        ("other-key", "Bad id_token signature".to_owned()),
        ("wrong-nonce", "Bad id_token nonce".to_owned()),
    ];
    for (mode, description) in cases {
        let params = attempt(mode).await;
        assert_eq!(params["error"], "invalid_request", "{mode}");
        assert_eq!(params["error_description"], description, "{mode}");
        assert_eq!(params["state"], "s1");
        assert!(!params.contains_key("code"));
    }
    assert_eq!(users().await, before, "no forged token created a user");

    // The same provider with a sound token signs the user in: the refusals were the checks.
    let params = attempt("good").await;
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(users().await, before + 1);
});
