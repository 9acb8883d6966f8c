//! Attributes for access control: which token claims become session tags
//! (SetPrincipalTagAttributeMap / GetPrincipalTagAttributeMap), and the tags a login yields.
//!
//! A map belongs to a provider of the pool. `UseDefaults` is Cognito's default set
//! (`username` from `sub`, `client` from `aud`); otherwise the map's tag → claim pairs apply.
//! The tags travel in the OpenID token (`https://aws.amazon.com/tags`), from which STS makes
//! session tags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::IdentityPools;
use super::logins::{VerifiedLogin, classify, user_pool_of_key, user_pool_provider_name};
use crate::error::{Error, Result};

/// Tag → claim pairs of one provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalTagMap {
    pub use_defaults: bool,
    pub tags: BTreeMap<String, String>,
}

/// Cognito's default mapping: the user and the client.
fn defaults() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("username".to_owned(), "sub".to_owned()),
        ("client".to_owned(), "aud".to_owned()),
    ])
}

impl PrincipalTagMap {
    /// The tag → claim pairs in force.
    pub fn effective(&self) -> BTreeMap<String, String> {
        if self.use_defaults {
            defaults()
        } else {
            self.tags.clone()
        }
    }
}

/// The session tags of the logins: each mapped claim that the token has, as text.
pub fn tags_for(
    maps: &BTreeMap<String, PrincipalTagMap>,
    logins: &[VerifiedLogin],
) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    for login in logins {
        let Some(map) = maps.get(&login.provider) else {
            continue;
        };
        for (tag, claim) in map.effective() {
            if let Some(value) = claim_text(&login.claims, &claim) {
                tags.entry(tag).or_insert(value);
            }
        }
    }
    tags
}

fn claim_text(claims: &Map<String, Value>, claim: &str) -> Option<String> {
    match claims.get(claim)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl IdentityPools {
    /// The provider name a principal-tag map is kept under: a user pool in Cognito's form
    /// whichever key names it; any other provider of the pool as given.
    fn principal_tag_provider(&self, pool: &super::IdentityPool, provider: &str) -> Result<String> {
        if let Some(user_pool) = user_pool_of_key(provider, &self.config) {
            return Ok(user_pool_provider_name(&user_pool));
        }
        match classify(provider, pool, &self.config) {
            Some(super::logins::ProviderKind::External(_)) => Ok(provider.to_owned()),
            _ => Err(Error::invalid_parameter(format!(
                "The identity provider {provider} is not configured for this identity pool."
            ))),
        }
    }

    /// SetPrincipalTagAttributeMap.
    pub async fn set_principal_tag_attribute_map(
        &self,
        pool_id: &str,
        provider: &str,
        map: PrincipalTagMap,
    ) -> Result<PrincipalTagMap> {
        let mut pool = self.identity_pool_for_update(pool_id).await?;
        let name = self.principal_tag_provider(&pool, provider)?;
        pool.principal_tags.insert(name, map.clone());
        self.save_identity_pool(pool).await?;
        Ok(map)
    }

    /// GetPrincipalTagAttributeMap: a provider never set has no tags and no defaults.
    pub async fn principal_tag_attribute_map(
        &self,
        pool_id: &str,
        provider: &str,
    ) -> Result<PrincipalTagMap> {
        let pool = self.identity_pool(pool_id).await?;
        let name = self.principal_tag_provider(&pool, provider)?;
        Ok(pool.principal_tags.get(&name).cloned().unwrap_or_default())
    }
}
