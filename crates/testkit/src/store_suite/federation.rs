//! The suite for the `IdentityProviderStore` half of the port: identity providers with
//! their pool-unique identifiers, the pool's SAML signing key, and federated links.

use std::collections::BTreeMap;
use std::sync::Arc;

use cognate_domain::enums::ProviderType;
use cognate_domain::federation::{FederatedLink, IdentityProvider, PoolSigningKey, StoredKeyPair};
use cognate_domain::ports::{Conflict, Store, StoreError};

use super::{OTHER, P, add_user, with_pools};
use crate::records::T0;

fn provider(pool_id: &str, name: &str, identifiers: &[&str]) -> IdentityProvider {
    IdentityProvider {
        pool_id: pool_id.to_owned(),
        name: name.to_owned(),
        provider_type: ProviderType::Oidc,
        details: BTreeMap::from([("client_id".to_owned(), format!("{name}-client"))]),
        sealed_details: BTreeMap::new(),
        derived: BTreeMap::new(),
        attribute_mapping: BTreeMap::from([("email".to_owned(), "email".to_owned())]),
        idp_identifiers: identifiers.iter().map(|i| (*i).to_owned()).collect(),
        acr_mapping: BTreeMap::new(),
        saml_key: None,
        created: T0,
        modified: T0,
    }
}

fn keys(provider: &IdentityProvider) -> Vec<String> {
    provider.identifier_keys()
}

fn link(provider: &str, attribute: &str, value: &str, sub: &str) -> FederatedLink {
    FederatedLink {
        pool_id: P.to_owned(),
        provider_name: provider.to_owned(),
        attribute_name: attribute.to_owned(),
        attribute_value: value.to_owned(),
        sub: sub.to_owned(),
        created: T0,
    }
}

fn names(providers: &[IdentityProvider]) -> Vec<&str> {
    providers.iter().map(|p| p.name.as_str()).collect()
}

pub async fn identity_providers_round_trip_with_pool_unique_identifiers(store: Arc<dyn Store>) {
    with_pools(&store, &[P, OTHER]).await;
    let corp = provider(P, "Corp", &["corp.example", "corp.test"]);
    store
        .insert_identity_provider(&corp, &keys(&corp))
        .await
        .unwrap();
    assert_eq!(
        store.get_identity_provider(P, "Corp").await.unwrap(),
        Some(corp.clone())
    );
    assert_eq!(
        store
            .get_identity_provider_by_identifier(P, "corp.test")
            .await
            .unwrap(),
        Some(corp.clone())
    );
    assert_eq!(
        store.get_identity_provider(OTHER, "Corp").await.unwrap(),
        None
    );

    // The name is taken in its pool only.
    assert_eq!(
        store
            .insert_identity_provider(&provider(P, "Corp", &[]), &[])
            .await,
        Err(StoreError::Conflict(Conflict::Exists))
    );
    let elsewhere = provider(OTHER, "Corp", &["corp.example"]);
    store
        .insert_identity_provider(&elsewhere, &keys(&elsewhere))
        .await
        .unwrap();

    // An identifier another provider of the pool holds refuses the whole insert.
    let rival = provider(P, "Rival", &["rival.example", "corp.example"]);
    assert_eq!(
        store.insert_identity_provider(&rival, &keys(&rival)).await,
        Err(StoreError::Conflict(Conflict::Alias(
            "corp.example".to_owned()
        )))
    );
    assert_eq!(store.get_identity_provider(P, "Rival").await.unwrap(), None);
    assert_eq!(
        store
            .get_identity_provider_by_identifier(P, "rival.example")
            .await
            .unwrap(),
        None
    );

    // An update replaces the identifiers; a refused update changes nothing.
    let mut moved = corp.clone();
    moved.idp_identifiers = vec!["corp.example".to_owned(), "new.example".to_owned()];
    store
        .update_identity_provider(&moved, &keys(&moved))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_identity_provider_by_identifier(P, "corp.test")
            .await
            .unwrap(),
        None
    );
    let other = provider(P, "Other", &["other.example"]);
    store
        .insert_identity_provider(&other, &keys(&other))
        .await
        .unwrap();
    let mut grabbing = other.clone();
    grabbing.idp_identifiers = vec!["new.example".to_owned()];
    grabbing.details.insert("x".to_owned(), "y".to_owned());
    assert_eq!(
        store
            .update_identity_provider(&grabbing, &keys(&grabbing))
            .await,
        Err(StoreError::Conflict(Conflict::Alias(
            "new.example".to_owned()
        )))
    );
    assert_eq!(
        store.get_identity_provider(P, "Other").await.unwrap(),
        Some(other.clone())
    );
    assert_eq!(
        store
            .get_identity_provider_by_identifier(P, "other.example")
            .await
            .unwrap(),
        Some(other.clone())
    );
    assert_eq!(
        store
            .update_identity_provider(&provider(P, "Gone", &[]), &[])
            .await,
        Err(StoreError::Conflict(Conflict::Missing))
    );

    // Listing is by name, paged after a name.
    let all = store.list_identity_providers(P, None, 10).await.unwrap();
    assert_eq!(names(&all), ["Corp", "Other"]);
    let rest = store
        .list_identity_providers(P, Some("Corp"), 10)
        .await
        .unwrap();
    assert_eq!(names(&rest), ["Other"]);
    assert_eq!(
        names(&store.list_identity_providers(P, None, 1).await.unwrap()),
        ["Corp"]
    );

    // Deleting frees the identifiers; a deleted pool takes its providers.
    assert!(store.delete_identity_provider(P, "Corp").await.unwrap());
    assert!(!store.delete_identity_provider(P, "Corp").await.unwrap());
    let reuse = provider(P, "Reuse", &["corp.example"]);
    store
        .insert_identity_provider(&reuse, &keys(&reuse))
        .await
        .unwrap();
    assert!(store.delete_pool(OTHER).await.unwrap());
    assert!(
        store
            .list_identity_providers(OTHER, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn concurrent_claims_of_one_identifier_have_one_winner(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    let mut tasks = Vec::new();
    for i in 0..30 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let p = provider(P, &format!("Idp{i:02}"), &["shared.example"]);
            store.insert_identity_provider(&p, &keys(&p)).await
        }));
    }
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => winners += 1,
            Err(StoreError::Conflict(Conflict::Alias(key))) => assert_eq!(key, "shared.example"),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(winners, 1);
    assert_eq!(
        store
            .list_identity_providers(P, None, 50)
            .await
            .unwrap()
            .len(),
        1
    );
}

pub async fn pool_signing_keys_keep_the_first(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    let key = |cert: u8| PoolSigningKey {
        pool_id: P.to_owned(),
        key: StoredKeyPair {
            sealed_private_key: vec![cert; 4],
            certificate_der: vec![cert; 8],
        },
        created: T0,
    };
    assert_eq!(store.get_pool_signing_key(P).await.unwrap(), None);
    assert!(store.insert_pool_signing_key(&key(1)).await.unwrap());
    assert!(!store.insert_pool_signing_key(&key(2)).await.unwrap());
    assert_eq!(store.get_pool_signing_key(P).await.unwrap(), Some(key(1)));
    assert!(store.delete_pool(P).await.unwrap());
    assert_eq!(store.get_pool_signing_key(P).await.unwrap(), None);
}

pub async fn federated_links_are_unique_and_go_with_their_user(store: Arc<dyn Store>) {
    with_pools(&store, &[P]).await;
    add_user(&store, P, "sub-a", "alice").await;
    add_user(&store, P, "sub-b", "bob").await;
    let by_subject = link("Corp", "Cognito_Subject", "1234", "sub-a");
    let by_email = link("Corp", "email", "a@corp.example", "sub-a");
    store.insert_federated_link(&by_subject).await.unwrap();
    store.insert_federated_link(&by_email).await.unwrap();
    store
        .insert_federated_link(&link("Google", "Cognito_Subject", "g1", "sub-b"))
        .await
        .unwrap();

    // One outside identity links to one user only.
    assert_eq!(
        store
            .insert_federated_link(&link("Corp", "Cognito_Subject", "1234", "sub-b"))
            .await,
        Err(StoreError::Conflict(Conflict::Exists))
    );
    assert_eq!(
        store
            .insert_federated_link(&link("Corp", "Cognito_Subject", "9", "sub-gone"))
            .await,
        Err(StoreError::Conflict(Conflict::Missing))
    );
    assert_eq!(
        store
            .get_federated_link(P, "Corp", "Cognito_Subject", "1234")
            .await
            .unwrap(),
        Some(by_subject.clone())
    );
    assert_eq!(
        store
            .list_federated_links_for_user(P, "sub-a")
            .await
            .unwrap(),
        [by_subject.clone(), by_email.clone()]
    );
    assert_eq!(
        store.linked_attribute_names(P, "Corp").await.unwrap(),
        ["Cognito_Subject", "email"]
    );

    assert!(
        store
            .delete_federated_link(P, "Corp", "email", "a@corp.example")
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_federated_link(P, "Corp", "email", "a@corp.example")
            .await
            .unwrap()
    );
    // A deleted user takes its links.
    assert!(store.delete_user(P, "sub-a").await.unwrap());
    assert_eq!(
        store
            .get_federated_link(P, "Corp", "Cognito_Subject", "1234")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .list_federated_links_for_user(P, "sub-b")
            .await
            .unwrap()
            .len(),
        1
    );
}
