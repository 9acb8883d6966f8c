//! `/signup`, `/confirm` (the code from sign-up, or a new one) and `/confirmUser` (the page an
//! emailed confirmation link opens). A sign-up hands the confirm page a step token that lets
//! confirming sign the user in, in the same browser: the password was just chosen there.

use super::field_errors::{FORM, field_error};
use super::signin::{expired_page, passwords_match};
use super::{
    Context, FieldError, FlowState, Next, Notice, Outcome, Page, PageForm, Shown, UsernameKind,
    sign_up_fields, username_kind,
};
use crate::Domain;
use crate::enums::{OAuthFlow, UserStatus};
use crate::error::{Error, ErrorKind};
use crate::oauth::authorize::{AuthorizeRequest, Checked};
use crate::oauth::{HostedSite, OAuthError, OAuthResult, allows_flow};
use crate::selfservice::PublicClient;
use crate::selfservice::SignUpInput;

fn missing(field: &str, message: &str) -> FieldError {
    FieldError::new(field, message)
}

fn username_missing(kind: UsernameKind) -> FieldError {
    missing(
        "username",
        match kind {
            UsernameKind::Username => "Choose a username.",
            UsernameKind::Email => "Enter your email address.",
            UsernameKind::Phone => "Enter your phone number.",
            UsernameKind::EmailOrPhone => "Enter your email address or phone number.",
        },
    )
}

impl Domain {
    /// `POST /signup`: SignUp on the client's behalf, then the confirm page (or, when a pre
    /// sign-up function confirmed the user, straight back to the client signed in).
    pub async fn hosted_sign_up(&self, site: &HostedSite, form: &PageForm) -> OAuthResult<Outcome> {
        let checked = match self.check_authorize(site, &form.authorize).await? {
            Ok(checked) => checked,
            Err(redirect) => return Ok(Outcome::Redirect(redirect)),
        };
        let browser = &form.browser;
        if let Some(refused) = sign_up_refused(&checked) {
            return self
                .show(site, &checked, browser, Page::Login, vec![refused], None)
                .await;
        }
        let fields = sign_up_fields(&checked.pool);
        let again = |errors: Vec<FieldError>| {
            let page = Page::SignUp {
                fields: fields.clone(),
            };
            self.show(site, &checked, browser, page, errors, None)
        };
        if !self.csrf_ok(site, form) {
            return again(vec![expired_page()]).await;
        }
        let kind = username_kind(&checked.pool);
        let username = form.field("username");
        let password = form.raw("password");
        let mut errors = Vec::new();
        if username.is_empty() {
            errors.push(username_missing(kind));
        }
        if password.is_empty() {
            errors.push(missing("password", "Choose a password."));
        }
        errors.extend(passwords_match(form));
        let mut attributes = Vec::new();
        for field in &fields {
            let value = form.field(&field.name);
            if value.is_empty() {
                if field.required {
                    errors.push(missing(&field.name, "Fill in this field."));
                }
            } else {
                attributes.push((field.name.clone(), value));
            }
        }
        if !errors.is_empty() {
            return again(errors).await;
        }
        let public = PublicClient::hosted(&checked.pool, &checked.client, &username);
        let input = SignUpInput {
            password: Some(password),
            attributes,
            validation_data: Vec::new(),
        };
        let outcome = match self.sign_up(&public, input).await {
            Ok(outcome) => outcome,
            Err(e) if e.kind == ErrorKind::InternalError => return Err(e.into()),
            Err(e) => {
                let mut error = field_error(&e, &checked.pool.settings.password_policy, "password");
                if e.kind == ErrorKind::UsernameExists && kind != UsernameKind::Username {
                    error.message =
                        "An account with this email address or phone number already exists."
                            .to_owned();
                }
                return again(vec![error]).await;
            }
        };
        if outcome.confirmed {
            let user = self
                .store
                .get_user_by_sub(&checked.pool.id, &outcome.user_sub)
                .await
                .map_err(Error::from)?;
            if let Some(user) = user {
                return self.finish_hosted_sign_in(site, &checked, &user).await;
            }
        }
        let flow = self.seal_flow(
            &checked,
            browser,
            FlowState {
                sub: outcome.user_sub,
                username: username.clone(),
                destination: outcome.delivery.map(|d| d.destination),
                sign_in: true,
                browser: String::new(),
            },
        );
        Ok(Outcome::Next(Next::Confirm { username, flow }))
    }

    /// `POST /confirm`: ConfirmSignUp with the code (or, with `action=resend`, a new code).
    /// Confirming signs the user in when the sign-up happened in this browser; otherwise the
    /// sign-in page follows.
    pub async fn hosted_confirm(&self, site: &HostedSite, form: &PageForm) -> OAuthResult<Outcome> {
        let checked = match self.check_authorize(site, &form.authorize).await? {
            Ok(checked) => checked,
            Err(redirect) => return Ok(Outcome::Redirect(redirect)),
        };
        let browser = &form.browser;
        let (destination, flow) = self.flow_for_page(&checked, form);
        let show = |errors: Vec<FieldError>, notice: Option<Notice>| {
            let page = Page::Confirm {
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
            return show(vec![username_missing(username_kind(&checked.pool))], None).await;
        }
        let public = PublicClient::hosted(&checked.pool, &checked.client, &username);
        if form.field("action") == "resend" {
            return match self.resend_confirmation_code(&public).await {
                Ok(delivery) => {
                    show(Vec::new(), Some(Notice::CodeResent(delivery.destination))).await
                }
                Err(e) if e.kind == ErrorKind::InternalError => Err(e.into()),
                Err(e) => show(vec![field_error(&e, policy, "password")], None).await,
            };
        }
        let code = form.field("code");
        if code.is_empty() {
            return show(vec![missing("code", "Enter the code we sent you.")], None).await;
        }
        match self.confirm_sign_up(&public, &code, false).await {
            Ok(()) => {}
            Err(e) if e.kind == ErrorKind::InternalError => return Err(e.into()),
            Err(e) => return show(vec![field_error(&e, policy, "password")], None).await,
        }
        if let Some(opened) = self.open_flow(&checked, form).filter(|o| o.state.sign_in)
            && self.spend_step(&opened).await.is_ok()
        {
            let user = self
                .store
                .get_user_by_sub(&checked.pool.id, &opened.state.sub)
                .await
                .map_err(Error::from)?
                .filter(|u| u.enabled && u.status == UserStatus::Confirmed);
            if let Some(user) = user {
                return self.finish_hosted_sign_in(site, &checked, &user).await;
            }
        }
        Ok(Outcome::Next(Next::Login {
            username,
            notice: Notice::Confirmed,
        }))
    }

    /// The client a confirmation link names, in this domain's pool.
    async fn link_client(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<(crate::pool::UserPool, crate::client::AppClient)> {
        let client_id = form.field("client_id");
        let client = match self.client_by_id(&client_id).await {
            Ok(client) if client.pool_id == site.pool_id => client,
            Ok(_) => {
                return Err(OAuthError::invalid_request(
                    "invalid_client: the client does not exist.",
                ));
            }
            Err(e) if e.kind == ErrorKind::ResourceNotFound => {
                return Err(OAuthError::invalid_request(
                    "invalid_client: the client does not exist.",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        if form.field("user_name").is_empty() || form.field("confirmation_code").is_empty() {
            return Err(OAuthError::invalid_request(
                "user_name and confirmation_code are required.",
            ));
        }
        let pool = self.user_pool(&site.pool_id).await?;
        Ok((pool, client))
    }

    async fn link_context(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<(Context, crate::pool::UserPool, crate::client::AppClient)> {
        let (pool, client) = self.link_client(site, form).await?;
        let context = self
            .page_context(site, &pool, &client, None, &form.browser)
            .await?;
        Ok((context, pool, client))
    }

    /// `GET /confirmUser?client_id&user_name&confirmation_code`: a page whose button
    /// confirms. Following a link changes nothing, since mail scanners follow links too.
    pub async fn hosted_confirm_user_page(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<Shown> {
        let (context, _, _) = self.link_context(site, form).await?;
        Ok(Shown {
            context,
            page: Page::ConfirmUser,
            errors: Vec::new(),
            notice: None,
        })
    }

    /// `POST /confirmUser`: ConfirmSignUp with the link's code.
    pub async fn hosted_confirm_user(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<Shown> {
        let (context, pool, client) = self.link_context(site, form).await?;
        let shown = |page: Page, errors: Vec<FieldError>| Shown {
            context: context.clone(),
            page,
            errors,
            notice: None,
        };
        if !self.csrf_ok(site, form) {
            return Ok(shown(Page::ConfirmUser, vec![expired_page()]));
        }
        let username = form.field("user_name");
        let public = PublicClient::hosted(&pool, &client, &username);
        match self
            .confirm_sign_up(&public, &form.field("confirmation_code"), false)
            .await
        {
            Ok(()) => Ok(shown(
                Page::Confirmed {
                    sign_in: sign_in_request(&client),
                },
                Vec::new(),
            )),
            Err(e) if e.kind == ErrorKind::InternalError => Err(e.into()),
            Err(e) => {
                let mut error = field_error(&e, &pool.settings.password_policy, "password");
                // The link's code is not a field the person can correct.
                error.field = FORM.to_owned();
                if matches!(e.kind, ErrorKind::CodeMismatch | ErrorKind::ExpiredCode) {
                    error.message =
                        "This confirmation link is not valid any more. Ask for a new one."
                            .to_owned();
                }
                Ok(shown(Page::ConfirmUser, vec![error]))
            }
        }
    }
}

/// Why this pool's sign-up page is closed, if it is.
pub(super) fn sign_up_refused(checked: &Checked) -> Option<FieldError> {
    checked
        .pool
        .settings
        .admin_create_user_config
        .allow_admin_create_user_only
        .then(|| {
            FieldError::new(
                FORM,
                "You cannot create an account here. Ask your administrator for one.",
            )
        })
}

/// Where a confirmed user can sign in: the code flow to the client's default (or only)
/// callback URL, when it has one.
fn sign_in_request(client: &crate::client::AppClient) -> Option<Box<AuthorizeRequest>> {
    if !allows_flow(client, OAuthFlow::Code) {
        return None;
    }
    let callbacks = client.settings.callback_urls.as_deref().unwrap_or_default();
    let redirect_uri = client
        .settings
        .default_redirect_uri
        .clone()
        .or_else(|| (callbacks.len() == 1).then(|| callbacks[0].clone()))?;
    Some(Box::new(AuthorizeRequest {
        response_type: Some("code".to_owned()),
        client_id: Some(client.client_id.clone()),
        redirect_uri: Some(redirect_uri),
        ..AuthorizeRequest::default()
    }))
}
