//! The limits that protect users, every one an attempt counter reserved in the store
//! ([`Store::reserve_attempt`](crate::ports::Store::reserve_attempt)) before the guarded work,
//! so that concurrent requests on any number of nodes cannot overrun it:
//!
//! - the sign-in lockout (passwords, SRP proofs, passwordless codes), and the same schedule for MFA codes on a counter of their own: five
//!   free failures, then 1 s doubling to 15 min between attempts, and a fresh start after
//!   15 min without an attempt or after a success, as Cognito documents;
//! - wrong answers to a code (ConfirmSignUp, ConfirmForgotPassword, VerifyUserAttribute):
//!   five per user and purpose, counted across re-issued codes, until an hour passes without
//!   an attempt or the right code is given;
//! - codes sent (SignUp and ResendConfirmationCode, ForgotPassword, attribute verification,
//!   MFA and passwordless sign-in codes): five per user and purpose until an hour passes
//!   without a send. Administrators' calls are not limited;
//! - wrong previous passwords given to ChangePassword: five an hour, Cognito's figure and
//!   answer (`LimitExceededException`), so a stolen access token guesses no faster than that.
//!
//! Every attempt is counted when it is reserved, before the secret is compared, and a success
//! clears the counter: so concurrent guesses cannot all pass one check. `docs/security.md`
//! lists the numbers and the reasons for them.

use crate::Domain;
use crate::error::{Error, Result};
use crate::ports::{AttemptLimit, Backoff};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const SECOND_MS: i64 = 1000;

/// The numbers of the limits that protect users. The defaults are Cognito's where it
/// documents them and its lowest figure where it gives a range; an operator may tune them
/// (`[limits]` in the configuration) within [`UserLimits::check`]'s bounds, which keep a
/// six-digit code out of reach of guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserLimits {
    /// Sign-in failures before the lockout's delays start (Cognito: 5).
    pub lockout_free_failures: i64,
    /// The longest delay of the lockout, which doubles from 1 s (Cognito: about 15 min).
    pub lockout_max_delay_secs: i64,
    /// Wrong answers to a code per user and purpose an hour, across re-issues (Cognito: 5
    /// to 20 for ConfirmForgotPassword, 15 for ConfirmSignUp and VerifyUserAttribute).
    pub code_answers_per_hour: i64,
    /// Codes sent per user and purpose an hour (Cognito: 5 for ResendConfirmationCode and
    /// GetUserAttributeVerificationCode).
    pub code_sends_per_hour: i64,
    /// Wrong previous passwords given to ChangePassword an hour (Cognito: 5).
    pub password_changes_per_hour: i64,
}

impl Default for UserLimits {
    fn default() -> Self {
        UserLimits {
            lockout_free_failures: 5,
            lockout_max_delay_secs: 15 * 60,
            code_answers_per_hour: 5,
            code_sends_per_hour: 5,
            password_changes_per_hour: 5,
        }
    }
}

/// The most attempts an hour any counter may be given: Cognito's highest figure.
pub const MAX_ATTEMPTS_PER_HOUR: i64 = 20;
/// The longest lockout delay that may be configured: a day.
pub const MAX_LOCKOUT_DELAY_SECS: i64 = 24 * 60 * 60;

impl UserLimits {
    /// Refuses numbers that would switch a limit off or let codes be guessed: every count is
    /// 1 to [`MAX_ATTEMPTS_PER_HOUR`], the delay 1 s to a day.
    pub fn check(&self) -> std::result::Result<(), String> {
        let counts = [
            ("lockout_free_failures", self.lockout_free_failures),
            ("code_answers_per_hour", self.code_answers_per_hour),
            ("code_sends_per_hour", self.code_sends_per_hour),
            ("password_changes_per_hour", self.password_changes_per_hour),
        ];
        for (name, value) in counts {
            if !(1..=MAX_ATTEMPTS_PER_HOUR).contains(&value) {
                return Err(format!(
                    "limits.{name} must be between 1 and {MAX_ATTEMPTS_PER_HOUR}, not {value}"
                ));
            }
        }
        if !(1..=MAX_LOCKOUT_DELAY_SECS).contains(&self.lockout_max_delay_secs) {
            return Err(format!(
                "limits.lockout_max_delay_secs must be between 1 and {MAX_LOCKOUT_DELAY_SECS}, not {}",
                self.lockout_max_delay_secs
            ));
        }
        Ok(())
    }

    /// Cognito's lockout: for `n` failures past the free ones, `2^(n-1)` seconds up to the
    /// longest delay, reset by a success or by 15 minutes (or the longest delay, if longer)
    /// without an attempt.
    fn sign_in_lockout(&self) -> AttemptLimit {
        let max_delay_ms = self.lockout_max_delay_secs * SECOND_MS;
        AttemptLimit {
            max_attempts: i64::MAX,
            reset_after_ms: max_delay_ms.max(15 * MINUTE_MS),
            backoff: Some(Backoff {
                after_attempts: self.lockout_free_failures,
                first_delay_ms: SECOND_MS.min(max_delay_ms),
                max_delay_ms,
            }),
        }
    }

    /// So many attempts, until an hour passes without one.
    fn per_hour(attempts: i64) -> AttemptLimit {
        AttemptLimit {
            max_attempts: attempts,
            reset_after_ms: HOUR_MS,
            backoff: None,
        }
    }
}

/// What a counter counts, and for whom: a sub, or [`Domain::unknown_user_key`] for a name
/// that matched no user (so that such names run into the same limits as real ones).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter<'a> {
    SignIn(&'a str),
    /// Wrong MFA codes: apart from the first factor's, so that a right password does not
    /// clear them (each sign-in would otherwise bring five fresh guesses).
    SecondFactor(&'a str),
    Answers(&'a str, &'a str),
    Sends(&'a str, &'a str),
    /// ChangePassword's previous password, checked with an access token.
    PasswordChange(&'a str),
}

impl Counter<'_> {
    fn key(self) -> String {
        match self {
            Counter::SignIn(who) => format!("lockout:{who}"),
            Counter::SecondFactor(who) => format!("mfa:{who}"),
            Counter::Answers(purpose, who) => format!("answer:{purpose}:{who}"),
            Counter::Sends(purpose, who) => format!("send:{purpose}:{who}"),
            Counter::PasswordChange(who) => format!("change_password:{who}"),
        }
    }

    fn limit(self, limits: &UserLimits) -> AttemptLimit {
        match self {
            Counter::SignIn(_) | Counter::SecondFactor(_) => limits.sign_in_lockout(),
            Counter::Answers(..) => UserLimits::per_hour(limits.code_answers_per_hour),
            Counter::Sends(..) => UserLimits::per_hour(limits.code_sends_per_hour),
            Counter::PasswordChange(_) => UserLimits::per_hour(limits.password_changes_per_hour),
        }
    }

    /// Cognito's answer when the limit refuses an attempt.
    fn refusal(self) -> Error {
        match self {
            Counter::SignIn(_) | Counter::SecondFactor(_) => Error::password_attempts_exceeded(),
            Counter::Answers(..) | Counter::Sends(..) | Counter::PasswordChange(_) => {
                attempt_limit_exceeded()
            }
        }
    }
}

/// LimitExceededException with Cognito's message.
pub(crate) fn attempt_limit_exceeded() -> Error {
    Error::code_attempts_exceeded()
}

impl Domain {
    /// Reserves one attempt on the counter, or refuses it with Cognito's error.
    pub(crate) async fn reserve(&self, pool_id: &str, counter: Counter<'_>) -> Result<()> {
        let reserved = self
            .store
            .reserve_attempt(
                pool_id,
                &counter.key(),
                &counter.limit(&self.config().limits),
                self.now().millis(),
            )
            .await
            .map_err(Error::from)?;
        match reserved {
            Some(_) => Ok(()),
            None => Err(counter.refusal()),
        }
    }

    /// A success: the counter starts afresh.
    pub(crate) async fn clear(&self, pool_id: &str, counter: Counter<'_>) -> Result<()> {
        self.store
            .clear_attempts(pool_id, &counter.key())
            .await
            .map_err(Error::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn counters_of_different_kinds_and_purposes_never_share_a_key() {
        let keys = [
            Counter::SignIn("s").key(),
            Counter::SecondFactor("s").key(),
            Counter::Answers("reset_password", "s").key(),
            Counter::Answers("sign_up", "s").key(),
            Counter::Sends("reset_password", "s").key(),
            Counter::PasswordChange("s").key(),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn the_defaults_are_cognitos_and_pass_the_bounds() {
        let limits = UserLimits::default();
        assert_eq!(limits.check(), Ok(()));
        let lockout = limits.sign_in_lockout();
        assert_eq!(lockout.reset_after_ms, 15 * MINUTE_MS);
        let backoff = lockout.backoff.unwrap();
        assert_eq!(
            (
                backoff.after_attempts,
                backoff.first_delay_ms,
                backoff.max_delay_ms
            ),
            (5, 1000, 15 * MINUTE_MS)
        );
        for counter in [
            Counter::Answers("reset_password", "s"),
            Counter::Sends("reset_password", "s"),
            Counter::PasswordChange("s"),
        ] {
            let limit = counter.limit(&limits);
            assert_eq!((limit.max_attempts, limit.reset_after_ms), (5, HOUR_MS));
            assert!(limit.backoff.is_none());
        }
    }

    #[test]
    fn limits_that_would_switch_a_counter_off_are_refused() {
        let too_many = UserLimits {
            code_answers_per_hour: 21,
            ..UserLimits::default()
        };
        assert!(
            too_many
                .check()
                .unwrap_err()
                .contains("code_answers_per_hour")
        );
        let none = UserLimits {
            code_sends_per_hour: 0,
            ..UserLimits::default()
        };
        assert!(none.check().is_err());
        let no_delay = UserLimits {
            lockout_max_delay_secs: 0,
            ..UserLimits::default()
        };
        assert!(no_delay.check().is_err());
        // A longer delay keeps the counter alive at least as long as the delay.
        let long = UserLimits {
            lockout_max_delay_secs: 3600,
            ..UserLimits::default()
        };
        assert_eq!(long.sign_in_lockout().reset_after_ms, HOUR_MS);
    }

    #[test]
    fn each_limit_answers_as_cognito_does() {
        let lockout = Counter::SignIn("s").refusal();
        assert_eq!(lockout.kind, ErrorKind::NotAuthorized);
        assert_eq!(lockout.message, "Password attempts exceeded");
        let answers = Counter::Answers("sign_up", "s").refusal();
        assert_eq!(answers.kind, ErrorKind::LimitExceeded);
        assert_eq!(
            answers.message,
            "Attempt limit exceeded, please try after some time."
        );
        let change = Counter::PasswordChange("s").refusal();
        assert_eq!(change.kind, ErrorKind::LimitExceeded);
        assert_eq!(change.message, answers.message);
    }
}
