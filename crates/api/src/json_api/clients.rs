//! App clients: Create/Describe/Update/Delete/ListUserPoolClients and the client-secret operations.

use cognate_domain::client::{
    AnalyticsConfiguration, AppClient, ClientInput, RefreshTokenRotation, TokenValidityUnits,
};
use cognate_domain::enums::{ExplicitAuthFlow, OAuthFlow, TimeUnit};
use cognate_domain::paging::PageSize;
use cognate_wire::Empty;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::{enum_in, enum_out, enums_in, enums_out, non_negative, required, time};
use crate::error::ApiError;

/// Fills the members CreateUserPoolClient and UpdateUserPoolClient share.
macro_rules! shared_client_input {
    ($req:ident) => {
        ClientInput {
            name: $req.client_name,
            refresh_token_validity: non_negative($req.refresh_token_validity),
            access_token_validity: non_negative($req.access_token_validity),
            id_token_validity: non_negative($req.id_token_validity),
            token_validity_units: $req.token_validity_units.map(units_in).transpose()?,
            read_attributes: $req.read_attributes,
            write_attributes: $req.write_attributes,
            explicit_auth_flows: enums_in($req.explicit_auth_flows, ExplicitAuthFlow::parse)?,
            supported_identity_providers: $req.supported_identity_providers,
            callback_urls: $req.callback_urls,
            logout_urls: $req.logout_urls,
            default_redirect_uri: $req.default_redirect_uri,
            allowed_oauth_flows: enums_in($req.allowed_o_auth_flows, OAuthFlow::parse)?,
            allowed_oauth_scopes: $req.allowed_o_auth_scopes,
            allowed_oauth_flows_user_pool_client: $req.allowed_o_auth_flows_user_pool_client,
            analytics_configuration: $req
                .analytics_configuration
                .map(|a| AnalyticsConfiguration {
                    application_id: a.application_id,
                    application_arn: a.application_arn,
                    role_arn: a.role_arn,
                    external_id: a.external_id,
                    user_data_shared: a.user_data_shared,
                }),
            prevent_user_existence_errors: $req
                .prevent_user_existence_errors
                .map(|p| p.to_string()),
            enable_token_revocation: $req.enable_token_revocation,
            enable_propagate_additional_user_context_data: $req
                .enable_propagate_additional_user_context_data,
            auth_session_validity: non_negative($req.auth_session_validity),
            refresh_token_rotation: $req.refresh_token_rotation.map(|r| RefreshTokenRotation {
                enabled: r.feature.is_some_and(|f| f.as_str() == "ENABLED"),
                retry_grace_period_seconds: non_negative(r.retry_grace_period_seconds),
            }),
            ..ClientInput::default()
        }
    };
}

fn units_in(u: TokenValidityUnitsType) -> Result<TokenValidityUnits, ApiError> {
    let unit = |t: Option<TimeUnitsType>| t.map(|t| enum_in(&t, TimeUnit::parse)).transpose();
    Ok(TokenValidityUnits {
        access_token: unit(u.access_token)?,
        id_token: unit(u.id_token)?,
        refresh_token: unit(u.refresh_token)?,
    })
}

fn to_i32(v: u32) -> Option<i32> {
    i32::try_from(v).ok()
}

/// The client as Describe/Create/UpdateUserPoolClient return it.
fn client_out(client: &AppClient, secret: Option<String>) -> UserPoolClientType {
    let s = &client.settings;
    let units = &s.token_validity_units;
    UserPoolClientType {
        user_pool_id: Some(client.pool_id.clone()),
        client_name: Some(client.name.clone()),
        client_id: Some(client.client_id.clone()),
        client_secret: secret,
        last_modified_date: time(client.modified),
        creation_date: time(client.created),
        refresh_token_validity: to_i32(s.refresh_token_validity),
        access_token_validity: s.access_token_validity.and_then(to_i32),
        id_token_validity: s.id_token_validity.and_then(to_i32),
        token_validity_units: Some(TokenValidityUnitsType {
            access_token: units.access_token.and_then(enum_out),
            id_token: units.id_token.and_then(enum_out),
            refresh_token: units.refresh_token.and_then(enum_out),
        }),
        read_attributes: s.read_attributes.clone(),
        write_attributes: s.write_attributes.clone(),
        explicit_auth_flows: s.explicit_auth_flows.as_deref().map(enums_out),
        supported_identity_providers: s.supported_identity_providers.clone(),
        callback_urls: s.callback_urls.clone(),
        logout_urls: s.logout_urls.clone(),
        default_redirect_uri: s.default_redirect_uri.clone(),
        allowed_o_auth_flows: s.allowed_oauth_flows.as_deref().map(enums_out),
        allowed_o_auth_scopes: s.allowed_oauth_scopes.clone(),
        allowed_o_auth_flows_user_pool_client: Some(s.allowed_oauth_flows_user_pool_client),
        analytics_configuration: s.analytics_configuration.as_ref().map(|a| {
            AnalyticsConfigurationType {
                application_id: a.application_id.clone(),
                application_arn: a.application_arn.clone(),
                role_arn: a.role_arn.clone(),
                external_id: a.external_id.clone(),
                user_data_shared: a.user_data_shared,
            }
        }),
        prevent_user_existence_errors: s
            .prevent_user_existence_errors
            .as_deref()
            .map(PreventUserExistenceErrorTypes::parse),
        enable_token_revocation: Some(s.enable_token_revocation),
        enable_propagate_additional_user_context_data: Some(
            s.enable_propagate_additional_user_context_data,
        ),
        auth_session_validity: to_i32(s.auth_session_validity),
        refresh_token_rotation: s.refresh_token_rotation.as_ref().map(|r| {
            RefreshTokenRotationType {
                feature: Some(FeatureType::parse(if r.enabled {
                    "ENABLED"
                } else {
                    "DISABLED"
                })),
                retry_grace_period_seconds: r.retry_grace_period_seconds.and_then(to_i32),
            }
        }),
        ..UserPoolClientType::default()
    }
}

/// CreateUserPoolClient.
pub async fn create_user_pool_client(
    ctx: Ctx,
    req: CreateUserPoolClientRequest,
) -> Result<CreateUserPoolClientResponse, ApiError> {
    let pool_id = required(req.user_pool_id.clone(), "userPoolId")?;
    let generate_secret = req.generate_secret.unwrap_or(false);
    let client_secret = req.client_secret.clone();
    let input = ClientInput {
        generate_secret,
        client_secret,
        ..shared_client_input!(req)
    };
    let (client, secret) = ctx.domain.create_user_pool_client(&pool_id, input).await?;
    Ok(CreateUserPoolClientResponse {
        user_pool_client: Some(client_out(&client, secret)),
    })
}

/// DescribeUserPoolClient.
pub async fn describe_user_pool_client(
    ctx: Ctx,
    req: DescribeUserPoolClientRequest,
) -> Result<DescribeUserPoolClientResponse, ApiError> {
    let (client, secret) = ctx
        .domain
        .describe_user_pool_client(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.client_id, "clientId")?,
        )
        .await?;
    Ok(DescribeUserPoolClientResponse {
        user_pool_client: Some(client_out(&client, secret)),
    })
}

/// UpdateUserPoolClient.
pub async fn update_user_pool_client(
    ctx: Ctx,
    req: UpdateUserPoolClientRequest,
) -> Result<UpdateUserPoolClientResponse, ApiError> {
    let pool_id = required(req.user_pool_id.clone(), "userPoolId")?;
    let client_id = required(req.client_id.clone(), "clientId")?;
    let input = shared_client_input!(req);
    let (client, secret) = ctx
        .domain
        .update_user_pool_client(&pool_id, &client_id, input)
        .await?;
    Ok(UpdateUserPoolClientResponse {
        user_pool_client: Some(client_out(&client, secret)),
    })
}

/// DeleteUserPoolClient.
pub async fn delete_user_pool_client(
    ctx: Ctx,
    req: DeleteUserPoolClientRequest,
) -> Result<Empty, ApiError> {
    ctx.domain
        .delete_user_pool_client(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.client_id, "clientId")?,
        )
        .await?;
    Ok(Empty {})
}

/// ListUserPoolClients.
pub async fn list_user_pool_clients(
    ctx: Ctx,
    req: ListUserPoolClientsRequest,
) -> Result<ListUserPoolClientsResponse, ApiError> {
    let pool_id = required(req.user_pool_id, "userPoolId")?;
    let page = ctx
        .domain
        .list_user_pool_clients(
            &pool_id,
            req.next_token.as_deref(),
            PageSize::requested(req.max_results),
        )
        .await?;
    Ok(ListUserPoolClientsResponse {
        user_pool_clients: Some(
            page.items
                .iter()
                .map(|c| UserPoolClientDescription {
                    client_id: Some(c.client_id.clone()),
                    user_pool_id: Some(c.pool_id.clone()),
                    client_name: Some(c.name.clone()),
                })
                .collect(),
        ),
        next_token: page.next,
    })
}

fn secret_out(view: cognate_domain::client::ClientSecretView) -> ClientSecretDescriptorType {
    ClientSecretDescriptorType {
        client_secret_id: Some(view.id),
        client_secret_value: view.value,
        client_secret_create_date: time(view.created),
    }
}

/// AddUserPoolClientSecret.
pub async fn add_user_pool_client_secret(
    ctx: Ctx,
    req: AddUserPoolClientSecretRequest,
) -> Result<AddUserPoolClientSecretResponse, ApiError> {
    let view = ctx
        .domain
        .add_user_pool_client_secret(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.client_id, "clientId")?,
            req.client_secret,
        )
        .await?;
    Ok(AddUserPoolClientSecretResponse {
        client_secret_descriptor: Some(secret_out(view)),
    })
}

/// DeleteUserPoolClientSecret.
pub async fn delete_user_pool_client_secret(
    ctx: Ctx,
    req: DeleteUserPoolClientSecretRequest,
) -> Result<DeleteUserPoolClientSecretResponse, ApiError> {
    ctx.domain
        .delete_user_pool_client_secret(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.client_id, "clientId")?,
            &required(req.client_secret_id, "clientSecretId")?,
        )
        .await?;
    Ok(DeleteUserPoolClientSecretResponse {})
}

/// ListUserPoolClientSecrets.
pub async fn list_user_pool_client_secrets(
    ctx: Ctx,
    req: ListUserPoolClientSecretsRequest,
) -> Result<ListUserPoolClientSecretsResponse, ApiError> {
    let secrets = ctx
        .domain
        .list_user_pool_client_secrets(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.client_id, "clientId")?,
        )
        .await?;
    Ok(ListUserPoolClientSecretsResponse {
        client_secrets: Some(secrets.into_iter().map(secret_out).collect()),
        next_token: None,
    })
}
