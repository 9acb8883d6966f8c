//! The suite for the `OAuthStore` half of the port: domains and resource servers.

use std::sync::Arc;

use cognate_domain::domains::{DomainKind, UserPoolDomain};
use cognate_domain::ports::{Conflict, Store, StoreError};
use cognate_domain::resource_server::{ResourceServer, ResourceServerScope};

use super::{OTHER, P, with_pools};
use crate::records::T0;

fn domain(pool_id: &str, name: &str, kind: DomainKind) -> UserPoolDomain {
    UserPoolDomain {
        pool_id: pool_id.to_owned(),
        domain: name.to_owned(),
        kind,
        custom: None,
        managed_login_version: 1,
        created: T0,
        modified: T0,
    }
}

fn server(pool_id: &str, identifier: &str) -> ResourceServer {
    ResourceServer {
        pool_id: pool_id.to_owned(),
        identifier: identifier.to_owned(),
        name: format!("{identifier} api"),
        scopes: vec![ResourceServerScope {
            name: "read".to_owned(),
            description: "Read".to_owned(),
        }],
        created: T0,
        modified: T0,
    }
}

fn exists<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert_eq!(
        result.map(|_| ()).err(),
        Some(StoreError::Conflict(Conflict::Exists))
    );
}

pub async fn domains_are_unique_across_pools_and_one_per_kind(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let prefix = domain(P, "my-app", DomainKind::Prefix);
    store.insert_domain(&prefix).await.unwrap();
    assert_eq!(
        store.get_domain("my-app").await.unwrap(),
        Some(prefix.clone())
    );
    // The name is taken for every pool, and the pool has its prefix domain.
    exists(
        store
            .insert_domain(&domain(OTHER, "my-app", DomainKind::Custom))
            .await,
    );
    exists(
        store
            .insert_domain(&domain(P, "other-app", DomainKind::Prefix))
            .await,
    );
    let custom = domain(P, "auth.example.com", DomainKind::Custom);
    store.insert_domain(&custom).await.unwrap();
    assert_eq!(
        store.list_pool_domains(P).await.unwrap(),
        [custom.clone(), prefix.clone()]
    );
    assert!(store.list_pool_domains(OTHER).await.unwrap().is_empty());

    let mut updated = custom.clone();
    updated.managed_login_version = 2;
    store.update_domain(&updated).await.unwrap();
    assert_eq!(
        store.get_domain("auth.example.com").await.unwrap(),
        Some(updated)
    );
    let gone = domain(P, "gone.example.com", DomainKind::Custom);
    assert_eq!(
        store.update_domain(&gone).await,
        Err(StoreError::Conflict(Conflict::Missing))
    );

    // Deleting needs the owning pool.
    assert!(!store.delete_domain(OTHER, "my-app").await.unwrap());
    assert!(store.delete_domain(P, "my-app").await.unwrap());
    assert_eq!(store.get_domain("my-app").await.unwrap(), None);
    store
        .insert_domain(&domain(OTHER, "my-app", DomainKind::Prefix))
        .await
        .unwrap();

    // A pool's domains go with it.
    assert!(store.delete_pool(P).await.unwrap());
    assert_eq!(store.get_domain("auth.example.com").await.unwrap(), None);
}

pub async fn resource_servers_round_trip_and_list_in_order(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    for id in ["c", "a", "b"] {
        store.insert_resource_server(&server(P, id)).await.unwrap();
    }
    store
        .insert_resource_server(&server(OTHER, "a"))
        .await
        .unwrap();
    exists(store.insert_resource_server(&server(P, "a")).await);
    assert_eq!(
        store.get_resource_server(P, "a").await.unwrap(),
        Some(server(P, "a"))
    );
    assert_eq!(store.get_resource_server(P, "z").await.unwrap(), None);

    let ids = |servers: Vec<ResourceServer>| -> Vec<String> {
        servers.into_iter().map(|s| s.identifier).collect()
    };
    assert_eq!(
        ids(store.list_resource_servers(P, None, 2).await.unwrap()),
        ["a", "b"]
    );
    assert_eq!(
        ids(store.list_resource_servers(P, Some("b"), 2).await.unwrap()),
        ["c"]
    );

    let mut renamed = server(P, "b");
    renamed.name = "renamed".to_owned();
    renamed.scopes.clear();
    store.update_resource_server(&renamed).await.unwrap();
    assert_eq!(
        store.get_resource_server(P, "b").await.unwrap(),
        Some(renamed)
    );
    assert_eq!(
        store.update_resource_server(&server(P, "z")).await,
        Err(StoreError::Conflict(Conflict::Missing))
    );
    assert!(store.delete_resource_server(P, "b").await.unwrap());
    assert!(!store.delete_resource_server(P, "b").await.unwrap());

    assert!(store.delete_pool(P).await.unwrap());
    assert!(
        store
            .list_resource_servers(P, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(store.list_resource_servers(OTHER, None, 10).await.unwrap()),
        ["a"]
    );
}
