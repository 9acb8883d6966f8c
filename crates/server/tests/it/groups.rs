//! Groups and membership through the AWS SDK.

use aws_sdk_cognitoidentityprovider::types::MessageActionType;

use crate::on_both_backends;
use crate::support::error_of;

on_both_backends!(
    groups_are_created_read_updated_listed_and_deleted,
    |server| {
        let client = server.client();
        let pool = client
            .create_user_pool()
            .pool_name("groups")
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let group = client
            .create_group()
            .user_pool_id(&pool)
            .group_name("admins")
            .description("People who administer")
            .precedence(1)
            .role_arn("arn:aws:iam::123456789012:role/Admin")
            .send()
            .await
            .unwrap()
            .group
            .unwrap();
        assert_eq!(group.precedence(), Some(1));
        let (code, message) = error_of(
            client
                .create_group()
                .user_pool_id(&pool)
                .group_name("admins")
                .send()
                .await,
        );
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "GroupExistsException",
                "A group with the name admins already exists."
            )
        );
        client
            .update_group()
            .user_pool_id(&pool)
            .group_name("admins")
            .precedence(5)
            .send()
            .await
            .unwrap();
        let got = client
            .get_group()
            .user_pool_id(&pool)
            .group_name("admins")
            .send()
            .await
            .unwrap()
            .group
            .unwrap();
        assert_eq!(got.precedence(), Some(5));
        assert_eq!(got.description(), Some("People who administer"));
        client
            .create_group()
            .user_pool_id(&pool)
            .group_name("readers")
            .send()
            .await
            .unwrap();
        let first = client
            .list_groups()
            .user_pool_id(&pool)
            .limit(1)
            .send()
            .await
            .unwrap();
        assert_eq!(first.groups().len(), 1);
        let rest = client
            .list_groups()
            .user_pool_id(&pool)
            .limit(1)
            .next_token(first.next_token().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(rest.groups()[0].group_name(), Some("readers"));
        client
            .delete_group()
            .user_pool_id(&pool)
            .group_name("readers")
            .send()
            .await
            .unwrap();
        let (code, _) = error_of(
            client
                .get_group()
                .user_pool_id(&pool)
                .group_name("readers")
                .send()
                .await,
        );
        assert_eq!(code, "ResourceNotFoundException");
    }
);

on_both_backends!(membership_is_listed_both_ways, |server| {
    let client = server.client();
    let pool = client
        .create_user_pool()
        .pool_name("members")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    for user in ["jack", "jill"] {
        client
            .admin_create_user()
            .user_pool_id(&pool)
            .username(user)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
    }
    for group in ["a", "b"] {
        client
            .create_group()
            .user_pool_id(&pool)
            .group_name(group)
            .send()
            .await
            .unwrap();
    }
    client
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("jack")
        .group_name("a")
        .send()
        .await
        .unwrap();
    client
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("jack")
        .group_name("a")
        .send()
        .await
        .unwrap();
    client
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("jack")
        .group_name("b")
        .send()
        .await
        .unwrap();
    client
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username("jill")
        .group_name("a")
        .send()
        .await
        .unwrap();
    let groups = client
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("jack")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = groups
        .groups()
        .iter()
        .map(|g| g.group_name().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
    let members = client
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("a")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = members
        .users()
        .iter()
        .map(|u| u.username().unwrap())
        .collect();
    assert_eq!(names, ["jack", "jill"]);
    client
        .admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("jack")
        .group_name("a")
        .send()
        .await
        .unwrap();
    let members = client
        .list_users_in_group()
        .user_pool_id(&pool)
        .group_name("a")
        .send()
        .await
        .unwrap();
    assert_eq!(members.users().len(), 1);
    let (code, _) = error_of(
        client
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("nobody")
            .group_name("a")
            .send()
            .await,
    );
    assert_eq!(code, "UserNotFoundException");
    let (code, _) = error_of(
        client
            .admin_add_user_to_group()
            .user_pool_id(&pool)
            .username("jill")
            .group_name("zzz")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    client
        .delete_group()
        .user_pool_id(&pool)
        .group_name("b")
        .send()
        .await
        .unwrap();
    let groups = client
        .admin_list_groups_for_user()
        .user_pool_id(&pool)
        .username("jack")
        .send()
        .await
        .unwrap();
    assert!(
        groups.groups().is_empty(),
        "deleting a group ends its memberships"
    );
});
