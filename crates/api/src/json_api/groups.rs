//! Groups: Create/Get/Update/Delete/ListGroups and membership operations.

use cognate_domain::group::{Group, GroupInput};
use cognate_domain::paging::PageSize;
use cognate_wire::Empty;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::{required, time};
use super::users::user_out;
use crate::error::ApiError;

fn group_out(g: &Group) -> GroupType {
    GroupType {
        group_name: Some(g.name.clone()),
        user_pool_id: Some(g.pool_id.clone()),
        description: g.description.clone(),
        role_arn: g.role_arn.clone(),
        precedence: g.precedence.and_then(|p| i32::try_from(p).ok()),
        last_modified_date: time(g.modified),
        creation_date: time(g.created),
    }
}

/// CreateGroup.
pub async fn create_group(
    ctx: Ctx,
    req: CreateGroupRequest,
) -> Result<CreateGroupResponse, ApiError> {
    let input = GroupInput {
        description: req.description,
        role_arn: req.role_arn,
        precedence: req.precedence.map(i64::from),
    };
    let group = ctx
        .domain
        .create_group(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.group_name, "groupName")?,
            input,
        )
        .await?;
    Ok(CreateGroupResponse {
        group: Some(group_out(&group)),
    })
}

/// GetGroup.
pub async fn get_group(ctx: Ctx, req: GetGroupRequest) -> Result<GetGroupResponse, ApiError> {
    let group = ctx
        .domain
        .group(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.group_name, "groupName")?,
        )
        .await?;
    Ok(GetGroupResponse {
        group: Some(group_out(&group)),
    })
}

/// UpdateGroup.
pub async fn update_group(
    ctx: Ctx,
    req: UpdateGroupRequest,
) -> Result<UpdateGroupResponse, ApiError> {
    let input = GroupInput {
        description: req.description,
        role_arn: req.role_arn,
        precedence: req.precedence.map(i64::from),
    };
    let group = ctx
        .domain
        .update_group(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.group_name, "groupName")?,
            input,
        )
        .await?;
    Ok(UpdateGroupResponse {
        group: Some(group_out(&group)),
    })
}

/// DeleteGroup.
pub async fn delete_group(ctx: Ctx, req: DeleteGroupRequest) -> Result<Empty, ApiError> {
    ctx.domain
        .delete_group(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.group_name, "groupName")?,
        )
        .await?;
    Ok(Empty {})
}

/// ListGroups.
pub async fn list_groups(ctx: Ctx, req: ListGroupsRequest) -> Result<ListGroupsResponse, ApiError> {
    let page = ctx
        .domain
        .list_groups(
            &required(req.user_pool_id, "userPoolId")?,
            req.next_token.as_deref(),
            PageSize::requested(req.limit),
        )
        .await?;
    Ok(ListGroupsResponse {
        groups: Some(page.items.iter().map(group_out).collect()),
        next_token: page.next,
    })
}

/// AdminAddUserToGroup.
pub async fn admin_add_user_to_group(
    ctx: Ctx,
    req: AdminAddUserToGroupRequest,
) -> Result<Empty, ApiError> {
    ctx.domain
        .add_user_to_group(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
            &required(req.group_name, "groupName")?,
        )
        .await?;
    Ok(Empty {})
}

/// AdminRemoveUserFromGroup.
pub async fn admin_remove_user_from_group(
    ctx: Ctx,
    req: AdminRemoveUserFromGroupRequest,
) -> Result<Empty, ApiError> {
    ctx.domain
        .remove_user_from_group(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
            &required(req.group_name, "groupName")?,
        )
        .await?;
    Ok(Empty {})
}

/// AdminListGroupsForUser.
pub async fn admin_list_groups_for_user(
    ctx: Ctx,
    req: AdminListGroupsForUserRequest,
) -> Result<AdminListGroupsForUserResponse, ApiError> {
    let page = ctx
        .domain
        .groups_for_user(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
            req.next_token.as_deref(),
            PageSize::requested(req.limit),
        )
        .await?;
    Ok(AdminListGroupsForUserResponse {
        groups: Some(page.items.iter().map(group_out).collect()),
        next_token: page.next,
    })
}

/// ListUsersInGroup.
pub async fn list_users_in_group(
    ctx: Ctx,
    req: ListUsersInGroupRequest,
) -> Result<ListUsersInGroupResponse, ApiError> {
    let page = ctx
        .domain
        .users_in_group(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.group_name, "groupName")?,
            req.next_token.as_deref(),
            PageSize::requested(req.limit),
        )
        .await?;
    Ok(ListUsersInGroupResponse {
        users: Some(page.items.iter().map(|u| user_out(u, None)).collect()),
        next_token: page.next,
    })
}
