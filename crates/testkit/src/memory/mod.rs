//! [`MemoryStore`]: the whole store port in memory, for tests of the domain that need no
//! database.
//!
//! It keeps the semantics of the SQL store (`cognate-store`'s `sql.rs` and `sql/*.rs`):
//! the same uniqueness rules and conflicts, the same ordering and paging with `after`, the
//! same cascades when a pool or a user goes, the same "expired" (`expires < now` for the
//! purge, `expires <= now` for an attempt counter to start afresh). The conformance suite
//! (`store_suite`) runs on it as on SQLite and PostgreSQL, so it cannot drift.
//!
//! One [`Mutex`] guards all the state, and every call takes it once: each check-and-write
//! the port promises atomic (uniqueness, versions, `take_code`, `use_once`,
//! `reserve_attempt`, `rotate_session`, leases, first-login claims) is one locked step.
//! A call that writes several rows (`MemoryStore::atomically`) works on a copy and swaps it in
//! only when every row went in, so it is all or nothing by construction; the copy costs
//! nothing at the sizes tests use.
//!
//! One module per record family, each with the `impl` of its family trait (`Store` is their
//! sum, so `MemoryStore` is a `Store`).

use std::sync::{Mutex, MutexGuard};

use cognate_domain::ports::{Conflict, StoreError, StoreResult};

mod authenticators;
mod branding;
mod bulk;
mod codes;
mod deployment;
mod groups;
mod identity;
mod identity_providers;
mod import_jobs;
mod oauth;
mod outbox;
mod pools;
mod sessions;
mod signing_keys;
mod state;
mod usage;
mod users;

use state::State;

/// The store port in memory. Cheap to make: one per test.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the state under the lock. A lock poisoned by a panic elsewhere is a
    /// backend failure, as a lost connection would be.
    fn with<T>(&self, f: impl FnOnce(&mut State) -> StoreResult<T>) -> StoreResult<T> {
        let mut state = self.lock()?;
        f(&mut state)
    }

    /// Runs `f` on a copy of the state and keeps the copy only if `f` succeeds: a write of
    /// several rows is all or nothing.
    fn atomically<T>(&self, f: impl FnOnce(&mut State) -> StoreResult<T>) -> StoreResult<T> {
        let mut state = self.lock()?;
        let mut draft = state.clone();
        let out = f(&mut draft)?;
        *state = draft;
        Ok(out)
    }

    fn lock(&self) -> StoreResult<MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| StoreError::Backend("the in-memory store's lock is poisoned".into()))
    }
}

fn conflict<T>(kind: Conflict) -> StoreResult<T> {
    Err(StoreError::Conflict(kind))
}

/// `limit` as a count of items (a `u32` always fits a `usize` on the platforms we build).
fn take(limit: u32) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

/// Whether a key is past the page's `after` bound (keys are strictly after it).
fn after_bound(key: &str, after: Option<&str>) -> bool {
    after.is_none_or(|after| key > after)
}

/// Owned key parts, for the maps' tuple keys.
fn k(part: &str) -> String {
    part.to_owned()
}
