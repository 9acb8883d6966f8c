//! The server under test: a child `cognate serve --dev` process, with its CPU time and memory
//! read from /proc.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct ServerProcess {
    child: Child,
    pub url: String,
    pub database_url: String,
    pub data_dir: std::path::PathBuf,
}

/// Clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

impl ServerProcess {
    /// Starts the server on a free port over `database` (`sqlite` = a fresh file).
    pub async fn start(binary: &str, database: &str) -> anyhow::Result<ServerProcess> {
        Self::start_with_env(binary, database, &[]).await
    }

    /// [`ServerProcess::start`] with extra environment variables (`COGNATE_STS_ENDPOINT`, …).
    pub async fn start_with_env(
        binary: &str,
        database: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<ServerProcess> {
        let data_dir =
            std::env::temp_dir().join(format!("cognate-bench-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir)?;
        let database_url = if database == "sqlite" {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("cognate.db").display()
            )
        } else {
            fresh_schema(database).await?
        };
        Self::spawn(binary, &database_url, &data_dir, env).await
    }

    /// Starts the server over an existing database and data directory (a restart).
    pub async fn start_on(
        binary: &str,
        database_url: &str,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<ServerProcess> {
        Self::spawn(binary, database_url, data_dir, &[]).await
    }

    async fn spawn(
        binary: &str,
        database_url: &str,
        data_dir: &std::path::Path,
        env: &[(&str, &str)],
    ) -> anyhow::Result<ServerProcess> {
        let port = free_port()?;
        let child = Command::new(binary)
            .args(["serve", "--dev", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--database-url", database_url])
            .env("COGNATE_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let server = ServerProcess {
            child,
            url: format!("http://127.0.0.1:{port}"),
            database_url: database_url.to_owned(),
            data_dir: data_dir.to_owned(),
        };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(response) = http.get(format!("{}/health", self.url)).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("the server did not become ready")
    }

    /// User plus system CPU seconds the server has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())) else {
            return f64::NAN;
        };
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        (ticks(11) + ticks(12)) / TICKS_PER_SECOND
    }

    /// (current RSS, peak RSS) in MiB.
    pub fn memory_mib(&self) -> (f64, f64) {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
        else {
            return (f64::NAN, f64::NAN);
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(f64::NAN, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    pub fn stop(mut self) {
        // SIGTERM lets the server finish in-flight requests and close the database cleanly.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A fresh schema in the given PostgreSQL database, so every run starts empty.
async fn fresh_schema(base: &str) -> anyhow::Result<String> {
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    cognate_store::connect_with_schema(base, &schema)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let separator = if base.contains('?') { '&' } else { '?' };
    Ok(format!(
        "{base}{separator}options=-c%20search_path%3D{schema}"
    ))
}
