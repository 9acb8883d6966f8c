//! Browser apps against Cognate (issue 11): single-page apps served from another origin than
//! the server (`http://localhost:<port>`, while Cognate is `http://127.0.0.1:<port>`), in
//! Debian's headless Chromium, so every call is a real cross-origin call that CORS must allow.
//!
//! - `amazon-cognito-identity-js`, its own browser build (`dist/amazon-cognito-identity.min.js`)
//!   under `interop/browser/identity.js`: SRP and password sign-in, a wrong password, attributes,
//!   `refreshSession` (which sends `"DEVICE_KEY": null`), change password, sign-up, global
//!   sign-out and the old tokens refused; and the same page against a server with CORS off,
//!   which the browser must refuse.
//! - AWS Amplify JS v6, bundled for the browser by esbuild from `interop/browser/amplify-app.mjs`
//!   when the test runs: `signIn`, `fetchAuthSession`, `signOut`, and `signInWithRedirect`
//!   through the hosted pages with PKCE, where the page itself calls `/oauth2/token`.
//!   Amplify only speaks `https://` to a domain, so the domain is reached through a TLS front
//!   in the test (a self-signed certificate made with `openssl`, Chromium told to accept it),
//!   as a deployment puts Cognate behind TLS.
//!
//! Like `browser.rs`, these skip without Chromium, chromedriver or the JS packages unless CI's
//! `COGNATE_REQUIRE_BROWSER=1` / `COGNATE_REQUIRE_INTEROP=1` are set.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{ExplicitAuthFlowsType, OAuthFlowType};
use fantoccini::Locator;
use serde_json::{Value, json};

use crate::browser::{Chrome, PASSWORD};
use crate::flows::{AppOptions, app, claims, confirmed_user};
use crate::hosted_support::fresh_prefix;
use crate::interop::interop_dir;
use crate::support::{Backend, Options, TestServer};

/// Whether the JS packages are installed; when CI requires them, a missing one fails the test.
fn packages_available(paths: &[&str]) -> bool {
    let missing: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| !interop_dir().join(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let required = std::env::var("COGNATE_REQUIRE_INTEROP").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "COGNATE_REQUIRE_INTEROP=1 but {missing:?} is missing under interop/ (run `npm ci` there)"
    );
    eprintln!("skipping: {missing:?} missing under interop/ (run `npm ci` there)");
    false
}

/// The app's origin: a static file server on loopback, addressed as `localhost`.
struct PageServer {
    addr: SocketAddr,
}

impl PageServer {
    /// Serves each `(path, file, content type)`; `/` and any other path answer 404.
    async fn start(files: Vec<(&'static str, PathBuf, &'static str)>) -> PageServer {
        let files = Arc::new(files);
        let router = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let files = files.clone();
            async move {
                match files.iter().find(|(path, _, _)| *path == uri.path()) {
                    Some((_, file, content_type)) => (
                        axum::http::StatusCode::OK,
                        [(axum::http::header::CONTENT_TYPE, *content_type)],
                        std::fs::read(file).unwrap(),
                    ),
                    None => (
                        axum::http::StatusCode::NOT_FOUND,
                        [(axum::http::header::CONTENT_TYPE, "text/plain")],
                        b"not found".to_vec(),
                    ),
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        PageServer { addr }
    }

    /// `http://localhost:<port>`: another origin than the server's `http://127.0.0.1:<port>`.
    fn origin(&self) -> String {
        format!("http://localhost:{}", self.addr.port())
    }
}

/// Calls `window.cognate[name](args)` in the page and waits for its promise.
async fn call(chrome: &Chrome, name: &str, args: Value) -> Result<Value, Value> {
    let script = r"
        const [name, args, done] = arguments;
        const asError = (e) => (e instanceof Error ? { code: e.name, message: e.message } : e);
        window.cognate[name](args).then(
            (ok) => done({ ok: ok === undefined ? null : ok }),
            (error) => done({ error: asError(error) }),
        );";
    let answer = chrome
        .client
        .execute_async(script, vec![json!(name), args])
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    match answer.get("error") {
        Some(error) => Err(error.clone()),
        None => Ok(answer["ok"].clone()),
    }
}

async fn call_ok(chrome: &Chrome, name: &str, args: Value) -> Value {
    call(chrome, name, args)
        .await
        .unwrap_or_else(|e| panic!("{name} failed: {e}"))
}

/// The identity-js page and the library's browser build.
async fn identity_page() -> PageServer {
    let dir = interop_dir();
    PageServer::start(vec![
        (
            "/identity.html",
            dir.join("browser/identity.html"),
            "text/html",
        ),
        (
            "/identity.js",
            dir.join("browser/identity.js"),
            "text/javascript",
        ),
        (
            "/lib/amazon-cognito-identity.min.js",
            dir.join("node_modules/amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js"),
            "text/javascript",
        ),
    ])
    .await
}

const IDENTITY_DIST: &str = "node_modules/amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_js_in_a_browser_on_another_origin() {
    if !packages_available(&[IDENTITY_DIST]) {
        return;
    }
    let Some(chrome) = Chrome::start(1024, 768).await else {
        return;
    };
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let sdk = server.client();
    let app = app(&sdk, AppOptions::default()).await;
    let page = identity_page().await;
    chrome
        .goto(&format!("{}/identity.html", page.origin()))
        .await;
    call_ok(
        &chrome,
        "configure",
        json!({ "endpoint": format!("{}/", server.url()), "userPoolId": app.pool, "clientId": app.client_id }),
    )
    .await;

    // Sign-up from the page (the library sends `"ValidationData": null`); an admin confirms.
    let signed_up = call_ok(
        &chrome,
        "signUp",
        json!({ "username": "alice", "password": PASSWORD, "email": "alice@example.com" }),
    )
    .await;
    assert_eq!(signed_up["confirmed"], false);
    sdk.admin_confirm_sign_up()
        .user_pool_id(&app.pool)
        .username("alice")
        .send()
        .await
        .unwrap();

    // SRP (the library's default), then a wrong password, then USER_PASSWORD_AUTH.
    let srp = call_ok(&chrome, "signIn", json!({ "username": "alice", "password": PASSWORD })).await;
    assert_eq!(claims(srp["accessToken"].as_str().unwrap())["username"], "alice");
    let wrong = call(&chrome, "signIn", json!({ "username": "alice", "password": "Wrong-Horse-9!" }))
        .await
        .unwrap_err();
    assert_eq!(wrong["code"], "NotAuthorizedException");
    assert_eq!(wrong["message"], "Incorrect username or password.");
    let password = call_ok(
        &chrome,
        "signIn",
        json!({ "username": "alice", "password": PASSWORD, "flow": "USER_PASSWORD_AUTH" }),
    )
    .await;
    assert_eq!(claims(password["idToken"].as_str().unwrap())["email"], "alice@example.com");

    // Attributes, written and read back with the access token.
    let attributes = call_ok(&chrome, "updateAndReadAttributes", json!({ "name": "Alice A." })).await;
    assert_eq!(attributes["name"], "Alice A.");
    assert_eq!(attributes["email"], "alice@example.com");

    // refreshSession sends `"DEVICE_KEY": null`, which must read as absent.
    let refreshed = call_ok(&chrome, "refresh", json!({})).await;
    assert_ne!(refreshed["after"]["accessToken"], refreshed["before"]["accessToken"]);
    assert_eq!(claims(refreshed["after"]["accessToken"].as_str().unwrap())["username"], "alice");

    // Change the password, and sign in with the new one.
    let new_password = "Battery-Staple-7!";
    call_ok(
        &chrome,
        "changePassword",
        json!({ "oldPassword": PASSWORD, "newPassword": new_password }),
    )
    .await;
    call_ok(&chrome, "signIn", json!({ "username": "alice", "password": new_password })).await;

    // Global sign-out: the old access and refresh tokens are refused from then on.
    let after = call_ok(&chrome, "globalSignOutAndTryOldTokens", json!({})).await;
    assert_eq!(after["signedOut"], true);
    assert_eq!(after["attributes"]["code"], "NotAuthorizedException");
    assert_eq!(after["attributes"]["message"], "Access Token has been revoked");
    assert_eq!(after["refresh"]["code"], "NotAuthorizedException");

    chrome.stop().await;
    server.stop().await;
}

/// The same page against a server with CORS off: the browser refuses every response, which is
/// what an app met before Cognate answered CORS (and proves the test above needs it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_cors_the_browser_refuses_the_api() {
    if !packages_available(&[IDENTITY_DIST]) {
        return;
    }
    let Some(chrome) = Chrome::start(1024, 768).await else {
        return;
    };
    let server = TestServer::start_configured(Backend::Sqlite, Options { dev: false }, |raw| {
        raw.cors_allowed_origins = Some(Vec::new());
    })
    .await
    .unwrap();
    let sdk = server.client();
    let app = app(&sdk, AppOptions::default()).await;
    confirmed_user(&sdk, &app, "bob", PASSWORD, "bob@example.com").await;
    let page = identity_page().await;
    chrome
        .goto(&format!("{}/identity.html", page.origin()))
        .await;
    call_ok(
        &chrome,
        "configure",
        json!({ "endpoint": format!("{}/", server.url()), "userPoolId": app.pool, "clientId": app.client_id }),
    )
    .await;
    let refused = call(&chrome, "signIn", json!({ "username": "bob", "password": PASSWORD }))
        .await
        .unwrap_err();
    // The library reports a fetch the browser blocked as a network error.
    assert_eq!(refused["code"], "NetworkError", "{refused}");
    chrome.stop().await;
    server.stop().await;
}
