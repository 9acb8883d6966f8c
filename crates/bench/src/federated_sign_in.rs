//! Federated sign-in through the hosted flow, end to end over HTTP: two `cognate serve --dev`
//! processes on this machine, the upstream's pool the OIDC provider of the downstream's.
//! One operation is what a browser and its app do for one sign-in: `/oauth2/authorize` with
//! `identity_provider` at the downstream, the upstream's authorize (and its sign-in form,
//! when the browser has no session there), `/oauth2/idpresponse` at the downstream (code
//! exchange, JWKS, ID-token checks, userInfo, the federated user's update, a code for the
//! app), and the app's code exchange at the downstream's token endpoint. Both servers' CPU
//! per sign-in is read from /proc/<pid>/stat.
//!
//! Two flavours: every browser new (the upstream's password form each time, so its password
//! hashing is in the figure) and returning browsers (the upstream's SSO session answers at
//! once, which isolates the federation work).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;

use crate::client::Api;
use crate::load::{self, Settings};
use crate::server::ServerProcess;

const UP: &str = "bench-upstream";
const DOWN: &str = "bench-downstream";
const CALLBACK: &str = "https://app.example.com/callback";
const PASSWORD: &str = "Bench-Passw0rd!";

struct Flow {
    down_authorize: String,
    up_base: String,
    down_base: String,
    down_token: String,
    client_id: String,
    /// `(host, address)` of both domains, for each browser's resolver.
    hosts: [(String, std::net::SocketAddr); 2],
}

fn text(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn port_of(url: &str) -> String {
    url.rsplit(':').next().unwrap_or_default().to_owned()
}

/// The upstream pool (a domain, a confidential client for the downstream's callback, one
/// user per worker) and the downstream pool (a domain, the OIDC provider, an app client).
async fn setup(up: &ServerProcess, down: &ServerProcess, users: usize) -> anyhow::Result<Flow> {
    let (up_port, down_port) = (port_of(&up.url), port_of(&down.url));
    let up_base = format!("http://{UP}.auth.localhost:{up_port}");
    let down_base = format!("http://{DOWN}.auth.localhost:{down_port}");
    let upstream = Api::new(&up.url);
    let up_pool = text(
        &upstream
            .call("CreateUserPool", json!({ "PoolName": "upstream" }))
            .await?["UserPool"]["Id"],
    );
    upstream
        .call(
            "CreateUserPoolDomain",
            json!({ "UserPoolId": up_pool, "Domain": UP }),
        )
        .await?;
    let up_client = upstream
        .call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": up_pool, "ClientName": "downstream", "GenerateSecret": true,
                "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email", "profile"],
                "SupportedIdentityProviders": ["COGNITO"],
                "CallbackURLs": [format!("{down_base}/oauth2/idpresponse")],
            }),
        )
        .await?;
    for user in 0..users {
        let username = format!("user{user}");
        upstream
            .call(
                "AdminCreateUser",
                json!({
                    "UserPoolId": up_pool, "Username": username, "MessageAction": "SUPPRESS",
                    "UserAttributes": [
                        { "Name": "email", "Value": format!("{username}@example.com") },
                        { "Name": "email_verified", "Value": "true" },
                        { "Name": "name", "Value": format!("User {user}") },
                    ],
                }),
            )
            .await?;
        upstream
            .call(
                "AdminSetUserPassword",
                json!({ "UserPoolId": up_pool, "Username": username, "Password": PASSWORD, "Permanent": true }),
            )
            .await?;
    }
    let downstream = Api::new(&down.url);
    let down_pool = text(
        &downstream
            .call("CreateUserPool", json!({ "PoolName": "downstream" }))
            .await?["UserPool"]["Id"],
    );
    downstream
        .call(
            "CreateUserPoolDomain",
            json!({ "UserPoolId": down_pool, "Domain": DOWN }),
        )
        .await?;
    downstream
        .call(
            "CreateIdentityProvider",
            json!({
                "UserPoolId": down_pool, "ProviderName": "Upstream", "ProviderType": "OIDC",
                "ProviderDetails": {
                    "client_id": text(&up_client["UserPoolClient"]["ClientId"]),
                    "client_secret": text(&up_client["UserPoolClient"]["ClientSecret"]),
                    "authorize_scopes": "openid email profile",
                    "attributes_request_method": "GET",
                    "oidc_issuer": format!("{}/{up_pool}", up.url),
                },
                "AttributeMapping": { "email": "email", "email_verified": "email_verified", "name": "name" },
            }),
        )
        .await?;
    let app = downstream
        .call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": down_pool, "ClientName": "app",
                "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email", "profile"],
                "SupportedIdentityProviders": ["Upstream"],
                "CallbackURLs": [CALLBACK],
            }),
        )
        .await?;
    let client_id = text(&app["UserPoolClient"]["ClientId"]);
    let query = [
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", CALLBACK),
        ("scope", "openid email profile"),
        ("state", "bench"),
        ("identity_provider", "Upstream"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", form_encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    Ok(Flow {
        down_authorize: format!("{down_base}/oauth2/authorize?{query}"),
        down_token: format!("{down_base}/oauth2/token"),
        hosts: [
            (
                format!("{UP}.auth.localhost"),
                format!("127.0.0.1:{up_port}").parse()?,
            ),
            (
                format!("{DOWN}.auth.localhost"),
                format!("127.0.0.1:{down_port}").parse()?,
            ),
        ],
        up_base,
        down_base,
        client_id,
    })
}

fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A browser: a cookie jar, redirects followed by hand, both domains resolved to loopback.
fn browser(flow: &Flow) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(4);
    for (host, address) in &flow.hosts {
        builder = builder.resolve(host, *address);
    }
    Ok(builder.build()?)
}

fn location(response: &reqwest::Response) -> anyhow::Result<String> {
    anyhow::ensure!(
        response.status().is_redirection(),
        "expected a redirect, got {}",
        response.status()
    );
    Ok(response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned())
}

/// The value of a hidden field of a page.
fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&#34;", "\"")
            .replace("&amp;", "&"),
    )
}

/// One whole sign-in; `username` signs in at the upstream's form when it asks.
async fn sign_in(flow: &Flow, http: &reqwest::Client, username: &str) -> anyhow::Result<()> {
    let to_upstream = location(&http.get(&flow.down_authorize).send().await?)?;
    let mut next = location(&http.get(&to_upstream).send().await?)?;
    if next.starts_with("/login?") {
        let page = http
            .get(format!("{}{next}", flow.up_base))
            .send()
            .await?
            .text()
            .await?;
        let mut form: Vec<(String, String)> = [
            "response_type",
            "client_id",
            "redirect_uri",
            "state",
            "scope",
            "code_challenge",
            "code_challenge_method",
            "nonce",
            "_csrf",
        ]
        .iter()
        .filter_map(|name| hidden(&page, name).map(|v| ((*name).to_owned(), v)))
        .collect();
        form.push(("username".to_owned(), username.to_owned()));
        form.push(("password".to_owned(), PASSWORD.to_owned()));
        next = location(
            &http
                .post(format!("{}/login", flow.up_base))
                .form(&form)
                .send()
                .await?,
        )?;
    }
    anyhow::ensure!(
        next.starts_with(&format!("{}/oauth2/idpresponse?", flow.down_base)),
        "not back at the downstream: {next}"
    );
    let to_app = location(&http.get(&next).send().await?)?;
    let code = to_app
        .split_once("code=")
        .map(|(_, rest)| rest.split('&').next().unwrap_or_default().to_owned())
        .ok_or_else(|| anyhow::anyhow!("no code: {to_app}"))?;
    let tokens: serde_json::Value = http
        .post(&flow.down_token)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", flow.client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(tokens["id_token"].is_string(), "no tokens: {tokens}");
    Ok(())
}

/// Sign-ins per second (peak) for new and for returning browsers, with both servers' CPU per
/// sign-in.
pub async fn run(binary: &str, database: &str, settings: Settings) -> anyhow::Result<()> {
    // The upstream runs on SQLite whatever the downstream's store: it is the outside party.
    let up = ServerProcess::start(binary, "sqlite").await?;
    let down = ServerProcess::start(binary, database).await?;
    let flow = Arc::new(setup(&up, &down, settings.concurrency).await?);
    // Every worker's returning browser, signed in at the upstream once (and its user made
    // downstream), before anything is measured.
    let mut returning = Vec::new();
    for worker in 0..settings.concurrency {
        let http = browser(&flow)?;
        sign_in(&flow, &http, &format!("user{worker}")).await?;
        returning.push(http);
    }
    let returning = Arc::new(returning);
    println!(
        "## Federated sign-in through the hosted flow ({} concurrent browsers, {} s per run, downstream on {database}, upstream a second cognate on SQLite)",
        settings.concurrency, settings.seconds
    );
    println!(
        "| operation | per second | p50 ms | p99 ms | downstream CPU ms/op | errors | upstream CPU ms/op |\n|---|---|---|---|---|---|---|"
    );
    for fresh in [true, false] {
        let done = Arc::new(AtomicU64::new(0));
        let (flow, returning, counter) = (flow.clone(), returning.clone(), done.clone());
        let op = move |worker: usize, _: u64| {
            let (flow, returning, counter) = (flow.clone(), returning.clone(), counter.clone());
            async move {
                let username = format!("user{worker}");
                if fresh {
                    sign_in(&flow, &browser(&flow)?, &username).await?;
                } else {
                    sign_in(&flow, &returning[worker], &username).await?;
                }
                counter.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
        };
        let up_before = up.cpu_seconds();
        let stats = load::run(settings, &down, None, op).await;
        let up_cpu = up.cpu_seconds() - up_before;
        let ops = done.load(Ordering::Relaxed).max(1) as f64;
        let name = if fresh {
            "federated sign-in, new browser (upstream password form)"
        } else {
            "federated sign-in, returning browser (upstream SSO session)"
        };
        println!("{} {:.3} |", stats.row(name), up_cpu * 1000.0 / ops);
    }
    println!();
    up.stop();
    down.stop();
    Ok(())
}
