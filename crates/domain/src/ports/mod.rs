//! The ports the domain needs from the outside world: persistence and message delivery.
//!
//! `store` implements [`Store`] for SQLite and PostgreSQL, and `testkit` in memory; `server`
//! implements [`MessageSender`] with SMTP and an SMS webhook. The domain only sees these traits.
//!
//! [`Store`] is the sum of one trait per record family, each in its own file here, with its
//! SQL in `store/src/sql/<family>.rs` and its conformance tests in
//! `testkit/src/store_suite/<family>.rs`. The families of newer services sit with them:
//! import jobs, bulk reads, usage and identity pools.

use async_trait::async_trait;

use crate::messages::OutgoingMessage;

mod authenticators;
mod branding;
mod codes;
mod deployment;
mod groups;
mod identity_providers;
mod oauth;
mod outbox;
mod pools;
mod sessions;
mod signing_keys;
mod users;

pub use authenticators::AuthenticatorStore;
pub use branding::BrandingStore;
pub use codes::{AttemptLimit, Backoff, CodeStore, StoredCode};
pub use deployment::DeploymentStore;
pub use groups::GroupStore;
pub use identity_providers::IdentityProviderStore;
pub use oauth::OAuthStore;
pub use outbox::OutboxStore;
pub use pools::PoolStore;
pub use sessions::SessionStore;
pub use signing_keys::SigningKeyStore;
pub use users::{SearchFilter, UserKeys, UserQuery, UserStore, UserWrite};

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

/// Persistence: every record family. Implementations have no rules: they store, index and
/// query. Code that needs the whole store takes `Arc<dyn Store>`; a service that needs only
/// some families may name just those.
pub trait Store:
    PoolStore
    + UserStore
    + GroupStore
    + CodeStore
    + SessionStore
    + SigningKeyStore
    + DeploymentStore
    + OutboxStore
    + OAuthStore
    + BrandingStore
    + AuthenticatorStore
    + IdentityProviderStore
    + crate::import_jobs::ImportJobStore
    + crate::transfer::BulkStore
    + crate::usage::UsageStore
    + crate::identity_pool::IdentityStore
    + Send
    + Sync
{
}

/// Whatever implements every family is a [`Store`].
impl<T> Store for T where
    T: PoolStore
        + UserStore
        + GroupStore
        + CodeStore
        + SessionStore
        + SigningKeyStore
        + DeploymentStore
        + OutboxStore
        + OAuthStore
        + BrandingStore
        + AuthenticatorStore
        + IdentityProviderStore
        + crate::import_jobs::ImportJobStore
        + crate::transfer::BulkStore
        + crate::usage::UsageStore
        + crate::identity_pool::IdentityStore
        + Send
        + Sync
        + ?Sized
{
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
