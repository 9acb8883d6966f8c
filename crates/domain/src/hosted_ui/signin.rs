//! `/login` and what can follow the password before the sign-in completes: the new password
//! an administrator-created user must choose (with the pool's required attributes), and, as
//! MFA (`mfa`). Every path ends in [`Domain::finish_hosted_sign_in`]:
//! the SSO session and the redirect to the client.

use serde::{Deserialize, Serialize};

use super::field_errors::{FORM, field_error};
use super::{
    AttributeField, FieldError, FlowState, Next, Outcome, Page, PageForm, SESSION_FIELD,
    UsernameKind, field_kind, username_kind,
};
use crate::Domain;
use crate::enums::UserStatus;
use crate::error::{Error, ErrorKind};
use crate::oauth::authorize::Checked;
use crate::oauth::{HostedSite, OAuthResult};
use crate::pool::UserPool;
use crate::schema::Writer;
use crate::selfservice::PublicClient;
use crate::user::User;

/// How long a pending challenge may wait for its answer.
const CHALLENGE_LIFETIME_SECS: i64 = 600;

/// A sign-in waiting for its next step, sealed into the page's [`SESSION_FIELD`].
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    sub: String,
    /// A keyed hash of the browser's CSRF cookie, as in [`FlowState`].
    browser: String,
}

pub(super) fn expired_page() -> FieldError {
    FieldError::new(FORM, "This page expired. Please try again.")
}

fn missing_username(kind: UsernameKind) -> FieldError {
    FieldError::new(
        "username",
        match kind {
            UsernameKind::Username => "Enter your username.",
            UsernameKind::Email => "Enter your email address.",
            UsernameKind::Phone => "Enter your phone number.",
            UsernameKind::EmailOrPhone => "Enter your email address or phone number.",
        },
    )
}

/// The attributes a user choosing a new password must fill in: the pool's required ones
/// the user does not have.
fn new_password_fields(pool: &UserPool, user: &User) -> Vec<AttributeField> {
    pool.schema
        .iter()
        .filter(|a| a.required && a.name != "sub" && !user.attributes.contains_key(&a.name))
        .map(|a| AttributeField {
            name: a.name.clone(),
            kind: field_kind(pool, &a.name),
            required: true,
        })
        .collect()
}

/// The two password fields agree.
pub(super) fn passwords_match(form: &PageForm) -> Option<FieldError> {
    (form.raw("password") != form.raw("password_confirm"))
        .then(|| FieldError::new("password_confirm", "The passwords do not match."))
}

impl Domain {
    /// `POST /login`: checks the password (with the lockout and user-existence rules of
    /// USER_PASSWORD_AUTH); then the user's state decides: confirm first, reset first, choose
    /// a new password, or signed in.
    pub async fn hosted_sign_in(&self, site: &HostedSite, form: &PageForm) -> OAuthResult<Outcome> {
        let checked = match self.check_authorize(site, &form.authorize).await? {
            Ok(checked) => checked,
            Err(redirect) => return Ok(Outcome::Redirect(redirect)),
        };
        let browser = &form.browser;
        let login = |errors| self.show(site, &checked, browser, Page::Login, errors, None);
        if !self.csrf_ok(site, form) {
            return login(vec![expired_page()]).await;
        }
        let username = form.field("username");
        let password = form.raw("password");
        let mut errors = Vec::new();
        if username.is_empty() {
            errors.push(missing_username(username_kind(&checked.pool)));
        }
        if password.is_empty() {
            errors.push(FieldError::new("password", "Enter your password."));
        }
        if !errors.is_empty() {
            return login(errors).await;
        }
        let policy = &checked.pool.settings.password_policy;
        let user = match self
            .check_password(&checked.pool, &checked.client, &username, &password)
            .await
        {
            Ok(user) => user,
            Err(e) if e.kind == ErrorKind::InternalError => return Err(e.into()),
            Err(e) => return login(vec![field_error(&e, policy, "password")]).await,
        };
        match user.status {
            UserStatus::Unconfirmed => self.confirm_first(site, &checked, form, &user).await,
            UserStatus::ResetRequired => self.reset_first(site, &checked, form, &user).await,
            UserStatus::ForceChangePassword => {
                self.new_password_page(site, &checked, form, &user, Vec::new())
                    .await
            }
            _ => self.after_password(site, &checked, form, user).await,
        }
    }

    /// The password was right but the account is unconfirmed: a new code, and the confirm
    /// page, after which the user is signed in.
    async fn confirm_first(
        &self,
        site: &HostedSite,
        checked: &Checked,
        form: &PageForm,
        user: &User,
    ) -> OAuthResult<Outcome> {
        let username = form.field("username");
        let public = PublicClient::hosted(&checked.pool, &checked.client, &username);
        match self.resend_confirmation_code(&public).await {
            Ok(delivery) => {
                let flow = self.seal_flow(
                    checked,
                    &form.browser,
                    FlowState {
                        sub: user.sub.clone(),
                        username: username.clone(),
                        destination: Some(delivery.destination),
                        sign_in: true,
                        browser: String::new(),
                    },
                );
                Ok(Outcome::Next(Next::Confirm { username, flow }))
            }
            Err(e) => self.login_error(site, checked, form, &e).await,
        }
    }

    /// The password was right but an administrator asked for a reset: a reset code, and the
    /// page to choose the new password with it.
    async fn reset_first(
        &self,
        site: &HostedSite,
        checked: &Checked,
        form: &PageForm,
        user: &User,
    ) -> OAuthResult<Outcome> {
        let username = form.field("username");
        let public = PublicClient::hosted(&checked.pool, &checked.client, &username);
        match self.forgot_password(&public).await {
            Ok(delivery) => {
                let flow = self.seal_flow(
                    checked,
                    &form.browser,
                    FlowState {
                        sub: user.sub.clone(),
                        username: username.clone(),
                        destination: Some(delivery.destination),
                        sign_in: false,
                        browser: String::new(),
                    },
                );
                Ok(Outcome::Next(Next::ConfirmForgotPassword {
                    username,
                    flow,
                }))
            }
            Err(e) => self.login_error(site, checked, form, &e).await,
        }
    }

    async fn login_error(
        &self,
        site: &HostedSite,
        checked: &Checked,
        form: &PageForm,
        e: &Error,
    ) -> OAuthResult<Outcome> {
        if e.kind == ErrorKind::InternalError {
            return Err(e.clone().into());
        }
        let error = field_error(e, &checked.pool.settings.password_policy, "password");
        self.show(site, checked, &form.browser, Page::Login, vec![error], None)
            .await
    }

    /// The new-password page with a fresh pending challenge.
    async fn new_password_page(
        &self,
        site: &HostedSite,
        checked: &Checked,
        form: &PageForm,
        user: &User,
        errors: Vec<FieldError>,
    ) -> OAuthResult<Outcome> {
        let expired = user
            .password
            .as_ref()
            .and_then(|p| p.temporary_until)
            .is_some_and(|until| until <= self.now());
        if expired {
            let e = Error::temporary_password_expired();
            return self.login_error(site, checked, form, &e).await;
        }
        let session = self.session_string(
            "hosted-new-password",
            &checked.pool.id,
            &checked.client.client_id,
            CHALLENGE_LIFETIME_SECS,
            Pending {
                sub: user.sub.clone(),
                browser: self.browser_binding(&form.browser),
            },
        )?;
        let page = Page::NewPassword {
            session,
            fields: new_password_fields(&checked.pool, user),
        };
        self.show(site, checked, &form.browser, page, errors, None)
            .await
    }

    /// `POST /newPassword`: the new password (and the required attributes) of a user whose
    /// password is temporary; then the sign-in completes.
    pub async fn hosted_new_password(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<Outcome> {
        let checked = match self.check_authorize(site, &form.authorize).await? {
            Ok(checked) => checked,
            Err(redirect) => return Ok(Outcome::Redirect(redirect)),
        };
        let browser = &form.browser;
        let start_over =
            |error: FieldError| self.show(site, &checked, browser, Page::Login, vec![error], None);
        let opened = match self.open_session_string::<Pending>(
            "hosted-new-password",
            &form.raw(SESSION_FIELD),
            &checked.client.client_id,
        ) {
            Ok(opened) if opened.state.browser == self.browser_binding(browser) => opened,
            _ => {
                return start_over(FieldError::new(
                    FORM,
                    "This page expired. Please sign in again.",
                ))
                .await;
            }
        };
        let user = self
            .store
            .get_user_by_sub(&checked.pool.id, &opened.state.sub)
            .await
            .map_err(Error::from)?
            .filter(|u| u.enabled && u.status == UserStatus::ForceChangePassword);
        let Some(mut user) = user else {
            return start_over(FieldError::new(
                FORM,
                "This page expired. Please sign in again.",
            ))
            .await;
        };
        // The page is shown again with the same challenge (it stays unspent until it succeeds).
        let fields = new_password_fields(&checked.pool, &user);
        let again = |errors: Vec<FieldError>| {
            let page = Page::NewPassword {
                session: form.raw(SESSION_FIELD),
                fields: fields.clone(),
            };
            self.show(site, &checked, browser, page, errors, None)
        };
        if !self.csrf_ok(site, form) {
            return again(vec![super::signin::expired_page()]).await;
        }
        let policy = &checked.pool.settings.password_policy;
        let password = form.raw("password");
        let mut errors = Vec::new();
        if password.is_empty() {
            errors.push(FieldError::new("password", "Choose a new password."));
        } else if let Err(e) = crate::password::check_policy(policy, &password) {
            errors.push(field_error(&e, policy, "password"));
        }
        errors.extend(passwords_match(form));
        let mut changes = Vec::new();
        for field in &fields {
            match form.field(&field.name) {
                value if value.is_empty() => {
                    errors.push(FieldError::new(&field.name, "Fill in this field."));
                }
                value => changes.push((field.name.clone(), value)),
            }
        }
        if !errors.is_empty() {
            return again(errors).await;
        }
        let writable = checked.client.settings.write_attributes.as_ref();
        if let Some((name, _)) = changes
            .iter()
            .find(|(name, _)| writable.is_some_and(|w| !w.contains(name)))
        {
            let e = Error::unauthorized_attribute_write(name);
            return again(vec![field_error(&e, policy, "password")]).await;
        }
        if let Err(e) =
            crate::user::apply_attribute_changes(&checked.pool, &mut user, &changes, Writer::User)
        {
            return again(vec![field_error(&e, policy, "password")]).await;
        }
        self.spend_step(&opened).await?;
        user.password =
            Some(self.seal_password(&checked.pool, &user.sub, &user.username, &password, false)?);
        user.status = UserStatus::Confirmed;
        self.save_user(&checked.pool, &mut user).await?;
        self.after_password(site, &checked, form, user).await
    }

    /// After the first factor (and any new password): the second factor the pool asks for,
    /// if any (`mfa`), then the sign-in completes.
    async fn after_password(
        &self,
        site: &HostedSite,
        checked: &Checked,
        form: &PageForm,
        user: User,
    ) -> OAuthResult<Outcome> {
        self.hosted_second_factor(site, checked, form, user).await
    }

    /// Starts the SSO session and completes the authorization request.
    pub(super) async fn finish_hosted_sign_in(
        &self,
        site: &HostedSite,
        checked: &Checked,
        user: &User,
    ) -> OAuthResult<Outcome> {
        let cookie = self.start_sso(site, user).await?;
        let redirect = self
            .complete_authorization(checked, user, self.now().secs())
            .await?;
        Ok(Outcome::SignedIn { cookie, redirect })
    }
}
