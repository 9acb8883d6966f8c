//! The pool administration operations on `Domain`: create, describe, list, update, delete, and
//! the MFA configuration.

use std::collections::BTreeMap;

use super::defaults::*;
use super::*;
use crate::enums::{DeliveryMedium, MfaMode};
use crate::error::{Error, ErrorKind, Result};
use crate::paging::{self, PageSize};
use crate::schema::{SchemaAttribute, SchemaAttributeInput};
use crate::{Domain, ids};

impl Domain {
    /// CreateUserPool.
    pub async fn create_user_pool(&self, input: PoolInput) -> Result<UserPool> {
        let name = input
            .name
            .clone()
            .ok_or_else(|| Error::invalid_parameter("PoolName is required."))?;
        let settings = settings_from(&input)?;
        let sign_in = sign_in_identifiers_from(&input)?;
        let schema =
            crate::schema::schema_for_new_pool(input.schema.as_deref().unwrap_or_default())?;
        check_identifiers_against_schema(&sign_in, &schema)?;
        let mfa = mfa_from_create(&input)?;
        let region = input.region.as_deref().unwrap_or(&self.config.region);
        if !ids::is_region(region) {
            return Err(Error::invalid_parameter(format!(
                "{region} is not a region name."
            )));
        }
        let now = self.now();
        let pool = UserPool {
            id: ids::new_pool_id(region, self.random()),
            name,
            created: now,
            modified: now,
            version: 1,
            schema,
            sign_in,
            settings,
            mfa,
            tags: input.tags.unwrap_or_default(),
        };
        self.store.insert_pool(&pool).await.map_err(Error::from)?;
        // Keys made now, once, rather than by every concurrent first sign-in of the pool
        // (each would generate an RSA key and all but one would be thrown away).
        self.create_signing_keys(&pool.id).await?;
        Ok(pool)
    }

    /// DescribeUserPool (and every operation that needs the pool).
    pub async fn user_pool(&self, pool_id: &str) -> Result<UserPool> {
        let now = self.now();
        if let Some(pool) = self.pool_cache.get(pool_id, now) {
            return Ok(pool);
        }
        let pool = self
            .store
            .get_pool(pool_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| Error::pool_not_found(pool_id))?;
        self.pool_cache.put(pool_id, now, pool.clone());
        Ok(pool)
    }

    /// The pool as stored now, bypassing the cache: read-modify-write needs the current version.
    pub(crate) async fn user_pool_for_update(&self, pool_id: &str) -> Result<UserPool> {
        self.pool_cache.remove(pool_id);
        self.user_pool(pool_id).await
    }

    /// The pool, its current number of users and its domains, for DescribeUserPool.
    pub async fn describe_user_pool(
        &self,
        pool_id: &str,
    ) -> Result<(UserPool, u64, crate::domains::PoolDomains)> {
        let pool = self.user_pool(pool_id).await?;
        let users = self.store.count_users(pool_id).await.map_err(Error::from)?;
        let domains = self.pool_domains(pool_id).await?;
        Ok((pool, users, domains))
    }

    /// UpdateUserPool: replaces every mutable setting; what is not given returns to its default.
    pub async fn update_user_pool(&self, pool_id: &str, input: PoolInput) -> Result<()> {
        if input.schema.is_some()
            || input.username_attributes.is_some()
            || input.alias_attributes.is_some()
        {
            return Err(Error::invalid_parameter(
                "Schema, UsernameAttributes and AliasAttributes cannot be changed after the user pool is created.",
            ));
        }
        let mut pool = self.user_pool_for_update(pool_id).await?;
        let settings = settings_from(&input)?;
        pool.name = input.name.clone().unwrap_or_else(|| pool.name.clone());
        pool.settings = settings;
        // Like every other member, an MFA mode left out of UpdateUserPool reverts to OFF.
        pool.mfa.mode = input.mfa_configuration.unwrap_or(MfaMode::Off);
        pool.mfa.sms_authentication_message = input.sms_authentication_message.clone();
        if let Some(tags) = input.tags {
            pool.tags = tags;
        }
        self.save_pool(pool).await
    }

    /// DeleteUserPool, refused while deletion protection is active.
    pub async fn delete_user_pool(&self, pool_id: &str) -> Result<()> {
        let pool = self.user_pool(pool_id).await?;
        if pool.settings.deletion_protection {
            return Err(Error::invalid_parameter(format!(
                "The user pool {pool_id} cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first."
            )));
        }
        self.store.delete_pool(pool_id).await.map_err(Error::from)?;
        self.pool_cache.remove(pool_id);
        Ok(())
    }

    /// ListUserPools, in creation order.
    pub async fn list_user_pools(
        &self,
        next: Option<&str>,
        page_size: PageSize,
    ) -> Result<Page<UserPool>> {
        let limit = page_size.or(paging::DIRECTORY);
        let after = next.map(|t| self.open_page_token("pools", t)).transpose()?;
        let mut pools = self
            .store
            .list_pools(after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut pools, limit, "pools", |p| p.id.clone())?;
        Ok(Page { items: pools, next })
    }

    /// AddCustomAttributes.
    pub async fn add_custom_attributes(
        &self,
        pool_id: &str,
        attributes: &[SchemaAttributeInput],
    ) -> Result<()> {
        let mut pool = self.user_pool_for_update(pool_id).await?;
        crate::schema::add_custom_attributes(&mut pool.schema, attributes)?;
        self.save_pool(pool).await
    }

    /// SetUserPoolMfaConfig: the factors it names are on, the others off (see [`MfaConfigInput`]).
    pub async fn set_user_pool_mfa_config(
        &self,
        pool_id: &str,
        input: MfaConfigInput,
    ) -> Result<MfaSettings> {
        let mut pool = self.user_pool_for_update(pool_id).await?;
        let mut mfa = pool.mfa.clone();
        mfa.sms_enabled = input.sms.is_some();
        if let Some(sms) = input.sms {
            mfa.sms_authentication_message = sms.sms_authentication_message;
            if let Some(config) = sms.sms_configuration {
                pool.settings.sms_configuration = Some(config);
            }
        }
        mfa.software_token_enabled = input.software_token_enabled.unwrap_or(false);
        if input.email.is_some()
            && pool.settings.email_configuration.email_sending_account != "DEVELOPER"
        {
            return Err(Error::invalid_parameter(
                "Email MFA requires the user pool to send email with EmailSendingAccount DEVELOPER.",
            ));
        }
        mfa.email = input.email;
        if let Some(web_authn) = input.web_authn {
            mfa.web_authn = Some(web_authn);
        }
        let mode = input.mode.unwrap_or(mfa.mode);
        if mode != MfaMode::Off
            && !mfa.sms_enabled
            && !mfa.software_token_enabled
            && mfa.email.is_none()
        {
            return Err(Error::invalid_parameter(
                "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
            ));
        }
        mfa.mode = mode;
        pool.mfa = mfa.clone();
        self.save_pool(pool).await?;
        Ok(mfa)
    }

    /// TagResource.
    pub async fn tag_user_pool(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        pool.tags.extend(tags);
        if pool.tags.len() > 50 {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                "A user pool can have at most 50 tags.",
            ));
        }
        self.save_pool(pool).await
    }

    /// UntagResource.
    pub async fn untag_user_pool(&self, arn: &str, keys: &[String]) -> Result<()> {
        let mut pool = self.pool_by_arn(arn).await?;
        for key in keys {
            pool.tags.remove(key);
        }
        self.save_pool(pool).await
    }

    /// ListTagsForResource.
    pub async fn user_pool_tags(&self, arn: &str) -> Result<BTreeMap<String, String>> {
        Ok(self.pool_by_arn(arn).await?.tags)
    }

    /// The pool an ARN names: the ARN's region must be the one in the pool's id.
    async fn pool_by_arn(&self, arn: &str) -> Result<UserPool> {
        let not_found = || Error::resource_not_found(format!("Resource {arn} does not exist."));
        let rest = arn
            .strip_prefix("arn:aws:cognito-idp:")
            .ok_or_else(not_found)?;
        let (region, rest) = rest.split_once(':').ok_or_else(not_found)?;
        let pool_id = rest
            .strip_prefix(&format!("{}:userpool/", self.config.account_id))
            .filter(|id| ids::pool_region(id) == region)
            .ok_or_else(not_found)?;
        self.store
            .get_pool(pool_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(not_found)
    }

    /// GetCSVHeader: the columns of a user import file.
    pub async fn csv_header(&self, pool_id: &str) -> Result<Vec<String>> {
        let pool = self.user_pool(pool_id).await?;
        let mut header: Vec<String> = pool
            .schema
            .iter()
            .filter(|a| a.name != "sub" && !a.developer_only)
            .map(|a| a.name.clone())
            .collect();
        header.push("cognito:mfa_enabled".to_owned());
        header.push("cognito:username".to_owned());
        Ok(header)
    }

    pub(crate) async fn save_pool(&self, mut pool: UserPool) -> Result<()> {
        let expected = pool.version;
        pool.version += 1;
        pool.modified = self.now();
        self.store
            .update_pool(&pool, expected)
            .await
            .map_err(Error::from)?;
        // Dropped after the write, so a concurrent read cannot cache the old settings again.
        self.pool_cache.remove(&pool.id);
        Ok(())
    }
}

fn check_identifiers_against_schema(
    sign_in: &SignInIdentifiers,
    schema: &[SchemaAttribute],
) -> Result<()> {
    let mutable = |name: &str| schema.iter().any(|a| a.name == name && a.mutable);
    for attr in &sign_in.alias_attributes {
        if !mutable(attr.as_str()) {
            return Err(Error::invalid_parameter(format!(
                "Alias attribute {attr} must be mutable."
            )));
        }
    }
    Ok(())
}

/// The mediums AdminCreateUser uses when the caller names none.
pub fn default_delivery_mediums() -> Vec<DeliveryMedium> {
    vec![DeliveryMedium::Sms]
}
