//! Resource servers: CreateResourceServer, DescribeResourceServer, UpdateResourceServer,
//! DeleteResourceServer and ListResourceServers, and the custom scopes they define
//! (`<identifier>/<scope name>`), which app clients may be allowed and client_credentials grants.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::error::{Error, ErrorKind, Result};
use crate::paging::{self, PageSize};
use crate::pool::Page;
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;

/// Most resource servers a pool may have (Cognito's default quota).
pub const MAX_RESOURCE_SERVERS: usize = 25;

/// A resource server as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceServer {
    pub pool_id: String,
    pub identifier: String,
    pub name: String,
    pub scopes: Vec<ResourceServerScope>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceServerScope {
    pub name: String,
    pub description: String,
}

impl ResourceServer {
    /// The scopes as clients request them: `<identifier>/<scope name>`.
    pub fn full_scopes(&self) -> impl Iterator<Item = String> + '_ {
        self.scopes
            .iter()
            .map(|s| format!("{}/{}", self.identifier, s.name))
    }
}

fn not_found(identifier: &str) -> Error {
    Error::resource_not_found(format!("Resource server {identifier} does not exist."))
}

/// The model allows at most 100 scopes (checked before this); names must be distinct.
fn check_scopes(scopes: &[ResourceServerScope]) -> Result<()> {
    let mut seen = BTreeSet::new();
    if let Some(duplicate) = scopes.iter().find(|s| !seen.insert(s.name.as_str())) {
        return Err(Error::invalid_parameter(format!(
            "Duplicate scope name {} in the resource server.",
            duplicate.name
        )));
    }
    Ok(())
}

impl Domain {
    /// CreateResourceServer.
    pub async fn create_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
        name: &str,
        scopes: Vec<ResourceServerScope>,
    ) -> Result<ResourceServer> {
        self.user_pool(pool_id).await?;
        check_scopes(&scopes)?;
        let existing = self
            .store
            .list_resource_servers(pool_id, None, MAX_RESOURCE_SERVERS as u32 + 1)
            .await
            .map_err(Error::from)?;
        if existing.len() >= MAX_RESOURCE_SERVERS {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "The user pool {pool_id} already has the maximum number of resource servers ({MAX_RESOURCE_SERVERS})."
                ),
            ));
        }
        let now = self.now();
        let server = ResourceServer {
            pool_id: pool_id.to_owned(),
            identifier: identifier.to_owned(),
            name: name.to_owned(),
            scopes,
            created: now,
            modified: now,
        };
        match self.store.insert_resource_server(&server).await {
            Ok(()) => {}
            Err(StoreError::Conflict(Conflict::Exists)) => {
                return Err(Error::invalid_parameter(format!(
                    "{identifier} already exists in user pool {pool_id}."
                )));
            }
            Err(e) => return Err(e.into()),
        }
        self.oauth_cache.custom_scopes.remove(pool_id);
        Ok(server)
    }

    /// DescribeResourceServer.
    pub async fn describe_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<ResourceServer> {
        self.user_pool(pool_id).await?;
        self.store
            .get_resource_server(pool_id, identifier)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| not_found(identifier))
    }

    /// UpdateResourceServer: replaces the name and scopes (scopes left out become none).
    pub async fn update_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
        name: &str,
        scopes: Vec<ResourceServerScope>,
    ) -> Result<ResourceServer> {
        let mut server = self.describe_resource_server(pool_id, identifier).await?;
        check_scopes(&scopes)?;
        server.name = name.to_owned();
        server.scopes = scopes;
        server.modified = self.now();
        self.store
            .update_resource_server(&server)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::Missing) => not_found(identifier),
                other => other.into(),
            })?;
        self.oauth_cache.custom_scopes.remove(pool_id);
        Ok(server)
    }

    /// DeleteResourceServer. Clients keep the scopes they were allowed, as in Cognito; the
    /// scopes simply can no longer be granted.
    pub async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> Result<()> {
        self.user_pool(pool_id).await?;
        if !self
            .store
            .delete_resource_server(pool_id, identifier)
            .await
            .map_err(Error::from)?
        {
            return Err(not_found(identifier));
        }
        self.oauth_cache.custom_scopes.remove(pool_id);
        Ok(())
    }

    /// ListResourceServers, in identifier order.
    pub async fn list_resource_servers(
        &self,
        pool_id: &str,
        next: Option<&str>,
        page_size: PageSize,
    ) -> Result<Page<ResourceServer>> {
        let limit = page_size.or(paging::RESOURCE_SERVERS);
        self.user_pool(pool_id).await?;
        let scope = format!("resource-servers:{pool_id}");
        let after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let mut servers = self
            .store
            .list_resource_servers(pool_id, after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut servers, limit, &scope, |s| s.identifier.clone())?;
        Ok(Page {
            items: servers,
            next,
        })
    }

    /// Every `<identifier>/<scope>` the pool's resource servers define, through this node's
    /// cache (the client_credentials grant reads it on every request).
    pub async fn custom_scopes(&self, pool_id: &str) -> Result<Vec<String>> {
        let now = self.now();
        if let Some(scopes) = self.oauth_cache.custom_scopes.get(pool_id, now) {
            return Ok(scopes);
        }
        let servers = self
            .store
            .list_resource_servers(pool_id, None, MAX_RESOURCE_SERVERS as u32 * 4)
            .await
            .map_err(Error::from)?;
        let scopes: Vec<String> = servers
            .iter()
            .flat_map(ResourceServer::full_scopes)
            .collect();
        self.oauth_cache
            .custom_scopes
            .put(pool_id, now, scopes.clone());
        Ok(scopes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(name: &str) -> ResourceServerScope {
        ResourceServerScope {
            name: name.to_owned(),
            description: format!("{name} things"),
        }
    }

    #[test]
    fn scope_names_must_be_distinct() {
        assert!(check_scopes(&[scope("read"), scope("write")]).is_ok());
        assert_eq!(
            check_scopes(&[scope("read"), scope("read")]).map_err(|e| e.message),
            Err("Duplicate scope name read in the resource server.".to_owned())
        );
    }

    #[test]
    fn full_scopes_join_identifier_and_name() {
        let server = ResourceServer {
            pool_id: "p".into(),
            identifier: "https://api.example.com".into(),
            name: "api".into(),
            scopes: vec![scope("read")],
            created: Timestamp(0),
            modified: Timestamp(0),
        };
        assert_eq!(
            server.full_scopes().collect::<Vec<_>>(),
            ["https://api.example.com/read"]
        );
    }
}
