//! `/forgotPassword` (a reset code to the account's verified address) and
//! `/confirmforgotPassword` (the code and the new password, or a new code).

use super::field_errors::{FORM, field_error};
use super::signin::{expired_page, passwords_match};
use super::{FieldError, FlowState, Next, Notice, Outcome, Page, PageForm};
use crate::Domain;
use crate::error::ErrorKind;
use crate::oauth::{HostedSite, OAuthResult};
use crate::selfservice::PublicClient;

impl Domain {
    /// `POST /forgotPassword`: ForgotPassword on the client's behalf, then the reset page.
    pub async fn hosted_forgot_password(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<Outcome> {
        let checked = match self.check_authorize(site, &form.authorize).await? {
            Ok(checked) => checked,
            Err(redirect) => return Ok(Outcome::Redirect(redirect)),
        };
        let browser = &form.browser;
        let again = |errors: Vec<FieldError>| {
            self.show(site, &checked, browser, Page::ForgotPassword, errors, None)
        };
        if !self.csrf_ok(site, form) {
            return again(vec![expired_page()]).await;
        }
        let username = form.field("username");
        if username.is_empty() {
            return again(vec![FieldError::new("username", "Enter your username.")]).await;
        }
        let public = PublicClient::hosted(&checked.pool, &checked.client, &username);
        match self.forgot_password(&public).await {
            Ok(delivery) => {
                let flow = self.seal_flow(
                    &checked,
                    browser,
                    FlowState {
                        sub: String::new(),
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
            Err(e) if e.kind == ErrorKind::InternalError => Err(e.into()),
            Err(e) => {
                again(vec![field_error(
                    &e,
                    &checked.pool.settings.password_policy,
                    "password",
                )])
                .await
            }
        }
    }

    /// `POST /confirmforgotPassword`: ConfirmForgotPassword with the code and the new
    /// password (or, with `action=resend`, a new code); then the sign-in page.
    pub async fn hosted_confirm_forgot_password(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<Outcome> {
        let checked = match self.check_authorize(site, &form.authorize).await? {
            Ok(checked) => checked,
            Err(redirect) => return Ok(Outcome::Redirect(redirect)),
        };
        let browser = &form.browser;
        let (destination, flow) = self.flow_for_page(&checked, form);
        let show = |errors: Vec<FieldError>, notice: Option<Notice>| {
            let page = Page::ConfirmForgotPassword {
                destination: destination.clone(),
                flow: flow.clone(),
            };
            self.show(site, &checked, browser, page, errors, notice)
        };
        if !self.csrf_ok(site, form) {
            return show(vec![expired_page()], None).await;
        }
        let policy = &checked.pool.settings.password_policy;
        let username = form.field("username");
        if username.is_empty() {
            return show(
                vec![FieldError::new("username", "Enter your username.")],
                None,
            )
            .await;
        }
        let public = PublicClient::hosted(&checked.pool, &checked.client, &username);
        if form.field("action") == "resend" {
            return match self.forgot_password(&public).await {
                Ok(delivery) => {
                    show(Vec::new(), Some(Notice::CodeResent(delivery.destination))).await
                }
                Err(e) if e.kind == ErrorKind::InternalError => Err(e.into()),
                Err(e) => show(vec![field_error(&e, policy, "password")], None).await,
            };
        }
        let code = form.field("code");
        let password = form.raw("password");
        let mut errors = Vec::new();
        if code.is_empty() {
            errors.push(FieldError::new("code", "Enter the code we sent you."));
        }
        if password.is_empty() {
            errors.push(FieldError::new("password", "Choose a new password."));
        }
        errors.extend(passwords_match(form));
        if !errors.is_empty() {
            return show(errors, None).await;
        }
        match self
            .confirm_forgot_password(&public, &code, &password)
            .await
        {
            Ok(()) => Ok(Outcome::Next(Next::Login {
                username,
                notice: Notice::PasswordReset,
            })),
            Err(e) if e.kind == ErrorKind::InternalError => Err(e.into()),
            Err(e) => {
                let mut error = field_error(&e, policy, "password");
                if error.field == FORM && e.kind == ErrorKind::UserNotFound {
                    error.field = "username".to_owned();
                }
                show(vec![error], None).await
            }
        }
    }
}
