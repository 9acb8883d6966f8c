//! The hosted pages in a real browser: Debian's headless Chromium, driven over WebDriver
//! (chromedriver) from the test. It signs up, confirms with the code from the mail, comes
//! back to the app with a code, which the app exchanges with PKCE; a second app of the pool
//! signs in through the SSO cookie; logout ends it.
//!
//! Without chromium and chromedriver on the machine these tests say so and pass, unless
//! `COGNATE_REQUIRE_BROWSER=1` (as CI sets), where a missing browser fails them.
//!
//! `screenshots` (ignored by default) renders every page at desktop and phone width into
//! `docs/screenshots/`:
//! `cargo test -p cognate-server --test it browser::screenshots -- --ignored`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client as Sdk;
use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, VerifiedAttributeType};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::support::TestServer;
use crate::support::hosted::{fresh_prefix, params_of, pkce};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const PASSWORD: &str = "Correct-Horse-9!";

/// A headless Chromium under chromedriver; the driver process ends with it.
pub struct Chrome {
    pub client: Client,
    driver: Child,
}

impl Chrome {
    /// A browser with a window of `width` × `height`; `None` when the machine has none and
    /// CI does not require one.
    pub async fn start(width: u32, height: u32) -> Option<Chrome> {
        Self::start_with_args(width, height, &[]).await
    }

    /// Like [`Chrome::start`], with more command-line switches for Chromium.
    pub async fn start_with_args(width: u32, height: u32, extra: &[&str]) -> Option<Chrome> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            assert!(
                std::env::var("COGNATE_REQUIRE_BROWSER").is_err(),
                "COGNATE_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing"
            );
            eprintln!("no chromium/chromedriver here: skipping the browser test");
            return None;
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                format!("--window-size={width},{height}"),
            ],
        });
        if let Some(args) = options["args"].as_array_mut() {
            args.extend(extra.iter().map(|a| json!(a)));
        }
        // A window cannot be narrower than 500 pixels; a phone's screen is emulated instead.
        if width < 500 {
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1, "touch": true }
            });
        }
        let capabilities = json!({ "goog:chromeOptions": options });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Some(Chrome { client, driver }),
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start: {last_error:?}");
    }

    pub async fn stop(self) {
        let _ = self.client.clone().close().await;
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    pub async fn fill(&self, id: &str, value: &str) {
        let at = self.url_now().await;
        let input = self
            .client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no #{id} on {at}: {e}"));
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }

    async fn url_now(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Clicks the form's main button and waits for the next page.
    pub async fn submit(&self) {
        self.click(Locator::Css("button[type=submit]:not([name])"))
            .await;
    }

    /// Clicks, and waits until another document has replaced this one and has loaded.
    pub async fn click(&self, locator: Locator<'_>) {
        self.client
            .execute("window.__cognate_old_page = true", vec![])
            .await
            .unwrap();
        let element = self.client.find(locator).await.unwrap();
        element.click().await.unwrap();
        for _ in 0..200 {
            let loaded = self
                .client
                .execute(
                    "return window.__cognate_old_page !== true && document.readyState === 'complete'",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the page did not change after a click");
    }

    /// Asserts the page's path, showing the page's text when it is another.
    pub async fn expect_path(&self, path: &str) {
        let at = self.path().await;
        if at != path {
            let text = self.text_of("body").await;
            panic!("expected {path}, at {at}:\n{text}");
        }
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(path, png).unwrap();
    }
}

/// A test that fails before `stop` still ends its driver (and so its browser).
impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The app the browser comes back to: answers its callback and sign-out URLs with a page.
pub struct App {
    pub addr: SocketAddr,
}

impl App {
    pub async fn start() -> App {
        let router = axum::Router::new()
            .route(
                "/callback",
                axum::routing::get(|| async { axum::response::Html("<h1>Back in the app</h1>") }),
            )
            .route(
                "/signed-out",
                axum::routing::get(|| async {
                    axum::response::Html("<h1>Signed out of the app</h1>")
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        App { addr }
    }

    pub fn callback(&self) -> String {
        format!("http://localhost:{}/callback", self.addr.port())
    }

    pub fn signed_out(&self) -> String {
        format!("http://localhost:{}/signed-out", self.addr.port())
    }
}

/// A pool whose users sign up with a username and an email, a domain, and two app clients.
pub struct BrowserSite {
    pub pool: String,
    pub base: String,
    pub host: String,
    pub clients: [String; 2],
}

pub async fn browser_site(server: &TestServer, app: &App) -> BrowserSite {
    let sdk = server.client();
    let pool = sdk
        .create_user_pool()
        .pool_name("browser")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let prefix = fresh_prefix();
    sdk.create_user_pool_domain()
        .user_pool_id(&pool)
        .domain(&prefix)
        .send()
        .await
        .unwrap();
    let first = app_client(&sdk, &pool, app, "first").await;
    let second = app_client(&sdk, &pool, app, "second").await;
    let host = format!("{prefix}.auth.localhost");
    BrowserSite {
        base: format!("http://{host}:{}", server.server.addr.port()),
        host,
        pool,
        clients: [first, second],
    }
}

async fn app_client(sdk: &Sdk, pool: &str, app: &App, name: &str) -> String {
    sdk.create_user_pool_client()
        .user_pool_id(pool)
        .client_name(name)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .supported_identity_providers("COGNITO")
        .callback_urls(app.callback())
        .logout_urls(app.signed_out())
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap()
}

impl BrowserSite {
    pub fn authorize_url(&self, client: usize, app: &App, challenge: &str) -> String {
        let query = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", self.clients[client].as_str()),
            ("redirect_uri", app.callback().as_str()),
            ("state", "st-browser"),
            ("scope", "openid email profile"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .unwrap();
        format!("{}/oauth2/authorize?{query}", self.base)
    }

    /// A reqwest client for the back channel (the app's server exchanging the code).
    fn back_channel(&self, server: &TestServer) -> reqwest::Client {
        crate::support::hosted::browser(server, &self.host)
    }

    pub async fn exchange(
        &self,
        server: &TestServer,
        client: usize,
        app: &App,
        code: &str,
        verifier: &str,
    ) -> serde_json::Value {
        let response = self
            .back_channel(server)
            .post(format!("{}/oauth2/token", self.base))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", self.clients[client].as_str()),
                ("redirect_uri", app.callback().as_str()),
                ("code", code),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

/// The code and state the browser brought back to the app.
async fn came_back(chrome: &Chrome, app: &App) -> std::collections::BTreeMap<String, String> {
    let url = chrome.url().await;
    assert!(
        url.starts_with(&app.callback()),
        "expected the callback, at {url}"
    );
    params_of(&url)
}

crate::on_both_backends!(sign_up_confirm_sign_in_sso_and_logout, |server| {
    let Some(chrome) = Chrome::start(1280, 900).await else {
        return;
    };
    let app = App::start().await;
    let site = browser_site(server, &app).await;
    let (verifier, challenge) = pkce();

    // The app sends the browser to authorize; with no session, the sign-in page shows.
    chrome.goto(&site.authorize_url(0, &app, &challenge)).await;
    chrome.expect_path("/login").await;
    assert_eq!(chrome.text_of("h1").await, "Sign in");

    // Sign up, with a mistake first: the error shows next to its field.
    chrome.click(Locator::LinkText("Sign up")).await;
    chrome.expect_path("/signup").await;
    chrome.fill("username", "carol").await;
    chrome.fill("email", "carol@example.com").await;
    chrome.fill("password", PASSWORD).await;
    chrome.fill("password_confirm", "Something-else-1!").await;
    chrome.submit().await;
    assert_eq!(
        chrome.text_of("#password_confirm-error").await,
        "The passwords do not match."
    );
    chrome.fill("password", PASSWORD).await;
    chrome.fill("password_confirm", PASSWORD).await;
    chrome.submit().await;

    // The confirm page, and the code from the mail that really went out over SMTP.
    chrome.expect_path("/confirm").await;
    assert!(
        chrome
            .text_of(".description")
            .await
            .starts_with("We sent a code to ")
    );
    let mail = server.mail.mail_to("carol@example.com").await;
    let code = mail.code(6).unwrap();
    chrome.fill("code", "000000").await;
    chrome.submit().await;
    assert_eq!(
        chrome.text_of("#code-error").await,
        "That code is not right. Check the code we sent you and try again."
    );
    chrome.fill("code", &code).await;
    chrome.submit().await;

    // Confirming in the browser that signed up signs in: back to the app with a code.
    let params = came_back(&chrome, &app).await;
    assert_eq!(params["state"], "st-browser");
    let tokens = site
        .exchange(server, 0, &app, &params["code"], &verifier)
        .await;
    let access = tokens["access_token"].as_str().unwrap();
    let info = site
        .back_channel(server)
        .get(format!("{}/oauth2/userInfo", site.base))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(info["username"], "carol");
    assert_eq!(info["email"], "carol@example.com");
    assert_eq!(info["email_verified"], true);

    // A second app of the pool: the SSO cookie signs the user in without a password.
    let (verifier2, challenge2) = pkce();
    chrome.goto(&site.authorize_url(1, &app, &challenge2)).await;
    let params = came_back(&chrome, &app).await;
    let tokens = site
        .exchange(server, 1, &app, &params["code"], &verifier2)
        .await;
    assert!(tokens["id_token"].is_string());

    // Logout ends the session: back to the app, and the next authorize asks for a password.
    let logout = format!(
        "{}/logout?{}",
        site.base,
        serde_urlencoded::to_string([
            ("client_id", site.clients[0].as_str()),
            ("logout_uri", app.signed_out().as_str()),
        ])
        .unwrap()
    );
    chrome.goto(&logout).await;
    assert_eq!(chrome.url().await, app.signed_out());
    let (_, challenge3) = pkce();
    chrome.goto(&site.authorize_url(1, &app, &challenge3)).await;
    chrome.expect_path("/login").await;

    // A wrong password is shown next to the password; the right one goes back to the app.
    chrome.fill("username", "carol").await;
    chrome.fill("password", "Wrong-password-1!").await;
    chrome.submit().await;
    assert_eq!(
        chrome.text_of("#password-error").await,
        "Incorrect username or password."
    );
    assert_eq!(
        chrome
            .client
            .find(Locator::Id("password"))
            .await
            .unwrap()
            .attr("aria-describedby")
            .await
            .unwrap()
            .as_deref(),
        Some("password-error")
    );
    chrome.fill("password", PASSWORD).await;
    chrome.submit().await;
    came_back(&chrome, &app).await;

    chrome.stop().await;
});

crate::on_both_backends!(forgot_password_in_the_browser, |server| {
    let Some(chrome) = Chrome::start(1280, 900).await else {
        return;
    };
    let app = App::start().await;
    let site = browser_site(server, &app).await;
    let sdk = server.client();
    sdk.admin_create_user()
        .user_pool_id(&site.pool)
        .username("dave")
        .user_attributes(crate::support::flows::attr("email", "dave@example.com"))
        .user_attributes(crate::support::flows::attr("email_verified", "true"))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    sdk.admin_set_user_password()
        .user_pool_id(&site.pool)
        .username("dave")
        .password("Old-password-1!")
        .permanent(true)
        .send()
        .await
        .unwrap();

    let (_, challenge) = pkce();
    chrome.goto(&site.authorize_url(0, &app, &challenge)).await;
    chrome
        .click(Locator::LinkText("Forgot your password?"))
        .await;
    chrome.expect_path("/forgotPassword").await;
    chrome.fill("username", "dave").await;
    chrome.submit().await;
    chrome.expect_path("/confirmforgotPassword").await;
    let code = server
        .mail
        .mail_to("dave@example.com")
        .await
        .code(6)
        .unwrap();
    chrome.fill("code", &code).await;
    chrome.fill("password", "short").await;
    chrome.fill("password_confirm", "short").await;
    chrome.submit().await;
    assert_eq!(
        chrome.text_of("#password-error").await,
        "The password must be at least 8 characters long."
    );
    chrome.fill("code", &code).await;
    chrome.fill("password", "New-password-2!").await;
    chrome.fill("password_confirm", "New-password-2!").await;
    chrome.submit().await;

    // Back at the sign-in page, told what happened; the new password works.
    chrome.expect_path("/login").await;
    assert_eq!(
        chrome.text_of(".notice").await,
        "Your password has been changed. Sign in with your new password."
    );
    chrome.fill("password", "New-password-2!").await;
    chrome.submit().await;
    came_back(&chrome, &app).await;
    chrome.stop().await;
});

/// Where the screenshots go.
fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
}

/// Every hosted page at desktop and phone width, into `docs/screenshots/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/screenshots; run on purpose"]
async fn screenshots() {
    let server = TestServer::start(
        crate::support::Backend::Sqlite,
        crate::support::Options { dev: false },
    )
    .await
    .unwrap();
    let app = App::start().await;
    let site = browser_site(&server, &app).await;
    let sdk = server.client();
    // A user with a temporary password, for the new-password page.
    sdk.admin_create_user()
        .user_pool_id(&site.pool)
        .username("erin")
        .temporary_password("Temporary-1!")
        .user_attributes(crate::support::flows::attr("email", "erin@example.com"))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let mfa_site = browser_site(&server, &app).await;
    require_mfa(&sdk, &mfa_site.pool).await;
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for (width, height, suffix) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        let chrome = Chrome::start(width, height)
            .await
            .expect("the screenshots need chromium and chromedriver");
        let shot = |name: &str| dir.join(format!("{name}-{suffix}.png"));
        let (_, challenge) = pkce();
        let authorize = site.authorize_url(0, &app, &challenge);

        chrome.goto(&authorize).await;
        chrome.screenshot(&shot("sign-in")).await;
        chrome.fill("username", "nobody").await;
        chrome.fill("password", "Wrong-password-1!").await;
        chrome.submit().await;
        chrome.screenshot(&shot("sign-in-error")).await;

        chrome.click(Locator::LinkText("Sign up")).await;
        chrome.screenshot(&shot("sign-up")).await;
        chrome.fill("username", &format!("frank-{suffix}")).await;
        chrome
            .fill("email", &format!("frank-{suffix}@example.com"))
            .await;
        chrome.fill("password", "weak").await;
        chrome.fill("password_confirm", "weaker").await;
        chrome.submit().await;
        chrome.screenshot(&shot("sign-up-errors")).await;
        chrome.fill("password", PASSWORD).await;
        chrome.fill("password_confirm", PASSWORD).await;
        chrome.submit().await;
        chrome.screenshot(&shot("confirm-sign-up")).await;

        chrome.goto(&authorize).await;
        chrome
            .click(Locator::LinkText("Forgot your password?"))
            .await;
        chrome.screenshot(&shot("forgot-password")).await;
        chrome.fill("username", "carol-does-not-exist").await;
        chrome.submit().await;
        chrome.screenshot(&shot("reset-password")).await;

        chrome.goto(&authorize).await;
        chrome.fill("username", "erin").await;
        chrome.fill("password", "Temporary-1!").await;
        chrome.submit().await;
        chrome.screenshot(&shot("new-password")).await;

        let link = format!(
            "{}/confirmUser?client_id={}&user_name=frank-{suffix}&confirmation_code=123456",
            site.base, site.clients[0]
        );
        chrome.goto(&link).await;
        chrome.screenshot(&shot("confirm-link")).await;

        chrome
            .goto(&format!("{}/oauth2/authorize?client_id=nope", site.base))
            .await;
        chrome.screenshot(&shot("error")).await;

        // The second factor, on a pool that requires MFA.
        let username = format!("henry-{suffix}");
        mfa_user(&sdk, &mfa_site.pool, &username).await;
        let (_, challenge) = pkce();
        let authorize = mfa_site.authorize_url(0, &app, &challenge);
        chrome.goto(&authorize).await;
        chrome.fill("username", &username).await;
        chrome.fill("password", PASSWORD).await;
        chrome.submit().await;
        chrome.expect_path("/login").await;
        chrome.screenshot(&shot("mfa-setup")).await;
        let secret = chrome.text_of("#secret-key").await;
        chrome
            .fill("code", &crate::mfa::totp(&server, &secret, 0))
            .await;
        chrome.submit().await;
        came_back(&chrome, &app).await;
        server.clock.advance_secs(30);
        chrome
            .goto(&format!(
                "{}/logout?client_id={}&logout_uri={}",
                mfa_site.base,
                mfa_site.clients[0],
                app.signed_out()
            ))
            .await;
        chrome.goto(&authorize).await;
        chrome.fill("username", &username).await;
        chrome.fill("password", PASSWORD).await;
        chrome.submit().await;
        chrome.screenshot(&shot("mfa-code")).await;
        sdk.admin_update_user_attributes()
            .user_pool_id(&mfa_site.pool)
            .username(&username)
            .user_attributes(crate::support::flows::attr("phone_number", "+15550123"))
            .user_attributes(crate::support::flows::attr("phone_number_verified", "true"))
            .send()
            .await
            .unwrap();
        sdk.admin_set_user_mfa_preference()
            .user_pool_id(&mfa_site.pool)
            .username(&username)
            .sms_mfa_settings(
                aws_sdk_cognitoidentityprovider::types::SmsMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(false)
                    .build(),
            )
            .software_token_mfa_settings(
                aws_sdk_cognitoidentityprovider::types::SoftwareTokenMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(false)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        chrome.goto(&authorize).await;
        chrome.fill("username", &username).await;
        chrome.fill("password", PASSWORD).await;
        chrome.submit().await;
        chrome.screenshot(&shot("mfa-choose")).await;
        chrome.stop().await;
    }
    server.stop().await;
}

/// Makes a pool require MFA, by SMS or an authenticator app.
async fn require_mfa(sdk: &Sdk, pool: &str) {
    use aws_sdk_cognitoidentityprovider::types::{
        SmsMfaConfigType, SoftwareTokenMfaConfigType, UserPoolMfaType,
    };
    sdk.set_user_pool_mfa_config()
        .user_pool_id(pool)
        .mfa_configuration(UserPoolMfaType::On)
        .sms_mfa_configuration(
            SmsMfaConfigType::builder()
                .sms_authentication_message("Your sign-in code is {####}")
                .build(),
        )
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .send()
        .await
        .unwrap();
}

/// A confirmed user with a permanent password and no second factor.
async fn mfa_user(sdk: &Sdk, pool: &str, username: &str) {
    sdk.admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .user_attributes(crate::support::flows::attr(
            "email",
            &format!("{username}@example.com"),
        ))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    sdk.admin_set_user_password()
        .user_pool_id(pool)
        .username(username)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
}
