//! The administrative operations on users: AdminCreateUser with its invitation, AdminGetUser,
//! AdminDeleteUser, attribute updates, enabling, passwords, AdminConfirmSignUp.

use std::collections::BTreeMap;

use super::{
    CreatedBy, SoftwareTokens, User, apply_attribute_changes, collect_attributes, delete_attributes,
};
use crate::enums::{DeliveryMedium, UserStatus};
use crate::error::{Error, ErrorKind, Result};
use crate::messages::{self, MessageKind, OutgoingMessage};
use crate::pool::UserPool;
use crate::schema::Writer;
use crate::{Domain, ids};

/// What AdminCreateUser carries.
#[derive(Debug, Clone, Default)]
pub struct AdminCreateUserInput {
    pub username: String,
    pub attributes: Vec<(String, String)>,
    pub temporary_password: Option<String>,
    pub force_alias_creation: bool,
    pub message_action: Option<MessageAction>,
    pub desired_delivery_mediums: Option<Vec<DeliveryMedium>>,
    pub validation_data: Vec<(String, String)>,
    pub client_metadata: crate::triggers::ClientMetadata,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAction {
    Resend,
    Suppress,
}

impl Domain {
    /// AdminGetUser.
    pub async fn admin_get_user(&self, pool_id: &str, username: &str) -> Result<User> {
        self.existing_user(pool_id, username).await
    }

    /// AdminCreateUser: a user in FORCE_CHANGE_PASSWORD with a temporary password, invited
    /// by email or SMS unless the invitation is suppressed.
    pub async fn admin_create_user(
        &self,
        pool_id: &str,
        input: AdminCreateUserInput,
    ) -> Result<User> {
        let pool = self.user_pool(pool_id).await?;
        if input.message_action == Some(MessageAction::Resend) {
            return self.resend_invitation(&pool, input).await;
        }
        let mut attributes = collect_attributes(&pool, &input.attributes, Writer::Admin)?;
        let username = crate::user::username_for_new_user(&pool, &input.username, &mut attributes)?;
        let temporary = self.temporary_password(&pool, input.temporary_password.as_deref())?;
        let now = self.now();
        let sub = ids::new_uuid(self.random());
        let username = username.unwrap_or_else(|| sub.clone());
        attributes.insert("sub".to_owned(), sub.clone());
        let password = self.seal_password(&pool, &sub, &username, &temporary, true)?;
        let mut user = User {
            pool_id: pool.id.clone(),
            sub,
            username,
            status: UserStatus::ForceChangePassword,
            enabled: true,
            created: now,
            modified: now,
            version: 1,
            attributes,
            password: Some(password),
            mfa_options: Vec::new(),
            preferred_mfa: None,
            mfa_methods: Vec::new(),
            software_token: SoftwareTokens::default(),
            pending_attributes: BTreeMap::new(),
        };
        let decided = self
            .pre_sign_up(
                "PreSignUp_AdminCreateUser",
                crate::triggers::SignUpContext {
                    pool: &pool,
                    user: &user,
                    client_id: None,
                    validation_data: &input.validation_data,
                    client_metadata: &input.client_metadata,
                },
            )
            .await?;
        // An administrator's user always starts with a temporary password; only the
        // verification decisions of the function apply.
        crate::selfservice::apply_pre_sign_up(&mut user, decided);
        self.insert_user(&pool, &user, input.force_alias_creation, CreatedBy::Admin)
            .await?;
        if input.message_action != Some(MessageAction::Suppress) {
            self.send_invitation(
                &pool,
                &user,
                &temporary,
                input.desired_delivery_mediums.as_deref(),
                &input.client_metadata,
            )
            .await?;
        }
        Ok(user)
    }

    async fn resend_invitation(
        &self,
        pool: &UserPool,
        input: AdminCreateUserInput,
    ) -> Result<User> {
        let mut user = self
            .find_user(pool, &input.username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        if user.status != UserStatus::ForceChangePassword {
            return Err(Error::new(
                ErrorKind::UnsupportedUserState,
                format!(
                    "Resend not possible. {} status is not FORCE_CHANGE_PASSWORD",
                    input.username
                ),
            ));
        }
        let temporary = self.temporary_password(pool, input.temporary_password.as_deref())?;
        user.password =
            Some(self.seal_password(pool, &user.sub, &user.username, &temporary, true)?);
        self.save_user(pool, &mut user).await?;
        self.send_invitation(
            pool,
            &user,
            &temporary,
            input.desired_delivery_mediums.as_deref(),
            &input.client_metadata,
        )
        .await?;
        Ok(user)
    }

    fn temporary_password(&self, pool: &UserPool, given: Option<&str>) -> Result<String> {
        match given {
            Some(password) => {
                crate::password::check_policy(&pool.settings.password_policy, password)?;
                Ok(password.to_owned())
            }
            None => Ok(crate::password::generate_temporary(
                &pool.settings.password_policy,
                self.random(),
            )),
        }
    }

    async fn send_invitation(
        &self,
        pool: &UserPool,
        user: &User,
        temporary_password: &str,
        mediums: Option<&[DeliveryMedium]>,
        client_metadata: &crate::triggers::ClientMetadata,
    ) -> Result<()> {
        let config = &pool.settings.admin_create_user_config;
        let custom = self
            .custom_message(
                "CustomMessage_AdminCreateUser",
                pool,
                user,
                None,
                client_metadata,
            )
            .await?;
        let context = crate::codes::MessageContext {
            source: "AdminCreateUser",
            client_id: None,
            client_metadata: Some(client_metadata),
            detached: false,
            sends_counted: false,
        };
        let default_mediums = crate::pool::default_delivery_mediums();
        let display_name = display_username(pool, user);
        for medium in mediums.unwrap_or(&default_mediums) {
            let (destination, subject, template) = match medium {
                DeliveryMedium::Email => (
                    user.attribute("email"),
                    Some(
                        config
                            .invite_email_subject
                            .as_deref()
                            .unwrap_or(messages::DEFAULT_INVITE_SUBJECT),
                    ),
                    config
                        .invite_email_message
                        .as_deref()
                        .unwrap_or(messages::DEFAULT_INVITE_MESSAGE),
                ),
                DeliveryMedium::Sms => (
                    user.attribute("phone_number"),
                    None,
                    config
                        .invite_sms_message
                        .as_deref()
                        .unwrap_or(messages::DEFAULT_INVITE_MESSAGE),
                ),
            };
            let Some(destination) = destination else {
                continue;
            };
            let mut subject = subject.map(str::to_owned);
            let mut template = template.to_owned();
            if let Some(custom) = &custom {
                crate::codes::apply_custom_message(*medium, custom, &mut subject, &mut template);
            }
            let message = OutgoingMessage {
                pool_id: pool.id.clone(),
                username: user.username.clone(),
                kind: MessageKind::Invitation,
                medium: *medium,
                destination: destination.to_owned(),
                subject,
                body: messages::render(&template, &display_name, temporary_password),
                from: pool.settings.email_configuration.from.clone(),
                reply_to: pool
                    .settings
                    .email_configuration
                    .reply_to_email_address
                    .clone(),
                code: Some(temporary_password.to_owned()),
            };
            self.deliver_message(pool, user, message, &context).await?;
        }
        Ok(())
    }

    /// AdminDeleteUser.
    pub async fn admin_delete_user(&self, pool_id: &str, username: &str) -> Result<()> {
        let user = self.existing_user(pool_id, username).await?;
        self.store
            .delete_user(pool_id, &user.sub)
            .await
            .map_err(Error::from)?;
        Ok(())
    }

    /// AdminUpdateUserAttributes.
    pub async fn admin_update_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        changes: &[(String, String)],
    ) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        let mut user = self
            .find_user(&pool, username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        apply_attribute_changes(&pool, &mut user, changes, Writer::Admin)?;
        self.save_user(&pool, &mut user).await
    }

    /// AdminDeleteUserAttributes.
    pub async fn admin_delete_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        names: &[String],
    ) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        let mut user = self
            .find_user(&pool, username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        delete_attributes(&pool, &mut user, names)?;
        self.save_user(&pool, &mut user).await
    }

    /// AdminEnableUser / AdminDisableUser. Disabling also ends every session of the user, as
    /// GlobalSignOut does (Cognito documents that disabling revokes the user's tokens): the
    /// refresh tokens and the access tokens issued before stay refused after re-enabling.
    /// The sessions are revoked after the user is saved disabled, so a sign-in racing the
    /// disable either fails or opens a session the revocation ends.
    pub async fn admin_set_user_enabled(
        &self,
        pool_id: &str,
        username: &str,
        enabled: bool,
    ) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        let mut user = self
            .find_user(&pool, username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        user.enabled = enabled;
        self.save_user(&pool, &mut user).await?;
        if !enabled {
            self.sign_out_everywhere(&pool.id, &user.sub).await?;
        }
        Ok(())
    }

    /// AdminSetUserPassword: permanent → CONFIRMED; otherwise a temporary password.
    pub async fn admin_set_user_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        let mut user = self
            .find_user(&pool, username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        crate::password::check_policy(&pool.settings.password_policy, password)?;
        user.password =
            Some(self.seal_password(&pool, &user.sub, &user.username, password, !permanent)?);
        user.status = if permanent {
            UserStatus::Confirmed
        } else {
            UserStatus::ForceChangePassword
        };
        self.save_user(&pool, &mut user).await
    }

    /// AdminResetUserPassword: the user must reset with a code sent to a verified address.
    pub async fn admin_reset_user_password(&self, pool_id: &str, username: &str) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        let mut user = self
            .find_user(&pool, username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        let Some((medium, destination)) = crate::codes::recovery_destination(&pool, &user) else {
            return Err(Error::no_verified_recovery_channel());
        };
        user.status = UserStatus::ResetRequired;
        self.save_user(&pool, &mut user).await?;
        self.send_code(
            &pool,
            &user,
            crate::codes::CodePurpose::ResetPassword,
            medium,
            &destination,
            &crate::codes::MessageContext::admin("ForgotPassword"),
        )
        .await?;
        Ok(())
    }

    /// AdminConfirmSignUp.
    pub async fn admin_confirm_sign_up(&self, pool_id: &str, username: &str) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        let mut user = self
            .find_user(&pool, username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        if user.status != UserStatus::Unconfirmed {
            return Err(Error::cannot_confirm(user.status.as_str()));
        }
        user.status = UserStatus::Confirmed;
        self.save_user(&pool, &mut user).await
    }
}

/// The name a person signs in with: their email or phone in pools where that is the username.
pub fn display_username(pool: &UserPool, user: &User) -> String {
    pool.sign_in
        .username_attributes
        .iter()
        .find_map(|a| user.attribute(a.as_str()))
        .unwrap_or(&user.username)
        .to_owned()
}
