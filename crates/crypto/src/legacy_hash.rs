//! Password hashes made by other systems, checked once when an imported user first signs in
//! with a password; the caller then replaces the hash with Cognito's SRP verifier.
//!
//! The algorithms are those of Cognito's `PasswordHashingAlgorithm` (CreateUserImportJob),
//! each in the encodings the systems people leave actually write:
//!
//! | algorithm | accepted encodings |
//! |---|---|
//! | `BCRYPT` | modular crypt `$2a$` / `$2b$` / `$2x$` / `$2y$` (OpenBSD, PHP, Spring, Devise) |
//! | `PBKDF2_SHA256` | Django `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`; Keycloak's credential JSON (`secretData` and `credentialData`, as realm exports write it); PHC `$pbkdf2-sha256$i=<iterations>[,l=<len>]$<salt>$<hash>` (base64, passlib's `.` for `+` accepted) |
//! | `SCRYPT` | PHC `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>`; Firebase's modified scrypt as `$firebase-scrypt$rounds=<r>,mem_cost=<log2 N>,salt_separator=<base64>,signer_key=<base64>$<salt>$<hash>` (the project's hash parameters ride along with each hash, so any node can check it) |
//! | `ARGON2ID` | PHC `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>` |
//!
//! Every check compares in constant time. Cost parameters are capped ([`MAX_MEMORY_BYTES`]
//! and friends): an imported hash is data, and one with absurd parameters must not be able
//! to stall a node at sign-in.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use subtle::ConstantTimeEq;

/// Cognito's `PasswordHashingAlgorithmType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Bcrypt,
    Scrypt,
    Argon2id,
    Pbkdf2Sha256,
}

impl HashAlgorithm {
    pub fn parse(name: &str) -> Option<HashAlgorithm> {
        Some(match name {
            "BCRYPT" => HashAlgorithm::Bcrypt,
            "SCRYPT" => HashAlgorithm::Scrypt,
            "ARGON2ID" => HashAlgorithm::Argon2id,
            "PBKDF2_SHA256" => HashAlgorithm::Pbkdf2Sha256,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Bcrypt => "BCRYPT",
            HashAlgorithm::Scrypt => "SCRYPT",
            HashAlgorithm::Argon2id => "ARGON2ID",
            HashAlgorithm::Pbkdf2Sha256 => "PBKDF2_SHA256",
        }
    }
}

/// The most memory one check may use (scrypt's `128·r·N·p`, argon2's `m`): 256 MiB.
pub const MAX_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
/// The highest bcrypt cost accepted (each step doubles the work; 16 is about 5 s).
pub const MAX_BCRYPT_COST: u32 = 16;
/// The most PBKDF2 iterations accepted.
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// The most argon2 passes accepted.
pub const MAX_ARGON2_PASSES: u32 = 64;

/// Why a hash could not be read. The text names the part that is wrong, never the hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HashFormatError(pub String);

fn bad(message: impl Into<String>) -> HashFormatError {
    HashFormatError(message.into())
}

/// A parsed legacy hash, ready to check passwords against.
#[derive(Clone, PartialEq, Eq)]
pub struct LegacyHash {
    algorithm: HashAlgorithm,
    form: Form,
}

// The salts and digests are not secrets on their own, but they are what an attacker would
// crack offline: keep them out of logs.
impl std::fmt::Debug for LegacyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LegacyHash({}, [redacted])", self.algorithm.as_str())
    }
}

#[derive(Clone, PartialEq, Eq)]
enum Form {
    /// The modular crypt string, which the bcrypt crate parses again at check time.
    Bcrypt(String),
    Pbkdf2 {
        iterations: u32,
        salt: Vec<u8>,
        digest: Vec<u8>,
    },
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
        salt: Vec<u8>,
        digest: Vec<u8>,
    },
    FirebaseScrypt {
        log_n: u8,
        r: u32,
        salt: Vec<u8>,
        salt_separator: Vec<u8>,
        signer_key: Vec<u8>,
        digest: Vec<u8>,
    },
    Argon2id {
        version: argon2::Version,
        m: u32,
        t: u32,
        p: u32,
        salt: Vec<u8>,
        digest: Vec<u8>,
    },
}

impl LegacyHash {
    /// Reads `encoded` as a hash of `algorithm` in one of the encodings the module lists.
    pub fn parse(algorithm: HashAlgorithm, encoded: &str) -> Result<LegacyHash, HashFormatError> {
        let encoded = encoded.trim();
        let form = match algorithm {
            HashAlgorithm::Bcrypt => parse_bcrypt(encoded)?,
            HashAlgorithm::Pbkdf2Sha256 => parse_pbkdf2(encoded)?,
            HashAlgorithm::Scrypt => parse_scrypt(encoded)?,
            HashAlgorithm::Argon2id => parse_argon2id(encoded)?,
        };
        Ok(LegacyHash { algorithm, form })
    }

    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// Whether `password` is the one this hash was made from (constant-time comparison).
    pub fn verify(&self, password: &str) -> bool {
        let password = password.as_bytes();
        match &self.form {
            Form::Bcrypt(encoded) => bcrypt::verify(password, encoded).unwrap_or(false),
            Form::Pbkdf2 {
                iterations,
                salt,
                digest,
            } => {
                let Some(iterations) = std::num::NonZeroU32::new(*iterations) else {
                    return false;
                };
                aws_lc_rs::pbkdf2::verify(
                    aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
                    iterations,
                    salt,
                    password,
                    digest,
                )
                .is_ok()
            }
            Form::Scrypt {
                log_n,
                r,
                p,
                salt,
                digest,
            } => scrypt_digest(password, salt, *log_n, *r, *p, digest.len())
                .is_some_and(|derived| equal(&derived, digest)),
            Form::FirebaseScrypt {
                log_n,
                r,
                salt,
                salt_separator,
                signer_key,
                digest,
            } => firebase_scrypt(password, salt, salt_separator, signer_key, *log_n, *r)
                .is_some_and(|derived| equal(&derived, digest)),
            Form::Argon2id {
                version,
                m,
                t,
                p,
                salt,
                digest,
            } => argon2id_digest(password, salt, *version, *m, *t, *p, digest.len())
                .is_some_and(|derived| equal(&derived, digest)),
        }
    }
}

fn equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Base64 as the formats write it: standard alphabet, with or without padding, and
/// passlib's "adapted" variant, which writes `.` for `+`.
fn decode_b64(text: &str, what: &str) -> Result<Vec<u8>, HashFormatError> {
    let text = text.replace('.', "+");
    let text = text.trim_end_matches('=');
    STANDARD_NO_PAD
        .decode(text)
        .map_err(|_| bad(format!("The {what} is not valid base64.")))
}

fn parse_bcrypt(encoded: &str) -> Result<Form, HashFormatError> {
    let parts: bcrypt::HashParts = encoded.parse().map_err(|_| {
        bad("A BCRYPT hash must be a modular crypt string such as $2b$10$<22 salt chars><31 hash chars>.")
    })?;
    if parts.get_cost() > MAX_BCRYPT_COST {
        return Err(bad(format!(
            "The bcrypt cost {} is above the highest accepted, {MAX_BCRYPT_COST}.",
            parts.get_cost()
        )));
    }
    Ok(Form::Bcrypt(encoded.to_owned()))
}

fn check_iterations(iterations: u32) -> Result<u32, HashFormatError> {
    if iterations == 0 || iterations > MAX_PBKDF2_ITERATIONS {
        return Err(bad(format!(
            "The PBKDF2 iteration count must be between 1 and {MAX_PBKDF2_ITERATIONS}."
        )));
    }
    Ok(iterations)
}

fn parse_number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, HashFormatError> {
    text.parse()
        .map_err(|_| bad(format!("The {what} is not a number.")))
}

fn parse_pbkdf2(encoded: &str) -> Result<Form, HashFormatError> {
    if encoded.starts_with('{') {
        return parse_keycloak(encoded);
    }
    if let Some(rest) = encoded.strip_prefix("$pbkdf2-sha256$") {
        // PHC: i=<iterations>[,l=<length>]$salt$hash
        let mut fields = rest.split('$');
        let (Some(params), Some(salt), Some(digest), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad(
                "A PHC PBKDF2 hash must read $pbkdf2-sha256$i=<iterations>$<salt>$<hash>.",
            ));
        };
        let iterations = phc_params(params)?
            .into_iter()
            .find(|(k, _)| *k == "i")
            .map(|(_, v)| parse_number(v, "iteration count"))
            .transpose()?
            .ok_or_else(|| bad("The PHC PBKDF2 hash names no iteration count (i=)."))?;
        return Ok(Form::Pbkdf2 {
            iterations: check_iterations(iterations)?,
            salt: decode_b64(salt, "salt")?,
            digest: non_empty(decode_b64(digest, "hash")?)?,
        });
    }
    // Django: pbkdf2_sha256$<iterations>$<salt>$<base64 hash>; the salt is used as text.
    let mut fields = encoded.split('$');
    match (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) {
        (Some("pbkdf2_sha256"), Some(iterations), Some(salt), Some(digest), None) => {
            Ok(Form::Pbkdf2 {
                iterations: check_iterations(parse_number(iterations, "iteration count")?)?,
                salt: salt.as_bytes().to_vec(),
                digest: non_empty(decode_b64(digest, "hash")?)?,
            })
        }
        _ => Err(bad(
            "A PBKDF2_SHA256 hash must be Django's pbkdf2_sha256$<iterations>$<salt>$<hash>, a PHC $pbkdf2-sha256$ string, or a Keycloak credential.",
        )),
    }
}

fn non_empty(digest: Vec<u8>) -> Result<Vec<u8>, HashFormatError> {
    if digest.is_empty() || digest.len() > 1024 {
        return Err(bad("The hash must be 1 to 1024 bytes long."));
    }
    Ok(digest)
}

/// Keycloak keeps a password credential as two JSON documents in strings: `secretData`
/// (`value` and `salt`, base64) and `credentialData` (`hashIterations`, `algorithm`).
/// Both a credential as a realm export writes it and the two documents merged are read.
fn parse_keycloak(encoded: &str) -> Result<Form, HashFormatError> {
    let invalid =
        || bad("The Keycloak credential is not valid JSON with secretData and credentialData.");
    let credential: serde_json::Value = serde_json::from_str(encoded).map_err(|_| invalid())?;
    let part = |name: &str| -> Option<serde_json::Value> {
        match credential.get(name)? {
            serde_json::Value::String(text) => serde_json::from_str(text).ok(),
            value @ serde_json::Value::Object(_) => Some(value.clone()),
            _ => None,
        }
    };
    let secret = part("secretData").unwrap_or_else(|| credential.clone());
    let data = part("credentialData").unwrap_or_else(|| credential.clone());
    let algorithm = data
        .get("algorithm")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("pbkdf2-sha256");
    if algorithm != "pbkdf2-sha256" {
        return Err(bad(format!(
            "The Keycloak credential uses {algorithm}; only pbkdf2-sha256 is PBKDF2_SHA256."
        )));
    }
    let iterations = data
        .get("hashIterations")
        .and_then(serde_json::Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| bad("The Keycloak credential has no hashIterations."))?;
    let text = |name: &str| {
        secret
            .get(name)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| bad(format!("The Keycloak credential has no {name}.")))
    };
    Ok(Form::Pbkdf2 {
        iterations: check_iterations(iterations)?,
        salt: decode_b64(text("salt")?, "salt")?,
        digest: non_empty(decode_b64(text("value")?, "hash")?)?,
    })
}

/// The `k=v,k=v` parameter field of a PHC string.
fn phc_params(field: &str) -> Result<Vec<(&str, &str)>, HashFormatError> {
    field
        .split(',')
        .map(|pair| {
            pair.split_once('=')
                .ok_or_else(|| bad(format!("The parameter {pair:?} is not name=value.")))
        })
        .collect()
}

fn param<'a>(params: &[(&str, &'a str)], name: &str) -> Result<&'a str, HashFormatError> {
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| *v)
        .ok_or_else(|| bad(format!("The hash names no {name} parameter.")))
}

/// The four `$`-separated fields after the algorithm's identifier.
fn phc_fields<'a>(
    rest: &'a str,
    shape: &str,
) -> Result<(&'a str, &'a str, &'a str), HashFormatError> {
    let mut fields = rest.split('$');
    match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some(params), Some(salt), Some(digest), None) => Ok((params, salt, digest)),
        _ => Err(bad(format!("The hash must read {shape}."))),
    }
}

fn check_scrypt_cost(log_n: u8, r: u32, p: u32) -> Result<(), HashFormatError> {
    let memory = 128u64
        .saturating_mul(u64::from(r))
        .saturating_mul(1u64.checked_shl(u32::from(log_n)).unwrap_or(u64::MAX))
        .saturating_mul(u64::from(p));
    if log_n == 0 || log_n >= 32 || r == 0 || p == 0 || memory > MAX_MEMORY_BYTES {
        return Err(bad(format!(
            "The scrypt parameters are out of range (N a power of two, r and p at least 1, at most {MAX_MEMORY_BYTES} bytes of memory)."
        )));
    }
    Ok(())
}

fn parse_scrypt(encoded: &str) -> Result<Form, HashFormatError> {
    if let Some(rest) = encoded.strip_prefix("$firebase-scrypt$") {
        let (params, salt, digest) = phc_fields(
            rest,
            "$firebase-scrypt$rounds=<r>,mem_cost=<log2 N>,salt_separator=<base64>,signer_key=<base64>$<salt>$<hash>",
        )?;
        let params = phc_params(params)?;
        let log_n: u8 = parse_number(param(&params, "mem_cost")?, "mem_cost")?;
        let r: u32 = parse_number(param(&params, "rounds")?, "rounds")?;
        check_scrypt_cost(log_n, r, 1)?;
        let signer_key = decode_b64(param(&params, "signer_key")?, "signer key")?;
        if signer_key.is_empty() {
            return Err(bad("The Firebase signer key is empty."));
        }
        return Ok(Form::FirebaseScrypt {
            log_n,
            r,
            salt: decode_b64(salt, "salt")?,
            salt_separator: params
                .iter()
                .find(|(k, _)| *k == "salt_separator")
                .map(|(_, v)| decode_b64(v, "salt separator"))
                .transpose()?
                .unwrap_or_default(),
            signer_key,
            digest: non_empty(decode_b64(digest, "hash")?)?,
        });
    }
    let Some(rest) = encoded.strip_prefix("$scrypt$") else {
        return Err(bad(
            "A SCRYPT hash must be a PHC $scrypt$ln=..,r=..,p=..$<salt>$<hash> string or a $firebase-scrypt$ string.",
        ));
    };
    let (params, salt, digest) = phc_fields(rest, "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>")?;
    let params = phc_params(params)?;
    let log_n: u8 = parse_number(param(&params, "ln")?, "ln")?;
    let r: u32 = parse_number(param(&params, "r")?, "r")?;
    let p: u32 = parse_number(param(&params, "p")?, "p")?;
    check_scrypt_cost(log_n, r, p)?;
    Ok(Form::Scrypt {
        log_n,
        r,
        p,
        salt: decode_b64(salt, "salt")?,
        digest: non_empty(decode_b64(digest, "hash")?)?,
    })
}

fn scrypt_digest(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
    len: usize,
) -> Option<Vec<u8>> {
    let params = scrypt::Params::new(log_n, r, p).ok()?;
    let mut out = vec![0u8; len];
    scrypt::scrypt(password, salt, &params, &mut out).ok()?;
    Some(out)
}

/// Firebase's modified scrypt: scrypt(password, salt ‖ separator, N, r, p = 1) gives an
/// AES-256 key, and the hash is the project's signer key encrypted with it in CTR mode
/// under a zero IV (github.com/firebase/scrypt).
fn firebase_scrypt(
    password: &[u8],
    salt: &[u8],
    separator: &[u8],
    signer_key: &[u8],
    log_n: u8,
    r: u32,
) -> Option<Vec<u8>> {
    use aws_lc_rs::cipher::{AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey};
    let salted = [salt, separator].concat();
    let key = scrypt_digest(password, &salted, log_n, r, 1, 32)?;
    let key = UnboundCipherKey::new(&AES_256, &key).ok()?;
    let encrypting = EncryptingKey::ctr(key).ok()?;
    let mut out = signer_key.to_vec();
    let iv = aws_lc_rs::iv::FixedLength::from([0u8; 16]);
    encrypting
        .less_safe_encrypt(&mut out, EncryptionContext::Iv128(iv))
        .ok()?;
    Some(out)
}

fn parse_argon2id(encoded: &str) -> Result<Form, HashFormatError> {
    let shape = "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>";
    let Some(rest) = encoded.strip_prefix("$argon2id$") else {
        return Err(bad(format!("An ARGON2ID hash must read {shape}.")));
    };
    // The version field is optional (absent means 0x10).
    let (version, rest) = match rest.split_once('$') {
        Some((v, rest)) if v.starts_with("v=") => (parse_number::<u32>(&v[2..], "version")?, rest),
        _ => (0x10, rest),
    };
    let version = match version {
        0x13 => argon2::Version::V0x13,
        0x10 => argon2::Version::V0x10,
        _ => return Err(bad("The argon2 version must be 19 or 16.")),
    };
    let (params, salt, digest) = phc_fields(rest, shape)?;
    let params = phc_params(params)?;
    let m: u32 = parse_number(param(&params, "m")?, "memory cost")?;
    let t: u32 = parse_number(param(&params, "t")?, "time cost")?;
    let p: u32 = parse_number(param(&params, "p")?, "parallelism")?;
    if u64::from(m) * 1024 > MAX_MEMORY_BYTES || t > MAX_ARGON2_PASSES {
        return Err(bad(format!(
            "The argon2 cost is above the highest accepted ({} KiB, {MAX_ARGON2_PASSES} passes).",
            MAX_MEMORY_BYTES / 1024
        )));
    }
    let digest = non_empty(decode_b64(digest, "hash")?)?;
    argon2::Params::new(m, t, p, Some(digest.len()))
        .map_err(|e| bad(format!("The argon2 parameters are invalid: {e}.")))?;
    Ok(Form::Argon2id {
        version,
        m,
        t,
        p,
        salt: decode_b64(salt, "salt")?,
        digest,
    })
}

fn argon2id_digest(
    password: &[u8],
    salt: &[u8],
    version: argon2::Version,
    m: u32,
    t: u32,
    p: u32,
    len: usize,
) -> Option<Vec<u8>> {
    let params = argon2::Params::new(m, t, p, Some(len)).ok()?;
    let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, version, params);
    let mut out = vec![0u8; len];
    hasher.hash_password_into(password, salt, &mut out).ok()?;
    Some(out)
}

/// Standard base64 with padding, as Firebase writes its hashes and keys (for tests and tools).
pub fn encode_b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(algorithm: HashAlgorithm, encoded: &str, right: &str, wrong: &str) {
        let hash = LegacyHash::parse(algorithm, encoded).unwrap();
        assert!(hash.verify(right), "{encoded} should accept {right:?}");
        assert!(!hash.verify(wrong), "{encoded} should refuse {wrong:?}");
    }

    // OpenBSD bcrypt vectors as published with Openwall's crypt_blowfish (wrapper.c tests).
    #[test]
    fn bcrypt_reference_vectors() {
        check(
            HashAlgorithm::Bcrypt,
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "U*U",
            "U*U*",
        );
        check(
            HashAlgorithm::Bcrypt,
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK",
            "U*U*",
            "U*U",
        );
        check(
            HashAlgorithm::Bcrypt,
            "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a",
            "U*U*U",
            "U*U*",
        );
    }

    // Django's own test (`test_pbkdf2`, tests/auth_tests/test_hashers.py, Django 1.4-1.6).
    #[test]
    fn django_pbkdf2_reference_vector() {
        check(
            HashAlgorithm::Pbkdf2Sha256,
            "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
            "lètmein",
            "letmein",
        );
    }

    // A Keycloak credential as a realm export writes it (pbkdf2-sha256, 27 500 iterations,
    // Keycloak's 512-bit derived key), made with Python's hashlib as an independent oracle.
    #[test]
    fn keycloak_pbkdf2_credential() {
        let credential = r#"{"type":"password","secretData":"{\"value\":\"qnA427fe69fAjkevcHZvnm7vp3MewnxKL4g2WLfI7U6teQVH1eR2L5DfcV0psPIfjGPtlZbkpnogYX+2TaSl6w==\",\"salt\":\"AAECAwQFBgcICQoLDA0ODw==\",\"additionalParameters\":{}}","credentialData":"{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{}}"}"#;
        check(
            HashAlgorithm::Pbkdf2Sha256,
            credential,
            "correct horse",
            "correct horse battery",
        );
    }

    #[test]
    fn phc_pbkdf2_is_read_too() {
        // The Django vector above in PHC form.
        check(
            HashAlgorithm::Pbkdf2Sha256,
            "$pbkdf2-sha256$i=10000$c2Vhc2FsdA$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY",
            "lètmein",
            "letmein",
        );
    }

    // RFC 7914 section 12, the third vector (N = 1024, r = 8, p = 16), in PHC form.
    #[test]
    fn scrypt_rfc7914_vector() {
        check(
            HashAlgorithm::Scrypt,
            "$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA",
            "password",
            "passw0rd",
        );
    }

    // The example in the README of github.com/firebase/scrypt (the reference implementation).
    #[test]
    fn firebase_scrypt_reference_vector() {
        let encoded = "$firebase-scrypt$rounds=8,mem_cost=14,salt_separator=Bw==,signer_key=jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
        check(
            HashAlgorithm::Scrypt,
            encoded,
            "user1password",
            "user2password",
        );
    }

    // The reference implementation's test.c (phc-winner-argon2), Argon2id, v=19.
    #[test]
    fn argon2id_reference_vector() {
        check(
            HashAlgorithm::Argon2id,
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "password",
            "Password",
        );
    }

    #[test]
    fn malformed_hashes_are_refused_with_a_reason() {
        let cases = [
            (HashAlgorithm::Bcrypt, "not-a-hash", "modular crypt"),
            (
                HashAlgorithm::Bcrypt,
                "$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "cost",
            ),
            (HashAlgorithm::Pbkdf2Sha256, "sha1$1$x$y", "Django"),
            (
                HashAlgorithm::Pbkdf2Sha256,
                "pbkdf2_sha256$0$salt$AAAA",
                "iteration",
            ),
            (
                HashAlgorithm::Pbkdf2Sha256,
                "{\"secretData\":1}",
                "hashIterations",
            ),
            (
                HashAlgorithm::Scrypt,
                "$scrypt$ln=40,r=8,p=1$c2FsdA$AAAA",
                "out of range",
            ),
            (HashAlgorithm::Scrypt, "$bcrypt$", "PHC"),
            (
                HashAlgorithm::Argon2id,
                "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdA$AAAAAAAAAAAAAAAAAAAAAA",
                "highest",
            ),
            (
                HashAlgorithm::Argon2id,
                "$argon2i$v=19$m=8,t=1,p=1$c2FsdA$AAAA",
                "ARGON2ID",
            ),
        ];
        for (algorithm, encoded, expected) in cases {
            let err = LegacyHash::parse(algorithm, encoded).unwrap_err();
            assert!(err.0.contains(expected), "{encoded}: {err}");
        }
    }

    #[test]
    fn debug_output_hides_the_hash() {
        let hash = LegacyHash::parse(
            HashAlgorithm::Pbkdf2Sha256,
            "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
        )
        .unwrap();
        let text = format!("{hash:?}");
        assert!(
            !text.contains("seasalt") && !text.contains("CWWF"),
            "{text}"
        );
    }
}
