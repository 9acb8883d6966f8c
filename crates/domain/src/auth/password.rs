//! USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password is checked by recomputing
//! the SRP verifier (one modular exponentiation) and comparing in constant time.

use std::collections::BTreeMap;

use super::{AuthOutcome, Caller, incorrect, missing};
use crate::Domain;
use crate::client::AppClient;
use crate::error::{Error, Result};
use crate::legacy_password::imported_without_password;
use crate::limits::Counter;
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
            // so neither the answer, nor the lockout, nor the timing tells that the user does
            // not exist.
            let key = self.unknown_user_key(pool, username);
            self.reserve(&pool.id, Counter::SignIn(&key)).await?;
            let salt = [0u8; 16];
            let _ = self
                .srp
                .verifier(pool.srp_pool_name(), username, password, &salt);
            return Err(incorrect());
        };
        if !user.enabled {
            return Err(Error::user_disabled());
        }
        // Nothing is compared for a user imported without a password, so nothing is counted.
        imported_without_password(&user, hides_existence)?;
        // The attempt counts before the password is compared, so concurrent guesses cannot
        // all pass one check of the lockout; the right password clears the count.
        self.reserve(&pool.id, Counter::SignIn(&user.sub)).await?;
        if !self.password_matches(pool, &user, password)? {
            return Err(incorrect());
        }
        self.clear(&pool.id, Counter::SignIn(&user.sub)).await?;
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
        Ok(self.srp.password_verifier_matches(
            pool.srp_pool_name(),
            &user.username,
            password,
            verifier.salt(),
            verifier.v(),
        ))
    }

    /// What the limits count a name that matches no user under: a keyed hash (so the store
    /// never holds the names people tried) of the name as the pool compares names, so that
    /// "Alice" and "alice" in a case-insensitive pool share one counter, as a real user's do.
    pub(crate) fn unknown_user_key(&self, pool: &UserPool, username: &str) -> String {
        let name = crate::user::username_key(pool, username);
        format!(
            "unknown:{}",
            hex::encode(
                &self
                    .keys
                    .hash("unknown-user", format!("{}:{name}", pool.id).as_bytes())[..16]
            )
        )
    }
}
