//! Refresh-token sessions (`SessionStore`).

use async_trait::async_trait;
use cognate_domain::ports::{Conflict, SessionStore, StoreResult};
use cognate_domain::time::Timestamp;
use cognate_domain::tokens::AuthSession;

use super::state::State;
use super::{MemoryStore, conflict};

impl State {
    /// `Conflict::Exists` when the origin jti or the refresh hash is taken,
    /// `Conflict::Missing` when the user is gone.
    pub fn insert_session(&mut self, session: &AuthSession) -> StoreResult<()> {
        if self.sessions.contains_key(&session.origin_jti)
            || self.refresh_hash_taken(&session.refresh_hash, None)
        {
            return conflict(Conflict::Exists);
        }
        self.need_user(&session.pool_id, &session.sub)?;
        self.sessions
            .insert(session.origin_jti.clone(), session.clone());
        Ok(())
    }

    /// Whether a session other than `except` has `hash` as its current refresh hash (the
    /// one unique key of a session besides its jti).
    fn refresh_hash_taken(&self, hash: &[u8], except: Option<&str>) -> bool {
        self.sessions
            .values()
            .any(|s| s.refresh_hash == hash && Some(s.origin_jti.as_str()) != except)
    }

    pub fn get_session_by_refresh_hash(&self, hash: &[u8]) -> Option<AuthSession> {
        self.sessions
            .values()
            .find(|s| s.refresh_hash == hash || s.previous_refresh_hash.as_deref() == Some(hash))
            .cloned()
    }

    /// Compare-and-swap on the refresh hash; a revoked session is not rotated.
    pub fn rotate_session(
        &mut self,
        session: &AuthSession,
        expected_refresh_hash: &[u8],
    ) -> StoreResult<bool> {
        let current = self.sessions.get(&session.origin_jti).filter(|stored| {
            stored.refresh_hash == expected_refresh_hash && stored.revoked.is_none()
        });
        if current.is_none() {
            return Ok(false);
        }
        if self.refresh_hash_taken(&session.refresh_hash, Some(&session.origin_jti)) {
            return conflict(Conflict::Exists);
        }
        // The revocation is the store's (a column in SQL), not the caller's copy of it.
        let rotated = AuthSession {
            revoked: None,
            ..session.clone()
        };
        self.sessions.insert(session.origin_jti.clone(), rotated);
        Ok(true)
    }

    /// Revoking again keeps the first revocation's time; false when there is no session.
    pub fn revoke_session(&mut self, origin_jti: &str, at: Timestamp) -> bool {
        match self.sessions.get_mut(origin_jti) {
            Some(session) => {
                session.revoked = session.revoked.or(Some(at));
                true
            }
            None => false,
        }
    }

    pub fn revoke_user_sessions(&mut self, pool_id: &str, sub: &str, at: Timestamp) -> u64 {
        let mut revoked = 0;
        for session in self.sessions.values_mut() {
            if session.pool_id == pool_id && session.sub == sub && session.revoked.is_none() {
                session.revoked = Some(at);
                revoked += 1;
            }
        }
        revoked
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn insert_session(&self, session: &AuthSession) -> StoreResult<()> {
        self.with(|s| s.insert_session(session))
    }

    async fn get_session(&self, origin_jti: &str) -> StoreResult<Option<AuthSession>> {
        self.with(|s| Ok(s.sessions.get(origin_jti).cloned()))
    }

    async fn get_session_by_refresh_hash(&self, hash: &[u8]) -> StoreResult<Option<AuthSession>> {
        self.with(|s| Ok(s.get_session_by_refresh_hash(hash)))
    }

    async fn rotate_session(
        &self,
        session: &AuthSession,
        expected_refresh_hash: &[u8],
    ) -> StoreResult<bool> {
        self.with(|s| s.rotate_session(session, expected_refresh_hash))
    }

    async fn revoke_session(&self, origin_jti: &str, at: Timestamp) -> StoreResult<bool> {
        self.with(|s| Ok(s.revoke_session(origin_jti, at)))
    }

    async fn revoke_user_sessions(
        &self,
        pool_id: &str,
        sub: &str,
        at: Timestamp,
    ) -> StoreResult<u64> {
        self.with(|s| Ok(s.revoke_user_sessions(pool_id, sub, at)))
    }
}
