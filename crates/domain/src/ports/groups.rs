//! Persistence of a pool's groups and their members.

use async_trait::async_trait;

use crate::group::Group;
use crate::user::User;

use super::StoreResult;

/// Groups and memberships.
#[async_trait]
pub trait GroupStore: Send + Sync {
    async fn insert_group(&self, group: &Group) -> StoreResult<()>;

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>>;

    async fn update_group(&self, group: &Group) -> StoreResult<()>;

    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool>;

    /// Groups ordered by name, after `after`.
    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>>;

    /// Idempotent: adding an existing member succeeds.
    async fn add_user_to_group(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()>;

    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()>;

    /// The user's groups ordered by name, after `after`.
    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>>;

    /// Members ordered by username key, after `after`.
    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>>;
}
