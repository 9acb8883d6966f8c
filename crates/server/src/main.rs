//! `cognate`: a self-hosted identity server that speaks Amazon Cognito's protocols.
//!
//! Run with `cognate serve --dev` for a local server on 127.0.0.1:9229 with an embedded
//! SQLite database in `./data`.

use clap::{Parser, Subcommand};
use cognate_server::config::{Config, LogFormat, ServeArgs};

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
    /// Rotate a pool's signing keys: new tokens use new keys; old keys stay in the JWKS until
    /// their last token expires. Connects to the database the server uses.
    Rotate {
        /// The user pool whose keys to rotate.
        #[arg(long)]
        pool_id: String,
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
            action: KeysAction::Rotate { pool_id, serve },
        } => runtime.block_on(rotate_keys(&pool_id, serve)),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    init_logging(&config);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let (router, domain) = cognate_server::build(&config).await?;
    tracing::info!(
        listen = %listener.local_addr()?,
        database = %redact_url(&config.database_url),
        dev = config.dev,
        "cognate is serving"
    );
    let purger = tokio::spawn(cognate_server::purge_periodically(domain));
    cognate_server::serve(listener, router, shutdown_signal()).await?;
    purger.abort();
    tracing::info!("cognate stopped");
    Ok(())
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

async fn rotate_keys(pool_id: &str, args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&args)?;
    let (_, domain) = cognate_server::build(&config).await?;
    let kids = domain
        .rotate_signing_keys(pool_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "rotated the signing keys of {pool_id}; new key ids: {}",
        kids.join(", ")
    );
    Ok(())
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
