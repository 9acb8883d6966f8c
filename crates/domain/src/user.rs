//! Users: the stored record, how users are named and found (usernames, aliases, case
//! sensitivity), and the administrative operations on them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::enums::{AliasAttribute, DeliveryMedium, UserStatus, UsernameAttribute};
use crate::error::{Error, ErrorKind, Result};
use crate::messages::{self, MessageKind, OutgoingMessage};
use crate::pool::{Page, UserPool};
use crate::ports::{Conflict, StoreError, UserKeys, UserQuery, UserWrite};
use crate::schema::{self, Writer};
use crate::time::Timestamp;
use crate::{Domain, b64, filter, ids};

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub pool_id: String,
    pub sub: String,
    /// The internal username: what the caller chose, or the `sub` in pools where email or
    /// phone number is the username. It is also Cognito's `USER_ID_FOR_SRP`.
    pub username: String,
    pub status: UserStatus,
    pub enabled: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub version: i64,
    /// Attribute values by name, `sub` included.
    pub attributes: BTreeMap<String, String>,
    pub password: Option<PasswordRecord>,
    /// Legacy MFAOptions (SetUserSettings); kept for AdminGetUser.
    #[serde(default)]
    pub mfa_options: Vec<MfaOption>,
    #[serde(default)]
    pub preferred_mfa: Option<String>,
    /// Second factors the user enabled (UserMFASettingList): `SMS_MFA`, `SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`.
    #[serde(default)]
    pub mfa_methods: Vec<String>,
    /// The user's TOTP authenticator, sealed.
    #[serde(default)]
    pub software_token: SoftwareTokens,
    /// New email or phone values waiting for verification before they replace the old ones
    /// (the pool's AttributesRequireVerificationBeforeUpdate).
    #[serde(default)]
    pub pending_attributes: BTreeMap<String, String>,
}

/// A password stored as Cognito's clients need it: the SRP salt and verifier, sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordRecord {
    #[serde(with = "b64")]
    pub sealed: Vec<u8>,
    pub set_at: Timestamp,
    /// When a temporary (admin-set) password stops working.
    pub temporary_until: Option<Timestamp>,
    /// Set (to the algorithm's name) while `sealed` holds a hash imported from another
    /// system instead of a verifier; the first password sign-in replaces it (see
    /// `legacy_password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy: Option<String>,
}

/// A user's software tokens: the verified one sign-ins check, and one AssociateSoftwareToken
/// handed out that VerifySoftwareToken has not confirmed yet. Secrets are sealed, bound to
/// the pool and user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftwareTokens {
    #[serde(default)]
    pub verified: Option<SoftwareToken>,
    #[serde(default, with = "b64::option")]
    pub pending: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftwareToken {
    #[serde(with = "b64")]
    pub sealed_secret: Vec<u8>,
    pub friendly_name: Option<String>,
    pub verified_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaOption {
    pub delivery_medium: String,
    pub attribute_name: String,
}

impl User {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    pub fn is_verified(&self, attribute: &str) -> bool {
        self.attribute(&format!("{attribute}_verified")) == Some("true")
    }

    pub(crate) fn set_verified(&mut self, attribute: &str, verified: bool) {
        self.attributes
            .insert(format!("{attribute}_verified"), verified.to_string());
    }
}

/// The key a username (or an alias value) is unique and found by: in Unicode Normalization
/// Form C, and lowercased in case-insensitive pools.
///
/// Names that differ only in how their characters are composed (`é` as one code point or as
/// `e` and a combining accent, as macOS and some keyboards send it) are the same text, so
/// they are one user: otherwise two people could hold names no one can tell apart. Names that
/// differ in compatibility forms (full-width letters, ligatures) stay distinct, as in Cognito,
/// which compares names as given. `docs/security.md` records the decision.
pub fn username_key(pool: &UserPool, username: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if pool.sign_in.is_case_sensitive() {
        username.nfc().collect()
    } else {
        username.to_lowercase().nfc().collect()
    }
}

fn alias_key(pool: &UserPool, attribute: &str, value: &str) -> String {
    format!("{attribute}:{}", username_key(pool, value))
}

/// Which attributes find a user besides the username: in email/phone-as-username pools the
/// attribute always does; in alias pools only once verified (preferred_username always).
fn sign_in_aliases(pool: &UserPool, user: &User) -> Vec<String> {
    let mut aliases = Vec::new();
    for attr in &pool.sign_in.username_attributes {
        if let Some(value) = user.attribute(attr.as_str()) {
            aliases.push(alias_key(pool, attr.as_str(), value));
        }
    }
    for attr in &pool.sign_in.alias_attributes {
        let name = attr.as_str();
        let Some(value) = user.attribute(name) else {
            continue;
        };
        if *attr == AliasAttribute::PreferredUsername || user.is_verified(name) {
            aliases.push(alias_key(pool, name, value));
        }
    }
    aliases
}

fn search_keys(pool: &UserPool, user: &User) -> Vec<(String, String)> {
    let mut keys = vec![
        ("username".to_owned(), user.username.clone()),
        (
            "cognito:user_status".to_owned(),
            user.status.as_str().to_lowercase(),
        ),
        (
            "status".to_owned(),
            if user.enabled { "Enabled" } else { "Disabled" }.to_owned(),
        ),
    ];
    for name in filter::SEARCHABLE {
        if let Some(value) = user.attribute(name) {
            keys.push(((*name).to_owned(), value.to_owned()));
        }
    }
    let _ = pool;
    keys
}

/// Every key the store indexes for this user.
pub fn user_keys(pool: &UserPool, user: &User) -> UserKeys {
    UserKeys {
        username_key: username_key(pool, &user.username),
        // A federated profile signs in only through its provider, so its email or phone
        // never claims an alias: Cognito lets it share them with a local user.
        aliases: if user.status == UserStatus::ExternalProvider {
            Vec::new()
        } else {
            sign_in_aliases(pool, user)
        },
        search: search_keys(pool, user),
    }
}

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

/// Wording of username conflicts differs between SignUp and AdminCreateUser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CreatedBy {
    Admin,
    SignUp,
}

impl Domain {
    /// Finds a user by username, then by alias, then by `sub`, as Cognito's admin operations do.
    pub async fn find_user(&self, pool: &UserPool, name: &str) -> Result<Option<User>> {
        let by_username = self
            .store
            .get_user_by_username_key(&pool.id, &username_key(pool, name))
            .await
            .map_err(Error::from)?;
        if by_username.is_some() {
            return Ok(by_username);
        }
        for attribute in self.alias_candidates(pool, name) {
            let key = alias_key(pool, attribute, name);
            if let Some(user) = self
                .store
                .get_user_by_alias(&pool.id, &key)
                .await
                .map_err(Error::from)?
            {
                return Ok(Some(user));
            }
        }
        if uuid::Uuid::parse_str(name).is_ok() {
            return self
                .store
                .get_user_by_sub(&pool.id, name)
                .await
                .map_err(Error::from);
        }
        Ok(None)
    }

    /// Which alias kinds a name could be, judged by its shape.
    fn alias_candidates(&self, pool: &UserPool, name: &str) -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = Vec::new();
        let configured = |attr: &str| {
            pool.sign_in
                .username_attributes
                .iter()
                .any(|a| a.as_str() == attr)
                || pool
                    .sign_in
                    .alias_attributes
                    .iter()
                    .any(|a| a.as_str() == attr)
        };
        if schema::is_valid_email(name) && configured("email") {
            kinds.push("email");
        }
        if schema::is_valid_phone(name) && configured("phone_number") {
            kinds.push("phone_number");
        }
        if configured("preferred_username") {
            kinds.push("preferred_username");
        }
        kinds
    }

    /// The user, or UserNotFoundException.
    pub async fn existing_user(&self, pool_id: &str, name: &str) -> Result<User> {
        let pool = self.user_pool(pool_id).await?;
        self.find_user(&pool, name)
            .await?
            .ok_or_else(Error::user_not_found)
    }

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
        let username = self.username_for_new_user(&pool, &input.username, &mut attributes)?;
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

    /// Checks the requested username against the pool's sign-in rules. Returns `None` when the
    /// username will be the new user's `sub` (email or phone is the username).
    pub(crate) fn username_for_new_user(
        &self,
        pool: &UserPool,
        requested: &str,
        attributes: &mut BTreeMap<String, String>,
    ) -> Result<Option<String>> {
        let username_attributes = &pool.sign_in.username_attributes;
        if !username_attributes.is_empty() {
            let allows = |a: UsernameAttribute| username_attributes.contains(&a);
            let attribute = if allows(UsernameAttribute::Email) && schema::is_valid_email(requested)
            {
                "email"
            } else if allows(UsernameAttribute::PhoneNumber) && schema::is_valid_phone(requested) {
                "phone_number"
            } else {
                return Err(Error::username_format(
                    allows(UsernameAttribute::Email),
                    allows(UsernameAttribute::PhoneNumber),
                ));
            };
            if let Some(given) = attributes.get(attribute)
                && given != requested
            {
                return Err(Error::invalid_parameter(format!(
                    "The {attribute} attribute must match the username when {attribute} is used as the username."
                )));
            }
            attributes.insert(attribute.to_owned(), requested.to_owned());
            return Ok(None);
        }
        let aliases = &pool.sign_in.alias_attributes;
        if aliases.contains(&AliasAttribute::Email) && schema::is_valid_email(requested) {
            return Err(Error::invalid_parameter(
                "Username cannot be of email format, since user pool is configured for email alias.",
            ));
        }
        if aliases.contains(&AliasAttribute::PhoneNumber) && schema::is_valid_phone(requested) {
            return Err(Error::invalid_parameter(
                "Username cannot be of phone number format, since user pool is configured for phone_number alias.",
            ));
        }
        Ok(Some(requested.to_owned()))
    }

    /// Inserts a new user; with `force_alias`, an alias held by another user moves to this one.
    pub(crate) async fn insert_user(
        &self,
        pool: &UserPool,
        user: &User,
        force_alias: bool,
        by: CreatedBy,
    ) -> Result<()> {
        self.write_user(pool, user, None, force_alias, by).await
    }

    async fn write_user(
        &self,
        pool: &UserPool,
        user: &User,
        expected_version: Option<i64>,
        force_alias: bool,
        by: CreatedBy,
    ) -> Result<()> {
        let write = UserWrite {
            user: user.clone(),
            keys: user_keys(pool, user),
            expected_version,
        };
        match self.store.save_users(std::slice::from_ref(&write)).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(Conflict::Alias(key))) if force_alias => {
                let displaced = self.displace_alias(pool, &key).await?;
                self.store
                    .save_users(&[displaced, write])
                    .await
                    .map_err(|e| conflict_error(pool, e, by))
            }
            Err(e) => Err(conflict_error(pool, e, by)),
        }
    }

    /// Takes an alias away from its current holder by marking the attribute unverified.
    async fn displace_alias(&self, pool: &UserPool, key: &str) -> Result<UserWrite> {
        let holder = self
            .store
            .get_user_by_alias(&pool.id, key)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::ConcurrentModification,
                    "The alias changed while it was being moved. Retry the operation.",
                )
            })?;
        let attribute = key.split_once(':').map_or(key, |(a, _)| a);
        let mut moved = holder.clone();
        if attribute == "preferred_username" {
            moved.attributes.remove("preferred_username");
        } else {
            moved.set_verified(attribute, false);
        }
        moved.version += 1;
        moved.modified = self.now();
        Ok(UserWrite {
            keys: user_keys(pool, &moved),
            user: moved,
            expected_version: Some(holder.version),
        })
    }

    /// Writes a changed user, bumping its version; conflicts become Cognito's errors.
    pub(crate) async fn save_user(&self, pool: &UserPool, user: &mut User) -> Result<()> {
        self.save_user_with(pool, user, false).await
    }

    /// Like `save_user`; with `force_alias`, an alias this change activates moves from its holder.
    pub(crate) async fn save_user_with(
        &self,
        pool: &UserPool,
        user: &mut User,
        force_alias: bool,
    ) -> Result<()> {
        let expected = user.version;
        user.version += 1;
        user.modified = self.now();
        self.write_user(pool, user, Some(expected), force_alias, CreatedBy::Admin)
            .await
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
        let display_name = self.display_username(pool, user);
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

    /// The name a person signs in with: their email or phone in pools where that is the username.
    pub fn display_username(&self, pool: &UserPool, user: &User) -> String {
        pool.sign_in
            .username_attributes
            .iter()
            .find_map(|a| user.attribute(a.as_str()))
            .unwrap_or(&user.username)
            .to_owned()
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

    /// ListUsers.
    pub async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&str>,
        limit: u32,
        next: Option<&str>,
    ) -> Result<Page<User>> {
        let pool = self.user_pool(pool_id).await?;
        let mut filter = filter.map(filter::parse).transpose()?.flatten();
        if let Some(f) = &mut filter {
            normalise_filter(&pool, f);
        }
        let scope = format!("users:{pool_id}");
        let after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let query = UserQuery {
            filter,
            after,
            limit: limit + 1,
        };
        let mut users = self
            .store
            .list_users(pool_id, &query)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut users, limit, &scope, |u| {
            username_key(&pool, &u.username)
        })?;
        Ok(Page { items: users, next })
    }

    /// Seals a new password as Cognito's SRP verifier for this user.
    pub(crate) fn seal_password(
        &self,
        pool: &UserPool,
        sub: &str,
        username: &str,
        password: &str,
        temporary: bool,
    ) -> Result<PasswordRecord> {
        let mut salt = [0u8; 16];
        self.random().fill(&mut salt);
        let verifier = self
            .srp
            .verifier(pool.srp_pool_name(), username, password, &salt);
        let now = self.now();
        let validity_days = i64::from(
            pool.settings
                .password_policy
                .temporary_password_validity_days,
        );
        Ok(PasswordRecord {
            sealed: self
                .keys
                .seal_verifier(&password_purpose(&pool.id, sub), &verifier)?,
            set_at: now,
            temporary_until: temporary.then(|| now.plus_secs(validity_days * 86_400)),
            legacy: None,
        })
    }

    /// Opens a stored password back into its SRP verifier.
    pub(crate) fn open_password(
        &self,
        pool: &UserPool,
        user: &User,
    ) -> Result<Option<cognate_crypto::srp::Verifier>> {
        let Some(record) = user.password.as_ref().filter(|p| p.legacy.is_none()) else {
            return Ok(None);
        };
        self.keys
            .open_verifier(&password_purpose(&pool.id, &user.sub), &record.sealed)
            .map(Some)
    }
}

pub(crate) fn password_purpose(pool_id: &str, sub: &str) -> Vec<u8> {
    format!("password:{pool_id}:{sub}").into_bytes()
}

/// Filters on the username use the same key the store indexes; statuses compare case-insensitively.
fn normalise_filter(pool: &UserPool, filter: &mut crate::ports::SearchFilter) {
    match filter.attribute.as_str() {
        "cognito:user_status" => filter.value = filter.value.to_lowercase(),
        "username" => filter.value = username_key(pool, &filter.value),
        _ => {}
    }
}

/// Checks and collects the attributes of a new user. Later duplicates win, as in Cognito.
pub(crate) fn collect_attributes(
    pool: &UserPool,
    given: &[(String, String)],
    writer: Writer,
) -> Result<BTreeMap<String, String>> {
    let mut attributes = BTreeMap::new();
    for (name, value) in given {
        let value = schema::canonical_value(&pool.schema, name, value);
        schema::check_attribute(&pool.schema, name, &value, writer)?;
        attributes.insert(name.clone(), value.into_owned());
    }
    Ok(attributes)
}

/// Applies attribute updates: checks each value, refuses immutable ones, and resets the
/// verified flag of a changed email or phone number unless the same call sets it.
pub(crate) fn apply_attribute_changes(
    pool: &UserPool,
    user: &mut User,
    changes: &[(String, String)],
    writer: Writer,
) -> Result<()> {
    let changes: Vec<(String, String)> = changes
        .iter()
        .map(|(name, value)| {
            let value = schema::canonical_value(&pool.schema, name, value).into_owned();
            (name.clone(), value)
        })
        .collect();
    for (name, value) in &changes {
        schema::check_attribute(&pool.schema, name, value, writer)?;
        if let Some(attr) = pool.attribute(name)
            && !attr.mutable
            && user.attribute(name).is_some_and(|current| current != value)
        {
            return Err(Error::invalid_parameter(format!(
                "Cannot modify the non-mutable attribute {name}"
            )));
        }
    }
    let sets_flag = |flag: &str| changes.iter().any(|(n, _)| n == flag);
    for (name, value) in &changes {
        let changed = user.attribute(name) != Some(value.as_str());
        user.attributes.insert(name.clone(), value.clone());
        if changed
            && (name == "email" || name == "phone_number")
            && !sets_flag(&format!("{name}_verified"))
        {
            user.set_verified(name, false);
        }
    }
    Ok(())
}

pub(crate) fn delete_attributes(pool: &UserPool, user: &mut User, names: &[String]) -> Result<()> {
    for name in names {
        if schema::SYSTEM_ATTRIBUTES.contains(&name.as_str()) {
            return Err(Error::invalid_parameter(format!(
                "Cannot modify the non-mutable attribute {name}"
            )));
        }
        let Some(attr) = pool.attribute(name).or_else(|| {
            (name == "email_verified" || name == "phone_number_verified")
                .then(|| pool.attribute("email"))
                .flatten()
        }) else {
            return Err(Error::invalid_parameter(format!(
                "Attributes did not conform to the schema: {name}: Attribute does not exist in the schema."
            )));
        };
        if attr.required && attr.name == *name {
            return Err(Error::invalid_parameter(format!(
                "Cannot delete the required attribute {name}"
            )));
        }
        if !attr.mutable {
            return Err(Error::invalid_parameter(format!(
                "Cannot modify the non-mutable attribute {name}"
            )));
        }
        if pool
            .sign_in
            .username_attributes
            .iter()
            .any(|a| a.as_str() == name)
        {
            return Err(Error::invalid_parameter(format!(
                "Cannot delete {name} because it is the username of the user"
            )));
        }
    }
    for name in names {
        user.attributes.remove(name);
        if name == "email" || name == "phone_number" {
            user.attributes.remove(&format!("{name}_verified"));
        }
    }
    Ok(())
}

/// Maps store conflicts to the exceptions Cognito raises for them.
fn conflict_error(pool: &UserPool, e: StoreError, by: CreatedBy) -> Error {
    match e {
        StoreError::Conflict(Conflict::Username) => Error::new(
            ErrorKind::UsernameExists,
            match by {
                CreatedBy::Admin => "User account already exists",
                CreatedBy::SignUp => "User already exists",
            },
        ),
        StoreError::Conflict(Conflict::Alias(key)) => {
            let attribute = key.split_once(':').map_or(key.as_str(), |(a, _)| a);
            let message = format!("An account with the given {attribute} already exists.");
            if pool
                .sign_in
                .username_attributes
                .iter()
                .any(|a| a.as_str() == attribute)
            {
                Error::new(ErrorKind::UsernameExists, message)
            } else {
                Error::new(ErrorKind::AliasExists, message)
            }
        }
        other => other.into(),
    }
}
