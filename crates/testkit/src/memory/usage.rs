//! Monthly active users and messages (`UsageStore`).

use std::collections::BTreeSet;

use async_trait::async_trait;
use cognate_domain::ports::StoreResult;
use cognate_domain::usage::{MonthlyUsage, UsageStore};

use super::{MemoryStore, k};

#[async_trait]
impl UsageStore for MemoryStore {
    async fn record_active_user(&self, pool_id: &str, month: &str, sub: &str) -> StoreResult<()> {
        self.with(|s| {
            s.need_pool(pool_id)?;
            s.active_users.insert((k(pool_id), k(month), k(sub)));
            Ok(())
        })
    }

    async fn record_message(&self, pool_id: &str, month: &str, medium: &str) -> StoreResult<()> {
        self.with(|s| {
            s.need_pool(pool_id)?;
            *s.messages
                .entry((k(pool_id), k(month), k(medium)))
                .or_default() += 1;
            Ok(())
        })
    }

    async fn usage(
        &self,
        pool_id: Option<&str>,
        month: Option<&str>,
    ) -> StoreResult<Vec<MonthlyUsage>> {
        self.with(|s| {
            let wanted = |p: &str, m: &str| {
                pool_id.is_none_or(|want| want == p) && month.is_none_or(|want| want == m)
            };
            let months: BTreeSet<(&str, &str)> = s
                .active_users
                .iter()
                .map(|(p, m, _)| (p.as_str(), m.as_str()))
                .chain(s.messages.keys().map(|(p, m, _)| (p.as_str(), m.as_str())))
                .filter(|(p, m)| wanted(p, m))
                .collect();
            let sent = |p: &str, m: &str, medium: &str| {
                s.messages
                    .get(&(k(p), k(m), k(medium)))
                    .copied()
                    .unwrap_or(0)
            };
            Ok(months
                .into_iter()
                .map(|(p, m)| {
                    let active = s
                        .active_users
                        .iter()
                        .filter(|(ap, am, _)| ap == p && am == m)
                        .count();
                    MonthlyUsage {
                        pool_id: k(p),
                        month: k(m),
                        active_users: u64::try_from(active).unwrap_or(u64::MAX),
                        emails: sent(p, m, "EMAIL"),
                        sms: sent(p, m, "SMS"),
                    }
                })
                .collect())
        })
    }
}
