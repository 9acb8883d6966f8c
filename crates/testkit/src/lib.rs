//! cognate-testkit: what Cognate's tests share.
//!
//! - [`store_suite`]: the `Store` conformance suite every backend must pass, run on
//!   SQLite, PostgreSQL and [`memory::MemoryStore`] by `crates/store/tests/conformance.rs`.
//! - [`memory`]: the whole `Store` port in memory ([`memory::MemoryStore`]), for the
//!   domain's fast tests; the conformance suite runs on it too.
//! - [`domain`]: the real `Domain` on the in-memory store with a manual clock, seeded
//!   randomness and recording sender and triggers ([`domain::TestDomain`]).
//! - [`records`]: small constructors for domain records.
//! - [`unique_name`] and [`postgres_url`]: isolating tests that share a database.
//!
//! # Invariant
//! Test support only, and backend-neutral: this crate depends on `domain`, never on
//! `store` (the store's tests depend on it, so that would be a cycle). Suites take an
//! `Arc<dyn Store>`; the caller decides which backend it is.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub mod domain;
pub mod memory;
pub mod records;
pub mod store_suite;

/// The environment variable naming the PostgreSQL database tests may use.
pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

/// The PostgreSQL URL the tests should use, when one is configured. PostgreSQL tests run
/// only then; when it is set, a database that cannot be reached must fail them, not skip.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A name no other test in any process is using now: `prefix`, then the process id, the
/// clock and a counter, in lower-case hex. Fits a PostgreSQL identifier for short prefixes.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{:x}_{nanos:x}_{n:x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_differ_and_are_plain_identifiers() {
        let a = unique_name("t_");
        let b = unique_name("t_");
        assert_ne!(a, b);
        assert!(a.len() <= 63, "{a}");
        assert!(
            a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'),
            "{a}"
        );
    }

    #[test]
    fn the_suite_lists_every_test_once() {
        let mut names: Vec<&str> = store_suite::ALL.iter().map(|(name, _)| *name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        assert!(count >= 20, "{count}");
    }
}
