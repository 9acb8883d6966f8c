//! `cognate-federation`: the protocol engine that checks what outside identity providers
//! vouch for, behind the domain's [`ExternalIdentityProviders`] port.
//!
//! # Brief overview
//!
//! - [`Federation`] implements the port; `server` builds one from a [`FederationConfig`]
//!   (the social providers' endpoints, overridable; HTTP limits; cache lifetimes; dev mode)
//!   and hands it to the domain. Hosted federation and identity-pool Logins both call it.
//! - OAuth 2.0 / OpenID Connect / social: `oauth` (the authorization-code flow per provider
//!   type), `oidc` (discovery, JWKS with rotation, ID-token validation), `jose` (the JWS
//!   header, JWKS parsing, algorithm and key rules), `logins` (identity-pool token checks).
//! - SAML 2.0 service provider: [`saml`] (metadata, AuthnRequest and logout messages over
//!   the redirect binding, Response validation with XML-signature checks and decryption,
//!   SP key pairs and certificates).
//! - [`http`]: outbound HTTP with timeouts, a size cap, the `*.localhost` resolver and the
//!   https rule.
//!
//! # What this crate is not
//!
//! It holds no state beyond TTL-bounded caches of provider documents (discovery, JWKS,
//! metadata), stores nothing, and decides nothing about users: the domain owns the federated
//! user, attribute mapping, replay markers (`use_once` of an assertion id) and triggers.
//! It depends on `cognate-domain` (for the port) and `cognate-crypto`, never on `api`,
//! `store` or `server`.
//!
//! # Invariants
//!
//! Time comes from the caller (`now` on every check). Every outbound request has a timeout
//! and a response-size cap, and goes only to https URLs (http on loopback in dev mode).
//! A SAML value is read only from XML whose signature was verified with a certificate from
//! the IdP's metadata, from the very node the signature covers.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use async_trait::async_trait;
use cognate_domain::Timestamp;
use cognate_domain::external::{
    AuthorizationCallback, AuthorizationRequest, ExternalIdentityProviders, ExternalResult,
    ExternalSignIn, IdTokenCheck, LoginProvider, OAuthProvider, ResolvedEndpoints, SamlAssertion,
    SamlAuthnRequest, SamlIdpMetadata, SamlKeyPair, SamlLogoutCheck, SamlLogoutRequest,
    SamlLogoutRequestIn, SamlLogoutResponse, SamlLogoutResponseOut, SamlMetadataSource,
    SamlResponseCheck, UpstreamAuthorization, VerifiedIdToken, VerifiedLogin,
};

mod cache;
pub mod config;
pub mod http;
mod jose;
mod logins;
mod oauth;
mod oidc;
pub mod saml;

pub use config::{FederationConfig, HttpSettings, SocialEndpoints};

use cache::UrlCache;
use http::HttpClient;

/// The engine. Cheap to share behind an `Arc`; its caches are per node and TTL-bounded.
pub struct Federation {
    config: FederationConfig,
    http: HttpClient,
    discovery_cache: UrlCache<oidc::Discovery>,
    jwks_cache: UrlCache<jose::JwkSet>,
    metadata_cache: UrlCache<SamlIdpMetadata>,
}

impl Federation {
    pub fn new(config: FederationConfig) -> ExternalResult<Self> {
        let http = HttpClient::new(&config.http, config.dev_mode)?;
        Ok(Federation {
            config,
            http,
            discovery_cache: UrlCache::new(),
            jwks_cache: UrlCache::new(),
            metadata_cache: UrlCache::new(),
        })
    }

    pub fn config(&self) -> &FederationConfig {
        &self.config
    }
}

#[async_trait]
impl ExternalIdentityProviders for Federation {
    async fn resolve_endpoints(
        &self,
        provider: &OAuthProvider,
        now: Timestamp,
    ) -> ExternalResult<ResolvedEndpoints> {
        self.resolve(provider, now).await
    }

    async fn authorization_url(
        &self,
        provider: &OAuthProvider,
        request: &AuthorizationRequest,
        now: Timestamp,
    ) -> ExternalResult<UpstreamAuthorization> {
        self.build_authorization_url(provider, request, now).await
    }

    async fn complete_authorization(
        &self,
        provider: &OAuthProvider,
        callback: &AuthorizationCallback,
        now: Timestamp,
    ) -> ExternalResult<ExternalSignIn> {
        self.complete(provider, callback, now).await
    }

    async fn verify_id_token(
        &self,
        token: &str,
        check: &IdTokenCheck,
        now: Timestamp,
    ) -> ExternalResult<VerifiedIdToken> {
        let jwks_uri = match &check.jwks_uri {
            Some(uri) => uri.clone(),
            None => self.discovery(&check.issuer, now).await?.jwks_uri.clone(),
        };
        let issuers = [check.issuer.clone()];
        let rules = oidc::IdTokenRules {
            issuers: &issuers,
            audiences: &check.audiences,
            jwks_uri: Some(&jwks_uri),
            nonce: check.nonce.as_deref(),
            hmac_secret: check.hmac_secret.as_ref(),
        };
        self.validate_id_token(token, &rules, now).await
    }

    async fn verify_login(
        &self,
        provider: &LoginProvider,
        token: &str,
        audiences: &[String],
        now: Timestamp,
    ) -> ExternalResult<VerifiedLogin> {
        self.check_login(provider, token, audiences, now).await
    }

    async fn saml_metadata(
        &self,
        source: &SamlMetadataSource,
        now: Timestamp,
    ) -> ExternalResult<SamlIdpMetadata> {
        self.read_saml_metadata(source, now).await
    }

    fn generate_saml_key_pair(&self, pool_id: &str, now: Timestamp) -> ExternalResult<SamlKeyPair> {
        saml::keys::generate(pool_id, now)
    }

    fn saml_authn_request_url(&self, request: &SamlAuthnRequest<'_>) -> ExternalResult<String> {
        saml::request::authn_request_url(request)
    }

    fn validate_saml_response(
        &self,
        check: &SamlResponseCheck<'_>,
        now: Timestamp,
    ) -> ExternalResult<SamlAssertion> {
        saml::response::validate(check, &saml::response::Limits::from(&self.config), now)
    }

    fn saml_logout_request_url(&self, request: &SamlLogoutRequest<'_>) -> ExternalResult<String> {
        saml::logout::logout_request_url(request)
    }

    fn validate_saml_logout_response(
        &self,
        check: &SamlLogoutCheck<'_>,
        now: Timestamp,
    ) -> ExternalResult<SamlLogoutResponse> {
        saml::logout::validate_logout_response(
            check,
            &saml::response::Limits::from(&self.config),
            now,
        )
    }

    fn validate_saml_logout_request(
        &self,
        check: &SamlLogoutCheck<'_>,
        now: Timestamp,
    ) -> ExternalResult<SamlLogoutRequestIn> {
        saml::logout::validate_logout_request(
            check,
            &saml::response::Limits::from(&self.config),
            now,
        )
    }

    fn saml_logout_response_url(
        &self,
        response: &SamlLogoutResponseOut<'_>,
    ) -> ExternalResult<String> {
        saml::logout::logout_response_url(response)
    }
}
