//! The suite for the `SessionStore` family: sessions, refresh rotation and revocation.

use std::sync::Arc;

use cognate_domain::ports::{Conflict, Store, StoreError};
use cognate_domain::time::Timestamp;

use super::{OTHER, P, add_user, conflict, with_pools};
use crate::records::{T0, rotated, session};

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
