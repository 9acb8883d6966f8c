//! `cognate-bench`: reproducible load and crypto measurements for docs/benchmarks.md.
//!
//! It starts a release `cognate` binary as a child process (dev mode, so a fixed well-formed
//! SigV4 header passes and the load generator spends no CPU on signing), drives it over HTTP
//! with N concurrent clients, and reports throughput, p50/p99 latency and the server's own CPU
//! time per operation (from /proc/<pid>/stat over the measured window), next to the cost of
//! the crypto each operation needs, measured in-process with the same build.
//!
//! Run: `cargo build --release --bin cognate --bin cognate-bench && target/release/cognate-bench all`

mod client;
mod client_credentials;
mod crypto;
mod federated_sign_in;
mod federation;
mod identity_pools;
mod load;
mod scenarios;
mod server;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Cognate benchmarks")]
struct Cli {
    /// The cognate binary to run.
    #[arg(long, default_value = "target/release/cognate")]
    server: String,
    /// `sqlite` (a fresh file) or a PostgreSQL URL (a fresh schema is created in it).
    #[arg(long, default_value = "sqlite")]
    database: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds per measured run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Per-operation crypto cost: RS256 sign/verify, 3072-bit modexp, SRP server work.
    Crypto,
    /// Sign-in flows: SRP, password, refresh, GetUser (and their rate at 70% of peak).
    Flows {
        /// Run only the flows whose name contains this text (e.g. `GetUser`).
        #[arg(long)]
        only: Option<String>,
    },
    /// Administration at scale: AdminCreateUser, AdminGetUser and ListUsers by email prefix.
    Admin {
        /// Users in the pool when AdminGetUser and ListUsers are measured.
        #[arg(long, default_value_t = 100_000)]
        users: usize,
    },
    /// Server memory with many users stored (seeded straight into the store).
    Memory {
        #[arg(long, default_value_t = 1_000_000)]
        users: usize,
    },
    /// The client_credentials grant at a domain's token endpoint (machine-to-machine tokens).
    ClientCredentials,
    /// The federation engine's cost per check: SAML Responses (samlify fixtures) and an
    /// upstream ID token, in-process.
    Federation,
    /// Federated sign-in through the hosted flow, the upstream OIDC provider a second
    /// cognate on this machine: sign-ins per second and both servers' CPU per sign-in.
    FederatedSignIn,
    /// Identity pools: GetId + GetCredentialsForIdentity for signed-in users (dev minting and
    /// an STS stand-in).
    IdentityPools,
    /// Crypto, flows and admin, one after the other.
    All,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = load::Settings {
        concurrency: cli.concurrency,
        seconds: cli.seconds,
    };
    match cli.command {
        Command::Crypto => crypto::report(),
        Command::Flows { only } => {
            scenarios::flows(&cli.server, &cli.database, settings, only.as_deref()).await?
        }
        Command::Admin { users } => {
            scenarios::admin(&cli.server, &cli.database, settings, users).await?
        }
        Command::ClientCredentials => {
            client_credentials::run(&cli.server, &cli.database, settings).await?
        }
        Command::Federation => federation::report().await?,
        Command::FederatedSignIn => {
            federated_sign_in::run(&cli.server, &cli.database, settings).await?
        }
        Command::IdentityPools => identity_pools::run(&cli.server, &cli.database, settings).await?,
        Command::Memory { users } => scenarios::memory(&cli.server, &cli.database, users).await?,
        Command::All => {
            crypto::report();
            scenarios::flows(&cli.server, &cli.database, settings, None).await?;
            scenarios::admin(&cli.server, &cli.database, settings, 100_000).await?;
        }
    }
    Ok(())
}
