//! The suite for the `SigningKeyStore` family: signing keys and rotation.

use std::sync::Arc;

use cognate_domain::ports::{Conflict, Store};
use cognate_domain::signing::{KeyPurpose, SigningKeyRecord};
use cognate_domain::time::Timestamp;

use super::{OTHER, P, conflict, with_pools};
use crate::records::{T0, signing_key};

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
