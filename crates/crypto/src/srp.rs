//! Cognito's SRP-6a variant (`USER_SRP_AUTH`, `DEVICE_SRP_AUTH`) over the 3072-bit group.
//!
//! Cognito's SRP is not plain RFC 5054, and every detail below is what its clients compute
//! (Amplify v6, amazon-cognito-identity-js, pycognito, the Java SDK):
//!
//! - integers are hashed in [`pad`] form (Java's `BigInteger.toByteArray()`), not padded to
//!   the width of `N`;
//! - `x = H(PAD(salt) || H(poolName || userIdForSrp || ":" || password))`, `v = g^x`;
//! - `k = H(PAD(N) || PAD(g))`, `B = k·v + g^b`, `u = H(PAD(A) || PAD(B))`;
//! - the session key is the first 16 bytes of HKDF-SHA256 with salt `PAD(u)`, input
//!   `PAD(S)` and info `"Caldera Derived Key"`;
//! - the client proves the key with `PASSWORD_CLAIM_SIGNATURE`, an HMAC over the pool name,
//!   the user, the `SECRET_BLOCK` and the [`format_timestamp`] `TIMESTAMP`.
//!
//! Device SRP is the same math with the device group key as the pool name, the device key as
//! the user and the device's random password, so every function takes those as plain
//! strings and serves both.
//!
//! # Server and client halves
//!
//! The server half ([`ServerEphemeral`], [`server_session_keys`], [`verify_password_claim`],
//! [`password_verifier_matches`]) is what Cognate runs. The client half ([`client_ephemeral`],
//! [`client_session_key`], [`password_claim_signature`]) is for tests, tools and benchmarks:
//! the end-to-end tests sign in with it.
//!
//! # Speed
//!
//! A server builds one [`SrpGroup`] and keeps it: it holds a table of the generator's powers
//! that makes `g^x` (the password check) and `g^b` (the challenge's `B`) about five times
//! cheaper than a plain exponentiation. The free functions ([`verifier`],
//! [`password_verifier_matches`], [`ServerEphemeral::new`], [`client_ephemeral`]) compute the
//! same values without the table, for tests and tools. See the `exp` module for the methods.
//!
//! # Constant time
//!
//! `b`, `x` and `v` only meet constant-time Montgomery arithmetic, and every exponentiation
//! by a secret walks a number of bits fixed by public lengths (`b`'s byte length, 256 for
//! hashes), reading whole tables. `v^u` runs in time that depends on `u`, which is public.
//! Checks on public values (`A`, `B`, `u`) may branch.

mod exp;
mod group;
mod montgomery;
mod timestamp;

pub use crypto_bigint::U3072;
pub use group::{G, K, N, N_HEX, pad, pad_bytes, parse_hex, to_hex, uint_from_be};
pub use timestamp::{format_timestamp, parse_timestamp};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crypto_bigint::{CtEq, U256, U4096};

use crate::mac::{hkdf_sha256_block, hmac_sha256, hmac_sha256_verify, sha256};
use crate::secret::{Secret, SecretBytes};
use exp::{FixedBase, TABLE_EXPONENT_BITS, pow_mod, pow_public, pow_secret};
use group::{Element, Exponent, is_zero, reduce, u256_from_hash};
use montgomery::Residue;

/// The HKDF info string of Cognito's session key.
const KEY_DERIVATION_INFO: &[u8] = b"Caldera Derived Key";

/// Why an SRP computation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// A hex or byte integer from the other party is empty, not hex, or wider than 3072 bits.
    #[error("malformed SRP integer")]
    MalformedInteger,
    /// `A mod N == 0`: the client would know `S = 0` without the password.
    #[error("SRP_A is zero modulo N")]
    IllegalPublicA,
    /// `B mod N == 0`. On the server, retry with a fresh `b`; a client aborts.
    #[error("SRP_B is zero modulo N")]
    IllegalPublicB,
    /// `u == 0`, which would take `v` out of the key.
    #[error("SRP scrambling parameter u is zero")]
    IllegalScrambler,
    /// A secret exponent (`a` or `b`) must be 1 to 384 bytes long.
    #[error("SRP secret exponent must be 1 to 384 bytes, got {0}")]
    InvalidSecretLength(usize),
    /// A stored or client-sent verifier is zero or not below `N`.
    #[error("SRP verifier out of range")]
    InvalidVerifier,
}

/// A 16-byte SRP session key.
pub type SessionKey = Secret<[u8; 16]>;

/// The SRP group with a table of its generator's powers, for the server's `g^x` and `g^b`.
///
/// Building it costs about as much as two exponentiations and it takes 96 KiB; a server
/// builds one when it starts and passes it to every sign-in. Its methods give the same
/// results as the free functions of the same names, faster.
pub struct SrpGroup {
    generator: FixedBase,
}

impl SrpGroup {
    pub fn new() -> Self {
        Self {
            generator: FixedBase::new(&Residue::new(&G)),
        }
    }

    /// [`verifier`], with the table.
    pub fn verifier(
        &self,
        pool_name: &str,
        user_id_for_srp: &str,
        password: &str,
        salt: &[u8],
    ) -> Verifier {
        verifier_with(Some(self), pool_name, user_id_for_srp, password, salt)
    }

    /// [`password_verifier_matches`], with the table.
    pub fn password_verifier_matches(
        &self,
        pool_name: &str,
        user_id_for_srp: &str,
        password: &str,
        salt: &[u8],
        stored_v: &U3072,
    ) -> bool {
        password_verifier_matches_with(
            Some(self),
            pool_name,
            user_id_for_srp,
            password,
            salt,
            stored_v,
        )
    }

    /// [`ServerEphemeral::new`], with the table.
    pub fn server_ephemeral(&self, v: &U3072, b: &[u8]) -> Result<ServerEphemeral, SrpError> {
        ServerEphemeral::with_group(Some(self), v, b)
    }

    /// [`client_ephemeral`], with the table for an `a` of up to 32 bytes.
    pub fn client_ephemeral(&self, a: &[u8]) -> Result<U3072, SrpError> {
        client_ephemeral_with(Some(self), a)
    }
}

impl Default for SrpGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SrpGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SrpGroup { .. }")
    }
}

/// `g^exponent` for a secret exponent: from the table when there is one and the exponent
/// fits it (the length is public, so the choice reveals nothing), plainly otherwise.
fn g_pow(group: Option<&SrpGroup>, exponent: &[u64], bits: u32) -> Residue {
    match group {
        Some(group) if bits <= TABLE_EXPONENT_BITS => group.generator.pow(exponent),
        _ => pow_secret(&Residue::new(&G), exponent, bits),
    }
}

/// `g^x` for a password hash `x`.
fn g_pow_hash(group: Option<&SrpGroup>, x: &U256) -> U3072 {
    g_pow(group, x.as_words(), U256::BITS).retrieve()
}

/// The pool name SRP hashes: the part of the user pool id after the region and `_`
/// (`us-east-1_EXAMPLE1` → `EXAMPLE1`). An id without `_` is returned whole.
pub fn pool_name(user_pool_id: &str) -> &str {
    user_pool_id
        .split_once('_')
        .map_or(user_pool_id, |(_, name)| name)
}

/// `x = H(PAD(salt) || H(poolName || userIdForSrp || ":" || password))`, as 32 big-endian
/// bytes.
///
/// `salt` may be given raw or in `PAD` form: both hash the same. For device SRP pass the
/// device group key, the device key and the device password.
pub fn compute_x(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt: &[u8],
) -> Secret<[u8; 32]> {
    let inner = Secret::new(sha256(&[
        pool_name.as_bytes(),
        user_id_for_srp.as_bytes(),
        b":",
        password.as_bytes(),
    ]));
    Secret::new(sha256(&[&pad_bytes(salt), inner.expose()]))
}

/// A password verifier `v = g^x mod N` and the salt it was made with.
pub struct Verifier {
    salt: Vec<u8>,
    v: Secret<U3072>,
}

impl Verifier {
    /// Rebuilds a verifier from stored (or `ConfirmDevice`-sent) salt and `v` bytes.
    pub fn from_parts(salt: &[u8], v_big_endian: &[u8]) -> Result<Self, SrpError> {
        let v = Secret::new(uint_from_be(v_big_endian)?);
        // `v < N` exactly when reducing it changes nothing.
        let in_range = reduce(v.expose()).ct_eq(v.expose()).to_bool();
        if is_zero(v.expose()) || !in_range {
            return Err(SrpError::InvalidVerifier);
        }
        Ok(Self {
            salt: pad_bytes(salt),
            v,
        })
    }

    /// The salt in canonical `PAD` form; `SALT` in the challenge is its hex.
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }

    /// `SALT` as sent in `PASSWORD_VERIFIER` challenges: `hex(PAD(salt))`.
    pub fn salt_hex(&self) -> String {
        hex::encode(&self.salt)
    }

    /// The verifier `v`.
    pub fn v(&self) -> &U3072 {
        self.v.expose()
    }

    /// `PAD(v)`, for sealing at rest.
    pub fn v_bytes(&self) -> SecretBytes {
        Secret::new(pad(self.v.expose()))
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("salt", &hex::encode(&self.salt))
            .field("v", &self.v)
            .finish()
    }
}

/// Makes the verifier for a password; `salt` is 16 random bytes from the caller.
pub fn verifier(pool_name: &str, user_id_for_srp: &str, password: &str, salt: &[u8]) -> Verifier {
    verifier_with(None, pool_name, user_id_for_srp, password, salt)
}

fn verifier_with(
    group: Option<&SrpGroup>,
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt: &[u8],
) -> Verifier {
    let x = compute_x(pool_name, user_id_for_srp, password, salt);
    let x = Secret::new(u256_from_hash(x.expose()));
    Verifier {
        salt: pad_bytes(salt),
        v: Secret::new(g_pow_hash(group, x.expose())),
    }
}

/// Whether `password` is the one `stored_v` was made from: recomputes `g^x` (one modular
/// exponentiation) and compares in constant time. This is the `USER_PASSWORD_AUTH` check.
pub fn password_verifier_matches(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt: &[u8],
    stored_v: &U3072,
) -> bool {
    password_verifier_matches_with(None, pool_name, user_id_for_srp, password, salt, stored_v)
}

fn password_verifier_matches_with(
    group: Option<&SrpGroup>,
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt: &[u8],
    stored_v: &U3072,
) -> bool {
    let x = compute_x(pool_name, user_id_for_srp, password, salt);
    let x = Secret::new(u256_from_hash(x.expose()));
    let v = Secret::new(g_pow_hash(group, x.expose()));
    v.expose().ct_eq(stored_v).to_bool()
}

/// The server's ephemeral key pair for one `PASSWORD_VERIFIER` challenge.
pub struct ServerEphemeral {
    b: SecretBytes,
    public: U3072,
}

impl ServerEphemeral {
    /// Computes `B = (k·v + g^b) mod N` from the verifier and `b`, 32 random bytes from the
    /// caller (any length from 1 to 384 works; 32 gives the 128-bit security of the group at
    /// the lowest cost).
    ///
    /// Returns [`SrpError::IllegalPublicB`] in the negligible case `B == 0`: draw a new `b`.
    /// [`SrpGroup::server_ephemeral`] computes the same faster.
    pub fn new(v: &U3072, b: &[u8]) -> Result<Self, SrpError> {
        Self::with_group(None, v, b)
    }

    fn with_group(group: Option<&SrpGroup>, v: &U3072, b: &[u8]) -> Result<Self, SrpError> {
        let exponent = Exponent::from_secret_bytes(b)?;
        let g_b = g_pow(group, exponent.value().as_words(), exponent.bits()).to_element();
        let public = (Element::new(&K) * Element::new(v) + g_b).retrieve();
        if is_zero(&public) {
            return Err(SrpError::IllegalPublicB);
        }
        Ok(Self {
            b: Secret::new(b.to_vec()),
            public,
        })
    }

    /// `B`, sent as `SRP_B` (hex) in the challenge.
    pub fn public(&self) -> &U3072 {
        &self.public
    }

    /// The secret `b`, to seal into the `SECRET_BLOCK`.
    pub fn secret(&self) -> &SecretBytes {
        &self.b
    }

    /// The session keys once the client's `A` is known; see [`server_session_keys`].
    pub fn session_keys(
        &self,
        client_public_a: &U3072,
        v: &U3072,
    ) -> Result<SessionKeys, SrpError> {
        server_session_keys(client_public_a, &self.public, self.b.expose(), v)
    }
}

/// The key a server accepts a password claim under, and the key of an old client bug.
///
/// The archived amazon-cognito-identity-js used the 32-byte hash `u` itself, leading zero
/// byte included, as the HKDF salt, where everyone else uses `PAD(u)`. The two differ about
/// once in 512 sign-ins (first byte of `u` zero and second below `0x80`); `legacy` is `Some`
/// exactly then, so the server can accept either.
#[derive(Debug)]
pub struct SessionKeys {
    /// The key under `PAD(u)`, which current clients derive.
    pub key: SessionKey,
    /// The key under the raw 32-byte `u`, when that differs from `key`.
    pub legacy: Option<SessionKey>,
}

impl SessionKeys {
    /// Whether the claim signature verifies under `key` or, if present, `legacy`; see
    /// [`verify_password_claim`].
    pub fn verify_password_claim(
        &self,
        pool_name_or_device_group: &str,
        user_id_or_device_key: &str,
        secret_block: &[u8],
        timestamp: &str,
        signature_base64: &str,
    ) -> bool {
        let verify = |key: &SessionKey| {
            verify_password_claim(
                key,
                pool_name_or_device_group,
                user_id_or_device_key,
                secret_block,
                timestamp,
                signature_base64,
            )
        };
        // Both checks run when there is a legacy key, so timing does not tell which matched.
        let current = verify(&self.key);
        let legacy = self.legacy.as_ref().is_some_and(verify);
        current | legacy
    }
}

/// The server's session keys: `u = H(PAD(A) || PAD(B))`, `S = (A·v^u)^b mod N`, then the
/// HKDF key (and the legacy key; see [`SessionKeys`]).
///
/// `client_public_a` is `SRP_A` as received, `server_public_b` the `B` that was sent, `b` the
/// secret behind it and `v` the verifier. Refuses `A mod N == 0` and `u == 0`. Costs two
/// modular exponentiations with 256-bit exponents (for a 32-byte `b`): `v^u` with the public
/// `u` (see `exp::pow_public` for why that may run in variable time), then `(A·v^u)^b` in
/// constant time.
pub fn server_session_keys(
    client_public_a: &U3072,
    server_public_b: &U3072,
    b: &[u8],
    v: &U3072,
) -> Result<SessionKeys, SrpError> {
    let premaster = server_premaster_secret(client_public_a, server_public_b, b, v)?;
    Ok(derive_session_keys(&premaster.u_hash, premaster.s.expose()))
}

/// [`server_session_keys`] without the legacy key.
pub fn server_session_key(
    client_public_a: &U3072,
    server_public_b: &U3072,
    b: &[u8],
    v: &U3072,
) -> Result<SessionKey, SrpError> {
    server_session_keys(client_public_a, server_public_b, b, v).map(|keys| keys.key)
}

/// `u` (as its 32-byte hash) and the premaster secret `S`.
struct Premaster {
    u_hash: [u8; 32],
    s: Secret<U3072>,
}

fn server_premaster_secret(
    client_public_a: &U3072,
    server_public_b: &U3072,
    b: &[u8],
    v: &U3072,
) -> Result<Premaster, SrpError> {
    let exponent = Exponent::from_secret_bytes(b)?;
    let a_reduced = reduce(client_public_a);
    if is_zero(&a_reduced) {
        return Err(SrpError::IllegalPublicA);
    }
    let u_hash = scrambler(client_public_a, server_public_b)?;
    let v_u = pow_public(&Residue::new(v), u256_from_hash(&u_hash).as_words());
    let base = Residue::new(&a_reduced).mul(&v_u);
    let s = pow_secret(&base, exponent.value().as_words(), exponent.bits());
    Ok(Premaster {
        u_hash,
        s: Secret::new(s.retrieve()),
    })
}

/// `u = H(PAD(A) || PAD(B))` over the values as sent, refusing `u == 0`.
fn scrambler(public_a: &U3072, public_b: &U3072) -> Result<[u8; 32], SrpError> {
    let u_hash = sha256(&[&pad(public_a), &pad(public_b)]);
    if u_hash.iter().all(|&byte| byte == 0) {
        return Err(SrpError::IllegalScrambler);
    }
    Ok(u_hash)
}

fn derive_session_keys(u_hash: &[u8; 32], s: &U3072) -> SessionKeys {
    let ikm = Secret::new(pad(s));
    let salt = pad_bytes(u_hash);
    let key = derive_key(&salt, ikm.expose());
    let legacy = (salt != u_hash).then(|| derive_key(u_hash, ikm.expose()));
    SessionKeys { key, legacy }
}

/// The first 16 bytes of HKDF-SHA256 with Cognito's info string.
fn derive_key(salt: &[u8], ikm: &[u8]) -> SessionKey {
    let block = Secret::new(hkdf_sha256_block(salt, ikm, KEY_DERIVATION_INFO));
    let mut key = Secret::new([0u8; 16]);
    key.expose_mut().copy_from_slice(&block.expose()[..16]);
    key
}

/// `PASSWORD_CLAIM_SIGNATURE` before base64: `HMAC-SHA256(K, poolName || userIdForSrp ||
/// SECRET_BLOCK || TIMESTAMP)`, with `secret_block` the base64-decoded `SECRET_BLOCK`.
///
/// For device SRP pass the device group key and the device key.
pub fn password_claim_signature(
    key: &SessionKey,
    pool_name_or_device_group: &str,
    user_id_or_device_key: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    hmac_sha256(
        key.expose(),
        &[
            pool_name_or_device_group.as_bytes(),
            user_id_or_device_key.as_bytes(),
            secret_block,
            timestamp.as_bytes(),
        ],
    )
}

/// Whether `signature_base64` (the client's `PASSWORD_CLAIM_SIGNATURE`) is the claim
/// signature under `key`, compared in constant time. Undecodable base64 is simply `false`.
pub fn verify_password_claim(
    key: &SessionKey,
    pool_name_or_device_group: &str,
    user_id_or_device_key: &str,
    secret_block: &[u8],
    timestamp: &str,
    signature_base64: &str,
) -> bool {
    let Ok(signature) = STANDARD.decode(signature_base64) else {
        return false;
    };
    hmac_sha256_verify(
        key.expose(),
        &[
            pool_name_or_device_group.as_bytes(),
            user_id_or_device_key.as_bytes(),
            secret_block,
            timestamp.as_bytes(),
        ],
        &signature,
    )
}

/// The client half: `A = g^a mod N` for `a` of 1 to 384 random bytes (Amplify uses 128).
pub fn client_ephemeral(a: &[u8]) -> Result<U3072, SrpError> {
    client_ephemeral_with(None, a)
}

fn client_ephemeral_with(group: Option<&SrpGroup>, a: &[u8]) -> Result<U3072, SrpError> {
    let exponent = Exponent::from_secret_bytes(a)?;
    Ok(g_pow(group, exponent.value().as_words(), exponent.bits()).retrieve())
}

/// The client half: the session key from the password,
/// `S = (B − k·g^x)^(a + u·x) mod N`. Refuses `B mod N == 0` and `u == 0`, as clients do.
pub fn client_session_key(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt: &[u8],
    client_public_a: &U3072,
    server_public_b: &U3072,
    a: &[u8],
) -> Result<SessionKey, SrpError> {
    let premaster = client_premaster_secret(
        pool_name,
        user_id_for_srp,
        password,
        salt,
        client_public_a,
        server_public_b,
        a,
    )?;
    Ok(derive_session_keys(&premaster.u_hash, premaster.s.expose()).key)
}

fn client_premaster_secret(
    pool_name: &str,
    user_id_for_srp: &str,
    password: &str,
    salt: &[u8],
    client_public_a: &U3072,
    server_public_b: &U3072,
    a: &[u8],
) -> Result<Premaster, SrpError> {
    let a = Exponent::from_secret_bytes(a)?;
    let b_reduced = reduce(server_public_b);
    if is_zero(&b_reduced) {
        return Err(SrpError::IllegalPublicB);
    }
    let u_hash = scrambler(client_public_a, server_public_b)?;
    let x = compute_x(pool_name, user_id_for_srp, password, salt);
    let x = Secret::new(u256_from_hash(x.expose()));
    let k_g_x = Element::new(&K) * Element::new(&g_pow_hash(None, x.expose()));
    let base = (Element::new(&b_reduced) - k_g_x).retrieve();
    // a + u·x needs at most max(|a|, 512) + 1 bits, so U4096 cannot overflow for |a| ≤ 3072.
    let u = u256_from_hash(&u_hash).resize::<{ U4096::LIMBS }>();
    let exponent = Secret::new(
        u.wrapping_mul(x.expose())
            .wrapping_add(&a.value().resize::<{ U4096::LIMBS }>()),
    );
    let bits = a.bits().max(2 * U256::BITS) + 1;
    let s = Secret::new(pow_mod(&base, exponent.expose(), bits));
    Ok(Premaster { u_hash, s })
}

#[cfg(test)]
mod tests;
