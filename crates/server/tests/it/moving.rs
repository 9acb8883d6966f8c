//! Issue 16, users out and between databases: `cognate migrate` from SQLite to PostgreSQL
//! (users keep SRP, refresh tokens, TOTP and remembered devices), `cognate export` /
//! `import` with secrets re-sealed for another key and an interrupted import run again,
//! `cognate backup` / `restore` under write load, and `cognate usage` / `/metrics`.

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, MessageActionType, UserPoolMfaType,
};

use cognate_domain::time::Clock;

use crate::devices::{DeviceSecret, confirm, device_srp};
use crate::mfa::{MfaPool, PASSWORD, answer, enrol_totp, mfa_app, mfa_user, totp};
use crate::support::flows::{self, App};
use crate::support::{
    Backend, Options, TestServer, fresh_dir, fresh_postgres_schema, postgres_url,
};

fn cognate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cognate"))
}

/// Runs the `cognate` binary; returns (success, stdout, stderr).
pub(crate) async fn run(args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let output = cognate()
            .args(&args)
            .env_remove("COGNATE_DATABASE_URL")
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

pub(crate) fn path(p: &Path) -> String {
    p.display().to_string()
}

/// What the source deployment holds for its user `mia`: a TOTP secret, a remembered
/// device and a refresh token bound to it.
struct Mia {
    totp_secret: String,
    device: DeviceSecret,
    refresh_token: String,
}

/// A pool with optional TOTP and remembered devices (which stand in for MFA), a user `mia`
/// with all of it, and a plain user `ned` in a group.
async fn populate(server: &TestServer) -> (App, Mia) {
    let client = server.client();
    let app = mfa_app(
        &client,
        MfaPool {
            mode: Some(UserPoolMfaType::Optional),
            totp: true,
            devices: Some((true, false)),
            ..MfaPool::default()
        },
    )
    .await;
    mfa_user(&client, &app, "mia", false).await;
    mfa_user(&client, &app, "ned", false).await;
    client
        .create_group()
        .user_pool_id(&app.pool)
        .group_name("staff")
        .send()
        .await
        .unwrap();
    client
        .admin_add_user_to_group()
        .user_pool_id(&app.pool)
        .username("ned")
        .group_name("staff")
        .send()
        .await
        .unwrap();
    let token = crate::mfa::access_token(&client, &app, "mia").await;
    let totp_secret = enrol_totp(server, &client, &token).await;
    server.clock.advance_secs(30);
    let started = flows::password_sign_in(&client, &app, "mia", PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    let result = answer(
        &client,
        &app,
        ChallengeNameType::SoftwareTokenMfa,
        started.session().unwrap(),
        "mia",
        &totp(server, &totp_secret, 0),
    )
    .await
    .unwrap()
    .authentication_result
    .unwrap();
    let (device, _) = confirm(&client, &result).await;
    let refresh_token = result.refresh_token().unwrap().to_owned();
    (
        app,
        Mia {
            totp_secret,
            device,
            refresh_token,
        },
    )
}

/// Everything `populate` made still works on `server`: SRP with the device, TOTP without
/// it, and (when sessions moved) the refresh token.
async fn check_moved(server: &TestServer, app: &App, mia: &Mia, sessions_moved: bool) {
    let client = server.client();
    // SRP proves the verifier moved; the TOTP secret then answers MFA.
    server.clock.advance_secs(60);
    let srp = flows::srp_sign_in(&client, app, "mia", PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        srp.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa),
        "{srp:?}"
    );
    answer(
        &client,
        app,
        ChallengeNameType::SoftwareTokenMfa,
        srp.session().unwrap(),
        "mia",
        &totp(server, &mia.totp_secret, 0),
    )
    .await
    .unwrap()
    .authentication_result
    .unwrap();
    // With the remembered device, device SRP stands in for MFA.
    let started = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "mia")
        .auth_parameters("PASSWORD", PASSWORD)
        .auth_parameters("DEVICE_KEY", &mia.device.key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::DeviceSrpAuth),
        "{started:?}"
    );
    let tokens = device_srp(
        &client,
        app,
        "mia",
        started.session().unwrap(),
        &mia.device,
        &mia.device.password,
    )
    .await
    .unwrap();
    assert!(tokens.authentication_result().is_some());
    // The plain user signs in with SRP and is still in the group.
    flows::srp_sign_in(&client, app, "ned", PASSWORD)
        .await
        .unwrap();
    let groups = client
        .admin_list_groups_for_user()
        .user_pool_id(&app.pool)
        .username("ned")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.groups().len(), 1);
    let refreshed = client
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &mia.refresh_token)
        .auth_parameters("DEVICE_KEY", &mia.device.key)
        .send()
        .await;
    if sessions_moved {
        refreshed.unwrap().authentication_result.unwrap();
    } else {
        let (code, _) = crate::support::error_of(refreshed);
        assert_eq!(code, "NotAuthorizedException");
    }
}

pub(crate) fn key_of(dir: &Path) -> PathBuf {
    dir.join("key-encryption-key")
}

async fn count_users(client: &Client, pool: &str) -> usize {
    let mut total = 0;
    let mut token = None;
    loop {
        let page = client
            .list_users()
            .user_pool_id(pool)
            .limit(60)
            .set_pagination_token(token)
            .send()
            .await
            .unwrap();
        total += page.users().len();
        token = page.pagination_token;
        if token.is_none() {
            return total;
        }
    }
}

/// The target database of a migration: a fresh PostgreSQL schema when one is configured
/// (as in CI), otherwise a second SQLite file.
async fn target_database(dir: &Path) -> String {
    match postgres_url() {
        Some(url) => fresh_postgres_schema(&url).await,
        None => format!("sqlite://{}?mode=rwc", dir.join("cognate.db").display()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_moves_a_pool_from_sqlite_to_postgres_with_everything_working() {
    let source = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let (app, mia) = populate(&source).await;
    let source_url = source.database_url.clone();
    let source_dir = source.data_dir().to_owned();
    // The node stops; its files stay, to migrate from.
    let TestServer { server, .. } = source;
    server.stop().await.unwrap();

    let target_dir = fresh_dir();
    let target_url = target_database(&target_dir).await;
    let (ok, stdout, stderr) = run(vec![
        "migrate".into(),
        "--from".into(),
        source_url.clone(),
        "--to".into(),
        target_url.clone(),
        "--data-dir".into(),
        path(&source_dir),
    ])
    .await;
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stderr.contains("migrated"), "{stderr}");
    assert!(stderr.contains("user"), "{stderr}");
    // Run again: nothing is duplicated, everything is reported as already there.
    let (ok, _, again) = run(vec![
        "migrate".into(),
        "--from".into(),
        source_url.clone(),
        "--to".into(),
        target_url.clone(),
        "--data-dir".into(),
        path(&source_dir),
    ])
    .await;
    assert!(ok, "{again}");
    assert!(again.contains("already there"), "{again}");

    std::fs::copy(key_of(&source_dir), key_of(&target_dir)).unwrap();
    let target = TestServer::start_at(target_url, target_dir, Options { dev: false }).await;
    check_moved(&target, &app, &mia, true).await;
    assert_eq!(count_users(&target.client(), &app.pool).await, 2);
    target.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_reseals_for_another_key_and_an_interrupted_import_completes_without_duplicates() {
    let source = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let (app, mia) = populate(&source).await;
    let work = fresh_dir();
    let file = work.join("export.jsonl");
    // The target deployment's key, made by starting it once.
    let target_dir = fresh_dir();
    let target_url = format!(
        "sqlite://{}?mode=rwc",
        target_dir.join("cognate.db").display()
    );
    TestServer::start_at(
        target_url.clone(),
        target_dir.clone(),
        Options { dev: false },
    )
    .await
    .server
    .stop()
    .await
    .unwrap();
    let (ok, stdout, stderr) = run(vec![
        "export".into(),
        "--out".into(),
        path(&file),
        "--target-key-file".into(),
        path(&key_of(&target_dir)),
        "--database-url".into(),
        source.database_url.clone(),
        "--data-dir".into(),
        path(source.data_dir()),
    ])
    .await;
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stderr.contains("sessions left out"), "{stderr}");
    let text = std::fs::read_to_string(&file).unwrap();
    // Sealed, never in clear: the TOTP secret does not appear in the file.
    assert!(!text.contains(&mia.totp_secret), "the TOTP secret leaked");
    assert!(
        text.starts_with("{\"cognate_export\":{\"version\":1"),
        "{}",
        &text[..80]
    );
    assert!(text.trim_end().ends_with('}') && text.contains("{\"end\":{\"records\":"));
    // The same file cannot go into the source's own database (sealed for another key).
    let (ok, _, refused) = run(vec![
        "import".into(),
        "--file".into(),
        path(&file),
        "--database-url".into(),
        source.database_url.clone(),
        "--data-dir".into(),
        path(source.data_dir()),
    ])
    .await;
    assert!(!ok);
    assert!(
        refused.contains("sealed for another key-encryption key"),
        "{refused}"
    );
    source.stop().await;

    // An import cut short (the file's first half only) fails and says so...
    let lines: Vec<&str> = text.lines().collect();
    let partial = work.join("partial.jsonl");
    std::fs::write(&partial, lines[..lines.len() / 2].join("\n")).unwrap();
    let import = |file: &Path| {
        vec![
            "import".into(),
            "--file".into(),
            path(file),
            "--database-url".into(),
            target_url.clone(),
            "--data-dir".into(),
            path(&target_dir),
        ]
    };
    let (ok, _, cut) = run(import(&partial)).await;
    assert!(!ok);
    assert!(cut.contains("incomplete"), "{cut}");
    // ...and the whole file then completes it, duplicating nothing.
    let (ok, _, done) = run(import(&file)).await;
    assert!(ok, "{done}");
    assert!(done.contains("already there"), "{done}");
    let target = TestServer::start_at(target_url, target_dir, Options { dev: false }).await;
    check_moved(&target, &app, &mia, false).await;
    assert_eq!(count_users(&target.client(), &app.pool).await, 2);
    target.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_write_load_restores_everything_acknowledged_before_it() {
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = flows::app(&client, flows::AppOptions::default()).await;
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let writer = {
        let client = client.clone();
        let pool = app.pool.clone();
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut i = 0;
            while !*stop_rx.borrow_and_update() {
                let name = format!("w{i:05}");
                client
                    .admin_create_user()
                    .user_pool_id(&pool)
                    .username(&name)
                    .message_action(MessageActionType::Suppress)
                    .send()
                    .await
                    .unwrap();
                acknowledged.push((name, std::time::Instant::now()));
                i += 1;
            }
            acknowledged
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let backup_started = std::time::Instant::now();
    let backup = fresh_dir().join("backup.db");
    let (ok, stdout, stderr) = run(vec![
        "backup".into(),
        "--out".into(),
        path(&backup),
        "--database-url".into(),
        server.database_url.clone(),
        "--data-dir".into(),
        path(server.data_dir()),
    ])
    .await;
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stderr.contains("integrity check"), "{stderr}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop_tx.send(true).unwrap();
    let acknowledged = writer.await.unwrap();
    let before: Vec<&str> = acknowledged
        .iter()
        .filter(|(_, at)| *at < backup_started)
        .map(|(name, _)| name.as_str())
        .collect();
    let after = acknowledged.len() - before.len();
    assert!(
        !before.is_empty() && after > 0,
        "{} before, {after} after",
        before.len()
    );

    // Restore into a new place with the same key, and serve it.
    let dir = fresh_dir();
    std::fs::copy(key_of(server.data_dir()), key_of(&dir)).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("cognate.db").display());
    server.stop().await;
    let (ok, _, stderr) = run(vec![
        "restore".into(),
        "--from".into(),
        path(&backup),
        "--database-url".into(),
        url.clone(),
        "--data-dir".into(),
        path(&dir),
    ])
    .await;
    assert!(ok, "{stderr}");
    // A second backup into an existing file is refused.
    let (ok, _, refused) = run(vec![
        "backup".into(),
        "--out".into(),
        path(&backup),
        "--database-url".into(),
        url.clone(),
    ])
    .await;
    assert!(!ok && refused.contains("exists already"), "{refused}");
    let restored = TestServer::start_at(url, dir, Options { dev: false }).await;
    let client = restored.client();
    for name in &before {
        client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username(*name)
            .send()
            .await
            .unwrap();
    }
    let users = count_users(&client, &app.pool).await;
    assert!(
        users >= before.len() && users <= acknowledged.len(),
        "{users}"
    );
    restored.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_counts_monthly_active_users_across_nodes() {
    let server = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let client = server.client();
    let app = flows::app(&client, flows::AppOptions::default()).await;
    for name in ["u1", "u2", "u3"] {
        flows::confirmed_user(
            &client,
            &app,
            name,
            "Passw0rd!",
            &format!("{name}@example.com"),
        )
        .await;
    }
    let second = server.second_node().await;
    // u1 signs in on both nodes and refreshes; u2 signs in once; u3 does nothing.
    let tokens = flows::tokens(&client, &app, "u1", "Passw0rd!").await;
    flows::tokens(&second.client(), &app, "u1", "Passw0rd!").await;
    flows::tokens(&second.client(), &app, "u2", "Passw0rd!").await;
    second
        .client()
        .initiate_auth()
        .client_id(&app.client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", tokens.refresh_token().unwrap())
        .send()
        .await
        .unwrap();
    // A message counts too.
    client
        .forgot_password()
        .client_id(&app.client_id)
        .username("u3")
        .send()
        .await
        .unwrap();
    let month = cognate_domain::usage::month_of(server.clock.now());
    let (ok, stdout, stderr) = run(vec![
        "usage".into(),
        "--pool-id".into(),
        app.pool.clone(),
        "--month".into(),
        month.clone(),
        "--database-url".into(),
        server.database_url.clone(),
    ])
    .await;
    assert!(ok, "{stderr}");
    let row = stdout
        .lines()
        .find(|l| l.starts_with(&app.pool))
        .unwrap_or_default()
        .to_owned();
    let fields: Vec<&str> = row.split_whitespace().collect();
    // u3's password reset is an identity operation only once it completes; the code sent is a message.
    assert_eq!(
        fields,
        [app.pool.as_str(), month.as_str(), "2", "1", "0"],
        "{stdout}"
    );
    let (ok, _, bad) = run(vec![
        "usage".into(),
        "--month".into(),
        "2026-13".into(),
        "--database-url".into(),
        server.database_url.clone(),
    ])
    .await;
    assert!(!ok && bad.contains("YYYY-MM"), "{bad}");
    for node in [server.url(), second.server.url()] {
        let metrics = reqwest::get(format!("{node}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let line = format!(
            "cognate_monthly_active_users{{pool_id=\"{}\",month=\"{month}\"}} 2",
            app.pool
        );
        assert!(metrics.contains(&line), "{metrics}");
    }
    second.stop().await;
    server.stop().await;
}
