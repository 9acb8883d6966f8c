//! What users do for themselves: SignUp, ConfirmSignUp, ResendConfirmationCode,
//! ForgotPassword, ConfirmForgotPassword, ChangePassword, GetUser, UpdateUserAttributes,
//! GetUserAttributeVerificationCode, VerifyUserAttribute, DeleteUser, DeleteUserAttributes
//! and SetUserSettings. Public operations are authorised by client id and secret hash, or
//! by an access token.

use std::collections::BTreeMap;

use crate::client::AppClient;
use crate::codes::{CodePurpose, MessageContext, recovery_destination};
use crate::enums::{DeliveryMedium, UserStatus, VerifiableAttribute};
use crate::error::{Error, Result};
use crate::messages::mask_destination;
use crate::pool::UserPool;
use crate::schema::{self, Writer};
use crate::triggers::{ClientMetadata, PreSignUpOutcome, SignUpContext};
use crate::user::{CreatedBy, MfaOption, User, apply_attribute_changes, collect_attributes};
use crate::{Domain, ids};

/// Where a code went, as CodeDeliveryDetails reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDelivery {
    pub destination: String,
    pub medium: DeliveryMedium,
    pub attribute: String,
}

/// Applies a pre sign-up function's verification decisions.
pub(crate) fn apply_pre_sign_up(user: &mut User, decided: PreSignUpOutcome) {
    if decided.auto_verify_email && user.attribute("email").is_some() {
        user.set_verified("email", true);
    }
    if decided.auto_verify_phone && user.attribute("phone_number").is_some() {
        user.set_verified("phone_number", true);
    }
}

/// What SignUp carries.
#[derive(Debug, Clone, Default)]
pub struct SignUpInput {
    pub client_id: String,
    pub secret_hash: Option<String>,
    pub username: String,
    pub password: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub validation_data: Vec<(String, String)>,
    pub client_metadata: ClientMetadata,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpOutcome {
    pub user_sub: String,
    pub confirmed: bool,
    pub delivery: Option<CodeDelivery>,
    /// For InitiateAuth(USER_AUTH) through ConfirmSignUp, when the client allows USER_AUTH.
    pub session: Option<String>,
}

/// The client and pool behind a public operation, after the secret-hash check.
type Public = crate::auth::Caller;

fn verified_flags_are_not_writable(attributes: &[(String, String)]) -> Result<()> {
    match attributes
        .iter()
        .find(|(n, _)| schema::VERIFIED_FLAGS.contains(&n.as_str()))
    {
        Some((name, _)) => Err(Error::unauthorized_attribute_write(name)),
        None => Ok(()),
    }
}

fn check_client_may_write(client: &AppClient, attributes: &[(String, String)]) -> Result<()> {
    let Some(writable) = &client.settings.write_attributes else {
        return Ok(());
    };
    match attributes.iter().find(|(n, _)| !writable.contains(n)) {
        Some((name, _)) => Err(Error::unauthorized_attribute_write(name)),
        None => Ok(()),
    }
}

/// Where a sign-up confirmation code goes: the phone when it is auto-verified, else the email.
fn sign_up_destination(
    pool: &UserPool,
    user: &User,
) -> Option<(DeliveryMedium, String, &'static str)> {
    let auto = &pool.settings.auto_verified_attributes;
    let phone = auto
        .contains(&VerifiableAttribute::PhoneNumber)
        .then(|| user.attribute("phone_number"))
        .flatten()
        .map(|p| (DeliveryMedium::Sms, p.to_owned(), "phone_number"));
    let email = auto
        .contains(&VerifiableAttribute::Email)
        .then(|| user.attribute("email"))
        .flatten()
        .map(|e| (DeliveryMedium::Email, e.to_owned(), "email"));
    phone.or(email)
}

fn delivery(medium: DeliveryMedium, destination: &str, attribute: &str) -> CodeDelivery {
    CodeDelivery {
        destination: mask_destination(medium, destination),
        medium,
        attribute: attribute.to_owned(),
    }
}

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
    async fn public_caller(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
        client_metadata: &ClientMetadata,
    ) -> Result<Public> {
        let client = self.client_by_id(client_id).await?;
        let pool = self.user_pool(&client.pool_id).await?;
        self.check_secret_hash(&client, &[username], secret_hash)?;
        Ok(Public {
            pool,
            client,
            admin: false,
            client_metadata: client_metadata.clone(),
        })
    }

    fn message_context<'a>(public: &'a Public, source: &'static str) -> MessageContext<'a> {
        MessageContext {
            source,
            client_id: Some(&public.client.client_id),
            client_metadata: Some(&public.client_metadata),
        }
    }

    /// A user a public operation names; unknown users read as a wrong code when the client
    /// hides existence.
    async fn named_user(&self, public: &Public, username: &str) -> Result<User> {
        match self.find_sign_in_user(&public.pool, username).await? {
            Some(user) => Ok(user),
            None if public.client.prevents_user_existence_errors() => Err(Error::code_mismatch()),
            None => Err(Error::user_not_found()),
        }
    }

    /// SignUp.
    pub async fn sign_up(&self, input: SignUpInput) -> Result<SignUpOutcome> {
        let public = self
            .public_caller(
                &input.client_id,
                &input.username,
                input.secret_hash.as_deref(),
                &input.client_metadata,
            )
            .await?;
        let pool = &public.pool;
        if pool
            .settings
            .admin_create_user_config
            .allow_admin_create_user_only
        {
            return Err(Error::sign_up_not_permitted());
        }
        verified_flags_are_not_writable(&input.attributes)?;
        check_client_may_write(&public.client, &input.attributes)?;
        let mut attributes = collect_attributes(pool, &input.attributes, Writer::User)?;
        let username = self.username_for_new_user(pool, &input.username, &mut attributes)?;
        if let Some(required) = pool
            .schema
            .iter()
            .find(|a| a.required && a.name != "sub" && !attributes.contains_key(&a.name))
        {
            return Err(Error::required_attribute_missing(&required.name));
        }
        let password = input
            .password
            .as_deref()
            .ok_or_else(|| Error::invalid_parameter("Missing required parameter Password"))?;
        crate::password::check_policy(&pool.settings.password_policy, password)?;
        let now = self.now();
        let sub = ids::new_uuid(self.random());
        let username = username.unwrap_or_else(|| sub.clone());
        attributes.insert("sub".to_owned(), sub.clone());
        let mut user = User {
            pool_id: pool.id.clone(),
            sub: sub.clone(),
            password: Some(self.seal_password(pool, &sub, &username, password, false)?),
            username,
            status: UserStatus::Unconfirmed,
            enabled: true,
            created: now,
            modified: now,
            version: 1,
            attributes,
            mfa_options: Vec::new(),
            preferred_mfa: None,
            mfa_methods: Vec::new(),
            software_token: Default::default(),
            pending_attributes: BTreeMap::new(),
        };
        let decided = self
            .pre_sign_up(
                "PreSignUp_SignUp",
                SignUpContext {
                    pool,
                    user: &user,
                    client_id: Some(&public.client.client_id),
                    validation_data: &input.validation_data,
                    client_metadata: &input.client_metadata,
                },
            )
            .await?;
        apply_pre_sign_up(&mut user, decided);
        if decided.auto_confirm {
            user.status = UserStatus::Confirmed;
        }
        self.insert_user(pool, &user, false, CreatedBy::SignUp)
            .await?;
        self.count_active_user(&pool.id, &user.sub).await;
        let delivery = match sign_up_destination(pool, &user).filter(|_| !decided.auto_confirm) {
            Some((medium, destination, attribute)) => {
                self.send_code(
                    pool,
                    &user,
                    CodePurpose::SignUp,
                    medium,
                    &destination,
                    &Self::message_context(&public, "SignUp"),
                )
                .await?;
                Some(delivery(medium, &destination, attribute))
            }
            None => None,
        };
        let session = self.sign_up_session(
            pool,
            &public.client,
            &sub,
            user.status == UserStatus::Confirmed,
        )?;
        Ok(SignUpOutcome {
            user_sub: sub,
            confirmed: decided.auto_confirm,
            delivery,
            session,
        })
    }

    /// ConfirmSignUp through the API: confirms the user as [`Domain::confirm_sign_up`] does,
    /// then, when the client allows USER_AUTH, returns the Session that signs them in with
    /// InitiateAuth(USER_AUTH). With SignUp's Session, that Session must be valid and name the
    /// user (it is checked before anything is confirmed, and spent); without one, the code
    /// alone earns the Session, as Cognito does: Amplify JS never sends SignUp's Session to
    /// ConfirmSignUp, and its `autoSignIn` signs in with the one ConfirmSignUp returns.
    #[allow(clippy::too_many_arguments)]
    pub async fn confirm_sign_up_for_auto_sign_in(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        code: &str,
        force_alias: bool,
        client_metadata: &ClientMetadata,
        session: Option<&str>,
    ) -> Result<Option<String>> {
        // An invalid Session fails before anything is confirmed.
        let opened = session
            .map(|session| self.open_sign_up_session(client_id, session))
            .transpose()?;
        self.confirm_sign_up(
            client_id,
            secret_hash,
            username,
            code,
            force_alias,
            client_metadata,
        )
        .await?;
        let public = self
            .public_caller(client_id, username, secret_hash, client_metadata)
            .await?;
        let user = self.named_user(&public, username).await?;
        match opened {
            Some(opened) => self
                .auto_sign_in_session(&public.pool, &public.client, opened, &user)
                .await
                .map(Some),
            None => self.sign_up_session(&public.pool, &public.client, &user.sub, true),
        }
    }

    /// ConfirmSignUp: the code from sign-up confirms the user and verifies where it was sent.
    pub async fn confirm_sign_up(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        code: &str,
        force_alias: bool,
        client_metadata: &ClientMetadata,
    ) -> Result<()> {
        let public = self
            .public_caller(client_id, username, secret_hash, client_metadata)
            .await?;
        let mut user = self.named_user(&public, username).await?;
        if user.status != UserStatus::Unconfirmed {
            return Err(Error::cannot_confirm(user.status.as_str()));
        }
        self.consume_code(&public.pool, &user, CodePurpose::SignUp, code)
            .await?;
        if let Some((_, _, attribute)) = sign_up_destination(&public.pool, &user) {
            user.set_verified(attribute, true);
        }
        user.status = UserStatus::Confirmed;
        self.save_user_with(&public.pool, &mut user, force_alias)
            .await?;
        self.post_confirmation(
            "PostConfirmation_ConfirmSignUp",
            &public.pool,
            &user,
            Some(client_id),
            client_metadata,
        )
        .await
    }

    /// ResendConfirmationCode.
    pub async fn resend_confirmation_code(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        client_metadata: &ClientMetadata,
    ) -> Result<CodeDelivery> {
        let public = self
            .public_caller(client_id, username, secret_hash, client_metadata)
            .await?;
        let user = match self.find_sign_in_user(&public.pool, username).await? {
            Some(user) => user,
            None if public.client.prevents_user_existence_errors() => {
                return Ok(self.simulated_delivery(&public.pool));
            }
            None => return Err(Error::user_not_found()),
        };
        if user.status != UserStatus::Unconfirmed {
            return Err(Error::invalid_parameter("User is already confirmed."));
        }
        let (medium, destination, attribute) = sign_up_destination(&public.pool, &user)
            .ok_or_else(|| {
                Error::invalid_parameter("Cannot resend codes. Auto verification not turned on.")
            })?;
        self.send_code(
            &public.pool,
            &user,
            CodePurpose::SignUp,
            medium,
            &destination,
            &Self::message_context(&public, "ResendCode"),
        )
        .await?;
        Ok(delivery(medium, &destination, attribute))
    }

    /// What a hidden unknown user is told: a plausible, masked destination.
    fn simulated_delivery(&self, pool: &UserPool) -> CodeDelivery {
        let email = pool
            .settings
            .auto_verified_attributes
            .contains(&VerifiableAttribute::Email)
            || pool.settings.account_recovery.is_some();
        if email {
            CodeDelivery {
                destination: "u***@e***".to_owned(),
                medium: DeliveryMedium::Email,
                attribute: "email".to_owned(),
            }
        } else {
            CodeDelivery {
                destination: "+*******0000".to_owned(),
                medium: DeliveryMedium::Sms,
                attribute: "phone_number".to_owned(),
            }
        }
    }

    /// ForgotPassword: a reset code to the address the pool's recovery setting picks.
    pub async fn forgot_password(
        &self,
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        client_metadata: &ClientMetadata,
    ) -> Result<CodeDelivery> {
        let public = self
            .public_caller(client_id, username, secret_hash, client_metadata)
            .await?;
        let known = self.find_sign_in_user(&public.pool, username).await?;
        let user = match known {
            Some(user) => user,
            None => match self
                .migrate_user(&public, "UserMigration_ForgotPassword", username, None)
                .await?
            {
                Some(user) => user,
                None if public.client.prevents_user_existence_errors() => {
                    return Ok(self.simulated_delivery(&public.pool));
                }
                None => return Err(Error::user_not_found()),
            },
        };
        if !user.enabled {
            return Err(Error::user_disabled());
        }
        let (medium, destination) = recovery_destination(&public.pool, &user)
            .ok_or_else(Error::no_verified_recovery_channel)?;
        self.send_code(
            &public.pool,
            &user,
            CodePurpose::ResetPassword,
            medium,
            &destination,
            &Self::message_context(&public, "ForgotPassword"),
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
        client_id: &str,
        secret_hash: Option<&str>,
        username: &str,
        code: &str,
        password: &str,
        client_metadata: &ClientMetadata,
    ) -> Result<()> {
        let public = self
            .public_caller(client_id, username, secret_hash, client_metadata)
            .await?;
        let mut user = self.named_user(&public, username).await?;
        crate::password::check_policy(&public.pool.settings.password_policy, password)?;
        self.consume_code(&public.pool, &user, CodePurpose::ResetPassword, code)
            .await?;
        user.password =
            Some(self.seal_password(&public.pool, &user.sub, &user.username, password, false)?);
        if matches!(
            user.status,
            UserStatus::ResetRequired | UserStatus::ForceChangePassword
        ) {
            user.status = UserStatus::Confirmed;
        }
        self.save_user(&public.pool, &mut user).await?;
        self.count_active_user(&public.pool.id, &user.sub).await;
        self.clear_failed_passwords(&public.pool.id, &user.sub)
            .await?;
        self.post_confirmation(
            "PostConfirmation_ConfirmForgotPassword",
            &public.pool,
            &user,
            Some(client_id),
            client_metadata,
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
        let had_failures = self.check_lockout(&pool.id, &user.sub).await?;
        let previous = previous.ok_or_else(|| {
            Error::invalid_parameter("Missing required parameter PreviousPassword")
        })?;
        if !self.password_matches(&pool, &user, previous)? {
            self.record_failed_password(&pool.id, &user.sub).await?;
            return Err(Error::incorrect_credentials());
        }
        crate::password::check_policy(&pool.settings.password_policy, proposed)?;
        user.password =
            Some(self.seal_password(&pool, &user.sub, &user.username, proposed, false)?);
        self.save_user(&pool, &mut user).await?;
        self.count_active_user(&pool.id, &user.sub).await;
        if had_failures {
            self.clear_failed_passwords(&pool.id, &user.sub).await?;
        }
        Ok(())
    }

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
        self.save_user(&pool, &mut user).await?;
        let mut deliveries = Vec::new();
        for (name, _) in changes {
            let auto = pool
                .settings
                .auto_verified_attributes
                .iter()
                .any(|a| a.as_str() == name);
            if auto && (name == "email" || name == "phone_number") {
                let message = MessageContext {
                    source: "UpdateUserAttribute",
                    client_id: Some(&context.client_id),
                    client_metadata: Some(client_metadata),
                };
                deliveries.push(
                    self.send_verification_code(&pool, &user, name, &message)
                        .await?,
                );
            }
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
        Self::sync_legacy_sms_option(&mut user);
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
