//! Email-domain discovery on the sign-in page (reference §2.2, "Hosted login page
//! behaviour"): when every SAML provider of the client has IdpIdentifiers, Cognito's page asks
//! for an email first and sends the user to the provider whose identifier is the email's
//! domain. The redirect itself is the federation service's (`discover_provider`).

use crate::Domain;
use crate::client::AppClient;
use crate::enums::ProviderType;
use crate::error::{Error, Result};

impl Domain {
    /// Whether the client's sign-in page shows the email box: it has SAML providers, and
    /// every one of them has IdpIdentifiers.
    pub(super) async fn email_discovery(&self, pool_id: &str, client: &AppClient) -> Result<bool> {
        let mut saml = 0;
        for name in client
            .settings
            .supported_identity_providers
            .iter()
            .flatten()
        {
            if name == "COGNITO" {
                continue;
            }
            let provider = self
                .store
                .get_identity_provider(pool_id, name)
                .await
                .map_err(Error::from)?;
            if let Some(provider) = provider.filter(|p| p.provider_type == ProviderType::Saml) {
                if provider.idp_identifiers.is_empty() {
                    return Ok(false);
                }
                saml += 1;
            }
        }
        Ok(saml > 0)
    }
}
