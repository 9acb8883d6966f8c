//! Groups and memberships (`GroupStore`).

use async_trait::async_trait;
use cognate_domain::group::Group;
use cognate_domain::ports::{Conflict, GroupStore, StoreResult};
use cognate_domain::user::User;

use super::state::State;
use super::{MemoryStore, after_bound, conflict, k, take};

impl State {
    pub fn insert_group(&mut self, group: &Group) -> StoreResult<()> {
        let key = (k(&group.pool_id), k(&group.name));
        if self.groups.contains_key(&key) {
            return conflict(Conflict::Exists);
        }
        self.need_pool(&group.pool_id)?;
        self.groups.insert(key, group.clone());
        Ok(())
    }

    pub fn update_group(&mut self, group: &Group) -> StoreResult<()> {
        match self.groups.get_mut(&(k(&group.pool_id), k(&group.name))) {
            Some(stored) => {
                *stored = group.clone();
                Ok(())
            }
            None => conflict(Conflict::Missing),
        }
    }

    pub fn delete_group(&mut self, pool_id: &str, name: &str) -> bool {
        if self.groups.remove(&(k(pool_id), k(name))).is_none() {
            return false;
        }
        self.members
            .retain(|(p, g, _)| !(p == pool_id && g == name));
        true
    }

    pub fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Vec<Group> {
        self.groups
            .iter()
            .filter(|((p, name), _)| p == pool_id && after_bound(name, after))
            .take(take(limit))
            .map(|(_, group)| group.clone())
            .collect()
    }

    /// Idempotent; `Conflict::Missing` when the user or the group is gone.
    pub fn add_user_to_group(&mut self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
        self.need_user(pool_id, sub)?;
        if !self.groups.contains_key(&(k(pool_id), k(group))) {
            return conflict(Conflict::Missing);
        }
        self.members.insert((k(pool_id), k(group), k(sub)));
        Ok(())
    }

    pub fn remove_user_from_group(&mut self, pool_id: &str, group: &str, sub: &str) {
        self.members.remove(&(k(pool_id), k(group), k(sub)));
    }

    pub fn list_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Vec<Group> {
        self.members
            .iter()
            .filter(|(p, name, s)| p == pool_id && s == sub && after_bound(name, after))
            .filter_map(|(p, name, _)| self.groups.get(&(p.clone(), name.clone())))
            .take(take(limit))
            .cloned()
            .collect()
    }

    /// Members ordered by username key, after `after` (a username key).
    pub fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Vec<User> {
        let mut members: Vec<(&str, &User)> = self
            .members
            .iter()
            .filter(|(p, g, _)| p == pool_id && g == group)
            .filter_map(|(p, _, sub)| self.users.get(&(p.clone(), sub.clone())))
            .map(|row| (row.keys.username_key.as_str(), &row.user))
            .filter(|(username_key, _)| after_bound(username_key, after))
            .collect();
        members.sort_by(|a, b| a.0.cmp(b.0));
        members
            .into_iter()
            .take(take(limit))
            .map(|(_, user)| user.clone())
            .collect()
    }
}

#[async_trait]
impl GroupStore for MemoryStore {
    async fn insert_group(&self, group: &Group) -> StoreResult<()> {
        self.with(|s| s.insert_group(group))
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
        self.with(|s| Ok(s.groups.get(&(k(pool_id), k(name))).cloned()))
    }

    async fn update_group(&self, group: &Group) -> StoreResult<()> {
        self.with(|s| s.update_group(group))
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        self.with(|s| Ok(s.delete_group(pool_id, name)))
    }

    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>> {
        self.with(|s| Ok(s.list_groups(pool_id, after, limit)))
    }

    async fn add_user_to_group(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
        self.with(|s| s.add_user_to_group(pool_id, group, sub))
    }

    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()> {
        self.with(|s| {
            s.remove_user_from_group(pool_id, group, sub);
            Ok(())
        })
    }

    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>> {
        self.with(|s| Ok(s.list_groups_for_user(pool_id, sub, after, limit)))
    }

    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>> {
        self.with(|s| Ok(s.list_users_in_group(pool_id, group, after, limit)))
    }
}
