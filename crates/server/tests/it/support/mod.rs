//! Test harness: a real server on 127.0.0.1:0 over SQLite or PostgreSQL, the AWS SDK for Rust
//! pointed at it, and a raw signed-request helper for protocol tests; the submodules are the
//! other helpers the tests share.

pub mod flows;
pub mod hosted;
pub mod identity;
pub mod oidc_client;
pub mod oidc_provider;
pub mod private_pg;
pub mod sinks;

use std::path::PathBuf;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::{Client, Config as SdkConfig};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use std::sync::Arc;

use cognate_domain::time::OffsetClock;
use cognate_server::RunningServer;
use cognate_server::config::{AccessKey, Config, RawConfig, ServeArgs, SmsConfig, SmtpConfig};

use crate::support::sinks::{SmsSink, SmtpSink, TriggerSink};

pub const ACCESS_KEY: &str = "AKIDCOGNATETEST";
pub const SECRET_KEY: &str = "cognate-test-secret-key";
pub const REGION: &str = "us-east-1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub server: RunningServer,
    pub clock: Arc<OffsetClock>,
    pub mail: SmtpSink,
    pub sms: SmsSink,
    pub triggers: TriggerSink,
    pub database_url: String,
    config: Config,
    dir: PathBuf,
    /// Drops the PostgreSQL schema the server was started on when the test ends.
    _schema: Option<SchemaGuard>,
}

/// Another node over the same store and key (a second server behind the load balancer).
pub struct Node {
    pub server: RunningServer,
}

impl Node {
    pub fn client(&self) -> Client {
        sdk_client(&self.server.url(), ACCESS_KEY, SECRET_KEY)
    }

    pub async fn stop(self) {
        self.server.stop().await.unwrap();
    }
}

pub fn sdk_client(url: &str, access_key: &str, secret: &str) -> Client {
    sdk_client_in(url, access_key, secret, REGION)
}

fn sdk_client_in(url: &str, access_key: &str, secret: &str, region: &str) -> Client {
    let config = SdkConfig::builder()
        .endpoint_url(url)
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(
            access_key,
            secret,
            None,
            None,
            "cognate-tests",
        ))
        .behavior_version(BehaviorVersion::latest())
        .build();
    Client::from_conf(config)
}

/// The PostgreSQL URL CI sets; when set, it must work (no silent skipping).
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A new, empty directory for a server's SQLite file and key.
pub fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cognate-it-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A schema a test made, dropped (with everything in it) when the guard goes, so a test run
/// leaves the shared database as it found it.
struct SchemaGuard {
    base: String,
    schema: String,
}

impl SchemaGuard {
    /// The guard for a URL [`fresh_postgres_schema`] made; `None` for any other database.
    fn for_url(base: &str, database_url: &str) -> Option<SchemaGuard> {
        let schema = database_url.split("search_path%3D").nth(1)?;
        schema.starts_with("it_").then(|| SchemaGuard {
            base: base.to_owned(),
            schema: schema.to_owned(),
        })
    }
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        use sqlx::Connection;
        let (base, schema) = (self.base.clone(), self.schema.clone());
        let (done, finished) = std::sync::mpsc::channel();
        // A thread of its own with its own runtime: Drop cannot await, and the test's runtime
        // may be the single thread that is running this Drop.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
                        // The name was made from a UUID by `fresh_postgres_schema`.
                        let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                            .execute(&mut conn)
                            .await;
                    }
                });
            }
            let _ = done.send(());
        });
        // Wait for it, but never hang a test on a lock a still-running server holds.
        let _ = finished.recv_timeout(std::time::Duration::from_secs(5));
    }
}

/// A fresh, empty schema in the test database, so tests can run in parallel.
pub async fn fresh_postgres_schema(base: &str) -> String {
    use sqlx::Connection;
    let schema = format!("it_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .unwrap_or_else(|e| panic!("TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}"));
    // The schema name is generated above from a UUID, so it is safe to splice into the statement.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-c%20search_path%3D{schema}")
}

pub struct Options {
    pub dev: bool,
}

impl TestServer {
    /// Starts a server; `None` when the backend is PostgreSQL and no database is configured.
    pub async fn start(backend: Backend, options: Options) -> Option<TestServer> {
        Self::start_configured(backend, options, |_| {}).await
    }

    /// Like [`TestServer::start`], with a last say over the configuration file's settings.
    pub async fn start_configured(
        backend: Backend,
        options: Options,
        configure: impl FnOnce(&mut RawConfig),
    ) -> Option<TestServer> {
        let dir = fresh_dir();
        let (database_url, schema) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}?mode=rwc", dir.join("cognate.db").display()),
                None,
            ),
            Backend::Postgres => {
                let base = postgres_url()?;
                let url = fresh_postgres_schema(&base).await;
                let guard = SchemaGuard::for_url(&base, &url);
                (url, guard)
            }
        };
        let mut server = Self::start_in(dir, database_url, options, configure).await;
        server._schema = schema;
        Some(server)
    }

    /// Starts a server over a fresh schema of the PostgreSQL database at `base_url` (one the
    /// test runs itself, say).
    pub async fn start_on_postgres(base_url: &str, options: Options) -> TestServer {
        let dir =
            std::env::temp_dir().join(format!("cognate-it-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let database_url = fresh_postgres_schema(base_url).await;
        let schema = SchemaGuard::for_url(base_url, &database_url);
        let mut server = Self::start_in(dir, database_url, options, |_| {}).await;
        server._schema = schema;
        server
    }

    /// Starts a server over a given database, with the key-encryption key kept in `dir`
    /// (made there on first start): a server brought up on a migrated or restored database.
    pub async fn start_at(database_url: String, dir: PathBuf, options: Options) -> TestServer {
        Self::start_in(dir, database_url, options, |_| {}).await
    }

    async fn start_in(
        dir: PathBuf,
        database_url: String,
        options: Options,
        configure: impl FnOnce(&mut RawConfig),
    ) -> TestServer {
        let mail = SmtpSink::start().await;
        let sms = SmsSink::start().await;
        let triggers = TriggerSink::start().await;
        let args = ServeArgs {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            data_dir: Some(dir.clone()),
            database_url: Some(database_url.clone()),
            region: Some(REGION.to_owned()),
            account_id: Some("123456789012".to_owned()),
            dev: options.dev,
            ..ServeArgs::default()
        };
        let mut raw = RawConfig {
            access_keys: vec![AccessKey {
                id: ACCESS_KEY.to_owned(),
                secret: SECRET_KEY.to_owned(),
            }],
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".to_owned(),
                port: Some(mail.port),
                tls: Some("none".to_owned()),
                username: None,
                password: None,
                from: "no-reply@cognate.test".to_owned(),
            }),
            sms: Some(SmsConfig {
                webhook_url: sms.url.clone(),
                retries: Some(1),
            }),
            triggers: trigger_endpoints(&triggers.url),
            trigger_timeout_seconds: Some(2),
            custom_sender_key: Some(CUSTOM_SENDER_KEY.to_owned()),
            ..RawConfig::default()
        };
        configure(&mut raw);
        let mut config = Config::resolve(&args, raw).unwrap();
        let clock = Arc::new(OffsetClock::default());
        let server = cognate_server::spawn_with_clock(config.clone(), clock.clone())
            .await
            .unwrap();
        // A second node must share the first one's issuer, as nodes behind one load balancer do.
        config.public_url = server.url();
        TestServer {
            server,
            clock,
            mail,
            sms,
            triggers,
            database_url,
            config,
            dir,
            _schema: None,
        }
    }

    /// The configuration another node of this server would start with: same database, key
    /// and public URL, a port of its own.
    pub fn node_config(&self) -> Config {
        self.config.clone()
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The AWS SDK for Rust, signing with the configured test key.
    pub fn client(&self) -> Client {
        self.client_with(ACCESS_KEY, SECRET_KEY)
    }

    /// The AWS SDK for Rust configured for another region than the server's.
    pub fn client_in(&self, region: &str) -> Client {
        sdk_client_in(&self.url(), ACCESS_KEY, SECRET_KEY, region)
    }

    pub fn client_with(&self, access_key: &str, secret: &str) -> Client {
        sdk_client(&self.url(), access_key, secret)
    }

    /// Starts a second node over the same database and key-encryption key.
    pub async fn second_node(&self) -> Node {
        let server = cognate_server::spawn_with_clock(self.config.clone(), self.clock.clone())
            .await
            .unwrap();
        Node { server }
    }

    /// Restarts this node: a new server over the same database, key and address-less
    /// config takes its place, and the old one stops (its background work with it).
    pub async fn replace_node(&mut self) {
        let fresh = cognate_server::spawn_with_clock(self.config.clone(), self.clock.clone())
            .await
            .unwrap();
        let old = std::mem::replace(&mut self.server, fresh);
        old.stop().await.unwrap();
    }

    /// A hand-made request: any target, any body, signed with the test key or not at all.
    pub async fn raw(&self, target: Option<&str>, body: &str, signed: bool) -> RawResponse {
        self.raw_with_headers(
            target,
            body,
            signed,
            &[("content-type", "application/x-amz-json-1.1")],
        )
        .await
    }

    pub async fn raw_with_headers(
        &self,
        target: Option<&str>,
        body: &str,
        signed: bool,
        extra: &[(&str, &str)],
    ) -> RawResponse {
        let target = target.map(|t| format!("AWSCognitoIdentityProviderService.{t}"));
        let signing = signed.then_some("cognito-idp");
        self.raw_request(target.as_deref(), body, signing, extra)
            .await
    }

    /// A hand-made identity-pool request (`AWSCognitoIdentityService.<target>`), signed with
    /// the test key under `signing_name` (`cognito-identity`, or another to test the scope).
    pub async fn raw_identity(
        &self,
        target: &str,
        body: &str,
        signing_name: Option<&str>,
    ) -> RawResponse {
        let target = format!("AWSCognitoIdentityService.{target}");
        self.raw_request(
            Some(&target),
            body,
            signing_name,
            &[("content-type", "application/x-amz-json-1.1")],
        )
        .await
    }

    async fn raw_request(
        &self,
        target: Option<&str>,
        body: &str,
        signing_name: Option<&str>,
        extra: &[(&str, &str)],
    ) -> RawResponse {
        let host = self.server.addr.to_string();
        let mut headers: Vec<(String, String)> = vec![("host".into(), host)];
        if let Some(target) = target {
            headers.push(("x-amz-target".into(), target.to_owned()));
        }
        for (name, value) in extra {
            headers.push(((*name).to_owned(), (*value).to_owned()));
        }
        if let Some(service) = signing_name {
            headers.extend(sign_headers(
                &self.url(),
                service,
                &headers,
                body.as_bytes(),
            ));
        }
        let mut request = reqwest::Client::new()
            .post(self.url())
            .body(body.to_owned());
        for (name, value) in headers.iter().filter(|(n, _)| n != "host") {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        RawResponse {
            status,
            headers,
            json,
        }
    }

    /// Where the SQLite file lives (for the at-rest checks).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.dir
    }

    pub async fn stop(self) {
        let TestServer { server, dir, .. } = self;
        server.stop().await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Signs with the SDK's own signer, returning the headers to add.
fn sign_headers(
    url: &str,
    service: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<(String, String)> {
    let identity = Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "cognate-tests").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        format!("{url}/"),
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions
        .headers()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

pub struct RawResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: serde_json::Value,
}

impl RawResponse {
    /// Asserts a Cognito-shaped error: status, `__type`, message, and the matching headers.
    pub fn assert_error(&self, status: u16, type_name: &str, message: &str) {
        assert_eq!(self.status, status, "status of {:?}", self.json);
        assert_eq!(self.json["__type"], type_name, "body {:?}", self.json);
        assert_eq!(self.json["message"], message, "body {:?}", self.json);
        assert_eq!(
            self.headers["x-amzn-errortype"],
            format!("{type_name}:").as_str()
        );
        assert!(self.headers.contains_key("x-amzn-requestid"));
    }
}

/// Runs a test body once per backend: `sqlite` always, `postgres` when TEST_POSTGRES_URL is set.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, dev = $dev:expr, |$server:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($server: &$crate::support::TestServer) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let server = $crate::support::TestServer::start(
                    $crate::support::Backend::Sqlite,
                    $crate::support::Options { dev: $dev },
                )
                .await
                .unwrap();
                run(&server).await;
                server.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(server) = $crate::support::TestServer::start(
                    $crate::support::Backend::Postgres,
                    $crate::support::Options { dev: $dev },
                )
                .await
                else {
                    eprintln!("TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
                    return;
                };
                run(&server).await;
                server.stop().await;
            }
        }
    };
    ($name:ident, |$server:ident| $body:block) => {
        $crate::on_both_backends!($name, dev = false, |$server| $body);
    };
}

/// The `__type` and message of an SDK error.
pub fn error_of<E, R>(
    result: Result<impl std::fmt::Debug, aws_sdk_cognitoidentityprovider::error::SdkError<E, R>>,
) -> (String, String)
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let err = result.expect_err("the call should have failed");
    let code = aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::code(&err)
        .unwrap_or("<none>")
        .to_owned();
    let message = aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata::message(&err)
        .unwrap_or("<none>")
        .to_owned();
    (code, message)
}

/// Base64 of the 32-byte key custom sender codes are encrypted with in tests.
pub const CUSTOM_SENDER_KEY: &str = "Y29nbmF0ZS10ZXN0LWN1c3RvbS1zZW5kZXIta2V5ISE=";

/// Functions every test server knows: webhooks on the trigger sink, one through the Lambda
/// Invoke API, and one whose endpoint refuses connections.
fn trigger_endpoints(base: &str) -> Vec<cognate_server::config::TriggerEndpoint> {
    let webhook = |name: &str| cognate_server::config::TriggerEndpoint {
        arn: crate::support::sinks::arn(name),
        url: Some(format!("{base}/{name}")),
        lambda_endpoint: None,
        secret: Some(crate::support::sinks::TRIGGER_SECRET.to_owned()),
    };
    let mut endpoints: Vec<_> = [
        "pre-sign-up",
        "custom-message",
        "post-confirmation",
        "pre-auth",
        "post-auth",
        "define",
        "create",
        "verify",
        "pre-token",
        "migrate",
        "email-sender",
        "sms-sender",
        "inbound",
    ]
    .into_iter()
    .map(webhook)
    .collect();
    endpoints.push(cognate_server::config::TriggerEndpoint {
        arn: crate::support::sinks::arn("lambda-style"),
        url: None,
        lambda_endpoint: Some(base.to_owned()),
        secret: None,
    });
    endpoints.push(cognate_server::config::TriggerEndpoint {
        arn: crate::support::sinks::arn("unreachable"),
        url: Some("http://127.0.0.1:9/nothing".to_owned()),
        lambda_endpoint: None,
        secret: None,
    });
    endpoints
}
