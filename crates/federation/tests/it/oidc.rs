//! A generic OIDC provider: discovery, the authorization-code flow with `client_secret_post`,
//! PKCE S256 and a nonce, userInfo, and every ID-token attack refused with its text.

use std::collections::HashMap;
use std::time::Duration;

use cognate_crypto::SecretString;
use cognate_domain::external::{
    AttributesMethod, AuthorizationCallback, AuthorizationRequest, ClientCredentials,
    ExternalError, ExternalIdentityProviders, IdTokenCheck, OAuthProvider, OAuthProviderType,
    ProviderEndpoints,
};
use serde_json::json;

use crate::stand_in::{Op, TestKey, sign_hmac, unsigned_token};
use crate::{NOW_SECS, engine, engine_with, now};

const REDIRECT: &str = "https://app.auth.example.com/oauth2/idpresponse";

fn provider(op: &Op) -> OAuthProvider {
    OAuthProvider {
        name: "MyOIDC".to_owned(),
        provider_type: OAuthProviderType::Oidc,
        client_id: "upstream-client".to_owned(),
        credentials: ClientCredentials::Secret(SecretString::new("upstream-secret".to_owned())),
        scopes: vec!["openid".to_owned(), "email".to_owned()],
        issuer: Some(op.issuer()),
        endpoints: ProviderEndpoints::default(),
        attributes_method: AttributesMethod::Get,
        api_version: None,
        requested_attributes: vec![],
    }
}

fn request(nonce: &str, verifier: &str) -> AuthorizationRequest {
    AuthorizationRequest {
        redirect_uri: REDIRECT.to_owned(),
        state: "sealed-state".to_owned(),
        nonce: Some(nonce.to_owned()),
        pkce_verifier: Some(SecretString::new(verifier.to_owned())),
        prompt: Some("login".to_owned()),
        login_hint: Some("alice@example.com".to_owned()),
    }
}

fn callback(code: String, nonce: Option<&str>, verifier: Option<&str>) -> AuthorizationCallback {
    AuthorizationCallback {
        code: SecretString::new(code),
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

fn check(op: &Op) -> IdTokenCheck {
    IdTokenCheck {
        issuer: op.issuer(),
        audiences: vec!["upstream-client".to_owned()],
        jwks_uri: None,
        nonce: None,
        hmac_secret: None,
    }
}

fn description(error: ExternalError) -> String {
    error.error_description()
}

#[tokio::test]
async fn code_flow_with_discovery_pkce_nonce_and_userinfo() {
    let op = Op::start(NOW_SECS).await;
    op.with(|s| {
        s.userinfo
            .insert("email".to_owned(), json!("from-userinfo@example.com"));
        s.userinfo.insert("given_name".to_owned(), json!("Alice"));
    });
    let engine = engine();
    let provider = provider(&op);

    let endpoints = engine.resolve_endpoints(&provider, now()).await.unwrap();
    assert_eq!(endpoints.token_url, format!("{}/token", op.base));
    assert_eq!(
        endpoints.jwks_uri.as_deref(),
        Some(format!("{}/jwks", op.base).as_str())
    );
    assert!(endpoints.supports_pkce);

    let upstream = engine
        .authorization_url(&provider, &request("n-1", "verifier-1"), now())
        .await
        .unwrap();
    assert!(upstream.nonce_sent && upstream.pkce_sent);
    assert!(upstream.url.starts_with(&format!("{}/authorize?", op.base)));
    let params = query(&upstream.url);
    assert_eq!(params["client_id"], "upstream-client");
    assert_eq!(params["redirect_uri"], REDIRECT);
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["scope"], "openid email");
    assert_eq!(params["state"], "sealed-state");
    assert_eq!(params["nonce"], "n-1");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(
        params["code_challenge"],
        cognate_crypto::oauth::s256_challenge("verifier-1")
    );
    assert_eq!(params["prompt"], "login");
    assert_eq!(params["login_hint"], "alice@example.com");

    let code = op.sign_in(&upstream.url, "alice");
    let signed_in = engine
        .complete_authorization(
            &provider,
            &callback(code, Some("n-1"), Some("verifier-1")),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(signed_in.subject, "alice");
    assert_eq!(signed_in.issuer.as_deref(), Some(op.base.as_str()));
    // The ID token wins over userInfo for the same claim; userInfo adds the rest.
    assert_eq!(signed_in.attributes["email"], "alice@example.com");
    assert_eq!(signed_in.attributes["given_name"], "Alice");
    assert_eq!(
        signed_in.userinfo.unwrap()["email"],
        "from-userinfo@example.com"
    );
    assert_eq!(signed_in.id_token_claims.unwrap()["nonce"], "n-1");
    assert_eq!(signed_in.tokens.access_token.expose(), "at-alice");
    assert_eq!(signed_in.tokens.refresh_token.unwrap().expose(), "rt-1");
    assert_eq!(signed_in.tokens.expires_in, Some(3600));

    // client_secret_post, with the PKCE verifier; userInfo with the access token.
    let token_request = &op.seen("/token")[0];
    assert_eq!(token_request.params["grant_type"], "authorization_code");
    assert_eq!(token_request.params["client_secret"], "upstream-secret");
    assert_eq!(token_request.params["code_verifier"], "verifier-1");
    assert_eq!(token_request.params["redirect_uri"], REDIRECT);
    assert!(token_request.authorization.is_none());
    let userinfo = &op.seen("/userinfo")[0];
    assert_eq!(userinfo.method, "GET");
    assert_eq!(userinfo.authorization.as_deref(), Some("Bearer at-alice"));
}

#[tokio::test]
async fn userinfo_by_post_and_explicit_endpoints_without_discovery() {
    let op = Op::start(NOW_SECS).await;
    op.with(|s| s.pkce_supported = false);
    let engine = engine();
    let mut provider = provider(&op);
    provider.attributes_method = AttributesMethod::Post;
    provider.endpoints = ProviderEndpoints {
        authorize_url: Some(format!("{}/authorize?tenant=t1", op.base)),
        token_url: Some(format!("{}/token", op.base)),
        attributes_url: Some(format!("{}/userinfo", op.base)),
        jwks_uri: Some(format!("{}/jwks", op.base)),
    };
    let upstream = engine
        .authorization_url(&provider, &request("n-2", "verifier-2"), now())
        .await
        .unwrap();
    // Without discovery PKCE support is unknown, so no challenge is sent.
    assert!(!upstream.pkce_sent);
    assert_eq!(query(&upstream.url)["tenant"], "t1");
    assert!(!query(&upstream.url).contains_key("code_challenge"));
    let code = op.sign_in(&upstream.url, "bob");
    let signed_in = engine
        .complete_authorization(&provider, &callback(code, Some("n-2"), None), now())
        .await
        .unwrap();
    assert_eq!(signed_in.subject, "bob");
    assert_eq!(op.seen("/userinfo")[0].method, "POST");
    assert!(!op.seen("/token")[0].params.contains_key("code_verifier"));
}

#[tokio::test]
async fn a_code_from_another_flow_is_refused() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine();
    let provider = provider(&op);
    let flow_a = engine
        .authorization_url(&provider, &request("nonce-a", "verifier-a"), now())
        .await
        .unwrap();
    let flow_b = engine
        .authorization_url(&provider, &request("nonce-b", "verifier-b"), now())
        .await
        .unwrap();
    let code_b = op.sign_in(&flow_b.url, "victim");
    let _ = flow_a;
    // Browser A finishes with B's code: the OP refuses A's PKCE verifier for it.
    let error = engine
        .complete_authorization(
            &provider,
            &callback(code_b, Some("nonce-a"), Some("verifier-a")),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(description(error), "MyOIDC Error - 400 error getting token");
}

#[tokio::test]
async fn a_nonce_mismatch_is_refused() {
    let op = Op::start(NOW_SECS).await;
    op.with(|s| s.pkce_supported = false);
    let engine = engine();
    let provider = provider(&op);
    let flow_b = engine
        .authorization_url(&provider, &request("nonce-b", "verifier-b"), now())
        .await
        .unwrap();
    let code = op.sign_in(&flow_b.url, "victim");
    let error = engine
        .complete_authorization(&provider, &callback(code, Some("nonce-a"), None), now())
        .await
        .unwrap_err();
    assert_eq!(description(error), "Bad id_token nonce");
}

#[tokio::test]
async fn a_wrong_client_secret_reports_the_token_endpoint_status() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine();
    let mut provider = provider(&op);
    provider.credentials = ClientCredentials::Secret(SecretString::new("wrong".to_owned()));
    let upstream = engine
        .authorization_url(&provider, &request("n", "v"), now())
        .await
        .unwrap();
    let code = op.sign_in(&upstream.url, "alice");
    let error = engine
        .complete_authorization(&provider, &callback(code, Some("n"), Some("v")), now())
        .await
        .unwrap_err();
    assert_eq!(description(error), "MyOIDC Error - 401 error getting token");
}

#[tokio::test]
async fn userinfo_about_someone_else_is_refused() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine();
    let provider = provider(&op);
    let upstream = engine
        .authorization_url(&provider, &request("n", "v"), now())
        .await
        .unwrap();
    // The OP answers userInfo for the code's user (mallory) but signs an ID token for alice.
    let code = op.sign_in(&upstream.url, "mallory");
    op.with(|s| s.claim_overrides.insert("sub".to_owned(), json!("alice")));
    let error = engine
        .complete_authorization(&provider, &callback(code, Some("n"), Some("v")), now())
        .await
        .unwrap_err();
    assert_eq!(
        description(error),
        "userInfo sub does not match the id_token"
    );
}

#[tokio::test]
async fn id_token_attacks_are_refused_with_their_text() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine();
    let key = op.with(|s| s.signing.clone());
    let good = op.claims("alice");
    let verify = |token: String, check: IdTokenCheck| {
        let engine = &engine;
        async move { engine.verify_id_token(&token, &check, now()).await }
    };

    let accepted = verify(key.sign(&good), check(&op)).await.unwrap();
    assert_eq!(accepted.subject, "alice");
    assert_eq!(accepted.audience, "upstream-client");

    let with = |field: &str, value: serde_json::Value| {
        let mut claims = good.clone();
        claims[field] = value;
        claims
    };
    let cases: Vec<(&str, String, IdTokenCheck, &str)> = vec![
        (
            "wrong iss",
            key.sign(&with("iss", json!("https://evil.example.com"))),
            check(&op),
            "Bad id_token issuer https://evil.example.com",
        ),
        (
            "wrong aud",
            key.sign(&with("aud", json!("someone-else"))),
            check(&op),
            "Bad id_token audience",
        ),
        (
            "several audiences, azp another party",
            key.sign(&{
                let mut c = with("aud", json!(["upstream-client", "other"]));
                c["azp"] = json!("other");
                c
            }),
            check(&op),
            "Bad id_token authorized party",
        ),
        (
            "expired",
            key.sign(&with("exp", json!(NOW_SECS - 121))),
            check(&op),
            "id_token expired",
        ),
        (
            "not yet valid",
            key.sign(&with("nbf", json!(NOW_SECS + 600))),
            check(&op),
            "id_token not yet valid",
        ),
        (
            "issued in the future",
            key.sign(&with("iat", json!(NOW_SECS + 600))),
            check(&op),
            "id_token issued in the future",
        ),
        (
            "alg none",
            unsigned_token(&key.kid, &good),
            check(&op),
            "Bad id_token algorithm none",
        ),
        (
            "HS256 keyed with the provider's public key",
            sign_hmac(key.jwk.to_string().as_bytes(), Some(&key.kid), &good),
            check(&op),
            "Bad id_token algorithm HS256",
        ),
        (
            "HS256 keyed with the public key, where a client secret exists",
            sign_hmac(
                key.jwk["n"].as_str().unwrap().as_bytes(),
                Some(&key.kid),
                &good,
            ),
            IdTokenCheck {
                hmac_secret: Some(SecretString::new("upstream-secret".to_owned())),
                ..check(&op)
            },
            "Bad id_token signature",
        ),
        (
            "a key not in the JWKS",
            TestKey::rsa("attacker-key").sign(&good),
            check(&op),
            "Bad id_token key id attacker-key",
        ),
        (
            "a forged key under a published kid",
            TestKey::rsa("key-1").sign(&good),
            check(&op),
            "Bad id_token signature",
        ),
        (
            "an RSA key used for ES256",
            TestKey::es256("key-1").sign(&good),
            check(&op),
            "Bad id_token algorithm ES256",
        ),
        (
            "RS384 where the JWK says RS256",
            key.sign_as(jsonwebtoken::Algorithm::RS384, &good),
            check(&op),
            "Bad id_token algorithm RS384",
        ),
        (
            "no nonce where one was sent",
            key.sign(&good),
            IdTokenCheck {
                nonce: Some("expected".to_owned()),
                ..check(&op)
            },
            "Bad id_token nonce",
        ),
        (
            "a different nonce",
            key.sign(&with("nonce", json!("other"))),
            IdTokenCheck {
                nonce: Some("expected".to_owned()),
                ..check(&op)
            },
            "Bad id_token nonce",
        ),
        (
            "not a JWT",
            "not.a.jwt".to_owned(),
            check(&op),
            "Invalid id_token",
        ),
    ];
    for (name, token, check, expected) in cases {
        let error = verify(token, check).await.unwrap_err();
        assert_eq!(description(error), expected, "{name}");
    }
    // The skew tolerates a token that expired a moment ago.
    verify(key.sign(&with("exp", json!(NOW_SECS - 60))), check(&op))
        .await
        .unwrap();
}

#[tokio::test]
async fn hs256_with_the_client_secret_and_es256_are_accepted() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine();
    let claims = op.claims("alice");
    let hs = sign_hmac(b"upstream-secret", None, &claims);
    let check_hs = IdTokenCheck {
        hmac_secret: Some(SecretString::new("upstream-secret".to_owned())),
        ..check(&op)
    };
    assert_eq!(
        engine
            .verify_id_token(&hs, &check_hs, now())
            .await
            .unwrap()
            .subject,
        "alice"
    );

    let ec = TestKey::es256("ec-1");
    op.with(|s| s.published.push(ec.jwk.clone()));
    let es = ec.sign(&claims);
    assert_eq!(
        engine
            .verify_id_token(&es, &check(&op), now())
            .await
            .unwrap()
            .subject,
        "alice"
    );
}

#[tokio::test]
async fn rotation_is_picked_up_by_one_rate_limited_reload() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine();
    let claims = op.claims("alice");
    let first = op.with(|s| s.signing.clone());
    engine
        .verify_id_token(&first.sign(&claims), &check(&op), now())
        .await
        .unwrap();
    assert_eq!(op.with(|s| s.jwks_fetches), 1);

    let rotated = TestKey::rsa("key-2");
    op.rotate(rotated.clone());
    let later = now().plus_secs(11);
    engine
        .verify_id_token(&rotated.sign(&claims), &check(&op), later)
        .await
        .unwrap();
    let fetches = op.with(|s| s.jwks_fetches);

    // Another unknown kid right after: no second reload within the interval.
    let error = engine
        .verify_id_token(
            &TestKey::rsa("key-3").sign(&claims),
            &check(&op),
            later.plus_secs(1),
        )
        .await
        .unwrap_err();
    assert_eq!(description(error), "Bad id_token key id key-3");
    assert_eq!(op.with(|s| s.jwks_fetches), fetches);
    // After the interval an unknown kid may reload again (and is still refused).
    engine
        .verify_id_token(
            &TestKey::rsa("key-3").sign(&claims),
            &check(&op),
            later.plus_secs(20),
        )
        .await
        .unwrap_err();
    assert_eq!(op.with(|s| s.jwks_fetches), fetches + 1);
}

#[tokio::test]
async fn timeouts_and_refused_connections_have_cognitos_texts() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine_with(|c| c.http.request_timeout = Duration::from_millis(300));
    let provider = provider(&op);
    let upstream = engine
        .authorization_url(&provider, &request("n", "v"), now())
        .await
        .unwrap();
    let code = op.sign_in(&upstream.url, "alice");
    op.with(|s| s.token_delay = Some(Duration::from_secs(2)));
    let error = engine
        .complete_authorization(&provider, &callback(code, Some("n"), Some("v")), now())
        .await
        .unwrap_err();
    assert_eq!(
        description(error),
        "Timeout occurred in calling IdP token endpoint"
    );

    op.with(|s| s.jwks_delay = Some(Duration::from_secs(2)));
    let token = op.with(|s| s.signing.clone()).sign(&op.claims("alice"));
    let error = engine
        .verify_id_token(
            &token,
            &IdTokenCheck {
                jwks_uri: Some(format!("{}/jwks", op.base)),
                ..check(&op)
            },
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(description(error), "Timeout in calling jwks uri");

    // Nothing listens on port 9 of loopback.
    let error = engine
        .verify_id_token(
            &token,
            &IdTokenCheck {
                jwks_uri: Some("http://127.0.0.1:9/jwks".to_owned()),
                ..check(&op)
            },
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(description(error), "Connection refused");
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine_with(|c| c.http.max_response_bytes = 64 * 1024);
    op.with(|s| s.jwks_padding = 100 * 1024);
    let token = op.with(|s| s.signing.clone()).sign(&op.claims("alice"));
    let error = engine
        .verify_id_token(
            &token,
            &IdTokenCheck {
                jwks_uri: Some(format!("{}/jwks", op.base)),
                ..check(&op)
            },
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(description(error), "Response from IdP too large");
}

#[tokio::test]
async fn http_upstreams_need_dev_mode_and_loopback() {
    let op = Op::start(NOW_SECS).await;
    let production = engine_with(|c| c.dev_mode = false);
    let error = production
        .resolve_endpoints(&provider(&op), now())
        .await
        .unwrap_err();
    assert_eq!(
        description(error),
        format!(
            "The URL {}/.well-known/openid-configuration must use https",
            op.base
        )
    );
    assert!(op.seen("/token").is_empty());

    let mut remote = provider(&op);
    remote.issuer = Some("http://idp.example.com".to_owned());
    let error = engine()
        .resolve_endpoints(&remote, now())
        .await
        .unwrap_err();
    assert_eq!(
        description(error),
        "The URL http://idp.example.com/.well-known/openid-configuration must use https"
    );
}

#[tokio::test]
async fn localhost_subdomains_resolve_to_loopback() {
    // A second dev server would be `http://<prefix>.auth.localhost:<port>`.
    let op = Op::start_at("pool-b.auth.localhost", NOW_SECS).await;
    let engine = engine();
    let provider = provider(&op);
    let upstream = engine
        .authorization_url(&provider, &request("n", "v"), now())
        .await
        .unwrap();
    assert!(upstream.url.starts_with("http://pool-b.auth.localhost:"));
    let code = op.sign_in(&upstream.url, "alice");
    let signed_in = engine
        .complete_authorization(&provider, &callback(code, Some("n"), Some("v")), now())
        .await
        .unwrap();
    assert_eq!(signed_in.subject, "alice");
}

#[tokio::test]
async fn discovery_must_name_its_own_issuer() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine();
    let mut provider = provider(&op);
    // The same server, named differently: its document says another issuer.
    provider.issuer = Some(op.base.replace("127.0.0.1", "localhost"));
    let error = engine
        .resolve_endpoints(&provider, now())
        .await
        .unwrap_err();
    assert_eq!(
        description(error),
        format!(
            "Unable to contact well-known endpoint of issuer {}",
            op.base.replace("127.0.0.1", "localhost")
        )
    );
}

#[tokio::test]
async fn redirects_and_discovered_endpoints_obey_the_url_rule() {
    let op = Op::start(NOW_SECS).await;
    let engine = engine();
    let token = op.with(|s| s.signing.clone()).sign(&op.claims("alice"));
    let via = |target: String| {
        op.with(|s| s.moved_to = target);
        IdTokenCheck {
            jwks_uri: Some(format!("{}/moved", op.base)),
            ..check(&op)
        }
    };
    // A redirect to the same loopback server is followed (dev mode)...
    let accepted = engine
        .verify_id_token(&token, &via(format!("{}/jwks", op.base)), now())
        .await
        .unwrap();
    assert_eq!(accepted.subject, "alice");
    // ...one to plain http elsewhere is not.
    let fresh = engine_with(|_| {});
    let error = fresh
        .verify_id_token(
            &token,
            &via("http://idp.example.com/jwks".to_owned()),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(description(error), "Redirect refused");

    // Discovery cannot point the code exchange at an http host that is not loopback.
    op.with(|s| s.advertised_token_endpoint = Some("http://tokens.example.com/token".to_owned()));
    let error = engine_with(|_| {})
        .resolve_endpoints(&provider(&op), now())
        .await
        .unwrap_err();
    assert_eq!(
        description(error),
        "The URL http://tokens.example.com/token must use https"
    );
}
