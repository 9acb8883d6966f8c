//! The [`SessionStore`] family: sign-in sessions and their refresh-token rotation.

use cognate_domain::ports::{Conflict, SessionStore, StoreResult};
use cognate_domain::time::Timestamp;
use cognate_domain::tokens::AuthSession;
use sqlx::query;

use super::{Bind, DocWithTime};
use crate::records::{conflict, fail, from_doc, is_unique_violation, to_doc};

const INSERT_SESSION: &str = "INSERT INTO sessions \
     (origin_jti, pool_id, sub, refresh_hash, previous_refresh_hash, expires_ms, revoked_ms, doc) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
const GET_SESSION: &str = "SELECT doc, revoked_ms FROM sessions WHERE origin_jti = $1";

// Two index lookups (SQLite's multi-index OR, PostgreSQL's BitmapOr). Hashes are keyed
// hashes of random tokens, so at most one session matches.
const GET_SESSION_BY_REFRESH_HASH: &str = "SELECT doc, revoked_ms FROM sessions \
     WHERE refresh_hash = $1 OR previous_refresh_hash = $1";

// Compare-and-swap on the refresh hash, so that of two refreshes presenting one token only
// one rotates. A revoked session is not rotated either: a rotation that read the session
// before a concurrent revocation must not hand out a fresh token for it.
const ROTATE_SESSION: &str = "UPDATE sessions SET refresh_hash = $2, previous_refresh_hash = $3, \
     expires_ms = $4, doc = $5 WHERE origin_jti = $1 AND refresh_hash = $6 AND revoked_ms IS NULL";

// Revoking again keeps the first revocation's time.
const REVOKE_SESSION: &str =
    "UPDATE sessions SET revoked_ms = COALESCE(revoked_ms, $2) WHERE origin_jti = $1";
const REVOKE_USER_SESSIONS: &str = "UPDATE sessions SET revoked_ms = $3 \
     WHERE pool_id = $1 AND sub = $2 AND revoked_ms IS NULL";

sql_impl! {
impl SessionStore {
    async fn insert_session(&self, session: &AuthSession) -> StoreResult<()> {
        // Nothing inserted: the origin jti or the refresh hash is taken. A missing user fails
        // the foreign key (Missing).
        let insert = query(INSERT_SESSION)
            .bind(session.origin_jti.as_str())
            .bind(session.pool_id.as_str())
            .bind(session.sub.as_str())
            .bind(session.refresh_hash.as_slice())
            .bind(session.previous_refresh_hash.as_deref())
            .bind(session.expires.millis())
            .bind(session.revoked.map(Timestamp::millis))
            .bind(to_doc("session", session)?);
        self.insert_new("insert session", insert).await
    }

    async fn get_session(&self, origin_jti: &str) -> StoreResult<Option<AuthSession>> {
        self.read_session(GET_SESSION, &[Bind::Text(origin_jti)])
            .await
    }

    async fn get_session_by_refresh_hash(&self, hash: &[u8]) -> StoreResult<Option<AuthSession>> {
        self.read_session(GET_SESSION_BY_REFRESH_HASH, &[Bind::Blob(hash)])
            .await
    }

    async fn rotate_session(
        &self,
        session: &AuthSession,
        expected_refresh_hash: &[u8],
    ) -> StoreResult<bool> {
        let rotate = query(ROTATE_SESSION)
            .bind(session.origin_jti.as_str())
            .bind(session.refresh_hash.as_slice())
            .bind(session.previous_refresh_hash.as_deref())
            .bind(session.expires.millis())
            .bind(to_doc("session", session)?)
            .bind(expected_refresh_hash)
            .execute(&self.write)
            .await;
        match rotate {
            Ok(done) => Ok(DB::rows_affected(&done) > 0),
            // The new refresh hash is another session's (the only unique key it can take).
            Err(e) if is_unique_violation(&e) => conflict(Conflict::Exists),
            Err(e) => Err(fail("rotate session")(e)),
        }
    }

    async fn revoke_session(&self, origin_jti: &str, at: Timestamp) -> StoreResult<bool> {
        self.changed(
            "revoke session",
            query(REVOKE_SESSION).bind(origin_jti).bind(at.millis()),
        )
        .await
    }

    async fn revoke_user_sessions(
        &self,
        pool_id: &str,
        sub: &str,
        at: Timestamp,
    ) -> StoreResult<u64> {
        self.count_changed(
            "revoke user sessions",
            query(REVOKE_USER_SESSIONS)
                .bind(pool_id)
                .bind(sub)
                .bind(at.millis()),
        )
        .await
    }
}
}

sql_impl! {
impl {
    /// Looks a session up on the read side; its revocation comes from `revoked_ms`.
    async fn read_session(
        &self,
        sql: &'static str,
        binds: &[Bind<'_>],
    ) -> StoreResult<Option<AuthSession>> {
        let row: Option<DocWithTime> = self.read_one("get session", sql, binds).await?;
        row.map(|(doc, revoked_ms)| {
            let mut session: AuthSession = from_doc("session", &doc)?;
            session.revoked = revoked_ms.map(Timestamp);
            Ok(session)
        })
        .transpose()
    }
}
}
