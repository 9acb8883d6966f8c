//! The [`GroupStore`] family: groups and their members.

use cognate_domain::group::Group;
use cognate_domain::ports::{Conflict, GroupStore, StoreResult};
use cognate_domain::user::User;
use sqlx::{query, query_scalar};

use super::{Bind, Doc, Paged, USER_EXISTS};
use crate::records::{conflict, fail, from_doc, to_doc};

const INSERT_GROUP: &str =
    "INSERT INTO groups (pool_id, name, doc) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const GET_GROUP: &str = "SELECT doc FROM groups WHERE pool_id = $1 AND name = $2";
const UPDATE_GROUP: &str = "UPDATE groups SET doc = $3 WHERE pool_id = $1 AND name = $2";
const DELETE_GROUP: &str = "DELETE FROM groups WHERE pool_id = $1 AND name = $2";
const LIST_GROUPS: Paged = Paged {
    first: "SELECT doc FROM groups WHERE pool_id = $1 ORDER BY name LIMIT $2",
    after: "SELECT doc FROM groups WHERE pool_id = $1 AND name > $3 ORDER BY name LIMIT $2",
};

// Memberships are keyed by username key (see the migrations); the port names users by sub.
const ADD_MEMBER: &str = "INSERT INTO group_members (pool_id, group_name, username_key) \
     SELECT pool_id, $2, username_key FROM users WHERE pool_id = $1 AND sub = $3 ON CONFLICT DO NOTHING";
const REMOVE_MEMBER: &str = "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 \
     AND username_key = (SELECT username_key FROM users WHERE pool_id = $1 AND sub = $3)";
const LIST_GROUPS_FOR_USER: Paged = Paged {
    first: "SELECT g.doc FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = $1 AND m.username_key = (SELECT username_key FROM users WHERE pool_id = $1 AND sub = $2) \
     ORDER BY m.group_name LIMIT $3",
    after: "SELECT g.doc FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = $1 AND m.username_key = (SELECT username_key FROM users WHERE pool_id = $1 AND sub = $2) \
     AND m.group_name > $4 ORDER BY m.group_name LIMIT $3",
};

// The page is cut in the subquery, on the primary key, before any user row is read. (A
// plain join let SQLite's planner walk the pool's users in key order and probe the group,
// which reads the whole pool for a small group.)
const LIST_USERS_IN_GROUP: Paged = Paged {
    first: "SELECT u.doc FROM (SELECT username_key FROM group_members WHERE pool_id = $1 AND group_name = $2 \
     ORDER BY username_key LIMIT $3) m JOIN users u ON u.pool_id = $1 AND u.username_key = m.username_key \
     ORDER BY m.username_key",
    after: "SELECT u.doc FROM (SELECT username_key FROM group_members WHERE pool_id = $1 AND group_name = $2 \
     AND username_key > $4 ORDER BY username_key LIMIT $3) m JOIN users u ON u.pool_id = $1 AND u.username_key = m.username_key \
     ORDER BY m.username_key",
};

sql_impl! {
impl GroupStore {
    async fn insert_group(&self, group: &Group) -> StoreResult<()> {
        let insert = query(INSERT_GROUP)
            .bind(group.pool_id.as_str())
            .bind(group.name.as_str())
            .bind(to_doc("group", group)?);
        self.insert_new("insert group", insert).await
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
        self.read_doc("group", GET_GROUP, &[Bind::Text(pool_id), Bind::Text(name)])
            .await
    }

    async fn update_group(&self, group: &Group) -> StoreResult<()> {
        let update = query(UPDATE_GROUP)
            .bind(group.pool_id.as_str())
            .bind(group.name.as_str())
            .bind(to_doc("group", group)?);
        if self.changed("update group", update).await? {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool> {
        // Memberships go with the row (ON DELETE CASCADE).
        self.changed("delete group", query(DELETE_GROUP).bind(pool_id).bind(name))
            .await
    }

    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>> {
        let list = query_scalar(LIST_GROUPS.sql(after))
            .bind(pool_id)
            .bind(i64::from(limit));
        self.fetch_docs("group", Self::after(list, after)).await
    }

    async fn add_user_to_group(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
        // A missing group fails the foreign key, which `fail` reports as Missing. Nothing
        // inserted means the user is a member already (idempotent) or does not exist.
        let added = query(ADD_MEMBER)
            .bind(pool_id)
            .bind(group)
            .bind(sub)
            .execute(&self.write)
            .await
            .map_err(fail("add group member"))?;
        if DB::rows_affected(&added) > 0
            || self
                .exists(
                    "add group member",
                    query_scalar(USER_EXISTS).bind(pool_id).bind(sub),
                )
                .await?
        {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()> {
        self.changed(
            "remove group member",
            query(REMOVE_MEMBER).bind(pool_id).bind(group).bind(sub),
        )
        .await?;
        Ok(())
    }

    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>> {
        let mut binds = vec![
            Bind::Text(pool_id),
            Bind::Text(sub),
            Bind::Int(i64::from(limit)),
        ];
        binds.extend(after.map(Bind::Text));
        let docs: Vec<Doc> = self
            .read_all("group", LIST_GROUPS_FOR_USER.sql(after), &binds)
            .await?;
        docs.iter().map(|(doc,)| from_doc("group", doc)).collect()
    }

    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>> {
        let list = query_scalar(LIST_USERS_IN_GROUP.sql(after))
            .bind(pool_id)
            .bind(group)
            .bind(i64::from(limit));
        self.fetch_docs("user", Self::after(list, after)).await
    }
}
}
