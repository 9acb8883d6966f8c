//! The SSO session of a pool's domain: signing in on the hosted page once lets every app
//! client of the pool through `/oauth2/authorize` without a password until it expires or
//! the user signs out.
//!
//! The session is a row of the sessions table whose client is [`SSO_CLIENT`]: it has no
//! refresh token anyone knows (its hash is of random bytes thrown away), so it can only be
//! reached through the cookie, and GlobalSignOut, AdminUserGlobalSignOut and deleting the
//! user end it like every other session of the user. The cookie holds the row's id, sealed
//! with the pool id as associated data and an expiry, so it cannot be forged, moved to
//! another pool, or outlive the row; revoking the row (logout) ends it on every node.

use serde::{Deserialize, Serialize};

use super::HostedSite;
use crate::enums::UserStatus;
use crate::error::{Error, Result};
use crate::time::Timestamp;
use crate::tokens::AuthSession;
use crate::user::User;
use crate::{Domain, b64, ids};

/// The client id of SSO session rows, which no app client can have (client ids are
/// lowercase alphanumerics).
pub(crate) const SSO_CLIENT: &str = "cognate:sso";
/// How long a hosted sign-in lasts (Cognito's default session of one hour).
pub(crate) const SSO_LIFETIME_SECS: i64 = 3600;

/// What the cookie carries, sealed.
#[derive(Debug, Serialize, Deserialize)]
struct SsoCookieState {
    session: String,
    expires: Timestamp,
}

/// A new SSO cookie for the protocol layer to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoCookie {
    pub value: String,
    pub max_age_secs: i64,
}

/// A live SSO session and its user.
pub(crate) struct SsoSession {
    pub user: User,
    pub auth_time: i64,
}

fn cookie_purpose(pool_id: &str) -> Vec<u8> {
    format!("sso:{pool_id}").into_bytes()
}

impl Domain {
    /// Starts an SSO session for a user who just signed in on the hosted page.
    pub(crate) async fn start_sso(&self, site: &HostedSite, user: &User) -> Result<SsoCookie> {
        let now = self.now();
        let expires = now.plus_secs(SSO_LIFETIME_SECS);
        let mut unknowable = [0u8; 32];
        self.random().fill(&mut unknowable);
        let session = AuthSession {
            origin_jti: ids::new_uuid(self.random()),
            pool_id: site.pool_id.clone(),
            sub: user.sub.clone(),
            client_id: SSO_CLIENT.to_owned(),
            refresh_hash: self.keys.hash("sso-session", &unknowable),
            previous_refresh_hash: None,
            rotated_at: None,
            created: now,
            expires,
            revoked: None,
            auth_time: now.secs(),
            scopes: Vec::new(),
            device_key: None,
        };
        self.store
            .insert_session(&session)
            .await
            .map_err(Error::from)?;
        let state = SsoCookieState {
            session: session.origin_jti,
            expires,
        };
        let plain = serde_json::to_vec(&state)
            .map_err(|e| Error::internal(format!("sso cookie encoding: {e}")))?;
        let sealed = self.keys.seal(&cookie_purpose(&site.pool_id), &plain)?;
        Ok(SsoCookie {
            value: b64::encode_url(&sealed),
            max_age_secs: SSO_LIFETIME_SECS,
        })
    }

    /// The row a cookie refers to, if the cookie is genuine, for this pool, and not expired.
    fn sso_session_id(&self, site: &HostedSite, cookie: &str) -> Option<String> {
        let sealed = b64::decode_url(cookie)?;
        let plain = self
            .keys
            .open(&cookie_purpose(&site.pool_id), &sealed)
            .ok()?;
        let state: SsoCookieState = serde_json::from_slice(&plain).ok()?;
        (state.expires > self.now()).then_some(state.session)
    }

    /// The live SSO session a cookie stands for. Anything else (forged, expired, signed out,
    /// the user disabled, deleted or needing action) is no session.
    pub(crate) async fn sso_session(
        &self,
        site: &HostedSite,
        cookie: Option<&str>,
    ) -> Result<Option<SsoSession>> {
        let Some(id) = cookie.and_then(|c| self.sso_session_id(site, c)) else {
            return Ok(None);
        };
        let Some(session) = self.store.get_session(&id).await.map_err(Error::from)? else {
            return Ok(None);
        };
        let live = session.client_id == SSO_CLIENT
            && session.pool_id == site.pool_id
            && session.revoked.is_none()
            && session.expires > self.now();
        if !live {
            return Ok(None);
        }
        let user = self
            .store
            .get_user_by_sub(&site.pool_id, &session.sub)
            .await
            .map_err(Error::from)?
            .filter(|u| {
                u.enabled
                    && matches!(
                        u.status,
                        UserStatus::Confirmed | UserStatus::ExternalProvider
                    )
            });
        Ok(user.map(|user| SsoSession {
            user,
            auth_time: session.auth_time,
        }))
    }

    /// Ends the SSO session behind a cookie (logout), so the cookie cannot be replayed.
    pub(crate) async fn end_sso(&self, site: &HostedSite, cookie: Option<&str>) -> Result<()> {
        if let Some(id) = cookie.and_then(|c| self.sso_session_id(site, c)) {
            self.store
                .revoke_session(&id, self.now())
                .await
                .map_err(Error::from)?;
        }
        Ok(())
    }
}
