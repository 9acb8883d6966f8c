//! Moving a whole deployment's state out of one store and into another: `cognate export`,
//! `cognate import` and `cognate migrate` are thin commands over this module.
//!
//! # The file
//! JSON lines, streamed, versioned: a header line
//! `{"cognate_export":{"version":1,"key_id":"…","created":…}}`, then one record per line
//! (`{"pool":{…}}`, `{"user":{…}}`, …, each the record exactly as the store keeps it), then
//! `{"end":{"records":N}}`, so a truncated file is told from a complete one. Records come in
//! the order they can be written in: a pool, its signing keys (and SAML signing key),
//! clients (with their customization and branding), domains, resource servers, identity
//! providers, groups, users (with their devices, passkeys and federated links), group
//! memberships; sessions (refresh tokens) last.
//!
//! # Secrets stay sealed
//! Verifiers, imported hashes, TOTP secrets, client secrets, signing keys, device
//! verifiers, identity providers' secret details and SAML private keys are sealed with the key-encryption key (see `keys`), and are written sealed.
//! With a target key ([`Rekey`]), each is opened with the source key and sealed again for
//! the target, in memory, one record at a time; nothing is ever written in clear.
//! `key_id` (a keyed hash of a constant) names the key the file's secrets are sealed for,
//! and an import refuses a file sealed for another key than its server's.
//! Refresh tokens are stored only as keyed hashes, which cannot be re-keyed: with a target
//! key, sessions are left out (users sign in again); with the same key, they move and keep
//! working.
//!
//! # Idempotent import
//! Every record is inserted only if absent (a record already there is kept and counted as
//! present), so an interrupted import run again completes without duplicates.
//!
//! Identity pools are not exported yet (they live in another engineer's store family).

mod export;
mod import;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::branding::{ManagedLoginBranding, UiCustomization};
use crate::client::AppClient;
use crate::devices::Device;
use crate::domains::UserPoolDomain;
use crate::error::{Error, Result};
use crate::federation::provider::{saml_key_purpose, secret_purpose, signing_key_purpose};
use crate::federation::{FederatedLink, IdentityProvider, PoolSigningKey};
use crate::group::Group;
use crate::keys::Keyring;
use crate::passkeys::Passkey;
use crate::pool::UserPool;
use crate::ports::StoreResult;
use crate::resource_server::ResourceServer;
use crate::signing::SigningKeyRecord;
use crate::tokens::AuthSession;
use crate::user::User;

pub use export::export;
pub use import::Importer;

/// The file format's version; an import refuses others.
pub const FORMAT_VERSION: u32 = 1;

/// What the store offers for reading everything, beyond the per-pool listings of `Store`.
#[async_trait]
pub trait BulkStore: Send + Sync {
    /// Every session of every pool (SSO sessions included), ordered by origin jti, after `after`.
    async fn list_all_sessions(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AuthSession>>;
}

/// One line of the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    CognateExport(FileHeader),
    End(FileEnd),
    #[serde(untagged)]
    Record(Box<Record>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHeader {
    pub version: u32,
    /// Which key-encryption key the file's secrets are sealed for ([`key_id`]).
    pub key_id: String,
    pub created: crate::Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEnd {
    pub records: u64,
}

/// A record, as its store keeps it.
// A pool's settings are large and records are moved one at a time, so boxing the big
// variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    Pool(UserPool),
    SigningKey(SigningKeyRecord),
    Client(AppClient),
    UiCustomization(UiCustomization),
    Branding(ManagedLoginBranding),
    Domain(UserPoolDomain),
    ResourceServer(ResourceServer),
    Group(Group),
    User(User),
    Device(Device),
    Passkey(Passkey),
    Member(Membership),
    Session(AuthSession),
    IdentityProvider(IdentityProvider),
    /// The pool's SAML signing key (GetSigningCertificate).
    PoolSigningKey(PoolSigningKey),
    FederatedLink(FederatedLink),
}

/// A user's membership of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub pool_id: String,
    pub group: String,
    pub sub: String,
}

impl Record {
    /// The kind's name, as the file and the summaries spell it.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Pool(_) => "pool",
            Record::SigningKey(_) => "signing_key",
            Record::Client(_) => "client",
            Record::UiCustomization(_) => "ui_customization",
            Record::Branding(_) => "branding",
            Record::Domain(_) => "domain",
            Record::ResourceServer(_) => "resource_server",
            Record::Group(_) => "group",
            Record::User(_) => "user",
            Record::Device(_) => "device",
            Record::Passkey(_) => "passkey",
            Record::Member(_) => "member",
            Record::Session(_) => "session",
            Record::IdentityProvider(_) => "identity_provider",
            Record::PoolSigningKey(_) => "pool_signing_key",
            Record::FederatedLink(_) => "federated_link",
        }
    }
}

/// Names the key-encryption key behind a keyring without revealing anything about it.
pub fn key_id(keys: &Keyring) -> String {
    hex::encode(&keys.hash("cognate-export-key-id", b"")[..12])
}

/// Where exported records go: a file (one JSON line each) or, for `migrate`, an [`Importer`].
#[async_trait]
pub trait RecordSink: Send {
    async fn put(&mut self, record: Record) -> Result<()>;
}

/// How a run reports progress; the command line draws bars or prints lines.
pub trait Progress: Send + Sync {
    /// The users the run will move, when known.
    fn expect_users(&self, users: u64);
    /// One more record of `kind` done.
    fn done(&self, kind: &'static str);
}

/// Progress nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn expect_users(&self, _: u64) {}
    fn done(&self, _: &'static str) {}
}

/// Records per kind: moved, and (on import) already present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub written: BTreeMap<&'static str, u64>,
    pub present: BTreeMap<&'static str, u64>,
    /// Sessions left out because a target key was given (their hashes cannot be re-keyed).
    pub sessions_dropped: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.written.values().sum::<u64>() + self.present.values().sum::<u64>()
    }

    pub(crate) fn add(&mut self, kind: &'static str, present: bool) {
        let counter = if present {
            &mut self.present
        } else {
            &mut self.written
        };
        *counter.entry(kind).or_default() += 1;
    }
}

/// Opens secrets with one key and seals them for another (see the module docs).
pub struct Rekey<'a> {
    pub from: &'a Keyring,
    pub to: &'a Keyring,
}

impl Rekey<'_> {
    fn reseal(&self, purpose: &[u8], sealed: &mut Vec<u8>) -> Result<()> {
        let mut plain = self.from.open(purpose, sealed)?;
        let resealed = self.to.seal(purpose, &plain);
        zeroize::Zeroize::zeroize(&mut plain);
        *sealed = resealed?;
        Ok(())
    }

    /// Re-seals every secret the record holds; `None` for a record that cannot move to
    /// another key (a session).
    pub(crate) fn record(&self, record: Record) -> Result<Option<Record>> {
        Ok(Some(match record {
            Record::SigningKey(mut key) => {
                self.reseal(
                    &crate::signing::key_purpose(&key.pool_id, key.purpose),
                    &mut key.sealed_pem,
                )?;
                Record::SigningKey(key)
            }
            Record::Client(mut client) => {
                let purpose = crate::client::secret_purpose(&client.client_id);
                for secret in &mut client.secrets {
                    self.reseal(&purpose, &mut secret.sealed)?;
                }
                Record::Client(client)
            }
            Record::User(mut user) => {
                self.user(&mut user)?;
                Record::User(user)
            }
            Record::Device(mut device) => {
                self.reseal(
                    &crate::devices::verifier_purpose(
                        &device.pool_id,
                        &device.sub,
                        &device.device_key,
                    ),
                    &mut device.sealed_verifier,
                )?;
                Record::Device(device)
            }
            Record::IdentityProvider(mut provider) => {
                self.identity_provider(&mut provider)?;
                Record::IdentityProvider(provider)
            }
            Record::PoolSigningKey(mut key) => {
                self.reseal(
                    &signing_key_purpose(&key.pool_id),
                    &mut key.key.sealed_private_key,
                )?;
                Record::PoolSigningKey(key)
            }
            Record::Session(_) => return Ok(None),
            other => other,
        }))
    }

    fn identity_provider(&self, provider: &mut IdentityProvider) -> Result<()> {
        let (pool_id, name) = (provider.pool_id.clone(), provider.name.clone());
        for (key, sealed) in &mut provider.sealed_details {
            self.reseal(&secret_purpose(&pool_id, &name, key), &mut sealed.0)?;
        }
        if let Some(pair) = &mut provider.saml_key {
            self.reseal(
                &saml_key_purpose(&pool_id, &name),
                &mut pair.sealed_private_key,
            )?;
        }
        Ok(())
    }

    fn user(&self, user: &mut User) -> Result<()> {
        let (pool_id, sub) = (user.pool_id.clone(), user.sub.clone());
        if let Some(password) = &mut user.password {
            let purpose = if password.legacy.is_some() {
                crate::legacy_password::legacy_purpose(&pool_id, &sub)
            } else {
                crate::user::password_purpose(&pool_id, &sub)
            };
            self.reseal(&purpose, &mut password.sealed)?;
        }
        if let Some(token) = &mut user.software_token.verified {
            self.reseal(
                &crate::mfa_settings::secret_purpose(&pool_id, &sub, false),
                &mut token.sealed_secret,
            )?;
        }
        if let Some(pending) = &mut user.software_token.pending {
            self.reseal(
                &crate::mfa_settings::secret_purpose(&pool_id, &sub, true),
                pending,
            )?;
        }
        Ok(())
    }
}

/// Parses one line of a file.
pub fn parse_line(text: &str) -> Result<Line> {
    serde_json::from_str(text).map_err(|e| {
        Error::invalid_parameter(format!(
            "not a Cognate export line ({:?} error at column {})",
            e.classify(),
            e.column()
        ))
    })
}

/// Writes one line of a file.
pub fn line_text(line: &Line) -> Result<String> {
    serde_json::to_string(line).map_err(|e| Error::internal(format!("cannot encode line: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_name_their_kind() {
        let header = Line::CognateExport(FileHeader {
            version: FORMAT_VERSION,
            key_id: "k".to_owned(),
            created: crate::Timestamp(5),
        });
        let text = line_text(&header).unwrap_or_default();
        assert!(text.starts_with("{\"cognate_export\":"), "{text}");
        let member = Line::Record(Box::new(Record::Member(Membership {
            pool_id: "p".to_owned(),
            group: "g".to_owned(),
            sub: "s".to_owned(),
        })));
        let text = line_text(&member).unwrap_or_default();
        assert_eq!(text, r#"{"member":{"pool_id":"p","group":"g","sub":"s"}}"#);
        assert!(matches!(parse_line(&text), Ok(Line::Record(r)) if r.kind() == "member"));
        assert!(matches!(
            parse_line(r#"{"end":{"records":3}}"#),
            Ok(Line::End(FileEnd { records: 3 }))
        ));
        assert!(parse_line("{\"nonsense\":1}").is_err());
    }
}
