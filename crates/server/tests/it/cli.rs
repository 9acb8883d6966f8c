//! The `cognate` command line, run as a separate process next to a running server.

use std::process::Command;

use crate::flows::{self, AppOptions, app, confirmed_user};
use crate::support::{Backend, Options, TestServer};

fn cognate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cognate"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_switches_every_node_to_new_keys() {
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "kim", "Passw0rd!", "kim@example.com").await;
    let before = flows::tokens(&client, &app, "kim", "Passw0rd!").await;
    let (data_dir, database_url, pool) = (
        server.data_dir().to_owned(),
        server.database_url.clone(),
        app.pool.clone(),
    );
    let output = tokio::task::spawn_blocking(move || {
        cognate()
            .args([
                "keys",
                "rotate",
                "--pool-id",
                &pool,
                "--database-url",
                &database_url,
            ])
            .arg("--data-dir")
            .arg(&data_dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("rotated the signing keys of {}", app.pool)),
        "{stdout}"
    );
    // The running node picks the new keys up when its key cache expires.
    server.clock.advance_secs(31);
    let after = flows::tokens(&client, &app, "kim", "Passw0rd!").await;
    assert_ne!(
        flows::header(before.id_token().unwrap())["kid"],
        flows::header(after.id_token().unwrap())["kid"]
    );
    let jwks: serde_json::Value = reqwest::get(format!(
        "{}/{}/.well-known/jwks.json",
        server.url(),
        app.pool
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 4);
    client
        .get_user()
        .access_token(before.access_token().unwrap())
        .send()
        .await
        .unwrap();
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
