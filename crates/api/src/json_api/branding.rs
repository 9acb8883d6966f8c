//! How the hosted pages look: the classic UI customization (Set/GetUICustomization) and
//! managed login branding styles (Create/Describe/Update/DeleteManagedLoginBranding).

use cognate_domain::branding::{
    BrandingAsset, BrandingInput, ManagedLoginBranding, UiCustomizationView,
};
use cognate_wire::idp::*;
use cognate_wire::{Blob, Empty};

use super::Ctx;
use super::convert::{required, time};
use crate::error::ApiError;

fn customization_out(view: UiCustomizationView) -> UICustomizationType {
    let found = view.found.as_ref();
    UICustomizationType {
        user_pool_id: Some(view.pool_id.clone()),
        client_id: Some(view.client_id.clone()),
        image_url: view.image_url.clone(),
        css: found.and_then(|c| c.css.clone()),
        css_version: found.map(|c| c.version.to_string()),
        last_modified_date: found.and_then(|c| time(c.modified)),
        creation_date: found.and_then(|c| time(c.created)),
    }
}

/// SetUICustomization.
pub async fn set_ui_customization(
    ctx: Ctx,
    req: SetUICustomizationRequest,
) -> Result<SetUICustomizationResponse, ApiError> {
    let view = ctx
        .domain
        .set_ui_customization(
            &required(req.user_pool_id, "userPoolId")?,
            req.client_id.as_deref(),
            req.css,
            req.image_file.map(|b| b.0),
        )
        .await?;
    Ok(SetUICustomizationResponse {
        ui_customization: Some(customization_out(view)),
    })
}

/// GetUICustomization.
pub async fn get_ui_customization(
    ctx: Ctx,
    req: GetUICustomizationRequest,
) -> Result<GetUICustomizationResponse, ApiError> {
    let view = ctx
        .domain
        .get_ui_customization(
            &required(req.user_pool_id, "userPoolId")?,
            req.client_id.as_deref(),
        )
        .await?;
    Ok(GetUICustomizationResponse {
        ui_customization: Some(customization_out(view)),
    })
}

fn assets_in(assets: Option<Vec<AssetType>>) -> Option<Vec<BrandingAsset>> {
    assets.map(|assets| {
        assets
            .into_iter()
            .map(|a| BrandingAsset {
                category: a
                    .category
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                color_mode: a
                    .color_mode
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default(),
                extension: a
                    .extension
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_default(),
                bytes: a.bytes.map(|b| b.0),
                resource_id: a.resource_id,
            })
            .collect()
    })
}

fn branding_out(branding: ManagedLoginBranding) -> ManagedLoginBrandingType {
    ManagedLoginBrandingType {
        managed_login_branding_id: Some(branding.id),
        user_pool_id: Some(branding.pool_id),
        use_cognito_provided_values: Some(branding.use_cognito_provided_values),
        settings: branding.settings,
        assets: Some(
            branding
                .assets
                .into_iter()
                .map(|a| AssetType {
                    category: Some(AssetCategoryType::parse(&a.category)),
                    color_mode: Some(ColorSchemeModeType::parse(&a.color_mode)),
                    extension: Some(AssetExtensionType::parse(&a.extension)),
                    bytes: a.bytes.map(Blob),
                    resource_id: a.resource_id,
                })
                .collect(),
        ),
        creation_date: time(branding.created),
        last_modified_date: time(branding.modified),
    }
}

/// CreateManagedLoginBranding.
pub async fn create_managed_login_branding(
    ctx: Ctx,
    req: CreateManagedLoginBrandingRequest,
) -> Result<CreateManagedLoginBrandingResponse, ApiError> {
    let input = BrandingInput {
        use_cognito_provided_values: req.use_cognito_provided_values.unwrap_or(false),
        settings: req.settings,
        assets: assets_in(req.assets),
    };
    let branding = ctx
        .domain
        .create_managed_login_branding(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.client_id, "clientId")?,
            input,
        )
        .await?;
    Ok(CreateManagedLoginBrandingResponse {
        managed_login_branding: Some(branding_out(branding)),
    })
}

/// DescribeManagedLoginBranding.
pub async fn describe_managed_login_branding(
    ctx: Ctx,
    req: DescribeManagedLoginBrandingRequest,
) -> Result<DescribeManagedLoginBrandingResponse, ApiError> {
    let branding = ctx
        .domain
        .describe_managed_login_branding(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.managed_login_branding_id, "managedLoginBrandingId")?,
        )
        .await?;
    Ok(DescribeManagedLoginBrandingResponse {
        managed_login_branding: Some(branding_out(branding)),
    })
}

/// DescribeManagedLoginBrandingByClient.
pub async fn describe_managed_login_branding_by_client(
    ctx: Ctx,
    req: DescribeManagedLoginBrandingByClientRequest,
) -> Result<DescribeManagedLoginBrandingByClientResponse, ApiError> {
    let branding = ctx
        .domain
        .describe_managed_login_branding_by_client(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.client_id, "clientId")?,
        )
        .await?;
    Ok(DescribeManagedLoginBrandingByClientResponse {
        managed_login_branding: Some(branding_out(branding)),
    })
}

/// UpdateManagedLoginBranding.
pub async fn update_managed_login_branding(
    ctx: Ctx,
    req: UpdateManagedLoginBrandingRequest,
) -> Result<UpdateManagedLoginBrandingResponse, ApiError> {
    let input = BrandingInput {
        use_cognito_provided_values: req.use_cognito_provided_values.unwrap_or(false),
        settings: req.settings,
        assets: assets_in(req.assets),
    };
    let branding = ctx
        .domain
        .update_managed_login_branding(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.managed_login_branding_id, "managedLoginBrandingId")?,
            input,
        )
        .await?;
    Ok(UpdateManagedLoginBrandingResponse {
        managed_login_branding: Some(branding_out(branding)),
    })
}

/// DeleteManagedLoginBranding.
pub async fn delete_managed_login_branding(
    ctx: Ctx,
    req: DeleteManagedLoginBrandingRequest,
) -> Result<Empty, ApiError> {
    ctx.domain
        .delete_managed_login_branding(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.managed_login_branding_id, "managedLoginBrandingId")?,
        )
        .await?;
    Ok(Empty {})
}
