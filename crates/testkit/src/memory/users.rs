//! Users, their lookup keys and ListUsers (`UserStore`).

use std::collections::BTreeSet;

use async_trait::async_trait;
use cognate_domain::ports::{Conflict, SearchFilter, StoreResult, UserQuery, UserStore, UserWrite};
use cognate_domain::user::User;

use super::state::{State, UserRow};
use super::{MemoryStore, after_bound, conflict, k, take};

impl State {
    /// Applies a batch in order; the caller makes it all or nothing
    /// ([`MemoryStore::atomically`](super::MemoryStore)). Order matters: the domain moves an
    /// alias by updating its holder, then writing the new one.
    pub fn save_users(&mut self, writes: &[UserWrite]) -> StoreResult<()> {
        for write in writes {
            match write.expected_version {
                None => self.insert_user(write)?,
                Some(expected) => self.update_user(write, expected)?,
            }
            self.insert_aliases(write)?;
        }
        Ok(())
    }

    fn insert_user(&mut self, write: &UserWrite) -> StoreResult<()> {
        let user = &write.user;
        let key = (k(&user.pool_id), k(&user.sub));
        if self.users.contains_key(&key) {
            return conflict(Conflict::Exists);
        }
        let username = (k(&user.pool_id), write.keys.username_key.clone());
        if self.usernames.contains_key(&username) {
            return conflict(Conflict::Username);
        }
        self.need_pool(&user.pool_id)?;
        self.usernames.insert(username, user.sub.clone());
        self.users.insert(
            key,
            UserRow {
                user: user.clone(),
                keys: write.keys.clone(),
            },
        );
        Ok(())
    }

    /// Replaces the row if it still has version `expected`, and drops its old keys.
    fn update_user(&mut self, write: &UserWrite, expected: i64) -> StoreResult<()> {
        let user = &write.user;
        let key = (k(&user.pool_id), k(&user.sub));
        let Some(row) = self.users.get(&key) else {
            return conflict(Conflict::Missing);
        };
        if row.user.version != expected {
            return conflict(Conflict::Version);
        }
        let old_username = row.keys.username_key.clone();
        let new_username = (k(&user.pool_id), write.keys.username_key.clone());
        if self
            .usernames
            .get(&new_username)
            .is_some_and(|holder| holder != &user.sub)
        {
            return conflict(Conflict::Username);
        }
        self.usernames.remove(&(k(&user.pool_id), old_username));
        self.usernames.insert(new_username, user.sub.clone());
        self.drop_user_keys(&user.pool_id, &user.sub);
        self.users.insert(
            key,
            UserRow {
                user: user.clone(),
                keys: write.keys.clone(),
            },
        );
        Ok(())
    }

    /// Takes the write's alias keys, in sorted order (a key listed twice is no collision,
    /// and which taken key is reported does not depend on the order they were listed in).
    fn insert_aliases(&mut self, write: &UserWrite) -> StoreResult<()> {
        let user = &write.user;
        let keys: BTreeSet<&String> = write.keys.aliases.iter().collect();
        for alias in keys {
            let key = (k(&user.pool_id), alias.clone());
            match self.aliases.get(&key) {
                Some(holder) if holder != &user.sub => {
                    return conflict(Conflict::Alias(alias.clone()));
                }
                _ => {
                    self.aliases.insert(key, user.sub.clone());
                }
            }
        }
        Ok(())
    }

    pub fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> Option<User> {
        self.users
            .get(&(k(pool_id), k(sub)))
            .map(|row| row.user.clone())
    }

    pub fn get_user_by_username_key(&self, pool_id: &str, username_key: &str) -> Option<User> {
        let sub = self.usernames.get(&(k(pool_id), k(username_key)))?;
        self.get_user_by_sub(pool_id, sub)
    }

    pub fn get_user_by_alias(&self, pool_id: &str, alias_key: &str) -> Option<User> {
        let sub = self.aliases.get(&(k(pool_id), k(alias_key)))?;
        self.get_user_by_sub(pool_id, sub)
    }

    /// Users ordered by username key: the pool's run of `usernames`, filtered by the search
    /// keys when the query has a filter. A prefix match is "starts with", which is what the
    /// SQL's `value >= prefix AND value < successor(prefix)` range is under code point order.
    pub fn list_users(&self, pool_id: &str, query: &UserQuery) -> Vec<User> {
        let after = query.after.as_deref();
        self.usernames
            .iter()
            .filter(|((p, username_key), _)| p == pool_id && after_bound(username_key, after))
            .filter_map(|(_, sub)| self.users.get(&(k(pool_id), sub.clone())))
            .filter(|row| {
                query
                    .filter
                    .as_ref()
                    .is_none_or(|filter| matches_search(row, filter))
            })
            .take(take(query.limit))
            .map(|row| row.user.clone())
            .collect()
    }

    pub fn count_users(&self, pool_id: &str) -> u64 {
        let count = self.users.keys().filter(|(p, _)| p == pool_id).count();
        u64::try_from(count).unwrap_or(u64::MAX)
    }
}

fn matches_search(row: &UserRow, filter: &SearchFilter) -> bool {
    row.keys.search.iter().any(|(attribute, value)| {
        attribute == &filter.attribute
            && if filter.prefix {
                value.starts_with(filter.value.as_str())
            } else {
                value == &filter.value
            }
    })
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn save_users(&self, writes: &[UserWrite]) -> StoreResult<()> {
        self.atomically(|s| s.save_users(writes))
    }

    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>> {
        self.with(|s| Ok(s.get_user_by_sub(pool_id, sub)))
    }

    async fn get_user_by_username_key(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> StoreResult<Option<User>> {
        self.with(|s| Ok(s.get_user_by_username_key(pool_id, username_key)))
    }

    async fn get_user_by_alias(&self, pool_id: &str, alias_key: &str) -> StoreResult<Option<User>> {
        self.with(|s| Ok(s.get_user_by_alias(pool_id, alias_key)))
    }

    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<bool> {
        self.with(|s| Ok(s.remove_user(pool_id, sub)))
    }

    async fn list_users(&self, pool_id: &str, query: &UserQuery) -> StoreResult<Vec<User>> {
        self.with(|s| Ok(s.list_users(pool_id, query)))
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        self.with(|s| Ok(s.count_users(pool_id)))
    }
}
