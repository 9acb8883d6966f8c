//! Identities: GetId, linking a login to an identity, merging two identities, and the
//! identity operations (DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity).
//!
//! # Linking and merging
//! A request presents logins (and, outside GetId, an identity). [`plan_link`] decides, from
//! what the store holds now:
//! - the identities that already hold a presented login are its *owners*;
//! - the identity that survives is the oldest owner, else the presented identity, else a new
//!   one; every other owner, and the presented identity when it is not the survivor, is
//!   merged into it (its logins move over, it is deleted) and the survivor's id is answered,
//!   which clients must adopt (Cognito's enhanced flow returns it too);
//! - a presented identity that already has logins is only used with one of them: otherwise
//!   "Logins don't match", so knowing an identity id never lets anyone attach or merge;
//! - an identity holds one login per public provider: a second user of the same provider is
//!   a ResourceConflictException (developer providers may hold several user identifiers);
//! - at most [`MAX_LOGINS`] logins per identity.
//!
//! The plan is written in one store transaction whose unique index on `(pool, provider,
//! subject)` and row versions refuse a plan that a concurrent request made stale; the
//! request then plans again from what that one wrote, so 30 parallel first sign-ins of one
//! user end with one identity.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::IdentityPools;
use super::logins::{LoginUse, VerifiedLogin};
use super::pool::IdentityPool;
use super::ports::{IdentityChanges, IdentityWrite};
use crate::error::{Error, ErrorKind, Result};
use crate::pool::Page;
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;

/// Logins one identity may hold (Cognito's limit for merges).
pub const MAX_LOGINS: usize = 20;
/// Identities DeleteIdentities takes at once (the model's limit).
pub const MAX_DELETE: usize = 60;
/// How often a link is planned again after a concurrent change refused it.
const LINK_ATTEMPTS: usize = 8;

/// One login an identity holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LinkedLogin {
    pub provider: String,
    pub subject: String,
    /// The developer provider, which may hold several subjects per identity.
    #[serde(default)]
    pub developer: bool,
}

/// An identity as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub identity_id: String,
    pub pool_id: String,
    pub logins: Vec<LinkedLogin>,
    /// An identity whose logins were all unlinked: nobody can use it any more.
    #[serde(default)]
    pub disabled: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub version: i64,
}

impl Identity {
    /// The provider names of its logins, as DescribeIdentity lists them (once each).
    pub fn provider_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.logins.iter().map(|l| l.provider.clone()).collect();
        names.dedup();
        names
    }

    fn holds(&self, login: &VerifiedLogin) -> bool {
        self.logins
            .iter()
            .any(|l| l.provider == login.provider && l.subject == login.subject)
    }
}

pub(crate) fn identity_not_found(identity_id: &str) -> Error {
    Error::resource_not_found(format!("Identity '{identity_id}' not found."))
}

pub(crate) fn logins_do_not_match() -> Error {
    Error::not_authorized(
        "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    )
}

fn unauthenticated_refused() -> Error {
    Error::not_authorized("Unauthenticated access is not supported for this identity pool.")
}

fn conflict(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::ResourceConflict, message)
}

/// What a link writes and which identity answers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LinkPlan {
    pub survivor: Identity,
    pub changes: IdentityChanges,
}

/// The identity the request is about, besides its logins.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Presented<'a> {
    /// GetId: none.
    None,
    /// GetCredentialsForIdentity, GetOpenIdToken, UnlinkIdentity: an identity whose own
    /// logins must be among those presented, if it has any.
    Public(&'a Identity),
    /// GetOpenIdTokenForDeveloperIdentity: the signed backend vouches for the identity.
    Developer(&'a Identity),
}

/// Decides how `logins` attach to identities: see the module header. `owners` are the
/// identities holding any of `logins` now; `new_id` names an identity to create if needed.
pub(crate) fn plan_link(
    presented: Presented<'_>,
    owners: &[Identity],
    logins: &[VerifiedLogin],
    pool_id: &str,
    new_id: &str,
    now: Timestamp,
) -> Result<LinkPlan> {
    let presented_identity = match presented {
        Presented::None => None,
        Presented::Public(identity) | Presented::Developer(identity) => Some(identity),
    };
    if let Presented::Public(identity) = presented
        && !identity.logins.is_empty()
        && !logins.iter().any(|login| identity.holds(login))
    {
        return Err(logins_do_not_match());
    }
    if let Presented::Developer(identity) = presented
        && let Some(login) = logins.iter().find(|login| {
            login.developer
                && owners
                    .iter()
                    .any(|o| o.holds(login) && o.identity_id != identity.identity_id)
        })
    {
        return Err(Error::new(
            ErrorKind::DeveloperUserAlreadyRegistered,
            format!(
                "The developer user identifier {} is already registered with another identity.",
                login.subject
            ),
        ));
    }
    if let Some(identity) = presented_identity.filter(|i| i.disabled) {
        return Err(Error::not_authorized(format!(
            "Identity '{}' is disabled.",
            identity.identity_id
        )));
    }

    // The oldest owner survives; else the presented identity; else a new one.
    let mut candidates: Vec<&Identity> = owners.iter().collect();
    candidates.sort_by(|a, b| (a.created, &a.identity_id).cmp(&(b.created, &b.identity_id)));
    candidates.dedup_by(|a, b| a.identity_id == b.identity_id);
    let survivor = candidates.first().copied().or(presented_identity).cloned();
    let mut merged: Vec<&Identity> = candidates.iter().skip(1).copied().collect();
    if let (Some(presented), Some(survivor)) = (presented_identity, &survivor)
        && presented.identity_id != survivor.identity_id
        && !merged
            .iter()
            .any(|m| m.identity_id == presented.identity_id)
    {
        merged.push(presented);
    }

    let (mut target, expected_version) = match survivor {
        Some(identity) => {
            let version = identity.version;
            (identity, Some(version))
        }
        None => (
            Identity {
                identity_id: new_id.to_owned(),
                pool_id: pool_id.to_owned(),
                logins: Vec::new(),
                disabled: false,
                created: now,
                modified: now,
                version: 0,
            },
            None,
        ),
    };

    let before = target.logins.clone();
    let incoming = merged
        .iter()
        .flat_map(|m| m.logins.iter().cloned())
        .chain(logins.iter().map(|l| LinkedLogin {
            provider: l.provider.clone(),
            subject: l.subject.clone(),
            developer: l.developer,
        }));
    for login in incoming {
        if target.logins.contains(&login) {
            continue;
        }
        if !login.developer
            && target
                .logins
                .iter()
                .any(|held| held.provider == login.provider)
        {
            return Err(conflict(format!(
                "The identity is already linked to another {} login.",
                login.provider
            )));
        }
        target.logins.push(login);
    }
    if target.logins.len() > MAX_LOGINS {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!("An identity can have at most {MAX_LOGINS} linked logins."),
        ));
    }
    target.logins.sort();

    let mut changes = IdentityChanges {
        deletes: merged
            .iter()
            .map(|m| (m.identity_id.clone(), m.version))
            .collect(),
        writes: Vec::new(),
    };
    if expected_version.is_none() || target.logins != before {
        target.modified = now;
        target.version += 1;
        changes.writes.push(IdentityWrite {
            identity: target.clone(),
            expected_version,
        });
    }
    Ok(LinkPlan {
        survivor: target,
        changes,
    })
}

impl IdentityPools {
    /// An identity, or Cognito's "not found".
    pub async fn identity(&self, identity_id: &str) -> Result<Identity> {
        self.store
            .get_identity(identity_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| identity_not_found(identity_id))
    }

    /// Attaches `logins` as [`plan_link`] decides, planning again when a concurrent request
    /// changed what the plan read. Returns the identity that holds them now.
    pub(crate) async fn link(
        &self,
        pool: &IdentityPool,
        presented: Option<(&str, bool)>,
        logins: &[VerifiedLogin],
    ) -> Result<Identity> {
        for _ in 0..LINK_ATTEMPTS {
            let current = match presented {
                Some((id, _)) => Some(self.identity(id).await?),
                None => None,
            };
            let mut owners = Vec::new();
            for login in logins {
                if let Some(owner) = self
                    .store
                    .find_identity_by_login(&pool.id, &login.provider, &login.subject)
                    .await
                    .map_err(Error::from)?
                    && !owners
                        .iter()
                        .any(|o: &Identity| o.identity_id == owner.identity_id)
                {
                    owners.push(owner);
                }
            }
            let presented = match (&current, presented) {
                (Some(identity), Some((_, true))) => Presented::Developer(identity),
                (Some(identity), _) => Presented::Public(identity),
                (None, _) => Presented::None,
            };
            let new_id = self.new_regional_id();
            let plan = plan_link(presented, &owners, logins, &pool.id, &new_id, self.now())?;
            if plan.changes.is_empty() {
                return Ok(plan.survivor);
            }
            match self.store.apply_identity_changes(&plan.changes).await {
                Ok(()) => return Ok(plan.survivor),
                Err(StoreError::Conflict(Conflict::Exists | Conflict::Version)) => continue,
                Err(StoreError::Conflict(Conflict::Missing)) => {
                    return Err(super::pool::pool_not_found(&pool.id));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(conflict(
            "The identity was changed by concurrent requests; retry the request.",
        ))
    }

    /// A new identity without logins (a guest).
    async fn new_guest(&self, pool: &IdentityPool) -> Result<Identity> {
        let now = self.now();
        let identity = Identity {
            identity_id: self.new_regional_id(),
            pool_id: pool.id.clone(),
            logins: Vec::new(),
            disabled: false,
            created: now,
            modified: now,
            version: 1,
        };
        let changes = IdentityChanges {
            deletes: Vec::new(),
            writes: vec![IdentityWrite {
                identity: identity.clone(),
                expected_version: None,
            }],
        };
        match self.store.apply_identity_changes(&changes).await {
            Ok(()) => Ok(identity),
            Err(StoreError::Conflict(Conflict::Missing)) => {
                Err(super::pool::pool_not_found(&pool.id))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// GetId: the identity of the logins (created or linked as needed), or a new guest
    /// identity when there are none and the pool allows guests.
    pub async fn get_id(
        &self,
        pool_id: &str,
        account_id: Option<&str>,
        logins: &BTreeMap<String, String>,
    ) -> Result<String> {
        let pool = self.identity_pool(pool_id).await?;
        if let Some(account) = account_id
            && account != self.config.account_id
        {
            return Err(Error::not_authorized(format!(
                "The identity pool {pool_id} does not belong to account {account}."
            )));
        }
        if logins.is_empty() {
            if !pool.allow_unauthenticated {
                return Err(unauthenticated_refused());
            }
            return Ok(self.new_guest(&pool).await?.identity_id);
        }
        let verified = self.verify_logins(&pool, logins, LoginUse::Public).await?;
        Ok(self.link(&pool, None, &verified).await?.identity_id)
    }

    /// The identity and its pool, for a request that presents logins (or none) with it:
    /// logins are checked and linked; with none, the identity must be a guest of a pool
    /// that allows guests. Returns the identity that answers (a merge may change it), its
    /// pool and the verified logins.
    pub(crate) async fn authenticate_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> Result<(Identity, IdentityPool, Vec<VerifiedLogin>)> {
        let identity = self.identity(identity_id).await?;
        let pool = self.identity_pool(&identity.pool_id).await?;
        if identity.disabled {
            return Err(Error::not_authorized(format!(
                "Identity '{identity_id}' is disabled."
            )));
        }
        if logins.is_empty() {
            if !identity.logins.is_empty() {
                return Err(logins_do_not_match());
            }
            if !pool.allow_unauthenticated {
                return Err(unauthenticated_refused());
            }
            return Ok((identity, pool, Vec::new()));
        }
        let verified = self.verify_logins(&pool, logins, LoginUse::Public).await?;
        let survivor = self
            .link(&pool, Some((identity_id, false)), &verified)
            .await?;
        Ok((survivor, pool, verified))
    }

    /// DescribeIdentity.
    pub async fn describe_identity(&self, identity_id: &str) -> Result<Identity> {
        self.identity(identity_id).await
    }

    /// ListIdentities, by identity id; `hide_disabled` leaves disabled identities out.
    pub async fn list_identities(
        &self,
        pool_id: &str,
        next: Option<&str>,
        limit: u32,
        hide_disabled: bool,
    ) -> Result<Page<Identity>> {
        self.identity_pool(pool_id).await?;
        let scope = format!("identities:{pool_id}");
        let mut after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let mut items = Vec::new();
        // Hidden identities are skipped without shortening the page.
        loop {
            let mut batch = self
                .store
                .list_identities(pool_id, after.as_deref(), limit + 1)
                .await
                .map_err(Error::from)?;
            let exhausted = batch.len() <= limit as usize;
            after = batch.last().map(|i| i.identity_id.clone());
            batch.retain(|i| !(hide_disabled && i.disabled));
            items.extend(batch);
            if exhausted || items.len() > limit as usize {
                break;
            }
        }
        let next = self.next_page(&mut items, limit, &scope, |i| i.identity_id.clone())?;
        Ok(Page { items, next })
    }

    /// DeleteIdentities: deletes those that exist; an unknown id is reported back as
    /// unprocessed (`AccessDenied`), since no pool can be named that it belongs to.
    pub async fn delete_identities(&self, identity_ids: &[String]) -> Result<Vec<String>> {
        if identity_ids.len() > MAX_DELETE {
            return Err(Error::invalid_parameter(format!(
                "At most {MAX_DELETE} identities can be deleted at once."
            )));
        }
        let mut unprocessed = Vec::new();
        for identity_id in identity_ids {
            let Some(identity) = self
                .store
                .get_identity(identity_id)
                .await
                .map_err(Error::from)?
            else {
                unprocessed.push(identity_id.clone());
                continue;
            };
            let changes = IdentityChanges {
                deletes: vec![(identity.identity_id.clone(), identity.version)],
                writes: Vec::new(),
            };
            match self.store.apply_identity_changes(&changes).await {
                // Deleted meanwhile, or changed: either way it is not there to delete now.
                Ok(()) | Err(StoreError::Conflict(Conflict::Version)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(unprocessed)
    }

    /// UnlinkIdentity: removes the named providers' logins from an identity, which the caller
    /// proves by presenting one of its current logins. An identity left without logins is
    /// disabled, so it cannot become anyone's guest identity.
    pub async fn unlink_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
        to_remove: &[String],
    ) -> Result<()> {
        let identity = self.identity(identity_id).await?;
        let pool = self.identity_pool(&identity.pool_id).await?;
        let verified = self.verify_logins(&pool, logins, LoginUse::Public).await?;
        if !verified.iter().any(|login| identity.holds(login)) {
            return Err(logins_do_not_match());
        }
        let remove: Vec<String> = to_remove
            .iter()
            .map(
                |key| match super::logins::user_pool_of_key(key, &self.config) {
                    Some(user_pool) => super::logins::user_pool_provider_name(&user_pool),
                    None => key.clone(),
                },
            )
            .collect();
        if let Some(key) = remove
            .iter()
            .find(|key| pool.developer_provider_name.as_deref() == Some(key.as_str()))
        {
            return Err(Error::invalid_parameter(format!(
                "{key} is the developer provider: use UnlinkDeveloperIdentity."
            )));
        }
        let mut updated = identity.clone();
        updated.logins.retain(|l| !remove.contains(&l.provider));
        if updated.logins == identity.logins {
            return Ok(());
        }
        self.write_unlinked(identity, updated).await
    }

    /// Writes an identity that lost logins, disabling it when it has none left.
    pub(crate) async fn write_unlinked(&self, before: Identity, mut after: Identity) -> Result<()> {
        after.disabled = after.logins.is_empty();
        after.modified = self.now();
        after.version += 1;
        let changes = IdentityChanges {
            deletes: Vec::new(),
            writes: vec![IdentityWrite {
                identity: after,
                expected_version: Some(before.version),
            }],
        };
        self.store
            .apply_identity_changes(&changes)
            .await
            .map_err(Error::from)
    }
}
