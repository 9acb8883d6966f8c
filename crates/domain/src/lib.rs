//! The Cognito model and its rules: user pools, app clients, users, groups, codes.
//!
//! # What this crate is not
//! It knows no HTTP, no JSON wire names and no SQL. It reads no wall clock, no environment
//! and no globals: time comes from an injected [`Clock`](time::Clock), randomness from an
//! injected [`RandomSource`](cognate_crypto::random::RandomSource), persistence and delivery
//! through the [`ports`]. Serde derives exist only so the store can persist domain records.
//!
//! # Layout
//! - [`pool`], [`schema`], [`client`], [`user`], [`group`]: the directory and its administration.
//! - [`password`], [`codes`], [`messages`]: password policy, single-use codes, outgoing messages.
//! - `limits`: the attempt counters that protect users (lockout, code answers, code sends).
//! - [`mfa`], [`devices`], [`passkeys`]: users' second factors, remembered devices and passkeys
//!   (their challenges are in [`auth`]).
//! - [`filter`]: ListUsers' filter grammar.
//! - [`domains`], [`resource_server`], [`oauth`]: a pool's domains, its resource servers, and
//!   the OAuth 2.0 / OpenID Connect endpoints its domains serve.
//! - [`hosted_ui`], [`branding`]: the hosted pages of a domain and how they look.
//! - [`import_jobs`]: user import jobs (CSV files imported in the background), with their own
//!   service value and store family; [`legacy_password`]: imported password hashes.
//! - [`transfer`]: export, import and migration of everything a store holds (versioned JSON
//!   lines, secrets re-sealed for a target key, idempotent writes).
//! - [`usage`]: monthly active users and messages sent, counted in the store.
//! - [`identity_pool`]: identity pools (Cognito Identity), a service of its own with its own
//!   ports, beside [`Domain`]; `Domain` serves it user-pool logins.
//! - [`federation`]: external identity providers, a service of its own beside `Domain`.
//! - [`ports`]: the traits `store` and `server` implement.
//! - [`error`]: errors named after Cognito's exceptions, with Cognito's messages.

use std::sync::Arc;

use cognate_crypto::random::RandomSource;

pub mod auth;
pub mod branding;
mod cache;
pub mod client;
pub mod codes;
pub mod devices;
pub mod domains;
pub mod enums;
pub mod error;
pub mod external;
pub mod federation;
pub mod filter;
pub mod group;
pub mod hosted_ui;
pub mod identity_pool;
pub mod ids;
pub mod import_jobs;
pub mod keys;
pub mod legacy_password;
pub mod limits;
pub mod messages;
pub mod mfa_settings;
pub mod oauth;
pub mod paging;
pub mod passkeys;
pub mod password;
pub mod pool;
pub mod ports;
pub mod resource_server;
pub mod schema;
pub mod selfservice;
pub mod signing;
pub mod time;
pub mod tokens;
pub mod transfer;
pub mod triggers;
pub mod usage;
pub mod user;

mod b64;

pub use error::{Error, ErrorKind, PasswordRule, Reason, Result};
pub use keys::Keyring;
pub use ports::{MessageSender, Store};
pub use time::{Clock, Timestamp};

/// Node-level facts the rules need (the rest of the configuration stays in `server`).
#[derive(Debug, Clone)]
pub struct DomainConfig {
    pub region: String,
    pub account_id: String,
    /// Base URL of this deployment, without a trailing slash; issuers hang off it.
    pub public_url: String,
    /// Prefix domains answer at `<prefix>.<auth_domain>` (e.g. `auth.localhost`).
    pub auth_domain: String,
    /// Dev mode: record outgoing messages in the outbox and allow wiping all state.
    pub dev_outbox: bool,
    /// Encrypts the codes handed to custom sender functions; the operator decrypts with it.
    pub custom_sender_key: Option<cognate_crypto::Secret<[u8; 32]>>,
    /// The numbers of the lockout, code and send limits.
    pub limits: limits::UserLimits,
}

/// Everything a domain operation needs, passed explicitly (no globals).
pub struct Domain {
    store: Arc<dyn Store>,
    sender: Arc<dyn MessageSender>,
    triggers: Arc<dyn triggers::TriggerInvoker>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
    keys: Keyring,
    /// The SRP group with its generator table, built once (see `cognate_crypto::srp::SrpGroup`).
    srp: cognate_crypto::srp::SrpGroup,
    config: DomainConfig,
    /// Signing keys opened on this node (TTL-bounded, see `signing`).
    key_cache: signing::KeyCache,
    /// Pool and client settings read on this node (TTL-bounded, see `cache`).
    pool_cache: cache::TtlCache<pool::UserPool>,
    client_cache: cache::TtlCache<client::AppClient>,
    /// Domains and custom scopes read on this node (TTL-bounded, see `oauth`).
    oauth_cache: oauth::OAuthCache,
    /// Users this node has already counted as active this month (see `usage`).
    counted_users: cache::TtlCache<()>,
}

/// How long a node reuses pool and client settings it read.
const SETTINGS_TTL_MS: i64 = 5_000;

/// The ports and keys a [`Domain`] is built from.
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub sender: Arc<dyn MessageSender>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
    pub triggers: Arc<dyn triggers::TriggerInvoker>,
}

impl Domain {
    pub fn new(ports: Ports, keys: Keyring, config: DomainConfig) -> Self {
        Domain {
            store: ports.store,
            sender: ports.sender,
            triggers: ports.triggers,
            clock: ports.clock,
            random: ports.random,
            keys,
            srp: cognate_crypto::srp::SrpGroup::new(),
            config,
            key_cache: signing::KeyCache::default(),
            pool_cache: cache::TtlCache::new(SETTINGS_TTL_MS),
            client_cache: cache::TtlCache::new(SETTINGS_TTL_MS),
            oauth_cache: oauth::OAuthCache::new(SETTINGS_TTL_MS),
            counted_users: cache::TtlCache::new(usage::COUNTED_TTL_MS),
        }
    }

    pub fn config(&self) -> &DomainConfig {
        &self.config
    }

    /// True when the store answers; the health endpoint reports ready only then.
    pub async fn store_is_ready(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    /// Deletes expired sessions and spent single-use markers; run periodically by the server.
    pub async fn purge_expired(&self) -> Result<u64> {
        self.store
            .purge_expired(self.now().millis())
            .await
            .map_err(Error::from)
    }

    /// Drops every cached pool, client and key (after a wipe of the store).
    pub(crate) fn forget_cached_settings(&self) {
        self.pool_cache.clear();
        self.client_cache.clear();
        self.key_cache.clear();
        self.oauth_cache.clear();
        self.counted_users.clear();
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub(crate) fn random(&self) -> &dyn RandomSource {
        self.random.as_ref()
    }

    /// Seals the key a listing stopped at, so page tokens are opaque and cannot be forged
    /// or replayed against another listing.
    pub(crate) fn seal_page_token(&self, scope: &str, key: &str) -> Result<String> {
        let sealed = self
            .keys
            .seal(format!("page:{scope}").as_bytes(), key.as_bytes())?;
        Ok(b64::encode_url(&sealed))
    }

    pub(crate) fn open_page_token(&self, scope: &str, token: &str) -> Result<String> {
        let invalid = || Error::invalid_parameter("The pagination token is invalid.");
        let sealed = b64::decode_url(token).ok_or_else(invalid)?;
        let key = self
            .keys
            .open(format!("page:{scope}").as_bytes(), &sealed)
            .map_err(|_| invalid())?;
        String::from_utf8(key).map_err(|_| invalid())
    }

    /// Trims a fetched page (fetched with `limit + 1`) and mints the token for the rest.
    pub(crate) fn next_page<T>(
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
