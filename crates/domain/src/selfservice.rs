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
use crate::limits::Counter;
use crate::messages::{decoy_destination, mask_destination};
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

/// Where a simulated code would have gone: by the name's shape when it is an address (as a
/// real user's code would), else where the pool sends such codes first.
fn simulated_medium(pool: &UserPool, purpose: CodePurpose, username: &str) -> DeliveryMedium {
    if crate::schema::is_valid_email(username) {
        return DeliveryMedium::Email;
    }
    if crate::schema::is_valid_phone(username) {
        return DeliveryMedium::Sms;
    }
    let auto = &pool.settings.auto_verified_attributes;
    let sms_first = match purpose {
        CodePurpose::ResetPassword => match &pool.settings.account_recovery {
            Some(options) => options
                .iter()
                .min_by_key(|o| o.priority)
                .is_some_and(|o| o.name == crate::enums::RecoveryOptionName::VerifiedPhoneNumber),
            None => !auto.contains(&VerifiableAttribute::Email),
        },
        _ => !auto.contains(&VerifiableAttribute::Email),
    };
    if sms_first {
        DeliveryMedium::Sms
    } else {
        DeliveryMedium::Email
    }
}

fn auto_verification_off() -> Error {
    Error::invalid_parameter("Cannot resend codes. Auto verification not turned on.")
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

    /// The context of a message a public operation sends. When the client hides whether
    /// users exist, the message is handed over without waiting, so neither a delivery failure
    /// nor the time a delivery takes tells a real user from a made-up name.
    fn message_context<'a>(public: &'a Public, source: &'static str) -> MessageContext<'a> {
        MessageContext {
            source,
            client_id: Some(&public.client.client_id),
            client_metadata: Some(&public.client_metadata),
            detached: public.client.prevents_user_existence_errors(),
            sends_counted: false,
        }
    }

    /// The user a code is answered for (ConfirmSignUp, ConfirmForgotPassword). A name that
    /// matches no user, when the client hides existence, is a wrong code, counted as a real
    /// user's wrong answer is.
    async fn user_answering_code(
        &self,
        public: &Public,
        username: &str,
        purpose: CodePurpose,
    ) -> Result<User> {
        match self.find_sign_in_user(&public.pool, username).await? {
            Some(user) => Ok(user),
            None if public.client.prevents_user_existence_errors() => Err(self
                .answer_for_unknown_user(&public.pool, username, purpose)
                .await),
            None => Err(Error::user_not_found()),
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
        let mut user = self
            .user_answering_code(&public, username, CodePurpose::SignUp)
            .await?;
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

    /// ResendConfirmationCode. When the client hides whether users exist, a name with no
    /// user, a disabled or already confirmed user, and one with nowhere to send the code all
    /// get a simulated delivery, counted against the send limit as a real one is, as Cognito
    /// answers.
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
        let pool = &public.pool;
        let found = self.find_sign_in_user(pool, username).await?;
        let hides = public.client.prevents_user_existence_errors();
        let sendable = |user: &User| {
            user.enabled
                && user.status == UserStatus::Unconfirmed
                && sign_up_destination(pool, user).is_some()
        };
        if hides && !found.as_ref().is_some_and(sendable) {
            if pool.settings.auto_verified_attributes.is_empty() {
                return Err(auto_verification_off());
            }
            return self
                .simulated_delivery(&public, username, found.as_ref(), CodePurpose::SignUp)
                .await;
        }
        let user = found.ok_or_else(Error::user_not_found)?;
        if user.status != UserStatus::Unconfirmed {
            return Err(Error::invalid_parameter("User is already confirmed."));
        }
        let (medium, destination, attribute) =
            sign_up_destination(pool, &user).ok_or_else(auto_verification_off)?;
        self.send_code(
            pool,
            &user,
            CodePurpose::SignUp,
            medium,
            &destination,
            &Self::message_context(&public, "ResendCode"),
        )
        .await?;
        Ok(delivery(medium, &destination, attribute))
    }

    /// What a hidden user is told (a name with no user, or a user who gets no code): a
    /// plausible, masked destination derived from the name with the server's key, so it is
    /// the same each time. It costs what a real send costs here (the send limit's count, a
    /// keyed hash of a code, a store write), and the limit runs out as a real user's does.
    async fn simulated_delivery(
        &self,
        public: &Public,
        username: &str,
        user: Option<&User>,
        purpose: CodePurpose,
    ) -> Result<CodeDelivery> {
        let pool = &public.pool;
        let who = match user {
            Some(user) => user.sub.clone(),
            None => self.unknown_user_key(pool, username),
        };
        self.reserve(&pool.id, Counter::Sends(purpose.as_str(), &who))
            .await?;
        // The store writes a real send makes: a code is stored (here a single-use marker of
        // its hash, expiring as the code would, since there is no user to store it for).
        let code = cognate_crypto::random::random_digits(self.random(), 6);
        let hash = self.keys.hash(purpose.as_str(), code.as_bytes());
        let expires = self.now().plus_secs(purpose.lifetime_secs()).millis();
        self.store
            .use_once(&format!("simulated:{}", hex::encode(&hash[..16])), expires)
            .await
            .map_err(Error::from)?;
        let seed = self.keys.hash(
            "simulated-delivery",
            format!("{}:{}", pool.id, crate::user::username_key(pool, username)).as_bytes(),
        );
        let (medium, attribute) = match simulated_medium(pool, purpose, username) {
            DeliveryMedium::Email => (DeliveryMedium::Email, "email"),
            DeliveryMedium::Sms => (DeliveryMedium::Sms, "phone_number"),
        };
        Ok(CodeDelivery {
            destination: decoy_destination(medium, username, &seed),
            medium,
            attribute: attribute.to_owned(),
        })
    }

    /// ForgotPassword: a reset code to the address the pool's recovery setting picks. When the
    /// client hides whether users exist, a name with no user, a disabled user and one with no
    /// verified address to send to all get a simulated delivery (as Cognito answers), counted
    /// against the send limit as a real one is, and real codes are sent without waiting.
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
        let hides = public.client.prevents_user_existence_errors();
        let known = self.find_sign_in_user(&public.pool, username).await?;
        let user = match known {
            Some(user) => user,
            None => match self
                .migrate_user(&public, "UserMigration_ForgotPassword", username, None)
                .await?
            {
                Some(user) => user,
                None if hides => {
                    return self
                        .simulated_delivery(&public, username, None, CodePurpose::ResetPassword)
                        .await;
                }
                None => return Err(Error::user_not_found()),
            },
        };
        let destination = recovery_destination(&public.pool, &user).filter(|_| user.enabled);
        let Some((medium, destination)) = destination else {
            if hides {
                return self
                    .simulated_delivery(&public, username, Some(&user), CodePurpose::ResetPassword)
                    .await;
            }
            if !user.enabled {
                return Err(Error::user_disabled());
            }
            return Err(Error::no_verified_recovery_channel());
        };
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
        let mut user = self
            .user_answering_code(&public, username, CodePurpose::ResetPassword)
            .await?;
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
        self.clear(&public.pool.id, Counter::SignIn(&user.sub))
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
