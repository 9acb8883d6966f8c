//! Identity-provider administration: CreateIdentityProvider, UpdateIdentityProvider,
//! DescribeIdentityProvider, ListIdentityProviders, DeleteIdentityProvider,
//! GetIdentityProviderByIdentifier and GetSigningCertificate.
//!
//! Endpoints and SAML metadata are resolved when a provider is created or updated (OIDC
//! discovery, the social types' configured endpoints, the SAML metadata by URL or file), so
//! a provider that cannot work is refused at once and Describe calls nobody.

use std::collections::BTreeMap;

use cognate_crypto::SecretString;

use super::FederationService;
use super::provider::{
    self, IdentityProvider, MAX_PROVIDERS, PoolSigningKey, SECRET_DETAILS, SealedValue,
    StoredKeyPair, identifier_key, saml_key_purpose, secret_purpose, signing_key_purpose,
};
use crate::enums::ProviderType;
use crate::error::{Error, ErrorKind, Result};
use crate::external::{
    AttributesMethod, ClientCredentials, ExternalError, OAuthProvider, ProviderEndpoints,
    SamlKeyPair, SamlMetadataSource,
};
use crate::paging::{self, PageSize};
use crate::pool::{Page, UserPool};
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;

/// What Create and Update take; on Update, `None` leaves a member as it is, and a given
/// ProviderDetails replaces the old one whole (Terraform and the console send the full map;
/// decision, the reference leaves merge vs replace open).
#[derive(Debug, Clone, Default)]
pub struct ProviderInput {
    pub details: Option<BTreeMap<String, String>>,
    pub attribute_mapping: Option<BTreeMap<String, String>>,
    pub idp_identifiers: Option<Vec<String>>,
    pub acr_mapping: Option<BTreeMap<String, String>>,
}

/// A provider as Describe shows it: the details with the keys Cognito fills in and the
/// client secret (Apple's private key is never shown), and the mapping with its fixed
/// `username` source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityProviderView {
    pub pool_id: String,
    pub name: String,
    pub provider_type: ProviderType,
    pub details: BTreeMap<String, String>,
    pub attribute_mapping: BTreeMap<String, String>,
    pub idp_identifiers: Vec<String>,
    pub acr_mapping: BTreeMap<String, String>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

fn not_found(name: &str) -> Error {
    Error::resource_not_found(format!("Identity provider {name} does not exist."))
}

/// An engine error met while configuring a provider: the caller's configuration is wrong.
fn configuration_error(e: ExternalError) -> Error {
    Error::invalid_parameter(e.to_string())
}

impl FederationService {
    /// CreateIdentityProvider.
    pub async fn create_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
        provider_type: ProviderType,
        input: ProviderInput,
    ) -> Result<IdentityProviderView> {
        let pool = self.directory.pool(pool_id).await?;
        provider::check_name(name, provider_type)?;
        let existing = self
            .store
            .list_identity_providers(pool_id, None, MAX_PROVIDERS as u32 + 1)
            .await?;
        if existing.iter().any(|p| p.name == name) {
            return Err(duplicate(name, pool_id));
        }
        if existing.len() >= MAX_PROVIDERS {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "The user pool {pool_id} already has the maximum number of identity providers ({MAX_PROVIDERS})."
                ),
            ));
        }
        let now = self.now();
        let mut record = IdentityProvider {
            pool_id: pool_id.to_owned(),
            name: name.to_owned(),
            provider_type,
            details: BTreeMap::new(),
            sealed_details: BTreeMap::new(),
            derived: BTreeMap::new(),
            attribute_mapping: BTreeMap::new(),
            idp_identifiers: Vec::new(),
            acr_mapping: BTreeMap::new(),
            saml_key: None,
            created: now,
            modified: now,
        };
        let details = input.details.clone().unwrap_or_default();
        self.apply_input(&pool, &mut record, details, input).await?;
        match self
            .store
            .insert_identity_provider(&record, &record.identifier_keys())
            .await
        {
            Ok(()) => self.view(&record),
            Err(StoreError::Conflict(Conflict::Exists)) => Err(duplicate(name, pool_id)),
            Err(StoreError::Conflict(Conflict::Alias(key))) => Err(identifier_taken(&key)),
            Err(e) => Err(e.into()),
        }
    }

    /// UpdateIdentityProvider (the type cannot change).
    pub async fn update_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
        input: ProviderInput,
    ) -> Result<IdentityProviderView> {
        let pool = self.directory.pool(pool_id).await?;
        let mut record = self.provider(pool_id, name).await?;
        let details = match &input.details {
            Some(details) => details.clone(),
            None => self.input_details(&record)?,
        };
        self.apply_input(&pool, &mut record, details, input).await?;
        record.modified = self.now();
        match self
            .store
            .update_identity_provider(&record, &record.identifier_keys())
            .await
        {
            Ok(()) => self.view(&record),
            Err(StoreError::Conflict(Conflict::Missing)) => Err(not_found(name)),
            Err(StoreError::Conflict(Conflict::Alias(key))) => Err(identifier_taken(&key)),
            Err(e) => Err(e.into()),
        }
    }

    /// DescribeIdentityProvider.
    pub async fn describe_identity_provider(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<IdentityProviderView> {
        self.directory.pool(pool_id).await?;
        let record = self.provider(pool_id, name).await?;
        self.view(&record)
    }

    /// GetIdentityProviderByIdentifier.
    pub async fn identity_provider_by_identifier(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<IdentityProviderView> {
        self.directory.pool(pool_id).await?;
        let record = self
            .store
            .get_identity_provider_by_identifier(pool_id, &identifier_key(identifier))
            .await?
            .ok_or_else(|| {
                Error::resource_not_found(format!(
                    "Identity provider with identifier {identifier} does not exist."
                ))
            })?;
        self.view(&record)
    }

    /// ListIdentityProviders: providers ordered by name.
    pub async fn list_identity_providers(
        &self,
        pool_id: &str,
        next: Option<&str>,
        page_size: PageSize,
    ) -> Result<Page<IdentityProvider>> {
        let limit = page_size.or(paging::DIRECTORY);
        self.directory.pool(pool_id).await?;
        let after = next
            .map(|token| self.open_page_token(pool_id, token))
            .transpose()?;
        let mut items = self
            .store
            .list_identity_providers(pool_id, after.as_deref(), limit + 1)
            .await?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items
                .last()
                .map(|last| self.seal_page_token(pool_id, &last.name))
                .transpose()?
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// DeleteIdentityProvider. Users it created stay (Cognito's behaviour); app clients
    /// that still name it simply cannot sign in through it.
    pub async fn delete_identity_provider(&self, pool_id: &str, name: &str) -> Result<()> {
        self.directory.pool(pool_id).await?;
        if self.store.delete_identity_provider(pool_id, name).await? {
            Ok(())
        } else {
            Err(not_found(name))
        }
    }

    /// GetSigningCertificate: the pool's SAML signing certificate, made on first use.
    pub async fn signing_certificate(&self, pool_id: &str) -> Result<String> {
        self.directory.pool(pool_id).await?;
        Ok(self.pool_signing_key(pool_id).await?.certificate_base64())
    }

    /// The pool's SAML signing key pair (made once; the first node to store it wins).
    pub(crate) async fn pool_signing_key(&self, pool_id: &str) -> Result<SamlKeyPair> {
        let stored = match self.store.get_pool_signing_key(pool_id).await? {
            Some(stored) => stored,
            None => {
                let generated = self
                    .external
                    .generate_saml_key_pair(pool_id, self.now())
                    .map_err(|e| Error::internal(e.to_string()))?;
                let key = PoolSigningKey {
                    pool_id: pool_id.to_owned(),
                    key: StoredKeyPair {
                        sealed_private_key: self.seal(
                            &signing_key_purpose(pool_id),
                            generated.private_key_pkcs8.expose(),
                        )?,
                        certificate_der: generated.certificate_der.clone(),
                    },
                    created: self.now(),
                };
                if self.store.insert_pool_signing_key(&key).await? {
                    key
                } else {
                    self.store
                        .get_pool_signing_key(pool_id)
                        .await?
                        .ok_or_else(|| Error::internal("the pool signing key vanished"))?
                }
            }
        };
        self.open_key_pair(&signing_key_purpose(pool_id), &stored.key)
    }

    pub(crate) fn open_key_pair(
        &self,
        purpose: &[u8],
        stored: &StoredKeyPair,
    ) -> Result<SamlKeyPair> {
        Ok(SamlKeyPair {
            private_key_pkcs8: cognate_crypto::SecretBytes::new(
                self.open(purpose, &stored.sealed_private_key)?,
            ),
            certificate_der: stored.certificate_der.clone(),
        })
    }

    /// The stored provider, or ResourceNotFoundException.
    pub(crate) async fn provider(&self, pool_id: &str, name: &str) -> Result<IdentityProvider> {
        self.store
            .get_identity_provider(pool_id, name)
            .await?
            .ok_or_else(|| not_found(name))
    }

    /// Checks the input and writes it into `record`, resolving endpoints or metadata.
    async fn apply_input(
        &self,
        pool: &UserPool,
        record: &mut IdentityProvider,
        details: BTreeMap<String, String>,
        input: ProviderInput,
    ) -> Result<()> {
        let provider_type = record.provider_type;
        let mut details = provider::check_details(provider_type, &details)?;
        if let Some(mapping) = &input.attribute_mapping {
            record.attribute_mapping =
                provider::check_attribute_mapping(pool, provider_type, mapping)?;
        }
        if let Some(identifiers) = input.idp_identifiers {
            provider::check_identifiers(&identifiers)?;
            record.idp_identifiers = identifiers;
        }
        if let Some(acr) = input.acr_mapping {
            provider::check_acr_mapping(provider_type, &acr)?;
            record.acr_mapping = acr;
        }
        let mut sealed = BTreeMap::new();
        for key in SECRET_DETAILS {
            if let Some(value) = details.remove(*key) {
                let purpose = secret_purpose(&record.pool_id, &record.name, key);
                sealed.insert(
                    (*key).to_owned(),
                    SealedValue(self.seal(&purpose, value.as_bytes())?),
                );
            }
        }
        record.details = details;
        record.sealed_details = sealed;
        record.derived = match provider_type {
            ProviderType::Saml => self.saml_derived_keys(record).await?,
            _ => {
                let oauth = self.oauth_provider(record)?;
                let resolved = self
                    .external
                    .resolve_endpoints(&oauth, self.now())
                    .await
                    .map_err(configuration_error)?;
                provider::derived_oauth_keys(provider_type, &resolved)
            }
        };
        Ok(())
    }

    /// Reads the SAML metadata (fetching a URL afresh) and keeps what Describe shows; makes
    /// the provider's encryption key pair the first time.
    async fn saml_derived_keys(
        &self,
        record: &mut IdentityProvider,
    ) -> Result<BTreeMap<String, String>> {
        let metadata = self
            .external
            .saml_metadata(&metadata_source(record, true)?, self.now())
            .await
            .map_err(configuration_error)?;
        let sso = metadata.sso_redirect_url.ok_or_else(|| {
            Error::invalid_parameter(
                "The SAML metadata has no SingleSignOnService with the HTTP-Redirect binding.",
            )
        })?;
        let mut derived = BTreeMap::new();
        derived.insert("SSORedirectBindingURI".to_owned(), sso);
        match metadata.slo_redirect_url {
            Some(slo) => {
                derived.insert("SLORedirectBindingURI".to_owned(), slo);
            }
            None if record.flag("IDPSignout") => {
                return Err(Error::invalid_parameter(
                    "IDPSignout needs a SingleLogoutService with the HTTP-Redirect binding in the SAML metadata.",
                ));
            }
            None => {}
        }
        if record.saml_key.is_none() {
            let generated = self
                .external
                .generate_saml_key_pair(&record.pool_id, self.now())
                .map_err(|e| Error::internal(e.to_string()))?;
            record.saml_key = Some(StoredKeyPair {
                sealed_private_key: self.seal(
                    &saml_key_purpose(&record.pool_id, &record.name),
                    generated.private_key_pkcs8.expose(),
                )?,
                certificate_der: generated.certificate_der,
            });
        }
        if let Some(key) = &record.saml_key {
            derived.insert(
                "ActiveEncryptionCertificate".to_owned(),
                crate::b64::encode_std(&key.certificate_der),
            );
        }
        Ok(derived)
    }

    /// A secret detail, opened.
    pub(crate) fn secret_detail(&self, record: &IdentityProvider, key: &str) -> Result<String> {
        let Some(sealed) = record.sealed_details.get(key) else {
            return Ok(String::new());
        };
        let purpose = secret_purpose(&record.pool_id, &record.name, key);
        String::from_utf8(self.open(&purpose, &sealed.0)?)
            .map_err(|_| Error::internal("a sealed provider detail is not text"))
    }

    /// The details as a caller gave them (secrets opened), for an Update that leaves them.
    fn input_details(&self, record: &IdentityProvider) -> Result<BTreeMap<String, String>> {
        let mut details = record.details.clone();
        for key in record.sealed_details.keys() {
            details.insert(key.clone(), self.secret_detail(record, key)?);
        }
        Ok(details)
    }

    /// The engine's view of an OAuth-type provider.
    pub(crate) fn oauth_provider(&self, record: &IdentityProvider) -> Result<OAuthProvider> {
        let provider_type = record
            .provider_type
            .oauth()
            .ok_or_else(|| Error::internal("a SAML provider has no OAuth settings"))?;
        let detail = |key: &str| record.details.get(key).cloned();
        let credentials = if record.provider_type == ProviderType::SignInWithApple {
            ClientCredentials::AppleKey {
                team_id: detail("team_id").unwrap_or_default(),
                key_id: detail("key_id").unwrap_or_default(),
                private_key_pem: SecretString::new(self.secret_detail(record, "private_key")?),
            }
        } else {
            ClientCredentials::Secret(SecretString::new(
                self.secret_detail(record, "client_secret")?,
            ))
        };
        let endpoints = if record.provider_type == ProviderType::Oidc {
            ProviderEndpoints {
                authorize_url: detail("authorize_url"),
                token_url: detail("token_url"),
                attributes_url: detail("attributes_url"),
                jwks_uri: detail("jwks_uri"),
            }
        } else {
            // The social types' endpoints are the server configuration's.
            ProviderEndpoints::default()
        };
        Ok(OAuthProvider {
            name: record.name.clone(),
            provider_type,
            client_id: detail("client_id").unwrap_or_default(),
            credentials,
            scopes: provider::split_scopes(
                record.provider_type,
                record
                    .details
                    .get("authorize_scopes")
                    .map_or("", String::as_str),
            ),
            issuer: detail("oidc_issuer"),
            endpoints,
            attributes_method: match record
                .details
                .get("attributes_request_method")
                .map(String::as_str)
            {
                Some("POST") => AttributesMethod::Post,
                _ => AttributesMethod::Get,
            },
            api_version: detail("api_version"),
            requested_attributes: record.attribute_mapping.values().cloned().collect(),
        })
    }

    /// Describe's view of a stored provider.
    pub(crate) fn view(&self, record: &IdentityProvider) -> Result<IdentityProviderView> {
        let mut details = record.details.clone();
        details.extend(record.derived.clone());
        if record.sealed_details.contains_key("client_secret") {
            details.insert(
                "client_secret".to_owned(),
                self.secret_detail(record, "client_secret")?,
            );
        }
        let mut attribute_mapping = record.attribute_mapping.clone();
        if let Some(source) = record.provider_type.username_source() {
            attribute_mapping.insert("username".to_owned(), source.to_owned());
        }
        Ok(IdentityProviderView {
            pool_id: record.pool_id.clone(),
            name: record.name.clone(),
            provider_type: record.provider_type,
            details,
            attribute_mapping,
            idp_identifiers: record.idp_identifiers.clone(),
            acr_mapping: record.acr_mapping.clone(),
            created: record.created,
            modified: record.modified,
        })
    }
}

/// Where a SAML provider's metadata comes from.
pub(crate) fn metadata_source(
    record: &IdentityProvider,
    refresh: bool,
) -> Result<SamlMetadataSource> {
    if let Some(url) = record.details.get("MetadataURL") {
        return Ok(SamlMetadataSource::Url {
            url: url.clone(),
            refresh,
        });
    }
    record
        .details
        .get("MetadataFile")
        .map(|file| SamlMetadataSource::Document(file.clone()))
        .ok_or_else(|| Error::internal("a SAML provider without metadata"))
}

fn duplicate(name: &str, pool_id: &str) -> Error {
    Error::new(
        ErrorKind::DuplicateProvider,
        format!("{name} already exists in user pool {pool_id}"),
    )
}

/// Another provider of the pool has this identifier (Cognito's error type for this is not
/// documented; decision: InvalidParameterException).
fn identifier_taken(key: &str) -> Error {
    Error::invalid_parameter(format!(
        "The identifier {key} is already used by another identity provider in the user pool."
    ))
}
