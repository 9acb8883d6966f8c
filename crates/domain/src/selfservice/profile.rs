//! What a signed-in user does with their own record: GetUser, UpdateUserAttributes, attribute
//! verification codes, DeleteUser, DeleteUserAttributes and the MFA settings of SetUserSettings.

use super::{CodeDelivery, check_client_may_write, delivery, verified_flags_are_not_writable};
use crate::Domain;
use crate::codes::{CodePurpose, MessageContext};
use crate::enums::DeliveryMedium;
use crate::error::{Error, Result};
use crate::limits::Counter;
use crate::pool::UserPool;
use crate::schema::{self, Writer};
use crate::triggers::ClientMetadata;
use crate::user::{MfaOption, User, apply_attribute_changes};

fn verification_purpose(attribute: &str) -> Result<CodePurpose> {
    match attribute {
        "email" => Ok(CodePurpose::VerifyEmail),
        "phone_number" => Ok(CodePurpose::VerifyPhoneNumber),
        other => Err(Error::invalid_parameter(format!(
            "Attribute {other} cannot be verified."
        ))),
    }
}

impl Domain {
    /// GetUser.
    pub async fn get_user(&self, access_token: &str) -> Result<User> {
        Ok(self.verify_access_token(access_token).await?.user)
    }

    /// UpdateUserAttributes: a changed email or phone is verified before it replaces the old
    /// one when the pool requires it; otherwise it replaces it unverified. Codes go out for
    /// auto-verified attributes.
    pub async fn update_user_attributes(
        &self,
        access_token: &str,
        changes: &[(String, String)],
        client_metadata: &ClientMetadata,
    ) -> Result<Vec<CodeDelivery>> {
        let context = self.verify_access_token(access_token).await?;
        let (pool, mut user) = (context.pool, context.user);
        let client = self.client_by_id(&context.client_id).await?;
        verified_flags_are_not_writable(changes)?;
        check_client_may_write(&client, changes)?;
        let held_back: Vec<&str> = pool
            .settings
            .attributes_require_verification_before_update
            .iter()
            .map(|a| a.as_str())
            .collect();
        let (pending, immediate): (Vec<_>, Vec<_>) =
            changes.iter().cloned().partition(|(name, value)| {
                held_back.contains(&name.as_str())
                    && user.attribute(name) != Some(value.as_str())
                    && user.attribute(name).is_some()
            });
        for (name, value) in &pending {
            schema::check_attribute(&pool.schema, name, value, Writer::User)?;
        }
        apply_attribute_changes(&pool, &mut user, &immediate, Writer::User)?;
        for (name, value) in &pending {
            user.pending_attributes.insert(name.clone(), value.clone());
        }
        let verified_by_code: Vec<&str> = changes
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| {
                (*name == "email" || *name == "phone_number")
                    && pool
                        .settings
                        .auto_verified_attributes
                        .iter()
                        .any(|a| a.as_str() == *name)
            })
            .collect();
        // The codes to send are counted before anything is saved, so that a change refused by
        // the send limit leaves the user as they were.
        for name in &verified_by_code {
            let purpose = verification_purpose(name)?;
            self.reserve(&pool.id, Counter::Sends(purpose.as_str(), &user.sub))
                .await?;
        }
        self.save_user(&pool, &mut user).await?;
        let mut deliveries = Vec::new();
        let message = MessageContext {
            source: "UpdateUserAttribute",
            client_id: Some(&context.client_id),
            client_metadata: Some(client_metadata),
            detached: false,
            sends_counted: true,
        };
        for name in verified_by_code {
            deliveries.push(
                self.send_verification_code(&pool, &user, name, &message)
                    .await?,
            );
        }
        Ok(deliveries)
    }

    async fn send_verification_code(
        &self,
        pool: &UserPool,
        user: &User,
        attribute: &str,
        context: &MessageContext<'_>,
    ) -> Result<CodeDelivery> {
        let purpose = verification_purpose(attribute)?;
        let destination = user
            .pending_attributes
            .get(attribute)
            .map(String::as_str)
            .or_else(|| user.attribute(attribute))
            .ok_or_else(|| {
                Error::invalid_parameter(format!("The user has no {attribute} to verify."))
            })?
            .to_owned();
        let medium = if attribute == "email" {
            DeliveryMedium::Email
        } else {
            DeliveryMedium::Sms
        };
        self.send_code(pool, user, purpose, medium, &destination, context)
            .await?;
        Ok(delivery(medium, &destination, attribute))
    }

    /// GetUserAttributeVerificationCode.
    pub async fn get_user_attribute_verification_code(
        &self,
        access_token: &str,
        attribute: &str,
        client_metadata: &ClientMetadata,
    ) -> Result<CodeDelivery> {
        let context = self.verify_access_token(access_token).await?;
        verification_purpose(attribute)?;
        let message = MessageContext {
            source: "VerifyUserAttribute",
            client_id: Some(&context.client_id),
            client_metadata: Some(client_metadata),
            detached: false,
            sends_counted: false,
        };
        self.send_verification_code(&context.pool, &context.user, attribute, &message)
            .await
    }

    /// VerifyUserAttribute: a pending value replaces the old one; the attribute becomes verified.
    pub async fn verify_user_attribute(
        &self,
        access_token: &str,
        attribute: &str,
        code: &str,
    ) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        let (pool, mut user) = (context.pool, context.user);
        let purpose = verification_purpose(attribute)?;
        self.consume_code(&pool, &user, purpose, code).await?;
        if let Some(value) = user.pending_attributes.remove(attribute) {
            user.attributes.insert(attribute.to_owned(), value);
        }
        user.set_verified(attribute, true);
        self.save_user(&pool, &mut user).await
    }

    /// DeleteUser.
    pub async fn delete_user(&self, access_token: &str) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        self.sign_out_everywhere(&context.pool.id, &context.user.sub)
            .await?;
        self.store
            .delete_user(&context.pool.id, &context.user.sub)
            .await
            .map_err(Error::from)?;
        Ok(())
    }

    /// DeleteUserAttributes.
    pub async fn delete_user_attributes(&self, access_token: &str, names: &[String]) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        let (pool, mut user) = (context.pool, context.user);
        let client = self.client_by_id(&context.client_id).await?;
        let as_pairs: Vec<(String, String)> =
            names.iter().map(|n| (n.clone(), String::new())).collect();
        check_client_may_write(&client, &as_pairs)?;
        crate::user::delete_attributes(&pool, &mut user, names)?;
        self.save_user(&pool, &mut user).await
    }

    /// SetUserSettings / AdminSetUserSettings: the legacy SMS MFA options.
    pub async fn set_user_settings(
        &self,
        pool: &UserPool,
        mut user: User,
        options: Vec<MfaOption>,
    ) -> Result<()> {
        for option in &options {
            if option.delivery_medium != "SMS" || option.attribute_name != "phone_number" {
                return Err(Error::invalid_parameter(
                    "Only SMS to phone_number is supported as an MFA option.",
                ));
            }
        }
        user.mfa_options = options;
        crate::mfa_settings::sync_legacy_sms_option(&mut user);
        self.save_user(pool, &mut user).await
    }

    /// SetUserSettings with an access token.
    pub async fn set_user_settings_for_token(
        &self,
        access_token: &str,
        options: Vec<MfaOption>,
    ) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        self.set_user_settings(&context.pool, context.user, options)
            .await
    }

    /// AdminSetUserSettings.
    pub async fn admin_set_user_settings(
        &self,
        pool_id: &str,
        username: &str,
        options: Vec<MfaOption>,
    ) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        let user = self
            .find_user(&pool, username)
            .await?
            .ok_or_else(Error::user_not_found)?;
        self.set_user_settings(&pool, user, options).await
    }
}
