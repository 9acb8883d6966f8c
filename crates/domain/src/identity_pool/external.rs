//! Logins from external providers: Google, Sign in with Apple and OpenID Connect providers
//! (ID tokens), Facebook and Login with Amazon (access tokens), SAML providers (a base64
//! SAML Response, as an IdP posts it to AWS's sign-in endpoint).
//!
//! The token checks are not here: they are the [`ExternalIdentityProviders`] port's
//! `verify_login` and `validate_saml_response`, the same engine hosted federation uses. This
//! module says what each provider's token must be for (the pool's app ids, the client ids of
//! the IAM OpenID Connect provider the pool names, AWS's SAML audience and recipient) and
//! turns the engine's verdict into a login, or into the error Cognito answers with.
//!
//! Decisions where Cognito's behaviour is not documented:
//! - A SupportedLoginProviders value may list several app ids separated by commas (as the
//!   console allows for Google and Apple); a token for any of them is accepted.
//! - A provider that cannot be reached, or answers nonsense, is `ExternalServiceException`
//!   (the model's error for "a dependent service such as Facebook or Twitter is not
//!   responding"); a provider the node is not configured to reach is
//!   `InvalidIdentityPoolConfigurationException`.
//! - Twitter and Digits logins are refused: both services are gone.
//! - A SAML Response is not spent on first use: the enhanced flow presents the same Response
//!   to GetId and then to GetCredentialsForIdentity. Its lifetime is bounded by its
//!   `NotOnOrAfter` and the engine's age limit on unsolicited Responses (six minutes).
//! - A SAML login's claims are its attributes (one value as a string, several as a list);
//!   the roles of AWS's `https://aws.amazon.com/SAML/Attributes/Role` attribute become
//!   `cognito:roles` (and `cognito:preferred_role` when there is one), so a `Token` role
//!   mapping and a CustomRoleArn choose among them as they do among user-pool group roles.
//!   Its `amr` entry is `<provider ARN>:<IdP entity id>:<NameID>`.
//!
//! [`ExternalIdentityProviders`]: crate::external::ExternalIdentityProviders

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::external::{
    ExternalError, IdTokenProblem, LoginProvider, SamlAssertion, SamlMetadataSource,
    SamlResponseCheck,
};

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

/// An IAM SAML provider as IAM holds it (CreateSAMLProvider's metadata document), keyed by
/// its ARN; the Logins key is the ARN itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProviderConfig {
    /// `arn:aws:iam::<account>:saml-provider/<name>`.
    pub arn: String,
    /// The IdP's metadata: its entity id and signing certificates.
    pub metadata: SamlMetadataSource,
}

/// The audience AWS requires of SAML assertions for federation into AWS.
pub const AWS_SAML_AUDIENCE: &str = "urn:amazon:webservices";
/// Where IdPs post Responses for AWS (the `Recipient` and `Destination`).
pub const AWS_SAML_RECIPIENT: &str = "https://signin.aws.amazon.com/saml";
/// The SAML attribute that lists the roles a user may take, as `role-arn,provider-arn` pairs.
const AWS_ROLE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/Role";

impl IdentityPools {
    /// Checks an external provider's token through the port and makes it a login.
    pub(crate) async fn verify_external_login(
        &self,
        provider: &ExternalProvider,
        token: &str,
    ) -> Result<VerifiedLogin> {
        if provider.kind == ExternalKind::Saml {
            return self.verify_saml_login(provider, token).await;
        }
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

    /// A SAML Response from the IdP of the configured IAM SAML provider: signed by one of its
    /// certificates, for AWS's audience and recipient, unsolicited, in its time window.
    async fn verify_saml_login(
        &self,
        provider: &ExternalProvider,
        response: &str,
    ) -> Result<VerifiedLogin> {
        let configured = self
            .config
            .saml_providers
            .iter()
            .find(|p| p.arn == provider.key)
            .ok_or_else(|| {
                tracing::warn!(arn = %provider.key, "an identity pool names a SAML provider this node does not know; add it to [[saml_providers]]");
                unknown_provider("SAML", &provider.key)
            })?;
        let now = self.now();
        let metadata = self
            .external
            .saml_metadata(&configured.metadata, now)
            .await
            .map_err(|e| external_error(&provider.key, e))?;
        let check = SamlResponseCheck {
            saml_response: response,
            idp: &metadata,
            audience: AWS_SAML_AUDIENCE.to_owned(),
            acs_url: AWS_SAML_RECIPIENT.to_owned(),
            expected_in_response_to: None,
            decryption_key: None,
            require_encrypted_assertion: false,
        };
        let assertion = self
            .external
            .validate_saml_response(&check, now)
            .map_err(|e| external_error(&provider.key, e))?;
        Ok(VerifiedLogin {
            amr: format!(
                "{}:{}:{}",
                provider.key, assertion.issuer, assertion.name_id
            ),
            provider: provider.key.clone(),
            claims: saml_claims(&assertion),
            subject: assertion.name_id,
            mapping_key: provider.key.clone(),
            developer: false,
        })
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
                unknown_provider("OpenID Connect", arn)
            })
    }
}

fn unknown_provider(kind: &str, arn: &str) -> Error {
    Error::new(
        ErrorKind::InvalidIdentityPoolConfiguration,
        format!(
            "Invalid identity pool configuration. The {kind} provider {arn} is not configured on this server."
        ),
    )
}

/// A SAML assertion's attributes as claims, with the roles it offers as `cognito:roles`.
fn saml_claims(assertion: &SamlAssertion) -> Map<String, Value> {
    let mut claims: Map<String, Value> = assertion
        .attributes
        .iter()
        .map(|(name, values)| {
            let value = match values.as_slice() {
                [one] => Value::from(one.as_str()),
                many => Value::from(many.to_vec()),
            };
            (name.clone(), value)
        })
        .collect();
    // Each value is `role-arn,provider-arn`, in either order.
    let roles: Vec<String> = assertion
        .attributes
        .get(AWS_ROLE_ATTRIBUTE)
        .into_iter()
        .flatten()
        .filter_map(|pair| {
            pair.split(',')
                .map(str::trim)
                .find(|part| part.contains(":role/"))
                .map(str::to_owned)
        })
        .collect();
    if let [only] = roles.as_slice() {
        claims.insert(
            "cognito:preferred_role".to_owned(),
            Value::from(only.as_str()),
        );
    }
    if !roles.is_empty() {
        claims.insert("cognito:roles".to_owned(), Value::from(roles));
    }
    claims
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
        ExternalError::InsecureUrl(_)
        | ExternalError::Configuration(_)
        | ExternalError::InvalidMetadata(_) => {
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
