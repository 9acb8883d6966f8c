//! Writing users: choosing a new user's username, inserting and saving with the keys the store
//! indexes, moving an alias from its old holder, and the errors a conflict becomes.

use std::collections::BTreeMap;

use super::{User, user_keys};
use crate::Domain;
use crate::enums::{AliasAttribute, UsernameAttribute};
use crate::error::{Error, ErrorKind, Result};
use crate::pool::UserPool;
use crate::ports::{Conflict, StoreError, UserWrite};
use crate::schema;

/// Wording of username conflicts differs between SignUp and AdminCreateUser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CreatedBy {
    Admin,
    SignUp,
}

/// Maps store conflicts to the exceptions Cognito raises for them.
fn conflict_error(pool: &UserPool, e: StoreError, by: CreatedBy) -> Error {
    match e {
        StoreError::Conflict(Conflict::Username) => Error::new(
            ErrorKind::UsernameExists,
            match by {
                CreatedBy::Admin => "User account already exists",
                CreatedBy::SignUp => "User already exists",
            },
        ),
        StoreError::Conflict(Conflict::Alias(key)) => {
            let attribute = key.split_once(':').map_or(key.as_str(), |(a, _)| a);
            let message = format!("An account with the given {attribute} already exists.");
            if pool
                .sign_in
                .username_attributes
                .iter()
                .any(|a| a.as_str() == attribute)
            {
                Error::new(ErrorKind::UsernameExists, message)
            } else {
                Error::new(ErrorKind::AliasExists, message)
            }
        }
        other => other.into(),
    }
}

impl Domain {
    /// Inserts a new user; with `force_alias`, an alias held by another user moves to this one.
    pub(crate) async fn insert_user(
        &self,
        pool: &UserPool,
        user: &User,
        force_alias: bool,
        by: CreatedBy,
    ) -> Result<()> {
        self.write_user(pool, user, None, force_alias, by).await
    }

    async fn write_user(
        &self,
        pool: &UserPool,
        user: &User,
        expected_version: Option<i64>,
        force_alias: bool,
        by: CreatedBy,
    ) -> Result<()> {
        let write = UserWrite {
            user: user.clone(),
            keys: user_keys(pool, user),
            expected_version,
        };
        match self.store.save_users(std::slice::from_ref(&write)).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(Conflict::Alias(key))) if force_alias => {
                let displaced = self.displace_alias(pool, &key).await?;
                self.store
                    .save_users(&[displaced, write])
                    .await
                    .map_err(|e| conflict_error(pool, e, by))
            }
            Err(e) => Err(conflict_error(pool, e, by)),
        }
    }

    /// Takes an alias away from its current holder by marking the attribute unverified.
    async fn displace_alias(&self, pool: &UserPool, key: &str) -> Result<UserWrite> {
        let holder = self
            .store
            .get_user_by_alias(&pool.id, key)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::ConcurrentModification,
                    "The alias changed while it was being moved. Retry the operation.",
                )
            })?;
        let attribute = key.split_once(':').map_or(key, |(a, _)| a);
        let mut moved = holder.clone();
        if attribute == "preferred_username" {
            moved.attributes.remove("preferred_username");
        } else {
            moved.set_verified(attribute, false);
        }
        moved.version += 1;
        moved.modified = self.now();
        Ok(UserWrite {
            keys: user_keys(pool, &moved),
            user: moved,
            expected_version: Some(holder.version),
        })
    }

    /// Writes a changed user, bumping its version; conflicts become Cognito's errors.
    pub(crate) async fn save_user(&self, pool: &UserPool, user: &mut User) -> Result<()> {
        self.save_user_with(pool, user, false).await
    }

    /// Like `save_user`; with `force_alias`, an alias this change activates moves from its holder.
    pub(crate) async fn save_user_with(
        &self,
        pool: &UserPool,
        user: &mut User,
        force_alias: bool,
    ) -> Result<()> {
        let expected = user.version;
        user.version += 1;
        user.modified = self.now();
        self.write_user(pool, user, Some(expected), force_alias, CreatedBy::Admin)
            .await
    }
}

/// Checks the requested username against the pool's sign-in rules. Returns `None` when the
/// username will be the new user's `sub` (email or phone is the username).
pub(crate) fn username_for_new_user(
    pool: &UserPool,
    requested: &str,
    attributes: &mut BTreeMap<String, String>,
) -> Result<Option<String>> {
    let username_attributes = &pool.sign_in.username_attributes;
    if !username_attributes.is_empty() {
        let allows = |a: UsernameAttribute| username_attributes.contains(&a);
        let attribute = if allows(UsernameAttribute::Email) && schema::is_valid_email(requested) {
            "email"
        } else if allows(UsernameAttribute::PhoneNumber) && schema::is_valid_phone(requested) {
            "phone_number"
        } else {
            return Err(Error::username_format(
                allows(UsernameAttribute::Email),
                allows(UsernameAttribute::PhoneNumber),
            ));
        };
        if let Some(given) = attributes.get(attribute)
            && given != requested
        {
            return Err(Error::invalid_parameter(format!(
                "The {attribute} attribute must match the username when {attribute} is used as the username."
            )));
        }
        attributes.insert(attribute.to_owned(), requested.to_owned());
        return Ok(None);
    }
    let aliases = &pool.sign_in.alias_attributes;
    if aliases.contains(&AliasAttribute::Email) && schema::is_valid_email(requested) {
        return Err(Error::invalid_parameter(
            "Username cannot be of email format, since user pool is configured for email alias.",
        ));
    }
    if aliases.contains(&AliasAttribute::PhoneNumber) && schema::is_valid_phone(requested) {
        return Err(Error::invalid_parameter(
            "Username cannot be of phone number format, since user pool is configured for phone_number alias.",
        ));
    }
    Ok(Some(requested.to_owned()))
}
