//! Monthly active users (MAU), Cognito's pricing unit, and the messages a pool sent.
//!
//! # Cognito's definition
//! "A user is counted as a MAU if, within a calendar month, there is an identity operation
//! related to that user, such as sign-up, sign-in, token refresh, password change, or a user
//! account attribute update." Users who do nothing in a month are not counted, however many
//! there are; a user importing through a CSV job is not counted until they act.
//! Cognate counts a user in the month (UTC) when it issues them tokens (every sign-in flow,
//! the hosted pages and the OAuth code grant all end there), refreshes their tokens, signs
//! them up, changes or resets their password, or updates their attributes for them.
//!
//! # Counted in the store
//! Each act is an idempotent insert of (pool, month, sub) into a set in the store, so every
//! node counts into the same set and a user acting on several nodes is one MAU. Recording
//! never fails the operation it counts: a store error is logged and the act goes uncounted.
//! A node remembers for a while whom it has counted this month, so a user's repeat acts
//! (every refresh) do not each write to the store; forgetting early only costs a write.

use async_trait::async_trait;

use crate::Domain;
use crate::enums::DeliveryMedium;
use crate::error::{Error, Result};
use crate::ports::StoreResult;
use crate::time::Timestamp;

/// How long a node remembers that it counted a user this month.
pub(crate) const COUNTED_TTL_MS: i64 = 10 * 60 * 1000;

/// One pool's usage in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyUsage {
    pub pool_id: String,
    /// `YYYY-MM`, UTC.
    pub month: String,
    pub active_users: u64,
    pub emails: u64,
    pub sms: u64,
}

/// Persistence of the monthly counts.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Adds the user to the month's set of active users (nothing if already in it).
    async fn record_active_user(&self, pool_id: &str, month: &str, sub: &str) -> StoreResult<()>;
    /// Counts one message sent through `medium` (`EMAIL`, `SMS`).
    async fn record_message(&self, pool_id: &str, month: &str, medium: &str) -> StoreResult<()>;
    /// Usage by pool and month, optionally of one pool and/or one month, ordered by pool
    /// then month.
    async fn usage(
        &self,
        pool_id: Option<&str>,
        month: Option<&str>,
    ) -> StoreResult<Vec<MonthlyUsage>>;
}

/// The calendar month (UTC) of a moment, as `YYYY-MM`.
pub fn month_of(at: Timestamp) -> String {
    let moment = time::OffsetDateTime::from_unix_timestamp(at.millis().div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:04}-{:02}", moment.year(), u8::from(moment.month()))
}

/// Checks a `YYYY-MM` month given by an operator.
pub fn parse_month(text: &str) -> Result<String> {
    let valid = text.len() == 7
        && text.as_bytes()[4] == b'-'
        && text[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(text[5..].parse::<u8>(), Ok(1..=12));
    if valid {
        Ok(text.to_owned())
    } else {
        Err(Error::invalid_parameter(format!(
            "The month {text:?} is not of the form YYYY-MM."
        )))
    }
}

impl Domain {
    /// Counts the user as active this month (see the module docs).
    pub(crate) async fn count_active_user(&self, pool_id: &str, sub: &str) {
        let now = self.now();
        let month = month_of(now);
        let key = format!("{pool_id}\n{month}\n{sub}");
        if self.counted_users.get(&key, now).is_some() {
            return;
        }
        match self.store.record_active_user(pool_id, &month, sub).await {
            Ok(()) => self.counted_users.put(&key, now, ()),
            Err(e) => tracing::warn!(%pool_id, error = %e, "could not count a monthly active user"),
        }
    }

    /// Counts a message the pool sent.
    pub(crate) async fn count_message(&self, pool_id: &str, medium: DeliveryMedium) {
        let month = month_of(self.now());
        let medium = match medium {
            DeliveryMedium::Email => "EMAIL",
            DeliveryMedium::Sms => "SMS",
        };
        if let Err(e) = self.store.record_message(pool_id, &month, medium).await {
            tracing::warn!(%pool_id, error = %e, "could not count a message");
        }
    }

    /// Usage by pool and month, for `cognate usage` and `/metrics`.
    pub async fn usage(
        &self,
        pool_id: Option<&str>,
        month: Option<&str>,
    ) -> Result<Vec<MonthlyUsage>> {
        let month = month.map(parse_month).transpose()?;
        self.store
            .usage(pool_id, month.as_deref())
            .await
            .map_err(Error::from)
    }

    /// This month's usage of every pool (what `/metrics` exposes).
    pub async fn current_usage(&self) -> Result<Vec<MonthlyUsage>> {
        let month = month_of(self.now());
        self.store
            .usage(None, Some(&month))
            .await
            .map_err(Error::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_utc_calendar_months() {
        // 2024-02-29T23:59:59Z and a second later.
        assert_eq!(month_of(Timestamp(1_709_251_199_000)), "2024-02");
        assert_eq!(month_of(Timestamp(1_709_251_200_000)), "2024-03");
        assert_eq!(month_of(Timestamp(0)), "1970-01");
    }

    #[test]
    fn operator_months_are_checked() {
        assert_eq!(parse_month("2026-11").ok().as_deref(), Some("2026-11"));
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "2026-00"] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
    }
}
