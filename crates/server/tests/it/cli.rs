//! The `cognate` command line, run as a separate process next to a running server.

use std::process::Command;

use crate::support::flows::{self, AppOptions, app, confirmed_user};
use crate::support::{Backend, Options, TestServer};

fn cognate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cognate"))
}

/// Runs `cognate keys rotate` against the server's database and key, returning its output.
async fn rotate(server: &TestServer, pool: &str, now: bool) -> String {
    let (data_dir, database_url, pool) = (
        server.data_dir().to_owned(),
        server.database_url.clone(),
        pool.to_owned(),
    );
    let output = tokio::task::spawn_blocking(move || {
        let mut command = cognate();
        command
            .args(["keys", "rotate", "--pool-id", &pool])
            .args(["--database-url", &database_url])
            .arg("--data-dir")
            .arg(&data_dir);
        if now {
            command.arg("--now");
        }
        command.output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn jwks_kids(server: &TestServer, pool: &str) -> Vec<String> {
    let jwks: serde_json::Value =
        reqwest::get(format!("{}/{pool}/.well-known/jwks.json", server.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_publishes_new_keys_before_they_sign_and_now_withdraws_old_ones() {
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "kim", "Passw0rd!", "kim@example.com").await;
    let before = flows::tokens(&client, &app, "kim", "Passw0rd!").await;
    let old_kid = flows::header(before.id_token().unwrap())["kid"].clone();

    let stdout = rotate(&server, &app.pool, false).await;
    assert!(
        stdout.contains(&format!("rotated the signing keys of {}", app.pool)),
        "{stdout}"
    );
    assert!(stdout.contains("sign from"), "{stdout}");
    // The running node reads the keys again when its key cache expires: the new keys are
    // published then, and sign only once every cache that could lack them has expired.
    server.clock.advance_secs(31);
    assert_eq!(jwks_kids(&server, &app.pool).await.len(), 4);
    let during = flows::tokens(&client, &app, "kim", "Passw0rd!").await;
    assert_eq!(flows::header(during.id_token().unwrap())["kid"], old_kid);
    server
        .clock
        .advance_secs(cognate_domain::signing::PUBLISH_AHEAD_MS / 1000);
    let after = flows::tokens(&client, &app, "kim", "Passw0rd!").await;
    let new_kid = flows::header(after.id_token().unwrap())["kid"].clone();
    assert_ne!(old_kid, new_kid);
    assert!(stdout.contains(new_kid.as_str().unwrap()), "{stdout}");
    client
        .get_user()
        .access_token(before.access_token().unwrap())
        .send()
        .await
        .unwrap();

    let stdout = rotate(&server, &app.pool, true).await;
    assert!(stdout.contains("withdrawn"), "{stdout}");
    server.clock.advance_secs(31);
    let kids = jwks_kids(&server, &app.pool).await;
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert!(!kids.iter().any(|k| *k == old_kid || *k == new_kid));
    let emergency = flows::tokens(&client, &app, "kim", "Passw0rd!").await;
    assert!(
        kids.contains(
            &flows::header(emergency.id_token().unwrap())["kid"]
                .as_str()
                .unwrap()
                .to_owned()
        )
    );
    let refused = client
        .get_user()
        .access_token(after.access_token().unwrap())
        .send()
        .await;
    assert!(refused.is_err(), "tokens of withdrawn keys are refused");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_with_another_key_encryption_key_is_refused() {
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    let (database_url, pool) = (server.database_url.clone(), app.pool.clone());
    let other_dir = std::env::temp_dir().join(format!(
        "cognate-other-key-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let output = tokio::task::spawn_blocking(move || {
        let output = cognate()
            .args(["keys", "rotate", "--pool-id", &pool])
            .args(["--database-url", &database_url])
            .arg("--data-dir")
            .arg(&other_dir)
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(other_dir);
        output
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("is not the one this database's secrets are sealed with"),
        "{stderr}"
    );
    assert_eq!(
        jwks_kids(&server, &app.pool).await.len(),
        2,
        "nothing rotated"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_prints_what_a_dev_server_recorded() {
    let server = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    client
        .sign_up()
        .client_id(&app.client_id)
        .username("oli")
        .password("Passw0rd!")
        .user_attributes(flows::attr("email", "oli@example.com"))
        .send()
        .await
        .unwrap();
    let url = server.url();
    let pool = app.pool.clone();
    let output = tokio::task::spawn_blocking(move || {
        cognate()
            .args(["outbox", "--url", &url, "--pool-id", &pool])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("sign_up_code"), "{stdout}");
    assert!(stdout.contains("oli@example.com"), "{stdout}");
    server.stop().await;
}
