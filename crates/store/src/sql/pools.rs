//! The [`PoolStore`] family: user pools and their app clients.

use cognate_domain::client::AppClient;
use cognate_domain::pool::UserPool;
use cognate_domain::ports::{PoolStore, StoreResult};
use sqlx::{query, query_scalar};

use super::{Bind, Paged};
use crate::records::{fail, to_doc};

const INSERT_POOL: &str = "INSERT INTO user_pools (id, created_ms, version, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const GET_POOL: &str = "SELECT doc FROM user_pools WHERE id = $1";
const POOL_EXISTS: &str = "SELECT id FROM user_pools WHERE id = $1";
const UPDATE_POOL: &str =
    "UPDATE user_pools SET version = $2, doc = $3 WHERE id = $1 AND version = $4";
const DELETE_POOL_OUTBOX: &str = "DELETE FROM outbox WHERE pool_id = $1";
const DELETE_POOL: &str = "DELETE FROM user_pools WHERE id = $1";
const LIST_POOLS: Paged = Paged {
    first: "SELECT doc FROM user_pools ORDER BY id LIMIT $1",
    after: "SELECT doc FROM user_pools WHERE id > $2 ORDER BY id LIMIT $1",
};
const INSERT_CLIENT: &str = "INSERT INTO clients (client_id, pool_id, version, doc) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const GET_CLIENT: &str = "SELECT doc FROM clients WHERE client_id = $1";
const CLIENT_EXISTS: &str = "SELECT client_id FROM clients WHERE client_id = $1 AND pool_id = $2";
const UPDATE_CLIENT: &str = "UPDATE clients SET version = $3, doc = $4 WHERE client_id = $1 AND pool_id = $2 AND version = $5";
const DELETE_CLIENT: &str = "DELETE FROM clients WHERE client_id = $1 AND pool_id = $2";
const LIST_CLIENTS: Paged = Paged {
    first: "SELECT doc FROM clients WHERE pool_id = $1 ORDER BY client_id LIMIT $2",
    after: "SELECT doc FROM clients WHERE pool_id = $1 AND client_id > $3 ORDER BY client_id LIMIT $2",
};

sql_impl! {
impl PoolStore {
    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()> {
        let insert = query(INSERT_POOL)
            .bind(pool.id.as_str())
            .bind(pool.created.millis())
            .bind(pool.version)
            .bind(to_doc("pool", pool)?);
        self.insert_new("insert pool", insert).await
    }

    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
        self.read_doc("pool", GET_POOL, &[Bind::Text(pool_id)])
            .await
    }

    async fn update_pool(&self, pool: &UserPool, expected_version: i64) -> StoreResult<()> {
        let update = query(UPDATE_POOL)
            .bind(pool.id.as_str())
            .bind(pool.version)
            .bind(to_doc("pool", pool)?)
            .bind(expected_version);
        self.update_versioned(
            "update pool",
            update,
            query_scalar(POOL_EXISTS).bind(pool.id.as_str()),
        )
        .await
    }

    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool> {
        // Clients, users (with their keys, memberships, codes and sessions), groups, signing
        // keys and failure counters go by cascade;
        // the outbox has no foreign key and is cleared here, in the same transaction.
        let mut tx = self.write.begin().await.map_err(fail("delete pool"))?;
        query(DELETE_POOL_OUTBOX)
            .bind(pool_id)
            .execute(&mut *tx)
            .await
            .map_err(fail("delete pool"))?;
        let deleted = query(DELETE_POOL)
            .bind(pool_id)
            .execute(&mut *tx)
            .await
            .map_err(fail("delete pool"))?;
        tx.commit().await.map_err(fail("delete pool"))?;
        Ok(DB::rows_affected(&deleted) > 0)
    }

    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserPool>> {
        let list = query_scalar(LIST_POOLS.sql(after)).bind(i64::from(limit));
        self.fetch_docs("pool", Self::after(list, after)).await
    }

    async fn insert_client(&self, client: &AppClient) -> StoreResult<()> {
        let insert = query(INSERT_CLIENT)
            .bind(client.client_id.as_str())
            .bind(client.pool_id.as_str())
            .bind(client.version)
            .bind(to_doc("client", client)?);
        self.insert_new("insert client", insert).await
    }

    async fn get_client(&self, client_id: &str) -> StoreResult<Option<AppClient>> {
        self.read_doc("client", GET_CLIENT, &[Bind::Text(client_id)])
            .await
    }

    async fn update_client(&self, client: &AppClient, expected_version: i64) -> StoreResult<()> {
        let update = query(UPDATE_CLIENT)
            .bind(client.client_id.as_str())
            .bind(client.pool_id.as_str())
            .bind(client.version)
            .bind(to_doc("client", client)?)
            .bind(expected_version);
        let exists = query_scalar(CLIENT_EXISTS)
            .bind(client.client_id.as_str())
            .bind(client.pool_id.as_str());
        self.update_versioned("update client", update, exists).await
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
        self.changed(
            "delete client",
            query(DELETE_CLIENT).bind(client_id).bind(pool_id),
        )
        .await
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppClient>> {
        let list = query_scalar(LIST_CLIENTS.sql(after))
            .bind(pool_id)
            .bind(i64::from(limit));
        self.fetch_docs("client", Self::after(list, after)).await
    }
}
}
