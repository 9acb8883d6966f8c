//! The suite for the `DeploymentStore` family: settings, the purge of expired rows, the
//! dev reset, and data surviving a reconnect.

use std::future::Future;
use std::sync::Arc;

use cognate_domain::ports::{AttemptLimit, Conflict, Store, UserWrite};
use cognate_domain::signing::KeyPurpose;

use super::{ONE_PER_HOUR, P, add_user, conflict, list, usernames, with_pools};
use crate::records::{
    T0, client, code, group, insert, outbox_entry, pool, session, signing_key, user,
};

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
