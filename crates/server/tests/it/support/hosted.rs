//! Helpers that play the browser and the app against a pool's domain: a pool with a prefix
//! domain and an OAuth app client, a browser (reqwest with a cookie jar, redirects off, the
//! domain's host resolved to the test server), and the sign-in form.

use std::collections::BTreeMap;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, VerifiedAttributeType};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Response, Url};

use crate::support::TestServer;
use crate::support::flows::{attr, confirmed_user};

pub const CALLBACK: &str = "https://app.example.com/callback";
pub const SIGNED_OUT: &str = "https://app.example.com/signed-out";
pub const PASSWORD: &str = "Correct-Horse-9!";
pub const SCOPES: &[&str] = &[
    "openid",
    "email",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// A pool with a prefix domain, an app client for the code and implicit flows, and a user.
#[derive(Clone)]
pub struct Site {
    pub pool: String,
    pub prefix: String,
    /// `http://<prefix>.auth.localhost:<port>`.
    pub base: String,
    pub client_id: String,
    pub secret: Option<String>,
    pub username: String,
}

pub struct SiteOptions {
    pub secret: bool,
    pub flows: Vec<OAuthFlowType>,
}

impl Default for SiteOptions {
    fn default() -> Self {
        SiteOptions {
            secret: false,
            flows: vec![OAuthFlowType::Code, OAuthFlowType::Implicit],
        }
    }
}

/// A fresh domain prefix (prefixes are unique across pools, and tests share a server).
pub fn fresh_prefix() -> String {
    format!("app-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

pub async fn site(server: &TestServer, options: SiteOptions) -> Site {
    let sdk = server.client();
    let pool = sdk
        .create_user_pool()
        .pool_name("hosted")
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
    let (client_id, secret) =
        oauth_client(&sdk, &pool, options.secret, &options.flows, SCOPES).await;
    let username = "alice".to_owned();
    let app = crate::support::flows::App {
        pool: pool.clone(),
        client_id: client_id.clone(),
        secret: secret.clone(),
    };
    confirmed_user(&sdk, &app, &username, PASSWORD, "alice@example.com").await;
    sdk.admin_update_user_attributes()
        .user_pool_id(&pool)
        .username(&username)
        .user_attributes(attr("name", "Alice Liddell"))
        .user_attributes(attr("phone_number", "+15550100"))
        .send()
        .await
        .unwrap();
    Site {
        base: format!(
            "http://{prefix}.auth.localhost:{}",
            server.server.addr.port()
        ),
        pool,
        prefix,
        client_id,
        secret,
        username,
    }
}

/// An app client for the given OAuth flows and scopes, with the test callback and sign-out URLs.
pub async fn oauth_client(
    sdk: &Client,
    pool: &str,
    secret: bool,
    flows: &[OAuthFlowType],
    scopes: &[&str],
) -> (String, Option<String>) {
    let mut request = sdk
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("web")
        .generate_secret(secret)
        .allowed_o_auth_flows_user_pool_client(true)
        .supported_identity_providers("COGNITO");
    for flow in flows {
        request = request.allowed_o_auth_flows(flow.clone());
    }
    for scope in scopes {
        request = request.allowed_o_auth_scopes(*scope);
    }
    if !flows.contains(&OAuthFlowType::ClientCredentials) {
        request = request.callback_urls(CALLBACK).logout_urls(SIGNED_OUT);
    }
    let created = request.send().await.unwrap().user_pool_client.unwrap();
    (created.client_id.unwrap(), created.client_secret)
}

/// A browser for one domain host: its own cookie jar, no redirects followed.
pub fn browser(server: &TestServer, host: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .resolve(host, server.server.addr)
        .build()
        .unwrap()
}

impl Site {
    pub fn host(&self) -> String {
        format!("{}.auth.localhost", self.prefix)
    }

    pub fn browser(&self, server: &TestServer) -> reqwest::Client {
        browser(server, &self.host())
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// `/oauth2/authorize?<params>` with this site's client and callback unless overridden.
    pub fn authorize_url(&self, extra: &[(&str, &str)]) -> String {
        let mut params: BTreeMap<&str, &str> = BTreeMap::new();
        params.insert("response_type", "code");
        params.insert("client_id", &self.client_id);
        params.insert("redirect_uri", CALLBACK);
        params.insert("state", "st-1");
        for (name, value) in extra {
            params.insert(name, value);
        }
        let query = serde_urlencoded_pairs(&params);
        self.url(&format!("/oauth2/authorize?{query}"))
    }
}

fn serde_urlencoded_pairs(params: &BTreeMap<&str, &str>) -> String {
    let mut url = Url::parse("http://x/").unwrap();
    url.query_pairs_mut().extend_pairs(params.iter());
    url.query().unwrap_or_default().to_owned()
}

/// The `Location` of a redirect.
pub fn location(response: &Response) -> String {
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {}",
        response.status()
    );
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

pub fn location_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
}

/// The query (or, for `#…`, the fragment) parameters of a URL.
pub fn params_of(url: &str) -> BTreeMap<String, String> {
    let url = Url::parse(url).unwrap();
    let encoded = match url.fragment() {
        Some(fragment) => fragment.to_owned(),
        None => url.query().unwrap_or_default().to_owned(),
    };
    Url::parse(&format!("http://x/?{encoded}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The value of a hidden field of a page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

/// Undoes the HTML escaping of a value (named and numeric forms).
pub fn unescape(text: &str) -> String {
    [
        ("&quot;", "\""),
        ("&#34;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&lt;", "<"),
        ("&#60;", "<"),
        ("&gt;", ">"),
        ("&#62;", ">"),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(text.to_owned(), |text, (entity, plain)| {
        text.replace(entity, plain)
    })
}

/// Follows `/oauth2/authorize` to the sign-in form, fills it in, and returns the answer to
/// the form's POST (the redirect to the client when the password is right).
pub async fn sign_in(
    browser: &reqwest::Client,
    site: &Site,
    authorize_url: &str,
    username: &str,
    password: &str,
) -> Response {
    let response = browser.get(authorize_url).send().await.unwrap();
    let login = location(&response);
    assert!(login.starts_with("/login?"), "{login}");
    submit_login(browser, site, &login, username, password).await
}

/// GETs a sign-in page (`/login?…`) and POSTs its form.
pub async fn submit_login(
    browser: &reqwest::Client,
    site: &Site,
    login_path: &str,
    username: &str,
    password: &str,
) -> Response {
    let page = browser.get(site.url(login_path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let mut form: Vec<(String, String)> = Vec::new();
    for name in [
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "nonce",
        "prompt",
        "_csrf",
    ] {
        if let Some(value) = hidden_field(&html, name) {
            form.push((name.to_owned(), value));
        }
    }
    form.push(("username".to_owned(), username.to_owned()));
    form.push(("password".to_owned(), password.to_owned()));
    browser
        .post(site.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// The authorization code of the redirect: through the sign-in form, or straight from
/// `/oauth2/authorize` when the browser already has an SSO session.
pub async fn code_for(browser: &reqwest::Client, site: &Site, extra: &[(&str, &str)]) -> String {
    let response = browser.get(site.authorize_url(extra)).send().await.unwrap();
    let mut to = location(&response);
    if to.starts_with("/login?") {
        let response = submit_login(browser, site, &to, &site.username, PASSWORD).await;
        to = location(&response);
    }
    assert!(to.starts_with(CALLBACK), "{to}");
    params_of(&to)["code"].clone()
}

/// `POST /oauth2/token` with a form; `basic` sends the client's credentials as HTTP Basic.
pub async fn token_request(
    server: &TestServer,
    site: &Site,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, HeaderMap, serde_json::Value) {
    post_form(server, site, "/oauth2/token", form, basic).await
}

pub async fn post_form(
    server: &TestServer,
    site: &Site,
    path: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, HeaderMap, serde_json::Value) {
    let client = browser(server, &site.host());
    let mut request = client.post(site.url(path)).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, headers, json)
}

/// Asserts an RFC 6749 error body.
pub fn assert_oauth_error(answer: &(u16, HeaderMap, serde_json::Value), status: u16, error: &str) {
    assert_eq!(answer.0, status, "{:?}", answer.2);
    assert_eq!(answer.2["error"], error, "{:?}", answer.2);
    assert_eq!(answer.1["cache-control"], "no-store");
}

/// userInfo with a bearer token.
pub async fn user_info(
    server: &TestServer,
    site: &Site,
    access_token: &str,
) -> (u16, HeaderMap, serde_json::Value) {
    let client = browser(server, &site.host());
    let response = client
        .get(site.url("/oauth2/userInfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let json = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, headers, json)
}

/// A PKCE pair: (verifier, S256 challenge).
pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = cognate_crypto::oauth::s256_challenge(&verifier);
    (verifier, challenge)
}

/// The hidden fields (and CSRF token, step tokens, link parameters) of a page's form, with
/// `fields` added: what a browser would post.
pub fn form_of(html: &str, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = [
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "_csrf",
        "session",
        "flow",
        "user_name",
        "confirmation_code",
    ]
    .iter()
    .filter_map(|name| hidden_field(html, name).map(|v| ((*name).to_owned(), v)))
    .collect();
    form.extend(
        fields
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    form
}

/// The error a page shows next to a field, as text.
pub fn field_error(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}-error\">");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('<')? + start;
    Some(unescape(&html[start..end]))
}
