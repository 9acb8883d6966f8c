//! The SAML 2.0 service provider: what Cognito does as `urn:amazon:cognito:sp:<poolId>`.
//!
//! - [`metadata`]: IdP metadata from a URL (https, cached up to six hours) or a document.
//! - [`request`], [`logout`], [`binding`]: AuthnRequest and logout messages over the
//!   HTTP-Redirect binding, signed with RSA-SHA256 when asked (logout always).
//! - [`response`]: the ACS's validation of a Response, built on [`signature`] (XML-DSig in
//!   a narrow profile, by `bergshamra`) and [`decrypt`] (XML-Enc, by `bergshamra`), reading
//!   values through [`xml`] (no DTDs, no comments in values, namespace-exact names).
//! - [`keys`]: RSA-2048 key pairs with self-signed ten-year certificates `CN=<poolId>`.

use cognate_domain::Timestamp;
use cognate_domain::external::{ExternalError, SamlIdpMetadata, SamlMetadataSource};

use crate::Federation;
use crate::cache::Freshness;

pub(crate) mod binding;
pub(crate) mod decrypt;
pub(crate) mod keys;
pub(crate) mod logout;
pub mod metadata;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod signature;
pub(crate) mod xml;

impl Federation {
    pub(crate) async fn read_saml_metadata(
        &self,
        source: &SamlMetadataSource,
        now: Timestamp,
    ) -> Result<SamlIdpMetadata, ExternalError> {
        match source {
            SamlMetadataSource::Document(text) => metadata::parse(text, now),
            SamlMetadataSource::Url { url, refresh } => {
                let freshness = if *refresh {
                    Freshness::ReloadUnlessWithin(std::time::Duration::ZERO)
                } else {
                    Freshness::MaxAge(self.config.saml_metadata_ttl)
                };
                let fetch = || self.fetch_metadata(url, now);
                let metadata = self.metadata_cache.get(url, now, freshness, fetch).await?;
                Ok((*metadata).clone())
            }
        }
    }

    async fn fetch_metadata(
        &self,
        url: &str,
        now: Timestamp,
    ) -> Result<SamlIdpMetadata, ExternalError> {
        let unavailable = || ExternalError::MetadataUnavailable(url.to_owned());
        let target = self.http.url(url).map_err(|_| unavailable())?;
        let response = self
            .http
            .get(target, None)
            .await
            .map_err(|_| unavailable())?;
        if !response.is_success() {
            return Err(unavailable());
        }
        let text = response.text().ok_or_else(unavailable)?;
        metadata::parse(text, now)
    }
}
