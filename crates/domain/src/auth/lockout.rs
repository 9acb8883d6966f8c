//! Failed-password lockout, counted in the store so every node agrees: after five failures
//! each further attempt waits a delay that doubles from one second up to fifteen minutes.

use crate::Domain;
use crate::error::{Error, Result};
use crate::time::Timestamp;

/// Failures allowed before delays start.
const FREE_ATTEMPTS: i64 = 5;
const MAX_DELAY_SECS: i64 = 900;

/// The delay imposed after `failures` consecutive failures.
pub(crate) fn delay_secs(failures: i64) -> i64 {
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let exponent = u32::try_from((failures - FREE_ATTEMPTS).min(20)).unwrap_or(20);
    2i64.pow(exponent).min(MAX_DELAY_SECS)
}

impl Domain {
    /// Refuses the attempt while the user is locked out. Returns whether failures are on
    /// record, so a success clears them only when there is something to clear (a write saved
    /// on every ordinary sign-in).
    pub(crate) async fn check_lockout(&self, pool_id: &str, sub: &str) -> Result<bool> {
        let Some(state) = self
            .store
            .get_failures(pool_id, sub)
            .await
            .map_err(Error::from)?
        else {
            return Ok(false);
        };
        let until = Timestamp(state.last_failure_ms).plus_secs(delay_secs(state.count));
        if self.now() < until {
            return Err(Error::password_attempts_exceeded());
        }
        Ok(true)
    }

    pub(crate) async fn record_failed_password(&self, pool_id: &str, sub: &str) -> Result<()> {
        self.store
            .record_failure(pool_id, sub, self.now().millis())
            .await
            .map_err(Error::from)?;
        Ok(())
    }

    pub(crate) async fn clear_failed_passwords(&self, pool_id: &str, sub: &str) -> Result<()> {
        self.store
            .clear_failures(pool_id, sub)
            .await
            .map_err(Error::from)
    }
}

#[cfg(test)]
mod tests {
    use super::delay_secs;

    #[test]
    fn delays_start_after_five_failures_and_double_to_fifteen_minutes() {
        let delays: Vec<i64> = (0..20).map(delay_secs).collect();
        assert_eq!(&delays[..8], &[0, 0, 0, 0, 0, 1, 2, 4]);
        assert_eq!(delays[14], 512);
        assert_eq!(delays[15], 900);
        assert_eq!(delays[19], 900);
    }
}
