//! Hosted sign-in through an outside OIDC or social provider: `/oauth2/authorize` with
//! `identity_provider` or `idp_identifier` sends the browser to the provider, and
//! `/oauth2/idpresponse` finishes the flow with the federated user Cognito makes
//! (reference §2.2–2.4 and §3).
//!
//! # State, across nodes
//! Everything the callback needs travels in Cognate's own `state` to the provider, sealed
//! (so any node can finish the flow and nobody can forge or read it): the app's authorize
//! request, the provider, the nonce and PKCE verifier sent upstream, and when the flow began
//! (five minutes to finish, as Cognito). A random flow id is both inside the state and in a
//! cookie on the domain, so a state cannot be finished in another browser (login CSRF), and
//! it is spent once (`use_once`), so a callback cannot be replayed on any node. The upstream
//! code is bound to the flow by PKCE S256 and the ID token by the nonce, where the provider
//! supports them.

use std::collections::BTreeMap;

use cognate_crypto::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::identities::{self, Identity};
use super::inbound::InboundEvidence;
use super::linking::{COGNITO_SUBJECT, federated_username};
use super::provider::{IdentityProvider, identifier_key};
use super::{FederatedLink, FederatedTrigger, FederationService};
use crate::enums::{ProviderType, UserStatus};
use crate::error::{Error, ErrorKind, Result};
use crate::external::{AuthorizationCallback, AuthorizationRequest, ExternalError};
use crate::oauth::authorize::{AuthorizeRequest, Checked};
use crate::oauth::{HostedSite, OAuthError, OAuthErrorCode, OAuthResult, Redirect, SsoCookie};
use crate::pool::UserPool;
use crate::time::Timestamp;
use crate::user::User;
use crate::{b64, ids};

/// The cookie that binds a flow to the browser that started it.
pub const FLOW_COOKIE: &str = "cognate-idp-flow";
/// How long a flow may take (Cognito cancels transactions after five minutes).
pub const FLOW_LIFETIME_SECS: i64 = 300;
/// Longest value a mapped attribute may take.
const MAX_ATTRIBUTE_LENGTH: usize = 2048;
/// Cognito's text when the provider asked for is unknown or not enabled for the client.
pub const LOGIN_OPTION_NOT_AVAILABLE: &str =
    "Login option is not available. Please try another one.";

/// What Cognate's upstream `state` carries, sealed.
#[derive(Debug, Serialize, Deserialize)]
struct FlowState {
    /// Also the browser's flow cookie; spent once.
    id: String,
    provider: String,
    request: AuthorizeRequest,
    nonce: Option<String>,
    pkce_verifier: Option<String>,
    created: Timestamp,
}

/// Where `/oauth2/authorize` with an outside provider sends the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FederatedAuthorize {
    /// To the provider, with the flow cookie to set (value, max age in seconds).
    Upstream {
        url: String,
        flow_cookie: String,
        max_age_secs: i64,
    },
    /// To a SAML IdP (an AuthnRequest by HTTP-Redirect), with the SAML flow cookie to set
    /// (its own name and path, as the IdP answers at `/saml2/idpresponse`).
    Saml {
        url: String,
        flow_cookie: String,
        max_age_secs: i64,
    },
    /// Back to the client with an error.
    Redirect(Redirect),
}

/// What arrived at `/oauth2/idpresponse` (query of a GET, or Apple's `form_post` body).
#[derive(Debug, Clone, Default)]
pub struct IdpCallback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// Apple's first-consent `user` JSON.
    pub user: Option<String>,
    /// The browser's flow cookie.
    pub flow_cookie: Option<String>,
}

/// How `/oauth2/idpresponse` ends: a redirect to the client, with the SSO cookie when the
/// user signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederatedSignIn {
    pub redirect: Redirect,
    pub sso_cookie: Option<SsoCookie>,
}

fn state_purpose(pool_id: &str) -> Vec<u8> {
    format!("idp-flow:{pool_id}").into_bytes()
}

pub(super) fn not_available() -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidRequest, LOGIN_OPTION_NOT_AVAILABLE)
}

/// A lost, forged, expired, replayed or foreign `state` (Cognito shows "Something went
/// wrong" on its login page; the flow cannot go back to an app it cannot trust).
pub(super) fn bad_state() -> OAuthError {
    OAuthError::new(
        OAuthErrorCode::InvalidRequest,
        "Something went wrong: the sign-in through the identity provider is invalid or has expired. Please sign in again.",
    )
}

impl FederationService {
    /// `/oauth2/authorize` naming an outside provider.
    pub async fn authorize(
        &self,
        site: &HostedSite,
        request: &AuthorizeRequest,
    ) -> OAuthResult<FederatedAuthorize> {
        let checked = match self
            .directory
            .check_authorize_request(site, request)
            .await?
        {
            Ok(checked) => checked,
            Err(redirect) => return Ok(FederatedAuthorize::Redirect(redirect)),
        };
        let provider = self.requested_provider(&checked, request).await?;
        if provider.provider_type == ProviderType::Saml {
            return self
                .saml_authorize(site, &checked, &provider, request)
                .await;
        }
        let oauth = self.oauth_provider(&provider)?;
        let resolved = match self.external.resolve_endpoints(&oauth, self.now()).await {
            Ok(resolved) => resolved,
            Err(e) => {
                return Ok(FederatedAuthorize::Redirect(
                    checked.error_redirect(e.oauth_error(), &e.to_string()),
                ));
            }
        };
        let id = self.random_token(32);
        let state = FlowState {
            id: id.clone(),
            provider: provider.name.clone(),
            request: request.clone(),
            nonce: resolved.jwks_uri.is_some().then(|| self.random_token(32)),
            pkce_verifier: resolved.supports_pkce.then(|| self.random_token(48)),
            created: self.now(),
        };
        let sealed = self.seal_json(&state_purpose(&site.pool_id), &state)?;
        let prompt = request
            .prompt
            .as_deref()
            .filter(|p| !p.split(' ').any(|p| p == "none"))
            .map(str::to_owned);
        let upstream = self
            .external
            .authorization_url(
                &oauth,
                &AuthorizationRequest {
                    redirect_uri: idp_response_url(site),
                    state: sealed,
                    nonce: state.nonce.clone(),
                    pkce_verifier: state.pkce_verifier.clone().map(SecretString::new),
                    prompt,
                    login_hint: None,
                },
                self.now(),
            )
            .await;
        match upstream {
            Ok(upstream)
                if upstream.nonce_sent == state.nonce.is_some()
                    && upstream.pkce_sent == state.pkce_verifier.is_some() =>
            {
                Ok(FederatedAuthorize::Upstream {
                    url: upstream.url,
                    flow_cookie: id,
                    max_age_secs: FLOW_LIFETIME_SECS,
                })
            }
            Ok(_) => Err(Error::internal(
                "the engine sent other flow bindings than the endpoints promised",
            )
            .into()),
            Err(e) => Ok(FederatedAuthorize::Redirect(
                checked.error_redirect(e.oauth_error(), &e.to_string()),
            )),
        }
    }

    /// `/oauth2/idpresponse`: checks the flow, lets the provider vouch for the user, makes or
    /// updates the federated user, and completes the app's authorization request.
    pub async fn idp_response(
        &self,
        site: &HostedSite,
        callback: &IdpCallback,
    ) -> OAuthResult<FederatedSignIn> {
        let state = self.open_state(site, callback)?;
        if !self
            .directory
            .use_once(
                &format!("idp-flow:{}", state.id),
                state.created.plus_secs(FLOW_LIFETIME_SECS).millis(),
            )
            .await?
        {
            return Err(bad_state());
        }
        let checked = match self
            .directory
            .check_authorize_request(site, &state.request)
            .await?
        {
            Ok(checked) => checked,
            Err(redirect) => {
                return Ok(FederatedSignIn {
                    redirect,
                    sso_cookie: None,
                });
            }
        };
        let fail = |error: &str, description: &str| {
            Ok(FederatedSignIn {
                redirect: checked.error_redirect(error, description),
                sso_cookie: None,
            })
        };
        if let Some(error) = &callback.error {
            // The provider refused (the user cancelled, say): its error goes to the app.
            let description = callback.error_description.as_deref().unwrap_or(error);
            return fail(upstream_error_code(error), description);
        }
        let Some(code) = callback.code.as_deref().filter(|c| !c.is_empty()) else {
            return fail("invalid_request", "The identity provider sent no code.");
        };
        let provider = match self
            .store
            .get_identity_provider(&site.pool_id, &state.provider)
            .await
            .map_err(Error::from)?
        {
            Some(provider) => provider,
            None => return fail("invalid_request", LOGIN_OPTION_NOT_AVAILABLE),
        };
        let oauth = self.oauth_provider(&provider)?;
        let signed_in = self
            .external
            .complete_authorization(
                &oauth,
                &AuthorizationCallback {
                    code: SecretString::new(code.to_owned()),
                    redirect_uri: idp_response_url(site),
                    pkce_verifier: state.pkce_verifier.clone().map(SecretString::new),
                    nonce: state.nonce.clone(),
                    apple_user: callback.user.clone(),
                },
                self.now(),
            )
            .await;
        let signed_in = match signed_in {
            Ok(signed_in) => signed_in,
            Err(e) => return fail(e.oauth_error(), &e.to_string()),
        };
        let outside = OutsideIdentity {
            evidence: InboundEvidence::oauth(&signed_in),
            subject: signed_in.subject,
            issuer: None,
            attributes: signed_in.attributes.into_iter().collect(),
        };
        let user = match self
            .federated_user(
                &checked.pool,
                &checked.client.client_id,
                &provider,
                &outside,
            )
            .await
        {
            Ok(user) => user,
            Err(FederatedUserError::Internal(e)) => return Err(e.into()),
            Err(refused) => return fail("invalid_request", &refused.description()),
        };
        let (redirect, sso_cookie) = self
            .directory
            .complete_federated_authorization(site, &checked, &user, self.now().secs())
            .await?;
        Ok(FederatedSignIn {
            redirect,
            sso_cookie,
        })
    }

    /// The provider a request names, if the client may use it.
    pub(super) async fn requested_provider(
        &self,
        checked: &Checked,
        request: &AuthorizeRequest,
    ) -> OAuthResult<IdentityProvider> {
        let pool_id = &checked.pool.id;
        // `identity_provider` wins when both are given (Amplify sends one; decision).
        let provider = match request
            .identity_provider
            .as_deref()
            .filter(|p| !p.is_empty())
        {
            Some(name) => self
                .store
                .get_identity_provider(pool_id, name)
                .await
                .map_err(Error::from)?,
            None => {
                let identifier = request.idp_identifier.as_deref().unwrap_or_default();
                self.store
                    .get_identity_provider_by_identifier(pool_id, &identifier_key(identifier))
                    .await
                    .map_err(Error::from)?
            }
        };
        let provider = provider.ok_or_else(not_available)?;
        let enabled = checked
            .client
            .settings
            .supported_identity_providers
            .as_ref()
            .is_some_and(|names| names.contains(&provider.name));
        if enabled {
            Ok(provider)
        } else {
            Err(not_available())
        }
    }

    /// The sealed state, if it is genuine, for this pool, fresh, and this browser's.
    fn open_state(&self, site: &HostedSite, callback: &IdpCallback) -> OAuthResult<FlowState> {
        let state: FlowState = callback
            .state
            .as_deref()
            .and_then(|text| self.open_json(&state_purpose(&site.pool_id), text))
            .ok_or_else(bad_state)?;
        let fresh = state.created.plus_secs(FLOW_LIFETIME_SECS) > self.now();
        let same_browser = callback
            .flow_cookie
            .as_deref()
            .is_some_and(|cookie| bool::from(cookie.as_bytes().ct_eq(state.id.as_bytes())));
        if fresh && same_browser {
            Ok(state)
        } else {
            Err(bad_state())
        }
    }

    pub(super) fn random_token(&self, bytes: usize) -> String {
        let mut buffer = vec![0u8; bytes];
        self.random.fill(&mut buffer);
        b64::encode_url(&buffer)
    }

    /// The user an outside identity signs in as (reference §6): a linked user, else its own
    /// profile, else a new profile; mapped attributes are written at every sign-in.
    pub(super) async fn federated_user(
        &self,
        pool: &UserPool,
        client_id: &str,
        provider: &IdentityProvider,
        outside: &OutsideIdentity,
    ) -> std::result::Result<User, FederatedUserError> {
        let username = profile_username(pool, &provider.name, &outside.subject);
        let replaced = self
            .inbound_federation(pool, client_id, provider, &username, outside)
            .await?;
        let mapped = map_attributes(provider, replaced.as_ref().unwrap_or(&outside.attributes))?;
        let existing = match self.linked_user(pool, provider, outside, &mapped).await? {
            Some(user) => Some(user),
            None => self
                .directory
                .find_user(pool, &username)
                .await?
                .filter(|user| user.username == username),
        };
        let Some(mut user) = existing else {
            return self
                .create_profile(pool, client_id, provider, outside, username, mapped)
                .await;
        };
        self.update_profile(pool, &mut user, &mapped).await?;
        for trigger in [
            FederatedTrigger::PreAuthentication,
            FederatedTrigger::PostAuthentication,
        ] {
            self.trigger(trigger, pool, &mut user, client_id).await?;
        }
        Ok(user)
    }

    /// Runs a trigger; a function's failure reaches the app as Cognito sends it
    /// (`<Trigger> failed with error <message>. `, trailing space included).
    async fn trigger(
        &self,
        trigger: FederatedTrigger,
        pool: &UserPool,
        user: &mut User,
        client_id: &str,
    ) -> std::result::Result<(), FederatedUserError> {
        match self
            .directory
            .federated_trigger(trigger, pool, user, client_id)
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if e.kind == ErrorKind::UserLambdaValidation => {
                Err(FederatedUserError::Refused(format!("{} ", e.message)))
            }
            Err(e) => Err(FederatedUserError::Refused(e.message)),
        }
    }

    /// The user a link (by subject, or for OIDC/SAML by a linked attribute) points to.
    async fn linked_user(
        &self,
        pool: &UserPool,
        provider: &IdentityProvider,
        outside: &OutsideIdentity,
        mapped: &BTreeMap<String, String>,
    ) -> Result<Option<User>> {
        let mut candidates = vec![(COGNITO_SUBJECT.to_owned(), outside.subject.clone())];
        if matches!(
            provider.provider_type,
            ProviderType::Oidc | ProviderType::Saml
        ) {
            for attribute in self
                .store
                .linked_attribute_names(&pool.id, &provider.name)
                .await?
            {
                if let Some(value) = mapped.get(&attribute) {
                    candidates.push((attribute, value.clone()));
                }
            }
        }
        for (attribute, value) in candidates {
            let link: Option<FederatedLink> = self
                .store
                .get_federated_link(&pool.id, &provider.name, &attribute, &value)
                .await?;
            if let Some(link) = link {
                return self.directory.user_by_sub(&pool.id, &link.sub).await;
            }
        }
        Ok(None)
    }

    async fn update_profile(
        &self,
        pool: &UserPool,
        user: &mut User,
        mapped: &BTreeMap<String, String>,
    ) -> std::result::Result<(), FederatedUserError> {
        if !user.enabled {
            return Err(FederatedUserError::Refused("User is disabled.".to_owned()));
        }
        let mut changed = false;
        for (name, value) in mapped {
            if user.attributes.get(name) != Some(value) {
                let immutable = pool.attribute(name).is_some_and(|a| !a.mutable);
                if immutable && user.attributes.contains_key(name) {
                    return Err(FederatedUserError::Refused(format!(
                        "Invalid user attributes: {name}: Attribute cannot be updated."
                    )));
                }
                user.attributes.insert(name.clone(), value.clone());
                changed = true;
            }
        }
        if changed {
            self.directory.save_user(pool, user).await?;
        }
        Ok(())
    }

    async fn create_profile(
        &self,
        pool: &UserPool,
        client_id: &str,
        provider: &IdentityProvider,
        outside: &OutsideIdentity,
        username: String,
        mapped: BTreeMap<String, String>,
    ) -> std::result::Result<User, FederatedUserError> {
        let missing: Vec<String> = pool
            .schema
            .iter()
            .filter(|a| a.required && a.name != "sub" && !mapped.contains_key(&a.name))
            .map(|a| a.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(FederatedUserError::MissingAttributes(missing));
        }
        let now = self.now();
        let sub = ids::new_uuid(self.random.as_ref());
        let mut attributes = mapped;
        attributes.insert("sub".to_owned(), sub.clone());
        for flag in ["email", "phone_number"] {
            let verified = format!("{flag}_verified");
            if attributes.contains_key(flag) && !attributes.contains_key(&verified) {
                attributes.insert(verified, "false".to_owned());
            }
        }
        attributes.insert(
            identities::ATTRIBUTE.to_owned(),
            identities::to_attribute(&[Identity {
                user_id: outside.subject.clone(),
                provider_name: provider.name.clone(),
                provider_type: provider.provider_type.as_str().to_owned(),
                issuer: outside.issuer.clone(),
                primary: true,
                date_created: now.millis(),
            }]),
        );
        let mut user = User {
            pool_id: pool.id.clone(),
            sub: sub.clone(),
            username,
            status: UserStatus::ExternalProvider,
            enabled: true,
            created: now,
            modified: now,
            version: 1,
            attributes,
            password: None,
            mfa_options: Vec::new(),
            preferred_mfa: None,
            mfa_methods: Vec::new(),
            software_token: Default::default(),
            pending_attributes: BTreeMap::new(),
        };
        // PreSignUp runs before the user exists, so a refusal leaves nothing behind.
        self.trigger(FederatedTrigger::PreSignUp, pool, &mut user, client_id)
            .await?;
        self.directory.insert_user(pool, &user).await?;
        self.directory
            .add_to_group(
                &pool.id,
                &format!("{}_{}", pool.id, provider.name),
                &format!(
                    "Autogenerated group for users who sign in using {}",
                    provider.name
                ),
                &sub,
            )
            .await?;
        // No rollback if it throws: the user stays, as in Cognito.
        self.trigger(
            FederatedTrigger::PostConfirmation,
            pool,
            &mut user,
            client_id,
        )
        .await?;
        Ok(user)
    }
}

/// Who the provider says the user is, whatever the protocol.
pub(super) struct OutsideIdentity {
    pub(super) subject: String,
    /// The SAML IdP's entity id (the `identities` issuer); `None` for OAuth types.
    pub(super) issuer: Option<String>,
    /// The IdP attribute set the AttributeMapping reads.
    pub(super) attributes: BTreeMap<String, Value>,
    /// What the provider sent, for the InboundFederation trigger (`InboundEvidence::saml`
    /// for a SAML assertion).
    pub(super) evidence: InboundEvidence,
}

/// Why a federated sign-in cannot make or update the user.
pub(super) enum FederatedUserError {
    /// Sent to the app as `error_description` (Cognito's texts).
    Refused(String),
    /// Required attributes the mapping left empty (SAML words these its own way).
    MissingAttributes(Vec<String>),
    /// A mapped value longer than Cognito allows, by the pool attribute's name.
    AttributeTooLong(String),
    Internal(Error),
}

impl FederatedUserError {
    /// The app's `error_description` for a refusal, as an OIDC or social sign-in words it.
    pub(super) fn description(&self) -> String {
        match self {
            FederatedUserError::Refused(description) => description.clone(),
            FederatedUserError::MissingAttributes(names) => {
                format!("attributes required: [{}]", names.join(", "))
            }
            FederatedUserError::AttributeTooLong(name) => format!(
                "The value of the attribute {name} must have a length less than or equal to {MAX_ATTRIBUTE_LENGTH} characters"
            ),
            FederatedUserError::Internal(e) => e.message.clone(),
        }
    }
}

impl From<Error> for FederatedUserError {
    fn from(e: Error) -> Self {
        FederatedUserError::Internal(e)
    }
}

/// `<ProviderName>_<subject>`, all lower-case in case-insensitive pools (Cognito's rule).
fn profile_username(pool: &UserPool, provider: &str, subject: &str) -> String {
    let username = federated_username(provider, subject);
    if pool.sign_in.is_case_sensitive() {
        username
    } else {
        username.to_lowercase()
    }
}

/// The pool attributes the provider's mapping fills from the IdP's attributes. Values are
/// strings; lists are flattened to `[a,b]`, as Cognito does.
fn map_attributes(
    provider: &IdentityProvider,
    attributes: &BTreeMap<String, Value>,
) -> std::result::Result<BTreeMap<String, String>, FederatedUserError> {
    let mut mapped = BTreeMap::new();
    for (pool_attribute, source) in &provider.attribute_mapping {
        let Some(value) = attributes.get(source) else {
            continue;
        };
        let text = match value {
            Value::Null => continue,
            Value::String(text) => text.clone(),
            Value::Array(items) => format!(
                "[{}]",
                items.iter().map(value_text).collect::<Vec<_>>().join(",")
            ),
            other => value_text(other),
        };
        if text.chars().count() > MAX_ATTRIBUTE_LENGTH {
            return Err(FederatedUserError::AttributeTooLong(pool_attribute.clone()));
        }
        mapped.insert(pool_attribute.clone(), text);
    }
    Ok(mapped)
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The provider's `error` as the app gets it: the RFC 6749 codes pass through, anything
/// else is `invalid_request` (Cognito's mapping is not documented; decision).
fn upstream_error_code(error: &str) -> &str {
    match error {
        "access_denied"
        | "invalid_request"
        | "unauthorized_client"
        | "invalid_scope"
        | "server_error"
        | "temporarily_unavailable"
        | "login_required"
        | "consent_required"
        | "interaction_required" => error,
        _ => "invalid_request",
    }
}

/// Cognate's callback at the provider: `<domain>/oauth2/idpresponse`.
pub fn idp_response_url(site: &HostedSite) -> String {
    format!("{}/oauth2/idpresponse", site.base_url)
}

impl From<ExternalError> for FederatedUserError {
    fn from(e: ExternalError) -> Self {
        FederatedUserError::Refused(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_flattened_and_long_values_refused() {
        let provider = IdentityProvider {
            pool_id: "p".to_owned(),
            name: "Corp".to_owned(),
            provider_type: ProviderType::Oidc,
            details: BTreeMap::new(),
            sealed_details: BTreeMap::new(),
            derived: BTreeMap::new(),
            attribute_mapping: BTreeMap::from([
                ("custom:groups".to_owned(), "groups".to_owned()),
                ("email_verified".to_owned(), "email_verified".to_owned()),
                ("name".to_owned(), "name".to_owned()),
            ]),
            idp_identifiers: Vec::new(),
            acr_mapping: BTreeMap::new(),
            saml_key: None,
            created: Timestamp(0),
            modified: Timestamp(0),
        };
        let attributes = BTreeMap::from([
            ("groups".to_owned(), serde_json::json!(["a", "b"])),
            ("email_verified".to_owned(), serde_json::json!(true)),
        ]);
        let mapped = map_attributes(&provider, &attributes).ok().unwrap();
        assert_eq!(mapped["custom:groups"], "[a,b]");
        assert_eq!(mapped["email_verified"], "true");
        assert!(!mapped.contains_key("name"));
        let long = BTreeMap::from([("name".to_owned(), serde_json::json!("x".repeat(2049)))]);
        assert!(map_attributes(&provider, &long).is_err());
    }

    #[test]
    fn unknown_upstream_errors_become_invalid_request() {
        assert_eq!(upstream_error_code("access_denied"), "access_denied");
        assert_eq!(upstream_error_code("<script>"), "invalid_request");
    }
}
