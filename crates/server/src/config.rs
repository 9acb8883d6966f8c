//! Node configuration: flags and `COGNATE_*` environment variables over a TOML file, read
//! loosely into [`RawConfig`] and then validated into [`Config`] (ripgrep's low/high split).
//!
//! Only per-node settings live here. Pool settings live in the store and change through the API.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use axum::http::HeaderValue;
use base64::Engine;
use cognate_api::cors::CorsOrigins;
use cognate_domain::external::SamlMetadataSource;
use cognate_domain::identity_pool::logins::{is_saml_provider_arn, oidc_provider_of_arn};
use cognate_domain::identity_pool::{OidcProviderConfig, SamlProviderConfig};
use cognate_domain::limits::UserLimits;
use cognate_federation::SocialEndpoints;
use serde::Deserialize;

/// `cognate serve` flags; each can also come from its `COGNATE_*` variable or the file.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COGNATE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the SQLite database and the generated key-encryption key.
    #[arg(long, env = "COGNATE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://path` or `postgres://…`; default: SQLite in the data directory.
    #[arg(long, env = "COGNATE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// PostgreSQL: connections this node opens at most (default 16).
    #[arg(long, env = "COGNATE_DATABASE_MAX_CONNECTIONS")]
    pub database_max_connections: Option<u32>,
    /// PostgreSQL: milliseconds a request waits for a connection before it fails (default 2000).
    #[arg(long, env = "COGNATE_DATABASE_ACQUIRE_TIMEOUT_MS")]
    pub database_acquire_timeout_ms: Option<u64>,
    /// Region in pool ids, ARNs and SigV4 scopes.
    #[arg(long, env = "COGNATE_REGION")]
    pub region: Option<String>,
    /// Account id used in ARNs.
    #[arg(long, env = "COGNATE_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// Base URL clients reach this server at; token issuers are `<public-url>/<poolId>`.
    #[arg(long, env = "COGNATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Prefix domains answer at `<prefix>.<auth-domain>`; default `auth.localhost`, which
    /// browsers resolve to this machine.
    #[arg(long, env = "COGNATE_AUTH_DOMAIN")]
    pub auth_domain: Option<String>,
    /// Development mode: any well-formed SigV4 signature, a message outbox, a reset endpoint.
    #[arg(long, env = "COGNATE_DEV")]
    pub dev: bool,
    /// TOML configuration file.
    #[arg(long, env = "COGNATE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format: `text` or `json`.
    #[arg(long, env = "COGNATE_LOG_FORMAT")]
    pub log_format: Option<String>,
}

/// The configuration file, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub database_max_connections: Option<u32>,
    pub database_acquire_timeout_ms: Option<u64>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub public_url: Option<String>,
    pub auth_domain: Option<String>,
    pub dev: Option<bool>,
    pub log_format: Option<String>,
    pub log_filter: Option<String>,
    /// Base64 of 32 bytes; overrides the generated key file.
    pub key_encryption_key: Option<String>,
    pub max_body_bytes: Option<usize>,
    /// Connections served at once; more wait in the listen backlog (default 512). Keep it
    /// below the process's open-file limit.
    pub max_connections: Option<usize>,
    /// Seconds a client may take to send a request head, counted from when the server waits
    /// for one; idle keep-alive connections close after it too (default 20).
    pub header_timeout_seconds: Option<u64>,
    /// Seconds a request body may take to arrive in full (default 30).
    pub body_timeout_seconds: Option<u64>,
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<SmsConfig>,
    /// Where each Lambda ARN a pool names is delivered.
    #[serde(default)]
    pub triggers: Vec<TriggerEndpoint>,
    /// Seconds a trigger may take (Cognito's default is 5).
    pub trigger_timeout_seconds: Option<u64>,
    /// Base64 of 32 bytes: encrypts the codes handed to custom sender functions.
    pub custom_sender_key: Option<String>,
    /// Origins browser apps may call the API and the OAuth endpoints from: `["*"]` (the
    /// default, as Cognito), a list of `scheme://host[:port]`, or `[]` for no CORS at all.
    pub cors_allowed_origins: Option<Vec<String>>,
    /// Where identity pools get AWS credentials (AssumeRoleWithWebIdentity).
    pub sts: Option<StsConfig>,
    /// The IAM OpenID Connect providers identity pools may name in OpenIdConnectProviderARNs.
    #[serde(default)]
    pub openid_connect_providers: Vec<OidcProviderEntry>,
    /// The IAM SAML providers identity pools may name in SamlProviderARNs.
    #[serde(default)]
    pub saml_providers: Vec<SamlProviderEntry>,
    /// Where the social providers answer (default: the real Google, Apple, Facebook and
    /// Login with Amazon); for sites that reach them through a proxy, and for tests.
    pub social_providers: Option<SocialProvidersConfig>,
    /// Every endpoint of the social providers, for hosted sign-in through stand-ins (tests,
    /// air-gapped sites): e.g. `[social_endpoints.facebook] www_base = "…"`, `graph_base =
    /// "…"`; every key defaults to the real provider, and `social_providers` applies on top.
    pub social_endpoints: Option<SocialEndpoints>,
    /// The limits that protect users (`[limits]`); see `docs/security.md`.
    pub limits: Option<RawLimits>,
}

/// An IAM OpenID Connect provider, as IAM's CreateOpenIDConnectProvider describes it: the
/// identity pools' OpenIdConnectProviderARNs name it by `arn`, and Logins name it by the ARN's
/// `<host/path>`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderEntry {
    /// `arn:aws:iam::<account>:oidc-provider/<host/path>`.
    pub arn: String,
    /// The issuer its ID tokens carry; default `https://<host/path>`.
    pub url: Option<String>,
    /// The audiences its ID tokens may be issued to (IAM's ClientIDList).
    pub client_ids: Vec<String>,
}

/// An IAM SAML provider, as IAM's CreateSAMLProvider describes it: its ARN (the Logins key)
/// and its IdP's metadata, from a file or an https URL.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SamlProviderEntry {
    /// `arn:aws:iam::<account>:saml-provider/<name>`.
    pub arn: String,
    pub metadata_file: Option<PathBuf>,
    pub metadata_url: Option<String>,
}

/// Overrides of the social providers' endpoints that identity-pool logins are checked at.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SocialProvidersConfig {
    pub google_issuer: Option<String>,
    pub google_jwks_uri: Option<String>,
    pub apple_issuer: Option<String>,
    pub apple_jwks_uri: Option<String>,
    /// Facebook's Graph API base (`https://graph.facebook.com`).
    pub facebook_graph_url: Option<String>,
    /// Login with Amazon's token-info endpoint.
    pub amazon_tokeninfo_url: Option<String>,
}

/// An STS-compatible endpoint identity pools call with AssumeRoleWithWebIdentity
/// (`https://sts.amazonaws.com`, an S3-compatible store's STS, LocalStack).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StsConfig {
    pub endpoint: String,
    /// Seconds an STS call may take before GetCredentialsForIdentity gives up (default 5).
    pub timeout_seconds: Option<u64>,
}

/// `[limits]`: each setting left out keeps its default (Cognito's figure).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub lockout_free_failures: Option<i64>,
    pub lockout_max_delay_seconds: Option<i64>,
    pub code_answers_per_hour: Option<i64>,
    pub code_sends_per_hour: Option<i64>,
    pub password_changes_per_hour: Option<i64>,
}

impl RawLimits {
    fn resolve(self) -> anyhow::Result<UserLimits> {
        let defaults = UserLimits::default();
        let limits = UserLimits {
            lockout_free_failures: self
                .lockout_free_failures
                .unwrap_or(defaults.lockout_free_failures),
            lockout_max_delay_secs: self
                .lockout_max_delay_seconds
                .unwrap_or(defaults.lockout_max_delay_secs),
            code_answers_per_hour: self
                .code_answers_per_hour
                .unwrap_or(defaults.code_answers_per_hour),
            code_sends_per_hour: self
                .code_sends_per_hour
                .unwrap_or(defaults.code_sends_per_hour),
            password_changes_per_hour: self
                .password_changes_per_hour
                .unwrap_or(defaults.password_changes_per_hour),
        };
        limits.check().map_err(|e| anyhow::anyhow!(e))?;
        Ok(limits)
    }
}

/// One trigger function: a webhook (`url`, optionally signed with `secret`) or a
/// Lambda-compatible Invoke API (`lambda_endpoint`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TriggerEndpoint {
    pub arn: String,
    pub url: Option<String>,
    pub lambda_endpoint: Option<String>,
    pub secret: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: Option<u16>,
    /// `none`, `starttls` or `tls`.
    pub tls: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Default From when a pool sets none.
    pub from: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// JSON POST of `{to, body, poolId, kind}` per message.
    pub webhook_url: String,
    pub retries: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The validated configuration a node runs with.
#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// PostgreSQL's pool size and acquire timeout (SQLite has its own fixed pools).
    pub database_max_connections: u32,
    pub database_acquire_timeout: std::time::Duration,
    pub region: String,
    pub account_id: String,
    pub public_url: String,
    pub auth_domain: String,
    pub dev: bool,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub key_encryption_key: KeySource,
    pub max_body_bytes: usize,
    pub max_connections: usize,
    pub header_timeout: std::time::Duration,
    pub body_timeout: std::time::Duration,
    pub access_keys: Vec<AccessKey>,
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<SmsConfig>,
    pub triggers: Vec<TriggerEndpoint>,
    pub trigger_timeout: std::time::Duration,
    pub custom_sender_key: Option<[u8; 32]>,
    pub cors: CorsOrigins,
    pub sts: Option<StsConfig>,
    pub openid_connect_providers: Vec<OidcProviderConfig>,
    pub saml_providers: Vec<SamlProviderConfig>,
    pub social_endpoints: SocialEndpoints,
    pub limits: UserLimits,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("region", &self.region)
            .field("public_url", &self.public_url)
            .field("auth_domain", &self.auth_domain)
            .field("dev", &self.dev)
            .field("access_keys", &self.access_keys.len())
            .finish_non_exhaustive()
    }
}

/// Where the key-encryption key comes from.
#[derive(Clone)]
pub enum KeySource {
    Given([u8; 32]),
    /// Read from (or generated into, with 0600 permissions) this file.
    File(PathBuf),
}

pub const DEFAULT_PORT: u16 = 9229;
/// The HTTP limits' defaults: safe for a server on the internet with the common open-file
/// limit of 1024, and far above what Cognito's clients need.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 20;
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 30;
/// Where prefix domains answer by default: browsers resolve `*.localhost` to loopback.
pub const DEFAULT_AUTH_DOMAIN: &str = "auth.localhost";

impl Config {
    /// Flags and environment win over the file; the file wins over defaults.
    pub fn load(args: &ServeArgs) -> anyhow::Result<Config> {
        let raw = match &args.config {
            Some(path) => read_file(path)?,
            None => RawConfig::default(),
        };
        Config::resolve(args, raw)
    }

    pub fn resolve(args: &ServeArgs, raw: RawConfig) -> anyhow::Result<Config> {
        let listen = args
            .listen
            .or(raw.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)));
        let data_dir = args
            .data_dir
            .clone()
            .or(raw.data_dir)
            .unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = args
            .database_url
            .clone()
            .or(raw.database_url)
            .unwrap_or_else(|| {
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.join("cognate.db").display()
                )
            });
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            bail!("database URL must start with sqlite:// or postgres://");
        }
        let database_max_connections = args
            .database_max_connections
            .or(raw.database_max_connections)
            .unwrap_or(cognate_store::DEFAULT_POSTGRES_CONNECTIONS);
        if database_max_connections == 0 {
            bail!("database_max_connections must be at least 1");
        }
        let database_acquire_timeout = args
            .database_acquire_timeout_ms
            .or(raw.database_acquire_timeout_ms)
            .map_or(
                cognate_store::DEFAULT_ACQUIRE_TIMEOUT,
                std::time::Duration::from_millis,
            );
        if database_acquire_timeout.is_zero() {
            bail!("database_acquire_timeout_ms must be at least 1");
        }
        let region = args
            .region
            .clone()
            .or(raw.region)
            .unwrap_or_else(|| "us-east-1".to_owned());
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            bail!("region {region:?} is not a valid region name");
        }
        let account_id = args
            .account_id
            .clone()
            .or(raw.account_id)
            .unwrap_or_else(|| "000000000000".to_owned());
        let public_url = args
            .public_url
            .clone()
            .or(raw.public_url)
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_owned();
        let auth_domain = args
            .auth_domain
            .clone()
            .or(raw.auth_domain)
            .unwrap_or_else(|| DEFAULT_AUTH_DOMAIN.to_owned())
            .trim_matches('.')
            .to_ascii_lowercase();
        if auth_domain.is_empty()
            || !auth_domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            bail!("auth domain {auth_domain:?} is not a valid host name");
        }
        let log_format = match args.log_format.clone().or(raw.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("log format {other:?} is neither text nor json"),
        };
        let key_encryption_key = match std::env::var("COGNATE_KEY_ENCRYPTION_KEY")
            .ok()
            .or(raw.key_encryption_key)
        {
            Some(text) => KeySource::Given(decode_key(&text)?),
            None => KeySource::File(data_dir.join("key-encryption-key")),
        };
        let cors_origins = match std::env::var("COGNATE_CORS_ALLOWED_ORIGINS") {
            Ok(list) => Some(
                list.split(',')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            Err(_) => raw.cors_allowed_origins,
        };
        let cors = parse_cors_origins(cors_origins)?;
        let positive = |value: Option<u64>, default: u64, name: &str| match value {
            Some(0) => bail!("{name} must be at least 1"),
            value => Ok(value.unwrap_or(default)),
        };
        let max_connections = positive(
            raw.max_connections.map(|n| n as u64),
            DEFAULT_MAX_CONNECTIONS as u64,
            "max_connections",
        )?;
        let header_timeout = positive(
            raw.header_timeout_seconds,
            DEFAULT_HEADER_TIMEOUT_SECS,
            "header_timeout_seconds",
        )?;
        let body_timeout = positive(
            raw.body_timeout_seconds,
            DEFAULT_BODY_TIMEOUT_SECS,
            "body_timeout_seconds",
        )?;
        let mut access_keys = raw.access_keys;
        if let Ok(pairs) = std::env::var("COGNATE_ACCESS_KEYS") {
            access_keys.extend(parse_access_keys(&pairs)?);
        }
        Ok(Config {
            listen,
            data_dir,
            database_url,
            database_max_connections,
            database_acquire_timeout,
            region,
            account_id,
            public_url,
            auth_domain,
            dev: args.dev || raw.dev.unwrap_or(false),
            log_format,
            log_filter: std::env::var("COGNATE_LOG")
                .ok()
                .or(raw.log_filter)
                .unwrap_or_else(|| "info".to_owned()),
            key_encryption_key,
            max_body_bytes: raw.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
            header_timeout: std::time::Duration::from_secs(header_timeout),
            body_timeout: std::time::Duration::from_secs(body_timeout),
            access_keys,
            smtp: raw.smtp,
            sms: raw.sms,
            triggers: raw.triggers,
            trigger_timeout: std::time::Duration::from_secs(
                raw.trigger_timeout_seconds.unwrap_or(5),
            ),
            custom_sender_key: raw
                .custom_sender_key
                .as_deref()
                .map(decode_key)
                .transpose()?,
            cors,
            openid_connect_providers: raw
                .openid_connect_providers
                .into_iter()
                .map(oidc_provider)
                .collect::<anyhow::Result<_>>()?,
            saml_providers: raw
                .saml_providers
                .into_iter()
                .map(saml_provider)
                .collect::<anyhow::Result<_>>()?,
            social_endpoints: social_endpoints(
                raw.social_endpoints.unwrap_or_default(),
                raw.social_providers.unwrap_or_default(),
            ),
            sts: match std::env::var("COGNATE_STS_ENDPOINT").ok() {
                Some(endpoint) => Some(StsConfig {
                    endpoint,
                    timeout_seconds: raw.sts.as_ref().and_then(|s| s.timeout_seconds),
                }),
                None => raw.sts,
            },
            limits: raw.limits.unwrap_or_default().resolve()?,
        })
    }
}

/// Checks an `[[openid_connect_providers]]` entry and fills in its issuer.
fn oidc_provider(entry: OidcProviderEntry) -> anyhow::Result<OidcProviderConfig> {
    let Some(name) = oidc_provider_of_arn(&entry.arn) else {
        bail!(
            "openid_connect_providers: {:?} is not an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<host/path>)",
            entry.arn
        );
    };
    if entry.client_ids.iter().all(|id| id.is_empty()) {
        bail!(
            "openid_connect_providers: {} needs at least one client id",
            entry.arn
        );
    }
    let issuer = entry.url.unwrap_or_else(|| format!("https://{name}"));
    Ok(OidcProviderConfig {
        arn: entry.arn,
        issuer,
        client_ids: entry.client_ids,
    })
}

/// Checks a `[[saml_providers]]` entry and reads its metadata file.
fn saml_provider(entry: SamlProviderEntry) -> anyhow::Result<SamlProviderConfig> {
    if !is_saml_provider_arn(&entry.arn) {
        bail!(
            "saml_providers: {:?} is not an IAM SAML provider ARN (arn:aws:iam::<account>:saml-provider/<name>)",
            entry.arn
        );
    }
    let metadata = match (entry.metadata_file, entry.metadata_url) {
        (Some(path), None) => SamlMetadataSource::Document(
            std::fs::read_to_string(&path)
                .with_context(|| format!("saml_providers: cannot read {}", path.display()))?,
        ),
        (None, Some(url)) => SamlMetadataSource::Url {
            url,
            refresh: false,
        },
        _ => bail!(
            "saml_providers: {} needs exactly one of metadata_file and metadata_url",
            entry.arn
        ),
    };
    Ok(SamlProviderConfig {
        arn: entry.arn,
        metadata,
    })
}

/// The engine's social endpoints with the configured overrides.
fn social_endpoints(base: SocialEndpoints, overrides: SocialProvidersConfig) -> SocialEndpoints {
    let mut endpoints = base;
    let set = |field: &mut String, value: Option<String>| {
        if let Some(value) = value {
            *field = value;
        }
    };
    set(&mut endpoints.google.issuer, overrides.google_issuer);
    set(&mut endpoints.google.jwks_uri, overrides.google_jwks_uri);
    set(&mut endpoints.apple.issuer, overrides.apple_issuer);
    set(&mut endpoints.apple.jwks_uri, overrides.apple_jwks_uri);
    set(
        &mut endpoints.facebook.graph_base,
        overrides.facebook_graph_url,
    );
    set(
        &mut endpoints.amazon.tokeninfo_url,
        overrides.amazon_tokeninfo_url,
    );
    endpoints
}

impl Config {
    /// The limits of the HTTP front door.
    pub fn http_limits(&self) -> crate::http::HttpLimits {
        crate::http::HttpLimits {
            max_connections: self.max_connections,
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
            max_body_bytes: self.max_body_bytes,
        }
    }
}

fn read_file(path: &Path) -> anyhow::Result<RawConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid configuration in {}", path.display()))
}

fn decode_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .context("the key-encryption key must be base64")?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("the key-encryption key must be 32 bytes"))
}

/// `None` is Cognito's answer (any origin); `"*"` stands alone; every other entry must be an
/// origin as a browser sends it, with no path and no trailing slash.
fn parse_cors_origins(origins: Option<Vec<String>>) -> anyhow::Result<CorsOrigins> {
    let Some(origins) = origins else {
        return Ok(CorsOrigins::Any);
    };
    if origins.is_empty() {
        return Ok(CorsOrigins::Off);
    }
    if origins.iter().any(|o| o == "*") {
        if origins.len() > 1 {
            bail!(
                "cors_allowed_origins: \"*\" allows every origin and cannot be listed with others"
            );
        }
        return Ok(CorsOrigins::Any);
    }
    origins
        .iter()
        .map(|origin| {
            let (scheme, rest) = origin.split_once("://").unwrap_or(("", ""));
            let well_formed = matches!(scheme, "http" | "https")
                && !rest.is_empty()
                && !rest.contains(['/', '?', '#', ' ']);
            if !well_formed {
                bail!(
                    "cors_allowed_origins: {origin:?} is not an origin like https://app.example.com or http://localhost:3000"
                );
            }
            HeaderValue::from_str(origin).with_context(|| format!("cors_allowed_origins: {origin:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(CorsOrigins::List)
}

/// `AKID:secret,AKID2:secret2`.
fn parse_access_keys(text: &str) -> anyhow::Result<Vec<AccessKey>> {
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| {
            let (id, secret) = pair
                .trim()
                .split_once(':')
                .context("COGNATE_ACCESS_KEYS entries are AKID:SECRET")?;
            Ok(AccessKey {
                id: id.to_owned(),
                secret: secret.to_owned(),
            })
        })
        .collect()
}

/// Reads the key file, or creates it with 32 random bytes and 0600 permissions.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => decode_key(&text).with_context(|| format!("in {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            cognate_crypto::random::RandomSource::fill(
                &cognate_crypto::random::SystemRandom,
                &mut key,
            );
            if let Some(dir) = path.parent() {
                create_private_dir(dir)?;
            }
            write_private(
                path,
                base64::engine::general_purpose::STANDARD
                    .encode(key)
                    .as_bytes(),
            )?;
            tracing::info!(path = %path.display(), "generated a new key-encryption key");
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Creates a directory (and its missing parents) readable by the server's user only (0700):
/// the data directory holds the database and the key-encryption key. A directory that exists
/// already is left as the operator made it.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents)?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_login_providers_are_read_and_checked() {
        let raw: RawConfig = toml::from_str(
            r#"
[[openid_connect_providers]]
arn = "arn:aws:iam::123456789012:oidc-provider/login.example.com/tenant"
client_ids = ["app"]

[social_providers]
google_issuer = "https://google.test"
"#,
        )
        .unwrap();
        let config = Config::resolve(&ServeArgs::default(), raw).unwrap();
        assert_eq!(
            config.openid_connect_providers[0].issuer,
            "https://login.example.com/tenant"
        );
        assert_eq!(config.social_endpoints.google.issuer, "https://google.test");
        assert_eq!(
            config.social_endpoints.apple,
            cognate_federation::config::AppleEndpoints::default()
        );
        for (text, reason) in [
            (
                "[[openid_connect_providers]]\narn = \"arn:aws:iam::1:saml-provider/x\"\nclient_ids = [\"a\"]",
                "is not an IAM OIDC provider ARN",
            ),
            (
                "[[openid_connect_providers]]\narn = \"arn:aws:iam::1:oidc-provider/x\"\nclient_ids = []",
                "needs at least one client id",
            ),
            (
                "[[saml_providers]]\narn = \"arn:aws:iam::1:saml-provider/x\"",
                "needs exactly one of metadata_file and metadata_url",
            ),
            (
                "[[saml_providers]]\narn = \"arn:aws:iam::1:oidc-provider/x\"\nmetadata_url = \"https://idp\"",
                "is not an IAM SAML provider ARN",
            ),
        ] {
            let raw: RawConfig = toml::from_str(text).unwrap();
            let err = Config::resolve(&ServeArgs::default(), raw).err();
            assert!(
                err.as_ref().is_some_and(|e| e.to_string().contains(reason)),
                "{text}: {err:?}"
            );
        }
    }

    #[test]
    fn social_endpoints_are_overridable_key_by_key() {
        let raw: RawConfig = toml::from_str(
            r#"
[social_endpoints.google]
authorize_url = "http://google.localhost/auth"
issuer = "http://google.localhost"

[social_endpoints.facebook]
graph_base = "http://graph.localhost"

[social_providers]
google_jwks_uri = "http://google.localhost/certs"
"#,
        )
        .unwrap();
        let config = Config::resolve(&ServeArgs::default(), raw).unwrap();
        let google = &config.social_endpoints.google;
        assert_eq!(google.authorize_url, "http://google.localhost/auth");
        assert_eq!(google.issuer, "http://google.localhost");
        assert_eq!(google.jwks_uri, "http://google.localhost/certs");
        let defaults = cognate_federation::SocialEndpoints::default();
        assert_eq!(google.token_url, defaults.google.token_url);
        assert_eq!(
            config.social_endpoints.facebook.graph_base,
            "http://graph.localhost"
        );
        assert_eq!(
            config.social_endpoints.facebook.www_base,
            defaults.facebook.www_base
        );
        let typo = toml::from_str::<RawConfig>(
            "[social_endpoints.google]
authorise_url = \"x\"\n",
        );
        assert!(typo.is_err(), "unknown keys are refused");
    }

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_the_rest() {
        let args = ServeArgs {
            region: Some("eu-west-1".into()),
            ..ServeArgs::default()
        };
        let raw: RawConfig =
            toml::from_str("region = \"us-west-2\"\naccount_id = \"123456789012\"\n").unwrap();
        let config = Config::resolve(&args, raw).unwrap();
        assert_eq!(config.region, "eu-west-1");
        assert_eq!(config.account_id, "123456789012");
        assert_eq!(config.listen.port(), DEFAULT_PORT);
        assert!(config.database_url.starts_with("sqlite://"));
    }

    #[test]
    fn limits_default_to_cognitos_and_are_tunable_within_bounds() {
        let defaults = Config::resolve(&ServeArgs::default(), RawConfig::default()).unwrap();
        assert_eq!(defaults.limits, UserLimits::default());
        let raw: RawConfig =
            toml::from_str("[limits]\ncode_sends_per_hour = 3\nlockout_max_delay_seconds = 3600\n")
                .unwrap();
        let tuned = Config::resolve(&ServeArgs::default(), raw).unwrap();
        assert_eq!(tuned.limits.code_sends_per_hour, 3);
        assert_eq!(tuned.limits.lockout_max_delay_secs, 3600);
        assert_eq!(tuned.limits.code_answers_per_hour, 5);
        for refused in [
            "[limits]\ncode_answers_per_hour = 0\n",
            "[limits]\ncode_answers_per_hour = 1000000\n",
            "[limits]\nlockout_max_delay_seconds = -1\n",
        ] {
            let raw: RawConfig = toml::from_str(refused).unwrap();
            assert!(
                Config::resolve(&ServeArgs::default(), raw).is_err(),
                "{refused}"
            );
        }
        assert!(toml::from_str::<RawConfig>("[limits]\nattempts = 3\n").is_err());
    }

    #[test]
    fn the_database_pool_is_configurable_and_has_fail_fast_defaults() {
        let defaults = Config::resolve(&ServeArgs::default(), RawConfig::default()).unwrap();
        assert_eq!(
            defaults.database_max_connections,
            cognate_store::DEFAULT_POSTGRES_CONNECTIONS
        );
        assert_eq!(
            defaults.database_acquire_timeout,
            cognate_store::DEFAULT_ACQUIRE_TIMEOUT
        );
        let raw: RawConfig =
            toml::from_str("database_max_connections = 40\ndatabase_acquire_timeout_ms = 500\n")
                .unwrap();
        let args = ServeArgs {
            database_max_connections: Some(8),
            ..ServeArgs::default()
        };
        let config = Config::resolve(&args, raw).unwrap();
        assert_eq!(config.database_max_connections, 8, "the flag wins");
        assert_eq!(
            config.database_acquire_timeout,
            std::time::Duration::from_millis(500)
        );
        for zero in [
            "database_max_connections = 0",
            "database_acquire_timeout_ms = 0",
        ] {
            let raw: RawConfig = toml::from_str(zero).unwrap();
            let err = Config::resolve(&ServeArgs::default(), raw).err();
            assert!(
                err.is_some_and(|e| e.to_string().contains("at least 1")),
                "{zero}"
            );
        }
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        let bad_url = ServeArgs {
            database_url: Some("mysql://x".into()),
            ..ServeArgs::default()
        };
        assert!(Config::resolve(&bad_url, RawConfig::default()).is_err());
        assert!(toml::from_str::<RawConfig>("unknown_key = 1").is_err());
    }

    #[test]
    fn cors_origins_default_to_any_and_are_checked() {
        let resolve = |toml_text: &str| {
            let raw: RawConfig = toml::from_str(toml_text).unwrap();
            Config::resolve(&ServeArgs::default(), raw).map(|c| c.cors)
        };
        assert_eq!(resolve("").unwrap(), CorsOrigins::Any);
        assert_eq!(
            resolve("cors_allowed_origins = [\"*\"]").unwrap(),
            CorsOrigins::Any
        );
        assert_eq!(
            resolve("cors_allowed_origins = []").unwrap(),
            CorsOrigins::Off
        );
        assert_eq!(
            resolve(
                "cors_allowed_origins = [\"http://localhost:3000\", \"https://app.example.com\"]"
            )
            .unwrap(),
            CorsOrigins::List(vec![
                HeaderValue::from_static("http://localhost:3000"),
                HeaderValue::from_static("https://app.example.com"),
            ])
        );
        for bad in [
            "cors_allowed_origins = [\"*\", \"http://localhost:3000\"]",
            "cors_allowed_origins = [\"localhost:3000\"]",
            "cors_allowed_origins = [\"https://app.example.com/\"]",
            "cors_allowed_origins = [\"ftp://app.example.com\"]",
        ] {
            let error = resolve(bad).unwrap_err().to_string();
            assert!(
                error.starts_with("cors_allowed_origins: "),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn a_generated_key_file_is_private() {
        let dir = std::env::temp_dir().join(format!("cognate-key-{}", std::process::id()));
        let path = dir.join("kek");
        let _ = std::fs::remove_file(&path);
        let first = load_or_create_key(&path).unwrap();
        let second = load_or_create_key(&path).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
