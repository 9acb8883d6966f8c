//! The hosted pages as HTML: what the domain decided to show ([`Shown`]) turned into a form
//! of compile-time, auto-escaping templates (`templates/hosted/`), and the few plain pages
//! (errors, signed out). Every page goes out with the same security headers.
//!
//! A page is plain HTML and CSS: it works without JavaScript, labels every input, ties each
//! error to its input (`aria-describedby`), and keeps the focus order of the document.

use std::collections::BTreeMap;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::branding::Look;
use cognate_domain::hosted_ui::{
    AttributeField, CSRF_FIELD, Context, FLOW_FIELD, FieldError, FieldKind, Page, SESSION_FIELD,
    Shown, UsernameKind,
};
use cognate_domain::oauth::authorize::AuthorizeRequest;

use super::wire::AUTHORIZE_PARAMS;

/// The stylesheet every page links (served at [`STYLESHEET_PATH`]).
pub const STYLESHEET: &str = include_str!("../../templates/hosted/cognate.css");
pub const STYLESHEET_PATH: &str = "/static/cognate.css";

/// What the layout of every page needs.
struct Layout {
    title: String,
    stylesheets: Vec<String>,
    logo: Option<String>,
    logo_alt: String,
    notice: Option<String>,
    errors: Vec<String>,
}

struct Input {
    id: String,
    name: String,
    label: String,
    kind: &'static str,
    autocomplete: Option<&'static str>,
    inputmode: Option<&'static str>,
    value: String,
    required: bool,
    autofocus: bool,
    hint: Option<String>,
    error: Option<String>,
    described_by: String,
}

struct Link {
    before: String,
    href: String,
    text: String,
}

#[derive(Template)]
#[template(path = "hosted/form.html")]
struct FormPage {
    layout: Layout,
    description: Vec<String>,
    /// False on a sign-in page with only provider buttons.
    form: bool,
    action: &'static str,
    hidden: Vec<(String, String)>,
    inputs: Vec<Input>,
    submit: String,
    secondary: Option<(String, String)>,
    /// One submit button per choice: (value of `factor`, label).
    choices: Vec<(String, String)>,
    /// A QR code (a `data:` URL) and the secret it encodes, on the authenticator setup page.
    qr: Option<String>,
    secret: Option<String>,
    links: Vec<Link>,
    /// On the sign-in page of a client whose SAML providers all have IdpIdentifiers: the
    /// email box (a GET to `/login/discover`) with the request's parameters.
    discovery: Option<Vec<(String, String)>>,
}

#[derive(Template)]
#[template(path = "hosted/message.html")]
struct MessagePage {
    layout: Layout,
    lines: Vec<String>,
    code: Option<String>,
    detail: String,
    links: Vec<Link>,
}

/// The query string that carries an authorization request (and `extra`) to another page.
pub fn page_query(request: &AuthorizeRequest, extra: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, &str)> = authorize_pairs(request);
    pairs.extend_from_slice(extra);
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

fn authorize_pairs(request: &AuthorizeRequest) -> Vec<(&'static str, &str)> {
    let values = [
        &request.response_type,
        &request.client_id,
        &request.redirect_uri,
        &request.state,
        &request.scope,
        &request.code_challenge,
        &request.code_challenge_method,
        &request.nonce,
        &request.prompt,
        &request.identity_provider,
        &request.idp_identifier,
    ];
    AUTHORIZE_PARAMS
        .iter()
        .zip(values)
        .filter_map(|(name, value)| value.as_deref().map(|v| (*name, v)))
        .collect()
}

fn stylesheets_and_logo(look: &Look) -> (Vec<String>, Option<String>) {
    let base = format!("{STYLESHEET_PATH}?v={}", env!("CARGO_PKG_VERSION"));
    match look {
        Look::Default => (vec![base], None),
        Look::Classic {
            client_key,
            version,
            has_css,
            has_logo,
        } => {
            let query = serde_urlencoded::to_string([
                ("client_id", client_key.as_str()),
                ("v", &version.to_string()),
            ])
            .unwrap_or_default();
            let mut sheets = vec![base];
            if *has_css {
                sheets.push(format!("/ui/custom.css?{query}"));
            }
            (sheets, has_logo.then(|| format!("/ui/logo?{query}")))
        }
        Look::Managed {
            branding_id,
            version,
            has_logo,
        } => (
            vec![
                base,
                format!("/ui/branding/{branding_id}/style.css?v={version}"),
            ],
            has_logo.then(|| format!("/ui/branding/{branding_id}/logo?v={version}")),
        ),
    }
}

fn layout(context: Option<&Context>, title: &str) -> Layout {
    let (stylesheets, logo) = match context {
        Some(context) => stylesheets_and_logo(&context.look),
        None => stylesheets_and_logo(&Look::Default),
    };
    Layout {
        title: title.to_owned(),
        stylesheets,
        logo,
        logo_alt: "Logo".to_owned(),
        notice: None,
        errors: Vec::new(),
    }
}

fn username_label(kind: UsernameKind) -> (&'static str, &'static str, Option<&'static str>) {
    match kind {
        UsernameKind::Username => ("Username", "text", None),
        UsernameKind::Email => ("Email address", "email", Some("email")),
        UsernameKind::Phone => ("Phone number", "tel", Some("tel")),
        UsernameKind::EmailOrPhone => ("Email address or phone number", "text", None),
    }
}

/// A person's name for an attribute.
fn attribute_label(name: &str) -> String {
    match name {
        "email" => "Email address".to_owned(),
        "phone_number" => "Phone number".to_owned(),
        "given_name" => "Given name".to_owned(),
        "family_name" => "Family name".to_owned(),
        "middle_name" => "Middle name".to_owned(),
        "preferred_username" => "Preferred username".to_owned(),
        "birthdate" => "Date of birth".to_owned(),
        "zoneinfo" => "Time zone".to_owned(),
        "updated_at" => "Updated at".to_owned(),
        other => {
            let bare = other.strip_prefix("custom:").unwrap_or(other);
            let mut label = bare.replace('_', " ");
            if let Some(first) = label.get(..1) {
                label = first.to_uppercase() + &label[1..];
            }
            label
        }
    }
}

/// The inputs of a page, built one by one and then given their values and errors.
struct Inputs<'a> {
    values: &'a BTreeMap<String, String>,
    inputs: Vec<Input>,
}

impl<'a> Inputs<'a> {
    fn new(values: &'a BTreeMap<String, String>) -> Self {
        Inputs {
            values,
            inputs: Vec::new(),
        }
    }

    fn push(
        &mut self,
        name: &str,
        label: &str,
        kind: &'static str,
        autocomplete: Option<&'static str>,
        required: bool,
    ) -> &mut Input {
        // Secrets and codes are never sent back to the browser.
        let keep_value = !matches!(kind, "password") && name != "code";
        let value = if keep_value {
            self.values.get(name).cloned().unwrap_or_default()
        } else {
            String::new()
        };
        self.inputs.push(Input {
            id: name.replace(':', "-"),
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
            autocomplete,
            inputmode: None,
            value,
            required,
            autofocus: false,
            hint: None,
            error: None,
            described_by: String::new(),
        });
        let last = self.inputs.len() - 1;
        &mut self.inputs[last]
    }

    fn username(&mut self, kind: UsernameKind) {
        let (label, input_kind, _) = username_label(kind);
        self.push("username", label, input_kind, Some("username"), true);
    }

    fn password(&mut self, name: &str, label: &str, new: bool, hint: Option<String>) {
        let autocomplete = if new {
            "new-password"
        } else {
            "current-password"
        };
        self.push(name, label, "password", Some(autocomplete), true)
            .hint = hint;
    }

    fn code(&mut self) {
        let input = self.push(
            "code",
            "Verification code",
            "text",
            Some("one-time-code"),
            true,
        );
        input.inputmode = Some("numeric");
    }

    fn attributes(&mut self, fields: &[AttributeField]) {
        for field in fields {
            let (kind, autocomplete, mode) = match field.kind {
                FieldKind::Email => ("email", Some("email"), None),
                FieldKind::Phone => ("tel", Some("tel"), None),
                FieldKind::Date => ("date", Some("bday"), None),
                FieldKind::Number => ("text", None, Some("numeric")),
                FieldKind::Text => ("text", standard_autocomplete(&field.name), None),
            };
            let label = attribute_label(&field.name);
            let input = self.push(&field.name, &label, kind, autocomplete, field.required);
            input.inputmode = mode;
            if field.kind == FieldKind::Phone {
                input.hint = Some("With the country code, for example +14155550100.".to_owned());
            }
        }
    }

    /// Puts each error next to its input and returns those that belong to the form as a
    /// whole; focuses the first input in error (or the first input).
    fn finish(mut self, errors: &[FieldError]) -> (Vec<Input>, Vec<String>) {
        let mut general = Vec::new();
        for error in errors {
            match self.inputs.iter_mut().find(|i| i.name == error.field) {
                Some(input) if input.error.is_none() => input.error = Some(error.message.clone()),
                Some(_) => {}
                None => general.push(error.message.clone()),
            }
        }
        for input in &mut self.inputs {
            let mut ids = Vec::new();
            if input.hint.is_some() {
                ids.push(format!("{}-hint", input.id));
            }
            if input.error.is_some() {
                ids.push(format!("{}-error", input.id));
            }
            input.described_by = ids.join(" ");
        }
        let focus = self
            .inputs
            .iter()
            .position(|i| i.error.is_some())
            .unwrap_or(0);
        if let Some(input) = self.inputs.get_mut(focus) {
            input.autofocus = true;
        }
        (self.inputs, general)
    }
}

fn standard_autocomplete(name: &str) -> Option<&'static str> {
    Some(match name {
        "name" => "name",
        "given_name" => "given-name",
        "family_name" => "family-name",
        "middle_name" => "additional-name",
        "nickname" => "nickname",
        "address" => "street-address",
        "locale" => "language",
        "website" | "profile" | "picture" => "url",
        "gender" => "sex",
        _ => return None,
    })
}

/// The password policy in words, shown under a new password.
fn policy_hint(context: &Context) -> String {
    let policy = &context.password_policy;
    let mut needs = Vec::new();
    if policy.require_lowercase {
        needs.push("a lowercase letter");
    }
    if policy.require_uppercase {
        needs.push("an uppercase letter");
    }
    if policy.require_numbers {
        needs.push("a number");
    }
    if policy.require_symbols {
        needs.push("a symbol");
    }
    let mut hint = format!("At least {} characters", policy.minimum_length);
    if !needs.is_empty() {
        hint.push_str(", with ");
        hint.push_str(&join_words(&needs));
    }
    hint.push('.');
    hint
}

fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Everything a page needs to render, besides what the domain decided.
pub struct Render<'a> {
    /// The authorization request the page carries along.
    pub authorize: &'a AuthorizeRequest,
    /// What the browser sent (query or form), to fill the fields in again.
    pub values: &'a BTreeMap<String, String>,
}

/// The hidden fields of the email box, when the sign-in page shows one.
fn discovery_fields(shown: &Shown, render: &Render<'_>) -> Option<Vec<(String, String)>> {
    let login = matches!(shown.page, Page::Login);
    (login && shown.context.email_discovery).then(|| {
        authorize_pairs(render.authorize)
            .into_iter()
            .filter(|(name, _)| !matches!(*name, "identity_provider" | "idp_identifier"))
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    })
}

/// One link per outside provider of the client, each starting `/oauth2/authorize` with
/// the page's request and `identity_provider`.
fn provider_buttons(context: &Context, authorize: &AuthorizeRequest) -> Vec<Link> {
    let mut without_provider = authorize.clone();
    without_provider.identity_provider = None;
    without_provider.idp_identifier = None;
    context
        .identity_providers
        .iter()
        .map(|provider| Link {
            before: String::new(),
            href: format!(
                "/oauth2/authorize?{}",
                page_query(
                    &without_provider,
                    &[("identity_provider", provider.as_str())]
                )
            ),
            text: format!("Sign in with {provider}"),
        })
        .collect()
}

/// A page the domain decided to show.
pub fn shown_page(shown: &Shown, render: &Render<'_>) -> Response {
    let context = &shown.context;
    let query = |extra: &[(&str, &str)]| page_query(render.authorize, extra);
    let mut hidden: Vec<(String, String)> = authorize_pairs(render.authorize)
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    hidden.push((CSRF_FIELD.to_owned(), context.csrf_token.clone()));
    let mut inputs = Inputs::new(render.values);
    let mut description = Vec::new();
    let mut links = Vec::new();
    let mut secondary = None;
    let mut choices = Vec::new();
    let mut qr = None;
    let mut secret = None;
    let mut form = true;
    let (title, action, submit) = match &shown.page {
        Page::Login => {
            links.extend(provider_buttons(context, render.authorize));
            if context.local_sign_in {
                inputs.username(context.username_kind);
                inputs.password("password", "Password", false, None);
                links.push(Link {
                    before: String::new(),
                    href: format!("/forgotPassword?{}", query(&[])),
                    text: "Forgot your password?".to_owned(),
                });
                if context.sign_up_allowed {
                    links.push(Link {
                        before: "Need an account? ".to_owned(),
                        href: format!("/signup?{}", query(&[])),
                        text: "Sign up".to_owned(),
                    });
                }
            } else {
                // The client's users come only from its providers: their buttons, no form.
                form = false;
            }
            ("Sign in", "/login", "Sign in")
        }
        Page::NewPassword { session, fields } => {
            description
                .push("Your password is temporary. Choose a new one to continue.".to_owned());
            hidden.push((SESSION_FIELD.to_owned(), session.clone()));
            inputs.password("password", "New password", true, Some(policy_hint(context)));
            inputs.password("password_confirm", "Confirm new password", true, None);
            inputs.attributes(fields);
            ("Choose a new password", "/newPassword", "Change password")
        }
        Page::SignUp { fields } => {
            inputs.username(context.username_kind);
            inputs.attributes(fields);
            inputs.password("password", "Password", true, Some(policy_hint(context)));
            inputs.password("password_confirm", "Confirm password", true, None);
            links.push(Link {
                before: "Already have an account? ".to_owned(),
                href: format!("/login?{}", query(&[])),
                text: "Sign in".to_owned(),
            });
            ("Sign up", "/signup", "Sign up")
        }
        Page::Confirm { destination, flow } => {
            description.push(sent_to(destination.as_deref()));
            push_flow(&mut hidden, flow);
            inputs.username(context.username_kind);
            inputs.code();
            secondary = Some(("resend".to_owned(), "Send a new code".to_owned()));
            ("Confirm your account", "/confirm", "Confirm")
        }
        Page::ConfirmUser => {
            description.push("Select the button to confirm your account.".to_owned());
            hidden = ["client_id", "user_name", "confirmation_code"]
                .iter()
                .map(|n| {
                    let value = render.values.get(*n).cloned().unwrap_or_default();
                    ((*n).to_owned(), value)
                })
                .collect();
            hidden.push((CSRF_FIELD.to_owned(), context.csrf_token.clone()));
            ("Confirm your account", "/confirmUser", "Confirm my account")
        }
        Page::Confirmed { sign_in } => {
            let links = sign_in
                .iter()
                .map(|request| Link {
                    before: String::new(),
                    href: format!("/login?{}", page_query(request, &[])),
                    text: "Sign in".to_owned(),
                })
                .collect();
            return message_page(
                StatusCode::OK,
                Some(context),
                "Account confirmed",
                vec!["Your account is confirmed.".to_owned()],
                links,
            );
        }
        Page::ForgotPassword => {
            description.push(
                "Enter your username and we will send you a code to reset your password."
                    .to_owned(),
            );
            inputs.username(context.username_kind);
            links.push(Link {
                before: String::new(),
                href: format!("/login?{}", query(&[])),
                text: "Back to sign in".to_owned(),
            });
            (
                "Forgot your password?",
                "/forgotPassword",
                "Reset my password",
            )
        }
        Page::ConfirmForgotPassword { destination, flow } => {
            description.push(sent_to(destination.as_deref()));
            push_flow(&mut hidden, flow);
            inputs.username(context.username_kind);
            inputs.code();
            inputs.password("password", "New password", true, Some(policy_hint(context)));
            inputs.password("password_confirm", "Confirm new password", true, None);
            secondary = Some(("resend".to_owned(), "Send a new code".to_owned()));
            (
                "Reset your password",
                "/confirmforgotPassword",
                "Change password",
            )
        }
        Page::MfaCode {
            session,
            factor,
            destination,
        } => {
            hidden.push((SESSION_FIELD.to_owned(), session.clone()));
            description.push(match (factor.as_str(), destination) {
                ("SOFTWARE_TOKEN_MFA", _) => {
                    "Enter the code your authenticator app shows.".to_owned()
                }
                (_, destination) => sent_to(destination.as_deref()),
            });
            inputs.code();
            ("Enter your code", "/mfa", "Sign in")
        }
        Page::SelectMfa {
            session,
            choices: factors,
        } => {
            hidden.push((SESSION_FIELD.to_owned(), session.clone()));
            description.push("How would you like to receive your sign-in code?".to_owned());
            choices = factors
                .iter()
                .map(|f| (f.clone(), factor_label(f).to_owned()))
                .collect();
            ("Choose how to sign in", "/selectMfa", "")
        }
        Page::MfaSetup {
            session,
            secret: key,
            uri,
        } => {
            hidden.push((SESSION_FIELD.to_owned(), session.clone()));
            description.push(
                "This account needs a second factor. Scan the QR code with an authenticator app, then enter the code it shows."
                    .to_owned(),
            );
            qr = qr_data_url(uri);
            secret = Some(key.clone());
            inputs.code();
            inputs.push(
                "device_name",
                "Name of this authenticator",
                "text",
                Some("off"),
                false,
            );
            (
                "Set up your authenticator app",
                "/mfaSetup",
                "Verify and sign in",
            )
        }
    };
    let (inputs, general) = inputs.finish(&shown.errors);
    let mut layout = layout(Some(context), title);
    layout.notice = shown.notice.as_ref().map(|n| n.message());
    layout.errors = general;
    let page = FormPage {
        layout,
        description,
        form,
        action,
        hidden,
        inputs,
        submit: submit.to_owned(),
        secondary,
        choices,
        qr,
        secret,
        links,
        discovery: discovery_fields(shown, render),
    };
    let form_action = if leads_onward(render.authorize) {
        FormAction::Unrestricted
    } else {
        match context.redirect_origin.as_deref() {
            Some(origin) => FormAction::DomainAnd(origin),
            None => FormAction::Domain,
        }
    };
    render_template(StatusCode::OK, &page, form_action)
}

fn factor_label(factor: &str) -> &str {
    match factor {
        "SMS_MFA" => "Text message (SMS)",
        "EMAIL_OTP" => "Email",
        "SOFTWARE_TOKEN_MFA" => "Authenticator app",
        other => other,
    }
}

/// A QR code of `text` as an SVG `data:` URL (the page's CSP allows `data:` images only).
fn qr_data_url(text: &str) -> Option<String> {
    use base64::Engine;
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

fn push_flow(hidden: &mut Vec<(String, String)>, flow: &Option<String>) {
    if let Some(flow) = flow {
        hidden.push((FLOW_FIELD.to_owned(), flow.clone()));
    }
}

fn sent_to(destination: Option<&str>) -> String {
    match destination {
        Some(destination) => format!("We sent a code to {destination}. Enter it below."),
        None => "Enter the code we sent you.".to_owned(),
    }
}

fn message_page(
    status: StatusCode,
    context: Option<&Context>,
    title: &str,
    lines: Vec<String>,
    links: Vec<Link>,
) -> Response {
    let page = MessagePage {
        layout: layout(context, title),
        lines,
        code: None,
        detail: String::new(),
        links,
    };
    render_template(status, &page, FormAction::Domain)
}

/// An error that must not be sent to the client (unknown client, redirect mismatch).
pub fn error_page(status: StatusCode, code: &str, description: &str) -> Response {
    let page = MessagePage {
        layout: layout(None, "Something went wrong"),
        lines: vec!["An error was encountered with the requested page.".to_owned()],
        code: Some(code.to_owned()),
        detail: description.to_owned(),
        links: Vec::new(),
    };
    render_template(status, &page, FormAction::Domain)
}

/// The page after a logout with nowhere to go.
pub fn signed_out_page() -> Response {
    message_page(
        StatusCode::OK,
        None,
        "Signed out",
        vec!["You are signed out.".to_owned()],
        Vec::new(),
    )
}

/// Where a page's forms may lead, as the CSP's `form-action` says.
enum FormAction<'a> {
    /// Only to the domain.
    Domain,
    /// To the domain, and on to the client's redirect URI (this origin).
    DomainAnd(&'a str),
    /// Anywhere: see [`leads_onward`].
    Unrestricted,
}

/// Whether the client's redirect URI is another identity server's federation callback
/// (`…/oauth2/idpresponse`, a downstream Cognito or Cognate pool): that server sends the
/// browser on to its own app, and Chromium checks `form-action` against every redirect of a
/// form submission, so a domain-and-callback policy would stop the sign-in there. The pages
/// have no scripts and escape every value, so no injected form can use the freedom.
fn leads_onward(authorize: &AuthorizeRequest) -> bool {
    authorize
        .redirect_uri
        .as_deref()
        .and_then(|uri| url_path(uri))
        .is_some_and(|path| path.ends_with("/oauth2/idpresponse"))
}

/// The path of an absolute URL (without query or fragment).
fn url_path(uri: &str) -> Option<&str> {
    let rest = uri.split_once("://")?.1;
    let path = &rest[rest.find('/')?..];
    Some(path.split(['?', '#']).next().unwrap_or(path))
}

fn render_template(
    status: StatusCode,
    page: &impl Template,
    form_target: FormAction<'_>,
) -> Response {
    match page.render() {
        Ok(html) => with_security_headers((status, html).into_response(), form_target),
        Err(e) => {
            tracing::error!(error = %e, "rendering a hosted page failed");
            with_security_headers(
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error.").into_response(),
                FormAction::Domain,
            )
        }
    }
}

/// The headers of every page: never cached, never framed, no sniffing, no referrer outside
/// the domain, and a policy that allows only the domain's own styles and images. Forms may
/// post only to the domain, and be redirected to the client's redirect URI, which browsers
/// check against `form-action` too (see [`FormAction`]).
fn with_security_headers(mut response: Response, form_action: FormAction<'_>) -> Response {
    let mut policy = String::from(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    );
    match form_action {
        FormAction::Domain => policy.push_str("; form-action 'self'"),
        FormAction::DomainAnd(target) if is_csp_source(target) => {
            policy.push_str("; form-action 'self' ");
            policy.push_str(target);
        }
        FormAction::DomainAnd(_) => policy.push_str("; form-action 'self'"),
        FormAction::Unrestricted => {}
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert("content-security-policy", value);
    }
    response
}

/// An origin that can stand in a CSP source list as it is (no spaces, quotes or separators).
fn is_csp_source(origin: &str) -> bool {
    !origin.is_empty()
        && origin
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:/[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_federation_callbacks_lead_onward() {
        let with = |uri: &str| AuthorizeRequest {
            redirect_uri: Some(uri.to_owned()),
            ..AuthorizeRequest::default()
        };
        assert!(leads_onward(&with(
            "https://a.auth.us-east-1.amazoncognito.com/oauth2/idpresponse"
        )));
        assert!(leads_onward(&with(
            "http://b.auth.localhost:9400/oauth2/idpresponse?x=1"
        )));
        assert!(!leads_onward(&with("https://app.example.com/callback")));
        assert!(!leads_onward(&with(
            "https://app.example.com/cb?next=/oauth2/idpresponse"
        )));
        assert!(!leads_onward(&AuthorizeRequest::default()));
    }

    #[test]
    fn page_queries_keep_only_authorization_parameters_and_extras() {
        let request = AuthorizeRequest {
            client_id: Some("abc".to_owned()),
            state: Some("a b&c".to_owned()),
            ..AuthorizeRequest::default()
        };
        assert_eq!(
            page_query(&request, &[("username", "ann")]),
            "client_id=abc&state=a+b%26c&username=ann"
        );
    }

    #[test]
    fn errors_are_escaped_and_tied_to_their_fields() {
        let values = BTreeMap::from([("username".to_owned(), "\"><script>".to_owned())]);
        let mut inputs = Inputs::new(&values);
        inputs.username(UsernameKind::Username);
        inputs.password("password", "Password", false, None);
        let (inputs, general) = inputs.finish(&[
            FieldError::new("password", "Wrong <b>"),
            FieldError::new("form", "Try later."),
        ]);
        assert_eq!(general, vec!["Try later."]);
        assert_eq!(inputs[1].described_by, "password-error");
        assert!(inputs[1].autofocus);
        let page = FormPage {
            layout: layout(None, "Sign in"),
            description: Vec::new(),
            form: true,
            action: "/login",
            hidden: vec![("state".to_owned(), "\"x".to_owned())],
            inputs,
            submit: "Sign in".to_owned(),
            secondary: None,
            choices: Vec::new(),
            qr: None,
            secret: None,
            links: Vec::new(),
            discovery: None,
        };
        let html = page.render().unwrap_or_default();
        assert!(
            html.contains("value=\"&#34;&#62;&#60;script&#62;\""),
            "{html}"
        );
        assert!(html.contains("Wrong &#60;b&#62;"), "{html}");
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn qr_codes_are_svg_data_urls() {
        use base64::Engine;
        let url = qr_data_url("otpauth://totp/Pool:ann?secret=ABC&issuer=Pool").unwrap_or_default();
        let encoded = url
            .strip_prefix("data:image/svg+xml;base64,")
            .unwrap_or_default();
        let svg = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap_or_default();
        let svg = String::from_utf8(svg).unwrap_or_default();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("<path") || svg.contains("<rect"), "{svg}");
    }

    #[test]
    fn policies_read_as_words() {
        assert_eq!(join_words(&["a", "b", "c"]), "a, b and c");
        assert_eq!(
            attribute_label("custom:favourite_colour"),
            "Favourite colour"
        );
    }
}
