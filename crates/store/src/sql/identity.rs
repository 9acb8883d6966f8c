//! The [`IdentityStore`] family: identity pools, identities with the index of their logins,
//! and the identity issuer's keys, with the same helpers (and so the same backends and read
//! paths) as the rest of [`SqlStore`].

use cognate_domain::identity_pool::IdentityPool;
use cognate_domain::identity_pool::identity::Identity;
use cognate_domain::identity_pool::openid::IssuerKeyRecord;
use cognate_domain::identity_pool::ports::{IdentityChanges, IdentityStore, IdentityWrite};
use cognate_domain::ports::{Conflict, StoreError, StoreResult};
use cognate_domain::time::Timestamp;
use sqlx::{query, query_scalar};

use super::{Bind, DocWithTime, Paged};
use crate::records::{conflict, fail, from_doc, to_doc};

const INSERT_POOL: &str = "INSERT INTO identity_pools (id, created_ms, version, doc) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const GET_POOL: &str = "SELECT doc FROM identity_pools WHERE id = $1";
const POOL_EXISTS: &str = "SELECT id FROM identity_pools WHERE id = $1";
const UPDATE_POOL: &str =
    "UPDATE identity_pools SET version = $2, doc = $3 WHERE id = $1 AND version = $4";
const DELETE_POOL: &str = "DELETE FROM identity_pools WHERE id = $1";
const COUNT_POOLS: &str = "SELECT COUNT(*) FROM identity_pools";
const LIST_POOLS: Paged = Paged {
    first: "SELECT doc FROM identity_pools ORDER BY id LIMIT $1",
    after: "SELECT doc FROM identity_pools WHERE id > $2 ORDER BY id LIMIT $1",
};

const GET_IDENTITY: &str = "SELECT doc FROM identities WHERE identity_id = $1";
const FIND_BY_LOGIN: &str = "SELECT i.doc FROM identity_logins l \
     JOIN identities i ON i.identity_id = l.identity_id \
     WHERE l.pool_id = $1 AND l.provider = $2 AND l.subject = $3";
const LIST_IDENTITIES: Paged = Paged {
    first: "SELECT doc FROM identities WHERE pool_id = $1 ORDER BY identity_id LIMIT $2",
    after: "SELECT doc FROM identities WHERE pool_id = $1 AND identity_id > $3 \
     ORDER BY identity_id LIMIT $2",
};
const INSERT_IDENTITY: &str = "INSERT INTO identities (identity_id, pool_id, version, doc) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const UPDATE_IDENTITY: &str =
    "UPDATE identities SET version = $2, doc = $3 WHERE identity_id = $1 AND version = $4";
const DELETE_IDENTITY: &str = "DELETE FROM identities WHERE identity_id = $1 AND version = $2";
const DELETE_LOGINS: &str = "DELETE FROM identity_logins WHERE identity_id = $1";
const INSERT_LOGIN: &str = "INSERT INTO identity_logins (pool_id, provider, subject, identity_id) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// The one purpose issuer keys have; the partial unique index on it allows one active key.
const ISSUER_PURPOSE: &str = "openid";
const INSERT_ISSUER_KEY: &str = "INSERT INTO identity_issuer_keys \
     (kid, purpose, created_ms, retired_ms, doc) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
const LIST_ISSUER_KEYS: &str = "SELECT doc, retired_ms FROM identity_issuer_keys";
const RETIRE_ISSUER_KEYS: &str =
    "UPDATE identity_issuer_keys SET retired_ms = $1 WHERE retired_ms IS NULL";

/// A failure inside the identity transaction. PostgreSQL may abort one of two transactions
/// that lock the same rows in opposite orders (a deadlock) or fail a serialization check;
/// both mean "changed concurrently", which the domain answers by planning again.
fn transaction_fail(op: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| {
        if let sqlx::Error::Database(db) = &e
            && matches!(db.code().as_deref(), Some("40P01" | "40001"))
        {
            return StoreError::Conflict(Conflict::Version);
        }
        fail(op)(e)
    }
}

sql_impl! {
impl {
    /// Writes one identity and replaces the rows that index its logins.
    async fn write_identity(conn: &mut DB::Connection, write: &IdentityWrite) -> StoreResult<()> {
        let identity = &write.identity;
        let doc = to_doc("identity", identity)?;
        let written = match write.expected_version {
            None => query(INSERT_IDENTITY)
                .bind(identity.identity_id.as_str())
                .bind(identity.pool_id.as_str())
                .bind(identity.version)
                .bind(doc)
                .execute(&mut *conn)
                .await
                .map_err(transaction_fail("insert identity"))?,
            Some(expected) => query(UPDATE_IDENTITY)
                .bind(identity.identity_id.as_str())
                .bind(identity.version)
                .bind(doc)
                .bind(expected)
                .execute(&mut *conn)
                .await
                .map_err(transaction_fail("update identity"))?,
        };
        if DB::rows_affected(&written) == 0 {
            return conflict(if write.expected_version.is_none() {
                Conflict::Exists
            } else {
                Conflict::Version
            });
        }
        query(DELETE_LOGINS)
            .bind(identity.identity_id.as_str())
            .execute(&mut *conn)
            .await
            .map_err(transaction_fail("replace identity logins"))?;
        for login in &identity.logins {
            let inserted = query(INSERT_LOGIN)
                .bind(identity.pool_id.as_str())
                .bind(login.provider.as_str())
                .bind(login.subject.as_str())
                .bind(identity.identity_id.as_str())
                .execute(&mut *conn)
                .await
                .map_err(transaction_fail("insert identity login"))?;
            if DB::rows_affected(&inserted) == 0 {
                // Another identity of the pool holds this login.
                return conflict(Conflict::Exists);
            }
        }
        Ok(())
    }
}
}

sql_impl! {
impl IdentityStore {
    async fn insert_identity_pool(&self, pool: &IdentityPool) -> StoreResult<()> {
        let insert = query(INSERT_POOL)
            .bind(pool.id.as_str())
            .bind(pool.created.millis())
            .bind(pool.version)
            .bind(to_doc("identity pool", pool)?);
        self.insert_new("insert identity pool", insert).await
    }

    async fn get_identity_pool(&self, pool_id: &str) -> StoreResult<Option<IdentityPool>> {
        self.read_doc("identity pool", GET_POOL, &[Bind::Text(pool_id)])
            .await
    }

    async fn update_identity_pool(
        &self,
        pool: &IdentityPool,
        expected_version: i64,
    ) -> StoreResult<()> {
        let update = query(UPDATE_POOL)
            .bind(pool.id.as_str())
            .bind(pool.version)
            .bind(to_doc("identity pool", pool)?)
            .bind(expected_version);
        self.update_versioned(
            "update identity pool",
            update,
            query_scalar(POOL_EXISTS).bind(pool.id.as_str()),
        )
        .await
    }

    async fn delete_identity_pool(&self, pool_id: &str) -> StoreResult<bool> {
        // Identities and their login rows go by cascade.
        self.changed("delete identity pool", query(DELETE_POOL).bind(pool_id))
            .await
    }

    async fn list_identity_pools(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<IdentityPool>> {
        let list = query_scalar(LIST_POOLS.sql(after)).bind(i64::from(limit));
        self.fetch_docs("identity pool", Self::after(list, after))
            .await
    }

    async fn count_identity_pools(&self) -> StoreResult<u64> {
        let count: Option<(i64,)> = self
            .read_one("count identity pools", COUNT_POOLS, &[])
            .await?;
        Ok(count.map_or(0, |(n,)| u64::try_from(n).unwrap_or_default()))
    }

    async fn apply_identity_changes(&self, changes: &IdentityChanges) -> StoreResult<()> {
        // One transaction: an error drops `tx`, which rolls everything back.
        let mut tx = self
            .write
            .begin()
            .await
            .map_err(transaction_fail("identity changes"))?;
        for (identity_id, version) in &changes.deletes {
            let deleted = query(DELETE_IDENTITY)
                .bind(identity_id.as_str())
                .bind(*version)
                .execute(&mut *tx)
                .await
                .map_err(transaction_fail("delete identity"))?;
            if DB::rows_affected(&deleted) == 0 {
                return conflict(Conflict::Version);
            }
        }
        for write in &changes.writes {
            Self::write_identity(&mut *tx, write).await?;
        }
        tx.commit()
            .await
            .map_err(transaction_fail("identity changes"))
    }

    async fn get_identity(&self, identity_id: &str) -> StoreResult<Option<Identity>> {
        self.read_doc("identity", GET_IDENTITY, &[Bind::Text(identity_id)])
            .await
    }

    async fn find_identity_by_login(
        &self,
        pool_id: &str,
        provider: &str,
        subject: &str,
    ) -> StoreResult<Option<Identity>> {
        self.read_doc(
            "identity",
            FIND_BY_LOGIN,
            &[
                Bind::Text(pool_id),
                Bind::Text(provider),
                Bind::Text(subject),
            ],
        )
        .await
    }

    async fn list_identities(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Identity>> {
        let list = query_scalar(LIST_IDENTITIES.sql(after))
            .bind(pool_id)
            .bind(i64::from(limit));
        self.fetch_docs("identity", Self::after(list, after)).await
    }

    async fn insert_issuer_key(&self, key: &IssuerKeyRecord) -> StoreResult<()> {
        // Nothing inserted: the kid is taken, or an active key exists.
        let insert = query(INSERT_ISSUER_KEY)
            .bind(key.kid.as_str())
            .bind(ISSUER_PURPOSE)
            .bind(key.created.millis())
            .bind(key.retired.map(Timestamp::millis))
            .bind(to_doc("issuer key", key)?);
        self.insert_new("insert issuer key", insert).await
    }

    async fn list_issuer_keys(&self) -> StoreResult<Vec<IssuerKeyRecord>> {
        let rows: Vec<DocWithTime> = self
            .read_all("list issuer keys", LIST_ISSUER_KEYS, &[])
            .await?;
        rows.into_iter()
            .map(|(doc, retired_ms)| {
                let mut key: IssuerKeyRecord = from_doc("issuer key", &doc)?;
                key.retired = retired_ms.map(Timestamp);
                Ok(key)
            })
            .collect()
    }

    async fn retire_issuer_keys(&self, at: Timestamp) -> StoreResult<()> {
        self.changed(
            "retire issuer keys",
            query(RETIRE_ISSUER_KEYS).bind(at.millis()),
        )
        .await?;
        Ok(())
    }
}
}
