//! The suite for the `PoolStore` family: pools and app clients.

use std::sync::Arc;

use cognate_domain::ports::{Conflict, Store, UserQuery};
use cognate_domain::signing::KeyPurpose;

use super::{ONE_PER_HOUR, OTHER, P, conflict, ids, with_pools};
use crate::records::{
    T0, client, code, group, insert, outbox_entry, pool, session, signing_key, user,
};

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
