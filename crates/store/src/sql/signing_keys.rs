//! The [`SigningKeyStore`] family: token signing keys and their rotation.

use cognate_domain::ports::{Conflict, SigningKeyStore, StoreResult};
use cognate_domain::signing::SigningKeyRecord;
use cognate_domain::time::Timestamp;
use sqlx::query;

use super::{Bind, DocWithTime};
use crate::records::{conflict, fail, from_doc, to_doc};

// Signing keys and sessions are read as `(doc, retired_ms / revoked_ms)`: the column is the
// truth and overrides the doc's copy (see the 0002 migrations).
const INSERT_SIGNING_KEY: &str = "INSERT INTO signing_keys (pool_id, kid, purpose, created_ms, retired_ms, doc) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
const LIST_SIGNING_KEYS: &str = "SELECT doc, retired_ms FROM signing_keys WHERE pool_id = $1";
const RETIRE_SIGNING_KEYS: &str = "UPDATE signing_keys SET retired_ms = $3 \
     WHERE pool_id = $1 AND purpose = $2 AND retired_ms IS NULL";
const WITHDRAW_SIGNING_KEYS: &str = "DELETE FROM signing_keys WHERE pool_id = $1 AND purpose = $2";

sql_impl! {
impl SigningKeyStore {
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()> {
        // Nothing inserted: the kid is taken, or the pool has an active key of this purpose.
        let insert = query(INSERT_SIGNING_KEY)
            .bind(key.pool_id.as_str())
            .bind(key.kid.as_str())
            .bind(key.purpose.as_str())
            .bind(key.created.millis())
            .bind(key.retired.map(Timestamp::millis))
            .bind(to_doc("signing key", key)?);
        self.insert_new("insert signing key", insert).await
    }

    async fn list_signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>> {
        let rows: Vec<DocWithTime> = self
            .read_all(
                "list signing keys",
                LIST_SIGNING_KEYS,
                &[Bind::Text(pool_id)],
            )
            .await?;
        rows.into_iter()
            .map(|(doc, retired_ms)| {
                let mut key: SigningKeyRecord = from_doc("signing key", &doc)?;
                key.retired = retired_ms.map(Timestamp);
                Ok(key)
            })
            .collect()
    }

    async fn rotate_signing_key(
        &self,
        key: &SigningKeyRecord,
        withdraw_others: bool,
    ) -> StoreResult<()> {
        const WHAT: &str = "rotate signing key";
        let mut tx = self.write.begin().await.map_err(fail(WHAT))?;
        let (pool_id, purpose) = (key.pool_id.as_str(), key.purpose.as_str());
        let make_room = if withdraw_others {
            query(WITHDRAW_SIGNING_KEYS).bind(pool_id).bind(purpose)
        } else {
            query(RETIRE_SIGNING_KEYS)
                .bind(pool_id)
                .bind(purpose)
                .bind(key.activates_at().millis())
        };
        make_room.execute(&mut *tx).await.map_err(fail(WHAT))?;
        // Nothing inserted: a concurrent rotation's key took the purpose first (PostgreSQL
        // waits for it to commit); dropping the transaction undoes the retirement above.
        let inserted = query(INSERT_SIGNING_KEY)
            .bind(pool_id)
            .bind(key.kid.as_str())
            .bind(purpose)
            .bind(key.created.millis())
            .bind(key.retired.map(Timestamp::millis))
            .bind(to_doc("signing key", key)?)
            .execute(&mut *tx)
            .await
            .map_err(fail(WHAT))?;
        if DB::rows_affected(&inserted) == 0 {
            return conflict(Conflict::Exists);
        }
        tx.commit().await.map_err(fail(WHAT))
    }
}
}
