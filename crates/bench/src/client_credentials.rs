//! The `client_credentials` grant at the token endpoint of a pool's domain: the cost of a
//! machine-to-machine token, whose only crypto is one RS256 signature.

use std::sync::Arc;

use serde_json::json;

use crate::client::Api;
use crate::load::{self, HEADER, Settings};
use crate::server::ServerProcess;

const PREFIX: &str = "bench-m2m";
const SCOPE: &str = "https://api.example.com/read";

/// A pool with a domain, a resource server and a confidential client allowed its scope.
async fn setup(api: &Api) -> anyhow::Result<(String, String)> {
    let pool = api
        .call("CreateUserPool", json!({ "PoolName": "bench-m2m" }))
        .await?["UserPool"]["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    api.call(
        "CreateUserPoolDomain",
        json!({ "UserPoolId": pool, "Domain": PREFIX }),
    )
    .await?;
    api.call(
        "CreateResourceServer",
        json!({
            "UserPoolId": pool, "Identifier": "https://api.example.com", "Name": "api",
            "Scopes": [{ "ScopeName": "read", "ScopeDescription": "Read" }],
        }),
    )
    .await?;
    let client = api
        .call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool, "ClientName": "m2m", "GenerateSecret": true,
                "AllowedOAuthFlowsUserPoolClient": true,
                "AllowedOAuthFlows": ["client_credentials"],
                "AllowedOAuthScopes": [SCOPE],
            }),
        )
        .await?;
    let text = |name: &str| {
        client["UserPoolClient"][name]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    Ok((text("ClientId"), text("ClientSecret")))
}

/// Tokens per second at peak and p99 at 70% of it, with the server's CPU per token beside
/// the RS256 signing cost measured in-process.
pub async fn run(binary: &str, database: &str, settings: Settings) -> anyhow::Result<()> {
    let server = ServerProcess::start(binary, database).await?;
    let api = Api::new(&server.url);
    let (client_id, secret) = setup(&api).await?;
    let port = server.url.rsplit(':').next().unwrap_or_default().to_owned();
    let host = format!("{PREFIX}.auth.localhost");
    let address: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .resolve(&host, address)
        .build()?;
    let url = format!("http://{host}:{port}/oauth2/token");
    let state = Arc::new((http, url, client_id, secret));
    let op = move |_: usize, _: u64| {
        let s = state.clone();
        async move {
            let (http, url, client_id, secret) = &*s;
            let response = http
                .post(url)
                .basic_auth(client_id, Some(secret))
                .form(&[("grant_type", "client_credentials"), ("scope", SCOPE)])
                .send()
                .await?;
            anyhow::ensure!(response.status().is_success(), "{}", response.status());
            let body: serde_json::Value = response.json().await?;
            anyhow::ensure!(body["access_token"].is_string(), "no token: {body}");
            Ok(())
        }
    };
    println!(
        "## client_credentials tokens ({} concurrent clients, {} s per run, {database})",
        settings.concurrency, settings.seconds
    );
    println!("{HEADER}");
    let peak = load::run(settings, &server, None, op.clone()).await;
    let paced = load::run(settings, &server, Some(peak.per_second * 0.7), op).await;
    println!("{}", peak.row("client_credentials token (peak)"));
    println!("{}", paced.row("client_credentials token (at 70% of peak)"));
    let sign_micros = crate::crypto::rs256_costs().map_or(f64::NAN, |(sign, _)| sign);
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    let limit = 1e6 / sign_micros;
    println!();
    println!(
        "RS256 signing limit: {limit:.0} tokens/s per core ({sign_micros:.0} µs each); \
         server CPU per token {:.3} ms = {:.0}% of it signing; \
         peak {:.0} tokens/s on {cores} cores = {:.0} per core = {:.0}% of the signing limit per core",
        peak.server_cpu_ms_per_op,
        sign_micros / (peak.server_cpu_ms_per_op * 1000.0) * 100.0,
        peak.per_second,
        peak.per_second / cores,
        peak.per_second / cores / limit * 100.0,
    );
    println!();
    server.stop();
    Ok(())
}
