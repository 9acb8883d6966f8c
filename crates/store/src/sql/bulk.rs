//! The [`BulkStore`] family: reading everything out, for `cognate export` and `migrate`.
//! (Writes go through the ordinary inserts, which refuse what is already there.)

use async_trait::async_trait;
use cognate_domain::ports::StoreResult;
use cognate_domain::time::Timestamp;
use cognate_domain::tokens::AuthSession;
use cognate_domain::transfer::BulkStore;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type, query_as};

use super::{Dialect, Paged, SqlStore};
use crate::records::{fail, from_doc};

const LIST_SESSIONS: Paged = Paged {
    first: "SELECT doc, revoked_ms FROM sessions ORDER BY origin_jti LIMIT $1",
    after: "SELECT doc, revoked_ms FROM sessions WHERE origin_jti > $2 ORDER BY origin_jti LIMIT $1",
};

// The same bounds as the `Store` impl in `sql`, for the same reasons.
#[async_trait]
impl<DB> BulkStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Decode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<&'q [u8]>: Encode<'q, DB>,
    usize: ColumnIndex<DB::Row>,
{
    async fn list_all_sessions(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AuthSession>> {
        let mut list = query_as(LIST_SESSIONS.sql(after)).bind(i64::from(limit));
        if let Some(after) = after {
            list = list.bind(after);
        }
        let rows: Vec<(String, Option<i64>)> = list
            .fetch_all(&self.read)
            .await
            .map_err(fail("list sessions"))?;
        rows.into_iter()
            .map(|(doc, revoked_ms)| {
                let mut session: AuthSession = from_doc("session", &doc)?;
                session.revoked = revoked_ms.map(Timestamp);
                Ok(session)
            })
            .collect()
    }
}
