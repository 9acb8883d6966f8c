//! User import jobs (issue 16): the CSV goes up with `curl --upload-file` to the job's
//! PreSignedUrl, as it would to S3, and the jobs are driven with the AWS SDK and the AWS
//! CLI. Imported users arrive in RESET_REQUIRED, or CONFIRMED with a legacy hash they then
//! sign in with.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, PasswordHashingAlgorithmType, UserImportJobStatusType, UserImportJobType,
    UserStatusType,
};

use crate::on_both_backends;
use crate::support::flows::{self, AppOptions, app, confirmed_user};
use crate::support::{Backend, Options, TestServer, error_of};

/// Uploads `csv` to a PreSignedUrl exactly as people do it for Cognito: curl's `--upload-file`.
pub(crate) fn curl_upload(url: &str, csv: &str) -> (u16, String) {
    let file = std::env::temp_dir().join(format!("cognate-import-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&file, csv).unwrap();
    let output = Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--write-out",
            "\n%{http_code}",
            "--upload-file",
        ])
        .arg(&file)
        .arg(url)
        .output()
        .expect("curl is installed");
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (status.trim().parse().unwrap_or(0), body.to_owned())
}

/// A CSV line with the header's columns, filled from `values` (the rest empty).
pub(crate) fn row(header: &[String], values: &[(&str, &str)]) -> String {
    let values: BTreeMap<&str, &str> = values.iter().copied().collect();
    header
        .iter()
        .map(|column| {
            values
                .get(column.as_str())
                .copied()
                .unwrap_or_default()
                .replace(',', "\\,")
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) async fn csv_header(client: &Client, pool: &str) -> Vec<String> {
    client
        .get_csv_header()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .csv_header
        .unwrap()
}

/// Waits until the job ends (or `timeout` passes) and returns it.
pub(crate) async fn finished(
    client: &Client,
    pool: &str,
    job_id: &str,
    timeout: Duration,
) -> UserImportJobType {
    let started = std::time::Instant::now();
    loop {
        let job = client
            .describe_user_import_job()
            .user_pool_id(pool)
            .job_id(job_id)
            .send()
            .await
            .unwrap()
            .user_import_job
            .unwrap();
        let status = job.status.clone().unwrap();
        if matches!(
            status,
            UserImportJobStatusType::Succeeded
                | UserImportJobStatusType::Failed
                | UserImportJobStatusType::Stopped
        ) || started.elapsed() > timeout
        {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) async fn new_job(
    client: &Client,
    pool: &str,
    hashes: Option<PasswordHashingAlgorithmType>,
) -> UserImportJobType {
    client
        .create_user_import_job()
        .user_pool_id(pool)
        .job_name("migration")
        .cloud_watch_logs_role_arn("arn:aws:iam::123456789012:role/CognitoImport")
        .set_password_hashing_algorithm(hashes)
        .send()
        .await
        .unwrap()
        .user_import_job
        .unwrap()
}

on_both_backends!(imports_a_csv_counting_and_explaining_every_row, |server| {
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    confirmed_user(&client, &app, "taken", "Passw0rd!", "taken@example.com").await;
    let header = csv_header(&client, &app.pool).await;
    assert_eq!(header.last().map(String::as_str), Some("cognito:username"));
    let csv = [
        header.join(","),
        row(
            &header,
            &[
                ("cognito:username", "ann"),
                ("email", "ann@example.com"),
                ("email_verified", "true"),
                ("cognito:mfa_enabled", "false"),
                ("name", "Ann, the First"),
            ],
        ),
        row(
            &header,
            &[
                ("cognito:username", "bob"),
                ("email", "bob@example.com"),
                ("email_verified", "TRUE"),
                ("cognito:mfa_enabled", "false"),
            ],
        ),
        // No verified auto-verified attribute: failed, and explained.
        row(
            &header,
            &[
                ("cognito:username", "cid"),
                ("email", "cid@example.com"),
                ("email_verified", "false"),
                ("cognito:mfa_enabled", "false"),
            ],
        ),
        // The username is taken: skipped.
        row(
            &header,
            &[
                ("cognito:username", "taken"),
                ("email", "other@example.com"),
                ("email_verified", "true"),
                ("cognito:mfa_enabled", "false"),
            ],
        ),
        // Twice in the file: the second is skipped.
        row(
            &header,
            &[
                ("cognito:username", "ann"),
                ("email", "ann2@example.com"),
                ("email_verified", "true"),
                ("cognito:mfa_enabled", "false"),
            ],
        ),
        "only,three,fields".to_owned(),
        String::new(),
    ]
    .join("\n");
    let job = new_job(&client, &app.pool, None).await;
    let job_id = job.job_id.clone().unwrap();
    assert!(job_id.starts_with("import-"), "{job_id}");
    assert_eq!(job.status, Some(UserImportJobStatusType::Created));
    // Starting before the file is there is refused.
    let (code, message) = error_of(
        client
            .start_user_import_job()
            .user_pool_id(&app.pool)
            .job_id(&job_id)
            .send()
            .await,
    );
    assert_eq!(code, "PreconditionNotMetException", "{message}");
    let url = job.pre_signed_url.clone().unwrap();
    assert!(url.starts_with(&server.url()), "{url}");
    let (status, body) = tokio::task::spawn_blocking(move || curl_upload(&url, &csv))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let started = client
        .start_user_import_job()
        .user_pool_id(&app.pool)
        .job_id(&job_id)
        .send()
        .await
        .unwrap()
        .user_import_job
        .unwrap();
    assert_eq!(started.status, Some(UserImportJobStatusType::Pending));
    // A file can no longer be sent once the job started.
    let late = started.pre_signed_url.clone().unwrap();
    let (status, body) = tokio::task::spawn_blocking(move || curl_upload(&late, "x\n"))
        .await
        .unwrap();
    assert_eq!(status, 412, "{body}");
    assert!(body.contains("<Code>PreconditionFailed</Code>"), "{body}");

    let done = finished(&client, &app.pool, &job_id, Duration::from_secs(30)).await;
    assert_eq!(
        done.status,
        Some(UserImportJobStatusType::Succeeded),
        "{done:?}"
    );
    assert_eq!(
        (done.imported_users, done.skipped_users, done.failed_users),
        (2, 2, 2),
        "{done:?}"
    );
    let message = done.completion_message.clone().unwrap();
    assert!(
        message
            .contains("Line 4: The user record does not set any of the auto verified attributes"),
        "{message}"
    );
    assert!(done.start_date.is_some() && done.completion_date.is_some());

    let ann = client
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username("ann")
        .send()
        .await
        .unwrap();
    assert_eq!(ann.user_status, Some(UserStatusType::ResetRequired));
    let name = ann
        .user_attributes()
        .iter()
        .find(|a| a.name == "name")
        .and_then(|a| a.value.clone());
    assert_eq!(name.as_deref(), Some("Ann, the First"));
    assert!(
        client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username("cid")
            .send()
            .await
            .is_err()
    );

    // Sign-in tells the user to reset; ForgotPassword then works.
    let (code, message) =
        error_of(flows::password_sign_in(&client, &app, "bob", "Whatever1!").await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "PasswordResetRequiredException",
            "Password reset required for the user"
        )
    );
    client
        .forgot_password()
        .client_id(&app.client_id)
        .username("bob")
        .send()
        .await
        .unwrap();
    let code = server
        .mail
        .mail_to("bob@example.com")
        .await
        .code(6)
        .unwrap();
    client
        .confirm_forgot_password()
        .client_id(&app.client_id)
        .username("bob")
        .confirmation_code(code)
        .password("N3w-Passw0rd!")
        .send()
        .await
        .unwrap();
    flows::tokens(&client, &app, "bob", "N3w-Passw0rd!").await;

    // Errors name the job and the status.
    let (code, message) = error_of(
        client
            .start_user_import_job()
            .user_pool_id(&app.pool)
            .job_id(&job_id)
            .send()
            .await,
    );
    assert_eq!(code, "PreconditionNotMetException");
    assert_eq!(
        message,
        format!("The import job {job_id} cannot be started: its status is Succeeded.")
    );
    let (code, message) = error_of(
        client
            .stop_user_import_job()
            .user_pool_id(&app.pool)
            .job_id(&job_id)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message),
        (
            "PreconditionNotMetException",
            format!("The import job {job_id} cannot be stopped: its status is Succeeded.")
        )
    );
    let (code, message) = error_of(
        client
            .describe_user_import_job()
            .user_pool_id(&app.pool)
            .job_id("import-nope")
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ResourceNotFoundException",
            "Import job import-nope does not exist."
        )
    );
});

on_both_backends!(
    lists_jobs_a_page_at_a_time_and_refuses_bad_uploads,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(new_job(&client, &app.pool, None).await.job_id.unwrap());
        }
        ids.sort();
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let page = client
                .list_user_import_jobs()
                .user_pool_id(&app.pool)
                .max_results(2)
                .set_pagination_token(token)
                .send()
                .await
                .unwrap();
            seen.extend(
                page.user_import_jobs()
                    .iter()
                    .map(|j| j.job_id.clone().unwrap()),
            );
            token = page.pagination_token;
            if token.is_none() {
                break;
            }
        }
        assert_eq!(seen, ids);

        // A forged or damaged URL is refused the way S3 refuses it.
        let forged = format!("{}/_cognate/user-import/AAAA", server.url());
        let (status, body) = tokio::task::spawn_blocking(move || curl_upload(&forged, "a\n"))
            .await
            .unwrap();
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
        // An expired one too.
        let url = client
            .describe_user_import_job()
            .user_pool_id(&app.pool)
            .job_id(&ids[0])
            .send()
            .await
            .unwrap()
            .user_import_job
            .unwrap()
            .pre_signed_url
            .unwrap();
        server.clock.advance_secs(3601);
        let (status, body) = tokio::task::spawn_blocking(move || curl_upload(&url, "a\n"))
            .await
            .unwrap();
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("Request has expired."), "{body}");

        // A header that does not fit the pool fails the job, with the reason.
        let job = new_job(&client, &app.pool, None).await;
        let url = job.pre_signed_url.unwrap();
        let (status, _) = tokio::task::spawn_blocking(move || {
            curl_upload(
                &url,
                "cognito:username,cognito:mfa_enabled,shoe_size\nann,false,44\n",
            )
        })
        .await
        .unwrap();
        assert_eq!(status, 200);
        let job_id = job.job_id.unwrap();
        client
            .start_user_import_job()
            .user_pool_id(&app.pool)
            .job_id(&job_id)
            .send()
            .await
            .unwrap();
        let done = finished(&client, &app.pool, &job_id, Duration::from_secs(30)).await;
        assert_eq!(done.status, Some(UserImportJobStatusType::Failed));
        assert_eq!(
            done.completion_message.as_deref(),
            Some("The CSV header has a column that is not in the user pool: shoe_size")
        );

        // Bad input to the operations themselves.
        let raw = server
        .raw(
            Some("CreateUserImportJob"),
            &format!(r#"{{"UserPoolId":"{}","JobName":"x","CloudWatchLogsRoleArn":"arn:aws:iam::1:role/r","PasswordHashingAlgorithm":"MD5"}}"#, app.pool),
            true,
        )
        .await;
        assert_eq!(raw.status, 400);
        assert_eq!(
            raw.json["__type"], "InvalidParameterException",
            "{:?}",
            raw.json
        );
        let raw = server
            .raw(
                Some("ListUserImportJobs"),
                &format!(r#"{{"UserPoolId":"{}"}}"#, app.pool),
                true,
            )
            .await;
        assert_eq!(raw.status, 400);
        assert_eq!(
            raw.json["__type"], "InvalidParameterException",
            "{:?}",
            raw.json
        );
    }
);

// Legacy hashes from another system: bcrypt (Openwall's vector) and PBKDF2-SHA256 in
// Django's format; the users sign in with their old passwords, after which the hash is
// gone and SRP works too.
on_both_backends!(
    users_with_bcrypt_and_pbkdf2_hashes_sign_in_with_their_old_passwords,
    |server| {
        let client = server.client();
        let app = app(&client, AppOptions::default()).await;
        let header = csv_header(&client, &app.pool).await;
        let mut with_hash = header.clone();
        with_hash.push("cognito:password_hash".to_owned());
        let base = |name: &str, hash: &str| {
            row(
                &with_hash,
                &[
                    ("cognito:username", name),
                    ("email", &format!("{name}@example.com")),
                    ("email_verified", "true"),
                    ("cognito:mfa_enabled", "false"),
                    ("cognito:password_hash", hash),
                ],
            )
        };
        let bcrypt_csv = [
            with_hash.join(","),
            base(
                "bee",
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            ),
            base("nohash", ""),
            base("broken", "$2a$05$tooshort"),
        ]
        .join("\n");
        let pbkdf2_csv = [
            with_hash.join(","),
            base(
                "django",
                "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
            ),
        ]
        .join("\n");
        for (algorithm, csv, imported) in [
            (PasswordHashingAlgorithmType::Bcrypt, bcrypt_csv, 2),
            (PasswordHashingAlgorithmType::Pbkdf2Sha256, pbkdf2_csv, 1),
        ] {
            let job = new_job(&client, &app.pool, Some(algorithm.clone())).await;
            assert_eq!(job.password_hashing_algorithm, Some(algorithm));
            let url = job.pre_signed_url.unwrap();
            let (status, body) = tokio::task::spawn_blocking(move || curl_upload(&url, &csv))
                .await
                .unwrap();
            assert_eq!(status, 200, "{body}");
            let job_id = job.job_id.unwrap();
            client
                .start_user_import_job()
                .user_pool_id(&app.pool)
                .job_id(&job_id)
                .send()
                .await
                .unwrap();
            let done = finished(&client, &app.pool, &job_id, Duration::from_secs(30)).await;
            assert_eq!(
                done.status,
                Some(UserImportJobStatusType::Succeeded),
                "{done:?}"
            );
            assert_eq!(done.imported_users, imported, "{done:?}");
        }
        let user = |name: &'static str| {
            let client = client.clone();
            let pool = app.pool.clone();
            async move {
                client
                    .admin_get_user()
                    .user_pool_id(pool)
                    .username(name)
                    .send()
                    .await
                    .unwrap()
                    .user_status
                    .unwrap()
            }
        };
        assert_eq!(user("bee").await, UserStatusType::Confirmed);
        assert_eq!(user("nohash").await, UserStatusType::ResetRequired);

        // Before the first password sign-in, SRP answers as for a user Cognito would migrate.
        let srp_start = client
            .initiate_auth()
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::UserSrpAuth)
            .auth_parameters("USERNAME", "bee")
            .auth_parameters("SRP_A", "abcdef0123456789")
            .send()
            .await;
        let (code, message) = error_of(srp_start);
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("UserNotFoundException", "User does not exist.")
        );
        // A wrong password is an ordinary wrong password.
        let (code, _) = error_of(flows::password_sign_in(&client, &app, "bee", "U*U*").await);
        assert_eq!(code, "NotAuthorizedException");
        flows::tokens(&client, &app, "bee", "U*U").await;
        // ADMIN_USER_PASSWORD_AUTH converts too.
        client
            .admin_initiate_auth()
            .user_pool_id(&app.pool)
            .client_id(&app.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "django")
            .auth_parameters("PASSWORD", "lètmein")
            .send()
            .await
            .unwrap()
            .authentication_result
            .unwrap();
        // Converted: SRP works now, with the same passwords.
        flows::srp_sign_in(&client, &app, "bee", "U*U")
            .await
            .unwrap();
        flows::srp_sign_in(&client, &app, "django", "lètmein")
            .await
            .unwrap();
        flows::tokens(&client, &app, "django", "lètmein").await;
    }
);

/// A job survives its node: the first node stops mid-file, and a second one, over the same
/// database, takes the job over once the lease has lapsed, repeating and losing no row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_survives_a_restart_of_its_node() {
    let mut server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    let header = csv_header(&client, &app.pool).await;
    let users = 20_000;
    let mut lines = vec![header.join(",")];
    for i in 0..users {
        lines.push(row(
            &header,
            &[
                ("cognito:username", &format!("user{i:05}")),
                ("email", &format!("user{i:05}@example.com")),
                ("email_verified", "true"),
                ("cognito:mfa_enabled", "false"),
            ],
        ));
    }
    let csv = lines.join("\n");
    let job = new_job(&client, &app.pool, None).await;
    let url = job.pre_signed_url.unwrap();
    let (status, _) = tokio::task::spawn_blocking(move || curl_upload(&url, &csv))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let job_id = job.job_id.unwrap();
    client
        .start_user_import_job()
        .user_pool_id(&app.pool)
        .job_id(&job_id)
        .send()
        .await
        .unwrap();
    loop {
        let job = client
            .describe_user_import_job()
            .user_pool_id(&app.pool)
            .job_id(&job_id)
            .send()
            .await
            .unwrap()
            .user_import_job
            .unwrap();
        if job.imported_users > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The node goes down mid-file and comes back (a new process over the same database and
    // key). Its old lease still holds the job, so nothing moves yet.
    server.replace_node().await;
    let client = server.client();
    let interrupted = client
        .describe_user_import_job()
        .user_pool_id(&app.pool)
        .job_id(&job_id)
        .send()
        .await
        .unwrap()
        .user_import_job
        .unwrap();
    assert_eq!(
        interrupted.status,
        Some(UserImportJobStatusType::InProgress)
    );
    let before = interrupted.imported_users;
    assert!(before > 0 && before < users, "{before}");
    // The lease lapses; the new process takes the job over where it stood.
    server.clock.advance_secs(31);
    let client = server.client();
    let done = finished(&client, &app.pool, &job_id, Duration::from_secs(120)).await;
    assert_eq!(
        done.status,
        Some(UserImportJobStatusType::Succeeded),
        "{done:?}"
    );
    assert_eq!(
        (done.imported_users, done.skipped_users, done.failed_users),
        (users, 0, 0)
    );
    let mut listed = 0;
    let mut token = None;
    loop {
        let page = client
            .list_users()
            .user_pool_id(&app.pool)
            .limit(60)
            .set_pagination_token(token)
            .send()
            .await
            .unwrap();
        listed += page.users().len();
        token = page.pagination_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(listed as i64, users);
    server.stop().await;
}

/// StopUserImportJob leaves whole users only: every user the job counts exists, complete,
/// and no other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_job_leaves_no_half_made_user() {
    let server = TestServer::start(Backend::Sqlite, Options { dev: false })
        .await
        .unwrap();
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    let header = csv_header(&client, &app.pool).await;
    let users = 20_000;
    let mut lines = vec![header.join(",")];
    for i in 0..users {
        lines.push(row(
            &header,
            &[
                ("cognito:username", &format!("s{i:05}")),
                ("email", &format!("s{i:05}@example.com")),
                ("email_verified", "true"),
                ("cognito:mfa_enabled", "false"),
            ],
        ));
    }
    let csv = lines.join("\n");
    let job = new_job(&client, &app.pool, None).await;
    let url = job.pre_signed_url.unwrap();
    let (status, _) = tokio::task::spawn_blocking(move || curl_upload(&url, &csv))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let job_id = job.job_id.unwrap();
    client
        .start_user_import_job()
        .user_pool_id(&app.pool)
        .job_id(&job_id)
        .send()
        .await
        .unwrap();
    loop {
        let job = client
            .describe_user_import_job()
            .user_pool_id(&app.pool)
            .job_id(&job_id)
            .send()
            .await
            .unwrap()
            .user_import_job
            .unwrap();
        if job.imported_users > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stopping = client
        .stop_user_import_job()
        .user_pool_id(&app.pool)
        .job_id(&job_id)
        .send()
        .await
        .unwrap()
        .user_import_job
        .unwrap();
    assert_eq!(stopping.status, Some(UserImportJobStatusType::Stopping));
    let done = finished(&client, &app.pool, &job_id, Duration::from_secs(30)).await;
    assert_eq!(
        done.status,
        Some(UserImportJobStatusType::Stopped),
        "{done:?}"
    );
    assert_eq!(
        done.completion_message.as_deref(),
        Some("The import job was stopped.")
    );
    let imported = done.imported_users;
    assert!(imported > 0 && imported < users, "{imported}");
    // Exactly the counted users exist, each findable by username and by email alias key.
    let mut listed = 0i64;
    let mut token = None;
    loop {
        let page = client
            .list_users()
            .user_pool_id(&app.pool)
            .limit(60)
            .set_pagination_token(token)
            .send()
            .await
            .unwrap();
        for user in page.users() {
            assert_eq!(user.user_status, Some(UserStatusType::ResetRequired));
        }
        listed += page.users().len() as i64;
        token = page.pagination_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(listed, imported);
    let last = format!("s{:05}", imported - 1);
    client
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username(&last)
        .send()
        .await
        .unwrap();
    let next = format!("s{imported:05}");
    assert!(
        client
            .admin_get_user()
            .user_pool_id(&app.pool)
            .username(&next)
            .send()
            .await
            .is_err()
    );
    server.stop().await;
}

/// The whole round trip through the AWS CLI, with curl for the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_runs_an_import_job() {
    if !crate::interop::aws_cli_available() {
        eprintln!("skipping: the aws CLI is missing");
        return;
    }
    let server = TestServer::start(Backend::Sqlite, Options { dev: true })
        .await
        .unwrap();
    let client = server.client();
    let app = app(&client, AppOptions::default()).await;
    let url = server.url();
    let aws = move |args: Vec<String>| -> serde_json::Value {
        let output = crate::interop::aws_cli()
            .args([
                "--endpoint-url",
                &url,
                "--region",
                "us-east-1",
                "--output",
                "json",
                "cognito-idp",
            ])
            .args(&args)
            .env("AWS_ACCESS_KEY_ID", "dummy")
            .env("AWS_SECRET_ACCESS_KEY", "dummy")
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let pool = app.pool.clone();
    let (created, header) = tokio::task::spawn_blocking({
        let aws = aws.clone();
        move || {
            let header = aws(vec![
                "get-csv-header".into(),
                "--user-pool-id".into(),
                pool.clone(),
            ]);
            let created = aws(vec![
                "create-user-import-job".into(),
                "--user-pool-id".into(),
                pool,
                "--job-name".into(),
                "cli".into(),
                "--cloud-watch-logs-role-arn".into(),
                "arn:aws:iam::123456789012:role/CognitoImport".into(),
            ]);
            (created, header)
        }
    })
    .await
    .unwrap();
    let header: Vec<String> = serde_json::from_value(header["CSVHeader"].clone()).unwrap();
    let job_id = created["UserImportJob"]["JobId"]
        .as_str()
        .unwrap()
        .to_owned();
    let upload = created["UserImportJob"]["PreSignedUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let csv = [
        header.join(","),
        row(
            &header,
            &[
                ("cognito:username", "clia"),
                ("email", "clia@example.com"),
                ("email_verified", "true"),
                ("cognito:mfa_enabled", "false"),
            ],
        ),
    ]
    .join("\n");
    let pool = app.pool.clone();
    let described = tokio::task::spawn_blocking(move || {
        let (status, body) = curl_upload(&upload, &csv);
        assert_eq!(status, 200, "{body}");
        aws(vec![
            "start-user-import-job".into(),
            "--user-pool-id".into(),
            pool.clone(),
            "--job-id".into(),
            job_id.clone(),
        ]);
        for _ in 0..150 {
            let described = aws(vec![
                "describe-user-import-job".into(),
                "--user-pool-id".into(),
                pool.clone(),
                "--job-id".into(),
                job_id.clone(),
            ]);
            if described["UserImportJob"]["Status"] == "Succeeded" {
                let listed = aws(vec![
                    "list-user-import-jobs".into(),
                    "--user-pool-id".into(),
                    pool.clone(),
                    "--max-results".into(),
                    "10".into(),
                ]);
                assert_eq!(listed["UserImportJobs"][0]["JobId"], job_id.as_str());
                return described;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("the job did not finish");
    })
    .await
    .unwrap();
    assert_eq!(described["UserImportJob"]["ImportedUsers"], 1);
    let user = client
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username("clia")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status, Some(UserStatusType::ResetRequired));
    server.stop().await;
}
