//! The `Store` conformance suite: what every backend must do, checked the same way on each.
//!
//! Each test takes a fresh, empty store and panics on failure. A backend's test file runs
//! them all with [`store_conformance_tests!`](crate::store_conformance_tests), one
//! `#[tokio::test]` per test; [`ALL`] lists them for other runners. [`survives_reconnect`]
//! is separate because it must open the store twice.
//!
//! The suite checks storage behaviour only (persistence, lookups, ordering, uniqueness,
//! atomicity, cascades, concurrency), never a Cognito rule: those live in the domain.

// This module exists to fail tests, and a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use cognate_domain::ports::{
    AttemptLimit, Conflict, SearchFilter, Store, StoreError, StoreResult, UserQuery,
};
use cognate_domain::user::User;

// `PoolStore` family.
mod pools;
pub use pools::{
    client_round_trip, clients_list_per_pool_in_id_order, pool_delete_takes_everything_in_it,
    pool_round_trip, pools_list_in_id_order,
};
// `UserStore` family.
mod users;
pub use users::{
    alias_moves_within_one_batch, aliases_are_unique_and_the_conflict_names_the_key,
    concurrent_inserts_of_one_username_have_one_winner, prefix_search_takes_values_literally,
    search_exact_and_prefix, user_batches_apply_in_order, user_batches_are_atomic,
    user_counts_are_per_pool, user_delete_frees_keys_and_removes_links, user_lookups,
    user_updates_check_the_version, user_updates_replace_keys, usernames_are_unique_per_pool,
    users_list_in_username_key_order,
};
// `GroupStore` family.
mod groups;
pub use groups::{group_delete_removes_memberships, group_memberships, group_round_trip};
// `CodeStore` family.
mod codes;
pub use codes::{
    attempt_counters_back_off, attempt_counters_cap_reset_and_clear, codes_are_single_use,
    concurrent_reservations_never_exceed_the_limit, concurrent_takes_of_one_code_have_one_winner,
    concurrent_use_once_has_one_winner, single_use_markers_are_used_once,
};
// `SessionStore` family.
mod sessions;
pub use sessions::{
    concurrent_rotations_have_one_winner, session_rotation_is_compare_and_swap,
    sessions_are_found_by_jti_and_refresh_hashes, sessions_are_revoked_one_or_all_of_a_user,
};
// `SigningKeyStore` family.
mod signing_keys;
pub use signing_keys::{
    concurrent_first_signing_keys_have_one_winner,
    concurrent_signing_key_rotations_leave_one_successor,
    signing_keys_have_one_active_key_per_purpose,
};
// `DeploymentStore` family.
mod deployment;
pub use deployment::{
    purge_expired_removes_only_what_expired, settings_keep_the_first_value_or_the_last_put,
    survives_reconnect, wipe_all_empties_every_table,
};
// `OutboxStore` family.
mod outbox;
pub use outbox::outbox_lists_newest_first;
// Remembered devices (the `AuthenticatorStore` half of the port).
mod devices;
pub use devices::{
    devices_round_trip_list_in_key_order_and_go_with_their_user,
    passkeys_round_trip_list_in_id_order_and_go_with_their_user,
};
// Identity pools (the `IdentityStore` family of the port).
mod identity;
pub use identity::{
    concurrent_first_logins_have_one_winner,
    identity_logins_are_unique_per_pool_and_changes_are_atomic,
    identity_pools_round_trip_list_count_and_check_versions, issuer_keys_have_one_active_key,
};
// Domains and resource servers (the `OAuthStore` half of the port).
mod oauth;
pub use oauth::{
    domains_are_unique_across_pools_and_one_per_kind, resource_servers_round_trip_and_list_in_order,
};

// User import jobs, bulk reads and monthly usage (issue 16's families).
mod users_in_out;
pub use users_in_out::{
    all_sessions_list_in_jti_order, import_batches_commit_users_with_progress_or_nothing,
    import_job_leases_have_one_holder_and_lapse,
    import_jobs_round_trip_list_in_id_order_and_go_with_their_pool,
    monthly_usage_counts_distinct_users_and_messages,
};

// Identity providers, signing keys and links (the `IdentityProviderStore` half of the port).
mod federation;
pub use federation::{
    concurrent_claims_of_one_identifier_have_one_winner,
    federated_links_are_unique_and_go_with_their_user,
    identity_providers_round_trip_with_pool_unique_identifiers, pool_signing_keys_keep_the_first,
};

use crate::records::{insert, pool, user};

pub type SuiteFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
/// One suite test: given a fresh store, runs to completion or panics.
pub type SuiteFn = fn(Arc<dyn Store>) -> SuiteFuture;

/// Declares [`ALL`] and `store_conformance_tests!` from one list of test names, so the two
/// cannot drift apart. `$d` is a `$` passed in, which the inner macro needs for its own
/// metavariables.
macro_rules! suite {
    ($d:tt; $($name:ident),+ $(,)?) => {
        /// Every suite test with its name.
        pub const ALL: &[(&str, SuiteFn)] = &[$((stringify!($name), |store| Box::pin($name(store)))),+];

        /// Expands to one `#[tokio::test]` per suite test. The argument is an async fn
        /// `run(test: SuiteFn)` that makes a fresh store, calls `test(store).await`, and
        /// cleans up; it decides what "fresh" means for its backend.
        #[macro_export]
        macro_rules! store_conformance_tests {
            ($d run:path) => {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        $d run(|store| ::std::boxed::Box::pin($crate::store_suite::$name(store))).await;
                    }
                )+
            };
        }
    };
}

suite!($;
    pool_round_trip,
    pools_list_in_id_order,
    pool_delete_takes_everything_in_it,
    client_round_trip,
    clients_list_per_pool_in_id_order,
    user_lookups,
    usernames_are_unique_per_pool,
    aliases_are_unique_and_the_conflict_names_the_key,
    user_updates_check_the_version,
    user_updates_replace_keys,
    user_batches_are_atomic,
    user_batches_apply_in_order,
    alias_moves_within_one_batch,
    search_exact_and_prefix,
    prefix_search_takes_values_literally,
    users_list_in_username_key_order,
    user_delete_frees_keys_and_removes_links,
    user_counts_are_per_pool,
    concurrent_inserts_of_one_username_have_one_winner,
    group_round_trip,
    group_memberships,
    group_delete_removes_memberships,
    codes_are_single_use,
    concurrent_takes_of_one_code_have_one_winner,
    signing_keys_have_one_active_key_per_purpose,
    concurrent_first_signing_keys_have_one_winner,
    concurrent_signing_key_rotations_leave_one_successor,
    settings_keep_the_first_value_or_the_last_put,
    sessions_are_found_by_jti_and_refresh_hashes,
    session_rotation_is_compare_and_swap,
    concurrent_rotations_have_one_winner,
    sessions_are_revoked_one_or_all_of_a_user,
    single_use_markers_are_used_once,
    concurrent_use_once_has_one_winner,
    attempt_counters_cap_reset_and_clear,
    attempt_counters_back_off,
    concurrent_reservations_never_exceed_the_limit,
    purge_expired_removes_only_what_expired,
    outbox_lists_newest_first,
    wipe_all_empties_every_table,
    domains_are_unique_across_pools_and_one_per_kind,
    resource_servers_round_trip_and_list_in_order,
    devices_round_trip_list_in_key_order_and_go_with_their_user,
    passkeys_round_trip_list_in_id_order_and_go_with_their_user,
    import_jobs_round_trip_list_in_id_order_and_go_with_their_pool,
    import_job_leases_have_one_holder_and_lapse,
    import_batches_commit_users_with_progress_or_nothing,
    all_sessions_list_in_jti_order,
    monthly_usage_counts_distinct_users_and_messages,
    identity_pools_round_trip_list_count_and_check_versions,
    identity_logins_are_unique_per_pool_and_changes_are_atomic,
    concurrent_first_logins_have_one_winner,
    issuer_keys_have_one_active_key,
    identity_providers_round_trip_with_pool_unique_identifiers,
    concurrent_claims_of_one_identifier_have_one_winner,
    pool_signing_keys_keep_the_first,
    federated_links_are_unique_and_go_with_their_user,
);

const P: &str = "us-east-1_pool";

const OTHER: &str = "us-east-1_other";

fn conflict(kind: Conflict) -> StoreResult<()> {
    Err(StoreError::Conflict(kind))
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|item| id(item).to_owned()).collect()
}

fn usernames(users: &[User]) -> Vec<String> {
    ids(users, |u| &u.username)
}

async fn with_pools(store: &Arc<dyn Store>, ids: &[&str]) {
    for id in ids {
        store.insert_pool(&pool(id)).await.unwrap();
    }
}

/// Inserts a user with no aliases and only its username searchable.
async fn add_user(store: &Arc<dyn Store>, pool_id: &str, sub: &str, username: &str) -> User {
    let u = user(pool_id, sub, username);
    store
        .save_users(&[insert(&u, &[], &[("username", username)])])
        .await
        .unwrap();
    u
}

async fn list(
    store: &Arc<dyn Store>,
    filter: Option<(&str, &str, bool)>,
    after: Option<&str>,
    limit: u32,
) -> Vec<String> {
    let filter = filter.map(|(attribute, value, prefix)| SearchFilter {
        attribute: attribute.to_owned(),
        value: value.to_owned(),
        prefix,
    });
    let query = UserQuery {
        filter,
        after: after.map(str::to_owned),
        limit,
    };
    usernames(&store.list_users(P, &query).await.unwrap())
}

/// One attempt an hour: a reservation tells whether the counter was on record.
const ONE_PER_HOUR: AttemptLimit = AttemptLimit {
    max_attempts: 1,
    reset_after_ms: 3_600_000,
    backoff: None,
};
