//! Identity pools (Cognito Identity, "federated identities"): a service of its own beside the
//! user pools, which hands app users an identity id and AWS credentials.
//!
//! [`IdentityPools`] owns the rules and holds its own ports; it is not a part of
//! [`Domain`](crate::Domain). What it needs from user pools (checking an ID token, the
//! ServerSideTokenCheck) comes through the [`UserPoolLogins`] trait, which `Domain`
//! implements (`user_pools.rs`); what it needs from external providers (Google, Facebook,
//! Login with Amazon, Apple, OpenID Connect and SAML providers) comes through the domain's
//! [`ExternalIdentityProviders`] port, which `crates/federation` implements for hosted
//! federation too, so each provider's token checks exist once.
//!
//! # Layout
//! - [`pool`]: identity pools and their settings, tags, the pool limits.
//! - [`roles`]: the Roles map and RoleMappings, and the role Cognito chooses for a login.
//! - [`logins`]: a Logins key → the kind of provider it names → a verified login.
//! - [`external`]: logins from external providers, checked through the port, and the IAM
//!   OpenID Connect and SAML providers this node knows ([`OidcProviderConfig`],
//!   [`SamlProviderConfig`]).
//! - [`identity`]: identity ids, GetId, linking and merging, the identity operations.
//! - [`developer`]: developer-authenticated identities.
//! - [`openid`]: the identity issuer: its RS512 keys (sealed, like the user pools'),
//!   OpenID tokens, discovery and JWKS.
//! - [`credentials`]: GetCredentialsForIdentity and GetOpenIdToken, and the
//!   [`CredentialIssuer`] port AWS credentials come from.
//! - [`principal_tags`]: claims → session tags (Set/GetPrincipalTagAttributeMap).
//! - [`ports`]: [`IdentityStore`], the store family identity pools persist in.
//!
//! # Invariants
//! - No HTTP, no SQL, no clock, no environment: as the rest of the domain.
//! - The identity issuer's tokens are the only proof of an identity this service accepts
//!   without a provider login (`cognito-identity.amazonaws.com`), and only for the identity
//!   and pool they name.
//! - A login (provider, subject) belongs to at most one identity of a pool: the store's
//!   unique index backs what [`identity`] decides.

use std::sync::Arc;

use cognate_crypto::random::RandomSource;

use crate::Keyring;
use crate::cache::TtlCache;
use crate::error::{Error, Result};
use crate::external::ExternalIdentityProviders;
use crate::time::{Clock, Timestamp};

pub mod credentials;
pub mod developer;
pub mod external;
pub mod identity;
pub mod logins;
pub mod openid;
pub mod pool;
pub mod ports;
pub mod principal_tags;
pub mod roles;
mod user_pools;

#[cfg(test)]
mod tests;

pub use credentials::{AssumeRoleRequest, AwsCredentials, CredentialError, CredentialIssuer};
pub use external::{OidcProviderConfig, SamlProviderConfig};
pub use identity::Identity;
pub use logins::{ExternalProvider, IdTokenRejection, UserPoolLogins};
pub use pool::IdentityPool;
pub use ports::IdentityStore;

/// The path under the public URL where the identity issuer lives: its tokens' `iss` is
/// `<public URL>/cognito-identity`, discovery is at `<iss>/.well-known/openid-configuration`
/// and the keys at `<iss>/.well-known/jwks_uri` (Cognito's own name for it).
pub const ISSUER_PATH: &str = "/cognito-identity";

/// Node-level facts identity pools need.
#[derive(Debug, Clone)]
pub struct IdentityConfig {
    pub region: String,
    pub account_id: String,
    /// Base URL of this deployment, without a trailing slash.
    pub public_url: String,
    /// The IAM OpenID Connect providers pools may name in OpenIdConnectProviderARNs: on AWS
    /// they live in IAM; here the node's configuration lists them.
    pub openid_connect_providers: Vec<OidcProviderConfig>,
    /// The IAM SAML providers pools may name in SamlProviderARNs, likewise.
    pub saml_providers: Vec<SamlProviderConfig>,
}

impl IdentityConfig {
    /// The `iss` of identity-pool OpenID tokens.
    pub fn issuer(&self) -> String {
        format!("{}{ISSUER_PATH}", self.public_url)
    }
}

/// The ports an [`IdentityPools`] is built from.
pub struct IdentityPorts {
    pub store: Arc<dyn IdentityStore>,
    pub user_pools: Arc<dyn UserPoolLogins>,
    pub external: Arc<dyn ExternalIdentityProviders>,
    pub credentials: Arc<dyn CredentialIssuer>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
}

/// The identity-pool service: every Cognito Identity operation is a method of this value.
pub struct IdentityPools {
    store: Arc<dyn IdentityStore>,
    user_pools: Arc<dyn UserPoolLogins>,
    external: Arc<dyn ExternalIdentityProviders>,
    credentials: Arc<dyn CredentialIssuer>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
    keys: Keyring,
    config: IdentityConfig,
    /// Pool settings read on this node, for a few seconds (as user-pool settings are).
    pool_cache: TtlCache<IdentityPool>,
    /// The issuer's keys opened on this node, for a short time.
    issuer_keys: openid::IssuerKeyCache,
}

/// How long a node reuses identity-pool settings it read.
const SETTINGS_TTL_MS: i64 = 5_000;

impl IdentityPools {
    pub fn new(ports: IdentityPorts, keys: Keyring, config: IdentityConfig) -> Self {
        IdentityPools {
            store: ports.store,
            user_pools: ports.user_pools,
            external: ports.external,
            credentials: ports.credentials,
            clock: ports.clock,
            random: ports.random,
            keys,
            config,
            pool_cache: TtlCache::new(SETTINGS_TTL_MS),
            issuer_keys: openid::IssuerKeyCache::default(),
        }
    }

    pub fn config(&self) -> &IdentityConfig {
        &self.config
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn random(&self) -> &dyn RandomSource {
        self.random.as_ref()
    }

    /// `<region>:<uuid>`, the form of identity pool ids and identity ids.
    fn new_regional_id(&self) -> String {
        format!(
            "{}:{}",
            self.config.region,
            crate::ids::new_uuid(self.random())
        )
    }

    /// Drops what this node cached (after a wipe of the store in dev mode).
    pub fn forget_cached_settings(&self) {
        self.pool_cache.clear();
        self.issuer_keys.clear();
    }

    fn seal_page_token(&self, scope: &str, key: &str) -> Result<String> {
        let sealed = self
            .keys
            .seal(format!("identity-page:{scope}").as_bytes(), key.as_bytes())?;
        Ok(crate::b64::encode_url(&sealed))
    }

    fn open_page_token(&self, scope: &str, token: &str) -> Result<String> {
        let invalid = || Error::invalid_parameter("The pagination token is invalid.");
        let sealed = crate::b64::decode_url(token).ok_or_else(invalid)?;
        let key = self
            .keys
            .open(format!("identity-page:{scope}").as_bytes(), &sealed)
            .map_err(|_| invalid())?;
        String::from_utf8(key).map_err(|_| invalid())
    }

    /// Trims a page fetched with `limit + 1` items and mints the token for the rest.
    fn next_page<T>(
        &self,
        items: &mut Vec<T>,
        limit: u32,
        scope: &str,
        key: impl Fn(&T) -> String,
    ) -> Result<Option<String>> {
        if items.len() <= limit as usize {
            return Ok(None);
        }
        items.truncate(limit as usize);
        items
            .last()
            .map(|last| self.seal_page_token(scope, &key(last)))
            .transpose()
    }
}
