//! `cognate-crypto`: the cryptography Cognate needs to speak Cognito, as pure functions.
//!
//! # Brief overview
//!
//! - [`srp`]: Cognito's SRP-6a variant over the RFC 3526 3072-bit group (`USER_SRP_AUTH`,
//!   device SRP, the `PASSWORD_CLAIM_SIGNATURE` and its `TIMESTAMP`), both the server half
//!   and the client half (for tests, tools and benchmarks).
//! - [`legacy_hash`]: password hashes imported from other systems (bcrypt, PBKDF2-SHA256,
//!   scrypt incl. Firebase's, argon2id), checked once at the first password sign-in.
//! - [`jwt`]: RS256 signing and verification with a `kid` per key, and the public JWK.
//! - [`seal`]: AES-256-GCM sealing of secrets at rest and of session tokens, subkey
//!   derivation, and the keyed hash for values stored only as hashes.
//! - [`secret_hash`]: the `SECRET_HASH` of app clients with a secret.
//! - [`oauth`]: the PKCE `S256` challenge and the ID token's `at_hash`.
//! - [`random`]: the injectable [`random::RandomSource`] and unbiased code generators.
//! - [`secret`]: [`Secret`], the redacting, zeroizing wrapper every secret travels in.
//! - [`totp`]: RFC 4226/6238 HOTP and TOTP (software-token MFA) and base32 secrets.
//! - [`webauthn`]: passkeys' CBOR, authenticator data and ES256 assertion signatures.
//!
//! # What this crate is not
//!
//! It knows nothing of users, pools, stores or the wire: it depends on no other Cognate
//! crate, and the domain decides what is signed, sealed or verified, and when.
//!
//! # Invariant
//!
//! Pure: no async, no I/O, no clock (callers pass `now` in); randomness is either passed in
//! as bytes or drawn from an injectable [`random::RandomSource`], except the AEAD nonce and
//! RSA key generation, which stay inside aws-lc-rs.
//! Secret-dependent arithmetic is constant-time (SRP's `b`, `x` and `v` only meet
//! constant-time Montgomery arithmetic and whole-table scans, see `srp`; MACs are compared in
//! constant time). Secrets are redacted in `Debug` and zeroized on drop.

// The workspace denies unwrap/expect/panic for library code; tests may use them (house
// rules), and there is no workspace `clippy.toml` with `allow-unwrap-in-tests` yet.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod jwt;
pub mod legacy_hash;
pub mod oauth;
pub mod random;
pub mod seal;
pub mod secret;
pub mod secret_hash;
pub mod srp;
pub mod totp;
pub mod webauthn;

mod mac;

pub use secret::{Secret, SecretBytes, SecretString};
