//! The [`BulkStore`] family: reading everything out, for `cognate export` and `migrate`.
//! (Writes go through the ordinary inserts, which refuse what is already there.)

use cognate_domain::ports::StoreResult;
use cognate_domain::time::Timestamp;
use cognate_domain::tokens::AuthSession;
use cognate_domain::transfer::BulkStore;
use sqlx::query_as;

use super::Paged;
use crate::records::{fail, from_doc};

const LIST_SESSIONS: Paged = Paged {
    first: "SELECT doc, revoked_ms FROM sessions ORDER BY origin_jti LIMIT $1",
    after: "SELECT doc, revoked_ms FROM sessions WHERE origin_jti > $2 ORDER BY origin_jti LIMIT $1",
};

sql_impl! {
impl BulkStore {
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
}
