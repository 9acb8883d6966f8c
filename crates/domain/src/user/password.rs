//! A user's password as stored: the SRP verifier sealed for the pool and user.

use super::{PasswordRecord, User};
use crate::Domain;
use crate::error::Result;
use crate::pool::UserPool;

pub(crate) fn password_purpose(pool_id: &str, sub: &str) -> Vec<u8> {
    format!("password:{pool_id}:{sub}").into_bytes()
}

impl Domain {
    /// Seals a new password as Cognito's SRP verifier for this user.
    pub(crate) fn seal_password(
        &self,
        pool: &UserPool,
        sub: &str,
        username: &str,
        password: &str,
        temporary: bool,
    ) -> Result<PasswordRecord> {
        let mut salt = [0u8; 16];
        self.random().fill(&mut salt);
        let verifier = self
            .srp
            .verifier(pool.srp_pool_name(), username, password, &salt);
        let now = self.now();
        let validity_days = i64::from(
            pool.settings
                .password_policy
                .temporary_password_validity_days,
        );
        Ok(PasswordRecord {
            sealed: self
                .keys
                .seal_verifier(&password_purpose(&pool.id, sub), &verifier)?,
            set_at: now,
            temporary_until: temporary.then(|| now.plus_secs(validity_days * 86_400)),
            legacy: None,
        })
    }

    /// Opens a stored password back into its SRP verifier.
    pub(crate) fn open_password(
        &self,
        pool: &UserPool,
        user: &User,
    ) -> Result<Option<cognate_crypto::srp::Verifier>> {
        let Some(record) = user.password.as_ref().filter(|p| p.legacy.is_none()) else {
            return Ok(None);
        };
        self.keys
            .open_verifier(&password_purpose(&pool.id, &user.sub), &record.sealed)
            .map(Some)
    }
}
