//! USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password is checked by recomputing
//! the SRP verifier (one modular exponentiation) and comparing in constant time.

use std::collections::BTreeMap;

use super::{AuthOutcome, Caller, incorrect, missing};
use crate::Domain;
use crate::client::AppClient;
use crate::error::{Error, Result};
use crate::legacy_password::imported_without_password;
use crate::pool::UserPool;
use crate::user::User;

impl Domain {
    pub(super) async fn password_sign_in(
        &self,
        caller: &Caller,
        params: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let username = params.get("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        let password = params.get("PASSWORD").ok_or_else(|| missing("PASSWORD"))?;
        self.check_secret_hash(
            &caller.client,
            &[username],
            params.get("SECRET_HASH").map(String::as_str),
        )?;
        match self.find_sign_in_user(&caller.pool, username).await? {
            Some(user) => {
                self.pre_authentication(
                    &caller.pool,
                    &user,
                    &caller.client.client_id,
                    &[],
                    &caller.client_metadata,
                )
                .await?;
            }
            None => {
                if let Some(user) = self
                    .migrate_user(
                        caller,
                        "UserMigration_Authentication",
                        username,
                        Some(password),
                    )
                    .await?
                {
                    return self
                        .after_first_factor(caller, user, params.get("DEVICE_KEY").cloned())
                        .await;
                }
            }
        }
        let user = self
            .check_password(&caller.pool, &caller.client, username, password)
            .await?;
        self.after_first_factor(caller, user, params.get("DEVICE_KEY").cloned())
            .await
    }

    /// The first factor of a password sign-in (here and on the hosted sign-in page): finds the
    /// user, applies the lockout, and checks the password, hiding whether the user exists
    /// when the client asks for that.
    pub(crate) async fn check_password(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> Result<User> {
        let user = self.find_sign_in_user(pool, username).await?;
        let hides_existence = client.prevents_user_existence_errors();
        let Some(user) = user else {
            if !hides_existence {
                return Err(Error::user_not_found());
            }
            // The same work as a wrong password, counted against the name that was tried,
            // so neither the answer nor its timing tells that the user does not exist.
            let key = self.unknown_user_key(&pool.id, username);
            self.check_lockout(&pool.id, &key).await?;
            let salt = [0u8; 16];
            let _ = cognate_crypto::srp::verifier(pool.srp_pool_name(), username, password, &salt);
            self.record_failed_password(&pool.id, &key).await?;
            return Err(incorrect());
        };
        if !user.enabled {
            return Err(Error::user_disabled());
        }
        let had_failures = self.check_lockout(&pool.id, &user.sub).await?;
        imported_without_password(&user, hides_existence)?;
        if !self.password_matches(pool, &user, password)? {
            self.record_failed_password(&pool.id, &user.sub).await?;
            return Err(incorrect());
        }
        if had_failures {
            self.clear_failed_passwords(&pool.id, &user.sub).await?;
        }
        self.finish_legacy_password(pool, user, password).await
    }

    /// Recomputes the verifier from the password and compares it with the stored one.
    pub(crate) fn password_matches(
        &self,
        pool: &UserPool,
        user: &User,
        password: &str,
    ) -> Result<bool> {
        if let Some(matches) = self.legacy_password_matches(pool, user, password)? {
            return Ok(matches);
        }
        let Some(verifier) = self.open_password(pool, user)? else {
            return Ok(false);
        };
        Ok(cognate_crypto::srp::password_verifier_matches(
            pool.srp_pool_name(),
            &user.username,
            password,
            verifier.salt(),
            verifier.v(),
        ))
    }

    /// The lockout key of a name that matches no user (a keyed hash, so the store never holds
    /// the names people tried).
    pub(crate) fn unknown_user_key(&self, pool_id: &str, username: &str) -> String {
        format!(
            "unknown:{}",
            hex::encode(
                &self
                    .keys
                    .hash("unknown-user", format!("{pool_id}:{username}").as_bytes())[..16]
            )
        )
    }
}
