//! Persistence of sign-in sessions: the refresh-token family behind each sign-in.

use async_trait::async_trait;

use crate::time::Timestamp;
use crate::tokens::AuthSession;

use super::StoreResult;

/// Sign-in sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &AuthSession) -> StoreResult<()>;

    async fn get_session(&self, origin_jti: &str) -> StoreResult<Option<AuthSession>>;

    /// The session whose current or previous refresh-token hash is `hash`.
    async fn get_session_by_refresh_hash(&self, hash: &[u8]) -> StoreResult<Option<AuthSession>>;

    /// Replaces the session (after rotation) only if its refresh hash is still `expected`;
    /// false when another request rotated it first.
    async fn rotate_session(
        &self,
        session: &AuthSession,
        expected_refresh_hash: &[u8],
    ) -> StoreResult<bool>;

    /// Marks one session revoked; false when it does not exist.
    async fn revoke_session(&self, origin_jti: &str, at: Timestamp) -> StoreResult<bool>;

    /// Marks every unrevoked session of the user revoked; returns how many.
    async fn revoke_user_sessions(
        &self,
        pool_id: &str,
        sub: &str,
        at: Timestamp,
    ) -> StoreResult<u64>;
}
