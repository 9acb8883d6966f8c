//! Several nodes over one database, as behind a load balancer (issue 12): what one node does
//! every node sees; a key rotation refuses no valid token on any node; a database restart
//! shows on `/health` within a second and heals without restarting the nodes; a node with
//! another key-encryption key refuses to start, and one with another public URL is reported.
//!
//! The three-node tests run over the CI database (`TEST_POSTGRES_URL`); the restart test runs
//! its own PostgreSQL cluster, since the shared one must never be stopped.

use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::Client;
use cognate_domain::signing::{JWKS_MAX_AGE_SECS, PUBLISH_AHEAD_MS, RotationMode};
use cognate_domain::time::Clock;
use cognate_server::config::KeySource;

use crate::on_both_backends;
use crate::support::flows::{self, AppOptions, app, attr, confirmed_user};
use crate::support::private_pg::PrivatePostgres;
use crate::support::{Backend, Node, Options, TestServer, error_of};
use crate::tokens::verifies_with;

const PASSWORD: &str = "Passw0rd!";

/// A first node (the test server) and more nodes over the same database, key and public URL.
struct Cluster {
    first: TestServer,
    others: Vec<Node>,
}

impl Cluster {
    async fn of(first: TestServer, size: usize) -> Cluster {
        let mut others = Vec::new();
        for _ in 1..size {
            others.push(first.second_node().await);
        }
        Cluster { first, others }
    }

    /// Three nodes over the CI database; `None` when `TEST_POSTGRES_URL` is not set.
    async fn of_three_on_postgres() -> Option<Cluster> {
        let Some(first) = TestServer::start(Backend::Postgres, Options { dev: false }).await else {
            eprintln!("TEST_POSTGRES_URL is not set: skipping the three-node test");
            return None;
        };
        Some(Cluster::of(first, 3).await)
    }

    fn clients(&self) -> Vec<Client> {
        std::iter::once(self.first.client())
            .chain(self.others.iter().map(Node::client))
            .collect()
    }

    fn urls(&self) -> Vec<String> {
        std::iter::once(self.first.url())
            .chain(self.others.iter().map(|n| n.server.url()))
            .collect()
    }

    async fn stop(self) {
        for node in self.others {
            node.stop().await;
        }
        self.first.stop().await;
    }
}

async fn jwks_at(url: &str, pool: &str) -> serde_json::Value {
    reqwest::get(format!("{url}/{pool}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn lists(set: &serde_json::Value, kid: &str) -> bool {
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kid"] == kid)
}

fn kid_of(token: &str) -> String {
    flows::header(token)["kid"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_three_nodes_behave_as_one_server() {
    let Some(cluster) = Cluster::of_three_on_postgres().await else {
        return;
    };
    let nodes = cluster.clients();
    let (a, b, c) = (&nodes[0], &nodes[1], &nodes[2]);
    let app = app(
        a,
        AppOptions {
            rotation: true,
            ..AppOptions::default()
        },
    )
    .await;

    // Signed up on one node, confirmed on another, signed in on the third.
    a.sign_up()
        .client_id(&app.client_id)
        .username("nia")
        .password(PASSWORD)
        .user_attributes(attr("email", "nia@example.com"))
        .send()
        .await
        .unwrap();
    let code = cluster.first.mail.mail_to("nia@example.com").await.code(6);
    b.confirm_sign_up()
        .client_id(&app.client_id)
        .username("nia")
        .confirmation_code(code.unwrap())
        .send()
        .await
        .unwrap();
    let signed_in = flows::tokens(c, &app, "nia", PASSWORD).await;
    for node in &nodes {
        node.get_user()
            .access_token(signed_in.access_token().unwrap())
            .send()
            .await
            .unwrap();
    }

    // A refresh token rotated on one node and reused on another after the grace period is
    // reuse, and ends the session on the third.
    let original = signed_in.refresh_token().unwrap();
    let rotated = a
        .get_tokens_from_refresh_token()
        .client_id(&app.client_id)
        .refresh_token(original)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap();
    cluster.first.clock.advance_secs(11);
    let reuse = b
        .get_tokens_from_refresh_token()
        .client_id(&app.client_id)
        .refresh_token(original)
        .send()
        .await;
    assert_eq!(error_of(reuse).0, "RefreshTokenReuseException");
    let after_reuse = c
        .get_tokens_from_refresh_token()
        .client_id(&app.client_id)
        .refresh_token(rotated.refresh_token().unwrap())
        .send()
        .await;
    assert_eq!(error_of(after_reuse).1, "Refresh Token has been revoked");

    // A sign-out on one node ends the tokens on the others.
    let fresh = flows::tokens(a, &app, "nia", PASSWORD).await;
    b.global_sign_out()
        .access_token(fresh.access_token().unwrap())
        .send()
        .await
        .unwrap();
    for node in [a, c] {
        let refused = node
            .get_user()
            .access_token(fresh.access_token().unwrap())
            .send()
            .await;
        assert_eq!(error_of(refused).1, "Access Token has been revoked");
    }

    // The failed-password counter is shared: five failures spread over the nodes lock the
    // user out on every node at once, the right password included.
    for attempt in 0..5 {
        let failed = flows::password_sign_in(&nodes[attempt % 3], &app, "nia", "Wr0ng-pass!").await;
        assert_eq!(error_of(failed).1, "Incorrect username or password.");
    }
    let locked = tokio::join!(
        flows::password_sign_in(a, &app, "nia", PASSWORD),
        flows::password_sign_in(b, &app, "nia", PASSWORD),
        flows::password_sign_in(c, &app, "nia", PASSWORD),
    );
    for result in [locked.0, locked.1, locked.2] {
        assert_eq!(error_of(result).1, "Password attempts exceeded");
    }

    // One code sent to all nodes at once, thirty times: exactly one use succeeds.
    a.forgot_password()
        .client_id(&app.client_id)
        .username("nia")
        .send()
        .await
        .unwrap();
    let code = cluster
        .first
        .mail
        .nth_mail_to("nia@example.com", 2)
        .await
        .code(6)
        .unwrap();
    let attempts: Vec<_> = (0..30)
        .map(|i| {
            let node = nodes[i % 3].clone();
            let (client_id, code) = (app.client_id.clone(), code.clone());
            tokio::spawn(async move {
                node.confirm_forgot_password()
                    .client_id(client_id)
                    .username("nia")
                    .confirmation_code(code)
                    .password(format!("N3w-password-{i}"))
                    .send()
                    .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    for (i, attempt) in attempts.into_iter().enumerate() {
        match attempt.await.unwrap() {
            Ok(_) => winners.push(i),
            Err(e) => {
                let code = aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::code(&e);
                assert!(
                    matches!(
                        code,
                        Some("CodeMismatchException" | "LimitExceededException")
                    ),
                    "{e:?}"
                );
            }
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    // The winner's password is the one every node now knows (once the lockout has passed).
    cluster.first.clock.advance_secs(2);
    let new_password = format!("N3w-password-{}", winners[0]);
    flows::tokens(c, &app, "nia", &new_password).await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_a_key_rotation_refuses_no_token_on_any_node() {
    let Some(cluster) = Cluster::of_three_on_postgres().await else {
        return;
    };
    let nodes = cluster.clients();
    let urls = cluster.urls();
    let app = app(&nodes[0], AppOptions::default()).await;
    confirmed_user(&nodes[0], &app, "rae", PASSWORD, "rae@example.com").await;
    // Every node has read the pool's keys, so each holds a cached copy without the new ones.
    for node in &nodes {
        flows::tokens(node, &app, "rae", PASSWORD).await;
    }
    let rotation = cluster
        .first
        .server
        .domain
        .rotate_signing_keys(&app.pool, RotationMode::Scheduled)
        .await
        .unwrap();
    let clock = cluster.first.clock.clone();
    let started = clock.now();
    // When each node's JWKS was first seen listing the new keys, and when the first token
    // signed with one was issued.
    let mut listed_at: Vec<Option<i64>> = vec![None; urls.len()];
    let mut first_signed_at: Option<i64> = None;
    // Step through the rotation and a minute past the new keys' activation.
    while clock.now().millis() - started.millis() < PUBLISH_AHEAD_MS + 60_000 {
        let mut sets = Vec::new();
        for (node, url) in urls.iter().enumerate() {
            let set = jwks_at(url, &app.pool).await;
            if lists(&set, &rotation.id_kid) && lists(&set, &rotation.access_kid) {
                listed_at[node].get_or_insert(clock.now().secs());
            }
            sets.push(set);
        }
        for (signer, client) in nodes.iter().enumerate() {
            let tokens = flows::tokens(client, &app, "rae", PASSWORD).await;
            let (id, access) = (tokens.id_token().unwrap(), tokens.access_token().unwrap());
            if kid_of(access) == rotation.access_kid {
                assert_eq!(kid_of(id), rotation.id_kid);
                let iat = flows::claims(access)["iat"].as_i64().unwrap();
                first_signed_at.get_or_insert(iat);
            }
            for (verifier, other) in nodes.iter().enumerate() {
                let accepted = other.get_user().access_token(access).send().await;
                assert!(
                    accepted.is_ok(),
                    "node {verifier} refused a token of node {signer} {} s into the rotation: \
                     {accepted:?}",
                    clock.now().secs() - started.secs()
                );
            }
            // A relying party that fetched any node's JWKS just now verifies both tokens.
            for set in &sets {
                assert!(verifies_with(set, id) && verifies_with(set, access));
            }
        }
        clock.advance_secs(30);
    }
    let first_signed_at = first_signed_at.expect("the new keys sign once published long enough");
    for (node, listed) in listed_at.into_iter().enumerate() {
        let listed = listed.unwrap_or_else(|| panic!("node {node} never listed the new keys"));
        assert!(
            first_signed_at - listed >= JWKS_MAX_AGE_SECS,
            "node {node} listed the new keys at {listed}, only {} s before the first token \
             signed with them: a relying party's cached JWKS could lack them",
            first_signed_at - listed
        );
    }
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_an_emergency_rotation_is_accepted_by_every_node_at_once() {
    let Some(cluster) = Cluster::of_three_on_postgres().await else {
        return;
    };
    let nodes = cluster.clients();
    let app = app(&nodes[0], AppOptions::default()).await;
    confirmed_user(&nodes[0], &app, "eli", PASSWORD, "eli@example.com").await;
    for node in &nodes {
        flows::tokens(node, &app, "eli", PASSWORD).await;
    }
    let rotation = cluster
        .first
        .server
        .domain
        .rotate_signing_keys(&app.pool, RotationMode::Now)
        .await
        .unwrap();
    let tokens = flows::tokens(&nodes[0], &app, "eli", PASSWORD).await;
    let access = tokens.access_token().unwrap();
    assert_eq!(kid_of(access), rotation.access_kid);
    // The other nodes' cached keys lack the new key: they read the keys again on meeting it.
    for node in &nodes {
        node.get_user().access_token(access).send().await.unwrap();
    }
    for url in cluster.urls() {
        assert!(lists(&jwks_at(&url, &app.pool).await, &rotation.access_kid));
    }
    // A key id nobody has is still refused, as an invalid token.
    let header = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        r#"{"kid":"forged","alg":"RS256"}"#,
    );
    let forged = format!("{header}.{}", access.split_once('.').unwrap().1);
    let refused = nodes[1].get_user().access_token(forged).send().await;
    assert_eq!(
        error_of(refused),
        (
            "NotAuthorizedException".to_owned(),
            "Invalid Access Token".to_owned()
        )
    );
    cluster.stop().await;
}

async fn health(url: &str) -> (u16, Duration) {
    let started = Instant::now();
    let response = reqwest::Client::new()
        .get(format!("{url}/health"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue12_a_database_restart_shows_on_health_within_a_second_and_heals() {
    let Some(postgres) = tokio::task::spawn_blocking(PrivatePostgres::start)
        .await
        .unwrap()
    else {
        return;
    };
    let first = TestServer::start_on_postgres(&postgres.url(), Options { dev: false }).await;
    let cluster = Cluster::of(first, 3).await;
    let nodes = cluster.clients();
    let urls = cluster.urls();
    let app = app(&nodes[0], AppOptions::default()).await;
    confirmed_user(&nodes[0], &app, "dora", PASSWORD, "dora@example.com").await;
    // Acknowledged on another node just before the database goes away.
    nodes[1]
        .admin_create_user()
        .user_pool_id(&app.pool)
        .username("acknowledged")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    for url in &urls {
        assert_eq!(health(url).await.0, 200);
    }

    let postgres = tokio::task::spawn_blocking(move || {
        postgres.crash();
        postgres
    })
    .await
    .unwrap();
    for url in &urls {
        let (status, took) = health(url).await;
        eprintln!("{url}/health with the database away: {status} in {took:?}");
        assert_eq!(status, 503, "{url}");
        assert!(took < Duration::from_millis(1500), "{url}: {took:?}");
    }
    // Requests fail fast, as Cognito's internal error, within the pool's acquire timeout.
    // (Raw requests: the SDK would retry a 500 twice more.)
    let admin_get_user = serde_json::json!({ "UserPoolId": app.pool, "Username": "acknowledged" });
    let sign_in = serde_json::json!({
        "ClientId": app.client_id,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "dora", "PASSWORD": PASSWORD },
    });
    for (target, body, signed) in [
        ("AdminGetUser", admin_get_user, true),
        ("InitiateAuth", sign_in, false),
    ] {
        let started = Instant::now();
        let response = cluster
            .first
            .raw(Some(target), &body.to_string(), signed)
            .await;
        let took = started.elapsed();
        eprintln!(
            "{target} with the database away: {} in {took:?}",
            response.status
        );
        response.assert_error(500, "InternalErrorException", "Internal server error.");
        assert!(
            took < cognate_store::DEFAULT_ACQUIRE_TIMEOUT + Duration::from_secs(1),
            "{target}: {took:?}"
        );
    }
    let metrics = reqwest::get(format!("{}/metrics", urls[0]))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("cognate_store_errors_total{kind=\"unavailable\"}"),
        "{metrics}"
    );

    let postgres = tokio::task::spawn_blocking(move || {
        postgres.start_server();
        postgres
    })
    .await
    .unwrap();
    // Ready again soon after the database is, without restarting a node.
    let back = Instant::now();
    for url in &urls {
        loop {
            if health(url).await.0 == 200 {
                break;
            }
            assert!(
                back.elapsed() < Duration::from_secs(10),
                "{url} stayed unready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    eprintln!("every node ready {:?} after the database", back.elapsed());
    assert!(
        back.elapsed() < Duration::from_secs(3),
        "{:?}",
        back.elapsed()
    );
    // Nothing acknowledged was lost, and every node serves again.
    for node in &nodes {
        node.admin_get_user()
            .user_pool_id(&app.pool)
            .username("acknowledged")
            .send()
            .await
            .unwrap();
        flows::tokens(node, &app, "dora", PASSWORD).await;
    }
    cluster.stop().await;
    drop(postgres);
}

on_both_backends!(
    issue12_a_node_with_another_key_encryption_key_refuses_to_start,
    |server| {
        let client = server.client();
        app(&client, AppOptions::default()).await;
        let mut config = server.node_config();
        config.key_encryption_key = KeySource::Given([7; 32]);
        let refused = cognate_server::spawn(config)
            .await
            .err()
            .map(|e| e.to_string());
        let message = refused.expect("a node with another key must not start");
        assert!(
            message.contains("is not the one this database's secrets are sealed with"),
            "{message}"
        );
        // The same key starts, as every other node does.
        server.second_node().await.stop().await;
    }
);

on_both_backends!(
    issue12_a_database_from_before_the_key_check_is_checked_against_its_signing_keys,
    |server| {
        let client = server.client();
        app(&client, AppOptions::default()).await;
        delete_key_check(&server.database_url).await;
        let mut config = server.node_config();
        config.key_encryption_key = KeySource::Given([7; 32]);
        assert!(
            cognate_server::spawn(config).await.is_err(),
            "a key that cannot open the stored signing keys is refused"
        );
        // The right key records the check again; after that, another key is refused by it.
        server.second_node().await.stop().await;
        assert_eq!(
            server
                .server
                .domain
                .check_key_encryption_key()
                .await
                .unwrap(),
            cognate_domain::keys::KeyCheck::Matches
        );
    }
);

/// Deletes the key-encryption key's check value, as in a database from before it existed.
async fn delete_key_check(database_url: &str) {
    use sqlx::Connection;
    let statement = "DELETE FROM settings WHERE name = 'key_encryption_key_check'";
    if database_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
}

on_both_backends!(
    issue12_a_node_with_another_public_url_is_reported,
    |server| {
        let mut config = server.node_config();
        config.public_url = "https://elsewhere.example".to_owned();
        let other = cognate_server::spawn(config).await.unwrap();
        // The first node, asked again, learns that a node started after it with another URL.
        assert_eq!(
            server.server.domain.record_public_url().await.unwrap(),
            Some("https://elsewhere.example".to_owned())
        );
        assert_eq!(
            server.server.domain.record_public_url().await.unwrap(),
            None
        );
        other.stop().await.unwrap();
    }
);
