//! The suite for the `UserStore` family: users, their keys, search and listing.

use std::sync::Arc;

use cognate_domain::ports::{Conflict, Store, UserWrite};
use cognate_domain::user::User;

use super::{OTHER, P, add_user, conflict, ids, list, usernames, with_pools};
use crate::records::{code, group, insert, session, update, user};

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
