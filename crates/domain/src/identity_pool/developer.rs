//! Developer-authenticated identities: a signed backend asserts which of its users an
//! identity is (GetOpenIdTokenForDeveloperIdentity), looks them up
//! (LookupDeveloperIdentity), merges two of them (MergeDeveloperIdentities) and unlinks one
//! (UnlinkDeveloperIdentity).
//!
//! A developer user identifier is a login whose provider is the pool's
//! `DeveloperProviderName`; unlike public providers, an identity may hold several of them
//! (that is what merging makes).

use std::collections::BTreeMap;

use super::IdentityPools;
use super::identity::{Identity, LinkedLogin, Presented, identity_not_found, plan_link};
use super::logins::LoginUse;
use super::openid::{DEVELOPER_TOKEN_SECONDS, TokenSubject};
use super::pool::IdentityPool;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::Page;
use crate::ports::{Conflict, StoreError};

/// What GetOpenIdTokenForDeveloperIdentity asks for.
#[derive(Debug, Clone, Default)]
pub struct DeveloperTokenRequest {
    pub pool_id: String,
    pub identity_id: Option<String>,
    pub logins: BTreeMap<String, String>,
    pub principal_tags: BTreeMap<String, String>,
    pub token_duration: Option<i64>,
}

fn developer_provider(pool: &IdentityPool) -> Result<&str> {
    pool.developer_provider_name
        .as_deref()
        .ok_or_else(|| Error::invalid_parameter("The identity pool has no DeveloperProviderName."))
}

fn check_provider(pool: &IdentityPool, name: &str) -> Result<()> {
    if developer_provider(pool)? == name {
        Ok(())
    } else {
        Err(Error::resource_not_found(format!(
            "The developer provider {name} is not the developer provider of this identity pool."
        )))
    }
}

impl IdentityPools {
    /// GetOpenIdTokenForDeveloperIdentity: the identity of the developer user (made or linked
    /// as needed) and an OpenID token for it.
    pub async fn get_open_id_token_for_developer_identity(
        &self,
        request: DeveloperTokenRequest,
    ) -> Result<(String, String)> {
        let pool = self.identity_pool(&request.pool_id).await?;
        developer_provider(&pool)?;
        let lifetime = request.token_duration.unwrap_or(DEVELOPER_TOKEN_SECONDS);
        let logins = self
            .verify_logins(&pool, &request.logins, LoginUse::Developer)
            .await?;
        if let Some(identity_id) = &request.identity_id {
            let identity = self.identity(identity_id).await?;
            if identity.pool_id != pool.id {
                return Err(identity_not_found(identity_id));
            }
        }
        let presented = request.identity_id.as_deref().map(|id| (id, true));
        let identity = self.link(&pool, presented, &logins).await?;
        let token = self
            .mint_token(&TokenSubject {
                pool_id: &pool.id,
                identity_id: &identity.identity_id,
                logins: &logins,
                principal_tags: &request.principal_tags,
                lifetime_secs: lifetime,
            })
            .await?;
        Ok((identity.identity_id, token))
    }

    /// LookupDeveloperIdentity: by identity id, by developer user identifier, or both (which
    /// must then agree). Lists the identity's developer user identifiers, paged.
    pub async fn lookup_developer_identity(
        &self,
        pool_id: &str,
        identity_id: Option<&str>,
        developer_user: Option<&str>,
        next: Option<&str>,
        limit: u32,
    ) -> Result<(String, Page<String>)> {
        let pool = self.identity_pool(pool_id).await?;
        let provider = developer_provider(&pool)?;
        let identity = match (identity_id, developer_user) {
            (None, None) => {
                return Err(Error::invalid_parameter(
                    "Either IdentityId or DeveloperUserIdentifier must be given.",
                ));
            }
            (Some(id), user) => {
                let identity = self.identity(id).await?;
                if identity.pool_id != pool.id {
                    return Err(identity_not_found(id));
                }
                if let Some(user) = user
                    && !holds_developer_user(&identity, provider, user)
                {
                    return Err(Error::new(
                        ErrorKind::ResourceConflict,
                        "The IdentityId and the DeveloperUserIdentifier name different identities.",
                    ));
                }
                identity
            }
            (None, Some(user)) => self.developer_identity(&pool, provider, user).await?,
        };
        let mut users: Vec<String> = identity
            .logins
            .iter()
            .filter(|l| l.developer && l.provider == provider)
            .map(|l| l.subject.clone())
            .collect();
        let scope = format!("developer:{}", identity.identity_id);
        if let Some(token) = next {
            let after = self.open_page_token(&scope, token)?;
            users.retain(|u| *u > after);
        }
        let next = self.next_page(&mut users, limit, &scope, String::clone)?;
        Ok((identity.identity_id, Page { items: users, next }))
    }

    async fn developer_identity(
        &self,
        pool: &IdentityPool,
        provider: &str,
        user: &str,
    ) -> Result<Identity> {
        self.store
            .find_identity_by_login(&pool.id, provider, user)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| {
                Error::resource_not_found(format!(
                    "The developer user identifier {user} is not linked to an identity."
                ))
            })
    }

    /// MergeDeveloperIdentities: the source user's identity merges into the destination
    /// user's, which answers.
    pub async fn merge_developer_identities(
        &self,
        pool_id: &str,
        provider: &str,
        source_user: &str,
        destination_user: &str,
    ) -> Result<String> {
        let pool = self.identity_pool(pool_id).await?;
        check_provider(&pool, provider)?;
        for _ in 0..8 {
            let source = self
                .developer_identity(&pool, provider, source_user)
                .await?;
            let destination = self
                .developer_identity(&pool, provider, destination_user)
                .await?;
            if source.identity_id == destination.identity_id {
                return Ok(destination.identity_id);
            }
            // The destination is the only owner, the source the presented identity: the
            // same plan as a login merge, with the destination surviving whatever its age.
            let plan = plan_link(
                Presented::Developer(&source),
                std::slice::from_ref(&destination),
                &[],
                &pool.id,
                &destination.identity_id,
                self.now(),
            )?;
            match self.store.apply_identity_changes(&plan.changes).await {
                Ok(()) => return Ok(plan.survivor.identity_id),
                Err(StoreError::Conflict(Conflict::Exists | Conflict::Version)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::new(
            ErrorKind::ResourceConflict,
            "The identities were changed by concurrent requests; retry the request.",
        ))
    }

    /// UnlinkDeveloperIdentity: the developer user is no longer this identity; next time it
    /// is seen, it gets a new one.
    pub async fn unlink_developer_identity(
        &self,
        pool_id: &str,
        identity_id: &str,
        provider: &str,
        user: &str,
    ) -> Result<()> {
        let pool = self.identity_pool(pool_id).await?;
        check_provider(&pool, provider)?;
        let identity = self.identity(identity_id).await?;
        if identity.pool_id != pool.id || !holds_developer_user(&identity, provider, user) {
            return Err(Error::resource_not_found(format!(
                "The developer user identifier {user} is not linked to identity '{identity_id}'."
            )));
        }
        let mut updated = identity.clone();
        updated
            .logins
            .retain(|l| !(l.developer && l.provider == provider && l.subject == user));
        self.write_unlinked(identity, updated).await
    }
}

fn holds_developer_user(identity: &Identity, provider: &str, user: &str) -> bool {
    identity.logins.contains(&LinkedLogin {
        provider: provider.to_owned(),
        subject: user.to_owned(),
        developer: true,
    })
}
