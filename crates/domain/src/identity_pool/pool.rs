//! Identity pools and their settings: Create/Describe/Update/Delete/ListIdentityPools, tags,
//! and the pool limits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::IdentityPools;
use super::logins::{
    PUBLIC_PROVIDERS, is_saml_provider_arn, oidc_provider_of_arn, user_pool_of_key,
};
use super::principal_tags::PrincipalTagMap;
use super::roles::RoleMapping;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::Page;
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;

/// Identity pools per account (AWS's default quota).
pub const MAX_POOLS: u64 = 1_000;
/// User-pool providers per identity pool (AWS's default quota).
pub const MAX_USER_POOL_PROVIDERS: usize = 50;
/// Tags per identity pool.
pub const MAX_TAGS: usize = 50;

/// An identity pool as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityPool {
    pub id: String,
    pub name: String,
    pub allow_unauthenticated: bool,
    pub allow_classic_flow: bool,
    pub supported_login_providers: BTreeMap<String, String>,
    pub developer_provider_name: Option<String>,
    pub open_id_connect_provider_arns: Vec<String>,
    pub cognito_identity_providers: Vec<CognitoProvider>,
    pub saml_provider_arns: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// SetIdentityPoolRoles: `authenticated` / `unauthenticated` → role ARN.
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    #[serde(default)]
    pub role_mappings: BTreeMap<String, RoleMapping>,
    /// SetPrincipalTagAttributeMap, by provider name.
    #[serde(default)]
    pub principal_tags: BTreeMap<String, PrincipalTagMap>,
    pub created: Timestamp,
    pub version: i64,
}

/// A user pool (and one of its app clients) the identity pool trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CognitoProvider {
    pub provider_name: String,
    pub client_id: String,
    pub server_side_token_check: bool,
}

/// The settings CreateIdentityPool and UpdateIdentityPool carry.
#[derive(Debug, Clone, Default)]
pub struct IdentityPoolSettings {
    pub name: String,
    pub allow_unauthenticated: bool,
    pub allow_classic_flow: Option<bool>,
    pub supported_login_providers: Option<BTreeMap<String, String>>,
    pub developer_provider_name: Option<String>,
    pub open_id_connect_provider_arns: Option<Vec<String>>,
    pub cognito_identity_providers: Option<Vec<CognitoProvider>>,
    pub saml_provider_arns: Option<Vec<String>>,
    pub tags: Option<BTreeMap<String, String>>,
}

pub(crate) fn pool_not_found(pool_id: &str) -> Error {
    Error::resource_not_found(format!("IdentityPool '{pool_id}' not found."))
}

fn limit_exceeded(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::LimitExceeded, message)
}

/// The checks CreateIdentityPool and UpdateIdentityPool share, beyond the model's.
fn check_settings(settings: &IdentityPoolSettings, pools: &IdentityPools) -> Result<()> {
    for key in settings.supported_login_providers.iter().flatten() {
        if !PUBLIC_PROVIDERS.iter().any(|(name, _)| name == key.0) {
            return Err(Error::invalid_parameter(format!(
                "Invalid login provider: {}. Supported login providers are {}.",
                key.0,
                PUBLIC_PROVIDERS
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if let Some(name) = &settings.developer_provider_name
        && (name == super::logins::COGNITO_IDENTITY_KEY
            || PUBLIC_PROVIDERS.iter().any(|(public, _)| public == name)
            || name.starts_with("cognito-idp."))
    {
        return Err(Error::invalid_parameter(format!(
            "DeveloperProviderName {name} is reserved for another provider."
        )));
    }
    for arn in settings.open_id_connect_provider_arns.iter().flatten() {
        if oidc_provider_of_arn(arn).is_none() {
            return Err(Error::invalid_parameter(format!(
                "Invalid OpenIdConnectProviderARN: {arn}."
            )));
        }
    }
    for arn in settings.saml_provider_arns.iter().flatten() {
        if !is_saml_provider_arn(arn) {
            return Err(Error::invalid_parameter(format!(
                "Invalid SamlProviderARN: {arn}."
            )));
        }
    }
    let providers = settings
        .cognito_identity_providers
        .as_deref()
        .unwrap_or(&[]);
    if providers.len() > MAX_USER_POOL_PROVIDERS {
        return Err(limit_exceeded(format!(
            "An identity pool can have at most {MAX_USER_POOL_PROVIDERS} Cognito user pool providers."
        )));
    }
    for provider in providers {
        if user_pool_of_key(&provider.provider_name, &pools.config).is_none() {
            return Err(Error::invalid_parameter(format!(
                "Invalid CognitoIdentityProvider ProviderName: {}. Use cognito-idp.<region>.amazonaws.com/<user pool id>.",
                provider.provider_name
            )));
        }
    }
    if settings.tags.as_ref().is_some_and(|t| t.len() > MAX_TAGS) {
        return Err(limit_exceeded(format!(
            "An identity pool can have at most {MAX_TAGS} tags."
        )));
    }
    Ok(())
}

impl IdentityPool {
    /// The pool's ARN, which TagResource and its kin name it by.
    pub fn arn(&self, region: &str, account_id: &str) -> String {
        format!(
            "arn:aws:cognito-identity:{region}:{account_id}:identitypool/{}",
            self.id
        )
    }

    fn apply(&mut self, settings: IdentityPoolSettings) {
        self.name = settings.name;
        self.allow_unauthenticated = settings.allow_unauthenticated;
        self.allow_classic_flow = settings.allow_classic_flow.unwrap_or(false);
        self.supported_login_providers = settings.supported_login_providers.unwrap_or_default();
        self.developer_provider_name = settings.developer_provider_name;
        self.open_id_connect_provider_arns =
            settings.open_id_connect_provider_arns.unwrap_or_default();
        self.cognito_identity_providers = settings.cognito_identity_providers.unwrap_or_default();
        self.saml_provider_arns = settings.saml_provider_arns.unwrap_or_default();
        if let Some(tags) = settings.tags {
            self.tags = tags;
        }
    }
}

impl IdentityPools {
    /// CreateIdentityPool.
    pub async fn create_identity_pool(
        &self,
        settings: IdentityPoolSettings,
    ) -> Result<IdentityPool> {
        check_settings(&settings, self)?;
        let count = self
            .store
            .count_identity_pools()
            .await
            .map_err(Error::from)?;
        if count >= MAX_POOLS {
            return Err(limit_exceeded(format!(
                "The account already has the maximum of {MAX_POOLS} identity pools."
            )));
        }
        let mut pool = IdentityPool {
            id: self.new_regional_id(),
            name: String::new(),
            allow_unauthenticated: false,
            allow_classic_flow: false,
            supported_login_providers: BTreeMap::new(),
            developer_provider_name: None,
            open_id_connect_provider_arns: Vec::new(),
            cognito_identity_providers: Vec::new(),
            saml_provider_arns: Vec::new(),
            tags: BTreeMap::new(),
            roles: BTreeMap::new(),
            role_mappings: BTreeMap::new(),
            principal_tags: BTreeMap::new(),
            created: self.now(),
            version: 1,
        };
        pool.apply(settings);
        self.store
            .insert_identity_pool(&pool)
            .await
            .map_err(Error::from)?;
        Ok(pool)
    }

    /// DescribeIdentityPool (and every operation that needs the pool): cached per node for a
    /// few seconds.
    pub async fn identity_pool(&self, pool_id: &str) -> Result<IdentityPool> {
        let now = self.now();
        if let Some(pool) = self.pool_cache.get(pool_id, now) {
            return Ok(pool);
        }
        let pool = self
            .store
            .get_identity_pool(pool_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| pool_not_found(pool_id))?;
        self.pool_cache.put(pool_id, now, pool.clone());
        Ok(pool)
    }

    /// The pool as stored now, for read-modify-write.
    pub(crate) async fn identity_pool_for_update(&self, pool_id: &str) -> Result<IdentityPool> {
        self.pool_cache.remove(pool_id);
        self.identity_pool(pool_id).await
    }

    /// Writes a changed pool if nobody else changed it since it was read.
    pub(crate) async fn save_identity_pool(&self, mut pool: IdentityPool) -> Result<IdentityPool> {
        let expected = pool.version;
        pool.version += 1;
        self.pool_cache.remove(&pool.id);
        match self.store.update_identity_pool(&pool, expected).await {
            Ok(()) => Ok(pool),
            Err(StoreError::Conflict(Conflict::Missing)) => Err(pool_not_found(&pool.id)),
            Err(e) => Err(e.into()),
        }
    }

    /// UpdateIdentityPool: the settings are replaced as given (a list left out is emptied);
    /// roles, role mappings and principal-tag maps are kept; tags only change when given.
    pub async fn update_identity_pool(
        &self,
        pool_id: &str,
        settings: IdentityPoolSettings,
    ) -> Result<IdentityPool> {
        check_settings(&settings, self)?;
        let mut pool = self.identity_pool_for_update(pool_id).await?;
        if let Some(current) = &pool.developer_provider_name
            && settings.developer_provider_name.as_deref() != Some(current.as_str())
        {
            return Err(Error::invalid_parameter(
                "The DeveloperProviderName of an identity pool cannot be changed once set.",
            ));
        }
        pool.apply(settings);
        self.save_identity_pool(pool).await
    }

    /// DeleteIdentityPool: the pool and every identity in it.
    pub async fn delete_identity_pool(&self, pool_id: &str) -> Result<()> {
        self.pool_cache.remove(pool_id);
        let deleted = self
            .store
            .delete_identity_pool(pool_id)
            .await
            .map_err(Error::from)?;
        if deleted {
            Ok(())
        } else {
            Err(pool_not_found(pool_id))
        }
    }

    /// ListIdentityPools, by id.
    pub async fn list_identity_pools(
        &self,
        next: Option<&str>,
        limit: u32,
    ) -> Result<Page<IdentityPool>> {
        let after = next.map(|t| self.open_page_token("pools", t)).transpose()?;
        let mut pools = self
            .store
            .list_identity_pools(after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut pools, limit, "pools", |p| p.id.clone())?;
        Ok(Page { items: pools, next })
    }

    /// TagResource.
    pub async fn tag_identity_pool(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        pool.tags.extend(tags);
        if pool.tags.len() > MAX_TAGS {
            return Err(limit_exceeded(format!(
                "An identity pool can have at most {MAX_TAGS} tags."
            )));
        }
        self.save_identity_pool(pool).await.map(|_| ())
    }

    /// UntagResource.
    pub async fn untag_identity_pool(&self, arn: &str, keys: &[String]) -> Result<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        for key in keys {
            pool.tags.remove(key);
        }
        self.save_identity_pool(pool).await.map(|_| ())
    }

    /// ListTagsForResource.
    pub async fn identity_pool_tags(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        Ok(self.pool_by_arn(arn).await?.tags)
    }

    async fn pool_by_arn(&self, arn: &str) -> Result<IdentityPool> {
        let prefix = format!(
            "arn:aws:cognito-identity:{}:{}:identitypool/",
            self.config.region, self.config.account_id
        );
        let not_found = || Error::resource_not_found(format!("Resource {arn} does not exist."));
        let pool_id = arn.strip_prefix(&prefix).ok_or_else(not_found)?;
        self.identity_pool_for_update(pool_id).await.map_err(|e| {
            if e.kind == ErrorKind::ResourceNotFound {
                not_found()
            } else {
                e
            }
        })
    }
}
