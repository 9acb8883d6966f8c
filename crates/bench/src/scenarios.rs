//! The measured scenarios: sign-in flows, administration at scale, and memory with many users.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::srp;
use serde_json::{Value, json};

use crate::client::Api;
use crate::crypto::OpenSsl;
use crate::load::{self, HEADER, Settings, Stats};
use crate::server::ServerProcess;

const PASSWORD: &str = "Bench-Passw0rd!";
const USERS: usize = 64;

async fn create_pool(api: &Api) -> anyhow::Result<String> {
    let pool = api
        .call("CreateUserPool", json!({ "PoolName": "bench" }))
        .await?;
    Ok(pool["UserPool"]["Id"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

async fn create_client(api: &Api, pool: &str) -> anyhow::Result<String> {
    let client = api
        .call(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool,
                "ClientName": "bench",
                "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            }),
        )
        .await?;
    Ok(client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

async fn create_user(
    api: &Api,
    pool: &str,
    username: &str,
    password: Option<&str>,
) -> anyhow::Result<()> {
    api.call(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool,
            "Username": username,
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{ "Name": "email", "Value": format!("{username}@example.com") }],
        }),
    )
    .await?;
    if let Some(password) = password {
        api.call(
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool, "Username": username, "Password": password, "Permanent": true }),
        )
        .await?;
    }
    Ok(())
}

fn print_peak_and_paced(name: &str, peak: &Stats, paced: &Stats) {
    println!("{}", peak.row(&format!("{name} (peak)")));
    println!("{}", paced.row(&format!("{name} (at 70% of peak)")));
}

/// Runs a flow at peak, then paced at 70% of that peak; returns the peak.
async fn peak_and_paced<F, Fut>(
    name: &str,
    settings: Settings,
    server: &ServerProcess,
    op: F,
) -> Stats
where
    F: Fn(usize, u64) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let peak = load::run(settings, server, None, op.clone()).await;
    let paced = load::run(settings, server, Some(peak.per_second * 0.7), op).await;
    print_peak_and_paced(name, &peak, &paced);
    peak
}

/// A measured flow and the crypto it needs: 3072-bit exponentiations, RS256 signatures and
/// verifications.
struct FlowCrypto {
    name: &'static str,
    exponentiations: f64,
    signatures: f64,
    verifications: f64,
}

const SRP_FLOW: FlowCrypto = FlowCrypto {
    name: "SRP sign-in (2 round trips)",
    exponentiations: 3.0,
    signatures: 2.0,
    verifications: 0.0,
};
const PASSWORD_FLOW: FlowCrypto = FlowCrypto {
    name: "password sign-in",
    exponentiations: 1.0,
    signatures: 2.0,
    verifications: 0.0,
};
const REFRESH_FLOW: FlowCrypto = FlowCrypto {
    name: "refresh",
    exponentiations: 0.0,
    signatures: 2.0,
    verifications: 0.0,
};
const GET_USER_FLOW: FlowCrypto = FlowCrypto {
    name: "GetUser",
    exponentiations: 0.0,
    signatures: 0.0,
    verifications: 1.0,
};

/// Each flow's server CPU beside the time OpenSSL (measured in the same run) needs for the
/// flow's crypto alone: a ratio above 1 means the whole server does the flow in less CPU
/// than OpenSSL's crypto would take.
fn print_against_openssl(openssl: Option<OpenSsl>, measured: &[(&FlowCrypto, Stats)]) {
    let Some(o) = openssl else {
        println!("(`openssl` not found: no OpenSSL comparison)");
        return;
    };
    println!(
        "OpenSSL in the same run: ffdh3072 {:.0} µs, rsa2048 sign {:.0} µs, verify {:.1} µs.",
        o.ffdh3072, o.rsa2048_sign, o.rsa2048_verify
    );
    println!();
    println!(
        "| flow | server CPU ms/flow (peak) | OpenSSL's crypto ms/flow | OpenSSL crypto / server CPU |"
    );
    println!("|---|---|---|---|");
    for (flow, peak) in measured {
        let openssl_ms = o.flow_ms(flow.exponentiations, flow.signatures)
            + flow.verifications * o.rsa2048_verify / 1000.0;
        println!(
            "| {} | {:.3} | {:.3} | {:.2} |",
            flow.name,
            peak.server_cpu_ms_per_op,
            openssl_ms,
            openssl_ms / peak.server_cpu_ms_per_op
        );
    }
}

struct SrpWorker {
    a: Vec<u8>,
    big_a: srp::U3072,
    big_a_hex: String,
}

fn srp_workers(count: usize) -> anyhow::Result<Vec<SrpWorker>> {
    (0..count)
        .map(|i| {
            // A 256-bit `a` keeps the load generator's share of the two cores small.
            let mut a = vec![0u8; 32];
            a[0] = 0x80;
            a[31] = u8::try_from(i % 256).unwrap_or(0) | 1;
            let big_a = srp::client_ephemeral(&a).map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(SrpWorker {
                big_a_hex: srp::to_hex(&big_a),
                a,
                big_a,
            })
        })
        .collect()
}

async fn srp_sign_in(
    api: &Api,
    client_id: &str,
    pool_name: &str,
    username: &str,
    worker: &SrpWorker,
) -> anyhow::Result<()> {
    let challenge = api
        .call(
            "InitiateAuth",
            json!({
                "AuthFlow": "USER_SRP_AUTH",
                "ClientId": client_id,
                "AuthParameters": { "USERNAME": username, "SRP_A": worker.big_a_hex },
            }),
        )
        .await?;
    let params = &challenge["ChallengeParameters"];
    let text = |name: &str| params[name].as_str().unwrap_or_default().to_owned();
    let user_id = text("USER_ID_FOR_SRP");
    let salt = hex::decode(text("SALT"))?;
    let big_b = srp::parse_hex(&text("SRP_B")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let key = srp::client_session_key(
        pool_name,
        &user_id,
        PASSWORD,
        &salt,
        &worker.big_a,
        &big_b,
        &worker.a,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let block = text("SECRET_BLOCK");
    let timestamp = srp::format_timestamp(now_secs());
    let signature = srp::password_claim_signature(
        &key,
        pool_name,
        &user_id,
        &STANDARD.decode(&block)?,
        &timestamp,
    );
    let result = api
        .call(
            "RespondToAuthChallenge",
            json!({
                "ClientId": client_id,
                "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeResponses": {
                    "USERNAME": user_id,
                    "PASSWORD_CLAIM_SECRET_BLOCK": block,
                    "PASSWORD_CLAIM_SIGNATURE": STANDARD.encode(signature),
                    "TIMESTAMP": timestamp,
                },
            }),
        )
        .await?;
    anyhow::ensure!(
        result["AuthenticationResult"]["AccessToken"].is_string(),
        "no tokens: {result}"
    );
    Ok(())
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

async fn password_sign_in(api: &Api, client_id: &str, username: &str) -> anyhow::Result<Value> {
    let result = api
        .call(
            "InitiateAuth",
            json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client_id,
                "AuthParameters": { "USERNAME": username, "PASSWORD": PASSWORD },
            }),
        )
        .await?;
    anyhow::ensure!(
        result["AuthenticationResult"]["AccessToken"].is_string(),
        "no tokens: {result}"
    );
    Ok(result["AuthenticationResult"].clone())
}

/// SRP sign-in, password sign-in, refresh and GetUser at `concurrency` clients.
pub async fn flows(
    binary: &str,
    database: &str,
    settings: Settings,
    only: Option<&str>,
) -> anyhow::Result<()> {
    let wanted = |name: &str| only.is_none_or(|o| name.contains(o));
    // Before the server starts, so the two do not compete for the cores.
    let openssl = OpenSsl::measure(3);
    let mut measured = Vec::new();
    let server = ServerProcess::start(binary, database).await?;
    let api = Api::new(&server.url);
    let pool = create_pool(&api).await?;
    let client_id = create_client(&api, &pool).await?;
    let users: Vec<String> = (0..USERS).map(|i| format!("flow-user-{i}")).collect();
    for user in &users {
        create_user(&api, &pool, user, Some(PASSWORD)).await?;
    }
    let pool_name = srp::pool_name(&pool).to_owned();
    println!(
        "## Sign-in flows ({} concurrent clients, {} s per run, {database})",
        settings.concurrency, settings.seconds
    );
    println!("{HEADER}");
    let shared = Arc::new((
        api.clone(),
        client_id.clone(),
        pool_name,
        users.clone(),
        srp_workers(settings.concurrency)?,
    ));
    let srp_state = shared.clone();
    if wanted(SRP_FLOW.name) {
        let peak = peak_and_paced(SRP_FLOW.name, settings, &server, move |worker, _| {
            let s = srp_state.clone();
            async move {
                let (api, client_id, pool_name, users, workers) = &*s;
                srp_sign_in(
                    api,
                    client_id,
                    pool_name,
                    &users[worker % users.len()],
                    &workers[worker],
                )
                .await
            }
        })
        .await;
        measured.push((&SRP_FLOW, peak));
    }
    let password_state = shared.clone();
    if wanted(PASSWORD_FLOW.name) {
        let peak = peak_and_paced(PASSWORD_FLOW.name, settings, &server, move |worker, _| {
            let s = password_state.clone();
            async move {
                let (api, client_id, _, users, _) = &*s;
                password_sign_in(api, client_id, &users[worker % users.len()])
                    .await
                    .map(|_| ())
            }
        })
        .await;
        measured.push((&PASSWORD_FLOW, peak));
    }
    let mut sessions = Vec::new();
    for worker in 0..settings.concurrency {
        sessions.push(password_sign_in(&api, &client_id, &users[worker % users.len()]).await?);
    }
    let sessions = Arc::new((api.clone(), client_id.clone(), sessions));
    let refresh_state = sessions.clone();
    if wanted(REFRESH_FLOW.name) {
        let peak = peak_and_paced(REFRESH_FLOW.name, settings, &server, move |worker, _| {
        let s = refresh_state.clone();
        async move {
            let (api, client_id, sessions) = &*s;
            let token = sessions[worker]["RefreshToken"].as_str().unwrap_or_default();
            api.call(
                "InitiateAuth",
                json!({ "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client_id, "AuthParameters": { "REFRESH_TOKEN": token } }),
            )
            .await
            .map(|_| ())
        }
    })
    .await;
        measured.push((&REFRESH_FLOW, peak));
    }
    let get_user_state = sessions.clone();
    if wanted(GET_USER_FLOW.name) {
        let peak = peak_and_paced(GET_USER_FLOW.name, settings, &server, move |worker, _| {
            let s = get_user_state.clone();
            async move {
                let (api, _, sessions) = &*s;
                let token = sessions[worker]["AccessToken"].as_str().unwrap_or_default();
                api.call("GetUser", json!({ "AccessToken": token }))
                    .await
                    .map(|_| ())
            }
        })
        .await;
        measured.push((&GET_USER_FLOW, peak));
    }
    println!();
    print_against_openssl(openssl, &measured);
    println!();
    server.stop();
    Ok(())
}

/// AdminCreateUser, then AdminGetUser and ListUsers by email prefix once the pool holds `users`.
pub async fn admin(
    binary: &str,
    database: &str,
    settings: Settings,
    users: usize,
) -> anyhow::Result<()> {
    let server = ServerProcess::start(binary, database).await?;
    let api = Api::new(&server.url);
    let pool = create_pool(&api).await?;
    println!(
        "## Administration ({} concurrent clients, {database}, {users} users)",
        settings.concurrency
    );
    println!("{HEADER}");
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let create_state = Arc::new((api.clone(), pool.clone(), counter.clone()));
    let creating = create_state.clone();
    let create = load::run(settings, &server, None, move |_, _| {
        let s = creating.clone();
        async move {
            let (api, pool, counter) = &*s;
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            create_user(api, pool, &format!("user{n}"), None).await
        }
    })
    .await;
    println!("{}", create.row("AdminCreateUser"));
    while counter.load(std::sync::atomic::Ordering::Relaxed) < users {
        let mut batch = Vec::new();
        for _ in 0..settings.concurrency {
            let (api, pool, counter) = (api.clone(), pool.clone(), counter.clone());
            batch.push(tokio::spawn(async move {
                for _ in 0..50 {
                    let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= users {
                        break;
                    }
                    let _ = create_user(&api, &pool, &format!("user{n}"), None).await;
                }
            }));
        }
        for task in batch {
            let _ = task.await;
        }
    }
    let stored = counter
        .load(std::sync::atomic::Ordering::Relaxed)
        .min(users)
        .max(1);
    let get_state = Arc::new((api.clone(), pool.clone()));
    let getting = get_state.clone();
    peak_and_paced("AdminGetUser", settings, &server, move |worker, i| {
        let s = getting.clone();
        async move {
            let (api, pool) = &*s;
            let n = (worker * 7919 + usize::try_from(i).unwrap_or(0) * 104_729) % stored;
            api.call(
                "AdminGetUser",
                json!({ "UserPoolId": pool, "Username": format!("user{n}") }),
            )
            .await
            .map(|_| ())
        }
    })
    .await;
    let listing = get_state.clone();
    peak_and_paced("ListUsers email ^= prefix (~11 matches)", settings, &server, move |worker, i| {
        let s = listing.clone();
        async move {
            let (api, pool) = &*s;
            let n = 1000 + (worker * 31 + usize::try_from(i).unwrap_or(0) * 17) % (stored / 10).max(1);
            let result = api
                .call("ListUsers", json!({ "UserPoolId": pool, "Filter": format!("email ^= \"user{n}\""), "Limit": 60 }))
                .await?;
            anyhow::ensure!(result["Users"].as_array().is_some_and(|u| !u.is_empty()), "no match for user{n}");
            Ok(())
        }
    })
    .await;
    let (rss, peak) = server.memory_mib();
    println!();
    println!("Server memory with {stored} users: RSS {rss:.0} MiB (peak {peak:.0} MiB)");
    println!();
    server.stop();
    Ok(())
}

/// Seeds `users` users straight into the store (as AdminCreateUser would store them, without
/// passwords), restarts the server over it, exercises it, and reports its memory.
pub async fn memory(binary: &str, database: &str, users: usize) -> anyhow::Result<()> {
    let server = ServerProcess::start(binary, database).await?;
    let api = Api::new(&server.url);
    let pool_id = create_pool(&api).await?;
    let (database_url, data_dir) = (server.database_url.clone(), server.data_dir.clone());
    server.stop();
    let store = cognate_store::connect(&database_url)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let pool = store
        .get_pool(&pool_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("no pool"))?;
    let started = std::time::Instant::now();
    for start in (0..users).step_by(5000) {
        let writes: Vec<_> = (start..(start + 5000).min(users))
            .map(|n| {
                let sub = uuid::Uuid::new_v4().to_string();
                let user = cognate_domain::user::User {
                    pool_id: pool_id.clone(),
                    sub: sub.clone(),
                    username: format!("user{n}"),
                    status: cognate_domain::enums::UserStatus::Confirmed,
                    enabled: true,
                    created: cognate_domain::Timestamp(0),
                    modified: cognate_domain::Timestamp(0),
                    version: 1,
                    attributes: [
                        ("sub".to_owned(), sub),
                        ("email".to_owned(), format!("user{n}@example.com")),
                    ]
                    .into(),
                    password: None,
                    mfa_options: Vec::new(),
                    preferred_mfa: None,
                    mfa_methods: Vec::new(),
                    software_token: Default::default(),
                    pending_attributes: Default::default(),
                };
                let keys = cognate_domain::user::user_keys(&pool, &user);
                cognate_domain::ports::UserWrite {
                    user,
                    keys,
                    expected_version: None,
                }
            })
            .collect();
        store
            .save_users(&writes)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    drop(store);
    println!("## Memory with {users} users ({database})");
    println!("seeded in {:.0} s", started.elapsed().as_secs_f64());
    let server = ServerProcess::start_on(binary, &database_url, &data_dir).await?;
    let api = Api::new(&server.url);
    let (idle, _) = server.memory_mib();
    for i in 0..20_000usize {
        let n = (i * 104_729) % users;
        api.call(
            "AdminGetUser",
            json!({ "UserPoolId": pool_id, "Username": format!("user{n}") }),
        )
        .await?;
        if i % 100 == 0 {
            api.call("ListUsers", json!({ "UserPoolId": pool_id, "Filter": format!("email ^= \"user{}\"", n / 10), "Limit": 60 }))
                .await?;
        }
    }
    let (rss, peak) = server.memory_mib();
    println!(
        "server RSS: {idle:.0} MiB after start, {rss:.0} MiB after 20 000 lookups and 200 prefix searches (peak {peak:.0} MiB)"
    );
    println!();
    server.stop();
    Ok(())
}
