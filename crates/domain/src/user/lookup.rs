//! How users are named and found: the keys the store indexes (usernames in NFC, lowercased
//! in case-insensitive pools; aliases; searchable attributes), the lookups admin operations
//! make, and ListUsers.

use super::User;
use crate::enums::{AliasAttribute, UserStatus};
use crate::error::{Error, Result};
use crate::paging::{self, PageSize};
use crate::pool::{Page, UserPool};
use crate::ports::{UserKeys, UserQuery};
use crate::schema;
use crate::{Domain, filter};

/// The key a username (or an alias value) is unique and found by: in Unicode Normalization
/// Form C, and lowercased in case-insensitive pools.
///
/// Names that differ only in how their characters are composed (`é` as one code point or as
/// `e` and a combining accent, as macOS and some keyboards send it) are the same text, so
/// they are one user: otherwise two people could hold names no one can tell apart. Names that
/// differ in compatibility forms (full-width letters, ligatures) stay distinct, as in Cognito,
/// which compares names as given. `docs/security.md` records the decision.
pub fn username_key(pool: &UserPool, username: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if pool.sign_in.is_case_sensitive() {
        username.nfc().collect()
    } else {
        username.to_lowercase().nfc().collect()
    }
}

fn alias_key(pool: &UserPool, attribute: &str, value: &str) -> String {
    format!("{attribute}:{}", username_key(pool, value))
}

/// Which attributes find a user besides the username: in email/phone-as-username pools the
/// attribute always does; in alias pools only once verified (preferred_username always).
fn sign_in_aliases(pool: &UserPool, user: &User) -> Vec<String> {
    let mut aliases = Vec::new();
    for attr in &pool.sign_in.username_attributes {
        if let Some(value) = user.attribute(attr.as_str()) {
            aliases.push(alias_key(pool, attr.as_str(), value));
        }
    }
    for attr in &pool.sign_in.alias_attributes {
        let name = attr.as_str();
        let Some(value) = user.attribute(name) else {
            continue;
        };
        if *attr == AliasAttribute::PreferredUsername || user.is_verified(name) {
            aliases.push(alias_key(pool, name, value));
        }
    }
    aliases
}

fn search_keys(pool: &UserPool, user: &User) -> Vec<(String, String)> {
    let mut keys = vec![
        // As the pool compares usernames, which is how ListUsers normalises a username
        // filter (`normalise_filter`): in a case-insensitive pool `Alice` is found as `alice`.
        ("username".to_owned(), username_key(pool, &user.username)),
        (
            "cognito:user_status".to_owned(),
            user.status.as_str().to_lowercase(),
        ),
        (
            "status".to_owned(),
            if user.enabled { "Enabled" } else { "Disabled" }.to_owned(),
        ),
    ];
    for name in filter::SEARCHABLE {
        if let Some(value) = user.attribute(name) {
            keys.push(((*name).to_owned(), value.to_owned()));
        }
    }
    keys
}

/// Every key the store indexes for this user.
pub fn user_keys(pool: &UserPool, user: &User) -> UserKeys {
    UserKeys {
        username_key: username_key(pool, &user.username),
        // A federated profile signs in only through its provider, so its email or phone
        // never claims an alias: Cognito lets it share them with a local user.
        aliases: if user.status == UserStatus::ExternalProvider {
            Vec::new()
        } else {
            sign_in_aliases(pool, user)
        },
        search: search_keys(pool, user),
    }
}

/// Filters on the username use the same key the store indexes; statuses compare case-insensitively.
fn normalise_filter(pool: &UserPool, filter: &mut crate::ports::SearchFilter) {
    match filter.attribute.as_str() {
        "cognito:user_status" => filter.value = filter.value.to_lowercase(),
        "username" => filter.value = username_key(pool, &filter.value),
        _ => {}
    }
}

impl Domain {
    /// Finds a user by username, then by alias, then by `sub`, as Cognito's admin operations do.
    pub async fn find_user(&self, pool: &UserPool, name: &str) -> Result<Option<User>> {
        let by_username = self
            .store
            .get_user_by_username_key(&pool.id, &username_key(pool, name))
            .await
            .map_err(Error::from)?;
        if by_username.is_some() {
            return Ok(by_username);
        }
        for attribute in alias_candidates(pool, name) {
            let key = alias_key(pool, attribute, name);
            if let Some(user) = self
                .store
                .get_user_by_alias(&pool.id, &key)
                .await
                .map_err(Error::from)?
            {
                return Ok(Some(user));
            }
        }
        if uuid::Uuid::parse_str(name).is_ok() {
            return self
                .store
                .get_user_by_sub(&pool.id, name)
                .await
                .map_err(Error::from);
        }
        Ok(None)
    }

    /// The user, or UserNotFoundException.
    pub async fn existing_user(&self, pool_id: &str, name: &str) -> Result<User> {
        let pool = self.user_pool(pool_id).await?;
        self.find_user(&pool, name)
            .await?
            .ok_or_else(Error::user_not_found)
    }

    /// ListUsers.
    pub async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&str>,
        page_size: PageSize,
        next: Option<&str>,
    ) -> Result<Page<User>> {
        let limit = page_size.or(paging::DIRECTORY);
        let pool = self.user_pool(pool_id).await?;
        let mut filter = filter.map(filter::parse).transpose()?.flatten();
        if let Some(f) = &mut filter {
            normalise_filter(&pool, f);
        }
        let scope = format!("users:{pool_id}");
        let after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let query = UserQuery {
            filter,
            after,
            limit: limit + 1,
        };
        let mut users = self
            .store
            .list_users(pool_id, &query)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut users, limit, &scope, |u| {
            username_key(&pool, &u.username)
        })?;
        Ok(Page { items: users, next })
    }
}

/// Which alias kinds a name could be, judged by its shape.
fn alias_candidates(pool: &UserPool, name: &str) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = Vec::new();
    let configured = |attr: &str| {
        pool.sign_in
            .username_attributes
            .iter()
            .any(|a| a.as_str() == attr)
            || pool
                .sign_in
                .alias_attributes
                .iter()
                .any(|a| a.as_str() == attr)
    };
    if schema::is_valid_email(name) && configured("email") {
        kinds.push("email");
    }
    if schema::is_valid_phone(name) && configured("phone_number") {
        kinds.push("phone_number");
    }
    if configured("preferred_username") {
        kinds.push("preferred_username");
    }
    kinds
}
