//! Authorization codes: sealed state that lives five minutes and is used once.
//!
//! The code is the sealed grant itself, so no node needs to have seen it issued and the store
//! never holds it; redeeming it records a single-use marker keyed by the code's keyed hash.
//! The grant names the session id its tokens will get, which is how a second use of the code
//! revokes what the first one issued (RFC 6749 §4.1.2).

use serde::{Deserialize, Serialize};

use super::{OAuthError, OAuthResult};
use crate::error::{Error, Result};
use crate::time::Timestamp;
use crate::{Domain, b64};

/// How long a code may wait to be redeemed (Cognito: five minutes).
pub(crate) const CODE_LIFETIME_SECS: i64 = 300;

/// What an authorization code stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CodeGrant {
    /// The session id the tokens will get.
    pub origin_jti: String,
    pub client_id: String,
    pub sub: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    /// `(code_challenge, code_challenge_method)` when the client used PKCE.
    pub pkce: Option<(String, String)>,
    pub auth_time: i64,
    pub expires: Timestamp,
}

fn purpose(pool_id: &str) -> Vec<u8> {
    format!("oauth-code:{pool_id}").into_bytes()
}

fn invalid_code() -> OAuthError {
    OAuthError::invalid_grant("The authorization code is invalid or has expired.")
}

/// What happened when a code was presented for redemption.
pub(crate) enum Redemption {
    /// First use: go ahead, then call [`Domain::settle_code`].
    First,
    /// Used before; whatever the first use issued has been revoked.
    Reused,
}

impl Domain {
    pub(crate) fn seal_code(&self, pool_id: &str, grant: &CodeGrant) -> Result<String> {
        let plain = serde_json::to_vec(grant)
            .map_err(|e| Error::internal(format!("code encoding: {e}")))?;
        let sealed = self.keys.seal(&purpose(pool_id), &plain)?;
        Ok(b64::encode_url(&sealed))
    }

    /// Opens a code of this pool; a forged, foreign or expired code is `invalid_grant`.
    pub(crate) fn open_code(&self, pool_id: &str, code: &str) -> OAuthResult<CodeGrant> {
        let sealed = b64::decode_url(code).ok_or_else(invalid_code)?;
        let plain = self
            .keys
            .open(&purpose(pool_id), &sealed)
            .map_err(|_| invalid_code())?;
        let grant: CodeGrant = serde_json::from_slice(&plain).map_err(|_| invalid_code())?;
        if grant.expires <= self.now() {
            return Err(invalid_code());
        }
        Ok(grant)
    }

    fn code_marker(&self, kind: &str, code: &str) -> String {
        format!(
            "oauth-code-{kind}:{}",
            hex::encode(self.keys.hash("oauth-code", code.as_bytes()))
        )
    }

    /// Marks the code used. A second use revokes the session the first use opened (or, if the
    /// first use has not opened it yet, makes that use revoke it itself, see `settle_code`).
    pub(crate) async fn redeem_code(&self, code: &str, grant: &CodeGrant) -> Result<Redemption> {
        let expires = grant.expires.millis();
        if self
            .store
            .use_once(&self.code_marker("used", code), expires)
            .await
            .map_err(Error::from)?
        {
            return Ok(Redemption::First);
        }
        // Whoever inserts the "settled" marker first wins: if the first use has settled, its
        // session exists and is revoked here; if not, the first use finds the marker taken
        // and revokes its own session.
        self.store
            .use_once(&self.code_marker("settled", code), expires)
            .await
            .map_err(Error::from)?;
        self.store
            .revoke_session(&grant.origin_jti, self.now())
            .await
            .map_err(Error::from)?;
        Ok(Redemption::Reused)
    }

    /// Called by the first use once its session exists; false when a second use came in
    /// between, in which case the session has been revoked here.
    pub(crate) async fn settle_code(&self, code: &str, grant: &CodeGrant) -> Result<bool> {
        if self
            .store
            .use_once(&self.code_marker("settled", code), grant.expires.millis())
            .await
            .map_err(Error::from)?
        {
            return Ok(true);
        }
        self.store
            .revoke_session(&grant.origin_jti, self.now())
            .await
            .map_err(Error::from)?;
        Ok(false)
    }
}
