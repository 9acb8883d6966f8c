//! Resource servers: Create/Describe/Update/Delete/ListResourceServers.

use cognate_domain::paging::PageSize;
use cognate_domain::resource_server::{ResourceServer, ResourceServerScope};
use cognate_wire::Empty;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::required;
use crate::error::ApiError;

fn scopes_in(scopes: Option<Vec<ResourceServerScopeType>>) -> Vec<ResourceServerScope> {
    scopes
        .unwrap_or_default()
        .into_iter()
        .map(|s| ResourceServerScope {
            name: s.scope_name.unwrap_or_default(),
            description: s.scope_description.unwrap_or_default(),
        })
        .collect()
}

fn server_out(server: &ResourceServer) -> ResourceServerType {
    ResourceServerType {
        user_pool_id: Some(server.pool_id.clone()),
        identifier: Some(server.identifier.clone()),
        name: Some(server.name.clone()),
        scopes: Some(
            server
                .scopes
                .iter()
                .map(|s| ResourceServerScopeType {
                    scope_name: Some(s.name.clone()),
                    scope_description: Some(s.description.clone()),
                })
                .collect(),
        ),
        managed_by: None,
    }
}

/// CreateResourceServer.
pub async fn create_resource_server(
    ctx: Ctx,
    req: CreateResourceServerRequest,
) -> Result<CreateResourceServerResponse, ApiError> {
    let server = ctx
        .domain
        .create_resource_server(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.identifier, "identifier")?,
            &required(req.name, "name")?,
            scopes_in(req.scopes),
        )
        .await?;
    Ok(CreateResourceServerResponse {
        resource_server: Some(server_out(&server)),
    })
}

/// DescribeResourceServer.
pub async fn describe_resource_server(
    ctx: Ctx,
    req: DescribeResourceServerRequest,
) -> Result<DescribeResourceServerResponse, ApiError> {
    let server = ctx
        .domain
        .describe_resource_server(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.identifier, "identifier")?,
        )
        .await?;
    Ok(DescribeResourceServerResponse {
        resource_server: Some(server_out(&server)),
    })
}

/// UpdateResourceServer.
pub async fn update_resource_server(
    ctx: Ctx,
    req: UpdateResourceServerRequest,
) -> Result<UpdateResourceServerResponse, ApiError> {
    let server = ctx
        .domain
        .update_resource_server(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.identifier, "identifier")?,
            &required(req.name, "name")?,
            scopes_in(req.scopes),
        )
        .await?;
    Ok(UpdateResourceServerResponse {
        resource_server: Some(server_out(&server)),
    })
}

/// DeleteResourceServer.
pub async fn delete_resource_server(
    ctx: Ctx,
    req: DeleteResourceServerRequest,
) -> Result<Empty, ApiError> {
    ctx.domain
        .delete_resource_server(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.identifier, "identifier")?,
        )
        .await?;
    Ok(Empty {})
}

/// ListResourceServers.
pub async fn list_resource_servers(
    ctx: Ctx,
    req: ListResourceServersRequest,
) -> Result<ListResourceServersResponse, ApiError> {
    let page = ctx
        .domain
        .list_resource_servers(
            &required(req.user_pool_id, "userPoolId")?,
            req.next_token.as_deref(),
            PageSize::requested(req.max_results),
        )
        .await?;
    Ok(ListResourceServersResponse {
        resource_servers: Some(page.items.iter().map(server_out).collect()),
        next_token: page.next,
    })
}
