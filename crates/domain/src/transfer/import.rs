//! Writing records into a store: insert-if-absent for every kind, users in batches.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Counts, Progress, Record, RecordSink};
use crate::error::{Error, Result};
use crate::pool::UserPool;
use crate::ports::{Conflict, Store, StoreError, StoreResult, UserWrite};
use crate::user::user_keys;

/// Users written per transaction.
const USER_BATCH: usize = 500;

/// Writes records into a store as they come (see the module docs for the order they come
/// in). Call [`Importer::finish`] at the end: users are written in batches.
pub struct Importer<'p> {
    store: Arc<dyn Store>,
    progress: &'p dyn Progress,
    /// The pool the records now coming belong to (users need it for their keys).
    pool: Option<UserPool>,
    users: Vec<UserWrite>,
    counts: Counts,
}

impl<'p> Importer<'p> {
    pub fn new(store: Arc<dyn Store>, progress: &'p dyn Progress) -> Self {
        Importer {
            store,
            progress,
            pool: None,
            users: Vec::new(),
            counts: Counts::default(),
        }
    }

    /// Writes what is still buffered and returns what was written and what was there.
    pub async fn finish(mut self) -> Result<Counts> {
        self.flush_users().await?;
        Ok(self.counts)
    }

    fn count(&mut self, kind: &'static str, outcome: StoreResult<()>) -> Result<()> {
        let present = match outcome {
            Ok(()) => false,
            // Already there (from an earlier run, or on a target that had it).
            Err(StoreError::Conflict(Conflict::Exists)) => true,
            Err(e) => return Err(Error::from(e)),
        };
        self.counts.add(kind, present);
        self.progress.done(kind);
        Ok(())
    }

    async fn flush_users(&mut self) -> Result<()> {
        if self.users.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.users);
        match self.store.save_users(&batch).await {
            Ok(()) => {
                for _ in &batch {
                    self.counts.add("user", false);
                    self.progress.done("user");
                }
                Ok(())
            }
            // Some are there already (an interrupted run): one by one, keeping what is there.
            Err(StoreError::Conflict(_)) => {
                for write in batch {
                    let outcome = match self.store.save_users(std::slice::from_ref(&write)).await {
                        Err(StoreError::Conflict(
                            Conflict::Username | Conflict::Alias(_) | Conflict::Exists,
                        )) => Err(StoreError::Conflict(Conflict::Exists)),
                        other => other,
                    };
                    self.count("user", outcome)?;
                }
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn write(&mut self, record: Record) -> Result<()> {
        if !matches!(record, Record::User(_)) {
            // Devices, memberships and sessions need their users written first.
            self.flush_users().await?;
        }
        let store = self.store.clone();
        let kind = record.kind();
        let outcome = match record {
            Record::Pool(pool) => {
                self.pool = Some(pool.clone());
                store.insert_pool(&pool).await
            }
            Record::User(user) => {
                let pool = self
                    .pool
                    .as_ref()
                    .filter(|p| p.id == user.pool_id)
                    .ok_or_else(|| {
                        Error::invalid_parameter("a user record comes before its pool's record")
                    })?;
                self.users.push(UserWrite {
                    keys: user_keys(pool, &user),
                    user,
                    expected_version: None,
                });
                if self.users.len() >= USER_BATCH {
                    self.flush_users().await?;
                }
                return Ok(());
            }
            Record::SigningKey(key) => store.insert_signing_key(&key).await,
            Record::Client(client) => store.insert_client(&client).await,
            // Customizations are replaced whole; writing the same one again changes nothing.
            Record::UiCustomization(custom) => store.put_ui_customization(&custom).await,
            Record::Branding(branding) => store.insert_branding(&branding).await,
            Record::Domain(domain) => store.insert_domain(&domain).await,
            Record::ResourceServer(server) => store.insert_resource_server(&server).await,
            Record::Group(group) => store.insert_group(&group).await,
            Record::Device(device) => store.insert_device(&device).await,
            Record::Passkey(passkey) => store.insert_passkey(&passkey).await,
            // Idempotent in the store.
            Record::Member(member) => {
                store
                    .add_user_to_group(&member.pool_id, &member.group, &member.sub)
                    .await
            }
            Record::Session(session) => store.insert_session(&session).await,
            Record::IdentityProvider(provider) => {
                store
                    .insert_identity_provider(&provider, &provider.identifier_keys())
                    .await
            }
            Record::PoolSigningKey(key) => match store.insert_pool_signing_key(&key).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(StoreError::Conflict(Conflict::Exists)),
                Err(e) => Err(e),
            },
            Record::FederatedLink(link) => store.insert_federated_link(&link).await,
        };
        self.count(kind, outcome)
    }
}

#[async_trait]
impl RecordSink for Importer<'_> {
    async fn put(&mut self, record: Record) -> Result<()> {
        self.write(record).await
    }
}
