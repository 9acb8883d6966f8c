//! Remembered devices: ConfirmDevice, GetDevice, ListDevices, ForgetDevice,
//! UpdateDeviceStatus, and AdminGetDevice, AdminListDevices, AdminForgetDevice,
//! AdminUpdateDeviceStatus.

use cognate_domain::devices::{Device, DeviceVerifierInput};
use cognate_domain::paging::PageSize;
use cognate_wire::Empty;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::{required, time};
use crate::error::ApiError;

/// A device as DeviceType, with the attributes Cognito reports for it.
fn device_out(device: Device) -> DeviceType {
    let mut attributes = vec![AttributeType {
        name: Some("device_status".to_owned()),
        value: Some("valid".to_owned()),
    }];
    if let Some(name) = device.name {
        attributes.push(AttributeType {
            name: Some("device_name".to_owned()),
            value: Some(name),
        });
    }
    attributes.push(AttributeType {
        name: Some("dev:device_remembered_status".to_owned()),
        value: Some(remembered_out(device.remembered).to_owned()),
    });
    DeviceType {
        device_key: Some(device.device_key),
        device_attributes: Some(attributes),
        device_create_date: time(device.created),
        device_last_modified_date: time(device.modified),
        device_last_authenticated_date: device.last_authenticated.and_then(time),
    }
}

fn remembered_out(remembered: bool) -> &'static str {
    if remembered {
        "remembered"
    } else {
        "not_remembered"
    }
}

/// DeviceRememberedStatus: anything but `remembered` forgets the remembering, as the model's
/// two values leave nothing else.
fn remembered_in(status: Option<DeviceRememberedStatusType>) -> bool {
    matches!(status, Some(DeviceRememberedStatusType::Remembered))
}

/// ConfirmDevice.
pub async fn confirm_device(
    ctx: Ctx,
    req: ConfirmDeviceRequest,
) -> Result<ConfirmDeviceResponse, ApiError> {
    let verifier = req
        .device_secret_verifier_config
        .map(|v| DeviceVerifierInput {
            password_verifier: v.password_verifier.unwrap_or_default(),
            salt: v.salt.unwrap_or_default(),
        });
    let necessary = ctx
        .domain
        .confirm_device(
            &required(req.access_token, "accessToken")?,
            &required(req.device_key, "deviceKey")?,
            verifier,
            req.device_name,
        )
        .await?;
    Ok(ConfirmDeviceResponse {
        user_confirmation_necessary: Some(necessary),
    })
}

/// GetDevice.
pub async fn get_device(ctx: Ctx, req: GetDeviceRequest) -> Result<GetDeviceResponse, ApiError> {
    let device = ctx
        .domain
        .get_device(
            &required(req.access_token, "accessToken")?,
            &required(req.device_key, "deviceKey")?,
        )
        .await?;
    Ok(GetDeviceResponse {
        device: Some(device_out(device)),
    })
}

/// AdminGetDevice.
pub async fn admin_get_device(
    ctx: Ctx,
    req: AdminGetDeviceRequest,
) -> Result<AdminGetDeviceResponse, ApiError> {
    let device = ctx
        .domain
        .admin_get_device(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
            &required(req.device_key, "deviceKey")?,
        )
        .await?;
    Ok(AdminGetDeviceResponse {
        device: Some(device_out(device)),
    })
}

/// ListDevices.
pub async fn list_devices(
    ctx: Ctx,
    req: ListDevicesRequest,
) -> Result<ListDevicesResponse, ApiError> {
    let page = ctx
        .domain
        .list_devices(
            &required(req.access_token, "accessToken")?,
            PageSize::requested(req.limit),
            req.pagination_token.as_deref(),
        )
        .await?;
    Ok(ListDevicesResponse {
        devices: Some(page.items.into_iter().map(device_out).collect()),
        pagination_token: page.next,
    })
}

/// AdminListDevices.
pub async fn admin_list_devices(
    ctx: Ctx,
    req: AdminListDevicesRequest,
) -> Result<AdminListDevicesResponse, ApiError> {
    let page = ctx
        .domain
        .admin_list_devices(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
            PageSize::requested(req.limit),
            req.pagination_token.as_deref(),
        )
        .await?;
    Ok(AdminListDevicesResponse {
        devices: Some(page.items.into_iter().map(device_out).collect()),
        pagination_token: page.next,
    })
}

/// ForgetDevice.
pub async fn forget_device(ctx: Ctx, req: ForgetDeviceRequest) -> Result<Empty, ApiError> {
    ctx.domain
        .forget_device(
            &required(req.access_token, "accessToken")?,
            &required(req.device_key, "deviceKey")?,
        )
        .await?;
    Ok(Empty {})
}

/// AdminForgetDevice.
pub async fn admin_forget_device(
    ctx: Ctx,
    req: AdminForgetDeviceRequest,
) -> Result<Empty, ApiError> {
    ctx.domain
        .admin_forget_device(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
            &required(req.device_key, "deviceKey")?,
        )
        .await?;
    Ok(Empty {})
}

/// UpdateDeviceStatus.
pub async fn update_device_status(
    ctx: Ctx,
    req: UpdateDeviceStatusRequest,
) -> Result<UpdateDeviceStatusResponse, ApiError> {
    ctx.domain
        .update_device_status(
            &required(req.access_token, "accessToken")?,
            &required(req.device_key, "deviceKey")?,
            remembered_in(req.device_remembered_status),
        )
        .await?;
    Ok(UpdateDeviceStatusResponse {})
}

/// AdminUpdateDeviceStatus.
pub async fn admin_update_device_status(
    ctx: Ctx,
    req: AdminUpdateDeviceStatusRequest,
) -> Result<AdminUpdateDeviceStatusResponse, ApiError> {
    ctx.domain
        .admin_update_device_status(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
            &required(req.device_key, "deviceKey")?,
            remembered_in(req.device_remembered_status),
        )
        .await?;
    Ok(AdminUpdateDeviceStatusResponse {})
}
