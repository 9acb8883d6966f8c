//! A PostgreSQL cluster of the test's own, in a temporary directory on a free port, that the
//! test may stop and start while nodes run (the shared database of `TEST_POSTGRES_URL` must
//! never be stopped). Made the way `.ci/run` makes its cluster: `initdb` and `pg_ctl` from
//! the newest `/usr/lib/postgresql/*/bin`, run as the `postgres` OS user when the tests run
//! as root (PostgreSQL refuses to run as root).

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

/// The newest installed PostgreSQL's binaries, if any.
fn binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A command that runs `program` as the `postgres` user when we are root.
fn as_postgres(program: &Path) -> Command {
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(mut command: Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl PrivatePostgres {
    /// Creates and starts the cluster. `None` (the test is skipped) only when PostgreSQL is
    /// not installed and `TEST_POSTGRES_URL` is not set; CI sets it, so there a missing
    /// installation fails the test instead.
    pub fn start() -> Option<PrivatePostgres> {
        let Some(bin) = binaries() else {
            assert!(
                crate::support::postgres_url().is_none(),
                "TEST_POSTGRES_URL is set, so the PostgreSQL binaries must be installed too \
                 (initdb and pg_ctl under /usr/lib/postgresql/<version>/bin)"
            );
            eprintln!("PostgreSQL is not installed: skipping the test that restarts it");
            return None;
        };
        let dir =
            std::env::temp_dir().join(format!("cognate-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        if running_as_root() {
            let mut chown = Command::new("chown");
            chown.arg("postgres:postgres").arg(&dir);
            run(chown, "chown of the cluster directory");
        }
        let mut initdb = as_postgres(&bin.join("initdb"));
        initdb.arg("-D").arg(dir.join("data")).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ]);
        run(initdb, "initdb");
        let cluster = PrivatePostgres {
            bin,
            dir,
            port: free_port(),
        };
        cluster.start_server();
        Some(cluster)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start_server(&self) {
        let mut start = as_postgres(&self.bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .arg("-w")
            .arg("-o")
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100",
                self.port,
                self.dir.display()
            ))
            .arg("start");
        run(start, "pg_ctl start");
    }

    /// Stops the server the way a crash would (`immediate`: no shutdown checkpoint), so what
    /// survives is what was committed.
    pub fn crash(&self) {
        let mut stop = as_postgres(&self.bin.join("pg_ctl"));
        stop.arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"]);
        run(stop, "pg_ctl stop");
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let mut stop = as_postgres(&self.bin.join("pg_ctl"));
        stop.arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = stop.output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
