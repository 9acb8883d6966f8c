//! The operator commands beside `serve`: `export`, `import` and `migrate` (over the
//! domain's `transfer`), `backup` and `restore` (SQLite files, over the store's `backup`),
//! and `usage` (monthly active users). `main.rs` parses the command line and calls these.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use async_trait::async_trait;
use cognate_domain::Keyring;
use cognate_domain::ports::Store;
use cognate_domain::time::{Clock, SystemClock};
use cognate_domain::transfer::{
    self, FORMAT_VERSION, FileEnd, FileHeader, Importer, Line, Record, RecordSink, Rekey,
};

use crate::config::{Config, KeySource};
use crate::progress::CliProgress;

/// The key-encryption key a configuration names. An existing deployment's key must exist:
/// one made up now would open none of its secrets.
fn existing_keyring(config: &Config) -> anyhow::Result<Keyring> {
    let key = match &config.key_encryption_key {
        KeySource::Given(key) => *key,
        KeySource::File(path) => {
            if !path.exists() {
                bail!(
                    "no key-encryption key at {}: point --data-dir or --config at the server's",
                    path.display()
                );
            }
            crate::config::load_or_create_key(path)?
        }
    };
    Keyring::new(key).map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// The key-encryption key of a new deployment: its configured key, created if need be.
fn target_keyring(config: &Config) -> anyhow::Result<Keyring> {
    let key = match &config.key_encryption_key {
        KeySource::Given(key) => *key,
        KeySource::File(path) => crate::config::load_or_create_key(path)?,
    };
    Keyring::new(key).map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// A key given on the command line as a file in the server's own format (base64 of 32 bytes).
fn key_file(path: &Path) -> anyhow::Result<Keyring> {
    if !path.exists() {
        bail!("no key file at {}", path.display());
    }
    let key = crate::config::load_or_create_key(path)?;
    Keyring::new(key).map_err(|e| anyhow::anyhow!("{e:?}"))
}

async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    cognate_store::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
}

/// Writes each record as a line of the file.
struct FileSink<W: Write + Send> {
    out: W,
    records: u64,
}

impl<W: Write + Send> FileSink<W> {
    fn line(&mut self, line: &Line) -> anyhow::Result<()> {
        let text = transfer::line_text(line).map_err(|e| anyhow::anyhow!("{e}"))?;
        writeln!(self.out, "{text}").context("cannot write the export file")
    }
}

#[async_trait]
impl<W: Write + Send> RecordSink for FileSink<W> {
    async fn put(&mut self, record: Record) -> cognate_domain::Result<()> {
        self.records += 1;
        self.line(&Line::Record(Box::new(record)))
            .map_err(|e| cognate_domain::Error::internal(e.to_string()))
    }
}

/// `cognate export`: everything in the configured database, to `out` (`-` for stdout).
pub async fn export(config: &Config, out: &Path, target_key: Option<&Path>) -> anyhow::Result<()> {
    let store = open(&config.database_url).await?;
    let keys = existing_keyring(config)?;
    let target = target_key.map(key_file).transpose()?;
    let sealed_for = target.as_ref().unwrap_or(&keys);
    let writer: Box<dyn Write + Send> = if out == Path::new("-") {
        Box::new(std::io::stdout())
    } else {
        if out.exists() {
            bail!("{} exists already; choose a new file", out.display());
        }
        Box::new(
            std::fs::File::create(out)
                .with_context(|| format!("cannot create {}", out.display()))?,
        )
    };
    let mut sink = FileSink {
        out: BufWriter::new(writer),
        records: 0,
    };
    sink.line(&Line::CognateExport(FileHeader {
        version: FORMAT_VERSION,
        key_id: transfer::key_id(sealed_for),
        created: SystemClock.now(),
    }))?;
    let rekey = target.as_ref().map(|to| Rekey { from: &keys, to });
    let progress = CliProgress::new("exported");
    let counts = transfer::export(&store, rekey.as_ref(), &mut sink, &progress)
        .await
        .map_err(|e| anyhow::anyhow!("export failed: {e} {}", e.detail().unwrap_or("")))?;
    let records = sink.records;
    sink.line(&Line::End(FileEnd { records }))?;
    sink.out.flush().context("cannot write the export file")?;
    progress.summary(&counts);
    Ok(())
}

/// `cognate import`: a file made by `export` into the configured database. Running it again
/// after an interruption writes what is missing and duplicates nothing.
pub async fn import(config: &Config, file: &Path) -> anyhow::Result<()> {
    let keys = target_keyring(config)?;
    let reader: Box<dyn BufRead> = if file == Path::new("-") {
        Box::new(BufReader::new(std::io::stdin().lock()))
    } else {
        Box::new(BufReader::new(
            std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
        ))
    };
    let mut lines = reader.lines();
    let header = lines
        .next()
        .transpose()
        .context("cannot read the file")?
        .context("the file is empty")?;
    match transfer::parse_line(&header) {
        Ok(Line::CognateExport(header)) => {
            if header.version != FORMAT_VERSION {
                bail!(
                    "the file is format version {}; this cognate reads version {FORMAT_VERSION}",
                    header.version
                );
            }
            if header.key_id != transfer::key_id(&keys) {
                bail!(
                    "the file's secrets are sealed for another key-encryption key than this server's; export again with --target-key-file naming this server's key"
                );
            }
        }
        _ => bail!("the file does not start with a Cognate export header"),
    }
    let store = open(&config.database_url).await?;
    let progress = CliProgress::new("imported");
    let mut importer = Importer::new(store, &progress);
    let mut read = 0u64;
    let mut end = None;
    for (number, line) in lines.enumerate() {
        let line = line.context("cannot read the file")?;
        if line.trim().is_empty() {
            continue;
        }
        match transfer::parse_line(&line) {
            Ok(Line::Record(record)) => {
                read += 1;
                importer.put(*record).await.map_err(|e| {
                    anyhow::anyhow!("line {}: {e} {}", number + 2, e.detail().unwrap_or(""))
                })?;
            }
            Ok(Line::End(footer)) => {
                end = Some(footer);
                break;
            }
            Ok(Line::CognateExport(_)) => bail!("line {}: a second header", number + 2),
            Err(e) => bail!("line {}: {e}", number + 2),
        }
    }
    let counts = importer
        .finish()
        .await
        .map_err(|e| anyhow::anyhow!("{e} {}", e.detail().unwrap_or("")))?;
    progress.summary(&counts);
    match end {
        Some(FileEnd { records }) if records == read => Ok(()),
        Some(FileEnd { records }) => {
            bail!("the file says it holds {records} records, but {read} were read")
        }
        None => bail!(
            "the file ends without its end line: it is incomplete ({read} records were imported; import the complete file to finish)"
        ),
    }
}

/// `cognate migrate`: everything from one database into another, in one step.
pub async fn migrate(
    config: &Config,
    from: &str,
    to: &str,
    target_key: Option<&Path>,
) -> anyhow::Result<()> {
    let keys = existing_keyring(config)?;
    let target = target_key.map(key_file).transpose()?;
    let source = open(from).await?;
    let destination = open(to).await?;
    let rekey = target.as_ref().map(|to| Rekey { from: &keys, to });
    let progress = CliProgress::new("migrated");
    let mut importer = Importer::new(destination, &progress);
    let exported = transfer::export(&source, rekey.as_ref(), &mut importer, &transfer::Quiet)
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e} {}", e.detail().unwrap_or("")))?;
    let mut counts = importer
        .finish()
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e} {}", e.detail().unwrap_or("")))?;
    counts.sessions_dropped = exported.sessions_dropped;
    progress.summary(&counts);
    Ok(())
}

/// `cognate backup`: a consistent copy of the (running) server's SQLite database.
pub async fn backup(config: &Config, out: &Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bytes = cognate_store::backup::backup_sqlite(&config.database_url, out).await?;
    eprintln!(
        "backed up to {} ({bytes} bytes, {:.1} s); it passed SQLite's integrity check",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cognate restore`: puts a backup back (with the server stopped).
pub async fn restore(config: &Config, from: &Path) -> anyhow::Result<()> {
    cognate_store::backup::restore_sqlite(from, &config.database_url).await?;
    eprintln!(
        "restored {}; the database it replaced is kept as <database>.before-restore",
        from.display()
    );
    Ok(())
}

/// `cognate usage`: monthly active users and messages, by pool and month.
pub async fn usage(
    config: &Config,
    pool_id: Option<&str>,
    month: Option<&str>,
) -> anyhow::Result<()> {
    let store = open(&config.database_url).await?;
    let month = month
        .map(cognate_domain::usage::parse_month)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let rows = store
        .usage(pool_id, month.as_deref())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{:<28} {:<8} {:>12} {:>10} {:>10}",
        "POOL", "MONTH", "ACTIVE_USERS", "EMAILS", "SMS"
    );
    for row in rows {
        println!(
            "{:<28} {:<8} {:>12} {:>10} {:>10}",
            row.pool_id, row.month, row.active_users, row.emails, row.sms
        );
    }
    Ok(())
}
