//! AdminLinkProviderForUser and AdminDisableProviderForUser: an outside identity that has
//! not signed in yet is linked to an existing user, so that its sign-ins become that user's
//! (reference §3.4); a link is removed again, or a user's own sign-in is turned off.

use super::identities::{self, Identity};
use super::{FederatedLink, FederationService};
use crate::enums::ProviderType;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::UserPool;
use crate::ports::{Conflict, StoreError};
use crate::user::User;

/// The attribute that names an identity by its subject at the provider.
pub const COGNITO_SUBJECT: &str = "Cognito_Subject";
/// The ProviderName of the pool's own users in the linking operations.
pub const LOCAL_PROVIDER: &str = "Cognito";
/// Most outside identities linked to one user.
pub const MAX_LINKS_PER_USER: usize = 5;
/// Most distinct ProviderAttributeNames the links of one provider may use.
pub const MAX_LINK_ATTRIBUTES_PER_PROVIDER: usize = 5;
/// Longest ProviderName + ProviderAttributeName + ProviderAttributeValue of a SourceUser
/// (observed, undocumented).
const MAX_SOURCE_LENGTH: usize = 128;

/// A ProviderUserIdentifierType.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderUser {
    pub provider_name: String,
    pub attribute_name: Option<String>,
    pub attribute_value: String,
}

/// The federated profile's username for a subject at a provider: `<ProviderName>_<subject>`
/// (the store's key lower-cases it in case-insensitive pools, as Cognito does).
pub fn federated_username(provider_name: &str, subject: &str) -> String {
    format!("{provider_name}_{subject}")
}

impl FederationService {
    /// AdminLinkProviderForUser.
    pub async fn admin_link_provider_for_user(
        &self,
        pool_id: &str,
        destination: &ProviderUser,
        source: &ProviderUser,
    ) -> Result<()> {
        let pool = self.directory.pool(pool_id).await?;
        if source.provider_name == LOCAL_PROVIDER {
            return Err(Error::invalid_parameter(
                "Invalid SourceUser: Cognito users with a username/password may not be passed in as a SourceUser, only as a DestinationUser",
            ));
        }
        let provider = self.provider(pool_id, &source.provider_name).await?;
        let attribute = source.attribute_name.as_deref().unwrap_or(COGNITO_SUBJECT);
        check_link_attribute(&provider, attribute)?;
        if source.provider_name.len() + attribute.len() + source.attribute_value.len()
            > MAX_SOURCE_LENGTH
        {
            return Err(Error::invalid_parameter(format!(
                "The SourceUser's ProviderName, ProviderAttributeName and ProviderAttributeValue together must be at most {MAX_SOURCE_LENGTH} characters."
            )));
        }
        let mut user = self.destination_user(&pool, destination).await?;
        if attribute == COGNITO_SUBJECT {
            let profile = federated_username(&source.provider_name, &source.attribute_value);
            if let Some(signed_up) = self.directory.find_user(&pool, &profile).await?
                && signed_up.sub != user.sub
            {
                return Err(Error::invalid_parameter(
                    "Merging is not currently supported, provide a SourceUser that has not been signed up in order to link",
                ));
            }
        }
        let links = self
            .store
            .list_federated_links_for_user(pool_id, &user.sub)
            .await?;
        let same = |l: &FederatedLink| {
            l.provider_name == source.provider_name
                && l.attribute_name == attribute
                && l.attribute_value == source.attribute_value
        };
        if links.iter().any(same) {
            return Ok(());
        }
        if links.len() >= MAX_LINKS_PER_USER {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "A user can have at most {MAX_LINKS_PER_USER} linked identities from identity providers."
                ),
            ));
        }
        let names = self
            .store
            .linked_attribute_names(pool_id, &source.provider_name)
            .await?;
        if !names.iter().any(|n| n == attribute) && names.len() >= MAX_LINK_ATTRIBUTES_PER_PROVIDER
        {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "The links of identity provider {} may use at most {MAX_LINK_ATTRIBUTES_PER_PROVIDER} distinct ProviderAttributeNames.",
                    source.provider_name
                ),
            ));
        }
        let now = self.now();
        let link = FederatedLink {
            pool_id: pool_id.to_owned(),
            provider_name: source.provider_name.clone(),
            attribute_name: attribute.to_owned(),
            attribute_value: source.attribute_value.clone(),
            sub: user.sub.clone(),
            created: now,
        };
        match self.store.insert_federated_link(&link).await {
            Ok(()) => {}
            Err(StoreError::Conflict(Conflict::Exists)) => {
                return Err(Error::new(
                    ErrorKind::AliasExists,
                    "The SourceUser is already linked to another user.",
                ));
            }
            Err(StoreError::Conflict(Conflict::Missing)) => return Err(Error::user_not_found()),
            Err(e) => return Err(e.into()),
        }
        let mut list = identities::parse(user.attribute(identities::ATTRIBUTE));
        list.push(Identity {
            user_id: source.attribute_value.clone(),
            provider_name: source.provider_name.clone(),
            provider_type: provider.provider_type.as_str().to_owned(),
            issuer: None,
            primary: false,
            date_created: now.millis(),
        });
        user.attributes.insert(
            identities::ATTRIBUTE.to_owned(),
            identities::to_attribute(&list),
        );
        if let Err(e) = self.directory.save_user(&pool, &mut user).await {
            // The user changed under us: take the link back so nothing is half-written.
            self.store
                .delete_federated_link(
                    pool_id,
                    &link.provider_name,
                    &link.attribute_name,
                    &link.attribute_value,
                )
                .await?;
            return Err(e);
        }
        Ok(())
    }

    /// AdminDisableProviderForUser.
    pub async fn admin_disable_provider_for_user(
        &self,
        pool_id: &str,
        target: &ProviderUser,
    ) -> Result<()> {
        let pool = self.directory.pool(pool_id).await?;
        if target.provider_name == LOCAL_PROVIDER {
            // The user's own sign-in (their password) is turned off; linked identities stay.
            let mut user = self
                .directory
                .find_user(&pool, &target.attribute_value)
                .await?
                .ok_or_else(Error::user_not_found)?;
            user.password = None;
            return self.directory.save_user(&pool, &mut user).await;
        }
        let attribute = target.attribute_name.as_deref().unwrap_or(COGNITO_SUBJECT);
        let link = self
            .store
            .get_federated_link(
                pool_id,
                &target.provider_name,
                attribute,
                &target.attribute_value,
            )
            .await?;
        if let Some(link) = link {
            self.store
                .delete_federated_link(
                    pool_id,
                    &link.provider_name,
                    &link.attribute_name,
                    &link.attribute_value,
                )
                .await?;
            if let Some(mut user) = self.directory.user_by_sub(pool_id, &link.sub).await? {
                let mut list = identities::parse(user.attribute(identities::ATTRIBUTE));
                list.retain(|i| {
                    i.primary
                        || i.provider_name != link.provider_name
                        || i.user_id != link.attribute_value
                });
                user.attributes.insert(
                    identities::ATTRIBUTE.to_owned(),
                    identities::to_attribute(&list),
                );
                self.directory.save_user(&pool, &mut user).await?;
            }
            return Ok(());
        }
        // Not linked: a profile the identity created itself is disabled, so it cannot sign
        // in any more (decision: Cognito's exact effect on such profiles is not documented).
        if attribute == COGNITO_SUBJECT {
            let profile = federated_username(&target.provider_name, &target.attribute_value);
            if let Some(mut user) = self.directory.find_user(&pool, &profile).await?
                && is_primary_identity(&user, &target.provider_name, &target.attribute_value)
            {
                user.enabled = false;
                return self.directory.save_user(&pool, &mut user).await;
            }
        }
        Err(Error::user_not_found())
    }

    /// The DestinationUser: a local user by username (`Cognito`), or an existing federated
    /// profile by its provider's subject.
    async fn destination_user(&self, pool: &UserPool, destination: &ProviderUser) -> Result<User> {
        let name = if destination.provider_name == LOCAL_PROVIDER {
            destination.attribute_value.clone()
        } else {
            federated_username(&destination.provider_name, &destination.attribute_value)
        };
        self.directory
            .find_user(pool, &name)
            .await?
            .ok_or_else(Error::user_not_found)
    }
}

/// Social identities link by subject only; OIDC and SAML ones by subject or by a pool
/// attribute their mapping fills.
fn check_link_attribute(provider: &super::IdentityProvider, attribute: &str) -> Result<()> {
    if attribute == COGNITO_SUBJECT {
        return Ok(());
    }
    let by_attribute = matches!(
        provider.provider_type,
        ProviderType::Oidc | ProviderType::Saml
    );
    if !by_attribute {
        return Err(Error::invalid_parameter(format!(
            "ProviderAttributeName must be {COGNITO_SUBJECT} for {} providers.",
            provider.provider_type
        )));
    }
    if !provider.attribute_mapping.contains_key(attribute) {
        return Err(Error::invalid_parameter(format!(
            "ProviderAttributeName {attribute} is not mapped by identity provider {}.",
            provider.name
        )));
    }
    Ok(())
}

fn is_primary_identity(user: &User, provider_name: &str, subject: &str) -> bool {
    identities::parse(user.attribute(identities::ATTRIBUTE))
        .iter()
        .any(|i| i.primary && i.provider_name == provider_name && i.user_id == subject)
}
