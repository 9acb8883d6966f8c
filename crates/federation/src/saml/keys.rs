//! SP key pairs: RSA-2048 with a self-signed certificate whose subject and issuer are
//! `CN=<poolId>`, sha256WithRSAEncryption, valid ten years (reference §1.3). One per SAML
//! provider is its `ActiveEncryptionCertificate`; one per pool signs AuthnRequests and
//! LogoutRequests (GetSigningCertificate).

use cognate_crypto::SecretBytes;
use cognate_domain::Timestamp;
use cognate_domain::external::{ExternalError, SamlKeyPair};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyUsagePurpose, SerialNumber};
use time::OffsetDateTime;

const VALIDITY_DAYS: i64 = 3653;

fn failed(what: &str) -> ExternalError {
    ExternalError::Configuration(format!("SAML key pair: {what}"))
}

pub(crate) fn generate(pool_id: &str, now: Timestamp) -> Result<SamlKeyPair, ExternalError> {
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .map_err(|_| failed("key generation"))?;
    let not_before = OffsetDateTime::from_unix_timestamp(now.secs()).map_err(|_| failed("time"))?;
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, pool_id);
    params.distinguished_name = name;
    params.not_before = not_before;
    params.not_after = not_before + time::Duration::days(VALIDITY_DAYS);
    params.serial_number = Some(random_serial()?);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let certificate = params
        .self_signed(&key)
        .map_err(|_| failed("certificate"))?;
    Ok(SamlKeyPair {
        private_key_pkcs8: SecretBytes::new(key.serialize_der()),
        certificate_der: certificate.der().to_vec(),
    })
}

/// A positive 127-bit serial number from aws-lc's generator.
fn random_serial() -> Result<SerialNumber, ExternalError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| failed("randomness"))?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    Ok(SerialNumber::from_slice(&bytes))
}
