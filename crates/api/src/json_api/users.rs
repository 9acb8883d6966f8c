//! User administration: AdminCreateUser, AdminGetUser, AdminDeleteUser, Admin(Update|Delete)UserAttributes,
//! AdminDisableUser, AdminEnableUser, AdminSetUserPassword, AdminResetUserPassword,
//! AdminConfirmSignUp and ListUsers.

use cognate_domain::enums::DeliveryMedium;
use cognate_domain::paging::PageSize;
use cognate_domain::user::{AdminCreateUserInput, MessageAction, User};
use cognate_wire::Empty;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::{attributes_in, attributes_out, enum_out, enums_in, required, time};
use crate::error::ApiError;

/// A user as UserType (ListUsers, AdminCreateUser, ListUsersInGroup).
pub(super) fn user_out(user: &User, only: Option<&[String]>) -> UserType {
    let attributes = user
        .attributes
        .iter()
        .filter(|(name, _)| only.is_none_or(|names| names.iter().any(|n| n == *name)));
    UserType {
        username: Some(user.username.clone()),
        attributes: Some(attributes_out(attributes)),
        user_create_date: time(user.created),
        user_last_modified_date: time(user.modified),
        enabled: Some(user.enabled),
        user_status: enum_out(user.status),
        mfa_options: mfa_options_out(user),
    }
}

pub(super) fn mfa_options_out(user: &User) -> Option<Vec<MFAOptionType>> {
    (!user.mfa_options.is_empty()).then(|| {
        user.mfa_options
            .iter()
            .map(|o| MFAOptionType {
                delivery_medium: Some(DeliveryMediumType::parse(&o.delivery_medium)),
                attribute_name: Some(o.attribute_name.clone()),
            })
            .collect()
    })
}

fn pool_and_user(pool: Option<String>, user: Option<String>) -> Result<(String, String), ApiError> {
    Ok((required(pool, "userPoolId")?, required(user, "username")?))
}

/// AdminCreateUser.
pub async fn admin_create_user(
    ctx: Ctx,
    req: AdminCreateUserRequest,
) -> Result<AdminCreateUserResponse, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    let input = AdminCreateUserInput {
        username,
        attributes: attributes_in(req.user_attributes),
        temporary_password: req.temporary_password,
        force_alias_creation: req.force_alias_creation.unwrap_or(false),
        message_action: req.message_action.map(|a| match a {
            MessageActionType::Resend => MessageAction::Resend,
            _ => MessageAction::Suppress,
        }),
        desired_delivery_mediums: enums_in(req.desired_delivery_mediums, DeliveryMedium::parse)?,
        validation_data: attributes_in(req.validation_data),
        client_metadata: req.client_metadata.unwrap_or_default(),
    };
    let user = ctx.domain.admin_create_user(&pool_id, input).await?;
    Ok(AdminCreateUserResponse {
        user: Some(user_out(&user, None)),
    })
}

/// AdminGetUser.
pub async fn admin_get_user(
    ctx: Ctx,
    req: AdminGetUserRequest,
) -> Result<AdminGetUserResponse, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    let user = ctx.domain.admin_get_user(&pool_id, &username).await?;
    Ok(AdminGetUserResponse {
        username: Some(user.username.clone()),
        user_attributes: Some(attributes_out(&user.attributes)),
        user_create_date: time(user.created),
        user_last_modified_date: time(user.modified),
        enabled: Some(user.enabled),
        user_status: enum_out(user.status),
        mfa_options: mfa_options_out(&user),
        preferred_mfa_setting: user.preferred_mfa.clone(),
        user_mfa_setting_list: (!user.mfa_methods.is_empty()).then(|| user.mfa_methods.clone()),
    })
}

/// AdminDeleteUser.
pub async fn admin_delete_user(ctx: Ctx, req: AdminDeleteUserRequest) -> Result<Empty, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    ctx.domain.admin_delete_user(&pool_id, &username).await?;
    Ok(Empty {})
}

/// AdminUpdateUserAttributes.
pub async fn admin_update_user_attributes(
    ctx: Ctx,
    req: AdminUpdateUserAttributesRequest,
) -> Result<AdminUpdateUserAttributesResponse, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    let changes = attributes_in(req.user_attributes);
    ctx.domain
        .admin_update_user_attributes(&pool_id, &username, &changes)
        .await?;
    Ok(AdminUpdateUserAttributesResponse {})
}

/// AdminDeleteUserAttributes.
pub async fn admin_delete_user_attributes(
    ctx: Ctx,
    req: AdminDeleteUserAttributesRequest,
) -> Result<AdminDeleteUserAttributesResponse, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    let names = required(req.user_attribute_names, "userAttributeNames")?;
    ctx.domain
        .admin_delete_user_attributes(&pool_id, &username, &names)
        .await?;
    Ok(AdminDeleteUserAttributesResponse {})
}

/// AdminDisableUser.
pub async fn admin_disable_user(
    ctx: Ctx,
    req: AdminDisableUserRequest,
) -> Result<AdminDisableUserResponse, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    ctx.domain
        .admin_set_user_enabled(&pool_id, &username, false)
        .await?;
    Ok(AdminDisableUserResponse {})
}

/// AdminEnableUser.
pub async fn admin_enable_user(
    ctx: Ctx,
    req: AdminEnableUserRequest,
) -> Result<AdminEnableUserResponse, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    ctx.domain
        .admin_set_user_enabled(&pool_id, &username, true)
        .await?;
    Ok(AdminEnableUserResponse {})
}

/// AdminSetUserPassword.
pub async fn admin_set_user_password(
    ctx: Ctx,
    req: AdminSetUserPasswordRequest,
) -> Result<AdminSetUserPasswordResponse, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    let password = required(req.password, "password")?;
    ctx.domain
        .admin_set_user_password(
            &pool_id,
            &username,
            &password,
            req.permanent.unwrap_or(false),
        )
        .await?;
    Ok(AdminSetUserPasswordResponse {})
}

/// AdminResetUserPassword.
pub async fn admin_reset_user_password(
    ctx: Ctx,
    req: AdminResetUserPasswordRequest,
) -> Result<AdminResetUserPasswordResponse, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    ctx.domain
        .admin_reset_user_password(&pool_id, &username)
        .await?;
    Ok(AdminResetUserPasswordResponse {})
}

/// AdminConfirmSignUp.
pub async fn admin_confirm_sign_up(
    ctx: Ctx,
    req: AdminConfirmSignUpRequest,
) -> Result<AdminConfirmSignUpResponse, ApiError> {
    let (pool_id, username) = pool_and_user(req.user_pool_id, req.username)?;
    ctx.domain
        .admin_confirm_sign_up(&pool_id, &username)
        .await?;
    Ok(AdminConfirmSignUpResponse {})
}

/// ListUsers.
pub async fn list_users(ctx: Ctx, req: ListUsersRequest) -> Result<ListUsersResponse, ApiError> {
    let pool_id = required(req.user_pool_id, "userPoolId")?;
    let page = ctx
        .domain
        .list_users(
            &pool_id,
            req.filter.as_deref(),
            PageSize::requested(req.limit),
            req.pagination_token.as_deref(),
        )
        .await?;
    let only = req.attributes_to_get.as_deref();
    Ok(ListUsersResponse {
        users: Some(page.items.iter().map(|u| user_out(u, only)).collect()),
        pagination_token: page.next,
    })
}
