//! A user's own password: ForgotPassword, ConfirmForgotPassword, ChangePassword.

use super::{CodeDelivery, PublicClient, delivery};
use crate::Domain;
use crate::codes::{CodePurpose, recovery_destination};
use crate::enums::{DeliveryMedium, UserStatus};
use crate::error::{Error, Result};
use crate::limits::Counter;

impl Domain {
    /// ForgotPassword: a reset code to the address the pool's recovery setting picks. When the
    /// client hides whether users exist, a name with no user, a disabled user and one with no
    /// verified address to send to all get a simulated delivery (as Cognito answers), counted
    /// against the send limit as a real one is, and real codes are sent without waiting.
    pub async fn forgot_password(&self, public: &PublicClient) -> Result<CodeDelivery> {
        let (pool, username) = (public.pool(), public.username());
        let hides = public.client().prevents_user_existence_errors();
        let known = self.find_sign_in_user(pool, username).await?;
        let user = match known {
            Some(user) => user,
            None => match self
                .migrate_user(
                    &public.caller,
                    "UserMigration_ForgotPassword",
                    username,
                    None,
                )
                .await?
            {
                Some(user) => user,
                None if hides => {
                    return self
                        .simulated_delivery(public, None, CodePurpose::ResetPassword)
                        .await;
                }
                None => return Err(Error::user_not_found()),
            },
        };
        let destination = recovery_destination(pool, &user).filter(|_| user.enabled);
        let Some((medium, destination)) = destination else {
            if hides {
                return self
                    .simulated_delivery(public, Some(&user), CodePurpose::ResetPassword)
                    .await;
            }
            if !user.enabled {
                return Err(Error::user_disabled());
            }
            return Err(Error::no_verified_recovery_channel());
        };
        self.send_code(
            pool,
            &user,
            CodePurpose::ResetPassword,
            medium,
            &destination,
            &super::message_context(public, "ForgotPassword"),
        )
        .await?;
        let attribute = if medium == DeliveryMedium::Email {
            "email"
        } else {
            "phone_number"
        };
        Ok(delivery(medium, &destination, attribute))
    }

    /// ConfirmForgotPassword: the reset code sets a new password (a bad password keeps the code).
    pub async fn confirm_forgot_password(
        &self,
        public: &PublicClient,
        code: &str,
        password: &str,
    ) -> Result<()> {
        let pool = public.pool();
        let mut user = self
            .user_answering_code(public, CodePurpose::ResetPassword)
            .await?;
        crate::password::check_policy(&pool.settings.password_policy, password)?;
        self.consume_code(pool, &user, CodePurpose::ResetPassword, code)
            .await?;
        user.password =
            Some(self.seal_password(pool, &user.sub, &user.username, password, false)?);
        if matches!(
            user.status,
            UserStatus::ResetRequired | UserStatus::ForceChangePassword
        ) {
            user.status = UserStatus::Confirmed;
        }
        self.save_user(pool, &mut user).await?;
        self.count_active_user(&pool.id, &user.sub).await;
        self.clear(&pool.id, Counter::SignIn(&user.sub)).await?;
        self.post_confirmation(
            "PostConfirmation_ConfirmForgotPassword",
            pool,
            &user,
            Some(public.client_id()),
            public.client_metadata(),
        )
        .await
    }

    /// ChangePassword.
    pub async fn change_password(
        &self,
        access_token: &str,
        previous: Option<&str>,
        proposed: &str,
    ) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        let (pool, mut user) = (context.pool, context.user);
        let previous = previous.ok_or_else(|| {
            Error::invalid_parameter("Missing required parameter PreviousPassword")
        })?;
        // A stolen access token must not be a way to guess the password: the previous password
        // is counted before it is compared, five an hour as Cognito allows.
        let sub = user.sub.clone();
        let attempts = Counter::PasswordChange(&sub);
        self.reserve(&pool.id, attempts).await?;
        if !self.password_matches(&pool, &user, previous)? {
            return Err(Error::incorrect_credentials());
        }
        crate::password::check_policy(&pool.settings.password_policy, proposed)?;
        user.password =
            Some(self.seal_password(&pool, &user.sub, &user.username, proposed, false)?);
        self.save_user(&pool, &mut user).await?;
        self.count_active_user(&pool.id, &user.sub).await;
        self.clear(&pool.id, attempts).await?;
        Ok(())
    }
}
