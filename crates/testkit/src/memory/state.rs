//! The tables of [`MemoryStore`](super::MemoryStore), keyed as the SQL tables are, and the
//! cascades that follow a pool or a user when it goes.
//!
//! Maps are ordered by their key, so a pool's rows are one run of a map in key order, which
//! is the order the port lists them in.

use std::collections::{BTreeMap, BTreeSet};

use cognate_domain::branding::{ManagedLoginBranding, UiCustomization};
use cognate_domain::client::AppClient;
use cognate_domain::devices::Device;
use cognate_domain::domains::UserPoolDomain;
use cognate_domain::federation::{FederatedLink, IdentityProvider, PoolSigningKey};
use cognate_domain::group::Group;
use cognate_domain::identity_pool::openid::IssuerKeyRecord;
use cognate_domain::identity_pool::{Identity, IdentityPool};
use cognate_domain::import_jobs::{ImportChunk, ImportJob};
use cognate_domain::messages::OutboxEntry;
use cognate_domain::passkeys::Passkey;
use cognate_domain::pool::UserPool;
use cognate_domain::ports::{Conflict, StoreResult, StoredCode, UserKeys};
use cognate_domain::resource_server::ResourceServer;
use cognate_domain::signing::SigningKeyRecord;
use cognate_domain::tokens::AuthSession;
use cognate_domain::user::User;

use super::{conflict, k};

/// `(pool id, key)`.
pub(super) type PoolKey = (String, String);
/// `(pool id, sub, key)`: a row that goes with its user.
pub(super) type UserRowKey = (String, String, String);

/// A user with the keys the domain computed for it.
#[derive(Clone)]
pub(super) struct UserRow {
    pub user: User,
    pub keys: UserKeys,
}

/// An attempt counter (`attempt_counters`).
#[derive(Clone, Copy)]
pub(super) struct Counter {
    pub attempts: i64,
    pub last_ms: i64,
    pub expires_ms: i64,
}

/// An import job with its lease (`user_import_jobs`); the job's `status` is the column.
#[derive(Clone)]
pub(super) struct JobRow {
    pub job: ImportJob,
    pub lease_owner: Option<String>,
    pub lease_until_ms: Option<i64>,
}

#[derive(Clone, Default)]
pub(super) struct State {
    pub pools: BTreeMap<String, UserPool>,
    /// By client id, which is unique across pools.
    pub clients: BTreeMap<String, AppClient>,

    /// By `(pool, sub)`.
    pub users: BTreeMap<PoolKey, UserRow>,
    /// `(pool, username key)` → sub.
    pub usernames: BTreeMap<PoolKey, String>,
    /// `(pool, alias key)` → sub.
    pub aliases: BTreeMap<PoolKey, String>,

    pub groups: BTreeMap<PoolKey, Group>,
    /// `(pool, group name, sub)`. SQL keys memberships by username key with `ON UPDATE
    /// CASCADE`; keying by sub gives the same answers without the cascade.
    pub members: BTreeSet<UserRowKey>,

    /// By `(pool, sub, purpose)`.
    pub codes: BTreeMap<UserRowKey, StoredCode>,
    /// By `(pool, kid)`.
    pub signing_keys: BTreeMap<PoolKey, SigningKeyRecord>,
    pub settings: BTreeMap<String, Vec<u8>>,
    /// By origin jti.
    pub sessions: BTreeMap<String, AuthSession>,
    /// Single-use marker → when it expires.
    pub markers: BTreeMap<String, i64>,
    /// By `(pool, counter key)`.
    pub counters: BTreeMap<PoolKey, Counter>,
    /// In the order appended.
    pub outbox: Vec<OutboxEntry>,

    /// By domain name, unique across pools.
    pub domains: BTreeMap<String, UserPoolDomain>,
    /// By `(pool, identifier)`.
    pub resource_servers: BTreeMap<PoolKey, ResourceServer>,
    /// By `(pool, client id)`.
    pub ui_customizations: BTreeMap<PoolKey, UiCustomization>,
    /// By branding id, unique across pools.
    pub brandings: BTreeMap<String, ManagedLoginBranding>,

    /// By `(pool, sub, device key)`.
    pub devices: BTreeMap<UserRowKey, Device>,
    /// By `(pool, sub, credential id)`.
    pub passkeys: BTreeMap<UserRowKey, Passkey>,

    /// By `(pool, job id)`.
    pub import_jobs: BTreeMap<PoolKey, JobRow>,
    /// By `(pool, job id, seq)`.
    pub import_chunks: BTreeMap<(String, String, u32), ImportChunk>,

    /// `(pool, month, sub)`.
    pub active_users: BTreeSet<UserRowKey>,
    /// `(pool, month, medium)` → messages sent.
    pub messages: BTreeMap<UserRowKey, u64>,

    pub identity_pools: BTreeMap<String, IdentityPool>,
    /// By identity id.
    pub identities: BTreeMap<String, Identity>,
    /// `(identity pool, provider, subject)` → identity id.
    pub identity_logins: BTreeMap<UserRowKey, String>,
    /// By kid.
    pub issuer_keys: BTreeMap<String, IssuerKeyRecord>,

    /// By `(pool, name)`.
    pub providers: BTreeMap<PoolKey, IdentityProvider>,
    /// `(pool, identifier key)` → provider name.
    pub provider_identifiers: BTreeMap<PoolKey, String>,
    pub pool_signing_keys: BTreeMap<String, PoolSigningKey>,
    /// By `(pool, provider, attribute name, attribute value)`.
    pub links: BTreeMap<(String, String, String, String), FederatedLink>,
}

impl State {
    /// `Conflict::Missing` unless the pool exists: what a foreign key to `user_pools` does.
    pub fn need_pool(&self, pool_id: &str) -> StoreResult<()> {
        if self.pools.contains_key(pool_id) {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    /// `Conflict::Missing` unless the user exists: a foreign key to `users`.
    pub fn need_user(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
        if self.users.contains_key(&(k(pool_id), k(sub))) {
            Ok(())
        } else {
            conflict(Conflict::Missing)
        }
    }

    /// Removes a user and every row that goes with it. Attempt counters stay (they are keyed
    /// by pool, and a new user never has this sub), as do usage counts.
    pub fn remove_user(&mut self, pool_id: &str, sub: &str) -> bool {
        let Some(row) = self.users.remove(&(k(pool_id), k(sub))) else {
            return false;
        };
        self.usernames
            .remove(&(k(pool_id), row.keys.username_key.clone()));
        self.drop_user_keys(pool_id, sub);
        let of_user = |p: &str, s: &str| p == pool_id && s == sub;
        self.members.retain(|(p, _, s)| !of_user(p, s));
        self.codes.retain(|(p, s, _), _| !of_user(p, s));
        self.sessions
            .retain(|_, session| !of_user(&session.pool_id, &session.sub));
        self.devices.retain(|(p, s, _), _| !of_user(p, s));
        self.passkeys.retain(|(p, s, _), _| !of_user(p, s));
        self.links
            .retain(|_, link| !of_user(&link.pool_id, &link.sub));
        true
    }

    /// Drops the alias keys a user holds (its search keys live in its row).
    pub fn drop_user_keys(&mut self, pool_id: &str, sub: &str) {
        self.aliases.retain(|(p, _), s| !(p == pool_id && s == sub));
    }

    /// Removes a pool and everything in it, the outbox entries of the pool included.
    pub fn remove_pool(&mut self, pool_id: &str) -> bool {
        if self.pools.remove(pool_id).is_none() {
            return false;
        }
        let subs: Vec<String> = self
            .users
            .keys()
            .filter(|(p, _)| p == pool_id)
            .map(|(_, sub)| sub.clone())
            .collect();
        for sub in subs {
            self.remove_user(pool_id, &sub);
        }
        let in_pool = |p: &str| p == pool_id;
        self.clients.retain(|_, c| !in_pool(&c.pool_id));
        self.groups.retain(|(p, _), _| !in_pool(p));
        self.signing_keys.retain(|(p, _), _| !in_pool(p));
        self.counters.retain(|(p, _), _| !in_pool(p));
        self.outbox.retain(|entry| !in_pool(&entry.pool_id));
        self.domains.retain(|_, d| !in_pool(&d.pool_id));
        self.resource_servers.retain(|(p, _), _| !in_pool(p));
        self.ui_customizations.retain(|(p, _), _| !in_pool(p));
        self.brandings.retain(|_, b| !in_pool(&b.pool_id));
        self.import_jobs.retain(|(p, _), _| !in_pool(p));
        self.import_chunks.retain(|(p, _, _), _| !in_pool(p));
        self.active_users.retain(|(p, _, _)| !in_pool(p));
        self.messages.retain(|(p, _, _), _| !in_pool(p));
        self.providers.retain(|(p, _), _| !in_pool(p));
        self.provider_identifiers.retain(|(p, _), _| !in_pool(p));
        self.pool_signing_keys.remove(pool_id);
        true
    }
}
