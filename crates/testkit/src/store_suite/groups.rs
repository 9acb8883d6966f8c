//! The suite for the `GroupStore` family: groups and memberships.

use std::sync::Arc;

use cognate_domain::ports::{Conflict, Store};

use super::{OTHER, P, add_user, conflict, ids, usernames, with_pools};
use crate::records::group;

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
