//! The byte-level half of WebAuthn (passkeys) as a relying party checks it: the CBOR subset
//! attestation objects and COSE keys are written in, authenticator data, and ES256 and RS256
//! assertion signatures (RS256 is what Windows Hello and some security keys use). The ceremony rules (challenges, origins, relying party, flags, counters) are
//! the domain's.
//!
//! Written here rather than taken from `webauthn-rs`: Cognito's passkeys need attestation
//! "none" and ES256 or RS256 only, the signature check is one call into the aws-lc-rs we already sign
//! with, and `webauthn-rs` keeps its ceremony state in its own serialised types, where
//! Cognate seals its own. The CBOR reader accepts definite lengths only, as CTAP2's
//! canonical encoding requires.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

/// Why a WebAuthn structure was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebAuthnError {
    #[error("malformed CBOR")]
    Cbor,
    #[error("malformed authenticator data")]
    AuthenticatorData,
    #[error("the attestation object has no authenticator data")]
    Attestation,
    #[error("the credential's key is neither an ES256 (P-256) nor an RS256 key")]
    UnsupportedKey,
}

/// A CBOR data item, as far as WebAuthn uses them.
#[derive(Debug, Clone, PartialEq)]
pub enum Cbor {
    Int(i64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Cbor>),
    Map(Vec<(Cbor, Cbor)>),
    Bool(bool),
    Null,
}

impl Cbor {
    /// The value of a map entry by key.
    pub fn get(&self, key: &Cbor) -> Option<&Cbor> {
        match self {
            Cbor::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Decodes one CBOR item; the bytes after it are returned too.
pub fn decode_cbor(bytes: &[u8]) -> Result<(Cbor, &[u8]), WebAuthnError> {
    decode_item(bytes, 0)
}

const MAX_DEPTH: usize = 8;

fn decode_item(bytes: &[u8], depth: usize) -> Result<(Cbor, &[u8]), WebAuthnError> {
    if depth > MAX_DEPTH {
        return Err(WebAuthnError::Cbor);
    }
    let (&first, rest) = bytes.split_first().ok_or(WebAuthnError::Cbor)?;
    let major = first >> 5;
    let (argument, mut rest) = argument(first & 0x1f, rest)?;
    let length = |n: u64| usize::try_from(n).map_err(|_| WebAuthnError::Cbor);
    let item = match major {
        0 => Cbor::Int(i64::try_from(argument).map_err(|_| WebAuthnError::Cbor)?),
        1 => Cbor::Int(-1 - i64::try_from(argument).map_err(|_| WebAuthnError::Cbor)?),
        2 | 3 => {
            let n = length(argument)?;
            if rest.len() < n {
                return Err(WebAuthnError::Cbor);
            }
            let (content, after) = rest.split_at(n);
            rest = after;
            if major == 2 {
                Cbor::Bytes(content.to_vec())
            } else {
                Cbor::Text(String::from_utf8(content.to_vec()).map_err(|_| WebAuthnError::Cbor)?)
            }
        }
        4 => {
            let n = length(argument)?;
            let mut items = Vec::new();
            for _ in 0..n {
                let (item, after) = decode_item(rest, depth + 1)?;
                items.push(item);
                rest = after;
            }
            Cbor::Array(items)
        }
        5 => {
            let n = length(argument)?;
            let mut entries = Vec::new();
            for _ in 0..n {
                let (key, after) = decode_item(rest, depth + 1)?;
                let (value, after) = decode_item(after, depth + 1)?;
                entries.push((key, value));
                rest = after;
            }
            Cbor::Map(entries)
        }
        7 => match first & 0x1f {
            20 => Cbor::Bool(false),
            21 => Cbor::Bool(true),
            22 => Cbor::Null,
            _ => return Err(WebAuthnError::Cbor),
        },
        _ => return Err(WebAuthnError::Cbor),
    };
    Ok((item, rest))
}

/// The argument of an initial byte's low five bits (definite lengths only).
fn argument(info: u8, rest: &[u8]) -> Result<(u64, &[u8]), WebAuthnError> {
    let size = match info {
        0..=23 => return Ok((u64::from(info), rest)),
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        _ => return Err(WebAuthnError::Cbor),
    };
    if rest.len() < size {
        return Err(WebAuthnError::Cbor);
    }
    let (head, rest) = rest.split_at(size);
    let value = head.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    Ok((value, rest))
}

/// The User Present flag.
pub const FLAG_UP: u8 = 0x01;
/// The User Verified flag.
pub const FLAG_UV: u8 = 0x04;
/// Attested credential data is included.
pub const FLAG_AT: u8 = 0x40;

/// Authenticator data (WebAuthn §6.1).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatorData {
    pub rp_id_hash: [u8; 32],
    pub flags: u8,
    pub sign_count: u32,
    /// With FLAG_AT: the new credential's id and its public key (uncompressed P-256 point).
    pub credential: Option<AttestedCredential>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttestedCredential {
    pub aaguid: [u8; 16],
    pub credential_id: Vec<u8>,
    /// ES256: the uncompressed point `0x04 || x || y`, 65 bytes; RS256: the DER
    /// `RSAPublicKey` (RFC 8017), which starts with `0x30`.
    pub public_key: Vec<u8>,
}

impl AuthenticatorData {
    pub fn user_present(&self) -> bool {
        self.flags & FLAG_UP != 0
    }

    pub fn user_verified(&self) -> bool {
        self.flags & FLAG_UV != 0
    }
}

/// Parses authenticator data; with FLAG_AT the credential's COSE key must be ES256 or RS256.
pub fn parse_authenticator_data(bytes: &[u8]) -> Result<AuthenticatorData, WebAuthnError> {
    let bad = || WebAuthnError::AuthenticatorData;
    if bytes.len() < 37 {
        return Err(bad());
    }
    let (head, rest) = bytes.split_at(37);
    let mut rp_id_hash = [0u8; 32];
    rp_id_hash.copy_from_slice(&head[..32]);
    let flags = head[32];
    let sign_count = u32::from_be_bytes([head[33], head[34], head[35], head[36]]);
    let credential = if flags & FLAG_AT != 0 {
        if rest.len() < 18 {
            return Err(bad());
        }
        let (aaguid_bytes, rest) = rest.split_at(16);
        let (len_bytes, rest) = rest.split_at(2);
        let id_len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if rest.len() < id_len {
            return Err(bad());
        }
        let (credential_id, rest) = rest.split_at(id_len);
        let (key, _extensions) = decode_cbor(rest)?;
        let mut aaguid = [0u8; 16];
        aaguid.copy_from_slice(aaguid_bytes);
        Some(AttestedCredential {
            aaguid,
            credential_id: credential_id.to_vec(),
            public_key: cose_public_key(&key)?,
        })
    } else {
        None
    };
    Ok(AuthenticatorData {
        rp_id_hash,
        flags,
        sign_count,
        credential,
    })
}

/// COSE algorithm identifiers (RFC 9053): ES256 and RS256.
pub const COSE_ES256: i64 = -7;
pub const COSE_RS256: i64 = -257;

/// A COSE key as [`AttestedCredential::public_key`] keeps it.
fn cose_public_key(key: &Cbor) -> Result<Vec<u8>, WebAuthnError> {
    match key.get(&Cbor::Int(1)) {
        Some(Cbor::Int(2)) => es256_point(key),
        Some(Cbor::Int(3)) => rs256_key(key),
        _ => Err(WebAuthnError::UnsupportedKey),
    }
}

/// The DER `RSAPublicKey` of a COSE RSA key (kty 3) with alg RS256: n is -1, e is -2.
fn rs256_key(key: &Cbor) -> Result<Vec<u8>, WebAuthnError> {
    let int = |n: i64| key.get(&Cbor::Int(n));
    if int(3) != Some(&Cbor::Int(COSE_RS256)) {
        return Err(WebAuthnError::UnsupportedKey);
    }
    match (int(-1), int(-2)) {
        // At least 2048 bits, as the verifier requires.
        (Some(Cbor::Bytes(n)), Some(Cbor::Bytes(e)))
            if n.len() >= 256 && !e.is_empty() && e.len() <= 8 =>
        {
            Ok(rsa_public_key_der(n, e))
        }
        _ => Err(WebAuthnError::UnsupportedKey),
    }
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` in DER.
pub fn rsa_public_key_der(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    let mut body = der_unsigned_integer(modulus);
    body.extend(der_unsigned_integer(exponent));
    let mut out = vec![0x30];
    out.extend(der_length(body.len()));
    out.extend(body);
    out
}

fn der_unsigned_integer(big_endian: &[u8]) -> Vec<u8> {
    let start = big_endian
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(big_endian.len().saturating_sub(1));
    let digits = &big_endian[start..];
    let mut content = Vec::with_capacity(digits.len() + 1);
    // A set high bit would read as negative: a zero byte keeps the integer positive.
    if digits.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(digits);
    let mut out = vec![0x02];
    out.extend(der_length(content.len()));
    out.extend(content);
    out
}

fn der_length(length: usize) -> Vec<u8> {
    if length < 0x80 {
        return vec![length as u8];
    }
    let bytes = length.to_be_bytes();
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut out = vec![0x80 | (bytes.len() - start) as u8];
    out.extend_from_slice(&bytes[start..]);
    out
}

/// The uncompressed point of a COSE EC2 key with alg ES256 (-7) on P-256 (crv 1).
fn es256_point(key: &Cbor) -> Result<Vec<u8>, WebAuthnError> {
    let int = |n: i64| key.get(&Cbor::Int(n));
    let unsupported = || WebAuthnError::UnsupportedKey;
    if int(1) != Some(&Cbor::Int(2)) || int(3) != Some(&Cbor::Int(COSE_ES256)) {
        return Err(unsupported());
    }
    if int(-1) != Some(&Cbor::Int(1)) {
        return Err(unsupported());
    }
    match (int(-2), int(-3)) {
        (Some(Cbor::Bytes(x)), Some(Cbor::Bytes(y))) if x.len() == 32 && y.len() == 32 => {
            let mut point = Vec::with_capacity(65);
            point.push(0x04);
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            Ok(point)
        }
        _ => Err(unsupported()),
    }
}

/// The attestation object's `fmt` and authenticator data (the statement is not checked:
/// Cognate asks for attestation "none").
pub fn parse_attestation_object(
    bytes: &[u8],
) -> Result<(String, AuthenticatorData), WebAuthnError> {
    let (object, _) = decode_cbor(bytes)?;
    let format = match object.get(&Cbor::Text("fmt".to_owned())) {
        Some(Cbor::Text(format)) => format.clone(),
        _ => return Err(WebAuthnError::Attestation),
    };
    match object.get(&Cbor::Text("authData".to_owned())) {
        Some(Cbor::Bytes(data)) => Ok((format, parse_authenticator_data(data)?)),
        _ => Err(WebAuthnError::Attestation),
    }
}

/// SHA-256, for the relying party id hash and the client data hash.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, bytes).as_ref());
    out
}

/// Whether `signature` is the signature of `authenticator_data || SHA-256(client_data_json)`
/// under `public_key`: ES256 (ASN.1 DER, as authenticators produce it) for a P-256 point,
/// RS256 (PKCS #1 v1.5) for an `RSAPublicKey`.
pub fn verify_assertion(
    public_key: &[u8],
    authenticator_data: &[u8],
    client_data_json: &[u8],
    signature: &[u8],
) -> bool {
    let mut message = Vec::with_capacity(authenticator_data.len() + 32);
    message.extend_from_slice(authenticator_data);
    message.extend_from_slice(&sha256(client_data_json));
    let is_point = public_key.len() == 65 && public_key.first() == Some(&0x04);
    if is_point {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key)
            .verify(&message, signature)
            .is_ok()
    } else {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key)
            .verify(&message, signature)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

    /// RFC 8949 Appendix A examples.
    #[test]
    fn cbor_decodes_rfc8949_examples() {
        let cases: [(&str, Cbor); 9] = [
            ("00", Cbor::Int(0)),
            ("1903e8", Cbor::Int(1000)),
            ("20", Cbor::Int(-1)),
            ("3903e7", Cbor::Int(-1000)),
            ("4401020304", Cbor::Bytes(vec![1, 2, 3, 4])),
            ("6449455446", Cbor::Text("IETF".to_owned())),
            (
                "83010203",
                Cbor::Array(vec![Cbor::Int(1), Cbor::Int(2), Cbor::Int(3)]),
            ),
            (
                "a201020304",
                Cbor::Map(vec![
                    (Cbor::Int(1), Cbor::Int(2)),
                    (Cbor::Int(3), Cbor::Int(4)),
                ]),
            ),
            ("f5", Cbor::Bool(true)),
        ];
        for (hex_text, expected) in cases {
            let bytes = hex::decode(hex_text).unwrap();
            let (item, rest) = decode_cbor(&bytes).unwrap();
            assert_eq!(item, expected, "{hex_text}");
            assert!(rest.is_empty());
        }
        // Indefinite lengths, truncated items and runaway nesting are refused.
        for bad in ["5f", "44010203", "9f", "8181818181818181818181"] {
            assert!(decode_cbor(&hex::decode(bad).unwrap()).is_err(), "{bad}");
        }
    }

    fn cose_key(point: &[u8]) -> Vec<u8> {
        let mut out = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        out.extend_from_slice(&point[1..33]);
        out.extend_from_slice(&[0x22, 0x58, 0x20]);
        out.extend_from_slice(&point[33..65]);
        out
    }

    #[test]
    fn authenticator_data_with_a_credential_round_trips() {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let point = key.public_key().as_ref().to_vec();
        let mut data = sha256(b"example.com").to_vec();
        data.push(FLAG_UP | FLAG_UV | FLAG_AT);
        data.extend_from_slice(&7u32.to_be_bytes());
        data.extend_from_slice(&[0u8; 16]);
        data.extend_from_slice(&3u16.to_be_bytes());
        data.extend_from_slice(&[9, 8, 7]);
        data.extend_from_slice(&cose_key(&point));
        let parsed = parse_authenticator_data(&data).unwrap();
        assert_eq!(parsed.rp_id_hash, sha256(b"example.com"));
        assert!(parsed.user_present() && parsed.user_verified());
        assert_eq!(parsed.sign_count, 7);
        let credential = parsed.credential.unwrap();
        assert_eq!(credential.credential_id, [9, 8, 7]);
        assert_eq!(credential.public_key, point);

        // An EC2 key labelled RS256 (alg -257) is refused.
        let mut mislabelled = data.clone();
        let at = mislabelled.len() - cose_key(&point).len() + 4;
        mislabelled.splice(at..at + 1, [0x39, 0x01, 0x00]);
        assert_eq!(
            parse_authenticator_data(&mislabelled),
            Err(WebAuthnError::UnsupportedKey)
        );

        let client_data = br#"{"type":"webauthn.get"}"#;
        let mut message = data[..37].to_vec();
        message.extend_from_slice(&sha256(client_data));
        let signature = key.sign(&SystemRandom::new(), &message).unwrap();
        assert!(verify_assertion(
            &point,
            &data[..37],
            client_data,
            signature.as_ref()
        ));
        assert!(!verify_assertion(
            &point,
            &data[..37],
            b"{}",
            signature.as_ref()
        ));
    }

    /// The modulus and exponent of a DER `RSAPublicKey` (test helper, trusting its input).
    fn rsa_components(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
        fn read(der: &[u8]) -> (&[u8], &[u8]) {
            let (length, header) = match der[1] {
                l if l < 0x80 => (usize::from(l), 2),
                l => {
                    let n = usize::from(l & 0x7f);
                    let length = der[2..2 + n]
                        .iter()
                        .fold(0usize, |acc, b| acc << 8 | usize::from(*b));
                    (length, 2 + n)
                }
            };
            (&der[header..header + length], &der[header + length..])
        }
        let (sequence, _) = read(der);
        let (n, rest) = read(sequence);
        let (e, _) = read(rest);
        (n.to_vec(), e.to_vec())
    }

    fn cose_rsa_key(n: &[u8], e: &[u8]) -> Vec<u8> {
        // {1: 3, 3: -257, -1: n, -2: e}
        let mut out = vec![0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20, 0x59];
        out.extend_from_slice(&(n.len() as u16).to_be_bytes());
        out.extend_from_slice(n);
        out.push(0x21);
        out.push(0x40 | e.len() as u8);
        out.extend_from_slice(e);
        out
    }

    #[test]
    fn rs256_credentials_register_and_verify() {
        use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
        use aws_lc_rs::signature::RSA_PKCS1_SHA256;
        let key = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let der = key.public_key().as_ref().to_vec();
        let (n, e) = rsa_components(&der);
        // Our encoder gives back exactly the DER aws-lc-rs wrote.
        assert_eq!(rsa_public_key_der(&n, &e), der);
        let unsigned_n = n.strip_prefix(&[0u8][..]).unwrap_or(&n);

        let mut data = sha256(b"example.com").to_vec();
        data.push(FLAG_UP | FLAG_UV | FLAG_AT);
        data.extend_from_slice(&1u32.to_be_bytes());
        data.extend_from_slice(&[0u8; 16]);
        data.extend_from_slice(&2u16.to_be_bytes());
        data.extend_from_slice(&[4, 2]);
        data.extend_from_slice(&cose_rsa_key(unsigned_n, &e));
        let credential = parse_authenticator_data(&data).unwrap().credential.unwrap();
        assert_eq!(credential.public_key, der);

        let client_data = br#"{"type":"webauthn.get"}"#;
        let mut message = data[..37].to_vec();
        message.extend_from_slice(&sha256(client_data));
        let mut signature = vec![0u8; key.public_modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            &message,
            &mut signature,
        )
        .unwrap();
        assert!(verify_assertion(
            &credential.public_key,
            &data[..37],
            client_data,
            &signature
        ));
        assert!(!verify_assertion(
            &credential.public_key,
            &data[..37],
            b"{}",
            &signature
        ));

        // A modulus under 2048 bits is refused at registration.
        let mut short = data[..55 + 2].to_vec();
        short.extend_from_slice(&cose_rsa_key(&unsigned_n[..128], &e));
        assert_eq!(
            parse_authenticator_data(&short),
            Err(WebAuthnError::UnsupportedKey)
        );
    }
}
