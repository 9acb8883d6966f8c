//! Access tokens presented to userInfo and introspection: signature, expiry, issuer, type,
//! and whether the session behind it and its user are still there.
//!
//! Unlike `verify_access_token` (the self-service API), no scope is required here and tokens
//! of the client_credentials grant (no user, no session) are understood.

use serde_json::{Map, Value};

use crate::Domain;
use crate::error::{Error, ErrorKind, Result};
use crate::tokens::unverified_pool_id;
use crate::user::User;

/// Why a token was refused; the text is the `error_description` Cognito's userInfo sends.
pub(crate) const INVALID_TOKEN: &str =
    "Access token is expired, disabled, or deleted, or the user has globally signed out.";

/// An access token that checked out.
pub(crate) struct Bearer {
    pub claims: Map<String, Value>,
    /// `None` for a client_credentials token.
    pub user: Option<User>,
    pub scopes: Vec<String>,
}

impl Bearer {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }
}

impl Domain {
    /// Checks an access token issued by `pool_id`. `Ok(None)` for any token that is not (or no
    /// longer) valid; errors only for internal failures.
    pub(crate) async fn inspect_access_token(
        &self,
        pool_id: &str,
        token: &str,
    ) -> Result<Option<Bearer>> {
        if unverified_pool_id(token).as_deref() != Some(pool_id) {
            return Ok(None);
        }
        let verified = match self
            .verify_with_pool_keys(pool_id, token, self.now().secs())
            .await
        {
            Ok(verified) => verified,
            Err(e) if e.kind == ErrorKind::ResourceNotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let Ok(claims) = verified else {
            return Ok(None);
        };
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        if text("token_use") != Some("access") || text("iss") != Some(&self.issuer(pool_id)) {
            return Ok(None);
        }
        if let Some(origin_jti) = text("origin_jti") {
            let session = self
                .store
                .get_session(origin_jti)
                .await
                .map_err(Error::from)?;
            if session.is_none_or(|s| s.revoked.is_some()) {
                return Ok(None);
            }
        }
        let user = match text("username") {
            Some(_) => {
                let sub = text("sub").unwrap_or_default();
                let user = self
                    .store
                    .get_user_by_sub(pool_id, sub)
                    .await
                    .map_err(Error::from)?;
                match user {
                    Some(user) if user.enabled => Some(user),
                    _ => return Ok(None),
                }
            }
            None => None,
        };
        let scopes = text("scope")
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Some(Bearer {
            claims,
            user,
            scopes,
        }))
    }
}
