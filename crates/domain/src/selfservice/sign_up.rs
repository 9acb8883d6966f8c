//! Signing up: SignUp (with the pre sign-up trigger's decisions), ConfirmSignUp (also for a
//! sign-in that follows it) and ResendConfirmationCode.

use std::collections::BTreeMap;

use super::{
    CodeDelivery, PublicClient, auto_verification_off, check_client_may_write, delivery,
    verified_flags_are_not_writable,
};
use crate::codes::CodePurpose;
use crate::enums::{DeliveryMedium, UserStatus, VerifiableAttribute};
use crate::error::{Error, Result};
use crate::pool::UserPool;
use crate::schema::Writer;
use crate::triggers::{PreSignUpOutcome, SignUpContext};
use crate::user::{CreatedBy, User, collect_attributes};
use crate::{Domain, ids};

/// Applies a pre sign-up function's verification decisions.
pub(crate) fn apply_pre_sign_up(user: &mut User, decided: PreSignUpOutcome) {
    if decided.auto_verify_email && user.attribute("email").is_some() {
        user.set_verified("email", true);
    }
    if decided.auto_verify_phone && user.attribute("phone_number").is_some() {
        user.set_verified("phone_number", true);
    }
}

/// What SignUp carries besides its caller (the client, and the username in
/// [`PublicClient::username`]).
#[derive(Debug, Clone, Default)]
pub struct SignUpInput {
    pub password: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub validation_data: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpOutcome {
    pub user_sub: String,
    pub confirmed: bool,
    pub delivery: Option<CodeDelivery>,
    /// For InitiateAuth(USER_AUTH) through ConfirmSignUp, when the client allows USER_AUTH.
    pub session: Option<String>,
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

impl Domain {
    /// SignUp.
    pub async fn sign_up(
        &self,
        public: &PublicClient,
        input: SignUpInput,
    ) -> Result<SignUpOutcome> {
        let pool = public.pool();
        if pool
            .settings
            .admin_create_user_config
            .allow_admin_create_user_only
        {
            return Err(Error::sign_up_not_permitted());
        }
        verified_flags_are_not_writable(&input.attributes)?;
        check_client_may_write(public.client(), &input.attributes)?;
        let mut attributes = collect_attributes(pool, &input.attributes, Writer::User)?;
        let username =
            crate::user::username_for_new_user(pool, public.username(), &mut attributes)?;
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
                    client_id: Some(public.client_id()),
                    validation_data: &input.validation_data,
                    client_metadata: public.client_metadata(),
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
                    &super::message_context(public, "SignUp"),
                )
                .await?;
                Some(delivery(medium, &destination, attribute))
            }
            None => None,
        };
        let session = self.sign_up_session(
            pool,
            public.client(),
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
    pub async fn confirm_sign_up_for_auto_sign_in(
        &self,
        public: &PublicClient,
        code: &str,
        force_alias: bool,
        session: Option<&str>,
    ) -> Result<Option<String>> {
        // An invalid Session fails before anything is confirmed.
        let opened = session
            .map(|session| self.open_sign_up_session(public.client_id(), session))
            .transpose()?;
        self.confirm_sign_up(public, code, force_alias).await?;
        let user = self.named_user(public).await?;
        match opened {
            Some(opened) => self
                .auto_sign_in_session(public.pool(), public.client(), opened, &user)
                .await
                .map(Some),
            None => self.sign_up_session(public.pool(), public.client(), &user.sub, true),
        }
    }

    /// ConfirmSignUp: the code from sign-up confirms the user and verifies where it was sent.
    pub async fn confirm_sign_up(
        &self,
        public: &PublicClient,
        code: &str,
        force_alias: bool,
    ) -> Result<()> {
        let pool = public.pool();
        let mut user = self
            .user_answering_code(public, CodePurpose::SignUp)
            .await?;
        if user.status != UserStatus::Unconfirmed {
            return Err(Error::cannot_confirm(user.status.as_str()));
        }
        self.consume_code(pool, &user, CodePurpose::SignUp, code)
            .await?;
        if let Some((_, _, attribute)) = sign_up_destination(pool, &user) {
            user.set_verified(attribute, true);
        }
        user.status = UserStatus::Confirmed;
        self.save_user_with(pool, &mut user, force_alias).await?;
        self.post_confirmation(
            "PostConfirmation_ConfirmSignUp",
            pool,
            &user,
            Some(public.client_id()),
            public.client_metadata(),
        )
        .await
    }

    /// ResendConfirmationCode. When the client hides whether users exist, a name with no
    /// user, a disabled or already confirmed user, and one with nowhere to send the code all
    /// get a simulated delivery, counted against the send limit as a real one is, as Cognito
    /// answers.
    pub async fn resend_confirmation_code(&self, public: &PublicClient) -> Result<CodeDelivery> {
        let pool = public.pool();
        let found = self.find_sign_in_user(pool, public.username()).await?;
        let hides = public.client().prevents_user_existence_errors();
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
                .simulated_delivery(public, found.as_ref(), CodePurpose::SignUp)
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
            &super::message_context(public, "ResendCode"),
        )
        .await?;
        Ok(delivery(medium, &destination, attribute))
    }
}
