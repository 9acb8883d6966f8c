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
    AttemptLimit, Backoff, Conflict, SearchFilter, Store, StoreError, StoreResult, UserQuery,
    UserWrite,
};
use cognate_domain::signing::{KeyPurpose, SigningKeyRecord};
use cognate_domain::time::Timestamp;
use cognate_domain::user::User;

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

use crate::records::{
    T0, client, code, group, insert, outbox_entry, pool, rotated, session, signing_key, update,
    user,
};

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

pub async fn pool_round_trip(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    let mut p = pool(P);
    store.insert_pool(&p).await.unwrap();
    assert_eq!(store.get_pool(P).await.unwrap(), Some(p.clone()));
    assert_eq!(store.insert_pool(&p).await, conflict(Conflict::Exists));
    assert_eq!(store.get_pool("us-east-1_none").await.unwrap(), None);

    let read = p.version;
    p.version += 1;
    p.name = "renamed".to_owned();
    store.update_pool(&p, read).await.unwrap();
    assert_eq!(store.get_pool(P).await.unwrap(), Some(p.clone()));

    let mut stale = p.clone();
    stale.name = "from a stale read".to_owned();
    stale.version = read + 1;
    assert_eq!(
        store.update_pool(&stale, read).await,
        conflict(Conflict::Version)
    );
    assert_eq!(store.get_pool(P).await.unwrap(), Some(p.clone()));

    let ghost = pool("us-east-1_ghost");
    assert_eq!(
        store.update_pool(&ghost, 1).await,
        conflict(Conflict::Missing)
    );
    assert_eq!(store.get_pool(&ghost.id).await.unwrap(), None);
}

pub async fn pools_list_in_id_order(store: Arc<dyn Store>) {
    // Byte order: upper case before lower case, ASCII before other scripts.
    with_pools(&store, &["p_c", "p_a", "P_z", "p_é", "p_b"]).await;
    let page = |after: Option<&'static str>, limit| {
        let store = store.clone();
        async move { ids(&store.list_pools(after, limit).await.unwrap(), |p| &p.id) }
    };
    assert_eq!(page(None, 2).await, ["P_z", "p_a"]);
    assert_eq!(page(Some("p_a"), 2).await, ["p_b", "p_c"]);
    assert_eq!(page(Some("p_c"), 2).await, ["p_é"]);
    assert!(page(Some("p_é"), 2).await.is_empty());
    assert!(page(None, 0).await.is_empty());
    // `after` need not be an existing id.
    assert_eq!(page(Some("p_aa"), 10).await, ["p_b", "p_c", "p_é"]);
}

pub async fn pool_delete_takes_everything_in_it(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    for pool_id in [P, OTHER] {
        store
            .insert_client(&client(pool_id, &format!("client-{pool_id}")))
            .await
            .unwrap();
        let u = user(pool_id, "sub-1", "alice");
        store
            .save_users(&[insert(
                &u,
                &["email:alice@example.com"],
                &[("email", "alice@example.com")],
            )])
            .await
            .unwrap();
        store.insert_group(&group(pool_id, "admins")).await.unwrap();
        store
            .add_user_to_group(pool_id, "admins", "sub-1")
            .await
            .unwrap();
        store
            .put_code(&code(pool_id, "sub-1", "sign_up", b"h"))
            .await
            .unwrap();
        store
            .append_outbox(&outbox_entry(pool_id, "1"))
            .await
            .unwrap();
        store
            .insert_session(&session(
                pool_id,
                "sub-1",
                &format!("jti-{pool_id}"),
                format!("hash-{pool_id}").as_bytes(),
            ))
            .await
            .unwrap();
        store
            .insert_signing_key(&signing_key(pool_id, "kid-1", KeyPurpose::Id))
            .await
            .unwrap();
        assert_eq!(
            store
                .reserve_attempt(pool_id, "unknown:00ff", &ONE_PER_HOUR, T0.millis())
                .await
                .unwrap(),
            Some(1)
        );
    }

    assert!(store.delete_pool(P).await.unwrap());
    assert!(!store.delete_pool(P).await.unwrap());

    assert_eq!(store.get_pool(P).await.unwrap(), None);
    assert_eq!(
        store.get_client(&format!("client-{P}")).await.unwrap(),
        None
    );
    assert!(store.list_clients(P, None, 10).await.unwrap().is_empty());
    assert_eq!(store.get_user_by_sub(P, "sub-1").await.unwrap(), None);
    assert_eq!(
        store
            .get_user_by_alias(P, "email:alice@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.count_users(P).await.unwrap(), 0);
    assert!(
        store
            .list_users(
                P,
                &UserQuery {
                    limit: 10,
                    ..UserQuery::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.get_group(P, "admins").await.unwrap(), None);
    assert!(
        store
            .list_groups_for_user(P, "sub-1", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.get_code(P, "sub-1", "sign_up").await.unwrap(), None);
    assert!(store.list_outbox(Some(P), 10).await.unwrap().is_empty());
    assert_eq!(store.get_session(&format!("jti-{P}")).await.unwrap(), None);
    assert_eq!(
        store
            .get_session_by_refresh_hash(format!("hash-{P}").as_bytes())
            .await
            .unwrap(),
        None
    );
    assert!(store.list_signing_keys(P).await.unwrap().is_empty());

    // The other pool is untouched.
    assert!(store.get_pool(OTHER).await.unwrap().is_some());
    assert!(
        store
            .get_client(&format!("client-{OTHER}"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .get_user_by_alias(OTHER, "email:alice@example.com")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        ids(
            &store
                .list_groups_for_user(OTHER, "sub-1", None, 10)
                .await
                .unwrap(),
            |g| &g.name
        ),
        ["admins"]
    );
    assert!(
        store
            .get_code(OTHER, "sub-1", "sign_up")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.list_outbox(None, 10).await.unwrap().len(), 1);
    assert!(
        store
            .get_session(&format!("jti-{OTHER}"))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.list_signing_keys(OTHER).await.unwrap().len(), 1);
    assert_eq!(
        store
            .reserve_attempt(OTHER, "unknown:00ff", &ONE_PER_HOUR, T0.millis())
            .await
            .unwrap(),
        None,
        "the other pool's counter is still there"
    );

    // A pool made again under the same id starts empty, with every key free.
    store.insert_pool(&pool(P)).await.unwrap();
    let u = user(P, "sub-1", "alice");
    store
        .save_users(&[insert(&u, &["email:alice@example.com"], &[])])
        .await
        .unwrap();
    store.insert_group(&group(P, "admins")).await.unwrap();
    assert!(
        store
            .list_users_in_group(P, "admins", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .insert_session(&session(
            P,
            "sub-1",
            &format!("jti-{P}"),
            format!("hash-{P}").as_bytes(),
        ))
        .await
        .unwrap();
    store
        .insert_signing_key(&signing_key(P, "kid-1", KeyPurpose::Id))
        .await
        .unwrap();
    assert_eq!(
        store
            .reserve_attempt(P, "unknown:00ff", &ONE_PER_HOUR, T0.millis())
            .await
            .unwrap(),
        Some(1),
        "the counter went with its pool"
    );
}

pub async fn client_round_trip(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let mut c = client(P, "client-1");
    store.insert_client(&c).await.unwrap();
    assert_eq!(store.get_client("client-1").await.unwrap(), Some(c.clone()));
    assert_eq!(store.get_client("client-2").await.unwrap(), None);
    // Client ids are unique across pools.
    assert_eq!(
        store.insert_client(&client(OTHER, "client-1")).await,
        conflict(Conflict::Exists)
    );
    assert_eq!(
        store
            .insert_client(&client("us-east-1_none", "client-9"))
            .await,
        conflict(Conflict::Missing)
    );

    let read = c.version;
    c.version += 1;
    c.name = "renamed".to_owned();
    store.update_client(&c, read).await.unwrap();
    assert_eq!(store.get_client("client-1").await.unwrap(), Some(c.clone()));
    let mut stale = c.clone();
    stale.name = "stale".to_owned();
    assert_eq!(
        store.update_client(&stale, read).await,
        conflict(Conflict::Version)
    );
    assert_eq!(
        store.update_client(&client(P, "client-2"), 1).await,
        conflict(Conflict::Missing)
    );
    assert_eq!(store.get_client("client-1").await.unwrap(), Some(c.clone()));

    // Deleting names the pool: a client is not deleted through another pool.
    assert!(!store.delete_client(OTHER, "client-1").await.unwrap());
    assert!(store.delete_client(P, "client-1").await.unwrap());
    assert!(!store.delete_client(P, "client-1").await.unwrap());
    assert_eq!(store.get_client("client-1").await.unwrap(), None);
    // The id is free again.
    store
        .insert_client(&client(OTHER, "client-1"))
        .await
        .unwrap();
}

pub async fn clients_list_per_pool_in_id_order(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    for id in ["c3", "c1", "C9", "c2"] {
        store.insert_client(&client(P, id)).await.unwrap();
    }
    store.insert_client(&client(OTHER, "c0")).await.unwrap();
    let page = |after: Option<&'static str>, limit| {
        let store = store.clone();
        async move {
            ids(&store.list_clients(P, after, limit).await.unwrap(), |c| {
                &c.client_id
            })
        }
    };
    assert_eq!(page(None, 3).await, ["C9", "c1", "c2"]);
    assert_eq!(page(Some("c2"), 3).await, ["c3"]);
    assert!(page(Some("c3"), 3).await.is_empty());
    assert_eq!(
        ids(&store.list_clients(OTHER, None, 10).await.unwrap(), |c| &c
            .client_id),
        ["c0"]
    );
    assert!(
        store
            .list_clients("us-east-1_none", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn user_lookups(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let mut alice = user(P, "sub-a", "alice");
    alice
        .attributes
        .insert("email".to_owned(), "alice@example.com".to_owned());
    alice.version = 7;
    // A pair listed twice is stored once.
    let search = [
        ("email", "alice@example.com"),
        ("email", "alice@example.com"),
    ];
    let write = insert(
        &alice,
        &["email:alice@example.com", "preferred_username:al"],
        &search,
    );
    store.save_users(&[write]).await.unwrap();

    assert_eq!(
        store.get_user_by_sub(P, "sub-a").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store.get_user_by_username_key(P, "alice").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store
            .get_user_by_alias(P, "email:alice@example.com")
            .await
            .unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store
            .get_user_by_alias(P, "preferred_username:al")
            .await
            .unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        list(&store, Some(("email", "alice@", true)), None, 10).await,
        ["alice"]
    );

    assert_eq!(store.get_user_by_sub(P, "sub-b").await.unwrap(), None);
    assert_eq!(
        store.get_user_by_username_key(P, "Alice").await.unwrap(),
        None,
        "keys are compared exactly"
    );
    assert_eq!(
        store
            .get_user_by_alias(P, "email:bob@example.com")
            .await
            .unwrap(),
        None
    );
    // Lookups stay inside their pool.
    assert_eq!(store.get_user_by_sub(OTHER, "sub-a").await.unwrap(), None);
    assert_eq!(
        store
            .get_user_by_username_key(OTHER, "alice")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get_user_by_alias(OTHER, "email:alice@example.com")
            .await
            .unwrap(),
        None
    );

    // The stored version is the record's: an update naming it succeeds.
    let (next, stored) = update(&alice, &[], &[]);
    store.save_users(&[next]).await.unwrap();
    assert_eq!(
        store
            .get_user_by_sub(P, "sub-a")
            .await
            .unwrap()
            .map(|u| u.version),
        Some(stored.version)
    );

    // A user in a pool that does not exist is refused.
    let stray = user("us-east-1_none", "sub-x", "x");
    assert_eq!(
        store.save_users(&[insert(&stray, &[], &[])]).await,
        conflict(Conflict::Missing)
    );
}

pub async fn usernames_are_unique_per_pool(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let alice = add_user(&store, P, "sub-a", "alice").await;
    let impostor = user(P, "sub-b", "alice");
    assert_eq!(
        store.save_users(&[insert(&impostor, &[], &[])]).await,
        conflict(Conflict::Username)
    );
    assert_eq!(
        store.get_user_by_username_key(P, "alice").await.unwrap(),
        Some(alice)
    );
    assert_eq!(store.get_user_by_sub(P, "sub-b").await.unwrap(), None);
    assert_eq!(store.count_users(P).await.unwrap(), 1);

    // Another username with a sub already in use is a duplicate row, not a username clash.
    let same_sub = user(P, "sub-a", "someone-else");
    assert_eq!(
        store.save_users(&[insert(&same_sub, &[], &[])]).await,
        conflict(Conflict::Exists)
    );

    // The same username in another pool is a different user.
    add_user(&store, OTHER, "sub-b", "alice").await;
    // Keys differing only in case are different keys: the domain decides case folding.
    add_user(&store, P, "sub-c", "Alice").await;
}

pub async fn aliases_are_unique_and_the_conflict_names_the_key(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let alice = user(P, "sub-a", "alice");
    // A key listed twice for one user is not a clash with itself.
    let write = insert(
        &alice,
        &[
            "email:a@example.com",
            "phone_number:+15550100",
            "email:a@example.com",
        ],
        &[],
    );
    store.save_users(&[write]).await.unwrap();

    let bob = user(P, "sub-b", "bob");
    let write = insert(
        &bob,
        &["email:b@example.com", "phone_number:+15550100"],
        &[("username", "bob")],
    );
    assert_eq!(
        store.save_users(&[write]).await,
        conflict(Conflict::Alias("phone_number:+15550100".to_owned()))
    );
    // Nothing of bob was kept: not the row, not the alias that did not clash.
    assert_eq!(store.get_user_by_sub(P, "sub-b").await.unwrap(), None);
    assert_eq!(
        store
            .get_user_by_alias(P, "email:b@example.com")
            .await
            .unwrap(),
        None
    );
    assert!(
        list(&store, Some(("username", "bob", false)), None, 10)
            .await
            .is_empty()
    );
    assert_eq!(
        store
            .get_user_by_alias(P, "phone_number:+15550100")
            .await
            .unwrap()
            .map(|u| u.sub),
        Some("sub-a".to_owned())
    );

    // An update that takes a held alias names it too.
    let carol = user(P, "sub-c", "carol");
    store
        .save_users(&[insert(&carol, &["email:c@example.com"], &[])])
        .await
        .unwrap();
    let (write, _) = update(&carol, &["email:c@example.com", "email:a@example.com"], &[]);
    assert_eq!(
        store.save_users(&[write]).await,
        conflict(Conflict::Alias("email:a@example.com".to_owned()))
    );
    // ...and leaves the user's own keys as they were.
    assert_eq!(
        store
            .get_user_by_alias(P, "email:c@example.com")
            .await
            .unwrap()
            .map(|u| u.version),
        Some(1)
    );

    // Aliases are unique per pool only.
    let other = user(OTHER, "sub-a", "alice");
    store
        .save_users(&[insert(&other, &["email:a@example.com"], &[])])
        .await
        .unwrap();
}

pub async fn user_updates_check_the_version(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    let alice = add_user(&store, P, "sub-a", "alice").await;
    add_user(&store, P, "sub-b", "bob").await;

    let (write, v2) = update(&alice, &[], &[]);
    store
        .save_users(std::slice::from_ref(&write))
        .await
        .unwrap();
    assert_eq!(
        store.get_user_by_sub(P, "sub-a").await.unwrap(),
        Some(v2.clone())
    );

    // The same write again was read at version 1, which is gone.
    assert_eq!(
        store.save_users(&[write]).await,
        conflict(Conflict::Version)
    );
    assert_eq!(
        store.get_user_by_sub(P, "sub-a").await.unwrap(),
        Some(v2.clone())
    );

    let (write, v3) = update(&v2, &[], &[]);
    store.save_users(&[write]).await.unwrap();
    assert_eq!(
        store
            .get_user_by_sub(P, "sub-a")
            .await
            .unwrap()
            .map(|u| u.version),
        Some(v3.version)
    );

    let ghost = user(P, "sub-z", "zed");
    let (write, _) = update(&ghost, &[], &[]);
    assert_eq!(
        store.save_users(&[write]).await,
        conflict(Conflict::Missing)
    );

    // An update that moves the username key onto another user's is refused.
    let mut renamed = v3.clone();
    renamed.username = "bob".to_owned();
    let (write, _) = update(&renamed, &[], &[]);
    assert_eq!(
        store.save_users(&[write]).await,
        conflict(Conflict::Username)
    );
    assert_eq!(
        store
            .get_user_by_username_key(P, "bob")
            .await
            .unwrap()
            .map(|u| u.sub),
        Some("sub-b".to_owned())
    );
    assert_eq!(
        store.get_user_by_username_key(P, "alice").await.unwrap(),
        Some(v3)
    );
}

pub async fn user_updates_replace_keys(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    let alice = user(P, "sub-a", "alice");
    let write = insert(
        &alice,
        &["email:old@example.com"],
        &[("email", "old@example.com"), ("name", "Alice")],
    );
    store.save_users(&[write]).await.unwrap();

    let (write, v2) = update(
        &alice,
        &["email:new@example.com"],
        &[("email", "new@example.com")],
    );
    store.save_users(&[write]).await.unwrap();

    assert_eq!(
        store
            .get_user_by_alias(P, "email:old@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get_user_by_alias(P, "email:new@example.com")
            .await
            .unwrap(),
        Some(v2)
    );
    assert!(
        list(&store, Some(("email", "old@example.com", false)), None, 10)
            .await
            .is_empty()
    );
    assert!(
        list(&store, Some(("name", "Alice", false)), None, 10)
            .await
            .is_empty()
    );
    assert_eq!(
        list(&store, Some(("email", "new@example.com", false)), None, 10).await,
        ["alice"]
    );

    // The dropped alias is free for someone else.
    let bob = user(P, "sub-b", "bob");
    store
        .save_users(&[insert(&bob, &["email:old@example.com"], &[])])
        .await
        .unwrap();

    // A username change moves the username key, and the search and membership order with it.
    store.insert_group(&group(P, "g1")).await.unwrap();
    store.add_user_to_group(P, "g1", "sub-a").await.unwrap();
    store.add_user_to_group(P, "g1", "sub-b").await.unwrap();
    assert_eq!(
        usernames(&store.list_users_in_group(P, "g1", None, 10).await.unwrap()),
        ["alice", "bob"]
    );
    let v2 = store.get_user_by_sub(P, "sub-a").await.unwrap().unwrap();
    let mut renamed = v2.clone();
    renamed.username = "aaron".to_owned();
    let (write, _) = update(&renamed, &[], &[("email", "new@example.com")]);
    store.save_users(&[write]).await.unwrap();
    assert_eq!(
        store.get_user_by_username_key(P, "alice").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .get_user_by_username_key(P, "aaron")
            .await
            .unwrap()
            .map(|u| u.sub),
        Some("sub-a".to_owned())
    );
    assert_eq!(
        list(&store, Some(("email", "new@example.com", false)), None, 10).await,
        ["aaron"]
    );
    assert_eq!(
        usernames(&store.list_users_in_group(P, "g1", None, 10).await.unwrap()),
        ["aaron", "bob"]
    );
    assert_eq!(
        usernames(
            &store
                .list_users_in_group(P, "g1", Some("alice"), 10)
                .await
                .unwrap()
        ),
        ["bob"]
    );
    assert_eq!(
        ids(
            &store
                .list_groups_for_user(P, "sub-a", None, 10)
                .await
                .unwrap(),
            |g| &g.name
        ),
        ["g1"]
    );
    store
        .remove_user_from_group(P, "g1", "sub-a")
        .await
        .unwrap();
    assert_eq!(
        usernames(&store.list_users_in_group(P, "g1", None, 10).await.unwrap()),
        ["bob"]
    );
}

pub async fn user_batches_are_atomic(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    let alice = add_user(&store, P, "sub-a", "alice").await;

    let carol = user(P, "sub-c", "carol");
    let (alice_v2, _) = update(&alice, &["email:alice@example.com"], &[]);
    let clash = user(P, "sub-d", "alice");
    let batch = [
        insert(&carol, &["email:carol@example.com"], &[]),
        alice_v2,
        insert(&clash, &[], &[]),
    ];
    assert_eq!(store.save_users(&batch).await, conflict(Conflict::Username));

    assert_eq!(store.get_user_by_sub(P, "sub-c").await.unwrap(), None);
    assert_eq!(
        store
            .get_user_by_alias(P, "email:carol@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.get_user_by_sub(P, "sub-a").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store
            .get_user_by_alias(P, "email:alice@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.count_users(P).await.unwrap(), 1);

    // An empty batch is a no-op.
    store.save_users(&[]).await.unwrap();
}

pub async fn user_batches_apply_in_order(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let people: Vec<User> = (0..5)
        .map(|i| user(P, &format!("sub-{i}"), &format!("user{i}")))
        .collect();
    let mut batch: Vec<UserWrite> = people
        .iter()
        .map(|u| {
            let alias = format!("email:{}@example.com", u.username);
            insert(u, &[alias.as_str()], &[("username", u.username.as_str())])
        })
        .collect();
    // A user of another pool, and an update of a user inserted earlier in the same batch.
    batch.push(insert(
        &user(OTHER, "sub-0", "user0"),
        &["email:user0@example.com"],
        &[],
    ));
    let (renamed, user4_v2) = update(
        &people[4],
        &["email:user4@example.org"],
        &[("username", "user4")],
    );
    batch.push(renamed);
    store.save_users(&batch).await.unwrap();

    assert_eq!(store.count_users(P).await.unwrap(), 5);
    assert_eq!(store.count_users(OTHER).await.unwrap(), 1);
    for u in &people[..4] {
        let alias = format!("email:{}@example.com", u.username);
        assert_eq!(
            store.get_user_by_alias(P, &alias).await.unwrap().as_ref(),
            Some(u)
        );
    }
    assert_eq!(
        store
            .get_user_by_alias(P, "email:user4@example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .get_user_by_alias(P, "email:user4@example.org")
            .await
            .unwrap(),
        Some(user4_v2)
    );
    assert_eq!(
        list(&store, Some(("username", "user", true)), None, 10).await,
        ["user0", "user1", "user2", "user3", "user4"]
    );

    // Collisions inside one batch are caught like collisions with stored users.
    let twins = [
        insert(&user(P, "sub-a", "twin"), &[], &[]),
        insert(&user(P, "sub-b", "twin"), &[], &[]),
    ];
    assert_eq!(store.save_users(&twins).await, conflict(Conflict::Username));
    let same_sub = [
        insert(&user(P, "sub-a", "one"), &[], &[]),
        insert(&user(P, "sub-a", "two"), &[], &[]),
    ];
    assert_eq!(
        store.save_users(&same_sub).await,
        conflict(Conflict::Exists)
    );
    let shared = [
        insert(&user(P, "sub-a", "one"), &["email:same@example.com"], &[]),
        insert(&user(P, "sub-b", "two"), &["email:same@example.com"], &[]),
    ];
    assert_eq!(
        store.save_users(&shared).await,
        conflict(Conflict::Alias("email:same@example.com".to_owned()))
    );
    assert_eq!(store.count_users(P).await.unwrap(), 5);
}

pub async fn alias_moves_within_one_batch(store: Arc<dyn Store>) {
    // The domain moves an alias by updating its holder without it, then writing the new
    // holder, in one batch: writes apply in order, so the second sees the key free.
    with_pools(&store, &[P]).await;
    let alice = user(P, "sub-a", "alice");
    store
        .save_users(&[insert(&alice, &["email:shared@example.com"], &[])])
        .await
        .unwrap();

    let bob = user(P, "sub-b", "bob");
    let (alice_v2, alice_v2_record) = update(&alice, &[], &[]);
    store
        .save_users(&[alice_v2, insert(&bob, &["email:shared@example.com"], &[])])
        .await
        .unwrap();
    assert_eq!(
        store
            .get_user_by_alias(P, "email:shared@example.com")
            .await
            .unwrap(),
        Some(bob)
    );
    assert_eq!(
        store.get_user_by_sub(P, "sub-a").await.unwrap(),
        Some(alice_v2_record)
    );
}

/// Users for the search tests: usernames sort differently from their emails, so the
/// tests see that results come in username-key order.
async fn search_fixture(store: &Arc<dyn Store>) {
    with_pools(store, &[P, OTHER]).await;
    let people: &[(&str, &str, &str, &str)] = &[
        ("sub-1", "zoe", "ann@example.com", "Enabled"),
        ("sub-2", "yan", "anna@example.com", "Enabled"),
        ("sub-3", "xavier", "bob@example.com", "Disabled"),
        ("sub-4", "walt", "Ann@Example.com", "Enabled"),
        ("sub-5", "vera", "annika@example.org", "Enabled"),
        ("sub-6", "uma", "an@example.com", "Enabled"),
    ];
    for (sub, username, email, status) in people {
        let u = user(P, sub, username);
        let search = [
            ("username", *username),
            ("email", *email),
            ("status", *status),
        ];
        store.save_users(&[insert(&u, &[], &search)]).await.unwrap();
    }
    // The same email in another pool never shows up here.
    let stranger = user(OTHER, "sub-9", "ann");
    store
        .save_users(&[insert(&stranger, &[], &[("email", "ann@example.com")])])
        .await
        .unwrap();
}

pub async fn search_exact_and_prefix(store: Arc<dyn Store>) {
    search_fixture(&store).await;

    assert_eq!(
        list(&store, Some(("email", "ann@example.com", false)), None, 10).await,
        ["zoe"]
    );
    assert!(
        list(&store, Some(("email", "ann", false)), None, 10)
            .await
            .is_empty()
    );
    assert_eq!(
        list(&store, Some(("status", "Enabled", false)), None, 10).await,
        ["uma", "vera", "walt", "yan", "zoe"]
    );
    assert_eq!(
        list(&store, Some(("status", "Enabled", false)), Some("vera"), 2).await,
        ["walt", "yan"]
    );

    // Prefixes match case-sensitively, in username-key order.
    assert_eq!(
        list(&store, Some(("email", "ann", true)), None, 10).await,
        ["vera", "yan", "zoe"]
    );
    assert_eq!(
        list(&store, Some(("email", "Ann", true)), None, 10).await,
        ["walt"]
    );
    assert_eq!(
        list(&store, Some(("email", "an", true)), None, 10).await,
        ["uma", "vera", "yan", "zoe"]
    );
    assert_eq!(
        list(&store, Some(("email", "an", true)), None, 2).await,
        ["uma", "vera"]
    );
    assert_eq!(
        list(&store, Some(("email", "an", true)), Some("vera"), 2).await,
        ["yan", "zoe"]
    );
    assert!(
        list(&store, Some(("email", "an", true)), Some("zoe"), 2)
            .await
            .is_empty()
    );
    assert_eq!(
        list(&store, Some(("email", "ann@example.com", true)), None, 10).await,
        ["zoe"]
    );
    assert!(
        list(&store, Some(("email", "c", true)), None, 10)
            .await
            .is_empty()
    );
    // An empty prefix matches every user that has the attribute.
    assert_eq!(
        list(&store, Some(("email", "", true)), None, 10)
            .await
            .len(),
        6
    );
    assert!(
        list(&store, Some(("given_name", "", true)), None, 10)
            .await
            .is_empty()
    );
    // Attribute names are not prefixes of each other.
    assert!(
        list(&store, Some(("e", "ann", true)), None, 10)
            .await
            .is_empty()
    );
}

pub async fn prefix_search_takes_values_literally(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    let values: &[(&str, &str)] = &[
        ("u1", "50%_off"),
        ("u2", "50xyoff"),
        ("u3", "a\\b"),
        ("u4", "ab"),
        ("u5", "é-accent"),
        ("u6", "e-plain"),
        ("u7", "\u{10FFFF}max"),
        ("u8", "z\u{10FFFF}"),
        ("u9", "zz"),
    ];
    for (name, value) in values {
        let u = user(P, &format!("sub-{name}"), name);
        store
            .save_users(&[insert(&u, &[], &[("name", *value)])])
            .await
            .unwrap();
    }
    // LIKE wildcards and escapes mean nothing to a prefix search.
    assert_eq!(
        list(&store, Some(("name", "50%", true)), None, 10).await,
        ["u1"]
    );
    assert_eq!(
        list(&store, Some(("name", "50_", true)), None, 10).await,
        Vec::<String>::new()
    );
    assert_eq!(
        list(&store, Some(("name", "a\\", true)), None, 10).await,
        ["u3"]
    );
    // No accent folding.
    assert_eq!(
        list(&store, Some(("name", "é", true)), None, 10).await,
        ["u5"]
    );
    assert_eq!(
        list(&store, Some(("name", "e", true)), None, 10).await,
        ["u6"]
    );
    // The highest code point, as a prefix and right after one.
    assert_eq!(
        list(&store, Some(("name", "\u{10FFFF}", true)), None, 10).await,
        ["u7"]
    );
    assert_eq!(
        list(&store, Some(("name", "z", true)), None, 10).await,
        ["u8", "u9"]
    );
    assert_eq!(
        list(&store, Some(("name", "z\u{10FFFF}", true)), None, 10).await,
        ["u8"]
    );
}

pub async fn users_list_in_username_key_order(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    for (i, name) in ["dave", "Bob", "émile", "alice", "carol", "eve", "zed"]
        .iter()
        .enumerate()
    {
        add_user(&store, P, &format!("sub-{i}"), name).await;
    }
    add_user(&store, OTHER, "sub-x", "aaron").await;
    // Byte order of the keys: "B" < "a" … "z" < "é".
    assert_eq!(list(&store, None, None, 3).await, ["Bob", "alice", "carol"]);
    assert_eq!(
        list(&store, None, Some("carol"), 3).await,
        ["dave", "eve", "zed"]
    );
    assert_eq!(list(&store, None, Some("zed"), 3).await, ["émile"]);
    assert!(list(&store, None, Some("émile"), 3).await.is_empty());
    assert_eq!(list(&store, None, Some("b"), 2).await, ["carol", "dave"]);
    assert!(list(&store, None, None, 0).await.is_empty());
    assert_eq!(list(&store, None, None, 100).await.len(), 7);
}

pub async fn user_delete_frees_keys_and_removes_links(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    let alice = user(P, "sub-a", "alice");
    store
        .save_users(&[insert(
            &alice,
            &["email:alice@example.com"],
            &[("email", "alice@example.com")],
        )])
        .await
        .unwrap();
    let bob = add_user(&store, P, "sub-b", "bob").await;
    store.insert_group(&group(P, "admins")).await.unwrap();
    store.add_user_to_group(P, "admins", "sub-a").await.unwrap();
    store.add_user_to_group(P, "admins", "sub-b").await.unwrap();
    store
        .put_code(&code(P, "sub-a", "sign_up", b"h"))
        .await
        .unwrap();
    store
        .insert_session(&session(P, "sub-a", "jti-a", b"hash-a"))
        .await
        .unwrap();
    let bobs = session(P, "sub-b", "jti-b", b"hash-b");
    store.insert_session(&bobs).await.unwrap();

    assert!(store.delete_user(P, "sub-a").await.unwrap());
    assert!(!store.delete_user(P, "sub-a").await.unwrap());

    assert_eq!(store.get_user_by_sub(P, "sub-a").await.unwrap(), None);
    assert_eq!(
        store.get_user_by_username_key(P, "alice").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .get_user_by_alias(P, "email:alice@example.com")
            .await
            .unwrap(),
        None
    );
    assert!(
        list(&store, Some(("email", "alice", true)), None, 10)
            .await
            .is_empty()
    );
    assert!(
        store
            .list_groups_for_user(P, "sub-a", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        usernames(
            &store
                .list_users_in_group(P, "admins", None, 10)
                .await
                .unwrap()
        ),
        ["bob"]
    );
    assert_eq!(store.get_code(P, "sub-a", "sign_up").await.unwrap(), None);
    assert_eq!(store.get_session("jti-a").await.unwrap(), None);
    assert_eq!(
        store.get_session_by_refresh_hash(b"hash-a").await.unwrap(),
        None
    );
    assert_eq!(store.get_session("jti-b").await.unwrap(), Some(bobs));
    assert_eq!(store.count_users(P).await.unwrap(), 1);
    assert_eq!(store.get_user_by_sub(P, "sub-b").await.unwrap(), Some(bob));

    // Username and alias are free for a new user (even one with the old sub).
    let again = user(P, "sub-a2", "alice");
    store
        .save_users(&[insert(&again, &["email:alice@example.com"], &[])])
        .await
        .unwrap();
    assert!(
        store
            .list_groups_for_user(P, "sub-a2", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn user_counts_are_per_pool(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    assert_eq!(store.count_users(P).await.unwrap(), 0);
    for i in 0..5 {
        add_user(&store, P, &format!("sub-{i}"), &format!("user{i}")).await;
    }
    add_user(&store, OTHER, "sub-x", "x").await;
    assert_eq!(store.count_users(P).await.unwrap(), 5);
    assert_eq!(store.count_users(OTHER).await.unwrap(), 1);
    assert_eq!(store.count_users("us-east-1_none").await.unwrap(), 0);
}

pub async fn concurrent_inserts_of_one_username_have_one_winner(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    const ROUNDS: usize = 20;
    for round in 0..ROUNDS {
        let name = format!("racer-{round}");
        let tasks: Vec<_> = (0..2)
            .map(|contender| {
                let store = store.clone();
                let write = insert(
                    &user(P, &format!("sub-{round}-{contender}"), &name),
                    &[],
                    &[("username", &name)],
                );
                tokio::spawn(async move { store.save_users(&[write]).await })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {results:?}");
        assert!(
            results.contains(&conflict(Conflict::Username)),
            "round {round}: {results:?}"
        );
    }
    assert_eq!(store.count_users(P).await.unwrap(), ROUNDS as u64);
}

pub async fn group_round_trip(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let mut g = group(P, "admins");
    store.insert_group(&g).await.unwrap();
    assert_eq!(store.get_group(P, "admins").await.unwrap(), Some(g.clone()));
    assert_eq!(store.insert_group(&g).await, conflict(Conflict::Exists));
    assert_eq!(store.get_group(OTHER, "admins").await.unwrap(), None);
    store.insert_group(&group(OTHER, "admins")).await.unwrap();
    assert_eq!(
        store.insert_group(&group("us-east-1_none", "admins")).await,
        conflict(Conflict::Missing)
    );

    g.description = Some("people who administer".to_owned());
    g.precedence = Some(1);
    store.update_group(&g).await.unwrap();
    assert_eq!(store.get_group(P, "admins").await.unwrap(), Some(g.clone()));
    assert_eq!(
        store.update_group(&group(P, "nobody")).await,
        conflict(Conflict::Missing)
    );

    for name in ["readers", "Writers", "editors"] {
        store.insert_group(&group(P, name)).await.unwrap();
    }
    let names = |after: Option<&'static str>, limit| {
        let store = store.clone();
        async move {
            ids(&store.list_groups(P, after, limit).await.unwrap(), |g| {
                &g.name
            })
        }
    };
    assert_eq!(names(None, 2).await, ["Writers", "admins"]);
    assert_eq!(names(Some("admins"), 2).await, ["editors", "readers"]);
    assert!(names(Some("readers"), 2).await.is_empty());

    assert!(store.delete_group(P, "admins").await.unwrap());
    assert!(!store.delete_group(P, "admins").await.unwrap());
    assert_eq!(store.get_group(P, "admins").await.unwrap(), None);
    assert!(store.get_group(OTHER, "admins").await.unwrap().is_some());
}

pub async fn group_memberships(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "carol").await;
    add_user(&store, P, "sub-2", "alice").await;
    add_user(&store, P, "sub-3", "bob").await;
    for name in ["g2", "g1", "g3"] {
        store.insert_group(&group(P, name)).await.unwrap();
    }
    store.add_user_to_group(P, "g1", "sub-1").await.unwrap();
    store.add_user_to_group(P, "g1", "sub-1").await.unwrap();
    store.add_user_to_group(P, "g2", "sub-1").await.unwrap();
    store.add_user_to_group(P, "g3", "sub-1").await.unwrap();
    store.add_user_to_group(P, "g1", "sub-2").await.unwrap();
    store.add_user_to_group(P, "g1", "sub-3").await.unwrap();

    let groups = |sub: &'static str, after: Option<&'static str>, limit| {
        let store = store.clone();
        async move {
            ids(
                &store
                    .list_groups_for_user(P, sub, after, limit)
                    .await
                    .unwrap(),
                |g| &g.name,
            )
        }
    };
    let members = |group: &'static str, after: Option<&'static str>, limit| {
        let store = store.clone();
        async move {
            usernames(
                &store
                    .list_users_in_group(P, group, after, limit)
                    .await
                    .unwrap(),
            )
        }
    };
    assert_eq!(groups("sub-1", None, 10).await, ["g1", "g2", "g3"]);
    assert_eq!(groups("sub-1", None, 2).await, ["g1", "g2"]);
    assert_eq!(groups("sub-1", Some("g2"), 2).await, ["g3"]);
    assert_eq!(groups("sub-2", None, 10).await, ["g1"]);
    // Members come in username-key order.
    assert_eq!(members("g1", None, 10).await, ["alice", "bob", "carol"]);
    assert_eq!(members("g1", None, 2).await, ["alice", "bob"]);
    assert_eq!(members("g1", Some("bob"), 2).await, ["carol"]);
    assert!(members("g1", Some("carol"), 2).await.is_empty());

    store
        .remove_user_from_group(P, "g1", "sub-1")
        .await
        .unwrap();
    store
        .remove_user_from_group(P, "g1", "sub-1")
        .await
        .unwrap();
    assert_eq!(groups("sub-1", None, 10).await, ["g2", "g3"]);
    assert_eq!(members("g1", None, 10).await, ["alice", "bob"]);

    assert_eq!(
        store.add_user_to_group(P, "nope", "sub-1").await,
        conflict(Conflict::Missing)
    );
    assert_eq!(
        store.add_user_to_group(P, "g1", "sub-none").await,
        conflict(Conflict::Missing)
    );
    assert!(members("nope", None, 10).await.is_empty());
}

pub async fn group_delete_removes_memberships(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    store.insert_group(&group(P, "g1")).await.unwrap();
    store.insert_group(&group(P, "g2")).await.unwrap();
    store.add_user_to_group(P, "g1", "sub-1").await.unwrap();
    store.add_user_to_group(P, "g2", "sub-1").await.unwrap();

    assert!(store.delete_group(P, "g1").await.unwrap());
    assert_eq!(
        ids(
            &store
                .list_groups_for_user(P, "sub-1", None, 10)
                .await
                .unwrap(),
            |g| &g.name
        ),
        ["g2"]
    );
    // A new group of the same name starts without members.
    store.insert_group(&group(P, "g1")).await.unwrap();
    assert!(
        store
            .list_users_in_group(P, "g1", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.get_user_by_sub(P, "sub-1").await.unwrap().is_some());
}

pub async fn codes_are_single_use(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    let first = code(P, "sub-1", "sign_up", b"hash-1");
    store.put_code(&first).await.unwrap();
    assert_eq!(
        store.get_code(P, "sub-1", "sign_up").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.get_code(P, "sub-1", "reset_password").await.unwrap(),
        None
    );

    // A new code replaces the old one.
    let mut second = code(P, "sub-1", "sign_up", b"hash-2");
    second.expires_at_ms += 1;
    store.put_code(&second).await.unwrap();
    assert_eq!(
        store.get_code(P, "sub-1", "sign_up").await.unwrap(),
        Some(second.clone())
    );
    assert!(
        !store
            .take_code(P, "sub-1", "sign_up", b"hash-1")
            .await
            .unwrap(),
        "replaced code"
    );

    // Other purposes are separate codes.
    let reset = code(P, "sub-1", "reset_password", b"hash-r");
    store.put_code(&reset).await.unwrap();

    assert!(
        !store
            .take_code(P, "sub-1", "sign_up", b"wrong")
            .await
            .unwrap()
    );
    assert!(
        store
            .get_code(P, "sub-1", "sign_up")
            .await
            .unwrap()
            .is_some(),
        "a wrong guess leaves the code"
    );
    assert!(
        store
            .take_code(P, "sub-1", "sign_up", b"hash-2")
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_code(P, "sub-1", "sign_up", b"hash-2")
            .await
            .unwrap(),
        "second use"
    );
    assert_eq!(store.get_code(P, "sub-1", "sign_up").await.unwrap(), None);
    assert_eq!(
        store.get_code(P, "sub-1", "reset_password").await.unwrap(),
        Some(reset)
    );

    assert_eq!(
        store.put_code(&code(P, "sub-none", "sign_up", b"h")).await,
        conflict(Conflict::Missing)
    );
}

pub async fn concurrent_takes_of_one_code_have_one_winner(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    for round in 0..20u8 {
        let hash = [round; 32];
        store
            .put_code(&code(P, "sub-1", "reset_password", &hash))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .take_code(P, "sub-1", "reset_password", &hash)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut taken = 0;
        for task in tasks {
            taken += usize::from(task.await.unwrap());
        }
        assert_eq!(taken, 1, "round {round}");
    }
}

/// The pool's signing keys ordered by kid (the store lists them in any order).
async fn keys_of(store: &Arc<dyn Store>, pool_id: &str) -> Vec<SigningKeyRecord> {
    let mut keys = store.list_signing_keys(pool_id).await.unwrap();
    keys.sort_by(|a, b| a.kid.cmp(&b.kid));
    keys
}

fn retired(key: &SigningKeyRecord, at: Timestamp) -> SigningKeyRecord {
    SigningKeyRecord {
        retired: Some(at),
        ..key.clone()
    }
}

pub async fn signing_keys_have_one_active_key_per_purpose(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    assert!(store.list_signing_keys(P).await.unwrap().is_empty());
    let id1 = signing_key(P, "kid-1", KeyPurpose::Id);
    let access = signing_key(P, "kid-2", KeyPurpose::Access);
    store.insert_signing_key(&id1).await.unwrap();
    store.insert_signing_key(&access).await.unwrap();
    assert_eq!(keys_of(&store, P).await, [id1.clone(), access.clone()]);

    // A second active key of a purpose is refused, and so is a kid the pool has.
    assert_eq!(
        store
            .insert_signing_key(&signing_key(P, "kid-3", KeyPurpose::Id))
            .await,
        conflict(Conflict::Exists)
    );
    let same_kid = retired(&signing_key(P, "kid-1", KeyPurpose::Id), T0);
    assert_eq!(
        store.insert_signing_key(&same_kid).await,
        conflict(Conflict::Exists)
    );
    // Another pool is separate, kids included; a missing pool is Missing.
    let other = signing_key(OTHER, "kid-1", KeyPurpose::Id);
    store.insert_signing_key(&other).await.unwrap();
    assert_eq!(
        store
            .insert_signing_key(&signing_key("us-east-1_none", "kid-9", KeyPurpose::Id))
            .await,
        conflict(Conflict::Missing)
    );

    // A rotation retires the key without a retirement time at the successor's activation
    // and inserts the successor; retired keys stay listed.
    let t1 = T0.plus_secs(60);
    let id2 = successor(&signing_key(P, "kid-3", KeyPurpose::Id), T0, t1);
    store.rotate_signing_key(&id2, false).await.unwrap();
    assert_eq!(
        keys_of(&store, P).await,
        [retired(&id1, t1), access.clone(), id2.clone()]
    );
    // Rotating again reaches only the newest key: the earlier one keeps its time.
    let t2 = t1.plus_secs(60);
    let id3 = successor(&signing_key(P, "kid-4", KeyPurpose::Id), t1, t2);
    store.rotate_signing_key(&id3, false).await.unwrap();
    assert_eq!(
        keys_of(&store, P).await,
        [
            retired(&id1, t1),
            access.clone(),
            retired(&id2, t2),
            id3.clone()
        ]
    );
    // A successor whose kid is taken changes nothing: the retirement is undone with it.
    let taken = successor(&signing_key(P, "kid-2", KeyPurpose::Id), t2, t2);
    assert_eq!(
        store.rotate_signing_key(&taken, false).await,
        conflict(Conflict::Exists)
    );
    assert_eq!(
        keys_of(&store, P).await,
        [
            retired(&id1, t1),
            access.clone(),
            retired(&id2, t2),
            id3.clone()
        ]
    );
    // Withdrawing deletes every other key of the purpose, and only of that purpose.
    let id5 = successor(&signing_key(P, "kid-5", KeyPurpose::Id), t2, t2);
    store.rotate_signing_key(&id5, true).await.unwrap();
    assert_eq!(keys_of(&store, P).await, [access.clone(), id5.clone()]);
    // A missing pool is Missing.
    assert_eq!(
        store
            .rotate_signing_key(
                &signing_key("us-east-1_none", "kid-9", KeyPurpose::Id),
                false
            )
            .await,
        conflict(Conflict::Missing)
    );
    // A key may be inserted already retired.
    let old = retired(&signing_key(P, "kid-0", KeyPurpose::Access), T0);
    store.insert_signing_key(&old).await.unwrap();
    assert_eq!(keys_of(&store, P).await, [old, access, id5]);
    assert_eq!(keys_of(&store, OTHER).await, [other]);
}

/// `key` as a rotation made at `created` brings it in, signing from `activates`.
fn successor(key: &SigningKeyRecord, created: Timestamp, activates: Timestamp) -> SigningKeyRecord {
    SigningKeyRecord {
        created,
        activates: Some(activates),
        ..key.clone()
    }
}

pub async fn concurrent_first_signing_keys_have_one_winner(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    for purpose in [KeyPurpose::Access, KeyPurpose::Id] {
        let tasks: Vec<_> = (0..8)
            .map(|node| {
                let store = store.clone();
                let key = signing_key(P, &format!("kid-{}-{node}", purpose.as_str()), purpose);
                tokio::spawn(async move { store.insert_signing_key(&key).await })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "{purpose:?}: {results:?}");
        assert!(
            results
                .iter()
                .all(|r| r.is_ok() || *r == conflict(Conflict::Exists)),
            "{purpose:?}: {results:?}"
        );
    }
    let keys = store.list_signing_keys(P).await.unwrap();
    assert_eq!(keys.len(), 2);
}

pub async fn concurrent_signing_key_rotations_leave_one_successor(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    store
        .insert_signing_key(&signing_key(P, "kid-first", KeyPurpose::Access))
        .await
        .unwrap();
    for withdraw in [false, true] {
        let tasks: Vec<_> = (0..8)
            .map(|node| {
                let store = store.clone();
                let at = T0.plus_secs(node);
                let key = successor(
                    &signing_key(P, &format!("kid-{withdraw}-{node}"), KeyPurpose::Access),
                    at,
                    at.plus_secs(360),
                );
                tokio::spawn(async move { store.rotate_signing_key(&key, withdraw).await })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        // Rotations that ran one after the other all succeed; of those that overlapped, one
        // wins and the others are told so. Either way one key is left without a retirement.
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert!(wins >= 1, "{results:?}");
        assert!(
            results
                .iter()
                .all(|r| r.is_ok() || *r == conflict(Conflict::Exists)),
            "{results:?}"
        );
        let keys = store.list_signing_keys(P).await.unwrap();
        assert_eq!(keys.iter().filter(|k| k.retired.is_none()).count(), 1);
        if withdraw {
            assert_eq!(keys.len(), 1, "withdrawing leaves only the last successor");
        }
    }
}

pub async fn settings_keep_the_first_value_or_the_last_put(store: Arc<dyn Store>) {
    assert_eq!(store.get_setting("check").await.unwrap(), None);
    assert!(store.insert_setting("check", b"first").await.unwrap());
    assert!(!store.insert_setting("check", b"second").await.unwrap());
    assert_eq!(
        store.get_setting("check").await.unwrap().as_deref(),
        Some(&b"first"[..])
    );
    store.put_setting("url", b"https://a").await.unwrap();
    store.put_setting("url", b"https://b").await.unwrap();
    assert_eq!(
        store.get_setting("url").await.unwrap().as_deref(),
        Some(&b"https://b"[..])
    );
    // Settings describe the deployment, not its users: the dev-mode reset keeps them.
    store.wipe_all().await.unwrap();
    assert_eq!(
        store.get_setting("check").await.unwrap().as_deref(),
        Some(&b"first"[..])
    );
    let tasks: Vec<_> = (0..8)
        .map(|node| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .insert_setting("race", format!("node-{node}").as_bytes())
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap().unwrap());
    }
    assert_eq!(wins, 1);
}

pub async fn sessions_are_found_by_jti_and_refresh_hashes(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    add_user(&store, P, "sub-2", "bob").await;
    let s1 = session(P, "sub-1", "jti-1", b"hash-1");
    store.insert_session(&s1).await.unwrap();
    assert_eq!(store.get_session("jti-1").await.unwrap(), Some(s1.clone()));
    assert_eq!(
        store.get_session_by_refresh_hash(b"hash-1").await.unwrap(),
        Some(s1.clone())
    );
    assert_eq!(store.get_session("jti-none").await.unwrap(), None);
    assert_eq!(
        store
            .get_session_by_refresh_hash(b"hash-none")
            .await
            .unwrap(),
        None
    );

    // The origin jti and the refresh hash are each unique; a session needs its user.
    assert_eq!(
        store
            .insert_session(&session(P, "sub-2", "jti-1", b"hash-x"))
            .await,
        conflict(Conflict::Exists)
    );
    assert_eq!(
        store
            .insert_session(&session(P, "sub-2", "jti-x", b"hash-1"))
            .await,
        conflict(Conflict::Exists)
    );
    assert_eq!(
        store
            .insert_session(&session(P, "sub-none", "jti-y", b"hash-y"))
            .await,
        conflict(Conflict::Missing)
    );
    assert_eq!(store.get_session("jti-x").await.unwrap(), None);

    let s2 = session(P, "sub-2", "jti-2", b"hash-2");
    store.insert_session(&s2).await.unwrap();
    assert_eq!(
        store.get_session_by_refresh_hash(b"hash-2").await.unwrap(),
        Some(s2.clone())
    );

    // After a rotation the session is found by its new hash and by the one it replaced.
    let r1 = rotated(&s1, b"hash-1b", T0.plus_secs(10));
    assert!(store.rotate_session(&r1, b"hash-1").await.unwrap());
    assert_eq!(store.get_session("jti-1").await.unwrap(), Some(r1.clone()));
    for hash in [b"hash-1b".as_slice(), b"hash-1"] {
        assert_eq!(
            store.get_session_by_refresh_hash(hash).await.unwrap(),
            Some(r1.clone())
        );
    }
    assert_eq!(store.get_session("jti-2").await.unwrap(), Some(s2));
}

pub async fn session_rotation_is_compare_and_swap(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    let s = session(P, "sub-1", "jti-1", b"hash-a");
    store.insert_session(&s).await.unwrap();

    let mut first = rotated(&s, b"hash-b", T0.plus_secs(10));
    first.expires = first.expires.plus_secs(10);
    assert!(store.rotate_session(&first, b"hash-a").await.unwrap());
    // A second refresh with the same token read the same session: its expectation is stale.
    let second = rotated(&s, b"hash-c", T0.plus_secs(11));
    assert!(!store.rotate_session(&second, b"hash-a").await.unwrap());
    assert_eq!(
        store.get_session("jti-1").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.get_session_by_refresh_hash(b"hash-c").await.unwrap(),
        None
    );

    // The next rotation starts from the current hash; the one before last is forgotten.
    let third = rotated(&first, b"hash-c", T0.plus_secs(20));
    assert!(store.rotate_session(&third, b"hash-b").await.unwrap());
    assert_eq!(
        store.get_session("jti-1").await.unwrap(),
        Some(third.clone())
    );
    assert_eq!(
        store.get_session_by_refresh_hash(b"hash-a").await.unwrap(),
        None
    );
    assert_eq!(
        store.get_session_by_refresh_hash(b"hash-b").await.unwrap(),
        Some(third.clone())
    );

    // No such session: nothing to rotate.
    let ghost = rotated(&session(P, "sub-1", "jti-none", b"x"), b"y", T0);
    assert!(!store.rotate_session(&ghost, b"x").await.unwrap());
    assert_eq!(store.get_session("jti-none").await.unwrap(), None);

    // A new hash that another session holds is refused, and nothing changes.
    store
        .insert_session(&session(P, "sub-1", "jti-2", b"hash-o"))
        .await
        .unwrap();
    let clash = rotated(&third, b"hash-o", T0.plus_secs(30));
    assert_eq!(
        store.rotate_session(&clash, b"hash-c").await,
        Err(StoreError::Conflict(Conflict::Exists))
    );
    assert_eq!(store.get_session("jti-1").await.unwrap(), Some(third));
}

pub async fn concurrent_rotations_have_one_winner(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    let mut current = session(P, "sub-1", "jti-1", b"hash-start");
    store.insert_session(&current).await.unwrap();
    for round in 0..10u8 {
        let tasks: Vec<_> = (0..8u8)
            .map(|contender| {
                let store = store.clone();
                let next = rotated(&current, &[round, contender], T0.plus_secs(round.into()));
                let expected = current.refresh_hash.clone();
                tokio::spawn(async move {
                    let won = store.rotate_session(&next, &expected).await.unwrap();
                    (won, next)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (won, next) = task.await.unwrap();
            if won {
                winners.push(next);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}");
        current = winners.remove(0);
        assert_eq!(
            store.get_session("jti-1").await.unwrap(),
            Some(current.clone()),
            "round {round}"
        );
    }
}

pub async fn sessions_are_revoked_one_or_all_of_a_user(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    add_user(&store, P, "sub-2", "bob").await;
    let a: Vec<_> = (1..=3)
        .map(|i| {
            session(
                P,
                "sub-1",
                &format!("jti-a{i}"),
                format!("hash-a{i}").as_bytes(),
            )
        })
        .collect();
    let b = session(P, "sub-2", "jti-b", b"hash-b");
    for s in a.iter().chain([&b]) {
        store.insert_session(s).await.unwrap();
    }
    let revoked = |s: &cognate_domain::tokens::AuthSession, at: Timestamp| {
        let mut s = s.clone();
        s.revoked = Some(at);
        Some(s)
    };

    let t1 = T0.plus_secs(60);
    assert!(store.revoke_session("jti-a1", t1).await.unwrap());
    assert_eq!(
        store.get_session("jti-a1").await.unwrap(),
        revoked(&a[0], t1)
    );
    assert_eq!(
        store.get_session_by_refresh_hash(b"hash-a1").await.unwrap(),
        revoked(&a[0], t1)
    );
    assert_eq!(
        store.get_session("jti-a2").await.unwrap(),
        Some(a[1].clone())
    );
    // Revoking again succeeds and keeps the first time; an unknown session is false.
    let t2 = t1.plus_secs(60);
    assert!(store.revoke_session("jti-a1", t2).await.unwrap());
    assert_eq!(
        store.get_session("jti-a1").await.unwrap(),
        revoked(&a[0], t1)
    );
    assert!(!store.revoke_session("jti-none", t2).await.unwrap());
    // A revoked session is not rotated.
    let late = rotated(&a[0], b"hash-late", t2);
    assert!(!store.rotate_session(&late, b"hash-a1").await.unwrap());
    assert_eq!(
        store.get_session("jti-a1").await.unwrap(),
        revoked(&a[0], t1)
    );

    // All of a user's sessions: only those not yet revoked count.
    assert_eq!(store.revoke_user_sessions(P, "sub-1", t2).await.unwrap(), 2);
    assert_eq!(
        store.get_session("jti-a1").await.unwrap(),
        revoked(&a[0], t1)
    );
    for s in &a[1..] {
        assert_eq!(
            store.get_session(&s.origin_jti).await.unwrap(),
            revoked(s, t2)
        );
        assert_eq!(
            store
                .get_session_by_refresh_hash(&s.refresh_hash)
                .await
                .unwrap(),
            revoked(s, t2)
        );
    }
    assert_eq!(store.get_session("jti-b").await.unwrap(), Some(b.clone()));
    assert_eq!(store.revoke_user_sessions(P, "sub-1", t2).await.unwrap(), 0);
    assert_eq!(
        store
            .revoke_user_sessions(OTHER, "sub-2", t2)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.get_session("jti-b").await.unwrap(), Some(b));
}

pub async fn single_use_markers_are_used_once(store: Arc<dyn Store>) {
    let expires = T0.plus_secs(180).millis();
    assert!(store.use_once("step:1", expires).await.unwrap());
    assert!(!store.use_once("step:1", expires).await.unwrap());
    assert!(!store.use_once("step:1", expires + 1000).await.unwrap());
    assert!(store.use_once("step:2", expires).await.unwrap());
    // Keys compare exactly.
    assert!(store.use_once("STEP:1", expires).await.unwrap());
    assert!(store.use_once("step:1 ", expires).await.unwrap());
}

pub async fn concurrent_use_once_has_one_winner(store: Arc<dyn Store>) {
    let expires = T0.plus_secs(180).millis();
    for round in 0..10 {
        let key = format!("step:{round}");
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                let key = key.clone();
                tokio::spawn(async move { store.use_once(&key, expires).await.unwrap() })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            wins += usize::from(task.await.unwrap());
        }
        assert_eq!(wins, 1, "round {round}");
    }
}

/// One attempt an hour: a reservation tells whether the counter was on record.
const ONE_PER_HOUR: AttemptLimit = AttemptLimit {
    max_attempts: 1,
    reset_after_ms: 3_600_000,
    backoff: None,
};

pub async fn attempt_counters_cap_reset_and_clear(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let three = AttemptLimit {
        max_attempts: 3,
        reset_after_ms: 60_000,
        backoff: None,
    };
    let t = T0.millis();
    let reserve = |pool: &'static str, key: &'static str, at: i64| {
        let store = store.clone();
        async move { store.reserve_attempt(pool, key, &three, at).await.unwrap() }
    };
    assert_eq!(reserve(P, "sub-1", t).await, Some(1));
    assert_eq!(reserve(P, "sub-1", t + 10_000).await, Some(2));
    assert_eq!(reserve(P, "sub-1", t + 20_000).await, Some(3));
    assert_eq!(reserve(P, "sub-1", t + 30_000).await, None, "over the cap");
    // Counters are per pool and per key, and a key needs no user.
    assert_eq!(reserve(P, "unknown:00ff", t + 30_000).await, Some(1));
    assert_eq!(reserve(OTHER, "sub-1", t + 30_000).await, Some(1));
    // A refused attempt does not keep the counter alive: it resets a minute after the last
    // reserved one (t + 20 s), not after the refused one (t + 30 s).
    assert_eq!(reserve(P, "sub-1", t + 79_999).await, None);
    assert_eq!(
        reserve(P, "sub-1", t + 80_000).await,
        Some(1),
        "started afresh"
    );
    assert_eq!(reserve(P, "sub-1", t + 80_001).await, Some(2));
    // Clearing forgets the counter; clearing again is harmless.
    store.clear_attempts(P, "sub-1").await.unwrap();
    store.clear_attempts(P, "sub-1").await.unwrap();
    assert_eq!(reserve(P, "sub-1", t + 80_002).await, Some(1));
    assert_eq!(
        reserve(OTHER, "sub-1", t + 80_002).await,
        Some(2),
        "the other pool's counter is its own"
    );
    // Keys compare exactly.
    assert_eq!(reserve(P, "SUB-1", t + 80_002).await, Some(1));
}

pub async fn attempt_counters_back_off(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    // Two free attempts, then 1 s, 2 s, 4 s, and 4 s from then on; reset after an hour.
    let limit = AttemptLimit {
        max_attempts: i64::MAX,
        reset_after_ms: 3_600_000,
        backoff: Some(Backoff {
            after_attempts: 2,
            first_delay_ms: 1000,
            max_delay_ms: 4000,
        }),
    };
    let t0 = T0.millis();
    let reserve = |at: i64| {
        let store = store.clone();
        async move { store.reserve_attempt(P, "sub-1", &limit, at).await.unwrap() }
    };
    assert_eq!(reserve(t0).await, Some(1));
    assert_eq!(reserve(t0).await, Some(2));
    assert_eq!(reserve(t0 + 999).await, None, "1 s after two");
    assert_eq!(reserve(t0 + 1000).await, Some(3));
    assert_eq!(reserve(t0 + 2999).await, None, "2 s after three");
    assert_eq!(reserve(t0 + 3000).await, Some(4));
    assert_eq!(reserve(t0 + 6999).await, None, "4 s after four");
    assert_eq!(reserve(t0 + 7000).await, Some(5));
    assert_eq!(reserve(t0 + 10_999).await, None, "capped at 4 s");
    assert_eq!(reserve(t0 + 11_000).await, Some(6));
    // Refused attempts leave the delay as it was.
    for at in [11_500, 12_000, 14_000] {
        assert_eq!(reserve(t0 + at).await, None);
    }
    assert_eq!(reserve(t0 + 15_000).await, Some(7));
    // Past the reset the run starts over, free attempts included.
    let later = t0 + 15_000 + 3_600_000;
    assert_eq!(reserve(later).await, Some(1));
    assert_eq!(reserve(later).await, Some(2));
    assert_eq!(reserve(later).await, None);
    // Long runs stay capped (no overflow of the doubling).
    let mut at = later;
    for _ in 0..70 {
        at += 4000;
        assert!(reserve(at).await.is_some());
    }
}

/// 30 concurrent reservations on one counter; returns the counts of those that got through.
async fn thirty_at_once(store: &Arc<dyn Store>, limit: AttemptLimit) -> Vec<i64> {
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .reserve_attempt(P, "sub-1", &limit, T0.millis())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.extend(task.await.unwrap());
    }
    counts.sort_unstable();
    counts
}

pub async fn concurrent_reservations_never_exceed_the_limit(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    // A cap of five: exactly five of thirty get through, each with a count of its own.
    let capped = AttemptLimit {
        max_attempts: 5,
        reset_after_ms: 3_600_000,
        backoff: None,
    };
    assert_eq!(thirty_at_once(&store, capped).await, vec![1, 2, 3, 4, 5]);
    store.clear_attempts(P, "sub-1").await.unwrap();
    // Five free attempts then a delay: thirty at the same instant get five through.
    let backing_off = AttemptLimit {
        max_attempts: i64::MAX,
        reset_after_ms: 900_000,
        backoff: Some(Backoff {
            after_attempts: 5,
            first_delay_ms: 1000,
            max_delay_ms: 900_000,
        }),
    };
    assert_eq!(
        thirty_at_once(&store, backing_off).await,
        vec![1, 2, 3, 4, 5]
    );
}

pub async fn purge_expired_removes_only_what_expired(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-1", "alice").await;
    let at = |secs: i64| T0.plus_secs(secs);
    let mut early = session(P, "sub-1", "jti-early", b"hash-early");
    early.expires = at(10);
    let mut late = session(P, "sub-1", "jti-late", b"hash-late");
    late.expires = at(100);
    store.insert_session(&early).await.unwrap();
    store.insert_session(&late).await.unwrap();
    assert!(store.use_once("m-early", at(10).millis()).await.unwrap());
    assert!(store.use_once("m-late", at(100).millis()).await.unwrap());
    for (key, reset_after_secs) in [("c-early", 10), ("c-late", 100)] {
        let limit = AttemptLimit {
            max_attempts: 1,
            reset_after_ms: reset_after_secs * 1000,
            backoff: None,
        };
        let reserved = store
            .reserve_attempt(P, key, &limit, at(0).millis())
            .await
            .unwrap();
        assert_eq!(reserved, Some(1));
    }

    // Expired means strictly before `now`.
    assert_eq!(store.purge_expired(at(10).millis()).await.unwrap(), 0);
    assert_eq!(store.purge_expired(at(50).millis()).await.unwrap(), 3);
    assert_eq!(store.get_session("jti-early").await.unwrap(), None);
    assert_eq!(
        store
            .get_session_by_refresh_hash(b"hash-early")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_session("jti-late").await.unwrap(), Some(late));
    assert!(store.use_once("m-early", at(200).millis()).await.unwrap());
    assert!(!store.use_once("m-late", at(200).millis()).await.unwrap());
    assert_eq!(store.purge_expired(at(50).millis()).await.unwrap(), 0);

    // A backlog larger than any sensible batch goes in one call.
    const BACKLOG: u64 = 2_500;
    for i in 0..BACKLOG {
        assert!(
            store
                .use_once(&format!("b-{i}"), at(150).millis())
                .await
                .unwrap()
        );
    }
    assert_eq!(
        store.purge_expired(at(160).millis()).await.unwrap(),
        3 + BACKLOG
    );
    assert_eq!(store.get_session("jti-late").await.unwrap(), None);
    assert!(store.use_once("b-0", at(300).millis()).await.unwrap());
    assert!(!store.use_once("m-early", at(300).millis()).await.unwrap());
    assert_eq!(store.purge_expired(i64::MAX).await.unwrap(), 2);
    assert!(store.use_once("m-early", at(300).millis()).await.unwrap());
}

pub async fn outbox_lists_newest_first(store: Arc<dyn Store>) {
    // Outbox entries need no pool row: the outbox is a log.
    for (pool_id, id) in [(P, "1"), (OTHER, "2"), (P, "3"), (P, "4")] {
        store
            .append_outbox(&outbox_entry(pool_id, id))
            .await
            .unwrap();
    }
    let entries = |pool_id: Option<&'static str>, limit| {
        let store = store.clone();
        async move { ids(&store.list_outbox(pool_id, limit).await.unwrap(), |e| &e.id) }
    };
    assert_eq!(entries(None, 10).await, ["4", "3", "2", "1"]);
    assert_eq!(entries(None, 2).await, ["4", "3"]);
    assert_eq!(entries(Some(P), 10).await, ["4", "3", "1"]);
    assert_eq!(entries(Some(OTHER), 10).await, ["2"]);
    assert!(entries(Some("us-east-1_none"), 10).await.is_empty());
    let stored = store.list_outbox(Some(OTHER), 1).await.unwrap();
    assert_eq!(stored, [outbox_entry(OTHER, "2")]);
}

pub async fn wipe_all_empties_every_table(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    store.insert_client(&client(P, "client-1")).await.unwrap();
    let alice = user(P, "sub-1", "alice");
    store
        .save_users(&[insert(
            &alice,
            &["email:a@example.com"],
            &[("email", "a@example.com")],
        )])
        .await
        .unwrap();
    store.insert_group(&group(P, "g1")).await.unwrap();
    store.add_user_to_group(P, "g1", "sub-1").await.unwrap();
    store
        .put_code(&code(P, "sub-1", "sign_up", b"h"))
        .await
        .unwrap();
    store.append_outbox(&outbox_entry(P, "1")).await.unwrap();
    store
        .insert_session(&session(P, "sub-1", "jti-1", b"hash-1"))
        .await
        .unwrap();
    store
        .insert_signing_key(&signing_key(P, "kid-1", KeyPurpose::Id))
        .await
        .unwrap();
    let reserved = store
        .reserve_attempt(P, "sub-1", &ONE_PER_HOUR, T0.millis())
        .await
        .unwrap();
    assert_eq!(reserved, Some(1));
    assert!(store.use_once("step:1", i64::MAX).await.unwrap());

    store.wipe_all().await.unwrap();

    assert!(store.list_pools(None, 10).await.unwrap().is_empty());
    assert_eq!(store.get_client("client-1").await.unwrap(), None);
    assert_eq!(store.count_users(P).await.unwrap(), 0);
    assert_eq!(
        store
            .get_user_by_alias(P, "email:a@example.com")
            .await
            .unwrap(),
        None
    );
    assert!(
        list(&store, Some(("email", "", true)), None, 10)
            .await
            .is_empty()
    );
    assert_eq!(store.get_group(P, "g1").await.unwrap(), None);
    assert!(
        store
            .list_groups_for_user(P, "sub-1", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.get_code(P, "sub-1", "sign_up").await.unwrap(), None);
    assert!(store.list_outbox(None, 10).await.unwrap().is_empty());
    assert_eq!(store.get_session("jti-1").await.unwrap(), None);
    assert!(store.list_signing_keys(P).await.unwrap().is_empty());

    // The schema is still there and every key is free.
    with_pools(&store, &[P]).await;
    store.insert_client(&client(P, "client-1")).await.unwrap();
    store
        .save_users(&[insert(&alice, &["email:a@example.com"], &[])])
        .await
        .unwrap();
    store
        .insert_session(&session(P, "sub-1", "jti-1", b"hash-1"))
        .await
        .unwrap();
    store
        .insert_signing_key(&signing_key(P, "kid-1", KeyPurpose::Id))
        .await
        .unwrap();
    assert!(store.use_once("step:1", i64::MAX).await.unwrap());
    let reserved = store
        .reserve_attempt(P, "sub-1", &ONE_PER_HOUR, T0.millis())
        .await
        .unwrap();
    assert_eq!(reserved, Some(1), "the counter went with the wipe");
    store.ping().await.unwrap();
}

/// Data written through one store is there after it is dropped and the database opened
/// again (a restart). `open` opens the same database each time it is called.
pub async fn survives_reconnect<F, Fut>(open: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    let alice = user(P, "sub-1", "alice");
    {
        let store = open().await;
        with_pools(&store, &[P]).await;
        store.insert_client(&client(P, "client-1")).await.unwrap();
        store
            .save_users(&[insert(
                &alice,
                &["email:a@example.com"],
                &[("email", "a@example.com")],
            )])
            .await
            .unwrap();
        store.insert_group(&group(P, "g1")).await.unwrap();
        store.add_user_to_group(P, "g1", "sub-1").await.unwrap();
        store
            .put_code(&code(P, "sub-1", "sign_up", b"h"))
            .await
            .unwrap();
        store.append_outbox(&outbox_entry(P, "1")).await.unwrap();
        store
            .insert_session(&session(P, "sub-1", "jti-1", b"hash-1"))
            .await
            .unwrap();
        store.revoke_session("jti-1", T0).await.unwrap();
        store
            .insert_signing_key(&signing_key(P, "kid-1", KeyPurpose::Id))
            .await
            .unwrap();
        let reserved = store
            .reserve_attempt(P, "sub-1", &ONE_PER_HOUR, T0.millis())
            .await
            .unwrap();
        assert_eq!(reserved, Some(1));
        assert!(store.use_once("step:1", i64::MAX).await.unwrap());
    }
    // Opening again also re-runs the migrations, which must find nothing to do.
    let store = open().await;
    assert_eq!(store.get_pool(P).await.unwrap(), Some(pool(P)));
    assert_eq!(
        store.get_client("client-1").await.unwrap(),
        Some(client(P, "client-1"))
    );
    assert_eq!(
        store
            .get_user_by_alias(P, "email:a@example.com")
            .await
            .unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        list(&store, Some(("email", "a@", true)), None, 10).await,
        ["alice"]
    );
    assert_eq!(
        usernames(&store.list_users_in_group(P, "g1", None, 10).await.unwrap()),
        ["alice"]
    );
    assert_eq!(
        store.get_code(P, "sub-1", "sign_up").await.unwrap(),
        Some(code(P, "sub-1", "sign_up", b"h"))
    );
    assert_eq!(
        store.list_outbox(None, 10).await.unwrap(),
        [outbox_entry(P, "1")]
    );
    let mut revoked = session(P, "sub-1", "jti-1", b"hash-1");
    revoked.revoked = Some(T0);
    assert_eq!(
        store.get_session_by_refresh_hash(b"hash-1").await.unwrap(),
        Some(revoked)
    );
    assert_eq!(
        store.list_signing_keys(P).await.unwrap(),
        [signing_key(P, "kid-1", KeyPurpose::Id)]
    );
    assert_eq!(
        store
            .reserve_attempt(P, "sub-1", &ONE_PER_HOUR, T0.millis())
            .await
            .unwrap(),
        None,
        "the counter is still on record"
    );
    // Constraints came back too.
    assert!(!store.use_once("step:1", i64::MAX).await.unwrap());
    assert_eq!(
        store
            .insert_signing_key(&signing_key(P, "kid-2", KeyPurpose::Id))
            .await,
        conflict(Conflict::Exists)
    );
    let bob = user(P, "sub-2", "bob");
    let clash: UserWrite = insert(&bob, &["email:a@example.com"], &[]);
    assert_eq!(
        store.save_users(&[clash]).await,
        conflict(Conflict::Alias("email:a@example.com".to_owned()))
    );
}
