//! AWS credentials for identities (GetCredentialsForIdentity, the enhanced flow) and OpenID
//! tokens for the basic flow (GetOpenIdToken), with the [`CredentialIssuer`] port.
//!
//! The domain decides the role (see [`super::roles`]) and mints an OpenID token for the
//! identity; the port only asks for credentials with it: `server` implements it with an
//! STS-compatible endpoint (AssumeRoleWithWebIdentity, so on AWS the role's trust policy
//! names Cognate's issuer) or, in dev mode, by minting credentials locally.

use std::collections::BTreeMap;

use async_trait::async_trait;
use cognate_crypto::SecretString;

use super::IdentityPools;
use super::logins::{COGNITO_IDENTITY_KEY, VerifiedLogin};
use super::openid::{OPEN_ID_TOKEN_SECONDS, TokenSubject};
use super::pool::IdentityPool;
use super::principal_tags::tags_for;
use super::roles::choose_role;
use crate::error::{Error, ErrorKind, Result};
use crate::time::Timestamp;

/// How long enhanced-flow credentials last (Cognito's one hour).
pub const CREDENTIAL_SECONDS: i64 = 3_600;
/// The role session name Cognito asks STS for.
pub const SESSION_NAME: &str = "CognitoIdentityCredentials";

/// One AssumeRoleWithWebIdentity request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleRequest {
    pub role_arn: String,
    pub session_name: String,
    /// The OpenID token for the identity (sensitive: a bearer credential for the role).
    pub web_identity_token: String,
    pub duration_seconds: i64,
    /// The domain's `now`, for issuers that mint locally.
    pub now: Timestamp,
}

/// Temporary AWS credentials.
#[derive(Debug, Clone)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: String,
    pub expiration: Timestamp,
}

/// Why credentials could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialError {
    /// The STS endpoint refused: its error code and message.
    Refused { code: String, message: String },
    /// The STS endpoint could not be reached, did not answer in time, or answered nonsense.
    Unavailable(String),
    /// This server has no credential source configured.
    NotConfigured,
}

/// Where AWS credentials come from.
#[async_trait]
pub trait CredentialIssuer: Send + Sync {
    async fn assume_role_with_web_identity(
        &self,
        request: &AssumeRoleRequest,
    ) -> std::result::Result<AwsCredentials, CredentialError>;
}

/// Cognito's answer for an STS failure: a refusal means the role does not trust the pool
/// (or the token), which Cognito reports as the pool's configuration.
fn credential_error(e: CredentialError) -> Error {
    match e {
        CredentialError::Refused { code, message } => match code.as_str() {
            "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => Error::new(
                ErrorKind::TooManyRequests,
                "Too many requests for credentials; retry later.",
            ),
            "AccessDenied"
            | "InvalidIdentityToken"
            | "IDPRejectedClaim"
            | "MalformedPolicyDocument"
            | "PackedPolicyTooLarge"
            | "ValidationError"
            | "InvalidParameterValue" => {
                tracing::warn!(%code, %message, "STS refused AssumeRoleWithWebIdentity");
                Error::new(
                    ErrorKind::InvalidIdentityPoolConfiguration,
                    "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
                )
            }
            _ => Error::new(
                ErrorKind::ExternalService,
                format!("The credentials service failed: {code}: {message}"),
            ),
        },
        CredentialError::Unavailable(reason) => {
            tracing::warn!(%reason, "STS unavailable");
            Error::new(
                ErrorKind::ExternalService,
                format!("The credentials service (STS) is unavailable: {reason}"),
            )
        }
        CredentialError::NotConfigured => Error::new(
            ErrorKind::ExternalService,
            "This server has no credentials service: configure an STS endpoint ([sts] endpoint) or run it in dev mode.",
        ),
    }
}

/// What a request proved about its identity.
struct Proven {
    identity_id: String,
    pool: IdentityPool,
    logins: Vec<VerifiedLogin>,
    principal_tags: BTreeMap<String, String>,
    /// A token of this issuer (developer or basic flow) stood for the logins.
    from_token: Option<super::openid::IdentityToken>,
}

impl IdentityPools {
    /// The identity a request is for: `cognito-identity.amazonaws.com` stands alone and must
    /// be a token of this issuer for this identity; other logins are checked and linked.
    async fn prove(&self, identity_id: &str, logins: &BTreeMap<String, String>) -> Result<Proven> {
        if let Some(token) = logins.get(COGNITO_IDENTITY_KEY) {
            let identity = self.identity(identity_id).await?;
            let pool = self.identity_pool(&identity.pool_id).await?;
            let verified = self.verify_identity_token(token).await?;
            if verified.identity_id != identity.identity_id || verified.pool_id != pool.id {
                return Err(super::identity::logins_do_not_match());
            }
            if identity.disabled {
                return Err(Error::not_authorized(format!(
                    "Identity '{identity_id}' is disabled."
                )));
            }
            let principal_tags = principal_tags_of(&verified.claims);
            return Ok(Proven {
                identity_id: identity.identity_id,
                pool,
                logins: Vec::new(),
                principal_tags,
                from_token: Some(verified),
            });
        }
        let (identity, pool, logins) = self.authenticate_identity(identity_id, logins).await?;
        let principal_tags = tags_for(&pool.principal_tags, &logins);
        Ok(Proven {
            identity_id: identity.identity_id,
            pool,
            logins,
            principal_tags,
            from_token: None,
        })
    }

    /// GetCredentialsForIdentity: the role the pool chooses, assumed with an OpenID token for
    /// the identity. Returns the identity id that answers (after a merge, the survivor's).
    pub async fn get_credentials_for_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
        custom_role_arn: Option<&str>,
    ) -> Result<(String, AwsCredentials)> {
        let proven = self.prove(identity_id, logins).await?;
        let (role_arn, token) = match &proven.from_token {
            // A developer or basic-flow token: its claims are all there is to map roles by;
            // it is authenticated when it says so.
            Some(token) => {
                let role = if token.authenticated {
                    let stand_in = VerifiedLogin {
                        provider: super::logins::COGNITO_IDENTITY_KEY.to_owned(),
                        subject: token.identity_id.clone(),
                        mapping_key: super::logins::COGNITO_IDENTITY_KEY.to_owned(),
                        developer: false,
                        claims: token.claims.clone(),
                        amr: String::new(),
                    };
                    choose_role(
                        &proven.pool,
                        std::slice::from_ref(&stand_in),
                        custom_role_arn,
                    )?
                } else {
                    choose_role(&proven.pool, &[], None)?
                };
                // STS gets a token of the same standing, minted now for the session.
                let token = self
                    .mint_token_like(&proven, token, CREDENTIAL_SECONDS)
                    .await?;
                (role, token)
            }
            None => {
                let role = choose_role(&proven.pool, &proven.logins, custom_role_arn)?;
                let token = self
                    .mint_token(&TokenSubject {
                        pool_id: &proven.pool.id,
                        identity_id: &proven.identity_id,
                        logins: &proven.logins,
                        principal_tags: &proven.principal_tags,
                        lifetime_secs: OPEN_ID_TOKEN_SECONDS,
                    })
                    .await?;
                (role, token)
            }
        };
        let request = AssumeRoleRequest {
            role_arn,
            session_name: SESSION_NAME.to_owned(),
            web_identity_token: token,
            duration_seconds: CREDENTIAL_SECONDS,
            now: self.now(),
        };
        let credentials = self
            .credentials
            .assume_role_with_web_identity(&request)
            .await
            .map_err(credential_error)?;
        Ok((proven.identity_id, credentials))
    }

    /// A token with the same `amr` and tags as one this issuer signed earlier.
    async fn mint_token_like(
        &self,
        proven: &Proven,
        token: &super::openid::IdentityToken,
        lifetime_secs: i64,
    ) -> Result<String> {
        let keys = self.issuer_keys().await?;
        let mut claims = token.claims.clone();
        let now = self.now().secs();
        claims.insert("iat".into(), serde_json::json!(now));
        claims.insert("exp".into(), serde_json::json!(now + lifetime_secs));
        claims.insert("aud".into(), serde_json::json!(proven.pool.id));
        keys.signer
            .sign_rs512_jws(&claims)
            .map_err(|e| Error::internal(format!("signing: {e}")))
    }

    /// GetOpenIdToken (the basic flow): an OpenID token for the identity, valid ten minutes.
    /// The pool must allow the basic flow, which Cognito refuses beside role mappings.
    pub async fn get_open_id_token(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> Result<(String, String)> {
        let identity = self.identity(identity_id).await?;
        let pool = self.identity_pool(&identity.pool_id).await?;
        check_classic_flow(&pool)?;
        let proven = self.prove(identity_id, logins).await?;
        let token = match &proven.from_token {
            Some(token) => {
                self.mint_token_like(&proven, token, OPEN_ID_TOKEN_SECONDS)
                    .await?
            }
            None => {
                self.mint_token(&TokenSubject {
                    pool_id: &proven.pool.id,
                    identity_id: &proven.identity_id,
                    logins: &proven.logins,
                    principal_tags: &proven.principal_tags,
                    lifetime_secs: OPEN_ID_TOKEN_SECONDS,
                })
                .await?
            }
        };
        Ok((proven.identity_id, token))
    }
}

/// The basic flow is off unless the pool allows it, and never beside role mappings.
pub(crate) fn check_classic_flow(pool: &IdentityPool) -> Result<()> {
    if !pool.allow_classic_flow {
        return Err(Error::invalid_parameter(
            "Basic (classic) flow is not enabled, please use enhanced flow.",
        ));
    }
    if !pool.role_mappings.is_empty() {
        return Err(Error::invalid_parameter(
            "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.",
        ));
    }
    Ok(())
}

/// The principal tags a token of this issuer carries.
fn principal_tags_of(
    claims: &serde_json::Map<String, serde_json::Value>,
) -> BTreeMap<String, String> {
    claims
        .get(super::openid::TAGS_CLAIM)
        .and_then(|t| t.get("principal_tags"))
        .and_then(serde_json::Value::as_object)
        .map(|tags| {
            tags.iter()
                .filter_map(|(k, v)| {
                    let value = v.as_array().and_then(|a| a.first()).unwrap_or(v);
                    value.as_str().map(|s| (k.clone(), s.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default()
}
