//! Logins from external providers: Google, Sign in with Apple and OpenID Connect providers
//! (ID tokens), Facebook and Login with Amazon (access tokens).
//!
//! The token checks are not here: they are the [`ExternalIdentityProviders`] port's
//! `verify_login`, the same engine hosted federation uses. This module says what each
//! provider's token must be for (the pool's app ids, or the client ids of the IAM OpenID
//! Connect provider the pool names) and turns the engine's verdict into a login, or into the
//! error Cognito answers with.
//!
//! Decisions where Cognito's behaviour is not documented:
//! - A SupportedLoginProviders value may list several app ids separated by commas (as the
//!   console allows for Google and Apple); a token for any of them is accepted.
//! - A provider that cannot be reached, or answers nonsense, is `ExternalServiceException`
//!   (the model's error for "a dependent service such as Facebook or Twitter is not
//!   responding"); a provider the node is not configured to reach is
//!   `InvalidIdentityPoolConfigurationException`.
//! - Twitter and Digits logins are refused: both services are gone.
//! - SAML logins are refused for now (the engine can check a Response; the IAM SAML
//!   provider registry and the assertion replay marker are not built yet).
//!
//! [`ExternalIdentityProviders`]: crate::external::ExternalIdentityProviders

use crate::error::{Error, ErrorKind, Result};
use crate::external::{ExternalError, IdTokenProblem, LoginProvider};

use super::IdentityPools;
use super::logins::{ExternalKind, ExternalProvider, VerifiedLogin};

/// An IAM OpenID Connect provider as IAM holds it (CreateOpenIDConnectProvider's `Url` and
/// `ClientIDList`), keyed by its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProviderConfig {
    /// `arn:aws:iam::<account>:oidc-provider/<host/path>`; the Logins key is `<host/path>`.
    pub arn: String,
    /// The exact `iss` of the provider's ID tokens (`https://<host/path>` on AWS).
    pub issuer: String,
    /// The audiences the provider's ID tokens may carry.
    pub client_ids: Vec<String>,
}

impl IdentityPools {
    /// Checks an external provider's token through the port and makes it a login.
    pub(crate) async fn verify_external_login(
        &self,
        provider: &ExternalProvider,
        token: &str,
    ) -> Result<VerifiedLogin> {
        let (login_provider, audiences) = self.login_target(provider)?;
        let verified = self
            .external
            .verify_login(&login_provider, token, &audiences, self.now())
            .await
            .map_err(|e| external_error(&provider.key, e))?;
        Ok(VerifiedLogin {
            amr: format!(
                "{}:{}:{}",
                provider.key, verified.audience, verified.subject
            ),
            provider: provider.key.clone(),
            subject: verified.subject,
            mapping_key: provider.key.clone(),
            developer: false,
            claims: verified.claims,
        })
    }

    /// The provider the engine is asked about, and the audiences its token may be for.
    fn login_target(&self, provider: &ExternalProvider) -> Result<(LoginProvider, Vec<String>)> {
        let social = |kind: LoginProvider| (kind, app_ids(provider.app_id.as_deref()));
        match provider.kind {
            ExternalKind::Google => Ok(social(LoginProvider::Google)),
            ExternalKind::Apple => Ok(social(LoginProvider::SignInWithApple)),
            ExternalKind::Facebook => Ok(social(LoginProvider::Facebook)),
            ExternalKind::Amazon => Ok(social(LoginProvider::LoginWithAmazon)),
            ExternalKind::Oidc => {
                let oidc = self.oidc_provider(provider)?;
                Ok((
                    LoginProvider::Oidc {
                        issuer: oidc.issuer.clone(),
                    },
                    oidc.client_ids.clone(),
                ))
            }
            ExternalKind::Twitter | ExternalKind::Digits | ExternalKind::Saml => {
                Err(Error::not_authorized(format!(
                    "Invalid login token. Logins from {} are not supported by this server.",
                    provider.key
                )))
            }
        }
    }

    /// The configured IAM OIDC provider the pool's ARN names.
    fn oidc_provider(&self, provider: &ExternalProvider) -> Result<&OidcProviderConfig> {
        let arn = provider.arn.as_deref().unwrap_or_default();
        self.config
            .openid_connect_providers
            .iter()
            .find(|p| p.arn == arn)
            .ok_or_else(|| {
                tracing::warn!(%arn, "an identity pool names an OIDC provider this node does not know; add it to [[openid_connect_providers]]");
                Error::new(
                    ErrorKind::InvalidIdentityPoolConfiguration,
                    format!(
                        "Invalid identity pool configuration. The OpenID Connect provider {arn} is not configured on this server."
                    ),
                )
            })
    }
}

/// A SupportedLoginProviders value: one app id, or several separated by commas.
fn app_ids(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect()
}

fn invalid_token(reason: &str) -> Error {
    Error::not_authorized(format!("Invalid login token. {reason}"))
}

/// The engine's verdict as Cognito answers it. The wording follows Cognito's messages for
/// user-pool and OIDC tokens where they are known.
fn external_error(key: &str, error: ExternalError) -> Error {
    match error {
        ExternalError::InvalidIdToken(problem) => match problem {
            IdTokenProblem::Malformed => {
                invalid_token("Not a valid OpenId Connect identity token.")
            }
            IdTokenProblem::Algorithm(_)
            | IdTokenProblem::UnknownKey(_)
            | IdTokenProblem::Signature => invalid_token("Couldn't verify signed token."),
            IdTokenProblem::Audience | IdTokenProblem::AuthorizedParty => {
                invalid_token("Incorrect token audience.")
            }
            IdTokenProblem::Expired => invalid_token("Token expired."),
            IdTokenProblem::NotYetValid | IdTokenProblem::IssuedInFuture => {
                invalid_token("Token is not yet valid.")
            }
            IdTokenProblem::Nonce => invalid_token("Token nonce does not match."),
            IdTokenProblem::MissingClaim(claim) => {
                invalid_token(&format!("Missing a required claim: {claim}"))
            }
        },
        ExternalError::BadIssuer(_) => invalid_token("Issuer doesn't match providerName"),
        // The engine's texts for refused access tokens already read as Cognito's.
        ExternalError::InvalidAccessToken(text) => Error::not_authorized(text),
        ExternalError::InsecureUrl(_) | ExternalError::Configuration(_) => {
            tracing::warn!(provider = %key, error = %error, "an external login provider is misconfigured");
            Error::new(
                ErrorKind::InvalidIdentityPoolConfiguration,
                format!(
                    "Invalid identity pool configuration. The login provider {key} cannot be used: {error}"
                ),
            )
        }
        ExternalError::TokenEndpointTimeout
        | ExternalError::JwksTimeout
        | ExternalError::Network(_)
        | ExternalError::BadProviderResponse(_)
        | ExternalError::Discovery(_)
        | ExternalError::MetadataUnavailable(_) => {
            tracing::warn!(provider = %key, error = %error, "an external login provider failed");
            Error::new(
                ErrorKind::ExternalService,
                format!("The login provider {key} did not answer as expected: {error}"),
            )
        }
        other => invalid_token(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn app_ids_are_split_on_commas() {
        assert_eq!(
            app_ids(Some(" a.apps , b.apps,,")),
            vec!["a.apps".to_owned(), "b.apps".to_owned()]
        );
        assert!(app_ids(None).is_empty());
    }

    #[test]
    fn engine_verdicts_become_cognito_errors() {
        let cases = [
            (
                ExternalError::InvalidIdToken(IdTokenProblem::Signature),
                ErrorKind::NotAuthorized,
                "Invalid login token. Couldn't verify signed token.",
            ),
            (
                ExternalError::InvalidIdToken(IdTokenProblem::Audience),
                ErrorKind::NotAuthorized,
                "Invalid login token. Incorrect token audience.",
            ),
            (
                ExternalError::BadIssuer("https://evil".into()),
                ErrorKind::NotAuthorized,
                "Invalid login token. Issuer doesn't match providerName",
            ),
            (
                ExternalError::JwksTimeout,
                ErrorKind::ExternalService,
                "The login provider login.example did not answer as expected: Timeout in calling jwks uri",
            ),
            (
                ExternalError::InsecureUrl("http://login.example".into()),
                ErrorKind::InvalidIdentityPoolConfiguration,
                "Invalid identity pool configuration. The login provider login.example cannot be used: The URL http://login.example must use https",
            ),
        ];
        for (error, kind, message) in cases {
            let got = external_error("login.example", error);
            assert_eq!((got.kind, got.message.as_str()), (kind, message));
        }
    }
}
