//! Identity pools: what a signed-in app user costs when it asks for AWS credentials, GetId
//! followed by GetCredentialsForIdentity with the user's ID token (as Amplify's
//! `fetchAuthSession()` does), measured twice:
//! - with credentials minted by the server itself (dev mode, no STS);
//! - with an STS stand-in in this process (a minimal HTTP responder answering every
//!   AssumeRoleWithWebIdentity with fixed credentials, so the server's STS client, its HTTP
//!   round trip and the XML it reads are in the measurement, and no real STS is).
//!
//! Per operation the server checks the ID token twice (RS256 verification, once per call),
//! signs one RS512 OpenID token for STS, and reads the identity by its login.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::Arc;

use serde_json::json;

use crate::client::Api;
use crate::load::{self, HEADER, Settings};
use crate::server::ServerProcess;

const USERS: usize = 64;
const PASSWORD: &str = "Bench-Passw0rd!";

/// What every STS call gets back.
const STS_ANSWER: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIABENCHBENCHBENCH1</AccessKeyId><SecretAccessKey>benchbenchbenchbenchbenchbenchbenchbench</SecretAccessKey><SessionToken>bench-session-token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"#;

/// Starts the STS stand-in on a free loopback port; one thread per connection, keep-alive.
fn start_sts() -> anyhow::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}/", listener.local_addr()?);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer_sts(stream));
        }
    });
    Ok(url)
}

fn answer_sts(stream: std::net::TcpStream) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n{STS_ANSWER}",
        STS_ANSWER.len()
    );
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() || writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// A user pool with `USERS` users signed in, and an identity pool trusting it; returns the
/// identity pool id, the Logins key and one ID token per user.
async fn setup(api: &Api) -> anyhow::Result<(String, String, Vec<String>)> {
    let pool = api
        .call("CreateUserPool", json!({ "PoolName": "bench-identity" }))
        .await?["UserPool"]["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let client_id = api
        .call(
            "CreateUserPoolClient",
            json!({ "UserPoolId": pool, "ClientName": "app", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] }),
        )
        .await?["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut tokens = Vec::with_capacity(USERS);
    for n in 0..USERS {
        let username = format!("user{n}");
        api.call(
            "AdminCreateUser",
            json!({ "UserPoolId": pool, "Username": username, "MessageAction": "SUPPRESS" }),
        )
        .await?;
        api.call(
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool, "Username": username, "Password": PASSWORD, "Permanent": true }),
        )
        .await?;
        let signed_in = api
            .call(
                "InitiateAuth",
                json!({ "ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                        "AuthParameters": { "USERNAME": username, "PASSWORD": PASSWORD } }),
            )
            .await?;
        tokens.push(
            signed_in["AuthenticationResult"]["IdToken"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
    let identity_pool = api
        .call_identity(
            "CreateIdentityPool",
            json!({ "IdentityPoolName": "bench", "AllowUnauthenticatedIdentities": false,
                    "CognitoIdentityProviders": [{ "ProviderName": provider, "ClientId": client_id }] }),
        )
        .await?["IdentityPoolId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    api.call_identity(
        "SetIdentityPoolRoles",
        json!({ "IdentityPoolId": identity_pool,
                "Roles": { "authenticated": "arn:aws:iam::000000000000:role/bench-auth" } }),
    )
    .await?;
    Ok((identity_pool, provider, tokens))
}

/// One measured run over a fresh server; `sts` names the STS endpoint, if any.
async fn measure(
    label: &str,
    binary: &str,
    database: &str,
    settings: Settings,
    sts: Option<&str>,
) -> anyhow::Result<()> {
    let env: Vec<(&str, &str)> = sts
        .map(|url| ("COGNATE_STS_ENDPOINT", url))
        .into_iter()
        .collect();
    let server = ServerProcess::start_with_env(binary, database, &env).await?;
    let api = Api::new(&server.url);
    let (pool_id, provider, tokens) = setup(&api).await?;
    let state = Arc::new((api, pool_id, provider, tokens));
    let op = move |worker: usize, iteration: u64| {
        let state = state.clone();
        async move {
            let (api, pool_id, provider, tokens) = &*state;
            let token = &tokens[(worker + iteration as usize) % tokens.len()];
            let logins = json!({ provider.as_str(): token });
            let id = api
                .call_identity(
                    "GetId",
                    json!({ "IdentityPoolId": pool_id, "Logins": logins }),
                )
                .await?;
            let identity_id = id["IdentityId"].as_str().unwrap_or_default();
            let credentials = api
                .call_identity(
                    "GetCredentialsForIdentity",
                    json!({ "IdentityId": identity_id, "Logins": logins }),
                )
                .await?;
            anyhow::ensure!(
                credentials["Credentials"]["AccessKeyId"].is_string(),
                "no credentials: {credentials}"
            );
            Ok(())
        }
    };
    let peak = load::run(settings, &server, None, op.clone()).await;
    let paced = load::run(settings, &server, Some(peak.per_second * 0.7), op).await;
    println!("{}", peak.row(&format!("{label} (peak)")));
    println!("{}", paced.row(&format!("{label} (at 70% of peak)")));
    server.stop();
    Ok(())
}

/// Median microseconds of one RS512 signature (the OpenID token STS gets), in-process.
fn rs512_sign_micros() -> f64 {
    let Ok(key) = cognate_crypto::jwt::RsaSigningKey::generate() else {
        return f64::NAN;
    };
    let mut claims = serde_json::Map::new();
    claims.insert(
        "sub".into(),
        "us-east-1:a5b0a1c2-0000-4000-8000-000000000000".into(),
    );
    claims.insert("exp".into(), 4_102_444_800i64.into());
    let mut samples: Vec<f64> = (0..300)
        .map(|_| {
            let started = std::time::Instant::now();
            let _ = key.sign_rs512_jws(&claims);
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// GetId + GetCredentialsForIdentity per second for signed-in users, with dev minting and
/// with the STS stand-in.
pub async fn run(binary: &str, database: &str, settings: Settings) -> anyhow::Result<()> {
    println!(
        "## Identity pools: GetId + GetCredentialsForIdentity per signed-in user ({} concurrent clients, {} s per run, {database}, {USERS} users)",
        settings.concurrency, settings.seconds
    );
    println!("{HEADER}");
    measure(
        "credentials minted in dev mode",
        binary,
        database,
        settings,
        None,
    )
    .await?;
    let sts = start_sts()?;
    measure(
        "credentials from an STS stand-in",
        binary,
        database,
        settings,
        Some(&sts),
    )
    .await?;
    let rs512 = rs512_sign_micros();
    println!();
    println!(
        "One operation is two HTTP requests; its crypto is two RS256 verifications and one RS512 signature ({rs512:.0} µs here)."
    );
    println!();
    Ok(())
}
