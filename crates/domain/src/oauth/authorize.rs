//! `/oauth2/authorize`, and the checks and completion every hosted page shares.
//!
//! A request is checked in two stages, as RFC 6749 §4.1.2.1 asks: until the client and its
//! redirect URI are known to be genuine, an error is shown to the user and never sent to the
//! redirect URI (that would make Cognate an open redirector); after that, errors go back to
//! the client on its redirect URI with the request's `state`.

use super::code::{CODE_LIFETIME_SECS, CodeGrant};
use super::{
    HostedSite, OAuthError, OAuthErrorCode, OAuthResult, Redirect, allows_flow, client_scopes,
    parse_scopes,
};
use crate::client::{AppClient, STANDARD_SCOPES};
use crate::enums::{OAuthFlow, UserStatus};
use crate::error::ErrorKind;
use crate::pool::UserPool;
use crate::tokens::{Grant, TokenOptions};
use crate::user::User;
use crate::{Domain, ids};

/// The parameters of `/oauth2/authorize` (and of the sign-in form, which carries them along).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizeRequest {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub nonce: Option<String>,
    pub prompt: Option<String>,
    pub identity_provider: Option<String>,
    pub idp_identifier: Option<String>,
}

impl Checked {
    /// An error for the client on its redirect URI (Cognito's order: `error_description`,
    /// `state`, `error`), for failures after the user left for an outside provider.
    pub fn error_redirect(&self, error: &str, description: &str) -> Redirect {
        let mut params = vec![("error_description", description.to_owned())];
        if let Some(state) = &self.state {
            params.push(("state", state.clone()));
        }
        params.push(("error", error.to_owned()));
        Redirect {
            uri: self.redirect_uri.clone(),
            params,
            fragment: self.kind == ResponseKind::Token,
        }
    }
}

/// Whether the client lets the pool's own users sign in: `COGNITO` among its
/// SupportedIdentityProviders (or no list at all, as for clients made before federation).
pub fn allows_local_sign_in(client: &AppClient) -> bool {
    client
        .settings
        .supported_identity_providers
        .as_ref()
        .is_none_or(|p| p.is_empty() || p.iter().any(|p| p == "COGNITO"))
}

/// Whether the client lists any outside provider.
fn has_outside_providers(client: &AppClient) -> bool {
    client
        .settings
        .supported_identity_providers
        .iter()
        .flatten()
        .any(|p| p != "COGNITO")
}

impl AuthorizeRequest {
    /// Whether the request names an outside provider (`identity_provider` other than
    /// `COGNITO`, or `idp_identifier`): federation then handles it.
    pub fn names_external_provider(&self) -> bool {
        self.identity_provider
            .as_deref()
            .is_some_and(|p| !p.is_empty() && p != "COGNITO")
            || self
                .idp_identifier
                .as_deref()
                .is_some_and(|i| !i.is_empty())
    }
}

/// Where `/oauth2/authorize` sends the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// No usable SSO session (or `prompt=login`): the sign-in page, with the same parameters.
    SignIn,
    /// Back to the client, with a code, tokens, or an error.
    Redirect(Redirect),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResponseKind {
    Code,
    Token,
}

/// A request that passed every check.
pub struct Checked {
    pub pool: UserPool,
    pub client: AppClient,
    pub redirect_uri: String,
    kind: ResponseKind,
    scopes: Vec<String>,
    pub state: Option<String>,
    nonce: Option<String>,
    pkce: Option<(String, String)>,
    prompt_login: bool,
    prompt_none: bool,
}

/// A verdict on a request: the `Err` side must not redirect, the inner `Err` must.
pub type CheckResult = OAuthResult<Result<Checked, Redirect>>;

fn page_error(description: &str) -> OAuthError {
    OAuthError::invalid_request(description)
}

/// An error sent back to the client on its redirect URI (in the fragment for the implicit flow).
fn error_redirect(
    uri: &str,
    fragment: bool,
    code: OAuthErrorCode,
    description: &str,
    state: Option<&str>,
) -> Redirect {
    let mut params = vec![
        ("error", code.as_str().to_owned()),
        ("error_description", description.to_owned()),
    ];
    if let Some(state) = state {
        params.push(("state", state.to_owned()));
    }
    Redirect {
        uri: uri.to_owned(),
        params,
        fragment,
    }
}

/// RFC 7636 §4.2: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl Domain {
    /// Checks a request for a sign-in with the pool's own users (the hosted pages and their
    /// forms): the request's checks, and that the client allows `COGNITO` and names no other
    /// provider. A client without `COGNITO` cannot post the password form, sign up or reset
    /// a password here: its users exist only through its providers.
    pub(crate) async fn check_authorize(
        &self,
        site: &HostedSite,
        request: &AuthorizeRequest,
    ) -> CheckResult {
        self.check_hosted(site, request, false).await
    }

    /// Checks a request for the sign-in page: as [`Domain::check_authorize`], except that a
    /// client without `COGNITO` but with outside providers gets the page (its buttons only).
    pub(crate) async fn check_sign_in_page(
        &self,
        site: &HostedSite,
        request: &AuthorizeRequest,
    ) -> CheckResult {
        self.check_hosted(site, request, true).await
    }

    async fn check_hosted(
        &self,
        site: &HostedSite,
        request: &AuthorizeRequest,
        buttons_suffice: bool,
    ) -> CheckResult {
        let checked = match self.check_authorize_request(site, request).await? {
            Ok(checked) => checked,
            Err(redirect) => return Ok(Err(redirect)),
        };
        let allowed = allows_local_sign_in(&checked.client)
            || (buttons_suffice && has_outside_providers(&checked.client));
        if request.names_external_provider() || !allowed {
            return Ok(Err(error_redirect(
                &checked.redirect_uri,
                checked.kind == ResponseKind::Token,
                OAuthErrorCode::InvalidRequest,
                "unsupported identity provider",
                checked.state.as_deref(),
            )));
        }
        Ok(Ok(checked))
    }

    /// The checks of `/oauth2/authorize` that do not depend on who signs the user in:
    /// client, redirect URI, response type, flows, scopes, PKCE and prompt.
    pub(crate) async fn check_authorize_request(
        &self,
        site: &HostedSite,
        request: &AuthorizeRequest,
    ) -> CheckResult {
        let client_id = request
            .client_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| page_error("client_id is required."))?;
        let client = match self.client_by_id(client_id).await {
            Ok(client) if client.pool_id == site.pool_id => client,
            Ok(_) => return Err(page_error("invalid_client: the client does not exist.")),
            Err(e) if e.kind == ErrorKind::ResourceNotFound => {
                return Err(page_error("invalid_client: the client does not exist."));
            }
            Err(e) => return Err(e.into()),
        };
        let callbacks = client.settings.callback_urls.as_deref().unwrap_or_default();
        let redirect_uri = match request.redirect_uri.as_deref().filter(|r| !r.is_empty()) {
            Some(uri) => uri.to_owned(),
            None => client
                .settings
                .default_redirect_uri
                .clone()
                .ok_or_else(|| page_error("redirect_uri is required."))?,
        };
        // Exact string comparison, as RFC 6749 §3.1.2.3 and OAuth 2.0 Security BCP require.
        if !callbacks.contains(&redirect_uri) {
            return Err(page_error(
                "redirect_mismatch: redirect_uri is not a callback URL of the client.",
            ));
        }
        let pool = self.user_pool(&site.pool_id).await?;
        let state = request.state.clone();
        let kind = match request.response_type.as_deref() {
            Some("code") => ResponseKind::Code,
            Some("token") => ResponseKind::Token,
            other => {
                let (code, description) = match other {
                    None | Some("") => {
                        (OAuthErrorCode::InvalidRequest, "response_type is required.")
                    }
                    Some(_) => (
                        OAuthErrorCode::UnsupportedResponseType,
                        "response_type must be code or token.",
                    ),
                };
                return Ok(Err(error_redirect(
                    &redirect_uri,
                    false,
                    code,
                    description,
                    state.as_deref(),
                )));
            }
        };
        let fragment = kind == ResponseKind::Token;
        let fail = |code: OAuthErrorCode, description: &str| {
            Ok(Err(error_redirect(
                &redirect_uri,
                fragment,
                code,
                description,
                state.as_deref(),
            )))
        };
        let flow = match kind {
            ResponseKind::Code => OAuthFlow::Code,
            ResponseKind::Token => OAuthFlow::Implicit,
        };
        if !allows_flow(&client, flow) {
            return fail(
                OAuthErrorCode::UnauthorizedClient,
                &format!("The client is not allowed the {flow} flow."),
            );
        }
        let allowed = client_scopes(&client);
        let scopes = match request.scope.as_deref().map(parse_scopes) {
            Some(requested) if !requested.is_empty() => requested,
            _ => allowed.clone(),
        };
        let custom = self.custom_scopes(&pool.id).await?;
        if let Some(unknown) = scopes.iter().find(|s| {
            !allowed.contains(s) || !(STANDARD_SCOPES.contains(&s.as_str()) || custom.contains(s))
        }) {
            return fail(
                OAuthErrorCode::InvalidScope,
                &format!("Invalid scope requested: {unknown}"),
            );
        }
        let pkce = match (
            request.code_challenge.as_deref(),
            request.code_challenge_method.as_deref(),
        ) {
            (None, None) => None,
            (None, Some(_)) => {
                return fail(
                    OAuthErrorCode::InvalidRequest,
                    "code_challenge is required with code_challenge_method.",
                );
            }
            (Some(challenge), method) => {
                // Cognito accepts only S256. RFC 7636's `plain` (also what an absent method
                // means) hands the verifier to whoever sees the authorization request.
                let method = method.unwrap_or("plain");
                if method != "S256" {
                    return fail(
                        OAuthErrorCode::InvalidRequest,
                        "code_challenge_method must be S256.",
                    );
                }
                if !is_pkce_value(challenge) {
                    return fail(OAuthErrorCode::InvalidRequest, "Invalid code_challenge.");
                }
                Some((challenge.to_owned(), method.to_owned()))
            }
        };
        let prompts: Vec<&str> = request
            .prompt
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|p| !p.is_empty())
            .collect();
        let prompt_none = prompts.contains(&"none");
        if prompt_none && prompts.len() > 1 {
            return fail(
                OAuthErrorCode::InvalidRequest,
                "prompt=none cannot be combined with other prompts.",
            );
        }
        Ok(Ok(Checked {
            pool,
            client,
            redirect_uri: redirect_uri.clone(),
            kind,
            scopes,
            state: state.clone(),
            nonce: request.nonce.clone(),
            pkce,
            prompt_login: prompts.contains(&"login"),
            prompt_none,
        }))
    }

    /// `GET /oauth2/authorize`: with a live SSO session (the domain's cookie), the code or
    /// tokens; without one, the sign-in page (or `login_required` for `prompt=none`).
    pub async fn authorize(
        &self,
        site: &HostedSite,
        request: &AuthorizeRequest,
        sso_cookie: Option<&str>,
    ) -> OAuthResult<AuthorizeOutcome> {
        let checked = match self.check_sign_in_page(site, request).await? {
            Ok(checked) => checked,
            Err(redirect) => return Ok(AuthorizeOutcome::Redirect(redirect)),
        };
        if checked.prompt_login {
            return Ok(AuthorizeOutcome::SignIn);
        }
        // The session does not record how the user signed in; a client whose users come only
        // from outside providers takes it only for a federated profile, so a password
        // session of another client cannot reach it (decision).
        let local = allows_local_sign_in(&checked.client);
        let session = self
            .sso_session(site, sso_cookie)
            .await?
            .filter(|sso| local || sso.user.status == UserStatus::ExternalProvider);
        match session {
            Some(sso) => self
                .complete_authorization(&checked, &sso.user, sso.auth_time)
                .await
                .map(AuthorizeOutcome::Redirect),
            None if checked.prompt_none => Ok(AuthorizeOutcome::Redirect(error_redirect(
                &checked.redirect_uri,
                checked.kind == ResponseKind::Token,
                OAuthErrorCode::LoginRequired,
                "The user is not signed in.",
                checked.state.as_deref(),
            ))),
            None => Ok(AuthorizeOutcome::SignIn),
        }
    }

    /// Issues what the client asked for: a code, or tokens for the implicit flow.
    pub(crate) async fn complete_authorization(
        &self,
        checked: &Checked,
        user: &User,
        auth_time: i64,
    ) -> OAuthResult<Redirect> {
        let mut params = Vec::new();
        match checked.kind {
            ResponseKind::Code => {
                let grant = CodeGrant {
                    origin_jti: ids::new_uuid(self.random()),
                    client_id: checked.client.client_id.clone(),
                    sub: user.sub.clone(),
                    redirect_uri: checked.redirect_uri.clone(),
                    scopes: checked.scopes.clone(),
                    nonce: checked.nonce.clone(),
                    pkce: checked.pkce.clone(),
                    auth_time,
                    expires: self.now().plus_secs(CODE_LIFETIME_SECS),
                };
                params.push(("code", self.seal_code(&checked.pool.id, &grant)?));
            }
            ResponseKind::Token => {
                let openid = checked.scopes.iter().any(|s| s == "openid");
                let grant = Grant {
                    pool: &checked.pool,
                    client: &checked.client,
                    user,
                    scopes: checked.scopes.clone(),
                    device_key: None,
                };
                let options = TokenOptions {
                    nonce: checked.nonce.clone(),
                    at_hash: true,
                    skip_id_token: !openid,
                    auth_time: Some(auth_time),
                    trigger_source: Some("TokenGeneration_HostedAuth"),
                    ..TokenOptions::default()
                };
                // The session exists so the tokens can be revoked; its refresh token is not
                // handed out (the implicit flow has none).
                let tokens = self.start_session_with(grant, options).await?;
                params.push(("access_token", tokens.access_token));
                if openid {
                    params.push(("id_token", tokens.id_token));
                }
                params.push(("token_type", "Bearer".to_owned()));
                params.push(("expires_in", tokens.expires_in.to_string()));
            }
        }
        if let Some(state) = &checked.state {
            params.push(("state", state.clone()));
        }
        Ok(Redirect {
            uri: checked.redirect_uri.clone(),
            params,
            fragment: checked.kind == ResponseKind::Token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_values_follow_rfc_7636() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(is_pkce_value("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn error_redirects_carry_the_state() {
        let redirect = error_redirect(
            "https://app/cb",
            false,
            OAuthErrorCode::InvalidScope,
            "Invalid scope requested: x",
            Some("s1"),
        );
        assert_eq!(
            redirect.params,
            [
                ("error", "invalid_scope".to_owned()),
                ("error_description", "Invalid scope requested: x".to_owned()),
                ("state", "s1".to_owned()),
            ]
        );
    }
}
