//! The HTTP-Redirect binding (SAML bindings §3.4): a message is DEFLATEd, base64-encoded and
//! put in the query as `SAMLRequest` or `SAMLResponse`; when signed, `SigAlg` and `Signature`
//! follow, the signature (RSA-SHA256) covering `SAMLRequest=…&RelayState=…&SigAlg=…` exactly
//! as the bytes appear in the URL.

use std::io::{Read, Write};

use aws_lc_rs::signature::{self as sig, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_domain::external::{ExternalError, SamlKeyPair};
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use url::form_urlencoded::byte_serialize;
use x509_cert::der::Decode;

pub(crate) const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

fn encode(value: &str) -> String {
    byte_serialize(value.as_bytes()).collect()
}

/// The URL that carries `message` to `destination` under `parameter` (`SAMLRequest` or
/// `SAMLResponse`), signed with `key` when given.
pub(crate) fn redirect_url(
    destination: &str,
    parameter: &str,
    message: &str,
    relay_state: Option<&str>,
    key: Option<&SamlKeyPair>,
) -> Result<String, ExternalError> {
    let target = url::Url::parse(destination)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .ok_or_else(|| ExternalError::Configuration(format!("bad SAML endpoint {destination}")))?;
    let mut deflater = DeflateEncoder::new(Vec::new(), Compression::default());
    deflater
        .write_all(message.as_bytes())
        .map_err(|_| ExternalError::Configuration("deflate".to_owned()))?;
    let deflated = deflater
        .finish()
        .map_err(|_| ExternalError::Configuration("deflate".to_owned()))?;
    let mut query = format!("{parameter}={}", encode(&STANDARD.encode(deflated)));
    if let Some(relay_state) = relay_state {
        query.push_str("&RelayState=");
        query.push_str(&encode(relay_state));
    }
    if let Some(key) = key {
        query.push_str("&SigAlg=");
        query.push_str(&encode(RSA_SHA256));
        let signature = sign_rsa_sha256(key, query.as_bytes())?;
        query.push_str("&Signature=");
        query.push_str(&encode(&STANDARD.encode(signature)));
    }
    let separator = if target.query().is_some() { '&' } else { '?' };
    Ok(format!("{destination}{separator}{query}"))
}

fn sign_rsa_sha256(key: &SamlKeyPair, message: &[u8]) -> Result<Vec<u8>, ExternalError> {
    let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(key.private_key_pkcs8.expose())
        .map_err(|_| ExternalError::Configuration("SAML signing key is not RSA".to_owned()))?;
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        &sig::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        message,
        &mut signature,
    )
    .map_err(|_| ExternalError::Configuration("SAML signing failed".to_owned()))?;
    Ok(signature)
}

/// A message received by the redirect binding (the caller reads `RelayState` itself).
#[derive(Debug)]
pub(crate) struct RedirectMessage {
    pub xml: Vec<u8>,
}

/// Reads `parameter` from a raw query string, inflating it (at most `max_bytes`), and checks
/// its signature against any of `certificates`. An unsigned message is refused.
pub(crate) fn read_redirect(
    query: &str,
    parameter: &str,
    certificates: &[Vec<u8>],
    max_bytes: usize,
) -> Result<RedirectMessage, String> {
    let raw = |name: &str| -> Option<&str> {
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then_some(value)
        })
    };
    let decode = |value: &str| -> Result<String, String> {
        url::form_urlencoded::parse(format!("v={value}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| "bad query encoding".to_owned())
    };
    let message = raw(parameter).ok_or_else(|| format!("no {parameter}"))?;
    let relay_state = raw("RelayState");
    let sig_alg = raw("SigAlg").ok_or("the message is not signed")?;
    let signature = raw("Signature").ok_or("the message is not signed")?;
    if decode(sig_alg)? != RSA_SHA256 {
        return Err("unsupported SigAlg".to_owned());
    }
    let mut signed = format!("{parameter}={message}");
    if let Some(relay_state) = relay_state {
        signed.push_str("&RelayState=");
        signed.push_str(relay_state);
    }
    signed.push_str("&SigAlg=");
    signed.push_str(sig_alg);
    let signature = STANDARD
        .decode(decode(signature)?)
        .map_err(|_| "bad Signature encoding".to_owned())?;
    if !certificates
        .iter()
        .any(|cert| rsa_sha256_valid(cert, signed.as_bytes(), &signature))
    {
        return Err("the signature is invalid".to_owned());
    }
    let deflated = STANDARD
        .decode(decode(message)?)
        .map_err(|_| "bad message encoding".to_owned())?;
    let mut xml = Vec::new();
    DeflateDecoder::new(deflated.as_slice())
        .take(max_bytes as u64 + 1)
        .read_to_end(&mut xml)
        .map_err(|_| "bad DEFLATE data".to_owned())?;
    if xml.len() > max_bytes {
        return Err("the message is too large".to_owned());
    }
    Ok(RedirectMessage { xml })
}

/// Whether `signature` is an RSA-SHA256 signature of `message` by the certificate's key.
pub(crate) fn rsa_sha256_valid(certificate_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(cert) = x509_cert::Certificate::from_der(certificate_der) else {
        return false;
    };
    let key = cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    UnparsedPublicKey::new(&sig::RSA_PKCS1_2048_8192_SHA256, key)
        .verify(message, signature)
        .is_ok()
}
