//! The `cognate` server: configuration, wiring of the store, the domain and the HTTP surface,
//! and graceful shutdown. `main.rs` is the command line over this library; the integration
//! tests use [`spawn`] to run a real server on `127.0.0.1:0`.

pub mod config;
pub mod http;
pub mod ops;
pub mod outbound;
mod progress;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context;
use cognate_api::AppState;
use cognate_api::identity_api::IdentityState;
use cognate_api::sigv4::SigV4Settings;
use cognate_domain::external::ExternalIdentityProviders;
use cognate_domain::federation::{FederationPorts, FederationService};
use cognate_domain::identity_pool::{
    CredentialIssuer, IdentityConfig, IdentityPools, IdentityPorts,
};
use cognate_domain::import_jobs::ImportJobs;
use cognate_domain::keys::KeyCheck;
use cognate_domain::ports::IdentityProviderStore;
use cognate_domain::time::{Clock, SystemClock};
use cognate_domain::{Domain, DomainConfig, Keyring, Ports};
use cognate_federation::{Federation, FederationConfig};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::{Config, KeySource};
use crate::outbound::{Outbound, SmsWebhook, SmtpMailer};

/// Builds the domain and the router from a configuration.
pub async fn build(config: &Config) -> anyhow::Result<(axum::Router, Arc<Domain>)> {
    build_with_clock(config, Arc::new(SystemClock)).await
}

/// Like [`build`], with the clock injected (tests move time forward to expire codes and tokens).
pub async fn build_with_clock(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<(axum::Router, Arc<Domain>)> {
    let built = build_services(config, clock).await?;
    Ok((built.router, built.domain))
}

/// What [`build_services`] makes: the router and the services whose background work the
/// caller runs (see [`run_import_jobs`]).
pub struct Built {
    pub router: axum::Router,
    pub domain: Arc<Domain>,
    pub import_jobs: Arc<ImportJobs>,
}

/// Builds the domain, its services and the router.
pub async fn build_services(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Built> {
    if config.database_url.starts_with("sqlite:") {
        config::create_private_dir(&config.data_dir)?;
    }
    let store_options = cognate_store::StoreOptions {
        max_connections: config.database_max_connections,
        acquire_timeout: config.database_acquire_timeout,
        schema: None,
    };
    let store = cognate_store::connect_with(&config.database_url, &store_options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    let key = match &config.key_encryption_key {
        KeySource::Given(key) => *key,
        KeySource::File(path) => config::load_or_create_key(path)?,
    };
    let keys = Keyring::new(key).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let identity_keys = Keyring::new(key).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let random: Arc<dyn cognate_crypto::random::RandomSource> =
        Arc::new(cognate_crypto::random::SystemRandom);
    let sender = Outbound {
        smtp: config.smtp.as_ref().map(SmtpMailer::new).transpose()?,
        sms: config.sms.as_ref().map(SmsWebhook::new).transpose()?,
        dev: config.dev,
    };
    let ports = Ports {
        store: store.clone(),
        sender: Arc::new(sender),
        triggers: Arc::new(outbound::HttpTriggers::new(
            &config.triggers,
            config.trigger_timeout,
        )?),
        clock: clock.clone(),
        random: random.clone(),
    };
    let domain = Arc::new(Domain::new(
        ports,
        keys,
        DomainConfig {
            region: config.region.clone(),
            account_id: config.account_id.clone(),
            public_url: config.public_url.clone(),
            auth_domain: config.auth_domain.clone(),
            dev_outbox: config.dev,
            custom_sender_key: config.custom_sender_key.map(cognate_crypto::Secret::new),
            limits: config.limits,
        },
    ));
    check_key_encryption_key(&domain, config).await?;
    // One engine for both services, so its caches (discovery, JWKS, metadata) are shared.
    let external = external_providers(config)?;
    let federation_store: Arc<dyn IdentityProviderStore> = store.clone();
    let federation = Arc::new(FederationService::new(
        FederationPorts {
            store: federation_store,
            external: external.clone(),
            directory: domain.clone(),
            clock: clock.clone(),
            random: random.clone(),
        },
        Keyring::new(key).map_err(|e| anyhow::anyhow!("{e:?}"))?,
    ));
    let identity = IdentityPools::new(
        IdentityPorts {
            store,
            user_pools: domain.clone(),
            external,
            credentials: credential_issuer(config, random.clone())?,
            clock,
            random,
        },
        identity_keys,
        IdentityConfig {
            region: config.region.clone(),
            account_id: config.account_id.clone(),
            public_url: config.public_url.clone(),
            openid_connect_providers: config.openid_connect_providers.clone(),
            saml_providers: config.saml_providers.clone(),
        },
    );
    let sigv4 = SigV4Settings {
        service: "cognito-idp".to_owned(),
        // Dev mode is a drop-in for Cognito in any region: the SDKs' default regions vary,
        // and a pool created through a region carries that region in its id and ARN.
        regions: if config.dev {
            Vec::new()
        } else {
            vec![config.region.clone()]
        },
        max_skew: std::time::Duration::from_secs(15 * 60),
        dev_mode: config.dev,
    };
    let access_keys: HashMap<String, String> = config
        .access_keys
        .iter()
        .map(|k| (k.id.clone(), k.secret.clone()))
        .collect();
    let metrics = metrics_handle();
    let import_jobs = Arc::new(ImportJobs::new(domain.clone()));
    let state = AppState {
        domain: domain.clone(),
        import_jobs: import_jobs.clone(),
        federation,
        identity: IdentityState {
            pools: Arc::new(identity),
            sigv4: Arc::new(SigV4Settings {
                service: "cognito-identity".to_owned(),
                ..sigv4.clone()
            }),
        },
        sigv4: Arc::new(sigv4),
        access_keys: Arc::new(access_keys),
        max_body_bytes: config.max_body_bytes,
        metrics: metrics
            .map(|handle| Arc::new(move || handle.render()) as cognate_api::MetricsRenderer),
        dev: config.dev,
        cors: config.cors.clone(),
    };
    Ok(Built {
        router: cognate_api::router(state),
        domain,
        import_jobs,
    })
}

/// The federation engine that checks external providers' tokens. In dev mode it may call
/// `http://` providers on loopback; otherwise https only.
fn external_providers(config: &Config) -> anyhow::Result<Arc<dyn ExternalIdentityProviders>> {
    let engine = Federation::new(FederationConfig {
        dev_mode: config.dev,
        endpoints: config.social_endpoints.clone(),
        ..FederationConfig::default()
    })
    .map_err(|e| anyhow::anyhow!("cannot set up the federation engine: {e}"))?;
    Ok(Arc::new(engine))
}

/// Refuses to start a node whose key-encryption key differs from the one the database's
/// secrets are sealed with: it could open none of them, and would answer every sign-in
/// with an internal error while its `/health` said ready.
async fn check_key_encryption_key(domain: &Domain, config: &Config) -> anyhow::Result<()> {
    let check = domain.check_key_encryption_key().await.map_err(|e| {
        anyhow::anyhow!(
            "cannot check the key-encryption key against the database: {}",
            e.detail().unwrap_or(&e.message)
        )
    })?;
    match check {
        KeyCheck::Matches => Ok(()),
        KeyCheck::Recorded => {
            tracing::info!("recorded the key-encryption key's check value in the database");
            Ok(())
        }
        KeyCheck::Mismatch => {
            let source = match &config.key_encryption_key {
                KeySource::Given(_) => {
                    "COGNATE_KEY_ENCRYPTION_KEY or key_encryption_key in the configuration file"
                        .to_owned()
                }
                KeySource::File(path) => format!("the key file {}", path.display()),
            };
            anyhow::bail!(
                "the key-encryption key (from {source}) is not the one this database's secrets \
                 are sealed with; every node of a deployment, and `cognate keys rotate`, must \
                 use the same key-encryption key"
            )
        }
    }
}

/// Logs the issuer this node signs tokens under, and warns when the node started before it
/// used another public URL: a token is accepted only by nodes that share its issuer.
pub async fn announce_public_url(domain: &Domain) {
    let public_url = &domain.config().public_url;
    tracing::info!(
        public_url = %public_url,
        issuer = %format!("{public_url}/<poolId>"),
        "tokens are issued under this public URL"
    );
    match domain.record_public_url().await {
        Ok(Some(previous)) => tracing::warn!(
            public_url = %public_url,
            previous = %previous,
            "the node started before this one used another public URL: tokens either issues \
             are refused by the other; give every node the same --public-url"
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(
            detail = e.detail().unwrap_or(&e.message),
            "cannot record the public URL"
        ),
    }
}

/// Where identity pools get AWS credentials: the configured STS endpoint, else in dev mode
/// credentials minted locally, else none (GetCredentialsForIdentity then says so).
fn credential_issuer(
    config: &Config,
    random: Arc<dyn cognate_crypto::random::RandomSource>,
) -> anyhow::Result<Arc<dyn CredentialIssuer>> {
    Ok(match &config.sts {
        Some(sts) => Arc::new(outbound::StsClient::new(
            &sts.endpoint,
            std::time::Duration::from_secs(sts.timeout_seconds.unwrap_or(5)),
        )?),
        None if config.dev => Arc::new(outbound::LocalCredentials::new(random)),
        None => Arc::new(outbound::NoCredentials),
    })
}

/// The process-wide Prometheus recorder. The `metrics` facade allows one recorder per
/// process, so it is installed once and shared by every server in the process (tests run many).
fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|()| handle)
        })
        .clone()
}

/// Serves until `shutdown` resolves, then finishes in-flight requests, within the
/// configuration's connection, deadline and body limits (see [`http`]).
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: http::HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    http::serve(listener, router, limits, shutdown)
        .await
        .context("server failed")
}

/// Deletes expired sessions and spent markers every ten minutes, on every node (the deletes
/// are idempotent, so nodes need not coordinate).
pub async fn purge_periodically(domain: Arc<Domain>) {
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        interval.tick().await;
        match domain.purge_expired().await {
            Ok(rows) if rows > 0 => tracing::info!(rows, "purged expired sessions and markers"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging expired state failed"),
        }
    }
}

/// Runs this node's share of user import jobs: every second it claims runnable jobs (any
/// node may claim any job; leases in the store keep two nodes off one job) and runs them.
pub async fn run_import_jobs(jobs: Arc<ImportJobs>) {
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(1));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(e) = jobs.work().await {
            tracing::warn!(error = %e, detail = e.detail().unwrap_or(""), "user import worker failed; retrying");
        }
    }
}

/// A server running in the background, for tests and embedding.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub domain: Arc<Domain>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    worker: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.worker.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await.context("server task panicked")?
    }
}

/// Binds `config.listen` (use port 0 for a free port) and serves in the background.
pub async fn spawn(config: Config) -> anyhow::Result<RunningServer> {
    spawn_with_clock(config, Arc::new(SystemClock)).await
}

/// Like [`spawn`], with the clock injected.
pub async fn spawn_with_clock(
    mut config: Config,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    if config.public_url.ends_with(":0") {
        config.public_url = format!("http://{addr}");
    }
    let built = build_services(&config, clock).await?;
    announce_public_url(&built.domain).await;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(
        listener,
        built.router,
        config.http_limits(),
        async move {
            let _ = rx.await;
        },
    ));
    let worker = tokio::spawn(run_import_jobs(built.import_jobs));
    Ok(RunningServer {
        addr,
        domain: built.domain,
        shutdown: Some(tx),
        task,
        worker,
    })
}
