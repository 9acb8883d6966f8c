//! Hosted sign-in through a SAML 2.0 IdP (reference §2.5–2.7): `/oauth2/authorize` naming a
//! SAML provider sends an AuthnRequest by HTTP-Redirect, `/saml2/idpresponse` takes the
//! IdP's Response (SP-initiated, or unsolicited when the provider has `IDPInit`), and
//! `/logout` followed by `/saml2/logout` is single logout when it has `IDPSignout`.
//!
//! # State, across nodes
//! As for OIDC (`signin`), everything travels sealed: the `RelayState` of an AuthnRequest
//! carries the app's authorize request, the provider, the AuthnRequest id (the Response's
//! `InResponseTo`) and when the flow began; a random flow id in it is also in a cookie on
//! `/saml2/idpresponse` and is spent once. The assertion id is spent once too, until its
//! `NotOnOrAfter`, so a Response cannot be replayed on any node (the only guard an
//! unsolicited Response has). The NameID and SessionIndex single logout needs live in a
//! sealed cookie of the domain; the LogoutRequest's id and where to go afterwards travel in
//! its sealed `RelayState`.
//!
//! # Decisions where the reference is silent
//! - IdP-initiated sign-in needs a `RelayState` with the authorize parameters (Cognito's
//!   documented form): without one, no app is known to return to, so the browser gets a page
//!   with Cognito's "Invalid relayState from identity provider".
//! - IdP-initiated LogoutRequests are not accepted (Cognito does not document them); they get
//!   an error page.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::FederationService;
use super::admin::metadata_source;
use super::inbound::InboundEvidence;
use super::provider::{IdentityProvider, saml_key_purpose};
use super::signin::{
    FLOW_LIFETIME_SECS, FederatedAuthorize, FederatedSignIn, FederatedUserError, OutsideIdentity,
    bad_state, not_available,
};
use crate::enums::ProviderType;
use crate::error::{Error, Result};
use crate::external::{
    ExternalError, SamlAssertion, SamlAuthnRequest, SamlBinding, SamlIdpMetadata, SamlKeyPair,
    SamlLogoutCheck, SamlLogoutRequest, SamlResponseCheck,
};
use crate::oauth::authorize::{AuthorizeRequest, Checked};
use crate::oauth::{HostedSite, OAuthError, OAuthErrorCode, OAuthResult, Redirect};
use crate::time::Timestamp;

/// The cookie that binds a SAML flow to the browser that started it.
pub const SAML_FLOW_COOKIE: &str = "cognate-saml-flow";
/// The cookie that remembers the SAML session single logout ends.
pub const SAML_SESSION_COOKIE: &str = "cognate-saml-session";
/// Cognito's text for a missing or unreadable `RelayState`.
pub const INVALID_RELAY_STATE: &str = "Invalid relayState from identity provider";
/// Cognate's text for an assertion id seen before (Cognito's is not documented).
pub const ASSERTION_REPLAYED: &str = "The assertion has already been used.";
/// How long the SAML session cookie lives: as long as the hosted SSO session.
pub const SAML_SESSION_COOKIE_SECS: i64 = 3600;

/// What the AuthnRequest's `RelayState` carries, sealed.
#[derive(Debug, Serialize, Deserialize)]
struct SamlFlowState {
    /// Also the browser's flow cookie; spent once.
    id: String,
    provider: String,
    request: AuthorizeRequest,
    /// The AuthnRequest id: the Response must answer exactly it.
    request_id: String,
    created: Timestamp,
}

/// What the session cookie carries, sealed: whom to log out at the IdP.
#[derive(Debug, Serialize, Deserialize)]
struct SamlSession {
    provider: String,
    name_id: String,
    name_id_format: Option<String>,
    session_index: Option<String>,
}

/// What a LogoutRequest's `RelayState` carries, sealed.
#[derive(Debug, Serialize, Deserialize)]
struct SamlLogoutState {
    request_id: String,
    provider: String,
    /// The app's sign-out URL and `state`; `None`: the signed-out page.
    after: Option<(String, Option<String>)>,
    created: Timestamp,
}

/// What was posted to `/saml2/idpresponse`.
#[derive(Debug, Clone, Default)]
pub struct SamlCallback {
    pub saml_response: Option<String>,
    pub relay_state: Option<String>,
    /// `RelayState` read as authorize parameters (IdP-initiated sign-in), when it is a form.
    pub relay_request: Option<AuthorizeRequest>,
    /// The browser's SAML flow cookie.
    pub flow_cookie: Option<String>,
}

/// How `/saml2/idpresponse` ends: as any federated sign-in, plus the SAML session cookie
/// when the provider does single logout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlSignIn {
    pub signed_in: FederatedSignIn,
    pub session_cookie: Option<String>,
}

/// Where `/logout` goes after the hosted session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterLogout {
    /// The app's sign-out URL, with its `state`.
    Redirect { uri: String, state: Option<String> },
    /// The signed-out page.
    SignedOut,
}

/// How `/saml2/logout` ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamlLoggedOut {
    Redirect(Redirect),
    SignedOut,
}

fn flow_purpose(pool_id: &str) -> Vec<u8> {
    format!("saml-flow:{pool_id}").into_bytes()
}

fn session_purpose(pool_id: &str) -> Vec<u8> {
    format!("saml-session:{pool_id}").into_bytes()
}

fn logout_purpose(pool_id: &str) -> Vec<u8> {
    format!("saml-logout:{pool_id}").into_bytes()
}

fn invalid_relay_state() -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidRequest, INVALID_RELAY_STATE)
}

/// The SP entity id of a pool.
pub fn sp_entity_id(pool_id: &str) -> String {
    format!("urn:amazon:cognito:sp:{pool_id}")
}

/// Cognate's ACS: `<domain>/saml2/idpresponse`.
pub fn acs_url(site: &HostedSite) -> String {
    format!("{}/saml2/idpresponse", site.base_url)
}

/// Where the IdP answers a LogoutRequest: `<domain>/saml2/logout`.
pub fn slo_url(site: &HostedSite) -> String {
    format!("{}/saml2/logout", site.base_url)
}

/// A SAML id: an NCName, so it starts with `_`.
fn saml_id(token: &str) -> String {
    format!("_{token}")
}

/// The assertion's attributes as the mapping reads them: one value as text, several as a
/// list (flattened to `[a,b]` by the mapping, as Cognito does).
fn assertion_attributes(assertion: &SamlAssertion) -> BTreeMap<String, Value> {
    assertion
        .attributes
        .iter()
        .map(|(name, values)| {
            let value = match values.as_slice() {
                [one] => Value::String(one.clone()),
                many => Value::Array(many.iter().cloned().map(Value::String).collect()),
            };
            (name.clone(), value)
        })
        .collect()
}

impl FederationService {
    /// `/oauth2/authorize` naming a SAML provider: the AuthnRequest, by HTTP-Redirect.
    pub(super) async fn saml_authorize(
        &self,
        site: &HostedSite,
        checked: &Checked,
        provider: &IdentityProvider,
        request: &AuthorizeRequest,
    ) -> OAuthResult<FederatedAuthorize> {
        let metadata = match self.saml_idp(provider).await {
            Ok(metadata) => metadata,
            Err(e) => {
                return Ok(FederatedAuthorize::Redirect(
                    checked.error_redirect(e.oauth_error(), &e.to_string()),
                ));
            }
        };
        let Some(destination) = metadata.sso_redirect_url.clone() else {
            return Err(Error::internal("a SAML provider without an SSO redirect URL").into());
        };
        let signing_key = match provider.details.get("RequestSigningAlgorithm") {
            Some(_) => Some(self.pool_signing_key(&site.pool_id).await?),
            None => None,
        };
        let state = SamlFlowState {
            id: self.random_token(32),
            provider: provider.name.clone(),
            request: request.clone(),
            request_id: saml_id(&self.random_token(24)),
            created: self.now(),
        };
        let relay_state = self.seal_json(&flow_purpose(&site.pool_id), &state)?;
        let url = self.external.saml_authn_request_url(&SamlAuthnRequest {
            id: state.request_id.clone(),
            issue_instant: self.now(),
            sp_entity_id: sp_entity_id(&site.pool_id),
            acs_url: acs_url(site),
            destination,
            relay_state,
            signing_key: signing_key.as_ref(),
        });
        match url {
            Ok(url) => Ok(FederatedAuthorize::Saml {
                url,
                flow_cookie: state.id,
                max_age_secs: FLOW_LIFETIME_SECS,
            }),
            Err(e) => Ok(FederatedAuthorize::Redirect(
                checked.error_redirect(e.oauth_error(), &e.to_string()),
            )),
        }
    }

    /// `POST /saml2/idpresponse`: a Response to Cognate's AuthnRequest, or an unsolicited
    /// one (IdP-initiated sign-in).
    pub async fn saml_response(
        &self,
        site: &HostedSite,
        callback: &SamlCallback,
    ) -> OAuthResult<SamlSignIn> {
        match self.open_saml_flow(site, callback)? {
            Some(state) => self.solicited_response(site, callback, state).await,
            None => self.unsolicited_response(site, callback).await,
        }
    }

    async fn solicited_response(
        &self,
        site: &HostedSite,
        callback: &SamlCallback,
        state: SamlFlowState,
    ) -> OAuthResult<SamlSignIn> {
        let expires = state.created.plus_secs(FLOW_LIFETIME_SECS).millis();
        if !self
            .directory
            .use_once(&format!("saml-flow:{}", state.id), expires)
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
            Err(redirect) => return Ok(refused(redirect)),
        };
        let provider = self
            .store
            .get_identity_provider(&site.pool_id, &state.provider)
            .await
            .map_err(Error::from)?
            .filter(|p| p.provider_type == ProviderType::Saml);
        let Some(provider) = provider else {
            return Ok(refused(checked.error_redirect(
                "invalid_request",
                super::signin::LOGIN_OPTION_NOT_AVAILABLE,
            )));
        };
        self.finish_saml(site, &checked, &provider, callback, Some(state.request_id))
            .await
    }

    async fn unsolicited_response(
        &self,
        site: &HostedSite,
        callback: &SamlCallback,
    ) -> OAuthResult<SamlSignIn> {
        let Some(request) = &callback.relay_request else {
            return Err(invalid_relay_state());
        };
        let checked = match self
            .directory
            .check_authorize_request(site, request)
            .await?
        {
            Ok(checked) => checked,
            Err(redirect) => return Ok(refused(redirect)),
        };
        let provider = self.requested_provider(&checked, request).await?;
        if provider.provider_type != ProviderType::Saml {
            return Err(not_available());
        }
        if !provider.flag("IDPInit") {
            let e = ExternalError::SamlUnsolicited;
            return Ok(refused(
                checked.error_redirect(e.oauth_error(), &e.to_string()),
            ));
        }
        self.finish_saml(site, &checked, &provider, callback, None)
            .await
    }

    /// Validates the Response, spends its assertion id, and signs the user in.
    async fn finish_saml(
        &self,
        site: &HostedSite,
        checked: &Checked,
        provider: &IdentityProvider,
        callback: &SamlCallback,
        request_id: Option<String>,
    ) -> OAuthResult<SamlSignIn> {
        let fail = |error: &str, description: &str| {
            Ok(refused(checked.error_redirect(error, description)))
        };
        let assertion = match self
            .validate_response(site, provider, callback, request_id)
            .await?
        {
            Ok(assertion) => assertion,
            Err(e) => return fail(e.oauth_error(), &e.to_string()),
        };
        let marker = format!(
            "saml-assertion:{}:{}:{}",
            site.pool_id, provider.name, assertion.assertion_id
        );
        if !self
            .directory
            .use_once(&marker, assertion.not_on_or_after.millis())
            .await?
        {
            let e = ExternalError::SamlInvalid(ASSERTION_REPLAYED.to_owned());
            return fail(e.oauth_error(), &e.to_string());
        }
        let attributes = assertion_attributes(&assertion);
        let outside = OutsideIdentity {
            subject: assertion.name_id.clone(),
            issuer: Some(assertion.issuer.clone()),
            evidence: InboundEvidence::saml(&attributes),
            attributes,
        };
        let user = match self
            .federated_user(&checked.pool, &checked.client.client_id, provider, &outside)
            .await
        {
            Ok(user) => user,
            Err(FederatedUserError::Internal(e)) => return Err(e.into()),
            Err(refused) => {
                let (error, description) = saml_refusal(&refused);
                return fail(error, &description);
            }
        };
        let (redirect, sso_cookie) = self
            .directory
            .complete_federated_authorization(site, checked, &user, self.now().secs())
            .await?;
        let session_cookie = if provider.flag("IDPSignout") {
            let session = SamlSession {
                provider: provider.name.clone(),
                name_id: assertion.name_id,
                name_id_format: assertion.name_id_format,
                session_index: assertion.session_index,
            };
            Some(self.seal_json(&session_purpose(&site.pool_id), &session)?)
        } else {
            None
        };
        Ok(SamlSignIn {
            signed_in: FederatedSignIn {
                redirect,
                sso_cookie,
            },
            session_cookie,
        })
    }

    /// The engine's verdict on a Response (the outer `Err` is Cognate's own failure).
    async fn validate_response(
        &self,
        site: &HostedSite,
        provider: &IdentityProvider,
        callback: &SamlCallback,
        request_id: Option<String>,
    ) -> Result<std::result::Result<SamlAssertion, ExternalError>> {
        let Some(saml_response) = callback.saml_response.as_deref().filter(|r| !r.is_empty())
        else {
            return Ok(Err(ExternalError::SamlInvalid(
                "The SAML response is missing.".to_owned(),
            )));
        };
        let metadata = match self.saml_idp(provider).await {
            Ok(metadata) => metadata,
            Err(e) => return Ok(Err(e)),
        };
        let decryption_key = self.provider_key(provider)?;
        Ok(self.external.validate_saml_response(
            &SamlResponseCheck {
                saml_response,
                idp: &metadata,
                audience: sp_entity_id(&site.pool_id),
                acs_url: acs_url(site),
                expected_in_response_to: request_id,
                decryption_key: decryption_key.as_ref(),
                require_encrypted_assertion: provider.flag("EncryptedResponses"),
            },
            self.now(),
        ))
    }

    /// `/logout` for a browser whose hosted session came from a SAML provider with
    /// `IDPSignout`: the URL of a signed LogoutRequest at the IdP, which answers at
    /// `/saml2/logout`. `None` when there is no such session (the logout is over).
    pub async fn saml_single_logout(
        &self,
        site: &HostedSite,
        session_cookie: Option<&str>,
        after: AfterLogout,
    ) -> OAuthResult<Option<String>> {
        let Some(session) = session_cookie.and_then(|cookie| {
            self.open_json::<SamlSession>(&session_purpose(&site.pool_id), cookie)
        }) else {
            return Ok(None);
        };
        let provider = self
            .store
            .get_identity_provider(&site.pool_id, &session.provider)
            .await
            .map_err(Error::from)?
            .filter(|p| p.provider_type == ProviderType::Saml && p.flag("IDPSignout"));
        let Some(provider) = provider else {
            return Ok(None);
        };
        let metadata = self.saml_idp(&provider).await.map_err(logout_failed)?;
        let Some(destination) = metadata.slo_redirect_url else {
            return Ok(None);
        };
        let state = SamlLogoutState {
            request_id: saml_id(&self.random_token(24)),
            provider: provider.name.clone(),
            after: match after {
                AfterLogout::Redirect { uri, state } => Some((uri, state)),
                AfterLogout::SignedOut => None,
            },
            created: self.now(),
        };
        let relay_state = self.seal_json(&logout_purpose(&site.pool_id), &state)?;
        let signing_key = self.pool_signing_key(&site.pool_id).await?;
        let url = self
            .external
            .saml_logout_request_url(&SamlLogoutRequest {
                id: state.request_id.clone(),
                issue_instant: self.now(),
                sp_entity_id: sp_entity_id(&site.pool_id),
                destination,
                name_id: session.name_id,
                name_id_format: session.name_id_format,
                session_index: session.session_index,
                relay_state,
                signing_key: &signing_key,
            })
            .map_err(logout_failed)?;
        Ok(Some(url))
    }

    /// `POST /saml2/logout`: the IdP's LogoutResponse, validated; then where the app asked
    /// to go after signing out.
    pub async fn saml_logout_response(
        &self,
        site: &HostedSite,
        saml_response: Option<&str>,
        relay_state: Option<&str>,
    ) -> OAuthResult<SamlLoggedOut> {
        let state = relay_state
            .and_then(|r| self.open_json::<SamlLogoutState>(&logout_purpose(&site.pool_id), r))
            .filter(|s| s.created.plus_secs(FLOW_LIFETIME_SECS) > self.now())
            .ok_or_else(invalid_relay_state)?;
        let message = saml_response
            .filter(|m| !m.is_empty())
            .ok_or_else(|| logout_failed(ExternalError::SamlLogout("no LogoutResponse.".into())))?;
        let provider = self
            .store
            .get_identity_provider(&site.pool_id, &state.provider)
            .await
            .map_err(Error::from)?
            .ok_or_else(invalid_relay_state)?;
        let metadata = self.saml_idp(&provider).await.map_err(logout_failed)?;
        let verified = self
            .external
            .validate_saml_logout_response(
                &SamlLogoutCheck {
                    binding: SamlBinding::Post { message },
                    idp: &metadata,
                    destination: slo_url(site),
                    expected_in_response_to: Some(state.request_id.clone()),
                },
                self.now(),
            )
            .map_err(logout_failed)?;
        let expires = state.created.plus_secs(FLOW_LIFETIME_SECS).millis();
        if !self
            .directory
            .use_once(&format!("saml-logout:{}", state.request_id), expires)
            .await?
        {
            return Err(invalid_relay_state());
        }
        if !verified.success {
            return Err(logout_failed(ExternalError::SamlLogout(format!(
                "the identity provider answered {}.",
                verified.status
            ))));
        }
        Ok(match state.after {
            Some((uri, state)) => SamlLoggedOut::Redirect(Redirect {
                uri,
                params: state.into_iter().map(|s| ("state", s)).collect(),
                fragment: false,
            }),
            None => SamlLoggedOut::SignedOut,
        })
    }

    /// The IdP's metadata (cached by the engine when it comes from a URL).
    async fn saml_idp(
        &self,
        provider: &IdentityProvider,
    ) -> std::result::Result<SamlIdpMetadata, ExternalError> {
        let source = metadata_source(provider, false)
            .map_err(|e| ExternalError::Configuration(e.message))?;
        self.external.saml_metadata(&source, self.now()).await
    }

    /// The provider's own key pair (decrypts encrypted assertions).
    fn provider_key(&self, provider: &IdentityProvider) -> Result<Option<SamlKeyPair>> {
        provider
            .saml_key
            .as_ref()
            .map(|stored| {
                self.open_key_pair(&saml_key_purpose(&provider.pool_id, &provider.name), stored)
            })
            .transpose()
    }

    /// The sealed flow state a `RelayState` carries: `None` when it carries none (an
    /// unsolicited Response); refused when it is sealed but stale or another browser's.
    fn open_saml_flow(
        &self,
        site: &HostedSite,
        callback: &SamlCallback,
    ) -> OAuthResult<Option<SamlFlowState>> {
        let Some(state) = callback
            .relay_state
            .as_deref()
            .and_then(|r| self.open_json::<SamlFlowState>(&flow_purpose(&site.pool_id), r))
        else {
            return Ok(None);
        };
        let fresh = state.created.plus_secs(FLOW_LIFETIME_SECS) > self.now();
        let same_browser = callback
            .flow_cookie
            .as_deref()
            .is_some_and(|cookie| bool::from(cookie.as_bytes().ct_eq(state.id.as_bytes())));
        if fresh && same_browser {
            Ok(Some(state))
        } else {
            Err(bad_state())
        }
    }
}

/// A refusal of the federated user as Cognito words it for SAML (reference §4): a missing
/// required attribute and a value too long are SAML processing errors (`server_error`);
/// trigger failures and the rest read as for every provider (`invalid_request`).
fn saml_refusal(refused: &FederatedUserError) -> (&'static str, String) {
    match refused {
        FederatedUserError::MissingAttributes(names) => {
            let each: Vec<String> = names
                .iter()
                .map(|name| format!("{name}: The attribute is required"))
                .collect();
            (
                "server_error",
                format!(
                    "Error in SAML response processing: Invalid user attributes: {}",
                    each.join(", ")
                ),
            )
        }
        FederatedUserError::AttributeTooLong(_) => (
            "server_error",
            ExternalError::SamlInvalid(refused.description()).to_string(),
        ),
        _ => ("invalid_request", refused.description()),
    }
}

fn refused(redirect: Redirect) -> SamlSignIn {
    SamlSignIn {
        signed_in: FederatedSignIn {
            redirect,
            sso_cookie: None,
        },
        session_cookie: None,
    }
}

/// A logout message that failed: a page (no app to return to can be trusted).
fn logout_failed(e: ExternalError) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidRequest, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_worded_for_saml() {
        assert_eq!(
            saml_refusal(&FederatedUserError::MissingAttributes(vec![
                "email".to_owned(),
                "name".to_owned()
            ])),
            (
                "server_error",
                "Error in SAML response processing: Invalid user attributes: email: The attribute is required, name: The attribute is required".to_owned()
            )
        );
        assert_eq!(
            saml_refusal(&FederatedUserError::Refused(
                "PreSignUp failed with error No. ".to_owned()
            )),
            (
                "invalid_request",
                "PreSignUp failed with error No. ".to_owned()
            )
        );
        assert_eq!(
            saml_refusal(&FederatedUserError::AttributeTooLong("name".to_owned())).1,
            "Invalid SAML response received: The value of the attribute name must have a length less than or equal to 2048 characters"
        );
    }

    #[test]
    fn one_value_is_text_and_several_are_a_list() {
        let assertion = SamlAssertion {
            issuer: "https://idp".to_owned(),
            name_id: "alice".to_owned(),
            name_id_format: None,
            session_index: None,
            assertion_id: "_a".to_owned(),
            not_on_or_after: Timestamp(0),
            issue_instant: Timestamp(0),
            in_response_to: None,
            attributes: BTreeMap::from([
                ("email".to_owned(), vec!["a@example.com".to_owned()]),
                ("groups".to_owned(), vec!["x".to_owned(), "y".to_owned()]),
            ]),
        };
        let attributes = assertion_attributes(&assertion);
        assert_eq!(attributes["email"], Value::String("a@example.com".into()));
        assert_eq!(attributes["groups"], serde_json::json!(["x", "y"]));
    }
}
