//! The [`OAuthStore`] half of the store: a pool's domains and resource servers, with the
//! same helpers (and so the same backends and read paths) as the rest of [`SqlStore`].

use cognate_domain::domains::UserPoolDomain;
use cognate_domain::ports::{Conflict, OAuthStore, StoreResult};
use cognate_domain::resource_server::ResourceServer;
use sqlx::{query, query_scalar};

use super::{Bind, Paged};
use crate::records::{conflict, to_doc};

const INSERT_DOMAIN: &str = "INSERT INTO user_pool_domains (domain, pool_id, kind, doc) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const GET_DOMAIN: &str = "SELECT doc FROM user_pool_domains WHERE domain = $1";
const LIST_POOL_DOMAINS: &str =
    "SELECT doc FROM user_pool_domains WHERE pool_id = $1 ORDER BY domain";
const UPDATE_DOMAIN: &str =
    "UPDATE user_pool_domains SET doc = $3 WHERE domain = $1 AND pool_id = $2";
const DELETE_DOMAIN: &str = "DELETE FROM user_pool_domains WHERE domain = $1 AND pool_id = $2";

const INSERT_RESOURCE_SERVER: &str = "INSERT INTO resource_servers (pool_id, identifier, doc) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const GET_RESOURCE_SERVER: &str =
    "SELECT doc FROM resource_servers WHERE pool_id = $1 AND identifier = $2";
const UPDATE_RESOURCE_SERVER: &str =
    "UPDATE resource_servers SET doc = $3 WHERE pool_id = $1 AND identifier = $2";
const DELETE_RESOURCE_SERVER: &str =
    "DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2";
const LIST_RESOURCE_SERVERS: Paged = Paged {
    first: "SELECT doc FROM resource_servers WHERE pool_id = $1 ORDER BY identifier LIMIT $2",
    after: "SELECT doc FROM resource_servers WHERE pool_id = $1 AND identifier > $3 \
     ORDER BY identifier LIMIT $2",
};

sql_impl! {
impl OAuthStore {
    async fn insert_domain(&self, domain: &UserPoolDomain) -> StoreResult<()> {
        // Nothing inserted: the name is taken, or the pool has a domain of this kind.
        let insert = query(INSERT_DOMAIN)
            .bind(domain.domain.as_str())
            .bind(domain.pool_id.as_str())
            .bind(domain.kind.as_str())
            .bind(to_doc("domain", domain)?);
        self.insert_new("insert domain", insert).await
    }

    async fn get_domain(&self, name: &str) -> StoreResult<Option<UserPoolDomain>> {
        self.read_doc("domain", GET_DOMAIN, &[Bind::Text(name)])
            .await
    }

    async fn list_pool_domains(&self, pool_id: &str) -> StoreResult<Vec<UserPoolDomain>> {
        self.fetch_docs("domain", query_scalar(LIST_POOL_DOMAINS).bind(pool_id))
            .await
    }

    async fn update_domain(&self, domain: &UserPoolDomain) -> StoreResult<()> {
        let update = query(UPDATE_DOMAIN)
            .bind(domain.domain.as_str())
            .bind(domain.pool_id.as_str())
            .bind(to_doc("domain", domain)?);
        if self.changed("update domain", update).await? {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    async fn delete_domain(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        self.changed(
            "delete domain",
            query(DELETE_DOMAIN).bind(name).bind(pool_id),
        )
        .await
    }

    async fn insert_resource_server(&self, server: &ResourceServer) -> StoreResult<()> {
        let insert = query(INSERT_RESOURCE_SERVER)
            .bind(server.pool_id.as_str())
            .bind(server.identifier.as_str())
            .bind(to_doc("resource server", server)?);
        self.insert_new("insert resource server", insert).await
    }

    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<Option<ResourceServer>> {
        self.read_doc(
            "resource server",
            GET_RESOURCE_SERVER,
            &[Bind::Text(pool_id), Bind::Text(identifier)],
        )
        .await
    }

    async fn update_resource_server(&self, server: &ResourceServer) -> StoreResult<()> {
        let update = query(UPDATE_RESOURCE_SERVER)
            .bind(server.pool_id.as_str())
            .bind(server.identifier.as_str())
            .bind(to_doc("resource server", server)?);
        if self.changed("update resource server", update).await? {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool> {
        self.changed(
            "delete resource server",
            query(DELETE_RESOURCE_SERVER).bind(pool_id).bind(identifier),
        )
        .await
    }

    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceServer>> {
        let list = query_scalar(LIST_RESOURCE_SERVERS.sql(after))
            .bind(pool_id)
            .bind(i64::from(limit));
        self.fetch_docs("resource server", Self::after(list, after))
            .await
    }
}
}
