//! Self-service: SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
//! ConfirmForgotPassword, ChangePassword, GetUser, UpdateUserAttributes,
//! GetUserAttributeVerificationCode, VerifyUserAttribute, DeleteUser, DeleteUserAttributes,
//! SetUserSettings and AdminSetUserSettings.

use cognate_domain::selfservice::{CodeDelivery, SignUpInput};
use cognate_domain::user::MfaOption;
use cognate_wire::Empty;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::{attributes_in, attributes_out, enum_out, required};
use crate::error::ApiError;

fn delivery_out(d: CodeDelivery) -> CodeDeliveryDetailsType {
    CodeDeliveryDetailsType {
        destination: Some(d.destination),
        delivery_medium: enum_out(d.medium),
        attribute_name: Some(d.attribute),
    }
}

fn mfa_options_in(options: Option<Vec<MFAOptionType>>) -> Vec<MfaOption> {
    options
        .unwrap_or_default()
        .into_iter()
        .map(|o| MfaOption {
            delivery_medium: o.delivery_medium.map(|m| m.to_string()).unwrap_or_default(),
            attribute_name: o.attribute_name.unwrap_or_default(),
        })
        .collect()
}

/// SignUp.
pub async fn sign_up(ctx: Ctx, req: SignUpRequest) -> Result<SignUpResponse, ApiError> {
    let client_id = required(req.client_id, "clientId")?;
    let username = required(req.username, "username")?;
    let public = ctx
        .domain
        .public_client(
            &client_id,
            &username,
            req.secret_hash.as_deref(),
            req.client_metadata.unwrap_or_default(),
        )
        .await?;
    let input = SignUpInput {
        password: req.password,
        attributes: attributes_in(req.user_attributes),
        validation_data: attributes_in(req.validation_data),
    };
    let outcome = ctx.domain.sign_up(&public, input).await?;
    Ok(SignUpResponse {
        user_confirmed: Some(outcome.confirmed),
        code_delivery_details: outcome.delivery.map(delivery_out),
        user_sub: Some(outcome.user_sub),
        session: outcome.session,
    })
}

/// ConfirmSignUp.
pub async fn confirm_sign_up(
    ctx: Ctx,
    req: ConfirmSignUpRequest,
) -> Result<ConfirmSignUpResponse, ApiError> {
    let client_id = required(req.client_id, "clientId")?;
    let username = required(req.username, "username")?;
    let code = required(req.confirmation_code, "confirmationCode")?;
    let force_alias = req.force_alias_creation.unwrap_or(false);
    let metadata = req.client_metadata.unwrap_or_default();
    let public = ctx
        .domain
        .public_client(&client_id, &username, req.secret_hash.as_deref(), metadata)
        .await?;
    let session = ctx
        .domain
        .confirm_sign_up_for_auto_sign_in(&public, &code, force_alias, req.session.as_deref())
        .await?;
    Ok(ConfirmSignUpResponse { session })
}

/// ResendConfirmationCode.
pub async fn resend_confirmation_code(
    ctx: Ctx,
    req: ResendConfirmationCodeRequest,
) -> Result<ResendConfirmationCodeResponse, ApiError> {
    let public = ctx
        .domain
        .public_client(
            &required(req.client_id, "clientId")?,
            &required(req.username, "username")?,
            req.secret_hash.as_deref(),
            req.client_metadata.unwrap_or_default(),
        )
        .await?;
    let delivery = ctx.domain.resend_confirmation_code(&public).await?;
    Ok(ResendConfirmationCodeResponse {
        code_delivery_details: Some(delivery_out(delivery)),
    })
}

/// ForgotPassword.
pub async fn forgot_password(
    ctx: Ctx,
    req: ForgotPasswordRequest,
) -> Result<ForgotPasswordResponse, ApiError> {
    let public = ctx
        .domain
        .public_client(
            &required(req.client_id, "clientId")?,
            &required(req.username, "username")?,
            req.secret_hash.as_deref(),
            req.client_metadata.unwrap_or_default(),
        )
        .await?;
    let delivery = ctx.domain.forgot_password(&public).await?;
    Ok(ForgotPasswordResponse {
        code_delivery_details: Some(delivery_out(delivery)),
    })
}

/// ConfirmForgotPassword.
pub async fn confirm_forgot_password(
    ctx: Ctx,
    req: ConfirmForgotPasswordRequest,
) -> Result<ConfirmForgotPasswordResponse, ApiError> {
    let client_id = required(req.client_id, "clientId")?;
    let username = required(req.username, "username")?;
    let code = required(req.confirmation_code, "confirmationCode")?;
    let password = required(req.password, "password")?;
    let public = ctx
        .domain
        .public_client(
            &client_id,
            &username,
            req.secret_hash.as_deref(),
            req.client_metadata.unwrap_or_default(),
        )
        .await?;
    ctx.domain
        .confirm_forgot_password(&public, &code, &password)
        .await?;
    Ok(ConfirmForgotPasswordResponse {})
}

/// ChangePassword.
pub async fn change_password(
    ctx: Ctx,
    req: ChangePasswordRequest,
) -> Result<ChangePasswordResponse, ApiError> {
    ctx.domain
        .change_password(
            &required(req.access_token, "accessToken")?,
            req.previous_password.as_deref(),
            &required(req.proposed_password, "proposedPassword")?,
        )
        .await?;
    Ok(ChangePasswordResponse {})
}

/// GetUser.
pub async fn get_user(ctx: Ctx, req: GetUserRequest) -> Result<GetUserResponse, ApiError> {
    let user = ctx
        .domain
        .get_user(&required(req.access_token, "accessToken")?)
        .await?;
    Ok(GetUserResponse {
        username: Some(user.username.clone()),
        user_attributes: Some(attributes_out(&user.attributes)),
        mfa_options: super::users::mfa_options_out(&user),
        preferred_mfa_setting: user.preferred_mfa.clone(),
        user_mfa_setting_list: (!user.mfa_methods.is_empty()).then(|| user.mfa_methods.clone()),
    })
}

/// UpdateUserAttributes.
pub async fn update_user_attributes(
    ctx: Ctx,
    req: UpdateUserAttributesRequest,
) -> Result<UpdateUserAttributesResponse, ApiError> {
    let changes = attributes_in(req.user_attributes);
    let deliveries = ctx
        .domain
        .update_user_attributes(
            &required(req.access_token, "accessToken")?,
            &changes,
            &req.client_metadata.unwrap_or_default(),
        )
        .await?;
    Ok(UpdateUserAttributesResponse {
        code_delivery_details_list: (!deliveries.is_empty())
            .then(|| deliveries.into_iter().map(delivery_out).collect()),
    })
}

/// GetUserAttributeVerificationCode.
pub async fn get_user_attribute_verification_code(
    ctx: Ctx,
    req: GetUserAttributeVerificationCodeRequest,
) -> Result<GetUserAttributeVerificationCodeResponse, ApiError> {
    let delivery = ctx
        .domain
        .get_user_attribute_verification_code(
            &required(req.access_token, "accessToken")?,
            &required(req.attribute_name, "attributeName")?,
            &req.client_metadata.unwrap_or_default(),
        )
        .await?;
    Ok(GetUserAttributeVerificationCodeResponse {
        code_delivery_details: Some(delivery_out(delivery)),
    })
}

/// VerifyUserAttribute.
pub async fn verify_user_attribute(
    ctx: Ctx,
    req: VerifyUserAttributeRequest,
) -> Result<VerifyUserAttributeResponse, ApiError> {
    ctx.domain
        .verify_user_attribute(
            &required(req.access_token, "accessToken")?,
            &required(req.attribute_name, "attributeName")?,
            &required(req.code, "code")?,
        )
        .await?;
    Ok(VerifyUserAttributeResponse {})
}

/// DeleteUser.
pub async fn delete_user(ctx: Ctx, req: DeleteUserRequest) -> Result<Empty, ApiError> {
    ctx.domain
        .delete_user(&required(req.access_token, "accessToken")?)
        .await?;
    Ok(Empty {})
}

/// DeleteUserAttributes.
pub async fn delete_user_attributes(
    ctx: Ctx,
    req: DeleteUserAttributesRequest,
) -> Result<DeleteUserAttributesResponse, ApiError> {
    ctx.domain
        .delete_user_attributes(
            &required(req.access_token, "accessToken")?,
            &required(req.user_attribute_names, "userAttributeNames")?,
        )
        .await?;
    Ok(DeleteUserAttributesResponse {})
}

/// SetUserSettings.
pub async fn set_user_settings(
    ctx: Ctx,
    req: SetUserSettingsRequest,
) -> Result<SetUserSettingsResponse, ApiError> {
    ctx.domain
        .set_user_settings_for_token(
            &required(req.access_token, "accessToken")?,
            mfa_options_in(req.mfa_options),
        )
        .await?;
    Ok(SetUserSettingsResponse {})
}

/// AdminSetUserSettings.
pub async fn admin_set_user_settings(
    ctx: Ctx,
    req: AdminSetUserSettingsRequest,
) -> Result<AdminSetUserSettingsResponse, ApiError> {
    ctx.domain
        .admin_set_user_settings(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
            mfa_options_in(req.mfa_options),
        )
        .await?;
    Ok(AdminSetUserSettingsResponse {})
}
