//! The hosted pages of a pool's domain: sign in (`/login`), the new password a
//! FORCE_CHANGE_PASSWORD user must choose, sign up (`/signup`), confirming it (`/confirm`, and
//! `/confirmUser` from an emailed link), and password recovery (`/forgotPassword`,
//! `/confirmforgotPassword`). Each page is an authorization request in progress: it carries
//! the request's parameters from page to page and ends, on success, in the redirect to the
//! client with a code or tokens ([`authorize`](crate::oauth::authorize)).
//!
//! # What a page gets and gives
//! A page is a form. Showing one gives a [`Shown`]: the [`Context`] every page needs (its
//! CSRF token, how it looks, what the username is), what this page needs ([`Page`]), and the
//! errors to show next to the fields, each in plain words ([`FieldError`], from `messages`).
//! Submitting one gives an [`Outcome`]: the page again with errors, the next page, or the
//! redirect to the client.
//!
//! # State, across nodes
//! Nothing lives on a node. The CSRF token is double-submitted and keyed: the form carries a
//! keyed hash of the random cookie, so a cookie planted by a sibling domain is useless without
//! its hash; a form posted from another origin is refused outright. What one page hands the
//! next (the destination of a code, the right to sign in after confirming, a pending
//! challenge) is a sealed, expiring, single-use step token bound to the client and to the
//! browser's CSRF cookie, so it is worthless in another browser.
//!
//! # Layout
//! - this file: the shared types, the CSRF check, step tokens, and each page's context.
//! - `discovery`: whether the sign-in page asks for an email first (SAML IdpIdentifiers).
//! - `field_errors`: Cognito's errors as field errors in plain words.
//! - `signin`: `/login` and the challenges after the password (new password; MFA plugs in
//!   at [`Challenge`]).
//! - `signup`: `/signup`, `/confirm`, `/confirmUser`.
//! - `recovery`: `/forgotPassword`, `/confirmforgotPassword`.
//! - `mfa_pages`: the second factor after the password (`/mfa`, `/selectMfa`, `/mfaSetup`).

mod discovery;
mod field_errors;
mod mfa_pages;
mod recovery;
mod signin;
mod signup;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::branding::Look;
use crate::client::AppClient;
use crate::enums::{AttributeDataType, UsernameAttribute};
use crate::oauth::authorize::{AuthorizeRequest, Checked, allows_local_sign_in};
use crate::oauth::{HostedSite, OAuthResult, Redirect, SsoCookie};
use crate::pool::{PasswordPolicy, UserPool};
use crate::{Domain, b64};

pub use field_errors::FieldError;

/// The form's hidden CSRF field.
pub const CSRF_FIELD: &str = "_csrf";
/// The hidden field of a step token handed from page to page.
pub const FLOW_FIELD: &str = "flow";
/// The hidden field of a pending sign-in challenge.
pub const SESSION_FIELD: &str = "session";

/// How long the hand-over between pages lasts (a code's lifetime is checked on its own).
const FLOW_LIFETIME_SECS: i64 = 3600;

/// What the browser brought besides the form: the CSRF cookie and the `Origin` header.
#[derive(Debug, Clone, Default)]
pub struct Browser {
    pub csrf_cookie: Option<String>,
    pub origin: Option<String>,
}

/// A submitted page: the authorization parameters it carries, every field, and the browser.
#[derive(Debug, Clone, Default)]
pub struct PageForm {
    pub authorize: AuthorizeRequest,
    pub fields: BTreeMap<String, String>,
    pub browser: Browser,
}

impl PageForm {
    /// A field's value, trimmed; empty when absent.
    fn field(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    }

    /// A field's value exactly as typed (passwords keep their spaces, for the policy to judge).
    fn raw(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// What users sign in with, which names the username field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameKind {
    Username,
    Email,
    Phone,
    EmailOrPhone,
}

/// The kind of input an attribute gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    Phone,
    Date,
    Number,
}

/// An attribute the page asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeField {
    pub name: String,
    pub kind: FieldKind,
    pub required: bool,
}

/// What every page needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The value of the form's [`CSRF_FIELD`].
    pub csrf_token: String,
    /// A new CSRF cookie to set, when the browser had none.
    pub new_csrf_cookie: Option<String>,
    pub look: Look,
    pub username_kind: UsernameKind,
    pub sign_up_allowed: bool,
    /// The origin of the client's redirect URI, which the page's forms lead to in the end.
    pub redirect_origin: Option<String>,
    pub password_policy: PasswordPolicy,
    /// The outside providers the client may sign in with (its SupportedIdentityProviders
    /// but `COGNITO`), one button each on the sign-in page.
    pub identity_providers: Vec<String>,
    /// The sign-in page asks for an email first and finds the provider by its domain
    /// (`discovery`).
    pub email_discovery: bool,
    /// Whether the client lets the pool's own users sign in (`COGNITO` among its
    /// SupportedIdentityProviders): without it the sign-in page has only the buttons.
    pub local_sign_in: bool,
}

/// A short message a page shows above its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Confirmed,
    PasswordReset,
    CodeResent(String),
}

impl Notice {
    /// The name in a URL (`notice=`), for the notices one page hands the next.
    pub fn as_str(&self) -> &'static str {
        match self {
            Notice::Confirmed => "confirmed",
            Notice::PasswordReset => "reset",
            Notice::CodeResent(_) => "resent",
        }
    }

    fn parse(name: &str) -> Option<Notice> {
        match name {
            "confirmed" => Some(Notice::Confirmed),
            "reset" => Some(Notice::PasswordReset),
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Notice::Confirmed => "Your account is confirmed. Sign in to continue.".to_owned(),
            Notice::PasswordReset => {
                "Your password has been changed. Sign in with your new password.".to_owned()
            }
            Notice::CodeResent(destination) => format!("We sent a new code to {destination}."),
        }
    }
}

/// The pages, with what each needs beyond the [`Context`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Login,
    NewPassword {
        session: String,
        fields: Vec<AttributeField>,
    },
    SignUp {
        fields: Vec<AttributeField>,
    },
    Confirm {
        destination: Option<String>,
        flow: Option<String>,
    },
    /// The confirmation link's page: a button that confirms (links must not act on GET,
    /// since mail scanners follow them).
    ConfirmUser,
    /// The account is confirmed; `sign_in` is where to sign in, when the client has a
    /// callback URL to come back to.
    Confirmed {
        sign_in: Option<Box<AuthorizeRequest>>,
    },
    ForgotPassword,
    ConfirmForgotPassword {
        destination: Option<String>,
        flow: Option<String>,
    },
    /// The code of an MFA challenge: `factor` is SMS_MFA, EMAIL_OTP or SOFTWARE_TOKEN_MFA;
    /// `destination` the masked phone number or address a code went to.
    MfaCode {
        session: String,
        factor: String,
        destination: Option<String>,
    },
    /// SELECT_MFA_TYPE: a button per factor the user may use.
    SelectMfa {
        session: String,
        choices: Vec<String>,
    },
    /// MFA_SETUP with an authenticator app: its secret (base32) and `otpauth://` URI.
    MfaSetup {
        session: String,
        secret: String,
        uri: String,
    },
}

/// The kinds of page that can be asked for by URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Login,
    SignUp,
    Confirm,
    ForgotPassword,
    ConfirmForgotPassword,
}

/// A page to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub context: Context,
    pub page: Page,
    pub errors: Vec<FieldError>,
    pub notice: Option<Notice>,
}

/// Where a page leads next on this domain, with the authorization parameters carried along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Login {
        username: String,
        notice: Notice,
    },
    Confirm {
        username: String,
        flow: Option<String>,
    },
    ConfirmForgotPassword {
        username: String,
        flow: Option<String>,
    },
}

/// What a submitted page leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Show(Box<Shown>),
    Next(Next),
    /// Signed in: set the SSO cookie and go back to the client with a code or tokens.
    SignedIn {
        cookie: SsoCookie,
        redirect: Redirect,
    },
    /// Back to the client with an error (the request became unusable).
    Redirect(Redirect),
}

/// What a step token carries from page to page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FlowState {
    pub sub: String,
    pub username: String,
    /// Where the code went (masked), for the page to say.
    pub destination: Option<String>,
    /// The sign-up this follows proved the password: confirming may sign the user in.
    pub sign_in: bool,
    /// A keyed hash of the browser's CSRF cookie: the token works in that browser only.
    pub browser: String,
}

/// The origin (`scheme://host[:port]`) of an absolute URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

/// What users sign in with, from the pool's username attributes.
fn username_kind(pool: &UserPool) -> UsernameKind {
    let attributes = &pool.sign_in.username_attributes;
    match (
        attributes.contains(&UsernameAttribute::Email),
        attributes.contains(&UsernameAttribute::PhoneNumber),
    ) {
        (true, true) => UsernameKind::EmailOrPhone,
        (true, false) => UsernameKind::Email,
        (false, true) => UsernameKind::Phone,
        (false, false) => UsernameKind::Username,
    }
}

fn field_kind(pool: &UserPool, name: &str) -> FieldKind {
    match name {
        "email" => FieldKind::Email,
        "phone_number" => FieldKind::Phone,
        "birthdate" => FieldKind::Date,
        _ => match pool.attribute(name).map(|a| a.data_type) {
            Some(AttributeDataType::Number) => FieldKind::Number,
            _ => FieldKind::Text,
        },
    }
}

impl Domain {
    /// The context of a page of this client.
    async fn page_context(
        &self,
        site: &HostedSite,
        pool: &UserPool,
        client: &AppClient,
        redirect_uri: Option<&str>,
        browser: &Browser,
    ) -> OAuthResult<Context> {
        let (csrf_token, new_csrf_cookie) = self.csrf_pair(site, browser);
        Ok(Context {
            csrf_token,
            new_csrf_cookie,
            look: self.look(&pool.id, &site.domain, &client.client_id).await?,
            username_kind: username_kind(pool),
            sign_up_allowed: !pool
                .settings
                .admin_create_user_config
                .allow_admin_create_user_only,
            redirect_origin: redirect_uri.and_then(origin_of),
            password_policy: pool.settings.password_policy.clone(),
            identity_providers: client
                .settings
                .supported_identity_providers
                .iter()
                .flatten()
                .filter(|name| name.as_str() != "COGNITO")
                .cloned()
                .collect(),
            email_discovery: self.email_discovery(&pool.id, client).await?,
            local_sign_in: allows_local_sign_in(client),
        })
    }

    /// A page for a checked authorization request.
    async fn show(
        &self,
        site: &HostedSite,
        checked: &Checked,
        browser: &Browser,
        page: Page,
        errors: Vec<FieldError>,
        notice: Option<Notice>,
    ) -> OAuthResult<Outcome> {
        let context = self
            .page_context(
                site,
                &checked.pool,
                &checked.client,
                Some(&checked.redirect_uri),
                browser,
            )
            .await?;
        Ok(Outcome::Show(Box::new(Shown {
            context,
            page,
            errors,
            notice,
        })))
    }

    /// `GET` of a page: the empty form, for a valid authorization request.
    pub async fn hosted_page(
        &self,
        site: &HostedSite,
        kind: PageKind,
        form: &PageForm,
    ) -> OAuthResult<Outcome> {
        let browser = &form.browser;
        let checked = match kind {
            PageKind::Login => self.check_sign_in_page(site, &form.authorize).await?,
            _ => self.check_authorize(site, &form.authorize).await?,
        };
        let checked = match checked {
            Ok(checked) => checked,
            Err(redirect) => return Ok(Outcome::Redirect(redirect)),
        };
        let notice = form.fields.get("notice").and_then(|n| Notice::parse(n));
        let page = match kind {
            PageKind::Login => Page::Login,
            PageKind::SignUp => {
                if let Some(refused) = signup::sign_up_refused(&checked) {
                    return self
                        .show(site, &checked, browser, Page::Login, vec![refused], None)
                        .await;
                }
                Page::SignUp {
                    fields: sign_up_fields(&checked.pool),
                }
            }
            PageKind::Confirm => {
                let (destination, flow) = self.flow_for_page(&checked, form);
                Page::Confirm { destination, flow }
            }
            PageKind::ForgotPassword => Page::ForgotPassword,
            PageKind::ConfirmForgotPassword => {
                let (destination, flow) = self.flow_for_page(&checked, form);
                Page::ConfirmForgotPassword { destination, flow }
            }
        };
        self.show(site, &checked, browser, page, Vec::new(), notice)
            .await
    }

    /// The CSRF token of the form and, when the browser has no usable cookie, a new one.
    fn csrf_pair(&self, site: &HostedSite, browser: &Browser) -> (String, Option<String>) {
        match browser.csrf_cookie.as_deref().filter(|c| is_csrf_cookie(c)) {
            Some(cookie) => (self.csrf_token(site, cookie), None),
            None => {
                let mut bytes = [0u8; 24];
                self.random().fill(&mut bytes);
                let cookie = b64::encode_url(&bytes);
                (self.csrf_token(site, &cookie), Some(cookie))
            }
        }
    }

    fn csrf_token(&self, site: &HostedSite, cookie: &str) -> String {
        let hash = self.keys.hash(
            "hosted-csrf",
            format!("{}:{cookie}", site.pool_id).as_bytes(),
        );
        b64::encode_url(&hash)
    }

    /// Whether a submitted form is genuine: posted from this domain's own pages (when the
    /// browser says where from) and carrying the keyed hash of its CSRF cookie.
    fn csrf_ok(&self, site: &HostedSite, form: &PageForm) -> bool {
        if form
            .browser
            .origin
            .as_deref()
            .is_some_and(|origin| origin != site.base_url)
        {
            return false;
        }
        let Some(cookie) = form
            .browser
            .csrf_cookie
            .as_deref()
            .filter(|c| is_csrf_cookie(c))
        else {
            return false;
        };
        let given = form.raw(CSRF_FIELD);
        let expected = self.csrf_token(site, cookie);
        !given.is_empty()
            && bool::from(subtle::ConstantTimeEq::ct_eq(
                given.as_bytes(),
                expected.as_bytes(),
            ))
    }

    /// What binds a step token to this browser.
    fn browser_binding(&self, browser: &Browser) -> String {
        let cookie = browser.csrf_cookie.as_deref().unwrap_or_default();
        b64::encode_url(&self.keys.hash("hosted-browser", cookie.as_bytes()))
    }

    /// Seals what the next page needs; `None` if sealing fails (the next page then just
    /// knows less, which is safe).
    fn seal_flow(&self, checked: &Checked, browser: &Browser, state: FlowState) -> Option<String> {
        let state = FlowState {
            browser: self.browser_binding(browser),
            ..state
        };
        self.session_string(
            "hosted-flow",
            &checked.pool.id,
            &checked.client.client_id,
            FLOW_LIFETIME_SECS,
            state,
        )
        .ok()
    }

    /// Opens the step token of a form, if it is genuine, live, of this client and browser,
    /// and about the username on the form.
    fn open_flow(
        &self,
        checked: &Checked,
        form: &PageForm,
    ) -> Option<crate::auth::Opened<FlowState>> {
        let token = form.fields.get(FLOW_FIELD)?;
        let opened: crate::auth::Opened<FlowState> = self
            .open_session_string("hosted-flow", token, &checked.client.client_id)
            .ok()?;
        let genuine = opened.state.browser == self.browser_binding(&form.browser)
            && opened.state.username == form.field("username");
        genuine.then_some(opened)
    }

    /// The destination a page may show and the token it passes on.
    fn flow_for_page(
        &self,
        checked: &Checked,
        form: &PageForm,
    ) -> (Option<String>, Option<String>) {
        match self.open_flow(checked, form) {
            Some(opened) => (
                opened.state.destination,
                form.fields.get(FLOW_FIELD).cloned(),
            ),
            None => (None, None),
        }
    }

    /// The secret hash a public operation needs when the client has a secret: the hosted
    /// pages act for the client, server side, so they compute it.
    fn hosted_secret_hash(
        &self,
        client: &AppClient,
        username: &str,
    ) -> OAuthResult<Option<String>> {
        if !client.has_secret() {
            return Ok(None);
        }
        let secrets = self.client_secrets(client)?;
        Ok(secrets.first().map(|secret| {
            cognate_crypto::secret_hash::secret_hash(secret, username, &client.client_id)
        }))
    }
}

/// A CSRF cookie this server could have set: 24 random bytes, URL-safe base64.
fn is_csrf_cookie(value: &str) -> bool {
    value.len() == 32
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The attributes sign-up asks for: the pool's required ones, and an email or phone number
/// the confirmation code can go to, except what the username already is.
fn sign_up_fields(pool: &UserPool) -> Vec<AttributeField> {
    let kind = username_kind(pool);
    let is_username = |name: &str| match kind {
        UsernameKind::Username => false,
        UsernameKind::Email => name == "email",
        UsernameKind::Phone => name == "phone_number",
        UsernameKind::EmailOrPhone => name == "email" || name == "phone_number",
    };
    let mut fields: Vec<AttributeField> = Vec::new();
    for verifiable in &pool.settings.auto_verified_attributes {
        let name = verifiable.as_str();
        if !is_username(name) {
            fields.push(AttributeField {
                name: name.to_owned(),
                kind: field_kind(pool, name),
                required: pool.attribute(name).is_some_and(|a| a.required),
            });
        }
    }
    for attribute in &pool.schema {
        let name = attribute.name.as_str();
        if attribute.required
            && name != "sub"
            && !is_username(name)
            && !fields.iter().any(|f| f.name == name)
        {
            fields.push(AttributeField {
                name: name.to_owned(),
                kind: field_kind(pool, name),
                required: true,
            });
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_urls() {
        assert_eq!(
            origin_of("https://app.example.com/cb?x=1").as_deref(),
            Some("https://app.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin_of("myapp://callback").as_deref(),
            Some("myapp://callback")
        );
        assert_eq!(origin_of("not a url"), None);
    }

    #[test]
    fn csrf_cookies_have_one_shape() {
        assert!(is_csrf_cookie(&"a".repeat(32)));
        assert!(!is_csrf_cookie(&"a".repeat(31)));
        assert!(!is_csrf_cookie(&format!("{};", "a".repeat(31))));
    }
}
