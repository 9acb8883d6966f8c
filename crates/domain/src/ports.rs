//! The ports the domain needs from the outside world: persistence and message delivery.
//!
//! `store` implements [`Store`] for SQLite and PostgreSQL; `server` implements
//! [`MessageSender`] with SMTP and an SMS webhook. The domain only sees these traits.

use async_trait::async_trait;

use crate::branding::{ManagedLoginBranding, UiCustomization};
use crate::client::AppClient;
use crate::devices::Device;
use crate::domains::UserPoolDomain;
use crate::federation::{FederatedLink, IdentityProvider, PoolSigningKey};
use crate::group::Group;
use crate::messages::{OutboxEntry, OutgoingMessage};
use crate::passkeys::Passkey;
use crate::pool::UserPool;
use crate::resource_server::ResourceServer;
use crate::signing::SigningKeyRecord;
use crate::time::Timestamp;
use crate::tokens::AuthSession;
use crate::user::User;

/// Why a store call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule or an optimistic-locking version check refused the write.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// The backend failed; the text is for logs only.
    #[error("store backend: {0}")]
    Backend(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A row with the same key exists (pool id, client id, group name).
    Exists,
    /// Another user in the pool has this username key.
    Username,
    /// Another user in the pool holds this alias key (e.g. `email:a@example.com`).
    Alias(String),
    /// The row changed since it was read.
    Version,
    /// The row to update or link is gone.
    Missing,
}

pub type StoreResult<T> = std::result::Result<T, StoreError>;

impl From<StoreError> for crate::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(Conflict::Version) => crate::Error::new(
                crate::ErrorKind::ConcurrentModification,
                "The resource was modified by another request. Retry the operation.",
            ),
            other => crate::Error::internal(other.to_string()),
        }
    }
}

/// How a user row is written, with the lookup keys the domain computed for it.
#[derive(Debug, Clone)]
pub struct UserWrite {
    pub user: User,
    pub keys: UserKeys,
    /// `None` inserts; `Some(v)` updates the row only if it still has version `v`.
    pub expected_version: Option<i64>,
}

/// Keys a user can be found by. The domain decides them; the store indexes them and
/// enforces uniqueness of `username_key` and `aliases` within the pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserKeys {
    pub username_key: String,
    /// Unique within the pool, e.g. `email:alice@example.com`.
    pub aliases: Vec<String>,
    /// (attribute, value) pairs ListUsers may filter on.
    pub search: Vec<(String, String)>,
}

/// A ListUsers query: optional filter, continue after `after` (a username key), at most `limit`.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub filter: Option<SearchFilter>,
    pub after: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchFilter {
    pub attribute: String,
    pub value: String,
    pub prefix: bool,
}

/// A single-use code (confirmation, reset, attribute verification), stored as a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    pub pool_id: String,
    pub sub: String,
    pub purpose: String,
    pub hash: Vec<u8>,
    pub expires_at_ms: i64,
}

/// How many attempts one counter allows, and how fast: what [`Store::reserve_attempt`]
/// enforces. The domain decides the numbers (see `limits`); the store only applies them, in
/// one statement, so that concurrent requests on any node cannot overrun them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLimit {
    /// Attempts the counter holds at most; the next one is refused.
    pub max_attempts: i64,
    /// The count starts afresh once this long has passed since the last attempt reserved.
    pub reset_after_ms: i64,
    /// Delays between attempts once enough are counted, if any.
    pub backoff: Option<Backoff>,
}

/// Exponential delays: once `after_attempts` attempts are counted, the next one must wait
/// `first_delay_ms` after the last, doubling with each further attempt up to `max_delay_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub after_attempts: i64,
    pub first_delay_ms: i64,
    pub max_delay_ms: i64,
}

/// Persistence. Implementations have no rules: they store, index and query.
///
/// The records of the hosted OAuth surface (domains, resource servers) are in the
/// [`OAuthStore`] half, which every store implements too; a user's remembered devices are
/// in the [`AuthenticatorStore`] half; identity pools in their own family,
/// [`IdentityStore`](crate::identity_pool::IdentityStore).
#[async_trait]
pub trait Store:
    OAuthStore
    + BrandingStore
    + AuthenticatorStore
    + crate::import_jobs::ImportJobStore
    + crate::transfer::BulkStore
    + crate::usage::UsageStore
    + crate::identity_pool::IdentityStore
    + IdentityProviderStore
    + Send
    + Sync
{
    /// Answers only when the backend is reachable.
    async fn ping(&self) -> StoreResult<()>;

    async fn insert_pool(&self, pool: &UserPool) -> StoreResult<()>;
    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>>;
    async fn update_pool(&self, pool: &UserPool, expected_version: i64) -> StoreResult<()>;
    /// Deletes the pool and everything in it; false when it did not exist.
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool>;
    /// Pools ordered by id, after `after`.
    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserPool>>;

    async fn insert_client(&self, client: &AppClient) -> StoreResult<()>;
    /// Client ids are unique across pools, so the id alone finds the client.
    async fn get_client(&self, client_id: &str) -> StoreResult<Option<AppClient>>;
    async fn update_client(&self, client: &AppClient, expected_version: i64) -> StoreResult<()>;
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool>;
    /// Clients of a pool ordered by client id, after `after`.
    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppClient>>;

    /// Writes users atomically: all or none.
    async fn save_users(&self, writes: &[UserWrite]) -> StoreResult<()>;
    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>>;
    async fn get_user_by_username_key(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> StoreResult<Option<User>>;
    async fn get_user_by_alias(&self, pool_id: &str, alias_key: &str) -> StoreResult<Option<User>>;
    /// Deletes a user with its keys, group memberships and codes.
    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<bool>;
    /// Users ordered by username key.
    async fn list_users(&self, pool_id: &str, query: &UserQuery) -> StoreResult<Vec<User>>;
    async fn count_users(&self, pool_id: &str) -> StoreResult<u64>;

    async fn insert_group(&self, group: &Group) -> StoreResult<()>;
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>>;
    async fn update_group(&self, group: &Group) -> StoreResult<()>;
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<bool>;
    /// Groups ordered by name, after `after`.
    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>>;
    /// Idempotent: adding an existing member succeeds.
    async fn add_user_to_group(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()>;
    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()>;
    /// The user's groups ordered by name, after `after`.
    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>>;
    /// Members ordered by username key, after `after`.
    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>>;

    /// Stores a code, replacing any earlier code of the same user and purpose.
    async fn put_code(&self, code: &StoredCode) -> StoreResult<()>;
    async fn get_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<Option<StoredCode>>;
    /// Removes the code; true only for the caller that actually removed it (single use).
    async fn take_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
        hash: &[u8],
    ) -> StoreResult<bool>;

    /// Inserts a signing key; `Conflict::Exists` when the pool already has a key of the same
    /// purpose without a retirement time, or the kid is taken.
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()>;
    /// Every key of the pool, retired ones included.
    async fn list_signing_keys(&self, pool_id: &str) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Brings in `key` as the successor of the pool's keys of its purpose, atomically: the
    /// key without a retirement time is given `key.activates` as one (or, with
    /// `withdraw_others`, every other key of the purpose is deleted), then `key` is inserted.
    /// `Conflict::Exists` when a concurrent rotation inserted first.
    async fn rotate_signing_key(
        &self,
        key: &SigningKeyRecord,
        withdraw_others: bool,
    ) -> StoreResult<()>;

    /// A deployment-wide setting every node reads at start (the key-encryption key's check
    /// value, the public URL nodes last started with).
    async fn get_setting(&self, name: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Stores a setting only if it is not there yet; false when another value was first.
    async fn insert_setting(&self, name: &str, value: &[u8]) -> StoreResult<bool>;
    /// Stores a setting, replacing any earlier value.
    async fn put_setting(&self, name: &str, value: &[u8]) -> StoreResult<()>;

    async fn insert_session(&self, session: &AuthSession) -> StoreResult<()>;
    async fn get_session(&self, origin_jti: &str) -> StoreResult<Option<AuthSession>>;
    /// The session whose current or previous refresh-token hash is `hash`.
    async fn get_session_by_refresh_hash(&self, hash: &[u8]) -> StoreResult<Option<AuthSession>>;
    /// Replaces the session (after rotation) only if its refresh hash is still `expected`;
    /// false when another request rotated it first.
    async fn rotate_session(
        &self,
        session: &AuthSession,
        expected_refresh_hash: &[u8],
    ) -> StoreResult<bool>;
    /// Marks one session revoked; false when it does not exist.
    async fn revoke_session(&self, origin_jti: &str, at: Timestamp) -> StoreResult<bool>;
    /// Marks every unrevoked session of the user revoked; returns how many.
    async fn revoke_user_sessions(
        &self,
        pool_id: &str,
        sub: &str,
        at: Timestamp,
    ) -> StoreResult<u64>;

    /// Records a single-use marker; true only for the first caller (across all nodes).
    async fn use_once(&self, key: &str, expires_at_ms: i64) -> StoreResult<bool>;

    /// Reserves one attempt on the counter `key` at `now_ms`, if `limit` allows one: returns
    /// the attempts now counted, or `None` (and changes nothing) when the attempt is refused.
    /// The check and the count are one statement, so of concurrent callers on any node no
    /// more get through than the limit allows. A refused attempt does not count: it neither
    /// lengthens a delay nor keeps the counter from starting afresh.
    async fn reserve_attempt(
        &self,
        pool_id: &str,
        key: &str,
        limit: &AttemptLimit,
        now_ms: i64,
    ) -> StoreResult<Option<i64>>;
    /// Forgets the counter (a success ends the run of attempts).
    async fn clear_attempts(&self, pool_id: &str, key: &str) -> StoreResult<()>;

    /// Deletes sessions, single-use markers and attempt counters that expired before
    /// `now_ms`; returns how many rows.
    async fn purge_expired(&self, now_ms: i64) -> StoreResult<u64>;

    async fn append_outbox(&self, entry: &OutboxEntry) -> StoreResult<()>;
    /// Newest first, optionally for one pool.
    async fn list_outbox(&self, pool_id: Option<&str>, limit: u32)
    -> StoreResult<Vec<OutboxEntry>>;

    /// Deletes every row of every table but the settings (dev mode's reset).
    async fn wipe_all(&self) -> StoreResult<()>;
}

/// Delivers email and SMS. Failures are reported, not retried here.
#[async_trait]
pub trait MessageSender: Send + Sync {
    async fn send(&self, message: &OutgoingMessage) -> std::result::Result<(), String>;

    /// Hands a message over without making the caller wait for the delivery (an
    /// implementation with a runtime sends it in the background); a failure is logged. Used
    /// where the answer and its timing must not tell whether the user exists. By default the
    /// delivery is awaited, but its failure is still only logged.
    async fn send_detached(&self, message: OutgoingMessage) {
        if let Err(detail) = self.send(&message).await {
            tracing::warn!(pool_id = %message.pool_id, medium = %message.medium, %detail, "message delivery failed");
        }
    }
}

/// Persistence of what a pool's domain and its OAuth endpoints need: the domains a pool
/// answers at and its resource servers. Both go with their pool.
#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// Inserts a domain; `Conflict::Exists` when the name is taken (by any pool) or the pool
    /// already has a domain of this kind.
    async fn insert_domain(&self, domain: &UserPoolDomain) -> StoreResult<()>;
    /// The domain with this name, in whatever pool.
    async fn get_domain(&self, name: &str) -> StoreResult<Option<UserPoolDomain>>;
    /// The pool's domains (at most one of each kind), ordered by name.
    async fn list_pool_domains(&self, pool_id: &str) -> StoreResult<Vec<UserPoolDomain>>;
    /// Replaces a domain's record; `Conflict::Missing` when it is gone.
    async fn update_domain(&self, domain: &UserPoolDomain) -> StoreResult<()>;
    async fn delete_domain(&self, pool_id: &str, name: &str) -> StoreResult<bool>;

    /// `Conflict::Exists` when the pool has a resource server with this identifier.
    async fn insert_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> StoreResult<Option<ResourceServer>>;
    /// `Conflict::Missing` when it is gone.
    async fn update_resource_server(&self, server: &ResourceServer) -> StoreResult<()>;
    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> StoreResult<bool>;
    /// Resource servers of a pool ordered by identifier, after `after`.
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<ResourceServer>>;
}

/// Persistence of the hosted pages' branding: classic customizations (one per pool and
/// client key, `ALL` for the pool's default) and managed login branding styles (one per app
/// client). Both go with their pool.
#[async_trait]
pub trait BrandingStore: Send + Sync {
    /// Inserts or replaces the customization of `(pool_id, client_id)`.
    async fn put_ui_customization(&self, customization: &UiCustomization) -> StoreResult<()>;
    async fn get_ui_customization(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<UiCustomization>>;

    /// `Conflict::Exists` when the client already has a style (or the id is taken).
    async fn insert_branding(&self, branding: &ManagedLoginBranding) -> StoreResult<()>;
    async fn get_branding(
        &self,
        pool_id: &str,
        branding_id: &str,
    ) -> StoreResult<Option<ManagedLoginBranding>>;
    async fn get_branding_by_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<ManagedLoginBranding>>;
    /// `Conflict::Missing` when it is gone.
    async fn update_branding(&self, branding: &ManagedLoginBranding) -> StoreResult<()>;
    async fn delete_branding(&self, pool_id: &str, branding_id: &str) -> StoreResult<bool>;
}

/// Persistence of what users authenticate with besides their password: their remembered
/// devices and their passkeys. They go with their user.
#[async_trait]
pub trait AuthenticatorStore: Send + Sync {
    /// Inserts a device; `Conflict::Exists` when the user has a device with this key,
    /// `Conflict::Missing` when the user is gone.
    async fn insert_device(&self, device: &Device) -> StoreResult<()>;
    async fn get_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
    ) -> StoreResult<Option<Device>>;
    /// Replaces a device's record; `Conflict::Missing` when it is gone.
    async fn update_device(&self, device: &Device) -> StoreResult<()>;
    async fn delete_device(&self, pool_id: &str, sub: &str, device_key: &str) -> StoreResult<bool>;
    /// The user's devices ordered by device key, after `after`.
    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Device>>;

    /// Inserts a passkey; `Conflict::Exists` when the user has one with this credential id,
    /// `Conflict::Missing` when the user is gone.
    async fn insert_passkey(&self, passkey: &Passkey) -> StoreResult<()>;
    async fn get_passkey(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> StoreResult<Option<Passkey>>;
    /// Replaces a passkey's record; `Conflict::Missing` when it is gone.
    async fn update_passkey(&self, passkey: &Passkey) -> StoreResult<()>;
    async fn delete_passkey(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> StoreResult<bool>;
    /// The user's passkeys ordered by credential id, after `after`.
    async fn list_passkeys(
        &self,
        pool_id: &str,
        sub: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Passkey>>;
}

/// Persistence of federation: a pool's identity providers (found by name and by
/// IdpIdentifier), its SAML signing key, and the links AdminLinkProviderForUser makes from an
/// outside identity to a user. Providers and the signing key go with their pool, links with
/// their user.
#[async_trait]
pub trait IdentityProviderStore: Send + Sync {
    /// Inserts a provider with the keys of its identifiers, atomically: `Conflict::Exists`
    /// when the pool has a provider of this name, `Conflict::Alias(key)` when another
    /// provider of the pool holds an identifier key.
    async fn insert_identity_provider(
        &self,
        provider: &IdentityProvider,
        identifier_keys: &[String],
    ) -> StoreResult<()>;
    async fn get_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> StoreResult<Option<IdentityProvider>>;
    /// The provider that holds this identifier key.
    async fn get_identity_provider_by_identifier(
        &self,
        pool_id: &str,
        identifier_key: &str,
    ) -> StoreResult<Option<IdentityProvider>>;
    /// Replaces a provider and its identifier keys atomically: `Conflict::Missing` when it
    /// is gone, `Conflict::Alias(key)` when another provider holds an identifier key.
    async fn update_identity_provider(
        &self,
        provider: &IdentityProvider,
        identifier_keys: &[String],
    ) -> StoreResult<()>;
    /// Deletes a provider with its identifier keys; false when it did not exist.
    async fn delete_identity_provider(&self, pool_id: &str, name: &str) -> StoreResult<bool>;
    /// Providers of a pool ordered by name, after `after`.
    async fn list_identity_providers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<IdentityProvider>>;

    /// Stores the pool's SAML signing key unless it has one; false when another was first.
    async fn insert_pool_signing_key(&self, key: &PoolSigningKey) -> StoreResult<bool>;
    async fn get_pool_signing_key(&self, pool_id: &str) -> StoreResult<Option<PoolSigningKey>>;

    /// Inserts a link: `Conflict::Exists` when this outside identity (provider, attribute,
    /// value) is linked already, `Conflict::Missing` when the user is gone.
    async fn insert_federated_link(&self, link: &FederatedLink) -> StoreResult<()>;
    async fn get_federated_link(
        &self,
        pool_id: &str,
        provider_name: &str,
        attribute_name: &str,
        attribute_value: &str,
    ) -> StoreResult<Option<FederatedLink>>;
    /// The links to one user, ordered by provider, attribute and value.
    async fn list_federated_links_for_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> StoreResult<Vec<FederatedLink>>;
    /// The distinct attribute names the links of one provider use, in order.
    async fn linked_attribute_names(
        &self,
        pool_id: &str,
        provider_name: &str,
    ) -> StoreResult<Vec<String>>;
    async fn delete_federated_link(
        &self,
        pool_id: &str,
        provider_name: &str,
        attribute_name: &str,
        attribute_value: &str,
    ) -> StoreResult<bool>;
}
