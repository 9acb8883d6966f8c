//! Online backups of a SQLite database, and putting one back.
//!
//! A backup is `VACUUM INTO`, run on a connection of its own while the server keeps
//! serving: it reads the whole database inside one read transaction, so the copy is the
//! database as of one commit (WAL lets the server's writer go on meanwhile; its later
//! commits are simply not in the copy), and it writes a compact file that needs no WAL
//! beside it. SQLite's online backup API would copy pages in steps and start over whenever
//! the server writes between two steps, which under steady writes may never finish (or
//! must hold a lock for one big step); `VACUUM INTO` has neither problem and runs through
//! the sqlx driver the store already uses.
//!
//! Restoring checks the backup's integrity, then replaces the database file with it (the
//! server must be stopped: a running server would keep writing to the file it opened).
//! The file it replaces is kept beside it as `<name>.before-restore`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

use crate::StoreInitError;

/// Why a backup or restore failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    #[error("backups are for SQLite databases; use pg_dump for PostgreSQL (see the README)")]
    NotSqlite,
    #[error("{0} exists already; choose a new file")]
    TargetExists(PathBuf),
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("the backup {0} failed its integrity check: {1}")]
    Corrupt(PathBuf, String),
    #[error(transparent)]
    Open(#[from] StoreInitError),
    #[error("{0}")]
    Sqlite(String),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// The database file a `sqlite:` URL names.
fn sqlite_path(url: &str) -> Result<PathBuf, BackupError> {
    if !url.starts_with("sqlite:") {
        return Err(BackupError::NotSqlite);
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreInitError::InvalidUrl(e.to_string()))?;
    Ok(options.get_filename().to_owned())
}

async fn open(path: &Path, read_only: bool) -> Result<SqliteConnection, BackupError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .busy_timeout(std::time::Duration::from_secs(30));
    SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| BackupError::Sqlite(e.to_string()))
}

/// Writes a consistent copy of the database at `url` to `out` (a new file). Returns its size.
pub async fn backup_sqlite(url: &str, out: &Path) -> Result<u64, BackupError> {
    let source = sqlite_path(url)?;
    if !source.exists() {
        return Err(BackupError::Missing(source));
    }
    if out.exists() {
        return Err(BackupError::TargetExists(out.to_owned()));
    }
    let mut conn = open(&source, false).await?;
    sqlx::query("VACUUM INTO $1")
        .bind(out.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .map_err(|e| BackupError::Sqlite(format!("VACUUM INTO failed: {e}")))?;
    conn.close()
        .await
        .map_err(|e| BackupError::Sqlite(e.to_string()))?;
    check_integrity(out).await?;
    std::fs::metadata(out)
        .map(|m| m.len())
        .map_err(|e| BackupError::Io(out.to_owned(), e))
}

/// Replaces the database at `url` with the backup at `backup`, after checking it.
pub async fn restore_sqlite(backup: &Path, url: &str) -> Result<(), BackupError> {
    let target = sqlite_path(url)?;
    if !backup.exists() {
        return Err(BackupError::Missing(backup.to_owned()));
    }
    check_integrity(backup).await?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |e| BackupError::Io(path, e)
    };
    let staging = with_suffix(&target, ".restoring");
    std::fs::copy(backup, &staging).map_err(io(&staging))?;
    std::fs::File::open(&staging)
        .and_then(|f| f.sync_all())
        .map_err(io(&staging))?;
    if target.exists() {
        let kept = with_suffix(&target, ".before-restore");
        std::fs::rename(&target, &kept).map_err(io(&kept))?;
    }
    // A WAL or shared-memory file left by the replaced database belongs to it, not to the
    // backup, and SQLite would replay it into the restored file.
    for suffix in ["-wal", "-shm"] {
        let stale = with_suffix(&target, suffix);
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(io(&stale))?;
        }
    }
    std::fs::rename(&staging, &target).map_err(io(&target))?;
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

async fn check_integrity(path: &Path) -> Result<(), BackupError> {
    let mut conn = open(path, true).await?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| BackupError::Corrupt(path.to_owned(), e.to_string()))?;
    conn.close()
        .await
        .map_err(|e| BackupError::Sqlite(e.to_string()))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(BackupError::Corrupt(path.to_owned(), verdict))
    }
}
