//! The [`OutboxStore`] family: the messages Cognate sent.

use cognate_domain::messages::OutboxEntry;
use cognate_domain::ports::{OutboxStore, StoreResult};
use sqlx::{query, query_scalar};

use crate::records::{fail, to_doc};

const APPEND_OUTBOX: &str = "INSERT INTO outbox (created_ms, pool_id, doc) VALUES ($1, $2, $3)";
const LIST_OUTBOX: &str = "SELECT doc FROM outbox ORDER BY seq DESC LIMIT $1";
const LIST_POOL_OUTBOX: &str =
    "SELECT doc FROM outbox WHERE pool_id = $1 ORDER BY seq DESC LIMIT $2";

sql_impl! {
impl OutboxStore {
    async fn append_outbox(&self, entry: &OutboxEntry) -> StoreResult<()> {
        query(APPEND_OUTBOX)
            .bind(entry.created.millis())
            .bind(entry.pool_id.as_str())
            .bind(to_doc("outbox", entry)?)
            .execute(&self.write)
            .await
            .map_err(fail("append outbox"))?;
        Ok(())
    }

    async fn list_outbox(
        &self,
        pool_id: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<OutboxEntry>> {
        let list = match pool_id {
            Some(pool_id) => query_scalar(LIST_POOL_OUTBOX)
                .bind(pool_id)
                .bind(i64::from(limit)),
            None => query_scalar(LIST_OUTBOX).bind(i64::from(limit)),
        };
        self.fetch_docs("outbox", list).await
    }
}
}
