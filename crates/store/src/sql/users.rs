//! The [`UserStore`] family: users with their lookup keys (username, aliases, search).

use std::collections::{BTreeSet, HashSet};

use cognate_domain::ports::{Conflict, SearchFilter, StoreResult, UserQuery, UserStore, UserWrite};
use cognate_domain::user::User;
use sqlx::{AssertSqlSafe, query, query_as, query_scalar};

use super::{Bind, USER_EXISTS};
use crate::records::{conflict, fail, is_unique_violation, prefix_successor, to_doc};

const GET_USER_BY_SUB: &str = "SELECT doc FROM users WHERE pool_id = $1 AND sub = $2";
const GET_USER_BY_USERNAME: &str = "SELECT doc FROM users WHERE pool_id = $1 AND username_key = $2";
const GET_USER_BY_ALIAS: &str = "SELECT u.doc FROM user_aliases a JOIN users u ON u.pool_id = a.pool_id AND u.sub = a.sub \
     WHERE a.pool_id = $1 AND a.alias_key = $2";
const DELETE_USER: &str = "DELETE FROM users WHERE pool_id = $1 AND sub = $2";
const COUNT_USERS: &str = "SELECT COUNT(*) FROM users WHERE pool_id = $1";

const UPDATE_USER: &str = "UPDATE users SET username_key = $3, version = $4, doc = $5 WHERE pool_id = $1 AND sub = $2 AND version = $6";

const DELETE_USER_ALIASES: &str = "DELETE FROM user_aliases WHERE pool_id = $1 AND sub = $2";

const DELETE_USER_SEARCH: &str = "DELETE FROM user_search WHERE pool_id = $1 AND sub = $2";

sql_impl! {
impl UserStore {
    async fn save_users(&self, writes: &[UserWrite]) -> StoreResult<()> {
        // One transaction for the batch: an error drops `tx`, which rolls everything back.
        let mut tx = self.write.begin().await.map_err(fail("save users"))?;
        Self::save_batch(&mut *tx, writes).await?;
        tx.commit().await.map_err(fail("save users"))
    }

    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>> {
        self.read_doc(
            "user",
            GET_USER_BY_SUB,
            &[Bind::Text(pool_id), Bind::Text(sub)],
        )
        .await
    }

    async fn get_user_by_username_key(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> StoreResult<Option<User>> {
        self.read_doc(
            "user",
            GET_USER_BY_USERNAME,
            &[Bind::Text(pool_id), Bind::Text(username_key)],
        )
        .await
    }

    async fn get_user_by_alias(&self, pool_id: &str, alias_key: &str) -> StoreResult<Option<User>> {
        self.read_doc(
            "user",
            GET_USER_BY_ALIAS,
            &[Bind::Text(pool_id), Bind::Text(alias_key)],
        )
        .await
    }

    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<bool> {
        // Aliases, search keys, memberships, codes and sessions go with the row (ON DELETE
        // CASCADE). Failure counters stay: they are keyed by pool, and a new user never
        // has this sub.
        self.changed("delete user", query(DELETE_USER).bind(pool_id).bind(sub))
            .await
    }

    async fn list_users(&self, pool_id: &str, query: &UserQuery) -> StoreResult<Vec<User>> {
        let upper = match &query.filter {
            Some(filter) if filter.prefix => prefix_successor(&filter.value),
            _ => None,
        };
        let (sql, binds) = list_users_sql(pool_id, query, upper.as_deref());
        // The text is assembled only from the fixed fragments in `list_users_sql`; every
        // value is a bound parameter.
        let mut list = query_scalar(AssertSqlSafe(sql));
        for bind in binds {
            list = match bind {
                Bind::Text(text) => list.bind(text),
                Bind::Int(n) => list.bind(n),
                Bind::Blob(bytes) => list.bind(bytes),
            };
        }
        self.fetch_docs("user", list).await
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let count: Option<(i64,)> = self
            .read_one("count users", COUNT_USERS, &[Bind::Text(pool_id)])
            .await?;
        Ok(count.map_or(0, |(n,)| u64::try_from(n).unwrap_or_default()))
    }
}
}

/// ListUsers' statement and its parameters, in parameter order.
///
/// Without a filter it walks `users_username_key`. With one it reads the search index
/// (primary key of `user_search`: pool, attribute, value, username key, sub), cuts the page
/// there, and only then joins the page's users. An exact match comes out of the index
/// already in username order; a prefix match is an index range, sorted by username key.
fn list_users_sql<'a>(
    pool_id: &'a str,
    query: &'a UserQuery,
    upper: Option<&'a str>,
) -> (String, Vec<Bind<'a>>) {
    let mut binds = vec![Bind::Text(pool_id), Bind::Int(i64::from(query.limit))];
    let mut param = |bind: Bind<'a>| {
        binds.push(bind);
        format!("${}", binds.len())
    };
    let after = query.after.as_deref().map(|after| param(Bind::Text(after)));
    let sql = match &query.filter {
        None => {
            let after = after
                .map(|p| format!(" AND username_key > {p}"))
                .unwrap_or_default();
            format!(
                "SELECT doc FROM users WHERE pool_id = $1{after} ORDER BY username_key LIMIT $2"
            )
        }
        Some(SearchFilter {
            attribute,
            value,
            prefix,
        }) => {
            let after = after
                .map(|p| format!(" AND username_key > {p}"))
                .unwrap_or_default();
            let attribute = param(Bind::Text(attribute));
            let value_param = param(Bind::Text(value));
            // A user may hold several matching values of one attribute only in a prefix
            // search; DISTINCT keeps it to one row there.
            let (distinct, matches) = match (*prefix, upper) {
                (false, _) => ("", format!("value = {value_param}")),
                (true, Some(upper)) => {
                    let upper = param(Bind::Text(upper));
                    (
                        "DISTINCT ",
                        format!("value >= {value_param} AND value < {upper}"),
                    )
                }
                (true, None) => ("DISTINCT ", format!("value >= {value_param}")),
            };
            format!(
                "SELECT u.doc FROM (SELECT {distinct}username_key, sub FROM user_search \
                 WHERE pool_id = $1 AND attribute = {attribute} AND {matches}{after} \
                 ORDER BY username_key LIMIT $2) s \
                 JOIN users u ON u.pool_id = $1 AND u.sub = s.sub ORDER BY s.username_key"
            )
        }
    };
    (sql, binds)
}

sql_impl! {
impl {
    /// Applies a `save_users` batch inside its transaction, in order: each run of
    /// consecutive inserts goes in one statement per table, each update on its own. Order
    /// matters: the domain moves an alias by updating its holder, then inserting the new one.
    pub(super) async fn save_batch(conn: &mut DB::Connection, writes: &[UserWrite]) -> StoreResult<()> {
        let mut rest = writes;
        while !rest.is_empty() {
            let inserts = rest
                .iter()
                .take_while(|w| w.expected_version.is_none())
                .count();
            let (now, later) = rest.split_at(inserts.max(1));
            match now {
                [
                    update @ UserWrite {
                        expected_version: Some(expected),
                        ..
                    },
                ] => {
                    Self::update_user(conn, update, *expected).await?;
                }
                _ => Self::insert_users(conn, now).await?,
            }
            Self::insert_keys(conn, now).await?;
            rest = later;
        }
        Ok(())
    }

    /// Inserts the rows of new users. When several writes of a batch collide, which
    /// collision is reported is not specified: the whole batch fails either way.
    async fn insert_users(conn: &mut DB::Connection, writes: &[UserWrite]) -> StoreResult<()> {
        let rows = writes
            .iter()
            .map(|w| {
                let user = &w.user;
                Ok((
                    user.pool_id.as_str(),
                    user.sub.as_str(),
                    w.keys.username_key.as_str(),
                    user.version,
                    to_doc("user", user)?,
                ))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let inserted: HashSet<(String, String)> = query_as(DB::INSERT_USERS)
            .bind(to_doc("user rows", &rows)?)
            .fetch_all(&mut *conn)
            .await
            .map_err(fail("insert users"))?
            .into_iter()
            .collect();
        if inserted.len() == writes.len() {
            return Ok(());
        }
        let Some(refused) = writes
            .iter()
            .find(|w| !inserted.contains(&(w.user.pool_id.clone(), w.user.sub.clone())))
        else {
            // Every sub went in once, so one was listed twice in this batch.
            return conflict(Conflict::Exists);
        };
        // Refused by the primary key (the sub is taken) or by the username index.
        let same_sub = query_scalar::<DB, String>(USER_EXISTS)
            .bind(refused.user.pool_id.as_str())
            .bind(refused.user.sub.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(fail("insert users"))?;
        conflict(if same_sub.is_some() {
            Conflict::Exists
        } else {
            Conflict::Username
        })
    }

    /// Updates a user's row if it still has the expected version, and drops its old keys.
    async fn update_user(
        conn: &mut DB::Connection,
        write: &UserWrite,
        expected: i64,
    ) -> StoreResult<()> {
        let user = &write.user;
        let updated = query(UPDATE_USER)
            .bind(user.pool_id.as_str())
            .bind(user.sub.as_str())
            .bind(write.keys.username_key.as_str())
            .bind(user.version)
            .bind(to_doc("user", user)?)
            .bind(expected)
            .execute(&mut *conn)
            .await;
        let updated = match updated {
            Ok(done) => DB::rows_affected(&done),
            // The only unique key an update can newly take is the username.
            Err(e) if is_unique_violation(&e) => return conflict(Conflict::Username),
            Err(e) => return Err(fail("update user")(e)),
        };
        if updated == 0 {
            let found = query_scalar::<DB, String>(USER_EXISTS)
                .bind(user.pool_id.as_str())
                .bind(user.sub.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(fail("update user"))?;
            return conflict(if found.is_some() {
                Conflict::Version
            } else {
                Conflict::Missing
            });
        }
        for statement in [DELETE_USER_ALIASES, DELETE_USER_SEARCH] {
            query(statement)
                .bind(user.pool_id.as_str())
                .bind(user.sub.as_str())
                .execute(&mut *conn)
                .await
                .map_err(fail("replace user keys"))?;
        }
        Ok(())
    }

    /// Inserts the alias and search keys of users whose rows were just written.
    async fn insert_keys(conn: &mut DB::Connection, writes: &[UserWrite]) -> StoreResult<()> {
        // Per user sorted and deduplicated: a key listed twice is not a collision, and the
        // first colliding key reported does not depend on the order the domain listed them.
        let aliases: Vec<(&str, &str, &str)> = writes
            .iter()
            .flat_map(|w| {
                let keys: BTreeSet<&str> = w.keys.aliases.iter().map(String::as_str).collect();
                keys.into_iter()
                    .map(|key| (w.user.pool_id.as_str(), w.user.sub.as_str(), key))
            })
            .collect();
        if !aliases.is_empty() {
            let inserted: HashSet<(String, String, String)> = query_as(DB::INSERT_ALIASES)
                .bind(to_doc("alias rows", &aliases)?)
                .fetch_all(&mut *conn)
                .await
                .map_err(fail("insert user aliases"))?
                .into_iter()
                .collect();
            // A row missing from what was inserted is a key another user holds.
            if let Some((_, _, taken)) = aliases.iter().find(|(p, s, k)| {
                !inserted.contains(&((*p).to_owned(), (*s).to_owned(), (*k).to_owned()))
            }) {
                return conflict(Conflict::Alias((*taken).to_owned()));
            }
        }
        let search: Vec<(&str, &str, &str, &str, &str)> = writes
            .iter()
            .flat_map(|w| {
                w.keys.search.iter().map(|(attribute, value)| {
                    (
                        w.user.pool_id.as_str(),
                        w.keys.username_key.as_str(),
                        w.user.sub.as_str(),
                        attribute.as_str(),
                        value.as_str(),
                    )
                })
            })
            .collect();
        if !search.is_empty() {
            query(DB::INSERT_SEARCH)
                .bind(to_doc("search rows", &search)?)
                .execute(&mut *conn)
                .await
                .map_err(fail("insert user search keys"))?;
        }
        Ok(())
    }
}
}
