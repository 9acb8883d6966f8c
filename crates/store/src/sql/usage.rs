//! The [`UsageStore`] family: each month's set of active users and count of messages, per
//! pool. Both are written with one idempotent (or additive) statement, so any number of
//! nodes count into the same rows.

use cognate_domain::ports::StoreResult;
use cognate_domain::usage::{MonthlyUsage, UsageStore};
use sqlx::{AssertSqlSafe, query, query_as};

use crate::records::fail;

const RECORD_ACTIVE: &str = "INSERT INTO usage_active_users (pool_id, month, sub) VALUES ($1, $2, $3) \
     ON CONFLICT DO NOTHING";
const RECORD_MESSAGE: &str = "INSERT INTO usage_messages (pool_id, month, medium, sent) VALUES ($1, $2, $3, 1) \
     ON CONFLICT (pool_id, month, medium) DO UPDATE SET sent = usage_messages.sent + 1";
/// The months any pool was active or sent anything in, with both counts; `{filter}` is one
/// of the fixed conditions in [`usage_sql`].
const USAGE: &str = "SELECT k.pool_id, k.month, \
       (SELECT COUNT(*) FROM usage_active_users a WHERE a.pool_id = k.pool_id AND a.month = k.month), \
       COALESCE((SELECT CAST(SUM(sent) AS BIGINT) FROM usage_messages m WHERE m.pool_id = k.pool_id AND m.month = k.month AND m.medium = 'EMAIL'), 0), \
       COALESCE((SELECT CAST(SUM(sent) AS BIGINT) FROM usage_messages m WHERE m.pool_id = k.pool_id AND m.month = k.month AND m.medium = 'SMS'), 0) \
     FROM (SELECT DISTINCT pool_id, month FROM usage_active_users {filter} \
           UNION SELECT DISTINCT pool_id, month FROM usage_messages {filter}) k \
     ORDER BY k.pool_id, k.month";

/// The listing's text for the filters given; values are always bound (`$1`, `$2`).
fn usage_sql(pool: bool, month: bool) -> String {
    let filter = match (pool, month) {
        (false, false) => "",
        (true, false) => "WHERE pool_id = $1",
        (false, true) => "WHERE month = $1",
        (true, true) => "WHERE pool_id = $1 AND month = $2",
    };
    USAGE.replace("{filter}", filter)
}

sql_impl! {
impl UsageStore {
    async fn record_active_user(&self, pool_id: &str, month: &str, sub: &str) -> StoreResult<()> {
        query(RECORD_ACTIVE)
            .bind(pool_id)
            .bind(month)
            .bind(sub)
            .execute(&self.write)
            .await
            .map_err(fail("record active user"))?;
        Ok(())
    }

    async fn record_message(&self, pool_id: &str, month: &str, medium: &str) -> StoreResult<()> {
        query(RECORD_MESSAGE)
            .bind(pool_id)
            .bind(month)
            .bind(medium)
            .execute(&self.write)
            .await
            .map_err(fail("record message"))?;
        Ok(())
    }

    async fn usage(
        &self,
        pool_id: Option<&str>,
        month: Option<&str>,
    ) -> StoreResult<Vec<MonthlyUsage>> {
        // The text is one of four fixed strings; every value is bound.
        let sql = usage_sql(pool_id.is_some(), month.is_some());
        let mut list = query_as(AssertSqlSafe(sql));
        for value in [pool_id, month].into_iter().flatten() {
            list = list.bind(value);
        }
        let rows: Vec<(String, String, i64, i64, i64)> =
            list.fetch_all(&self.read).await.map_err(fail("usage"))?;
        let count = |n: i64| u64::try_from(n).unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|(pool_id, month, active, emails, sms)| MonthlyUsage {
                pool_id,
                month,
                active_users: count(active),
                emails: count(emails),
                sms: count(sms),
            })
            .collect())
    }
}
}
