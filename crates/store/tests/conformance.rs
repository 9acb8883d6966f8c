//! The `Store` conformance suite (`cognate_testkit::store_suite`) on every backend:
//! SQLite in memory, SQLite in a file (one writer, separate readers, as deployed) and,
//! when `TEST_POSTGRES_URL` is set, PostgreSQL with a fresh schema per test.

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
}

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
}
