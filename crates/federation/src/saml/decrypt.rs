//! `EncryptedAssertion` decryption (reference §5 item 6) by `bergshamra`'s XML-Enc, inside a
//! narrow profile checked first: key transport RSA-OAEP (MGF1-SHA1, or xmlenc11 RSA-OAEP) or
//! RSA1_5 with the provider's private key; content AES-128/192/256 in CBC or GCM mode; the
//! encrypted key inside the `EncryptedAssertion`; no `CipherReference` (nothing is fetched),
//! no derived or agreed keys.
//!
//! Every failure from here to the assertion's signature check is reported with one text, so
//! the endpoint cannot serve as a padding or parsing oracle for CBC ciphertexts
//! (Jager and Somorovsky, "How to Break XML Encryption", 2011); the detail goes to the log.

use bergshamra_enc::context::EncContext;
use bergshamra_keys::KeysManager;
use cognate_domain::external::SamlKeyPair;
use uppsala::{Document, NodeId};
use zeroize::Zeroizing;

use super::xml::{self, NS_XENC};

const KEY_TRANSPORT: &[&str] = &[
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
    "http://www.w3.org/2009/xmlenc11#rsa-oaep",
    "http://www.w3.org/2001/04/xmlenc#rsa-1_5",
];
const CONTENT: &[&str] = &[
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2009/xmlenc11#aes192-gcm",
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
];
const NS_XENC11: &str = "http://www.w3.org/2009/xmlenc11#";

/// Checks that the `EncryptedAssertion` stays within the profile and that no encrypted data
/// lives anywhere else in the document (the library decrypts the first `EncryptedData`).
pub(crate) fn check_profile(doc: &Document<'_>, encrypted_assertion: NodeId) -> Result<(), String> {
    let all_data = xml::descendants_named(doc, doc.root(), NS_XENC, "EncryptedData");
    let inside: Vec<NodeId> =
        xml::children_named(doc, encrypted_assertion, NS_XENC, "EncryptedData");
    if inside.len() != 1 || all_data.len() != 1 {
        return Err("exactly one EncryptedData inside the EncryptedAssertion".to_owned());
    }
    let data = inside[0];
    if xml::attr(doc, data, "Type").is_some_and(|t| t != "http://www.w3.org/2001/04/xmlenc#Element")
    {
        return Err("EncryptedData must encrypt an element".to_owned());
    }
    let method = xml::single_child(doc, data, NS_XENC, "EncryptionMethod")?
        .and_then(|m| xml::attr(doc, m, "Algorithm"));
    if !method.is_some_and(|m| CONTENT.contains(&m)) {
        return Err("unsupported content encryption".to_owned());
    }
    let keys = xml::descendants_named(doc, encrypted_assertion, NS_XENC, "EncryptedKey");
    if keys.is_empty()
        || xml::descendants_named(doc, doc.root(), NS_XENC, "EncryptedKey").len() != keys.len()
    {
        return Err("the encrypted key must be inside the EncryptedAssertion".to_owned());
    }
    for key in keys {
        let method = xml::single_child(doc, key, NS_XENC, "EncryptionMethod")?
            .and_then(|m| xml::attr(doc, m, "Algorithm"));
        if !method.is_some_and(|m| KEY_TRANSPORT.contains(&m)) {
            return Err("unsupported key transport".to_owned());
        }
    }
    for (ns, local) in [
        (NS_XENC, "CipherReference"),
        (NS_XENC11, "DerivedKey"),
        (NS_XENC, "AgreementMethod"),
    ] {
        if !xml::descendants_named(doc, doc.root(), ns, local).is_empty() {
            return Err(format!("{local} is not allowed"));
        }
    }
    Ok(())
}

/// Decrypts the document's one `EncryptedData` in place with the provider's key.
pub(crate) fn decrypt_in_place(source: &str, key: &SamlKeyPair) -> Result<String, String> {
    let pem = Zeroizing::new(pkcs8_pem(key.private_key_pkcs8.expose()));
    let private = bergshamra_keys::loader::load_rsa_private_pem(pem.as_bytes())
        .map_err(|e| format!("decryption key: {e}"))?;
    let mut keys = KeysManager::new();
    keys.add_key(private);
    let context = EncContext::new(keys)
        .with_disable_cipher_reference(true)
        .with_max_pbkdf2_iterations(0);
    bergshamra_enc::decrypt::decrypt(&context, source).map_err(|e| format!("decryption: {e}"))
}

fn pkcs8_pem(der: &[u8]) -> String {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}
