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
use serde_json::{Value, json};

use crate::browser::{Chrome, PASSWORD};
use crate::interop::interop_dir;
use crate::support::flows::{AppOptions, app, claims, confirmed_user};
use crate::support::hosted::fresh_prefix;
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

const IDENTITY_DIST: &str =
    "node_modules/amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js";

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
    let srp = call_ok(
        &chrome,
        "signIn",
        json!({ "username": "alice", "password": PASSWORD }),
    )
    .await;
    assert_eq!(
        claims(srp["accessToken"].as_str().unwrap())["username"],
        "alice"
    );
    let wrong = call(
        &chrome,
        "signIn",
        json!({ "username": "alice", "password": "Wrong-Horse-9!" }),
    )
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
    assert_eq!(
        claims(password["idToken"].as_str().unwrap())["email"],
        "alice@example.com"
    );

    // Attributes, written and read back with the access token.
    let attributes = call_ok(
        &chrome,
        "updateAndReadAttributes",
        json!({ "name": "Alice A." }),
    )
    .await;
    assert_eq!(attributes["name"], "Alice A.");
    assert_eq!(attributes["email"], "alice@example.com");

    // refreshSession sends `"DEVICE_KEY": null`, which must read as absent.
    let refreshed = call_ok(&chrome, "refresh", json!({})).await;
    assert_ne!(
        refreshed["after"]["accessToken"],
        refreshed["before"]["accessToken"]
    );
    assert_eq!(
        claims(refreshed["after"]["accessToken"].as_str().unwrap())["username"],
        "alice"
    );

    // Change the password, and sign in with the new one.
    let new_password = "Battery-Staple-7!";
    call_ok(
        &chrome,
        "changePassword",
        json!({ "oldPassword": PASSWORD, "newPassword": new_password }),
    )
    .await;
    call_ok(
        &chrome,
        "signIn",
        json!({ "username": "alice", "password": new_password }),
    )
    .await;

    // Global sign-out: the old access and refresh tokens are refused from then on.
    let after = call_ok(&chrome, "globalSignOutAndTryOldTokens", json!({})).await;
    assert_eq!(after["signedOut"], true);
    assert_eq!(after["attributes"]["code"], "NotAuthorizedException");
    assert_eq!(
        after["attributes"]["message"],
        "Access Token has been revoked"
    );
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
    let refused = call(
        &chrome,
        "signIn",
        json!({ "username": "bob", "password": PASSWORD }),
    )
    .await
    .unwrap_err();
    // The library reports a fetch the browser blocked as a network error.
    assert_eq!(refused["code"], "NetworkError", "{refused}");
    chrome.stop().await;
    server.stop().await;
}

/// A TLS front on loopback that forwards every connection to the server as it is (the `Host`
/// header included), with a self-signed certificate `openssl` makes for the test.
struct TlsFront {
    listener: tokio::net::TcpListener,
}

impl TlsFront {
    async fn bind() -> TlsFront {
        TlsFront {
            listener: tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        }
    }

    fn port(&self) -> u16 {
        self.listener.local_addr().unwrap().port()
    }

    fn serve(self, target: SocketAddr, dir: &Path) {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls_config(dir)));
        tokio::spawn(async move {
            while let Ok((tcp, _)) = self.listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                });
            }
        });
    }
}

fn tls_config(dir: &Path) -> tokio_rustls::rustls::ServerConfig {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let (cert, key) = (dir.join("tls-cert.pem"), dir.join("tls-key.pem"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args([
            "-addext",
            "subjectAltName=DNS:localhost,DNS:*.auth.localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl makes the test certificate");
    assert!(status.success(), "openssl failed to make a certificate");
    let chain = CertificateDer::pem_file_iter(&cert)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(&key).unwrap();
    rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap()
}

/// Bundles `interop/browser/amplify-app.mjs` for the browser with esbuild, into `dir`.
fn bundle_amplify(dir: &Path) -> PathBuf {
    let out = dir.join("amplify.js");
    let status = Command::new(interop_dir().join("node_modules/.bin/esbuild"))
        .arg(interop_dir().join("browser/amplify-app.mjs"))
        .args([
            "--bundle",
            "--format=iife",
            "--platform=browser",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", out.display()))
        .status()
        .unwrap();
    assert!(status.success(), "esbuild failed to bundle amplify-app.mjs");
    out
}

/// Waits until the page's URL satisfies `done`.
async fn wait_for_url(chrome: &Chrome, what: &str, done: impl Fn(&str) -> bool) -> String {
    for _ in 0..200 {
        let url = chrome.url().await;
        if done(&url) {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never reached {what}; at {}", chrome.url().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amplify_v6_in_a_browser_on_another_origin() {
    if !packages_available(&["node_modules/aws-amplify", "node_modules/.bin/esbuild"]) {
        return;
    }
    let Some(chrome) = Chrome::start_with_args(1024, 768, &["--ignore-certificate-errors"]).await
    else {
        return;
    };
    let front = TlsFront::bind().await;
    let front_port = front.port();
    let server = TestServer::start_configured(Backend::Sqlite, Options { dev: false }, |raw| {
        raw.public_url = Some(format!("https://localhost:{front_port}"));
    })
    .await
    .unwrap();
    front.serve(server.server.addr, server.data_dir());
    let bundle = bundle_amplify(server.data_dir());
    let dir = interop_dir();
    let page = PageServer::start(vec![
        (
            "/amplify.html",
            dir.join("browser/amplify.html"),
            "text/html",
        ),
        ("/amplify.js", bundle, "text/javascript"),
    ])
    .await;
    let redirect = format!("{}/amplify.html", page.origin());

    // A pool with a domain and a public client for SRP and the code flow back to the page.
    let sdk = server.client();
    let app = app(&sdk, AppOptions::default()).await;
    let prefix = fresh_prefix();
    sdk.create_user_pool_domain()
        .user_pool_id(&app.pool)
        .domain(&prefix)
        .send()
        .await
        .unwrap();
    sdk.update_user_pool_client()
        .user_pool_id(&app.pool)
        .client_id(&app.client_id)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .allowed_o_auth_scopes("aws.cognito.signin.user.admin")
        .supported_identity_providers("COGNITO")
        .callback_urls(&redirect)
        .logout_urls(&redirect)
        .send()
        .await
        .unwrap();
    confirmed_user(&sdk, &app, "carol", PASSWORD, "carol@example.com").await;
    let domain = format!("{prefix}.auth.localhost:{front_port}");

    chrome.goto(&redirect).await;
    call_ok(
        &chrome,
        "configure",
        json!({
            "endpoint": server.url(),
            "userPoolId": app.pool,
            "userPoolClientId": app.client_id,
            "domain": domain,
            "redirect": redirect,
        }),
    )
    .await;

    // signIn (SRP), fetchAuthSession, getCurrentUser, signOut: the JSON API from the page.
    let signed_in = call_ok(
        &chrome,
        "signIn",
        json!({ "username": "carol", "password": PASSWORD }),
    )
    .await;
    assert_eq!(signed_in, json!({ "isSignedIn": true, "nextStep": "DONE" }));
    let session = call_ok(&chrome, "session", json!({})).await;
    assert_eq!(
        claims(session["accessToken"].as_str().unwrap())["username"],
        "carol"
    );
    assert_eq!(
        claims(session["idToken"].as_str().unwrap())["email"],
        "carol@example.com"
    );
    let user = call_ok(&chrome, "currentUser", json!({})).await;
    assert_eq!(user["username"], "carol");
    let signed_out = call_ok(&chrome, "signOut", json!({})).await;
    assert_eq!(signed_out["signedIn"], false);

    // signInWithRedirect: the hosted sign-in page, then back to the page with a code, which
    // Amplify exchanges from the page (PKCE, a cross-origin POST to /oauth2/token).
    call_ok(&chrome, "signInWithRedirect", json!({})).await;
    let at = wait_for_url(&chrome, "the hosted sign-in page", |url| {
        url.starts_with(&format!("https://{domain}/login"))
    })
    .await;
    assert!(at.contains("code_challenge_method=S256"), "{at}");
    chrome.fill("username", "carol").await;
    chrome.fill("password", PASSWORD).await;
    chrome.submit().await;
    wait_for_url(&chrome, "the app", |url| url.starts_with(&redirect)).await;
    let mut session = Value::Null;
    for _ in 0..100 {
        if let Ok(now) = call(&chrome, "session", json!({})).await
            && now["signedIn"] == true
        {
            session = now;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(session["signedIn"], true, "the code was never exchanged");
    let access = claims(session["accessToken"].as_str().unwrap());
    assert_eq!(access["username"], "carol");
    assert_eq!(access["client_id"], app.client_id.as_str());
    assert!(access["scope"].as_str().unwrap().contains("openid"));
    let fetched = call_ok(&chrome, "fetched", json!({})).await;
    let token_endpoint = format!("https://{domain}/oauth2/token");
    assert!(
        fetched
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == token_endpoint.as_str()),
        "the page did not call {token_endpoint}: {fetched}"
    );
    let user = call_ok(&chrome, "currentUser", json!({})).await;
    assert_eq!(user["username"], "carol");

    chrome.stop().await;
    server.stop().await;
}
