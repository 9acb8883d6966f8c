//! Security properties checked from outside: nothing secret is stored in clear (the SQLite file
//! and the PostgreSQL tables are searched after a run), and unknown users cost the same time
//! as known ones when the client hides existence.

use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use crate::on_both_backends;
use crate::support::TestServer;
use crate::support::flows::{self, AppOptions, app, attr, confirmed_user};

/// Every byte the database holds, as text: the SQLite files, or every row of every table.
pub(crate) async fn database_contents(server: &TestServer) -> String {
    if server.database_url.starts_with("sqlite") {
        let mut all = Vec::new();
        for name in ["cognate.db", "cognate.db-wal"] {
            if let Ok(bytes) = std::fs::read(server.data_dir().join(name)) {
                all.extend(bytes);
            }
        }
        return String::from_utf8_lossy(&all).into_owned();
    }
    use sqlx::{Connection, Row};
    let mut conn = sqlx::PgConnection::connect(&server.database_url)
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    let mut all = String::new();
    for table in tables {
        // Table names come from the catalogue of our own schema.
        let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "SELECT t::text FROM \"{table}\" t"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for row in rows {
            all.push_str(&row.get::<String, _>(0));
            all.push('\n');
        }
    }
    all
}

on_both_backends!(
    no_password_secret_token_or_key_is_stored_in_clear,
    |server| {
        let client = server.client();
        let app = app(
            &client,
            AppOptions {
                secret: true,
                ..AppOptions::default()
            },
        )
        .await;
        let password = "Unmistakable-Passw0rd-4711";
        client
            .sign_up()
            .client_id(&app.client_id)
            .username("zoe")
            .password(password)
            .secret_hash(app.secret_hash("zoe").unwrap())
            .user_attributes(attr("email", "zoe@example.com"))
            .send()
            .await
            .unwrap();
        let code = server
            .mail
            .mail_to("zoe@example.com")
            .await
            .code(6)
            .unwrap();
        client
            .confirm_sign_up()
            .client_id(&app.client_id)
            .username("zoe")
            .confirmation_code(&code)
            .secret_hash(app.secret_hash("zoe").unwrap())
            .send()
            .await
            .unwrap();
        let tokens = flows::tokens(&client, &app, "zoe", password).await;
        let refresh = tokens.refresh_token().unwrap().to_owned();
        let contents = database_contents(server).await;
        assert!(
            contents.contains("zoe@example.com"),
            "the search reads the database (sanity check)"
        );
        for (what, secret) in [
            ("password", password.to_owned()),
            ("client secret", app.secret.clone().unwrap()),
            ("refresh token", refresh),
            ("private key", "PRIVATE KEY".to_owned()),
            ("access token", tokens.access_token().unwrap().to_owned()),
        ] {
            assert!(!contents.contains(&secret), "the {what} is stored in clear");
        }
    }
);

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

on_both_backends!(unknown_users_take_as_long_as_known_ones, |server| {
    let client = server.client();
    let app = app(
        &client,
        AppOptions {
            hide_existence: true,
            ..AppOptions::default()
        },
    )
    .await;
    confirmed_user(&client, &app, "known", "Passw0rd!", "known@example.com").await;
    let attempt = |username: &'static str| {
        let client = client.clone();
        let client_id = app.client_id.clone();
        async move {
            let started = Instant::now();
            let result = client
                .initiate_auth()
                .client_id(client_id)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", username)
                .auth_parameters("PASSWORD", "Wrong-Passw0rd1")
                .send()
                .await;
            assert!(result.is_err());
            started.elapsed()
        }
    };
    // Interleave the two kinds so machine noise hits both alike; stay under the lockout by
    // moving the clock past each delay.
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..24 {
        server.clock.advance_secs(1000);
        if i % 2 == 0 {
            known.push(attempt("known").await);
            unknown.push(attempt(if i % 4 == 0 { "ghost-a" } else { "ghost-b" }).await);
        } else {
            unknown.push(attempt("ghost-c").await);
            known.push(attempt("known").await);
        }
    }
    let (k, u) = (median(known), median(unknown));
    let gap = k.abs_diff(u);
    assert!(
        gap < Duration::from_millis(3)
            || gap.as_secs_f64() < 0.35 * k.as_secs_f64().max(u.as_secs_f64()),
        "known {k:?} vs unknown {u:?}"
    );
});
