//! Tokens: ID and access JWTs with Cognito's claims, opaque refresh tokens stored only as
//! hashes, verification of access tokens for the self-service operations, and revocation
//! (RevokeToken, GlobalSignOut) that every node sees because it lives in the store.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::AppClient;
use crate::error::{Error, ErrorKind, Result};
use crate::pool::UserPool;
use crate::signing::KeyPurpose;
use crate::time::Timestamp;
use crate::user::User;
use crate::{Domain, b64, ids};

/// The scope every token issued through the Cognito API carries; self-service operations require it.
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// One signed-in session: what a refresh token stands for, and what access tokens point at
/// (through `origin_jti`) so that revoking the session revokes them too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthSession {
    pub origin_jti: String,
    pub pool_id: String,
    pub sub: String,
    pub client_id: String,
    /// Keyed hash of the current refresh token.
    #[serde(with = "b64")]
    pub refresh_hash: Vec<u8>,
    /// The refresh token replaced by rotation, accepted during the grace period.
    #[serde(default, with = "b64::option")]
    pub previous_refresh_hash: Option<Vec<u8>>,
    pub rotated_at: Option<Timestamp>,
    pub created: Timestamp,
    pub expires: Timestamp,
    pub revoked: Option<Timestamp>,
    pub auth_time: i64,
    pub scopes: Vec<String>,
    pub device_key: Option<String>,
}

/// What a successful sign-in or refresh hands back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    pub id_token: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    /// The device a sign-in was given (NewDeviceMetadata): its key and group key.
    pub new_device: Option<NewDevice>,
}

/// NewDeviceMetadata: a device key the client confirms with ConfirmDevice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub device_key: String,
    pub device_group_key: String,
}

/// An access token that verified, with the user it belongs to.
#[derive(Debug, Clone)]
pub struct AccessContext {
    pub pool: UserPool,
    pub user: User,
    pub client_id: String,
    pub origin_jti: String,
    pub scopes: Vec<String>,
    /// The device the session was signed in on (the token's `device_key`).
    pub device_key: Option<String>,
}

/// How a token set is minted: for a new sign-in, or renewing an existing session.
pub(crate) struct Grant<'a> {
    pub pool: &'a UserPool,
    pub client: &'a AppClient,
    pub user: &'a User,
    pub scopes: Vec<String>,
    pub device_key: Option<String>,
}

/// What an OAuth sign-in adds to, or leaves out of, a session's tokens (the defaults are
/// those of the Cognito API's sign-ins).
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenOptions {
    /// The session id to use, decided earlier (an authorization code carries it, so that a
    /// second use of the code can revoke what the first issued).
    pub origin_jti: Option<String>,
    /// Echoed in the ID token, as OpenID Connect asks.
    pub nonce: Option<String>,
    /// Put the access token's `at_hash` in the ID token (tokens from the OAuth endpoints).
    pub at_hash: bool,
    /// No ID token (an OAuth grant without `openid`): `IssuedTokens::id_token` stays empty.
    pub skip_id_token: bool,
    /// When the user authenticated, if earlier than now (a sign-in remembered by SSO).
    pub auth_time: Option<i64>,
    /// The pre token generation trigger source; `None` is `TokenGeneration_Authentication`.
    pub trigger_source: Option<&'static str>,
    /// The API call's ClientMetadata, for the pre token generation trigger.
    pub client_metadata: crate::triggers::ClientMetadata,
}

fn refresh_purpose() -> &'static str {
    "refresh-token"
}

impl Domain {
    /// The issuer of a pool's tokens: `<public URL>/<poolId>`.
    pub fn issuer(&self, pool_id: &str) -> String {
        format!("{}/{pool_id}", self.config.public_url)
    }

    /// Signs in: a new session with a new refresh token, and fresh ID and access tokens.
    pub(crate) async fn start_session_with(
        &self,
        grant: Grant<'_>,
        options: TokenOptions,
    ) -> Result<IssuedTokens> {
        let now = self.now();
        let refresh_token = self.new_refresh_token();
        let session = AuthSession {
            origin_jti: options
                .origin_jti
                .clone()
                .unwrap_or_else(|| ids::new_uuid(self.random())),
            pool_id: grant.pool.id.clone(),
            sub: grant.user.sub.clone(),
            client_id: grant.client.client_id.clone(),
            refresh_hash: self.keys.hash(refresh_purpose(), refresh_token.as_bytes()),
            previous_refresh_hash: None,
            rotated_at: None,
            created: now,
            expires: now.plus_secs(grant.client.refresh_token_seconds()),
            revoked: None,
            auth_time: options.auth_time.unwrap_or(now.secs()),
            scopes: grant.scopes.clone(),
            device_key: grant.device_key.clone(),
        };
        self.store
            .insert_session(&session)
            .await
            .map_err(Error::from)?;
        let mut tokens = self.sign_tokens_with(&grant, &session, &options).await?;
        tokens.refresh_token = Some(refresh_token);
        self.count_active_user(&grant.pool.id, &grant.user.sub)
            .await;
        Ok(tokens)
    }

    fn new_refresh_token(&self) -> String {
        let mut bytes = [0u8; 48];
        self.random().fill(&mut bytes);
        b64::encode_url(&bytes)
    }

    /// Signs the ID and access tokens of a session, running the pre token generation trigger.
    pub(crate) async fn sign_tokens_with(
        &self,
        grant: &Grant<'_>,
        session: &AuthSession,
        options: &TokenOptions,
    ) -> Result<IssuedTokens> {
        let keys = self.pool_keys(&grant.pool.id).await?;
        let groups = self
            .all_groups_for_user(&grant.pool.id, &grant.user.sub)
            .await?;
        let now = self.now().secs();
        let event_id = ids::new_uuid(self.random());
        let common = Common {
            grant,
            session,
            now,
            event_id: &event_id,
            groups: &groups,
        };
        let mut access_claims = self.access_claims(&common);
        let mut id_claims = self.id_claims(&common);
        let context = crate::triggers::TokenContext {
            pool: grant.pool,
            user: Some(grant.user),
            client_id: &grant.client.client_id,
            source: options
                .trigger_source
                .unwrap_or("TokenGeneration_Authentication"),
            groups: &groups,
            scopes: &grant.scopes,
            client_metadata: &options.client_metadata,
        };
        if let Some(custom) = self.pre_token_generation(context).await? {
            customise(&custom, &mut id_claims, &mut access_claims);
        }
        let signed_at = self.now();
        let access_token = keys
            .signer(KeyPurpose::Access, signed_at)?
            .sign(&access_claims)
            .map_err(|e| Error::internal(format!("signing: {e}")))?;
        let id_token = if options.skip_id_token {
            String::new()
        } else {
            if let Some(nonce) = &options.nonce {
                id_claims.insert("nonce".into(), json!(nonce));
            }
            if options.at_hash {
                id_claims.insert(
                    "at_hash".into(),
                    json!(cognate_crypto::oauth::at_hash(&access_token)),
                );
            }
            keys.signer(KeyPurpose::Id, signed_at)?
                .sign(&id_claims)
                .map_err(|e| Error::internal(format!("signing: {e}")))?
        };
        Ok(IssuedTokens {
            id_token,
            access_token,
            refresh_token: None,
            expires_in: grant.client.access_token_seconds(),
            new_device: None,
        })
    }

    fn id_claims(&self, c: &Common<'_>) -> Map<String, Value> {
        let user = c.grant.user;
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(user.sub));
        if !c.groups.is_empty() {
            claims.insert(
                "cognito:groups".into(),
                json!(c.groups.iter().map(|g| &g.name).collect::<Vec<_>>()),
            );
            let roles: Vec<_> = c
                .groups
                .iter()
                .filter_map(|g| g.role_arn.as_ref())
                .collect();
            if !roles.is_empty() {
                claims.insert("cognito:roles".into(), json!(roles));
            }
            if let Some(role) = preferred_role(c.groups) {
                claims.insert("cognito:preferred_role".into(), json!(role));
            }
        }
        for (name, value) in readable_attributes(c.grant.client, user, &c.grant.scopes) {
            claims.insert(name, value);
        }
        claims.insert("iss".into(), json!(self.issuer(&c.grant.pool.id)));
        claims.insert("cognito:username".into(), json!(user.username));
        claims.insert("origin_jti".into(), json!(c.session.origin_jti));
        claims.insert("aud".into(), json!(c.grant.client.client_id));
        claims.insert("event_id".into(), json!(c.event_id));
        claims.insert("token_use".into(), json!("id"));
        claims.insert("auth_time".into(), json!(c.session.auth_time));
        claims.insert(
            "exp".into(),
            json!(c.now + c.grant.client.id_token_seconds()),
        );
        claims.insert("iat".into(), json!(c.now));
        claims.insert("jti".into(), json!(ids::new_uuid(self.random())));
        claims
    }

    fn access_claims(&self, c: &Common<'_>) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(c.grant.user.sub));
        if !c.groups.is_empty() {
            claims.insert(
                "cognito:groups".into(),
                json!(c.groups.iter().map(|g| &g.name).collect::<Vec<_>>()),
            );
        }
        if let Some(device_key) = &c.session.device_key {
            claims.insert("device_key".into(), json!(device_key));
        }
        claims.insert("iss".into(), json!(self.issuer(&c.grant.pool.id)));
        claims.insert("client_id".into(), json!(c.grant.client.client_id));
        claims.insert("origin_jti".into(), json!(c.session.origin_jti));
        claims.insert("event_id".into(), json!(c.event_id));
        claims.insert("token_use".into(), json!("access"));
        claims.insert("scope".into(), json!(c.grant.scopes.join(" ")));
        claims.insert("auth_time".into(), json!(c.session.auth_time));
        claims.insert(
            "exp".into(),
            json!(c.now + c.grant.client.access_token_seconds()),
        );
        claims.insert("iat".into(), json!(c.now));
        claims.insert("jti".into(), json!(ids::new_uuid(self.random())));
        claims.insert("username".into(), json!(c.grant.user.username));
        claims
    }

    /// Checks an access token for a self-service operation: signature, expiry, `token_use`,
    /// the admin scope, the session not revoked, the user still there and enabled.
    pub async fn verify_access_token(&self, token: &str) -> Result<AccessContext> {
        let invalid = || Error::not_authorized("Invalid Access Token");
        let pool_id = unverified_pool_id(token).ok_or_else(invalid)?;
        let pool = self.user_pool(&pool_id).await.map_err(|e| {
            if e.kind == ErrorKind::ResourceNotFound {
                invalid()
            } else {
                e
            }
        })?;
        let claims = self
            .verify_with_pool_keys(&pool.id, token, self.now().secs())
            .await?
            .map_err(|e| match e {
                cognate_crypto::jwt::JwtError::Expired => {
                    Error::not_authorized("Access Token has expired")
                }
                _ => invalid(),
            })?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        if text("token_use").as_deref() != Some("access")
            || text("iss") != Some(self.issuer(&pool.id))
        {
            return Err(invalid());
        }
        let scopes: Vec<String> = text("scope")
            .unwrap_or_default()
            .split(' ')
            .map(str::to_owned)
            .collect();
        if !scopes.iter().any(|s| s == ADMIN_SCOPE) {
            return Err(Error::not_authorized(
                "Access Token does not have required scopes",
            ));
        }
        let origin_jti = text("origin_jti").ok_or_else(invalid)?;
        let session = self
            .store
            .get_session(&origin_jti)
            .await
            .map_err(Error::from)?;
        let device_key = match session {
            Some(session) if session.revoked.is_none() => session.device_key,
            _ => return Err(Error::not_authorized("Access Token has been revoked")),
        };
        let sub = text("sub").ok_or_else(invalid)?;
        let user = self
            .store
            .get_user_by_sub(&pool.id, &sub)
            .await
            .map_err(Error::from)?
            .ok_or_else(Error::user_not_found)?;
        if !user.enabled {
            return Err(Error::user_disabled());
        }
        Ok(AccessContext {
            pool,
            user,
            client_id: text("client_id").unwrap_or_default(),
            origin_jti,
            scopes,
            device_key,
        })
    }

    /// GlobalSignOut / AdminUserGlobalSignOut: every session of the user ends.
    pub(crate) async fn sign_out_everywhere(&self, pool_id: &str, sub: &str) -> Result<()> {
        self.store
            .revoke_user_sessions(pool_id, sub, self.now())
            .await
            .map_err(Error::from)?;
        Ok(())
    }

    /// GlobalSignOut.
    pub async fn global_sign_out(&self, access_token: &str) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        self.sign_out_everywhere(&context.pool.id, &context.user.sub)
            .await
    }

    /// AdminUserGlobalSignOut.
    pub async fn admin_user_global_sign_out(&self, pool_id: &str, username: &str) -> Result<()> {
        let user = self.existing_user(pool_id, username).await?;
        self.sign_out_everywhere(pool_id, &user.sub).await
    }

    /// RevokeToken: ends the session a refresh token belongs to. An unknown or already revoked
    /// token succeeds, as RFC 7009 asks; an access token is the wrong type.
    pub async fn revoke_token(
        &self,
        token: &str,
        client_id: &str,
        client_secret: Option<&str>,
    ) -> Result<()> {
        let client = self.client_by_id(client_id).await?;
        if client.has_secret()
            && !self.client_secret_matches(&client, client_secret.unwrap_or_default())?
        {
            return Err(Error::not_authorized(format!(
                "Client {client_id} is configured with secret but secret was not received or is invalid"
            )));
        }
        if token.split('.').count() == 3 {
            return Err(Error::new(
                ErrorKind::UnsupportedTokenType,
                "The token type is not supported.",
            ));
        }
        if !client.settings.enable_token_revocation {
            return Err(Error::new(
                ErrorKind::UnsupportedOperation,
                "Token revocation is not enabled for this client.",
            ));
        }
        let hash = self.keys.hash(refresh_purpose(), token.as_bytes());
        let Some(session) = self
            .store
            .get_session_by_refresh_hash(&hash)
            .await
            .map_err(Error::from)?
        else {
            return Ok(());
        };
        if session.client_id != client.client_id {
            return Err(Error::not_authorized(
                "The refresh token was not issued to this client.",
            ));
        }
        self.store
            .revoke_session(&session.origin_jti, self.now())
            .await
            .map_err(Error::from)?;
        Ok(())
    }

    /// The session a refresh token stands for, checked for expiry, revocation and rotation.
    pub(crate) async fn session_for_refresh_token(
        &self,
        client: &AppClient,
        token: &str,
    ) -> Result<(AuthSession, bool)> {
        let invalid = || Error::not_authorized("Invalid Refresh Token");
        let hash = self.keys.hash(refresh_purpose(), token.as_bytes());
        let session = self
            .store
            .get_session_by_refresh_hash(&hash)
            .await
            .map_err(Error::from)?
            .ok_or_else(invalid)?;
        if session.client_id != client.client_id {
            return Err(invalid());
        }
        if session.revoked.is_some() {
            return Err(Error::not_authorized("Refresh Token has been revoked"));
        }
        let now = self.now();
        if session.expires <= now {
            return Err(Error::not_authorized("Refresh Token has expired"));
        }
        let is_current = bool::from(subtle::ConstantTimeEq::ct_eq(
            session.refresh_hash.as_slice(),
            hash.as_slice(),
        ));
        Ok((session, is_current))
    }

    /// Renews tokens from a refresh token; with rotation, the refresh token is replaced and the
    /// old one keeps working only for the grace period. With `device_key` (REFRESH_TOKEN_AUTH's
    /// DEVICE_KEY), a refresh token issued on another device is refused before anything changes.
    pub(crate) async fn refresh_session(
        &self,
        pool: &UserPool,
        client: &AppClient,
        token: &str,
        device_key: Option<&str>,
        before_rotating: impl FnOnce(&User) -> Result<()>,
    ) -> Result<(User, IssuedTokens)> {
        self.refresh_session_scoped(pool, client, token, device_key, before_rotating)
            .await
            .map(|(user, tokens, _)| (user, tokens))
    }

    /// [`Domain::refresh_session`], also returning the session's scopes (the OAuth token
    /// endpoint decides by them whether an ID token goes in the response).
    pub(crate) async fn refresh_session_scoped(
        &self,
        pool: &UserPool,
        client: &AppClient,
        token: &str,
        device_key: Option<&str>,
        before_rotating: impl FnOnce(&User) -> Result<()>,
    ) -> Result<(User, IssuedTokens, Vec<String>)> {
        let (mut session, is_current) = self.session_for_refresh_token(client, token).await?;
        // A refresh token issued on a device renews only that device's session.
        if let (Some(given), Some(bound)) = (device_key, session.device_key.as_deref())
            && given != bound
        {
            return Err(Error::not_authorized("Invalid Refresh Token"));
        }
        let user = self
            .store
            .get_user_by_sub(&pool.id, &session.sub)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| Error::not_authorized("Invalid Refresh Token"))?;
        if !user.enabled {
            return Err(Error::user_disabled());
        }
        // What the caller still has to check about the user (a SECRET_HASH over the
        // username) goes before anything is rotated or revoked.
        before_rotating(&user)?;
        let rotation = client
            .settings
            .refresh_token_rotation
            .as_ref()
            .filter(|r| r.enabled);
        let now = self.now();
        let new_refresh = match rotation {
            None => None,
            // The token rotation replaced: within the grace period a client may retry with it
            // and gets fresh ID and access tokens (its new refresh token stays the current one);
            // after it, reuse means the token leaked, so the whole session ends.
            Some(rotation) if !is_current => {
                let grace_ms = i64::from(rotation.retry_grace_period_seconds.unwrap_or(0)) * 1000;
                let rotated_at = session.rotated_at.unwrap_or(session.created);
                if now.millis() > rotated_at.millis() + grace_ms {
                    self.store
                        .revoke_session(&session.origin_jti, now)
                        .await
                        .map_err(Error::from)?;
                    return Err(Error::new(
                        ErrorKind::RefreshTokenReuse,
                        "The refresh token has already been used.",
                    ));
                }
                None
            }
            Some(_) => {
                let fresh = self.new_refresh_token();
                let expected = session.refresh_hash.clone();
                session.previous_refresh_hash = Some(expected.clone());
                session.refresh_hash = self.keys.hash(refresh_purpose(), fresh.as_bytes());
                session.rotated_at = Some(now);
                if !self
                    .store
                    .rotate_session(&session, &expected)
                    .await
                    .map_err(Error::from)?
                {
                    return Err(Error::new(
                        ErrorKind::RefreshTokenReuse,
                        "The refresh token has already been used.",
                    ));
                }
                Some(fresh)
            }
        };
        let grant = Grant {
            pool,
            client,
            user: &user,
            scopes: session.scopes.clone(),
            device_key: session.device_key.clone(),
        };
        let options = TokenOptions {
            trigger_source: Some("TokenGeneration_RefreshTokens"),
            ..TokenOptions::default()
        };
        let mut tokens = self.sign_tokens_with(&grant, &session, &options).await?;
        tokens.refresh_token = new_refresh;
        self.count_active_user(&pool.id, &user.sub).await;
        Ok((user, tokens, session.scopes))
    }

    /// The app client with this id, in whatever pool.
    pub async fn client_by_id(&self, client_id: &str) -> Result<AppClient> {
        let now = self.now();
        if let Some(client) = self.client_cache.get(client_id, now) {
            return Ok(client);
        }
        let client = self
            .store
            .get_client(client_id)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| Error::client_not_found(client_id))?;
        self.client_cache.put(client_id, now, client.clone());
        Ok(client)
    }
}

/// Applies a pre token generation answer: groups and roles first, then scopes, then claims.
pub(crate) fn customise(
    custom: &crate::triggers::TokenCustomisation,
    id: &mut Map<String, Value>,
    access: &mut Map<String, Value>,
) {
    if let Some(groups) = &custom.groups {
        for claims in [&mut *id, &mut *access] {
            if groups.is_empty() {
                claims.remove("cognito:groups");
            } else {
                claims.insert("cognito:groups".into(), json!(groups));
            }
        }
    }
    if let Some(roles) = &custom.roles {
        if roles.is_empty() {
            id.remove("cognito:roles");
        } else {
            id.insert("cognito:roles".into(), json!(roles));
        }
    }
    if let Some(role) = &custom.preferred_role {
        id.insert("cognito:preferred_role".into(), json!(role));
    }
    if !custom.scopes_to_add.is_empty() || !custom.scopes_to_suppress.is_empty() {
        let current = access
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut scopes: Vec<String> = current
            .split(' ')
            .filter(|s| !s.is_empty() && !custom.scopes_to_suppress.iter().any(|x| x == s))
            .map(str::to_owned)
            .collect();
        for scope in &custom.scopes_to_add {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        access.insert("scope".into(), json!(scopes.join(" ")));
    }
    crate::triggers::TokenCustomisation::apply(&custom.id_claims, &custom.id_suppress, id);
    crate::triggers::TokenCustomisation::apply(
        &custom.access_claims,
        &custom.access_suppress,
        access,
    );
}

struct Common<'a> {
    grant: &'a Grant<'a>,
    session: &'a AuthSession,
    now: i64,
    event_id: &'a str,
    groups: &'a [crate::group::Group],
}

/// The role of the group with the lowest precedence, unless two groups tie for it.
fn preferred_role(groups: &[crate::group::Group]) -> Option<&str> {
    let with_role: Vec<_> = groups.iter().filter(|g| g.role_arn.is_some()).collect();
    let best = with_role
        .iter()
        .map(|g| g.precedence.unwrap_or(i64::MAX))
        .min()?;
    let mut at_best = with_role
        .iter()
        .filter(|g| g.precedence.unwrap_or(i64::MAX) == best);
    let first = at_best.next()?;
    if at_best.next().is_some() {
        None
    } else {
        first.role_arn.as_deref()
    }
}

/// The claims each OpenID Connect scope releases (OpenID Connect Core §5.4).
fn released_by_scope(scope: &str) -> &'static [&'static str] {
    match scope {
        "email" => &["email", "email_verified"],
        "phone" => &["phone_number", "phone_number_verified"],
        "profile" => &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
            "address",
        ],
        _ => &[],
    }
}

/// The user attributes an ID token (and userInfo) carries: those the client may read, verified
/// flags as booleans, `updated_at` as a number, everything else (custom attributes too) as
/// strings. When the grant names any of the `email`, `phone` and `profile` scopes, only the
/// claims those scopes release; otherwise (only `openid`, or a Cognito API sign-in) every
/// readable attribute, as Cognito does.
pub(crate) fn readable_attributes(
    client: &AppClient,
    user: &User,
    scopes: &[String],
) -> Vec<(String, Value)> {
    let readable = client.settings.read_attributes.as_ref();
    let released: Vec<&str> = scopes
        .iter()
        .flat_map(|s| released_by_scope(s).iter().copied())
        .collect();
    let limited = !released.is_empty();
    user.attributes
        .iter()
        .filter(|(name, _)| name.as_str() != "sub" && !name.starts_with("dev:"))
        // A federated user's `identities` always goes with the ID token, as Cognito sends it.
        .filter(|(name, _)| {
            name.as_str() == crate::federation::identities::ATTRIBUTE
                || (readable.is_none_or(|r| r.iter().any(|n| n == *name))
                    && (!limited || released.contains(&name.as_str())))
        })
        .map(|(name, value)| {
            let typed = match name.as_str() {
                "identities" => crate::federation::identities::claim_from_attribute(Some(value))
                    .unwrap_or_else(|| json!(value)),
                "email_verified" | "phone_number_verified" => json!(value == "true"),
                "updated_at" => value
                    .parse::<i64>()
                    .map_or_else(|_| json!(value), |n| json!(n)),
                _ => json!(value),
            };
            (name.clone(), typed)
        })
        .collect()
}

/// The pool id named by a token's `iss`, read before the signature is checked (to find the key).
pub(crate) fn unverified_pool_id(token: &str) -> Option<String> {
    let iss = unverified_issuer(token)?;
    Some(iss.rsplit('/').next()?.to_owned())
}

/// The `iss` claim of a token, before its signature has been checked.
pub(crate) fn unverified_issuer(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = b64::decode_url(payload)?;
    let claims: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    Some(claims.get("iss")?.as_str()?.to_owned())
}
