//! The suite for the `AuthenticatorStore` half of the port: users' remembered devices and
//! passkeys.

use std::sync::Arc;

use cognate_domain::devices::Device;
use cognate_domain::passkeys::Passkey;
use cognate_domain::ports::{Conflict, Store, StoreError};

use super::{OTHER, P, add_user, with_pools};
use crate::records::T0;

fn device(pool_id: &str, sub: &str, key: &str) -> Device {
    Device {
        pool_id: pool_id.to_owned(),
        sub: sub.to_owned(),
        device_key: key.to_owned(),
        group_key: "-group".to_owned(),
        sealed_verifier: vec![1, 2, 3],
        name: Some(format!("{key} name")),
        remembered: true,
        created: T0,
        modified: T0,
        last_authenticated: None,
    }
}

fn keys(devices: &[Device]) -> Vec<&str> {
    devices.iter().map(|d| d.device_key.as_str()).collect()
}

pub async fn devices_round_trip_list_in_key_order_and_go_with_their_user(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    add_user(&store, P, "sub-a", "alice").await;
    add_user(&store, P, "sub-b", "bob").await;
    add_user(&store, OTHER, "sub-a", "alice").await;
    for key in ["k3", "k1", "k2"] {
        store.insert_device(&device(P, "sub-a", key)).await.unwrap();
    }
    store
        .insert_device(&device(P, "sub-b", "k1"))
        .await
        .unwrap();
    store
        .insert_device(&device(OTHER, "sub-a", "k9"))
        .await
        .unwrap();
    // The key is unique per user, not across users or pools.
    assert_eq!(
        store.insert_device(&device(P, "sub-a", "k1")).await,
        Err(StoreError::Conflict(Conflict::Exists))
    );
    // A device cannot outlive, or be added to, a user that is gone.
    assert_eq!(
        store.insert_device(&device(P, "sub-gone", "k1")).await,
        Err(StoreError::Conflict(Conflict::Missing))
    );

    let found = store.get_device(P, "sub-a", "k2").await.unwrap();
    assert_eq!(found, Some(device(P, "sub-a", "k2")));
    assert_eq!(store.get_device(P, "sub-b", "k2").await.unwrap(), None);
    assert_eq!(store.get_device(OTHER, "sub-a", "k1").await.unwrap(), None);

    let mut changed = device(P, "sub-a", "k2");
    changed.remembered = false;
    changed.last_authenticated = Some(T0);
    store.update_device(&changed).await.unwrap();
    assert_eq!(
        store.get_device(P, "sub-a", "k2").await.unwrap(),
        Some(changed)
    );
    assert_eq!(
        store.update_device(&device(P, "sub-b", "k7")).await,
        Err(StoreError::Conflict(Conflict::Missing))
    );

    let all = store.list_devices(P, "sub-a", None, 10).await.unwrap();
    assert_eq!(keys(&all), ["k1", "k2", "k3"]);
    let first = store.list_devices(P, "sub-a", None, 2).await.unwrap();
    assert_eq!(keys(&first), ["k1", "k2"]);
    let rest = store.list_devices(P, "sub-a", Some("k2"), 2).await.unwrap();
    assert_eq!(keys(&rest), ["k3"]);
    assert_eq!(
        keys(&store.list_devices(P, "sub-b", None, 10).await.unwrap()),
        ["k1"]
    );

    assert!(store.delete_device(P, "sub-a", "k1").await.unwrap());
    assert!(!store.delete_device(P, "sub-a", "k1").await.unwrap());
    assert_eq!(
        keys(&store.list_devices(P, "sub-a", None, 10).await.unwrap()),
        ["k2", "k3"]
    );

    // Deleting the user (or its pool) deletes its devices and no one else's.
    assert!(store.delete_user(P, "sub-a").await.unwrap());
    assert!(
        store
            .list_devices(P, "sub-a", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.get_device(P, "sub-b", "k1").await.unwrap().is_some());
    assert!(store.delete_pool(OTHER).await.unwrap());
    assert_eq!(store.get_device(OTHER, "sub-a", "k9").await.unwrap(), None);
}

fn passkey(pool_id: &str, sub: &str, id: &str) -> Passkey {
    Passkey {
        pool_id: pool_id.to_owned(),
        sub: sub.to_owned(),
        credential_id: id.to_owned(),
        public_key: vec![4, 1, 2],
        sign_count: 0,
        relying_party_id: "example.com".to_owned(),
        friendly_name: None,
        authenticator_attachment: Some("platform".to_owned()),
        transports: vec!["internal".to_owned()],
        created: T0,
        last_used: None,
    }
}

fn ids(passkeys: &[Passkey]) -> Vec<&str> {
    passkeys.iter().map(|p| p.credential_id.as_str()).collect()
}

pub async fn passkeys_round_trip_list_in_id_order_and_go_with_their_user(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    add_user(&store, P, "sub-a", "alice").await;
    add_user(&store, P, "sub-b", "bob").await;
    for id in ["c3", "c1", "c2"] {
        store
            .insert_passkey(&passkey(P, "sub-a", id))
            .await
            .unwrap();
    }
    store
        .insert_passkey(&passkey(P, "sub-b", "c1"))
        .await
        .unwrap();
    assert_eq!(
        store.insert_passkey(&passkey(P, "sub-a", "c1")).await,
        Err(StoreError::Conflict(Conflict::Exists))
    );
    assert_eq!(
        store.insert_passkey(&passkey(P, "sub-gone", "c1")).await,
        Err(StoreError::Conflict(Conflict::Missing))
    );
    assert_eq!(
        store.get_passkey(P, "sub-a", "c2").await.unwrap(),
        Some(passkey(P, "sub-a", "c2"))
    );
    assert_eq!(store.get_passkey(OTHER, "sub-a", "c2").await.unwrap(), None);
    let mut used = passkey(P, "sub-a", "c2");
    used.sign_count = 9;
    used.last_used = Some(T0);
    store.update_passkey(&used).await.unwrap();
    assert_eq!(
        store.get_passkey(P, "sub-a", "c2").await.unwrap(),
        Some(used)
    );
    assert_eq!(
        store.update_passkey(&passkey(P, "sub-b", "c9")).await,
        Err(StoreError::Conflict(Conflict::Missing))
    );
    assert_eq!(
        ids(&store.list_passkeys(P, "sub-a", None, 2).await.unwrap()),
        ["c1", "c2"]
    );
    assert_eq!(
        ids(&store
            .list_passkeys(P, "sub-a", Some("c2"), 2)
            .await
            .unwrap()),
        ["c3"]
    );
    assert!(store.delete_passkey(P, "sub-a", "c1").await.unwrap());
    assert!(!store.delete_passkey(P, "sub-a", "c1").await.unwrap());
    assert!(store.delete_user(P, "sub-a").await.unwrap());
    assert!(
        store
            .list_passkeys(P, "sub-a", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(&store.list_passkeys(P, "sub-b", None, 10).await.unwrap()),
        ["c1"]
    );
}
