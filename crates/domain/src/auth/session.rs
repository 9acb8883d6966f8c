//! Challenge state carried by the client: `Session` strings and SRP `SECRET_BLOCK`s are
//! AEAD-sealed, expiring tokens, so any node can answer the next step. Each one is single
//! use: answering marks it spent in the store, so a replay is refused on every node.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::Timestamp;
use crate::{Domain, b64, ids};

/// The envelope around any sealed step state.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope<T> {
    /// Single-use identifier.
    jti: String,
    pool_id: String,
    client_id: String,
    expires: Timestamp,
    state: T,
}

/// An opened session: its state and what it was bound to.
pub(crate) struct Opened<T> {
    pub jti: String,
    pub expires: Timestamp,
    /// The app client the state was sealed for.
    pub client_id: String,
    pub state: T,
}

pub(crate) fn expired_session() -> Error {
    Error::session_expired()
}

impl Domain {
    /// Seals step state for `lifetime_secs`, bound to its purpose, pool and client.
    pub(crate) fn seal_step<T: Serialize>(
        &self,
        purpose: &str,
        pool_id: &str,
        client_id: &str,
        lifetime_secs: i64,
        state: T,
    ) -> Result<Vec<u8>> {
        let envelope = Envelope {
            jti: ids::new_uuid(self.random()),
            pool_id: pool_id.to_owned(),
            client_id: client_id.to_owned(),
            expires: self.now().plus_secs(lifetime_secs),
            state,
        };
        let plain = serde_json::to_vec(&envelope)
            .map_err(|e| Error::internal(format!("session encoding: {e}")))?;
        self.keys.seal(format!("step:{purpose}").as_bytes(), &plain)
    }

    /// Opens sealed step state; anything forged, foreign or expired reads as an expired session.
    pub(crate) fn open_step<T: DeserializeOwned>(
        &self,
        purpose: &str,
        sealed: &[u8],
        client_id: &str,
    ) -> Result<Opened<T>> {
        self.open_step_for(purpose, sealed, Some(client_id))
    }

    /// [`Domain::open_step`]; with `None`, for any client (the caller learns which from
    /// [`Opened::client_id`]).
    fn open_step_for<T: DeserializeOwned>(
        &self,
        purpose: &str,
        sealed: &[u8],
        client_id: Option<&str>,
    ) -> Result<Opened<T>> {
        let plain = self
            .keys
            .open(format!("step:{purpose}").as_bytes(), sealed)
            .map_err(|_| expired_session())?;
        let envelope: Envelope<T> =
            serde_json::from_slice(&plain).map_err(|_| expired_session())?;
        // The pool is implied by the client (client ids are unique across pools).
        if client_id.is_some_and(|c| c != envelope.client_id) || envelope.expires <= self.now() {
            return Err(expired_session());
        }
        Ok(Opened {
            jti: envelope.jti,
            expires: envelope.expires,
            client_id: envelope.client_id,
            state: envelope.state,
        })
    }

    /// Marks a step spent; a second use anywhere is refused.
    pub(crate) async fn spend_step<T>(&self, opened: &Opened<T>) -> Result<()> {
        if self
            .store
            .use_once(&format!("step:{}", opened.jti), opened.expires.millis())
            .await
            .map_err(Error::from)?
        {
            Ok(())
        } else {
            Err(expired_session())
        }
    }

    /// A `Session` string (URL-safe base64 of the sealed state).
    pub(crate) fn session_string<T: Serialize>(
        &self,
        purpose: &str,
        pool_id: &str,
        client_id: &str,
        lifetime_secs: i64,
        state: T,
    ) -> Result<String> {
        self.seal_step(purpose, pool_id, client_id, lifetime_secs, state)
            .map(|s| b64::encode_url(&s))
    }

    pub(crate) fn open_session_string<T: DeserializeOwned>(
        &self,
        purpose: &str,
        session: &str,
        client_id: &str,
    ) -> Result<Opened<T>> {
        let sealed = b64::decode_url(session).ok_or_else(expired_session)?;
        self.open_step(purpose, &sealed, client_id)
    }

    /// A `Session` of an operation that names no client (AssociateSoftwareToken and
    /// VerifySoftwareToken carry only the Session): opened for whichever client it was
    /// sealed for, which [`Opened::client_id`] then names.
    pub(crate) fn open_session_string_any_client<T: DeserializeOwned>(
        &self,
        purpose: &str,
        session: &str,
    ) -> Result<Opened<T>> {
        let sealed = b64::decode_url(session).ok_or_else(expired_session)?;
        self.open_step_for(purpose, &sealed, None)
    }
}
