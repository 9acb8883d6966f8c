//! Groups: precedence, role ARNs and membership.

use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::error::{Error, ErrorKind, Result};
use crate::paging::{self, PageSize};
use crate::pool::Page;
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;
use crate::user::User;

/// Most groups one user may belong to.
pub const MAX_GROUPS_PER_USER: u32 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// What CreateGroup and UpdateGroup carry; in an update, `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
}

impl Domain {
    /// CreateGroup.
    pub async fn create_group(
        &self,
        pool_id: &str,
        name: &str,
        input: GroupInput,
    ) -> Result<Group> {
        self.user_pool(pool_id).await?;
        let now = self.now();
        let group = Group {
            pool_id: pool_id.to_owned(),
            name: name.to_owned(),
            description: input.description,
            role_arn: input.role_arn,
            precedence: input.precedence,
            created: now,
            modified: now,
        };
        match self.store.insert_group(&group).await {
            Ok(()) => Ok(group),
            Err(StoreError::Conflict(Conflict::Exists)) => Err(Error::new(
                ErrorKind::GroupExists,
                format!("A group with the name {name} already exists."),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// GetGroup.
    pub async fn group(&self, pool_id: &str, name: &str) -> Result<Group> {
        self.user_pool(pool_id).await?;
        self.store
            .get_group(pool_id, name)
            .await
            .map_err(Error::from)?
            .ok_or_else(Error::group_not_found)
    }

    /// UpdateGroup: members given replace the stored ones.
    pub async fn update_group(
        &self,
        pool_id: &str,
        name: &str,
        input: GroupInput,
    ) -> Result<Group> {
        let mut group = self.group(pool_id, name).await?;
        if input.description.is_some() {
            group.description = input.description;
        }
        if input.role_arn.is_some() {
            group.role_arn = input.role_arn;
        }
        if input.precedence.is_some() {
            group.precedence = input.precedence;
        }
        group.modified = self.now();
        self.store.update_group(&group).await.map_err(Error::from)?;
        Ok(group)
    }

    /// DeleteGroup (memberships go with it).
    pub async fn delete_group(&self, pool_id: &str, name: &str) -> Result<()> {
        self.group(pool_id, name).await?;
        self.store
            .delete_group(pool_id, name)
            .await
            .map_err(Error::from)?;
        Ok(())
    }

    /// ListGroups.
    pub async fn list_groups(
        &self,
        pool_id: &str,
        next: Option<&str>,
        page_size: PageSize,
    ) -> Result<Page<Group>> {
        let limit = page_size.or(paging::DIRECTORY);
        self.user_pool(pool_id).await?;
        let scope = format!("groups:{pool_id}");
        let after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let mut groups = self
            .store
            .list_groups(pool_id, after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut groups, limit, &scope, |g| g.name.clone())?;
        Ok(Page {
            items: groups,
            next,
        })
    }

    /// AdminAddUserToGroup.
    pub async fn add_user_to_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> Result<()> {
        let user = self.existing_user(pool_id, username).await?;
        self.group(pool_id, group).await?;
        let current = self
            .store
            .list_groups_for_user(pool_id, &user.sub, None, MAX_GROUPS_PER_USER + 1)
            .await
            .map_err(Error::from)?;
        if current.len() as u32 >= MAX_GROUPS_PER_USER && !current.iter().any(|g| g.name == group) {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!("A user can belong to at most {MAX_GROUPS_PER_USER} groups."),
            ));
        }
        self.store
            .add_user_to_group(pool_id, group, &user.sub)
            .await
            .map_err(Error::from)
    }

    /// AdminRemoveUserFromGroup.
    pub async fn remove_user_from_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> Result<()> {
        let user = self.existing_user(pool_id, username).await?;
        self.group(pool_id, group).await?;
        self.store
            .remove_user_from_group(pool_id, group, &user.sub)
            .await
            .map_err(Error::from)
    }

    /// AdminListGroupsForUser.
    pub async fn groups_for_user(
        &self,
        pool_id: &str,
        username: &str,
        next: Option<&str>,
        page_size: PageSize,
    ) -> Result<Page<Group>> {
        let limit = page_size.or(paging::DIRECTORY);
        let user = self.existing_user(pool_id, username).await?;
        let scope = format!("user-groups:{pool_id}:{}", user.sub);
        let after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let mut groups = self
            .store
            .list_groups_for_user(pool_id, &user.sub, after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut groups, limit, &scope, |g| g.name.clone())?;
        Ok(Page {
            items: groups,
            next,
        })
    }

    /// ListUsersInGroup.
    pub async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        next: Option<&str>,
        page_size: PageSize,
    ) -> Result<Page<User>> {
        let limit = page_size.or(paging::DIRECTORY);
        self.group(pool_id, group).await?;
        let scope = format!("group-users:{pool_id}:{group}");
        let after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let mut users = self
            .store
            .list_users_in_group(pool_id, group, after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let pool = self.user_pool(pool_id).await?;
        let next = self.next_page(&mut users, limit, &scope, |u| {
            crate::user::username_key(&pool, &u.username)
        })?;
        Ok(Page { items: users, next })
    }

    /// Groups sorted as tokens list them: by precedence (lowest first), then name.
    pub async fn all_groups_for_user(&self, pool_id: &str, sub: &str) -> Result<Vec<Group>> {
        let mut groups = self
            .store
            .list_groups_for_user(pool_id, sub, None, MAX_GROUPS_PER_USER)
            .await
            .map_err(Error::from)?;
        groups.sort_by(|a, b| {
            a.precedence
                .unwrap_or(i64::MAX)
                .cmp(&b.precedence.unwrap_or(i64::MAX))
                .then(a.name.cmp(&b.name))
        });
        Ok(groups)
    }
}
