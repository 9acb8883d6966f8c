//! The second factor on the hosted pages: the code of SMS_MFA, EMAIL_OTP or
//! SOFTWARE_TOKEN_MFA (`/mfa`), the choice of SELECT_MFA_TYPE (`/selectMfa`), and enrolling an
//! authenticator app when the pool requires MFA and the user has none (`/mfaSetup`).
//!
//! The pages run the same challenges as RespondToAuthChallenge (`auth::mfa`): the pool's
//! MfaConfiguration and the user's factors decide which appears, codes go out through the
//! same senders, and wrong, expired and reused codes fail the same way. Each page carries the
//! challenge's Session inside a sealed step bound to this browser, so a Session lifted from
//! one browser's page is useless in another.

use serde::{Deserialize, Serialize};

use super::field_errors::{FORM, field_error};
use super::{FieldError, Outcome, Page, PageForm, SESSION_FIELD};
use crate::Domain;
use crate::auth::one_time_codes::code_parameter;
use crate::auth::second_factor::{SecondFactor, TokenSource};
use crate::auth::{AuthOutcome, Caller};
use crate::enums::MfaFactor;
use crate::error::{Error, ErrorKind, Reason};
use crate::mfa_settings::Enrolment;
use crate::oauth::authorize::Checked;
use crate::oauth::{HostedSite, OAuthResult};
use crate::triggers::ClientMetadata;
use crate::user::User;

/// How long a challenge page may wait for its answer (the challenge's own Session may end
/// sooner: AuthSessionValidity).
const STEP_LIFETIME_SECS: i64 = 900;

/// What a challenge page carries, sealed into its [`SESSION_FIELD`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MfaStep {
    /// The challenge's Session, as RespondToAuthChallenge would get it.
    inner: String,
    /// SMS_MFA, EMAIL_OTP, SOFTWARE_TOKEN_MFA, SELECT_MFA_TYPE or MFA_SETUP.
    challenge: String,
    username: String,
    destination: Option<String>,
    choices: Vec<String>,
    /// The authenticator secret being enrolled (base32), on the setup page.
    secret: Option<String>,
    /// A keyed hash of the browser's CSRF cookie.
    browser: String,
}

/// The challenge pages' answer to a failure: the same page with the error, or sign in again.
enum Failure {
    Again(FieldError),
    StartOver,
}

fn caller_of(checked: &Checked) -> Caller {
    Caller {
        pool: checked.pool.clone(),
        client: checked.client.clone(),
        admin: false,
        client_metadata: ClientMetadata::new(),
    }
}

fn start_over_error() -> FieldError {
    FieldError::new(FORM, "This page expired. Please sign in again.")
}

impl Domain {
    /// After the password: the pool's MFA decides whether a challenge page comes first.
    pub(super) async fn hosted_second_factor(
        &self,
        site: &HostedSite,
        checked: &Checked,
        form: &PageForm,
        user: User,
    ) -> OAuthResult<Outcome> {
        let caller = caller_of(checked);
        let username = user.username.clone();
        match self
            .second_factor_step(&caller, user, None, TokenSource::Authentication)
            .await?
        {
            SecondFactor::Done(user) => self.finish_hosted_sign_in(site, checked, &user).await,
            SecondFactor::Challenge(outcome) => {
                self.challenge_page(site, checked, form, &username, outcome, Vec::new())
                    .await
            }
        }
    }

    /// The page of a challenge RespondToAuthChallenge would have answered.
    async fn challenge_page(
        &self,
        site: &HostedSite,
        checked: &Checked,
        form: &PageForm,
        username: &str,
        outcome: AuthOutcome,
        errors: Vec<FieldError>,
    ) -> OAuthResult<Outcome> {
        let AuthOutcome::Challenge {
            name,
            session: Some(inner),
            parameters,
        } = outcome
        else {
            return Err(Error::internal("a hosted challenge without a Session").into());
        };
        let mut step = MfaStep {
            inner,
            challenge: name.clone(),
            username: username.to_owned(),
            destination: parameters.get("CODE_DELIVERY_DESTINATION").cloned(),
            choices: Vec::new(),
            secret: None,
            browser: self.browser_binding(&form.browser),
        };
        match name.as_str() {
            "SELECT_MFA_TYPE" => {
                step.choices = parameters
                    .get("MFAS_CAN_CHOOSE")
                    .and_then(|list| serde_json::from_str(list).ok())
                    .unwrap_or_default();
            }
            "MFA_SETUP" => {
                let can_setup: Vec<String> = parameters
                    .get("MFAS_CAN_SETUP")
                    .and_then(|list| serde_json::from_str(list).ok())
                    .unwrap_or_default();
                if !can_setup
                    .iter()
                    .any(|f| f == MfaFactor::SoftwareToken.as_str())
                {
                    let error = FieldError::new(
                        FORM,
                        "This account needs a second factor, which only your administrator can set up.",
                    );
                    return self
                        .show(site, checked, &form.browser, Page::Login, vec![error], None)
                        .await;
                }
                let associated = self
                    .associate_software_token(Enrolment::Session(&step.inner))
                    .await?;
                step.inner = associated
                    .session
                    .ok_or_else(|| Error::internal("AssociateSoftwareToken gave no Session"))?;
                step.secret = Some(associated.secret_code);
            }
            "SMS_MFA" | "EMAIL_OTP" | "SOFTWARE_TOKEN_MFA" => {}
            other => {
                return Err(
                    Error::internal(format!("no hosted page for the {other} challenge")).into(),
                );
            }
        }
        self.show_step(site, checked, form, step, errors).await
    }

    async fn show_step(
        &self,
        site: &HostedSite,
        checked: &Checked,
        form: &PageForm,
        step: MfaStep,
        errors: Vec<FieldError>,
    ) -> OAuthResult<Outcome> {
        let session = self.session_string(
            "hosted-mfa",
            &checked.pool.id,
            &checked.client.client_id,
            STEP_LIFETIME_SECS,
            &step,
        )?;
        let page = match step.challenge.as_str() {
            "SELECT_MFA_TYPE" => Page::SelectMfa {
                session,
                choices: step.choices.clone(),
            },
            "MFA_SETUP" => Page::MfaSetup {
                session,
                secret: step.secret.clone().unwrap_or_default(),
                uri: otpauth_uri(
                    &checked.pool.name,
                    &step.username,
                    step.secret.as_deref().unwrap_or_default(),
                ),
            },
            factor => Page::MfaCode {
                session,
                factor: factor.to_owned(),
                destination: step.destination.clone(),
            },
        };
        self.show(site, checked, &form.browser, page, errors, None)
            .await
    }

    /// Opens a challenge page's step: genuine, live, of this client and browser.
    fn open_mfa_step(&self, checked: &Checked, form: &PageForm) -> Option<MfaStep> {
        let opened = self
            .open_session_string::<MfaStep>(
                "hosted-mfa",
                &form.raw(SESSION_FIELD),
                &checked.client.client_id,
            )
            .ok()?;
        (opened.state.browser == self.browser_binding(&form.browser)).then_some(opened.state)
    }

    /// What every challenge page's POST does first: the request, the CSRF token, the step.
    async fn posted_step(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<Result<(Checked, MfaStep), Outcome>> {
        let checked = match self.check_authorize(site, &form.authorize).await? {
            Ok(checked) => checked,
            Err(redirect) => return Ok(Err(Outcome::Redirect(redirect))),
        };
        let Some(step) = self.open_mfa_step(&checked, form) else {
            let page = self
                .show(
                    site,
                    &checked,
                    &form.browser,
                    Page::Login,
                    vec![start_over_error()],
                    None,
                )
                .await?;
            return Ok(Err(page));
        };
        if !self.csrf_ok(site, form) {
            let page = self
                .show_step(
                    site,
                    &checked,
                    form,
                    step,
                    vec![super::signin::expired_page()],
                )
                .await?;
            return Ok(Err(page));
        }
        Ok(Ok((checked, step)))
    }

    /// The responses RespondToAuthChallenge would get from a client: the username and, when
    /// the client has a secret, its hash.
    fn step_responses(
        &self,
        checked: &Checked,
        step: &MfaStep,
    ) -> OAuthResult<std::collections::BTreeMap<String, String>> {
        let mut responses = std::collections::BTreeMap::new();
        responses.insert("USERNAME".to_owned(), step.username.clone());
        if let Some(hash) = self.hosted_secret_hash(&checked.client, &step.username)? {
            responses.insert("SECRET_HASH".to_owned(), hash);
        }
        Ok(responses)
    }

    async fn after_failure(
        &self,
        site: &HostedSite,
        checked: &Checked,
        form: &PageForm,
        step: MfaStep,
        e: Error,
    ) -> OAuthResult<Outcome> {
        match failure(checked, e)? {
            Failure::Again(error) => self.show_step(site, checked, form, step, vec![error]).await,
            Failure::StartOver => {
                self.show(
                    site,
                    checked,
                    &form.browser,
                    Page::Login,
                    vec![start_over_error()],
                    None,
                )
                .await
            }
        }
    }

    /// `POST /mfa`: the code of SMS_MFA, EMAIL_OTP or SOFTWARE_TOKEN_MFA.
    pub async fn hosted_mfa(&self, site: &HostedSite, form: &PageForm) -> OAuthResult<Outcome> {
        let (checked, step) = match self.posted_step(site, form).await? {
            Ok(posted) => posted,
            Err(outcome) => return Ok(outcome),
        };
        let Some(factor) = MfaFactor::parse(&step.challenge) else {
            return self
                .after_failure(site, &checked, form, step, Error::session_expired())
                .await;
        };
        let code = form.field("code");
        if code.is_empty() {
            let error = FieldError::new("code", "Enter the code.");
            return self
                .show_step(site, &checked, form, step, vec![error])
                .await;
        }
        let mut responses = self.step_responses(&checked, &step)?;
        responses.insert(code_parameter(factor, false).to_owned(), code);
        let caller = caller_of(&checked);
        match self
            .verify_mfa_answer(&caller, factor, Some(&step.inner), &responses)
            .await
        {
            Ok(user) => self.finish_hosted_sign_in(site, &checked, &user).await,
            Err(e) => self.after_failure(site, &checked, form, step, e).await,
        }
    }

    /// `POST /selectMfa`: the factor chosen (the button pressed), then its code page.
    pub async fn hosted_select_mfa(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<Outcome> {
        let (checked, step) = match self.posted_step(site, form).await? {
            Ok(posted) => posted,
            Err(outcome) => return Ok(outcome),
        };
        let choice = form.field("factor");
        if !step.choices.contains(&choice) {
            let error = FieldError::new(FORM, "Choose how to receive your code.");
            return self
                .show_step(site, &checked, form, step, vec![error])
                .await;
        }
        let mut responses = self.step_responses(&checked, &step)?;
        responses.insert("ANSWER".to_owned(), choice);
        let caller = caller_of(&checked);
        match self
            .choose_mfa(&caller, Some(&step.inner), &responses)
            .await
        {
            Ok(outcome) => {
                self.challenge_page(site, &checked, form, &step.username, outcome, Vec::new())
                    .await
            }
            Err(e) => self.after_failure(site, &checked, form, step, e).await,
        }
    }

    /// `POST /mfaSetup`: the first code of the new authenticator app enrols it and completes
    /// the sign-in.
    pub async fn hosted_mfa_setup(
        &self,
        site: &HostedSite,
        form: &PageForm,
    ) -> OAuthResult<Outcome> {
        let (checked, step) = match self.posted_step(site, form).await? {
            Ok(posted) => posted,
            Err(outcome) => return Ok(outcome),
        };
        let code = form.field("code");
        if code.is_empty() {
            let error = FieldError::new("code", "Enter the code your authenticator app shows.");
            return self
                .show_step(site, &checked, form, step, vec![error])
                .await;
        }
        let name = Some(form.field("device_name")).filter(|n| !n.is_empty());
        let done = match self
            .verify_software_token(Enrolment::Session(&step.inner), &code, name)
            .await
        {
            Ok(Some(done)) => done,
            Ok(None) => return Err(Error::internal("VerifySoftwareToken gave no Session").into()),
            Err(e) => return self.after_failure(site, &checked, form, step, e).await,
        };
        let responses = self.step_responses(&checked, &step)?;
        let caller = caller_of(&checked);
        match self
            .complete_mfa_setup(&caller, Some(&done), &responses)
            .await
        {
            Ok(user) => self.finish_hosted_sign_in(site, &checked, &user).await,
            Err(e) => self.after_failure(site, &checked, form, step, e).await,
        }
    }
}

/// Sorts a challenge's error: the person can fix it on this page, or must start over.
fn failure(checked: &Checked, e: Error) -> OAuthResult<Failure> {
    match e.kind {
        ErrorKind::InternalError => Err(e.into()),
        ErrorKind::NotAuthorized if e.reason() == Some(Reason::SessionExpired) => {
            Ok(Failure::StartOver)
        }
        ErrorKind::CodeMismatch | ErrorKind::ExpiredCode | ErrorKind::EnableSoftwareTokenMfa => {
            let mut error = field_error(&e, &checked.pool.settings.password_policy, "code");
            error.field = "code".to_owned();
            if e.kind == ErrorKind::EnableSoftwareTokenMfa {
                error.message =
                    "That code is not right. Check your authenticator app and try again."
                        .to_owned();
            }
            Ok(Failure::Again(error))
        }
        _ => Ok(Failure::Again(field_error(
            &e,
            &checked.pool.settings.password_policy,
            "code",
        ))),
    }
}

/// The `otpauth://` URI authenticator apps read (Key Uri Format): issuer and account in the
/// label, the base32 secret, the issuer again as a parameter.
fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret}&issuer={issuer}",
        percent_encode(account)
    )
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otpauth_uris_encode_their_label() {
        assert_eq!(
            otpauth_uri("My Pool", "ann@example.com", "ABC234"),
            "otpauth://totp/My%20Pool:ann%40example.com?secret=ABC234&issuer=My%20Pool"
        );
    }
}
