//! The Logins map: which provider a key names, and the checks a token must pass before a
//! login is trusted.
//!
//! A key resolves to a [`ProviderKind`]:
//! - a Cognate user pool, under the key Cognito uses (`cognito-idp.<region>.amazonaws.com/<poolId>`,
//!   what Amplify and the SDKs send) or under the pool's real issuer (`<public host>/<poolId>`);
//!   its ID token is checked here, through [`UserPoolLogins`];
//! - `cognito-identity.amazonaws.com`: a token this service issued (developer and basic flows);
//! - the pool's developer provider (only where the caller is signed, in
//!   GetOpenIdTokenForDeveloperIdentity): the value is the developer's user identifier;
//! - an external provider (Google, Facebook, Login with Amazon, Apple, Twitter, Digits, an
//!   OpenID Connect provider, a SAML provider): checked through the domain's
//!   [`ExternalIdentityProviders`](crate::external::ExternalIdentityProviders) port, the
//!   same checks hosted federation uses (`external.rs` of this module).
//!
//! A verified login is a [`VerifiedLogin`]: the canonical provider name the identity keeps, the
//! subject (the user's id at that provider), the key role mappings use, and the claims.

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::pool::IdentityPool;
use super::{IdentityConfig, IdentityPools};
use crate::error::{Error, Result};

/// The key of the tokens this service issues.
pub const COGNITO_IDENTITY_KEY: &str = "cognito-identity.amazonaws.com";

/// The public providers Cognito knows by a fixed domain, with what it calls them.
pub const PUBLIC_PROVIDERS: &[(&str, ExternalKind)] = &[
    ("accounts.google.com", ExternalKind::Google),
    ("graph.facebook.com", ExternalKind::Facebook),
    ("www.amazon.com", ExternalKind::Amazon),
    ("appleid.apple.com", ExternalKind::Apple),
    ("api.twitter.com", ExternalKind::Twitter),
    ("www.digits.com", ExternalKind::Digits),
];

/// An external provider's family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalKind {
    Google,
    Facebook,
    Amazon,
    Apple,
    Twitter,
    Digits,
    /// A generic OpenID Connect provider, named by an IAM OIDC provider ARN.
    Oidc,
    /// A SAML provider, named by an IAM SAML provider ARN.
    Saml,
}

/// What a Logins key names, for one identity pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderKind {
    /// A user pool of this server.
    UserPool {
        pool_id: String,
    },
    /// A token this service issued.
    CognitoIdentity,
    /// The pool's developer provider.
    Developer,
    External(ExternalProvider),
}

/// An external provider as the identity pool configures it: what the federation side needs
/// to check a token from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalProvider {
    pub kind: ExternalKind,
    /// The Logins key (`accounts.google.com`, an OIDC issuer's host and path, a SAML ARN).
    pub key: String,
    /// The app or client id the token must be for (SupportedLoginProviders' value), if any.
    pub app_id: Option<String>,
    /// The IAM provider ARN (OIDC and SAML).
    pub arn: Option<String>,
}

/// Why a user-pool ID token was refused; identity pools turn each into Cognito's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdTokenRejection {
    /// Not a JWT, or not one of the pool's.
    Malformed,
    /// The signature does not verify under the pool's keys.
    BadSignature,
    Expired {
        exp: i64,
        now: i64,
    },
    /// `iss` is not the pool the key names.
    IssuerMismatch,
    /// An access token (no `aud`), or another `token_use`.
    NotAnIdToken,
    /// ServerSideTokenCheck: the session was signed out or revoked.
    Revoked,
    /// ServerSideTokenCheck: the user is disabled or deleted.
    UserInactive,
    /// Something failed on our side.
    Internal(Error),
}

/// What identity pools need from the user-pool side; `Domain` implements it.
#[async_trait]
pub trait UserPoolLogins: Send + Sync {
    /// Checks an ID token of `pool_id`: `iss` is the pool's issuer, the signature under the
    /// pool's keys, expiry, `token_use` `id`. The audience is left to the caller, which knows
    /// the client ids the identity pool trusts. Returns the claims.
    async fn verify_id_token(
        &self,
        pool_id: &str,
        token: &str,
    ) -> std::result::Result<Map<String, Value>, IdTokenRejection>;

    /// ServerSideTokenCheck: the token's session is still signed in and its user exists and
    /// is enabled.
    async fn check_session(
        &self,
        pool_id: &str,
        claims: &Map<String, Value>,
    ) -> std::result::Result<(), IdTokenRejection>;
}

/// A login whose token passed its checks.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedLogin {
    /// The provider name the identity keeps (`cognito-idp.<region>.amazonaws.com/<poolId>`
    /// for a user pool, whichever key the client used).
    pub provider: String,
    /// The user's id at the provider (a user pool's `sub`, a developer user identifier).
    pub subject: String,
    /// The RoleMappings key this login is looked up under (`<provider>:<clientId>` for a
    /// user pool).
    pub mapping_key: String,
    /// Whether this is the developer provider (several subjects per identity are allowed).
    pub developer: bool,
    /// The token's claims, for role rules and principal tags (empty for developer logins).
    pub claims: Map<String, Value>,
    /// What this login adds to the OpenID token's `amr`, after the provider name.
    pub amr: String,
}

/// The user pool a key names: `cognito-idp.<region>.amazonaws.com/<poolId>` (the region must
/// be the pool id's) or `<host of the public URL>/<poolId>`.
pub fn user_pool_of_key(key: &str, config: &IdentityConfig) -> Option<String> {
    let (host, pool_id) = key.split_once('/')?;
    if pool_id.is_empty() || pool_id.contains('/') || !pool_id.contains('_') {
        return None;
    }
    let region = crate::ids::pool_region(pool_id);
    let cognito_host = format!("cognito-idp.{region}.amazonaws.com");
    let own_host = config
        .public_url
        .split_once("://")
        .map_or(config.public_url.as_str(), |(_, rest)| rest);
    (host == cognito_host || host == own_host).then(|| pool_id.to_owned())
}

/// The provider name Cognito uses for a user pool, which identities keep.
pub fn user_pool_provider_name(pool_id: &str) -> String {
    format!(
        "cognito-idp.{}.amazonaws.com/{pool_id}",
        crate::ids::pool_region(pool_id)
    )
}

/// The host and path an IAM OIDC provider ARN names (`arn:aws:iam::<account>:oidc-provider/<host/path>`).
pub fn oidc_provider_of_arn(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(":iam::")?;
    let (account, name) = rest.split_once(":oidc-provider/")?;
    (!account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty())
        .then_some(name)
}

/// Whether `arn` is an IAM SAML provider ARN (`arn:aws:iam::<account>:saml-provider/<name>`).
pub fn is_saml_provider_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":iam::"))
        .and_then(|(_, rest)| rest.split_once(":saml-provider/"))
        .is_some_and(|(account, name)| {
            !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        })
}

/// What `key` names for `pool`, or `None` when the pool trusts no such provider.
pub fn classify(key: &str, pool: &IdentityPool, config: &IdentityConfig) -> Option<ProviderKind> {
    if key == COGNITO_IDENTITY_KEY {
        return Some(ProviderKind::CognitoIdentity);
    }
    if pool.developer_provider_name.as_deref() == Some(key) {
        return Some(ProviderKind::Developer);
    }
    if let Some(pool_id) = user_pool_of_key(key, config) {
        let trusted = pool
            .cognito_identity_providers
            .iter()
            .any(|p| user_pool_of_key(&p.provider_name, config).as_deref() == Some(&pool_id));
        return trusted.then_some(ProviderKind::UserPool { pool_id });
    }
    if let Some((name, kind)) = PUBLIC_PROVIDERS.iter().find(|(name, _)| *name == key) {
        return pool.supported_login_providers.get(*name).map(|app_id| {
            ProviderKind::External(ExternalProvider {
                kind: *kind,
                key: key.to_owned(),
                app_id: Some(app_id.clone()),
                arn: None,
            })
        });
    }
    if let Some(arn) = pool
        .open_id_connect_provider_arns
        .iter()
        .find(|arn| oidc_provider_of_arn(arn) == Some(key))
    {
        return Some(ProviderKind::External(ExternalProvider {
            kind: ExternalKind::Oidc,
            key: key.to_owned(),
            app_id: None,
            arn: Some(arn.clone()),
        }));
    }
    pool.saml_provider_arns
        .iter()
        .any(|arn| arn == key)
        .then(|| {
            ProviderKind::External(ExternalProvider {
                kind: ExternalKind::Saml,
                key: key.to_owned(),
                app_id: None,
                arn: Some(key.to_owned()),
            })
        })
}

/// Where a Logins map is presented; each place accepts different keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginUse {
    /// GetId, GetCredentialsForIdentity, GetOpenIdToken, UnlinkIdentity: unsigned callers,
    /// so every login needs a token; the developer provider is refused.
    Public,
    /// GetOpenIdTokenForDeveloperIdentity: a signed caller asserts the developer user.
    Developer,
}

pub(crate) fn not_supported() -> Error {
    Error::not_authorized("Token is not from a supported provider of this identity pool.")
}

fn invalid_token(reason: &str) -> Error {
    Error::not_authorized(format!("Invalid login token. {reason}"))
}

fn rejection_error(rejection: IdTokenRejection) -> Error {
    match rejection {
        IdTokenRejection::Malformed => invalid_token("Not a valid OpenId Connect identity token."),
        IdTokenRejection::BadSignature => invalid_token("Couldn't verify signed token."),
        IdTokenRejection::Expired { exp, now } => {
            invalid_token(&format!("Token expired: {now} >= {exp}"))
        }
        IdTokenRejection::IssuerMismatch => invalid_token("Issuer doesn't match providerName"),
        IdTokenRejection::NotAnIdToken => invalid_token("Missing a required claim: aud"),
        // Cognito's wording for these is not known; these say what happened without saying
        // more than the caller already knows.
        IdTokenRejection::Revoked => invalid_token("The token has been revoked."),
        IdTokenRejection::UserInactive => invalid_token("The user is not active."),
        IdTokenRejection::Internal(e) => e,
    }
}

impl IdentityPools {
    /// Checks every login of `logins` for `pool`, in key order. A key the pool does not
    /// trust, or a token that fails, refuses the whole request.
    pub(crate) async fn verify_logins(
        &self,
        pool: &IdentityPool,
        logins: &std::collections::BTreeMap<String, String>,
        used: LoginUse,
    ) -> Result<Vec<VerifiedLogin>> {
        let mut verified = Vec::with_capacity(logins.len());
        for (key, token) in logins {
            let kind = classify(key, pool, &self.config).ok_or_else(not_supported)?;
            let login = match kind {
                ProviderKind::UserPool { pool_id } => {
                    self.verify_user_pool_login(pool, &pool_id, token).await?
                }
                ProviderKind::Developer if used == LoginUse::Developer => VerifiedLogin {
                    provider: key.clone(),
                    subject: token.clone(),
                    mapping_key: key.clone(),
                    developer: true,
                    claims: Map::new(),
                    amr: format!("{key}:{}:{token}", pool.id),
                },
                ProviderKind::Developer => {
                    return Err(invalid_token(
                        "Developer provider logins need GetOpenIdTokenForDeveloperIdentity.",
                    ));
                }
                ProviderKind::CognitoIdentity => {
                    return Err(invalid_token("Can't pass in a Cognito token."));
                }
                ProviderKind::External(provider) => {
                    self.verify_external_login(&provider, token).await?
                }
            };
            verified.push(login);
        }
        Ok(verified)
    }

    /// A user-pool ID token: the user pool's own checks, then an audience the identity pool
    /// trusts for that user pool, then ServerSideTokenCheck where that client asks for it.
    async fn verify_user_pool_login(
        &self,
        pool: &IdentityPool,
        user_pool_id: &str,
        token: &str,
    ) -> Result<VerifiedLogin> {
        let claims = self
            .user_pools
            .verify_id_token(user_pool_id, token)
            .await
            .map_err(rejection_error)?;
        let aud = claims
            .get("aud")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_token("Missing a required claim: aud"))?
            .to_owned();
        let provider = pool
            .cognito_identity_providers
            .iter()
            .find(|p| {
                p.client_id == aud
                    && user_pool_of_key(&p.provider_name, &self.config).as_deref()
                        == Some(user_pool_id)
            })
            .ok_or_else(not_supported)?;
        if provider.server_side_token_check {
            self.user_pools
                .check_session(user_pool_id, &claims)
                .await
                .map_err(rejection_error)?;
        }
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_token("Missing a required claim: sub"))?
            .to_owned();
        let name = user_pool_provider_name(user_pool_id);
        Ok(VerifiedLogin {
            mapping_key: format!("{name}:{aud}"),
            amr: format!("{name}:CognitoSignIn:{sub}"),
            provider: name,
            subject: sub,
            developer: false,
            claims,
        })
    }
}
