//! Persistence of a pool's users and the keys they are found by (username, aliases,
//! searchable attributes).

use async_trait::async_trait;

use crate::user::User;

use super::StoreResult;

/// How a user row is written, with the lookup keys the domain computed for it.
#[derive(Debug, Clone)]
pub struct UserWrite {
    pub user: User,
    pub keys: UserKeys,
    /// `None` inserts; `Some(v)` updates the row only if it still has version `v`.
    pub expected_version: Option<i64>,
}

/// Keys a user can be found by. The domain decides them; the store indexes them and
/// enforces uniqueness of `username_key` and `aliases` within the pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserKeys {
    pub username_key: String,
    /// Unique within the pool, e.g. `email:alice@example.com`.
    pub aliases: Vec<String>,
    /// (attribute, value) pairs ListUsers may filter on.
    pub search: Vec<(String, String)>,
}

/// A ListUsers query: optional filter, continue after `after` (a username key), at most `limit`.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub filter: Option<SearchFilter>,
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchFilter {
    pub attribute: String,
    pub value: String,
    pub prefix: bool,
}

/// Users with their lookup keys.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Writes users atomically: all or none.
    async fn save_users(&self, writes: &[UserWrite]) -> StoreResult<()>;

    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>>;

    async fn get_user_by_username_key(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> StoreResult<Option<User>>;

    async fn get_user_by_alias(&self, pool_id: &str, alias_key: &str) -> StoreResult<Option<User>>;

    /// Deletes a user with its keys, group memberships and codes.
    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<bool>;

    /// Users ordered by username key.
    async fn list_users(&self, pool_id: &str, query: &UserQuery) -> StoreResult<Vec<User>>;

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64>;
}
