//! Passkeys (WebAuthn): StartWebAuthnRegistration, CompleteWebAuthnRegistration,
//! ListWebAuthnCredentials, DeleteWebAuthnCredential, and the checks of the WEB_AUTHN sign-in
//! challenge (which `auth::choice` offers).
//!
//! # Where the ceremony state lives
//! No node keeps a ceremony. A registration's challenge *is* its state, sealed (user, relying
//! party, user verification, expiry) and bound to the access token's client, so whichever
//! node receives CompleteWebAuthnRegistration opens it from the clientDataJSON the
//! authenticator signed, and spends it once. A sign-in's challenge travels in the WEB_AUTHN
//! step's sealed Session.
//!
//! # What is checked
//! ES256 and RS256 credentials only, attestation "none" (the statement is not verified), the
//! client data's type, challenge and origin (the relying party id or a subdomain, over https;
//! or `localhost`), the relying party id hash, user presence, user verification when the pool
//! requires it, and the signature counter of authenticators that keep one (saved only once
//! the sign-in's Session is spent).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::error::{Error, ErrorKind, Result};
use crate::paging::PageSize;
use crate::pool::{Page, UserPool};
use crate::time::Timestamp;
use crate::user::User;
use crate::{Domain, b64};
use cognate_crypto::webauthn::{self, AuthenticatorData, WebAuthnError};

/// A registered passkey as stored. Its public key is not a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passkey {
    pub pool_id: String,
    pub sub: String,
    /// base64url, as the credential's `id`.
    pub credential_id: String,
    /// ES256: the uncompressed P-256 point; RS256: the DER `RSAPublicKey`.
    #[serde(with = "b64")]
    pub public_key: Vec<u8>,
    pub sign_count: u32,
    pub relying_party_id: String,
    pub friendly_name: Option<String>,
    pub authenticator_attachment: Option<String>,
    #[serde(default)]
    pub transports: Vec<String>,
    pub created: Timestamp,
    pub last_used: Option<Timestamp>,
}

/// Cognito's largest ListWebAuthnCredentials page, and how many passkeys a user may have.
pub const MAX_PASSKEYS: u32 = 20;

fn too_many_passkeys() -> Error {
    Error::new(
        ErrorKind::LimitExceeded,
        "The user has the most passkeys allowed.",
    )
}
/// How long a ceremony may take (the options' `timeout`).
const CEREMONY_SECS: i64 = 300;
const REGISTRATION: &str = "webauthn-registration";

/// What a registration challenge seals.
#[derive(Debug, Serialize, Deserialize)]
struct RegistrationState {
    sub: String,
    rp_id: String,
    user_verification: String,
}

/// What the WEB_AUTHN step needs to check an assertion (carried in its sealed Session).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AssertionState {
    pub challenge: String,
    pub rp_id: String,
    pub user_verification: String,
}

fn not_enabled() -> Error {
    Error::new(
        ErrorKind::WebAuthnNotEnabled,
        "Passkeys are not enabled for this user pool.",
    )
}

pub(crate) fn challenge_not_found() -> Error {
    Error::new(
        ErrorKind::WebAuthnChallengeNotFound,
        "The WebAuthn challenge was not found or has expired.",
    )
}

fn client_mismatch(message: &str) -> Error {
    Error::new(ErrorKind::WebAuthnClientMismatch, message)
}

fn malformed(what: &str) -> Error {
    Error::invalid_parameter(format!("The credential's {what} is not valid."))
}

fn key_error(error: WebAuthnError) -> Error {
    match error {
        WebAuthnError::UnsupportedKey => Error::new(
            ErrorKind::WebAuthnCredentialNotSupported,
            "Only ES256 and RS256 passkeys are supported.",
        ),
        WebAuthnError::Cbor | WebAuthnError::AuthenticatorData | WebAuthnError::Attestation => {
            malformed("attestation object")
        }
    }
}

/// Whether the pool lets users sign in with passkeys (SignInPolicy).
pub(crate) fn passkeys_enabled(pool: &UserPool) -> bool {
    pool.settings
        .sign_in_policy
        .allowed_first_auth_factors
        .iter()
        .any(|f| f == "WEB_AUTHN")
}

/// The pool's WebAuthnConfiguration.UserVerification: `required` or `preferred` (the default).
pub(crate) fn user_verification(pool: &UserPool) -> String {
    pool.mfa
        .web_authn
        .clone()
        .unwrap_or_default()
        .user_verification()
        .to_owned()
}

/// A member of a credential document: a string.
fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
}

fn base64url_member(value: &Value, path: &[&str]) -> Result<Vec<u8>> {
    let name = path.last().copied().unwrap_or_default();
    text(value, path)
        .and_then(b64::decode_url)
        .ok_or_else(|| malformed(name))
}

/// The client data of a ceremony: its type must be `expected`, its origin the relying party's.
fn client_data(bytes: &[u8], expected: &str, rp_id: &str) -> Result<Value> {
    let data: Value = serde_json::from_slice(bytes).map_err(|_| malformed("clientDataJSON"))?;
    if data.get("type").and_then(Value::as_str) != Some(expected) {
        return Err(client_mismatch(&format!(
            "The client data type is not {expected}."
        )));
    }
    let origin = data
        .get("origin")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !origin_allowed(origin, rp_id) {
        return Err(Error::new(
            ErrorKind::WebAuthnOriginNotAllowed,
            format!("The origin {origin} is not allowed for relying party {rp_id}."),
        ));
    }
    Ok(data)
}

/// `https://<rp id or a subdomain>[:port]`, or `http://localhost[:port]` for `localhost`.
fn origin_allowed(origin: &str, rp_id: &str) -> bool {
    let (scheme, rest) = match origin.split_once("://") {
        Some(parts) => parts,
        None => return false,
    };
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    let matches = host == rp_id || host.ends_with(&format!(".{rp_id}"));
    matches && (scheme == "https" || (scheme == "http" && rp_id == "localhost"))
}

/// The authenticator data's relying party, presence and verification checks.
fn check_authenticator(data: &AuthenticatorData, rp_id: &str, verification: &str) -> Result<()> {
    if !bool::from(data.rp_id_hash.ct_eq(&webauthn::sha256(rp_id.as_bytes()))) {
        return Err(Error::new(
            ErrorKind::WebAuthnRelyingPartyMismatch,
            format!("The credential is not for relying party {rp_id}."),
        ));
    }
    if !data.user_present() {
        return Err(client_mismatch(
            "The authenticator did not test user presence.",
        ));
    }
    if verification == "required" && !data.user_verified() {
        return Err(client_mismatch(
            "The authenticator did not verify the user.",
        ));
    }
    Ok(())
}

impl Domain {
    /// The relying party: WebAuthnConfiguration.RelyingPartyId, else the pool's custom
    /// domain, else its prefix domain.
    pub(crate) async fn relying_party_id(&self, pool: &UserPool) -> Result<String> {
        if let Some(id) = pool
            .mfa
            .web_authn
            .as_ref()
            .and_then(|w| w.relying_party_id.clone())
        {
            return Ok(id);
        }
        let domains = self.pool_domains(&pool.id).await?;
        if let Some(custom) = domains.custom {
            return Ok(custom);
        }
        if let Some(prefix) = domains.prefix {
            return Ok(format!("{prefix}.{}", self.config.auth_domain));
        }
        Err(Error::new(
            ErrorKind::WebAuthnConfigurationMissing,
            "The user pool has no relying party id: set WebAuthnConfiguration or add a domain.",
        ))
    }

    /// StartWebAuthnRegistration: PublicKeyCredentialCreationOptions, whose challenge is the
    /// sealed ceremony.
    pub async fn start_web_authn_registration(&self, access_token: &str) -> Result<Value> {
        let context = self.verify_access_token(access_token).await?;
        let (pool, user) = (&context.pool, &context.user);
        if !passkeys_enabled(pool) {
            return Err(not_enabled());
        }
        let rp_id = self.relying_party_id(pool).await?;
        let existing = self.user_passkeys(pool, user).await?;
        if existing.len() >= MAX_PASSKEYS as usize {
            return Err(too_many_passkeys());
        }
        let verification = user_verification(pool);
        let challenge = self.seal_step(
            REGISTRATION,
            &pool.id,
            &context.client_id,
            CEREMONY_SECS,
            RegistrationState {
                sub: user.sub.clone(),
                rp_id: rp_id.clone(),
                user_verification: verification.clone(),
            },
        )?;
        let display_name = user
            .attribute("name")
            .or_else(|| user.attribute("email"))
            .unwrap_or(&user.username);
        Ok(json!({
            "challenge": b64::encode_url(&challenge),
            "rp": { "id": rp_id, "name": rp_id },
            "user": {
                "id": b64::encode_url(user.sub.as_bytes()),
                "name": user.username,
                "displayName": display_name,
            },
            "pubKeyCredParams": [
                { "type": "public-key", "alg": webauthn::COSE_ES256 },
                { "type": "public-key", "alg": webauthn::COSE_RS256 },
            ],
            "timeout": CEREMONY_SECS * 1000,
            "excludeCredentials": existing
                .iter()
                .map(|p| json!({ "type": "public-key", "id": p.credential_id }))
                .collect::<Vec<_>>(),
            "authenticatorSelection": {
                "residentKey": "required",
                "requireResidentKey": true,
                "userVerification": verification,
            },
            "attestation": "none",
        }))
    }

    /// CompleteWebAuthnRegistration: the RegistrationResponseJSON of the ceremony started
    /// above, from any node.
    pub async fn complete_web_authn_registration(
        &self,
        access_token: &str,
        credential: &Value,
    ) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        let (pool, user) = (&context.pool, &context.user);
        if !passkeys_enabled(pool) {
            return Err(not_enabled());
        }
        let client_json = base64url_member(credential, &["response", "clientDataJSON"])?;
        let attestation = base64url_member(credential, &["response", "attestationObject"])?;
        let id = text(credential, &["id"]).ok_or_else(|| malformed("id"))?;
        // The challenge names the ceremony: it is opened before anything else is believed.
        let peek: Value =
            serde_json::from_slice(&client_json).map_err(|_| malformed("clientDataJSON"))?;
        let sealed = peek
            .get("challenge")
            .and_then(Value::as_str)
            .and_then(b64::decode_url)
            .ok_or_else(challenge_not_found)?;
        let opened = self
            .open_step::<RegistrationState>(REGISTRATION, &sealed, &context.client_id)
            .map_err(|_| challenge_not_found())?;
        if opened.state.sub != user.sub {
            return Err(challenge_not_found());
        }
        let rp_id = opened.state.rp_id.clone();
        client_data(&client_json, "webauthn.create", &rp_id)?;
        let (_format, data) =
            webauthn::parse_attestation_object(&attestation).map_err(key_error)?;
        check_authenticator(&data, &rp_id, &opened.state.user_verification)?;
        let attested = data
            .credential
            .ok_or_else(|| malformed("attestation object"))?;
        if b64::encode_url(&attested.credential_id) != id {
            return Err(malformed("id"));
        }
        // Again at the end: registrations started side by side must not pass the limit.
        if self.user_passkeys(pool, user).await?.len() >= MAX_PASSKEYS as usize {
            return Err(too_many_passkeys());
        }
        self.spend_step(&opened)
            .await
            .map_err(|_| challenge_not_found())?;
        let passkey = Passkey {
            pool_id: pool.id.clone(),
            sub: user.sub.clone(),
            credential_id: id.to_owned(),
            public_key: attested.public_key,
            sign_count: data.sign_count,
            relying_party_id: rp_id,
            friendly_name: None,
            authenticator_attachment: text(credential, &["authenticatorAttachment"])
                .map(str::to_owned),
            transports: credential
                .pointer("/response/transports")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            created: self.now(),
            last_used: None,
        };
        match self.store.insert_passkey(&passkey).await {
            Ok(()) => Ok(()),
            Err(crate::ports::StoreError::Conflict(crate::ports::Conflict::Exists)) => Err(
                Error::invalid_parameter("The passkey is already registered for the user."),
            ),
            Err(e) => Err(e.into()),
        }
    }

    /// ListWebAuthnCredentials.
    pub async fn list_web_authn_credentials(
        &self,
        access_token: &str,
        page_size: PageSize,
        next: Option<&str>,
    ) -> Result<Page<Passkey>> {
        let limit = page_size.or(MAX_PASSKEYS);
        let context = self.verify_access_token(access_token).await?;
        let (pool_id, sub) = (&context.pool.id, &context.user.sub);
        let limit = limit.clamp(1, MAX_PASSKEYS);
        let scope = format!("passkeys:{pool_id}:{sub}");
        let after = next.map(|t| self.open_page_token(&scope, t)).transpose()?;
        let mut passkeys = self
            .store
            .list_passkeys(pool_id, sub, after.as_deref(), limit + 1)
            .await
            .map_err(Error::from)?;
        let next = self.next_page(&mut passkeys, limit, &scope, |p| p.credential_id.clone())?;
        Ok(Page {
            items: passkeys,
            next,
        })
    }

    /// DeleteWebAuthnCredential.
    pub async fn delete_web_authn_credential(
        &self,
        access_token: &str,
        credential_id: &str,
    ) -> Result<()> {
        let context = self.verify_access_token(access_token).await?;
        if self
            .store
            .delete_passkey(&context.pool.id, &context.user.sub, credential_id)
            .await
            .map_err(Error::from)?
        {
            Ok(())
        } else {
            Err(Error::resource_not_found("Credential not found."))
        }
    }

    /// A user's passkeys (at most [`MAX_PASSKEYS`]).
    pub(crate) async fn user_passkeys(&self, pool: &UserPool, user: &User) -> Result<Vec<Passkey>> {
        self.store
            .list_passkeys(&pool.id, &user.sub, None, MAX_PASSKEYS)
            .await
            .map_err(Error::from)
    }

    /// The WEB_AUTHN challenge's PublicKeyCredentialRequestOptions and the state its answer
    /// is checked against.
    pub(crate) async fn assertion_options(
        &self,
        pool: &UserPool,
        user: &User,
    ) -> Result<(Value, AssertionState)> {
        let (mut options, state) = self.decoy_assertion_options(pool).await?;
        let allow: Vec<Value> = self
            .user_passkeys(pool, user)
            .await?
            .iter()
            .map(|p| {
                let mut descriptor = json!({ "type": "public-key", "id": p.credential_id });
                if !p.transports.is_empty() {
                    descriptor["transports"] = json!(p.transports);
                }
                descriptor
            })
            .collect();
        options["allowCredentials"] = json!(allow);
        Ok((options, state))
    }

    /// Request options with a fresh challenge and no credentials yet: the start of the real
    /// options, and all of a decoy's (`auth::choice`).
    pub(crate) async fn decoy_assertion_options(
        &self,
        pool: &UserPool,
    ) -> Result<(Value, AssertionState)> {
        let rp_id = self.relying_party_id(pool).await?;
        let mut challenge = [0u8; 32];
        self.random().fill(&mut challenge);
        let state = AssertionState {
            challenge: b64::encode_url(&challenge),
            rp_id: rp_id.clone(),
            user_verification: user_verification(pool),
        };
        let options = json!({
            "challenge": state.challenge,
            "rpId": rp_id,
            "allowCredentials": [],
            "userVerification": state.user_verification,
            "timeout": CEREMONY_SECS * 1000,
        });
        Ok((options, state))
    }

    /// Checks a WEB_AUTHN answer (AuthenticationResponseJSON); returns the passkey with its
    /// new counter, which [`Domain::record_passkey_use`] saves once the step is spent (a
    /// replayed, spent Session must not move the counter).
    pub(crate) async fn check_assertion(
        &self,
        pool: &UserPool,
        user: &User,
        state: &AssertionState,
        credential: &str,
    ) -> Result<Passkey> {
        let credential: Value =
            serde_json::from_str(credential).map_err(|_| malformed("CREDENTIAL"))?;
        let id = text(&credential, &["id"]).ok_or_else(|| malformed("id"))?;
        let client_json = base64url_member(&credential, &["response", "clientDataJSON"])?;
        let authenticator = base64url_member(&credential, &["response", "authenticatorData"])?;
        let signature = base64url_member(&credential, &["response", "signature"])?;
        let data = client_data(&client_json, "webauthn.get", &state.rp_id)?;
        let challenge = data
            .get("challenge")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !bool::from(challenge.as_bytes().ct_eq(state.challenge.as_bytes())) {
            return Err(challenge_not_found());
        }
        let parsed = webauthn::parse_authenticator_data(&authenticator).map_err(key_error)?;
        check_authenticator(&parsed, &state.rp_id, &state.user_verification)?;
        let mut passkey = self
            .store
            .get_passkey(&pool.id, &user.sub, id)
            .await
            .map_err(Error::from)?
            .ok_or_else(Error::incorrect_credentials)?;
        if !webauthn::verify_assertion(
            &passkey.public_key,
            &authenticator,
            &client_json,
            &signature,
        ) {
            return Err(Error::incorrect_credentials());
        }
        // A counter that does not move forward means a cloned authenticator (counters of 0
        // are authenticators that keep none).
        if (parsed.sign_count != 0 || passkey.sign_count != 0)
            && parsed.sign_count <= passkey.sign_count
        {
            return Err(Error::incorrect_credentials());
        }
        passkey.sign_count = parsed.sign_count;
        passkey.last_used = Some(self.now());
        Ok(passkey)
    }

    /// Saves the counter and last use of a passkey that signed a sign-in in.
    pub(crate) async fn record_passkey_use(&self, passkey: &Passkey) -> Result<()> {
        match self.store.update_passkey(passkey).await {
            Ok(()) => Ok(()),
            Err(crate::ports::StoreError::Conflict(crate::ports::Conflict::Missing)) => {
                Err(Error::incorrect_credentials())
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn origins_are_the_relying_party_or_its_subdomains_over_https() {
        assert!(origin_allowed("https://example.com", "example.com"));
        assert!(origin_allowed(
            "https://login.example.com:8443",
            "example.com"
        ));
        assert!(origin_allowed("http://localhost:3000", "localhost"));
        assert!(!origin_allowed("http://example.com", "example.com"));
        assert!(!origin_allowed("https://badexample.com", "example.com"));
        assert!(!origin_allowed(
            "https://example.com.evil.net",
            "example.com"
        ));
        assert!(!origin_allowed("example.com", "example.com"));
    }
}
