//! Passwords imported as another system's hash (a user import job's CSV or an export file).
//!
//! Such a user's [`PasswordRecord`] holds the hash, sealed like a verifier and bound to the
//! pool and user, with `legacy` naming the algorithm. The first successful password sign-in
//! (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, the hosted sign-in page: all go through
//! `check_password`) checks the hash, stores Cognito's SRP verifier in its place and so
//! deletes the hash; from then on the user is like any other, and never noticed the move.
//!
//! # SRP before the first password sign-in
//! With only a hash there is no verifier to run SRP against. Cognito is in the same place
//! with a user its UserMigration trigger would create: the password never reaches the
//! server in USER_SRP_AUTH, so it answers as if the user did not exist (UserNotFoundException
//! "User does not exist.", or, with PreventUserExistenceErrors, a PASSWORD_VERIFIER
//! challenge on a fake salt and then NotAuthorizedException "Incorrect username or
//! password."). Clients that migrate users sign them in with USER_PASSWORD_AUTH once, as
//! Cognito's migration guide tells them to; Cognate answers SRP for these users the same way.

use cognate_crypto::legacy_hash::{HashAlgorithm, LegacyHash};

use crate::Domain;
use crate::error::{Error, Result};
use crate::pool::UserPool;
use crate::ports::{Conflict, StoreError};
use crate::user::{PasswordRecord, User};

pub(crate) fn legacy_purpose(pool_id: &str, sub: &str) -> Vec<u8> {
    format!("legacy-password:{pool_id}:{sub}").into_bytes()
}

/// A user imported without a password (a CSV row with no hash) has nothing to check: Cognito
/// answers PasswordResetRequiredException whatever was typed, or, when the client hides
/// whether users exist, the usual "Incorrect username or password.".
pub(crate) fn imported_without_password(user: &User, hides_existence: bool) -> Result<()> {
    if user.password.is_some() || user.status != crate::enums::UserStatus::ResetRequired {
        return Ok(());
    }
    Err(if hides_existence {
        Error::incorrect_credentials()
    } else {
        Error::new(
            crate::error::ErrorKind::PasswordResetRequired,
            "Password reset required for the user",
        )
    })
}

impl User {
    /// True while the user's password is an imported hash that no sign-in has converted yet.
    pub fn has_legacy_password(&self) -> bool {
        self.password.as_ref().is_some_and(|p| p.legacy.is_some())
    }
}

impl Domain {
    /// Seals an imported hash (already parsed, so known to be well-formed) for this user.
    pub(crate) fn seal_legacy_password(
        &self,
        pool_id: &str,
        sub: &str,
        algorithm: HashAlgorithm,
        encoded: &str,
    ) -> Result<PasswordRecord> {
        Ok(PasswordRecord {
            sealed: self
                .keys
                .seal(&legacy_purpose(pool_id, sub), encoded.trim().as_bytes())?,
            set_at: self.now(),
            temporary_until: None,
            legacy: Some(algorithm.as_str().to_owned()),
        })
    }

    /// Whether `password` matches the user's imported hash; `None` when the user has none.
    pub(crate) fn legacy_password_matches(
        &self,
        pool: &UserPool,
        user: &User,
        password: &str,
    ) -> Result<Option<bool>> {
        let Some((record, algorithm)) = user
            .password
            .as_ref()
            .and_then(|p| p.legacy.as_deref().map(|a| (p, a)))
        else {
            return Ok(None);
        };
        let algorithm = HashAlgorithm::parse(algorithm)
            .ok_or_else(|| Error::internal("stored legacy hash names an unknown algorithm"))?;
        let encoded = self
            .keys
            .open(&legacy_purpose(&pool.id, &user.sub), &record.sealed)?;
        let encoded = String::from_utf8(encoded)
            .map_err(|_| Error::internal("stored legacy hash is not text"))?;
        let hash = LegacyHash::parse(algorithm, &encoded)
            .map_err(|e| Error::internal(format!("stored legacy hash is malformed: {e}")))?;
        Ok(Some(hash.verify(password)))
    }

    /// After a password sign-in succeeded: if the user still had an imported hash, store
    /// the SRP verifier of the password that just matched it. A concurrent sign-in that
    /// converted the user first wins; this one carries on with the stored user.
    pub(crate) async fn finish_legacy_password(
        &self,
        pool: &UserPool,
        mut user: User,
        password: &str,
    ) -> Result<User> {
        if !user.has_legacy_password() {
            return Ok(user);
        }
        let sealed = self.seal_password(pool, &user.sub, &user.username, password, false)?;
        user.password = Some(sealed);
        match self.save_user(pool, &mut user).await {
            Ok(()) => {
                tracing::info!(pool_id = %pool.id, sub = %user.sub, "imported password hash converted");
                Ok(user)
            }
            Err(_) => {
                let current = self
                    .store
                    .get_user_by_sub(&pool.id, &user.sub)
                    .await
                    .map_err(Error::from)?
                    .ok_or(StoreError::Conflict(Conflict::Missing))
                    .map_err(Error::from)?;
                Ok(current)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purpose_binds_pool_and_user() {
        assert_ne!(legacy_purpose("p", "a"), legacy_purpose("p", "b"));
        assert_ne!(
            legacy_purpose("p", "a"),
            crate::user::password_purpose("p", "a")
        );
    }
}
