//! Federation: a pool's external identity providers and the users they sign in.
//!
//! This is a service of its own beside [`Domain`](crate::Domain), with its own boundary:
//! [`FederationService`] holds the ports it needs — its store family
//! ([`IdentityProviderStore`]), the protocol engine ([`ExternalIdentityProviders`], in
//! `crates/federation`), a clock, randomness and a keyring — and reaches the user pool only
//! through the narrow [`UserDirectory`] interface (pools, users, groups, and the hosted
//! authorization it finishes), which `Domain` implements in `directory.rs`.
//!
//! # Layout
//! - `provider`: the stored provider and the rules of its configuration.
//! - `admin`: Create/Update/Describe/List/Delete IdentityProvider,
//!   GetIdentityProviderByIdentifier and GetSigningCertificate.
//! - `discovery`: the sign-in page's email box (a provider found by the email's domain).
//! - `linking`: AdminLinkProviderForUser and AdminDisableProviderForUser.
//! - `identities`: the `identities` attribute and claim.
//! - `inbound`: the InboundFederation_ExternalProvider trigger's event and answer.
//! - `signin`: the hosted flow through an OIDC or social provider (`/oauth2/authorize` with
//!   `identity_provider`, `/oauth2/idpresponse`) and the federated user Cognito makes.
//! - `saml_signin`: the same through a SAML IdP (`/saml2/idpresponse`, IdP-initiated
//!   sign-in, single logout through `/saml2/logout`).
//!
//! # Invariants
//! No HTTP and no XML here (the engine has them); time and randomness are injected.
//! Secrets in ProviderDetails and SAML private keys are sealed at rest.

mod admin;
mod directory;
mod discovery;
pub mod identities;
pub mod inbound;
pub mod linking;
pub mod provider;
pub mod saml_signin;
pub mod signin;

use std::sync::Arc;

use async_trait::async_trait;
use cognate_crypto::random::RandomSource;
use serde::{Deserialize, Serialize};

pub use admin::{IdentityProviderView, ProviderInput};
pub use provider::{IdentityProvider, PoolSigningKey, StoredKeyPair};
pub use saml_signin::{AfterLogout, SamlCallback, SamlLoggedOut, SamlSignIn};
pub use signin::{FederatedAuthorize, FederatedSignIn, IdpCallback};

use crate::error::{Error, Result};
use crate::external::ExternalIdentityProviders;
use crate::oauth::authorize::{AuthorizeRequest, CheckResult, Checked};
use crate::oauth::{HostedSite, OAuthResult, Redirect, SsoCookie};
use crate::pool::UserPool;
use crate::ports::IdentityProviderStore;
use crate::time::{Clock, Timestamp};
use crate::user::User;
use crate::{Keyring, b64};

/// An outside identity linked to a user by AdminLinkProviderForUser: the identity whose
/// `attribute_name` (`Cognito_Subject`, or for OIDC/SAML a mapped pool attribute) has
/// `attribute_value` at `provider_name` signs in as the user `sub`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FederatedLink {
    pub pool_id: String,
    pub provider_name: String,
    pub attribute_name: String,
    pub attribute_value: String,
    pub sub: String,
    pub created: Timestamp,
}

/// What federation asks of the user pool, and nothing more. `Domain` implements it.
#[async_trait]
pub trait UserDirectory: Send + Sync {
    /// The pool, or ResourceNotFoundException.
    async fn pool(&self, pool_id: &str) -> Result<UserPool>;
    /// A user by username, alias or sub, as the admin operations find them.
    async fn find_user(&self, pool: &UserPool, name: &str) -> Result<Option<User>>;
    async fn user_by_sub(&self, pool_id: &str, sub: &str) -> Result<Option<User>>;
    /// Writes a changed user (version-checked; the version is bumped).
    async fn save_user(&self, pool: &UserPool, user: &mut User) -> Result<()>;
    /// Inserts a new user (a federated profile).
    async fn insert_user(&self, pool: &UserPool, user: &User) -> Result<()>;
    /// Adds the user to a group, creating the group with `description` if it is missing.
    async fn add_to_group(
        &self,
        pool_id: &str,
        group: &str,
        description: &str,
        sub: &str,
    ) -> Result<()>;
    /// Checks `/oauth2/authorize` parameters (client, redirect URI, response type, scopes,
    /// PKCE) as for any sign-in; the outer `Err` must not redirect, the inner must.
    async fn check_authorize_request(
        &self,
        site: &HostedSite,
        request: &AuthorizeRequest,
    ) -> CheckResult;
    /// Opens the domain's SSO session for `user` and issues what the checked request asked
    /// for (a code or tokens).
    async fn complete_federated_authorization(
        &self,
        site: &HostedSite,
        checked: &Checked,
        user: &User,
        auth_time: i64,
    ) -> OAuthResult<(Redirect, Option<SsoCookie>)>;
    /// The triggers of a federated sign-in, in Cognito's order (reference §3.3):
    /// PreSignUp_ExternalProvider before a new profile exists (its auto-verify decisions
    /// applied to `user`), PostConfirmation_ConfirmSignUp after it was made, and
    /// Pre/PostAuthentication_Authentication on later sign-ins.
    async fn federated_trigger(
        &self,
        trigger: FederatedTrigger,
        pool: &UserPool,
        user: &mut User,
        client_id: &str,
    ) -> Result<()>;
    /// InboundFederation_ExternalProvider with this event `request` (`userName` is the
    /// profile's generated username): `Ok(None)` when the pool has no such trigger, else the
    /// function's `response` object.
    async fn inbound_federation_trigger(
        &self,
        pool: &UserPool,
        client_id: &str,
        username: &str,
        request: serde_json::Value,
    ) -> Result<Option<serde_json::Value>>;
    /// Spends a single-use marker; true only for the first caller on any node.
    async fn use_once(&self, key: &str, expires_at_ms: i64) -> Result<bool>;
}

/// A trigger a federated sign-in runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FederatedTrigger {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
}

/// The ports a [`FederationService`] is built from.
pub struct FederationPorts {
    pub store: Arc<dyn IdentityProviderStore>,
    pub external: Arc<dyn ExternalIdentityProviders>,
    pub directory: Arc<dyn UserDirectory>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
}

/// The federation service: identity-provider administration, linking, and hosted sign-in
/// through outside providers.
pub struct FederationService {
    store: Arc<dyn IdentityProviderStore>,
    external: Arc<dyn ExternalIdentityProviders>,
    directory: Arc<dyn UserDirectory>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
    keys: Keyring,
}

impl FederationService {
    pub fn new(ports: FederationPorts, keys: Keyring) -> Self {
        FederationService {
            store: ports.store,
            external: ports.external,
            directory: ports.directory,
            clock: ports.clock,
            random: ports.random,
            keys,
        }
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn seal(&self, purpose: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        self.keys.seal(purpose, plaintext)
    }

    fn open(&self, purpose: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        self.keys.open(purpose, sealed)
    }

    /// A value sealed for `purpose` as URL-safe text: the state a flow hands the browser.
    fn seal_json<T: Serialize>(&self, purpose: &[u8], value: &T) -> Result<String> {
        let plain = serde_json::to_vec(value)
            .map_err(|e| Error::internal(format!("sealed state encoding: {e}")))?;
        Ok(b64::encode_url(&self.seal(purpose, &plain)?))
    }

    /// What [`Self::seal_json`] sealed for `purpose`; `None` for anything else.
    fn open_json<T: for<'de> Deserialize<'de>>(&self, purpose: &[u8], text: &str) -> Option<T> {
        let sealed = b64::decode_url(text)?;
        let plain = self.open(purpose, &sealed).ok()?;
        serde_json::from_slice(&plain).ok()
    }

    fn seal_page_token(&self, pool_id: &str, key: &str) -> Result<String> {
        let sealed = self.seal(format!("page:idp:{pool_id}").as_bytes(), key.as_bytes())?;
        Ok(b64::encode_url(&sealed))
    }

    fn open_page_token(&self, pool_id: &str, token: &str) -> Result<String> {
        let invalid = || Error::invalid_parameter("The pagination token is invalid.");
        let sealed = b64::decode_url(token).ok_or_else(invalid)?;
        let key = self
            .open(format!("page:idp:{pool_id}").as_bytes(), &sealed)
            .map_err(|_| invalid())?;
        String::from_utf8(key).map_err(|_| invalid())
    }
}
