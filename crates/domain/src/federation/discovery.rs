//! The sign-in page's email box (email-domain discovery, reference §2.2): the email's domain
//! names a provider by its IdpIdentifiers, and the browser goes on to `/oauth2/authorize`
//! with that `idp_identifier`; an email no provider of the client claims signs in with a
//! password instead.

use super::FederationService;
use super::provider::identifier_key;
use crate::error::Error;
use crate::oauth::HostedSite;
use crate::oauth::OAuthResult;
use crate::oauth::authorize::AuthorizeRequest;

impl FederationService {
    /// The IdpIdentifier to sign `email` in with, when a provider the client may use claims
    /// its domain. `None`: the password form (an unusable request is reported there too).
    pub async fn discover_provider(
        &self,
        site: &HostedSite,
        request: &AuthorizeRequest,
        email: &str,
    ) -> OAuthResult<Option<String>> {
        let Ok(checked) = self
            .directory
            .check_authorize_request(site, request)
            .await?
        else {
            return Ok(None);
        };
        let Some((_, domain)) = email.trim().rsplit_once('@') else {
            return Ok(None);
        };
        if domain.is_empty() {
            return Ok(None);
        }
        let provider = self
            .store
            .get_identity_provider_by_identifier(&site.pool_id, &identifier_key(domain))
            .await
            .map_err(Error::from)?;
        let usable = provider.is_some_and(|p| {
            checked
                .client
                .settings
                .supported_identity_providers
                .as_ref()
                .is_some_and(|names| names.contains(&p.name))
        });
        Ok(usable.then(|| domain.to_owned()))
    }
}
