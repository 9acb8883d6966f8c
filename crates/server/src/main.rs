//! `cognate`: a self-hosted identity server that speaks Amazon Cognito's protocols.
//!
//! Run with `cognate serve --dev` for a local server on 127.0.0.1:9229 with an embedded
//! SQLite database in `./data`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use cognate_domain::signing::RotationMode;
use cognate_server::config::{Config, LogFormat, ServeArgs};
use cognate_server::ops;

#[derive(Debug, Parser)]
#[command(
    name = "cognate",
    version,
    about = "A self-hosted, Cognito-compatible identity server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Operator actions on signing keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Write everything in the database (pools, clients, users with their sealed secrets,
    /// groups, devices, sessions...) to a versioned JSON-lines file.
    Export {
        /// The file to write (`-` for standard output); it must not exist.
        #[arg(long)]
        out: PathBuf,
        /// Seal the secrets for this key-encryption key (a file as the server keeps it)
        /// instead of this server's, for an import into a server with another key.
        #[arg(long)]
        target_key_file: Option<PathBuf>,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Read a file made by `export` into the database (run it again after an interruption:
    /// nothing is duplicated).
    Import {
        /// The file to read (`-` for standard input).
        #[arg(long)]
        file: PathBuf,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Copy everything from one database into another, e.g. from SQLite to PostgreSQL.
    Migrate {
        /// The database to read (`sqlite://…` or `postgres://…`).
        #[arg(long)]
        from: String,
        /// The database to write; its schema is created if need be.
        #[arg(long)]
        to: String,
        /// Re-seal the secrets for this key-encryption key (a file as the server keeps it).
        #[arg(long)]
        target_key_file: Option<PathBuf>,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Write a consistent copy of the server's SQLite database while it runs.
    Backup {
        /// The backup file to create.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Put a backup made by `backup` back in place of the SQLite database (server stopped).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Monthly active users and messages sent, by pool and month.
    Usage {
        #[arg(long)]
        pool_id: Option<String>,
        /// `YYYY-MM` (UTC).
        #[arg(long)]
        month: Option<String>,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Print the messages a dev-mode server recorded instead of (or before) sending them.
    Outbox {
        /// Base URL of a server running with --dev.
        #[arg(long, env = "COGNATE_URL", default_value = "http://127.0.0.1:9229")]
        url: String,
        /// Only messages of this user pool.
        #[arg(long)]
        pool_id: Option<String>,
        /// How many messages, newest first.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
enum KeysAction {
    /// Rotate a pool's signing keys. The new keys are published at once and sign six minutes
    /// later, once every node and every relying party's cached JWKS has them; old keys stay
    /// in the JWKS until their last token expires. Connects to the database the server uses.
    Rotate {
        /// The user pool whose keys to rotate.
        #[arg(long)]
        pool_id: String,
        /// Emergency rotation, for a key that may have leaked: sign with the new keys at once
        /// and withdraw the old ones. Every token the old keys signed is refused (clients
        /// refresh or sign in again), and relying parties refuse new tokens until they fetch
        /// the JWKS again.
        #[arg(long)]
        now: bool,
        #[command(flatten)]
        serve: ServeArgs,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Outbox {
            url,
            pool_id,
            limit,
        } => runtime.block_on(outbox(&url, pool_id.as_deref(), limit)),
        Command::Keys {
            action:
                KeysAction::Rotate {
                    pool_id,
                    now,
                    serve,
                },
        } => runtime.block_on(rotate_keys(&pool_id, now, serve)),
        Command::Export {
            out,
            target_key_file,
            serve,
        } => runtime.block_on(async {
            let config = operator_config(&serve)?;
            ops::export(&config, &out, target_key_file.as_deref()).await
        }),
        Command::Import { file, serve } => {
            runtime.block_on(async { ops::import(&operator_config(&serve)?, &file).await })
        }
        Command::Migrate {
            from,
            to,
            target_key_file,
            serve,
        } => runtime.block_on(async {
            let config = operator_config(&serve)?;
            ops::migrate(&config, &from, &to, target_key_file.as_deref()).await
        }),
        Command::Backup { out, serve } => {
            runtime.block_on(async { ops::backup(&operator_config(&serve)?, &out).await })
        }
        Command::Restore { from, serve } => {
            runtime.block_on(async { ops::restore(&operator_config(&serve)?, &from).await })
        }
        Command::Usage {
            pool_id,
            month,
            serve,
        } => runtime.block_on(async {
            ops::usage(
                &operator_config(&serve)?,
                pool_id.as_deref(),
                month.as_deref(),
            )
            .await
        }),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    init_logging(&config);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let built = cognate_server::build_services(
        &config,
        std::sync::Arc::new(cognate_domain::time::SystemClock),
    )
    .await?;
    let (router, domain) = (built.router, built.domain);
    cognate_server::announce_public_url(&domain).await;
    tracing::info!(
        listen = %listener.local_addr()?,
        database = %redact_url(&config.database_url),
        dev = config.dev,
        "cognate is serving"
    );
    let purger = tokio::spawn(cognate_server::purge_periodically(domain));
    let importer = tokio::spawn(cognate_server::run_import_jobs(built.import_jobs));
    cognate_server::serve(listener, router, config.http_limits(), shutdown_signal()).await?;
    purger.abort();
    importer.abort();
    tracing::info!("cognate stopped");
    Ok(())
}

/// The configuration an operator command runs with, logging warnings only (progress and
/// results go to the terminal).
fn operator_config(args: &ServeArgs) -> anyhow::Result<Config> {
    let config = Config::load(args)?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(std::io::stderr)
        .try_init();
    Ok(config)
}

/// Keeps credentials in a database URL out of the logs.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Text => builder.init(),
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn rotate_keys(pool_id: &str, now: bool, args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    let (_, domain) = cognate_server::build(&config).await?;
    let mode = if now {
        RotationMode::Now
    } else {
        RotationMode::Scheduled
    };
    let rotation = domain
        .rotate_signing_keys(pool_id, mode)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "rotated the signing keys of {pool_id}; new key ids: {} (ID tokens), {} (access tokens)",
        rotation.id_kid, rotation.access_kid
    );
    match mode {
        RotationMode::Scheduled => println!(
            "the new keys are in the JWKS now and sign from {} (in {} seconds); \
             the old keys sign until then and stay in the JWKS until their tokens expire",
            rfc3339(rotation.signs_from),
            cognate_domain::signing::PUBLISH_AHEAD_MS / 1000
        ),
        RotationMode::Now => println!(
            "the new keys sign now; the old keys are withdrawn: every node refuses their tokens \
             within {} seconds",
            cognate_domain::signing::NODE_CACHE_TTL_MS / 1000
        ),
    }
    Ok(())
}

fn rfc3339(at: cognate_domain::Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(at.secs())
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{} (Unix time)", at.secs()))
}

async fn outbox(url: &str, pool_id: Option<&str>, limit: u32) -> anyhow::Result<()> {
    let mut address = format!("{}/_dev/outbox?limit={limit}", url.trim_end_matches('/'));
    if let Some(pool_id) = pool_id {
        // Pool ids are `[\w-]+_[0-9a-zA-Z]+`: nothing in them needs escaping in a query string.
        address.push_str(&format!("&poolId={pool_id}"));
    }
    let response = reqwest::Client::new().get(address).send().await?;
    if !response.status().is_success() {
        anyhow::bail!(
            "the server answered {} (is it running with --dev?)",
            response.status()
        );
    }
    let body: serde_json::Value = response.json().await?;
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    if messages.is_empty() {
        println!("(no messages)");
    }
    for m in messages {
        println!(
            "{}  {}  {} -> {}  [{}] code={}\n    {}",
            m["poolId"].as_str().unwrap_or_default(),
            m["kind"].as_str().unwrap_or_default(),
            m["medium"].as_str().unwrap_or_default(),
            m["destination"].as_str().unwrap_or_default(),
            m["username"].as_str().unwrap_or_default(),
            m["code"].as_str().unwrap_or("-"),
            m["body"]
                .as_str()
                .unwrap_or_default()
                .replace('\n', "\n    "),
        );
    }
    Ok(())
}
