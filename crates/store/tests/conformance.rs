//! The `Store` conformance suite (`cognate_testkit::store_suite`) on every backend:
//! SQLite in memory, SQLite in a file (one writer, separate readers, as deployed),
//! when `TEST_POSTGRES_URL` is set, PostgreSQL with a fresh schema per test, and the
//! testkit's in-memory store the domain's own tests run on (so it cannot drift from these).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a panic is how a test fails"
)]

use std::path::PathBuf;
use std::sync::Arc;

use cognate_domain::ports::Store;
use cognate_testkit::store_suite::{self, SuiteFn};
use cognate_testkit::{postgres_url, unique_name};

/// The database files of one SQLite test, removed when the test ends, even by a panic.
struct TempDb(PathBuf);

impl TempDb {
    fn new() -> Self {
        TempDb(std::env::temp_dir().join(format!("{}.db", unique_name("cognate-store-"))))
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

mod sqlite_memory {
    use super::*;

    async fn run(test: SuiteFn) {
        test(cognate_store::connect("sqlite::memory:").await.unwrap()).await;
    }

    cognate_testkit::store_conformance_tests!(run);
}

/// The in-memory store (`cognate_testkit::memory`). `survives_reconnect` and the
/// migration tests are not run on it: it has nothing to reopen and no schema, and what it
/// holds ends with the value.
mod in_memory {
    use super::*;
    use cognate_testkit::memory::MemoryStore;

    async fn run(test: SuiteFn) {
        test(Arc::new(MemoryStore::new())).await;
    }

    cognate_testkit::store_conformance_tests!(run);
}

mod sqlite_file {
    use super::*;

    async fn run(test: SuiteFn) {
        let db = TempDb::new();
        test(cognate_store::connect(&db.url()).await.unwrap()).await;
    }

    cognate_testkit::store_conformance_tests!(run);

    #[tokio::test]
    async fn survives_reconnect() {
        let db = TempDb::new();
        let url = db.url();
        store_suite::survives_reconnect(|| async { cognate_store::connect(&url).await.unwrap() })
            .await;
    }

    #[tokio::test]
    async fn opens_a_database_a_newer_version_migrated() {
        use sqlx::Connection;
        let db = TempDb::new();
        drop(cognate_store::connect(&db.url()).await.unwrap());
        let mut conn = sqlx::SqliteConnection::connect(&db.url()).await.unwrap();
        sqlx::query(NEWER_MIGRATION)
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let store = cognate_store::connect(&db.url()).await.unwrap();
        store.ping().await.unwrap();
    }
}

/// Records a migration no version of this code has, as a newer version would have.
const NEWER_MIGRATION: &str = "INSERT INTO _sqlx_migrations \
     (version, description, success, checksum, execution_time) \
     VALUES (999999, 'from a newer version', true, x'00', 0)";
const NEWER_MIGRATION_POSTGRES: &str = "INSERT INTO _sqlx_migrations \
     (version, description, success, checksum, execution_time) \
     VALUES (999999, 'from a newer version', true, decode('00', 'hex'), 0)";

mod postgres {
    use super::*;

    /// A schema of its own for one test, dropped afterwards (left behind if the test fails,
    /// for a look at what it wrote).
    async fn run(test: SuiteFn) {
        let Some(url) = postgres_url() else { return };
        let schema = unique_name("t_");
        let store = cognate_store::connect_with_schema(&url, &schema)
            .await
            .unwrap_or_else(|e| panic!("TEST_POSTGRES_URL is set but the store cannot open: {e}"));
        test(store).await;
        cognate_store::drop_schema(&url, &schema).await.unwrap();
    }

    cognate_testkit::store_conformance_tests!(run);

    #[tokio::test]
    async fn survives_reconnect() {
        let Some(url) = postgres_url() else { return };
        let schema = unique_name("t_");
        let open = || async {
            cognate_store::connect_with_schema(&url, &schema)
                .await
                .unwrap() as Arc<dyn Store>
        };
        store_suite::survives_reconnect(open).await;
        cognate_store::drop_schema(&url, &schema).await.unwrap();
    }

    #[tokio::test]
    async fn opens_a_database_a_newer_version_migrated() {
        let Some(url) = postgres_url() else { return };
        let schema = unique_name("t_");
        let store = cognate_store::connect_with_schema(&url, &schema)
            .await
            .unwrap();
        drop(store);
        let schema_url = format!(
            "{url}{}options=-c%20search_path%3D{schema}",
            if url.contains('?') { '&' } else { '?' }
        );
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&schema_url)
            .await
            .unwrap();
        sqlx::query(NEWER_MIGRATION_POSTGRES)
            .execute(&mut conn)
            .await
            .unwrap();
        let store = cognate_store::connect_with_schema(&url, &schema)
            .await
            .unwrap();
        store.ping().await.unwrap();
        cognate_store::drop_schema(&url, &schema).await.unwrap();
    }
}
