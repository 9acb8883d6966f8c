//! Federated sign-in in a real browser (issue 13 item 7): headless Chromium goes to the
//! pool's authorize endpoint for an app on another origin (`localhost:<port>`), lands on the
//! hosted sign-in page, clicks the provider's
//! button, signs in on the upstream's own login page (a second Cognate server's hosted page),
//! and comes back to the app with a code whose tokens name the provider in `identities`. A
//! second sign-in brings changed attributes; a linked identity signs in as the native user.
//! Google (played by a second Cognate), Facebook, Login with Amazon and Sign in with Apple go
//! through their buttons too.
//! `*.localhost` hosts resolve to loopback in Chromium itself (RFC 6761), so two domains on
//! one machine need no resolver rules.
//!
//! Skipped without chromium/chromedriver unless `COGNATE_REQUIRE_BROWSER=1` (CI).

use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ProviderUserIdentifierType};
use cognate_federation::config::SocialEndpoints;
use fantoccini::Locator;

use crate::browser::{App, Chrome, PASSWORD};
use crate::federation_apple::{create_apple_provider, start_apple};
use crate::federation_oidc::{
    Downstream, Upstream, downstream_with, google_played_by_a_cognate, upstream_for, upstream_sub,
    user_count,
};
use crate::federation_social::{endpoints as social_endpoints, serve_social, social_site};
use crate::on_both_backends;
use crate::support::flows::{attr, claims};
use crate::support::hosted::{Site, SiteOptions, params_of, pkce, site, token_request};
use crate::support::{Backend, Options, TestServer};

/// An app client of the downstream pool whose callback is the browser's app.
async fn browser_client(server: &TestServer, pool: &str, app: &App) -> String {
    server
        .client()
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("browser-app")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("COGNITO")
        .supported_identity_providers("Upstream")
        .callback_urls(app.callback())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

fn authorize_url(site: &Site, client_id: &str, app: &App, challenge: &str, extra: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", app.callback().as_str()),
        ("state", "st-federated"),
        ("scope", "openid email profile"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ])
    .unwrap();
    site.url(&format!("/oauth2/authorize?{query}{extra}"))
}

/// The upstream's hosted sign-in form, filled in and submitted.
async fn upstream_login(chrome: &Chrome, upstream: &Upstream, username: &str) {
    let at = chrome.url().await;
    assert!(
        at.starts_with(&upstream.site.url("/login?")),
        "expected the upstream's sign-in page, at {at}"
    );
    chrome.fill("username", username).await;
    chrome.fill("password", PASSWORD).await;
    chrome.submit().await;
}

/// The code the browser brought back, exchanged with PKCE; the ID token's claims.
async fn exchange(
    server: &TestServer,
    chrome: &Chrome,
    down: &Site,
    client_id: &str,
    app: &App,
    verifier: &str,
) -> serde_json::Value {
    let url = chrome.url().await;
    assert!(
        url.starts_with(&app.callback()),
        "expected the app's callback, at {url}: {}",
        chrome.text_of("body").await
    );
    let params = params_of(&url);
    assert_eq!(params["state"], "st-federated");
    let callback = app.callback();
    let (status, _, body) = token_request(
        server,
        down,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("code", &params["code"]),
            ("redirect_uri", &callback),
            ("code_verifier", verifier),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    claims(body["id_token"].as_str().unwrap())
}

/// A user of the upstream pool who has never signed in downstream.
async fn upstream_user(upstream: &Upstream, username: &str) {
    let sdk = upstream.server.client();
    sdk.admin_create_user()
        .user_pool_id(&upstream.site.pool)
        .username(username)
        .user_attributes(attr("email", &format!("{username}@example.com")))
        .user_attributes(attr("email_verified", "true"))
        .user_attributes(attr("name", "Bob Upstream"))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    sdk.admin_set_user_password()
        .user_pool_id(&upstream.site.pool)
        .username(username)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

on_both_backends!(
    provider_button_upstream_page_and_back_in_chromium,
    dev = true,
    |server| {
        let Some(chrome) = Chrome::start(1280, 900).await else {
            return;
        };
        let app = App::start().await;
        let down_site = site(server, SiteOptions::default()).await;
        let upstream = upstream_for(&down_site).await;
        let Downstream { site: down, .. } = downstream_with(server, down_site, &upstream).await;
        let client_id = browser_client(server, &down.pool, &app).await;
        let sdk = server.client();
        let users = user_count(&sdk, &down.pool).await;

        // From the app's origin to the pool's sign-in page, then the provider's button.
        let (verifier, challenge) = pkce();
        chrome
            .goto(&authorize_url(&down, &client_id, &app, &challenge, ""))
            .await;
        chrome.expect_path("/login").await;
        chrome
            .click(Locator::LinkText("Sign in with Upstream"))
            .await;
        upstream_login(&chrome, &upstream, "alice").await;
        let id = exchange(server, &chrome, &down, &client_id, &app, &verifier).await;
        let sub_upstream = upstream_sub(&upstream, "alice").await;
        assert_eq!(
            id["cognito:username"],
            format!("Upstream_{sub_upstream}").as_str()
        );
        assert_eq!(id["identities"][0]["providerName"], "Upstream");
        assert_eq!(id["identities"][0]["providerType"], "OIDC");
        assert_eq!(id["identities"][0]["userId"], sub_upstream.as_str());
        assert_eq!(id["name"], "Alice Liddell");
        let federated_sub = id["sub"].clone();
        assert_eq!(user_count(&sdk, &down.pool).await, users + 1);

        // The upstream's attributes change; signing in again through the button brings
        // them. `prompt=login` made the pool's page ask again, and went on to the upstream
        // (Cognito forwards every prompt but `none`), whose form asks again too.
        upstream
            .server
            .client()
            .admin_update_user_attributes()
            .user_pool_id(&upstream.site.pool)
            .username("alice")
            .user_attributes(attr("name", "Alice in Chromium"))
            .send()
            .await
            .unwrap();
        let (verifier, challenge) = pkce();
        chrome
            .goto(&authorize_url(
                &down,
                &client_id,
                &app,
                &challenge,
                "&prompt=login",
            ))
            .await;
        chrome.expect_path("/login").await;
        chrome
            .click(Locator::LinkText("Sign in with Upstream"))
            .await;
        upstream_login(&chrome, &upstream, "alice").await;
        let id = exchange(server, &chrome, &down, &client_id, &app, &verifier).await;
        assert_eq!(id["name"], "Alice in Chromium");
        assert_eq!(id["sub"], federated_sub);
        assert_eq!(user_count(&sdk, &down.pool).await, users + 1);
        chrome.stop().await;

        // An upstream identity linked to the pool's own alice before its first sign-in signs
        // in as her: her sub and username, the link in `identities`, no new user.
        upstream_user(&upstream, "bob").await;
        let bob = upstream_sub(&upstream, "bob").await;
        sdk.admin_link_provider_for_user()
            .user_pool_id(&down.pool)
            .destination_user(
                ProviderUserIdentifierType::builder()
                    .provider_name("Cognito")
                    .provider_attribute_value(&down.username)
                    .build(),
            )
            .source_user(
                ProviderUserIdentifierType::builder()
                    .provider_name("Upstream")
                    .provider_attribute_name("Cognito_Subject")
                    .provider_attribute_value(&bob)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let native_sub = upstream_sub_of(server, &down.pool, &down.username).await;
        let Some(chrome) = Chrome::start(1280, 900).await else {
            return;
        };
        let (verifier, challenge) = pkce();
        chrome
            .goto(&authorize_url(&down, &client_id, &app, &challenge, ""))
            .await;
        chrome
            .click(Locator::LinkText("Sign in with Upstream"))
            .await;
        upstream_login(&chrome, &upstream, "bob").await;
        let id = exchange(server, &chrome, &down, &client_id, &app, &verifier).await;
        assert_eq!(id["sub"], native_sub.as_str());
        assert_eq!(id["cognito:username"], down.username.as_str());
        assert_eq!(id["identities"][0]["userId"], bob.as_str());
        assert_eq!(id["identities"][0]["primary"], "false");
        assert_eq!(user_count(&sdk, &down.pool).await, users + 1);
        chrome.stop().await;
        upstream.server.stop().await;
    }
);

/// A user's `sub` in a pool of `server`.
async fn upstream_sub_of(server: &TestServer, pool: &str, username: &str) -> String {
    server
        .client()
        .admin_get_user()
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

/// Facebook, Login with Amazon and Sign in with Apple, each played by the stand-ins of
/// `federation_social.rs` and `federation_apple.rs` (HTTP servers on loopback the browser
/// reaches), through the buttons of a client with no `COGNITO`. Apple's page answers with a
/// cross-site `form_post` to `/oauth2/idpresponse`.
async fn social_providers_in_chromium(backend: Backend) {
    let Some(chrome) = Chrome::start(1280, 900).await else {
        return;
    };
    let social = serve_social().await;
    let apple = start_apple().await;
    let apple_endpoints = apple.endpoints.clone();
    let Some(server) = TestServer::start_configured(backend, Options { dev: true }, |raw| {
        raw.social_endpoints = Some(SocialEndpoints {
            apple: apple_endpoints,
            ..social_endpoints(&social)
        });
    })
    .await
    else {
        eprintln!("TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
        return;
    };
    let app = App::start().await;
    let (site, _) = social_site(&server).await;
    create_apple_provider(&server, &site.pool, &apple.pem).await;
    let client_id = server
        .client()
        .create_user_pool_client()
        .user_pool_id(&site.pool)
        .client_name("social-browser")
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("Facebook")
        .supported_identity_providers("LoginWithAmazon")
        .supported_identity_providers("SignInWithApple")
        .callback_urls(app.callback())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    for (provider, username) in [
        ("Facebook", "Facebook_10156000000000001"),
        (
            "LoginWithAmazon",
            "LoginWithAmazon_amzn1.account.AFAEXAMPLE",
        ),
        ("SignInWithApple", "SignInWithApple_001234.abcdef.0999"),
    ] {
        // `prompt=login`: the pool's page each time, not the SSO session of the last one.
        let (verifier, challenge) = pkce();
        chrome
            .goto(&authorize_url(
                &site,
                &client_id,
                &app,
                &challenge,
                "&prompt=login",
            ))
            .await;
        chrome.expect_path("/login").await;
        chrome
            .click(Locator::LinkText(&format!("Sign in with {provider}")))
            .await;
        if provider == "SignInWithApple" {
            assert!(chrome.url().await.starts_with(&apple.base));
            chrome.click(Locator::Id("continue")).await;
        }
        let id = exchange(&server, &chrome, &site, &client_id, &app, &verifier).await;
        assert_eq!(id["cognito:username"], username);
        assert_eq!(id["identities"][0]["providerName"], provider);
        if provider == "SignInWithApple" {
            assert_eq!(id["given_name"], "Ada");
        }
    }
    chrome.stop().await;
    server.stop().await;
}

/// Google in Chromium: its button on the hosted page, the sign-in page of the second Cognate
/// server that plays Google through the server's `social_endpoints`, and back to the app with
/// a code whose tokens name Google.
async fn google_in_chromium(backend: Backend) {
    let Some(chrome) = Chrome::start(1280, 900).await else {
        return;
    };
    let app = App::start().await;
    let Some((server, upstream, down)) = google_played_by_a_cognate(backend, &app.callback()).await
    else {
        return;
    };
    let (verifier, challenge) = pkce();
    chrome
        .goto(&authorize_url(
            &down.site,
            &down.client_id,
            &app,
            &challenge,
            "",
        ))
        .await;
    chrome.expect_path("/login").await;
    chrome.click(Locator::LinkText("Sign in with Google")).await;
    upstream_login(&chrome, &upstream, "alice").await;
    let id = exchange(
        &server,
        &chrome,
        &down.site,
        &down.client_id,
        &app,
        &verifier,
    )
    .await;
    let sub_upstream = upstream_sub(&upstream, "alice").await;
    assert_eq!(
        id["cognito:username"],
        format!("Google_{sub_upstream}").as_str()
    );
    assert_eq!(id["identities"][0]["providerType"], "Google");
    assert_eq!(id["email"], "alice@example.com");
    chrome.stop().await;
    upstream.server.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_in_chromium_sqlite() {
    google_in_chromium(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn social_providers_in_chromium_sqlite() {
    social_providers_in_chromium(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn social_providers_in_chromium_postgres() {
    social_providers_in_chromium(Backend::Postgres).await;
}
