//! The suite for the `IdentityStore` family: identity pools, identities and the index of
//! their logins, and the identity issuer's keys.

use std::collections::BTreeMap;
use std::sync::Arc;

use cognate_domain::identity_pool::IdentityPool;
use cognate_domain::identity_pool::identity::{Identity, LinkedLogin};
use cognate_domain::identity_pool::openid::IssuerKeyRecord;
use cognate_domain::identity_pool::ports::{IdentityChanges, IdentityWrite};
use cognate_domain::ports::{Conflict, Store, StoreError};
use cognate_domain::time::Timestamp;

use crate::records::T0;

const IP: &str = "us-east-1:00000000-0000-4000-8000-000000000001";
const IP2: &str = "us-east-1:00000000-0000-4000-8000-000000000002";
const UP: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool";

fn identity_pool(id: &str) -> IdentityPool {
    IdentityPool {
        id: id.to_owned(),
        name: format!("pool {id}"),
        allow_unauthenticated: true,
        allow_classic_flow: false,
        supported_login_providers: BTreeMap::new(),
        developer_provider_name: None,
        open_id_connect_provider_arns: Vec::new(),
        cognito_identity_providers: Vec::new(),
        saml_provider_arns: Vec::new(),
        tags: BTreeMap::new(),
        roles: BTreeMap::new(),
        role_mappings: BTreeMap::new(),
        principal_tags: BTreeMap::new(),
        created: T0,
        version: 1,
    }
}

fn identity(pool_id: &str, id: &str, logins: &[(&str, &str)]) -> Identity {
    Identity {
        identity_id: id.to_owned(),
        pool_id: pool_id.to_owned(),
        logins: logins
            .iter()
            .map(|(provider, subject)| LinkedLogin {
                provider: (*provider).to_owned(),
                subject: (*subject).to_owned(),
                developer: false,
            })
            .collect(),
        disabled: false,
        created: T0,
        modified: T0,
        version: 1,
    }
}

fn insert(identity: &Identity) -> IdentityChanges {
    IdentityChanges {
        deletes: Vec::new(),
        writes: vec![IdentityWrite {
            identity: identity.clone(),
            expected_version: None,
        }],
    }
}

fn refused(result: Result<(), StoreError>, kind: Conflict) {
    assert_eq!(result.err(), Some(StoreError::Conflict(kind)));
}

pub async fn identity_pools_round_trip_list_count_and_check_versions(store: Arc<dyn Store>) {
    assert_eq!(store.count_identity_pools().await.unwrap(), 0);
    let pool = identity_pool(IP2);
    store.insert_identity_pool(&pool).await.unwrap();
    store
        .insert_identity_pool(&identity_pool(IP))
        .await
        .unwrap();
    refused(store.insert_identity_pool(&pool).await, Conflict::Exists);
    assert_eq!(
        store.get_identity_pool(IP2).await.unwrap(),
        Some(pool.clone())
    );
    assert_eq!(store.count_identity_pools().await.unwrap(), 2);
    let ids: Vec<String> = store
        .list_identity_pools(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ids, [IP, IP2]);
    let rest = store.list_identity_pools(Some(IP), 10).await.unwrap();
    assert_eq!(rest.len(), 1);

    let mut renamed = pool.clone();
    renamed.name = "renamed".to_owned();
    renamed.version = 2;
    store.update_identity_pool(&renamed, 1).await.unwrap();
    refused(
        store.update_identity_pool(&renamed, 1).await,
        Conflict::Version,
    );
    assert_eq!(store.get_identity_pool(IP2).await.unwrap(), Some(renamed));
    assert!(store.delete_identity_pool(IP2).await.unwrap());
    assert!(!store.delete_identity_pool(IP2).await.unwrap());
    refused(
        store.update_identity_pool(&pool, 2).await,
        Conflict::Missing,
    );
}

pub async fn identity_logins_are_unique_per_pool_and_changes_are_atomic(store: Arc<dyn Store>) {
    store
        .insert_identity_pool(&identity_pool(IP))
        .await
        .unwrap();
    store
        .insert_identity_pool(&identity_pool(IP2))
        .await
        .unwrap();
    let a = identity(IP, "us-east-1:a", &[(UP, "sub-1")]);
    store.apply_identity_changes(&insert(&a)).await.unwrap();
    assert_eq!(
        store.find_identity_by_login(IP, UP, "sub-1").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store
            .find_identity_by_login(IP2, UP, "sub-1")
            .await
            .unwrap(),
        None
    );

    // A login another identity of the pool holds refuses the whole change.
    let b = identity(IP, "us-east-1:b", &[(UP, "sub-2"), (UP, "sub-1")]);
    refused(
        store.apply_identity_changes(&insert(&b)).await,
        Conflict::Exists,
    );
    assert_eq!(store.get_identity("us-east-1:b").await.unwrap(), None);
    assert_eq!(
        store.find_identity_by_login(IP, UP, "sub-2").await.unwrap(),
        None
    );
    // The same login in another pool is another login.
    let other = identity(IP2, "us-east-1:c", &[(UP, "sub-1")]);
    store.apply_identity_changes(&insert(&other)).await.unwrap();
    // An identity of a pool that does not exist is refused.
    let orphan = identity("us-east-1:gone", "us-east-1:o", &[]);
    refused(
        store.apply_identity_changes(&insert(&orphan)).await,
        Conflict::Missing,
    );

    // A merge: delete one identity and give its login to another, in one change.
    let guest = identity(IP, "us-east-1:g", &[]);
    store.apply_identity_changes(&insert(&guest)).await.unwrap();
    let mut merged = guest.clone();
    merged.logins = a.logins.clone();
    merged.version = 2;
    let merge = IdentityChanges {
        deletes: vec![(a.identity_id.clone(), 1)],
        writes: vec![IdentityWrite {
            identity: merged.clone(),
            expected_version: Some(1),
        }],
    };
    store.apply_identity_changes(&merge).await.unwrap();
    assert_eq!(store.get_identity("us-east-1:a").await.unwrap(), None);
    assert_eq!(
        store.find_identity_by_login(IP, UP, "sub-1").await.unwrap(),
        Some(merged.clone())
    );
    // Stale versions refuse the change and leave everything as it was.
    refused(
        store.apply_identity_changes(&merge).await,
        Conflict::Version,
    );
    let mut stale = merged.clone();
    stale.logins.clear();
    let stale_update = IdentityChanges {
        deletes: Vec::new(),
        writes: vec![IdentityWrite {
            identity: stale,
            expected_version: Some(1),
        }],
    };
    refused(
        store.apply_identity_changes(&stale_update).await,
        Conflict::Version,
    );
    assert_eq!(
        store.find_identity_by_login(IP, UP, "sub-1").await.unwrap(),
        Some(merged)
    );

    // Listing in id order, paged; deleting the pool takes its identities and logins.
    let listed: Vec<String> = store
        .list_identities(IP, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.identity_id)
        .collect();
    assert_eq!(listed, ["us-east-1:g"]);
    assert!(
        store
            .list_identities(IP, Some("us-east-1:g"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.delete_identity_pool(IP).await.unwrap());
    assert_eq!(store.get_identity("us-east-1:g").await.unwrap(), None);
    assert_eq!(
        store.find_identity_by_login(IP, UP, "sub-1").await.unwrap(),
        None
    );
    assert!(store.get_identity("us-east-1:c").await.unwrap().is_some());
}

pub async fn concurrent_first_logins_have_one_winner(store: Arc<dyn Store>) {
    store
        .insert_identity_pool(&identity_pool(IP))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..30)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let candidate = identity(IP, &format!("us-east-1:{n}"), &[(UP, "sub-racer")]);
                store.apply_identity_changes(&insert(&candidate)).await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => wins += 1,
            Err(e) => assert_eq!(e, StoreError::Conflict(Conflict::Exists)),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(store.list_identities(IP, None, 60).await.unwrap().len(), 1);
}

pub async fn issuer_keys_have_one_active_key(store: Arc<dyn Store>) {
    let key = |kid: &str| IssuerKeyRecord {
        kid: kid.to_owned(),
        sealed_pem: vec![1, 2, 3],
        created: T0,
        retired: None,
    };
    store.insert_issuer_key(&key("k1")).await.unwrap();
    refused(store.insert_issuer_key(&key("k2")).await, Conflict::Exists);
    let retired_at = Timestamp(T0.millis() + 1000);
    store.retire_issuer_keys(retired_at).await.unwrap();
    store.insert_issuer_key(&key("k2")).await.unwrap();
    let mut keys = store.list_issuer_keys().await.unwrap();
    keys.sort_by(|a, b| a.kid.cmp(&b.kid));
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].retired, Some(retired_at));
    assert_eq!(keys[1].retired, None);
    store.wipe_all().await.unwrap();
    assert!(store.list_issuer_keys().await.unwrap().is_empty());
}
