//! The [`DeploymentStore`] family: reachability, deployment settings, the purge of expired rows
//! and dev mode's reset.

use cognate_domain::ports::{DeploymentStore, StoreResult};
use sqlx::{query, query_scalar};

use crate::records::fail;

const GET_SETTING: &str = "SELECT value FROM settings WHERE name = $1";
const INSERT_SETTING: &str =
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const PUT_SETTING: &str = "INSERT INTO settings (name, value) VALUES ($1, $2) \
     ON CONFLICT (name) DO UPDATE SET value = excluded.value";

// Portable, batched like the Dialect purges; a row value finds the two-column key.
const PURGE_ATTEMPTS: &str = "DELETE FROM attempt_counters WHERE (pool_id, counter_key) IN \
     (SELECT pool_id, counter_key FROM attempt_counters WHERE expires_ms < $1 LIMIT $2)";

/// Children before parents, so no cascade has work left to do.
const WIPE: [&str; 17] = [
    "DELETE FROM identity_logins",
    "DELETE FROM identities",
    "DELETE FROM identity_pools",
    "DELETE FROM identity_issuer_keys",
    "DELETE FROM sessions",
    "DELETE FROM signing_keys",
    "DELETE FROM attempt_counters",
    "DELETE FROM single_use",
    "DELETE FROM group_members",
    "DELETE FROM codes",
    "DELETE FROM user_search",
    "DELETE FROM user_aliases",
    "DELETE FROM users",
    "DELETE FROM groups",
    "DELETE FROM clients",
    "DELETE FROM user_pools",
    "DELETE FROM outbox",
];

/// Rows [`Dialect::PURGE_SESSIONS`] and [`Dialect::PURGE_MARKERS`] delete per statement.
const PURGE_BATCH: i64 = 1000;

sql_impl! {
impl DeploymentStore {
    async fn ping(&self) -> StoreResult<()> {
        query("SELECT 1")
            .execute(&self.read)
            .await
            .map_err(fail("ping"))?;
        Ok(())
    }

    async fn get_setting(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        // On the writer, so a value just inserted by `insert_setting` is seen (read at start only).
        query_scalar(GET_SETTING)
            .bind(name)
            .fetch_optional(&self.write)
            .await
            .map_err(fail("get setting"))
    }

    async fn insert_setting(&self, name: &str, value: &[u8]) -> StoreResult<bool> {
        self.changed(
            "insert setting",
            query(INSERT_SETTING).bind(name).bind(value),
        )
        .await
    }

    async fn put_setting(&self, name: &str, value: &[u8]) -> StoreResult<()> {
        self.changed("put setting", query(PUT_SETTING).bind(name).bind(value))
            .await?;
        Ok(())
    }

    async fn purge_expired(&self, now_ms: i64) -> StoreResult<u64> {
        let sessions = self
            .purge("purge expired sessions", DB::PURGE_SESSIONS, now_ms)
            .await?;
        let markers = self
            .purge("purge expired markers", DB::PURGE_MARKERS, now_ms)
            .await?;
        let counters = self
            .purge("purge expired attempt counters", PURGE_ATTEMPTS, now_ms)
            .await?;
        Ok(sessions + markers + counters)
    }

    async fn wipe_all(&self) -> StoreResult<()> {
        let mut tx = self.write.begin().await.map_err(fail("wipe"))?;
        for statement in WIPE {
            query(statement)
                .execute(&mut *tx)
                .await
                .map_err(fail("wipe"))?;
        }
        tx.commit().await.map_err(fail("wipe"))
    }
}
}

sql_impl! {
impl {
    /// Deletes what `purge` selects, a batch at a time, until a batch comes back short.
    async fn purge(
        &self,
        what: &'static str,
        purge: &'static str,
        now_ms: i64,
    ) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let deleted = self
                .count_changed(what, query(purge).bind(now_ms).bind(PURGE_BATCH))
                .await?;
            total += deleted;
            if deleted < PURGE_BATCH.unsigned_abs() {
                return Ok(total);
            }
        }
    }
}
}
