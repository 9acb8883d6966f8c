//! The SAML service provider against real IdP output (samlify, made by
//! `interop/saml/make-fixtures.cjs` at the manifest's `now`) and against attack variants
//! edited from it; SP messages are read back by samlify when Node and `interop/saml` are
//! installed (required in CI).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::SecretBytes;
use cognate_domain::Timestamp;
use cognate_domain::external::{
    ExternalError, ExternalIdentityProviders, SamlAuthnRequest, SamlBinding, SamlIdpMetadata,
    SamlKeyPair, SamlLogoutCheck, SamlLogoutRequest, SamlLogoutResponseOut, SamlMetadataSource,
    SamlResponseCheck,
};
use cognate_federation::saml::metadata;
use serde_json::Value;
use x509_cert::der::{Decode, Encode};

use crate::stand_in::serve;
use crate::{engine, engine_with};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/saml")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap()
}

fn manifest() -> Value {
    serde_json::from_str(&fixture("manifest.json")).unwrap()
}

fn m(key: &str) -> String {
    manifest()[key].as_str().unwrap().to_owned()
}

/// The fixtures' `now`.
fn now() -> Timestamp {
    let text = m("now");
    let at =
        time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).unwrap();
    Timestamp::from_secs(at.unix_timestamp())
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// The SP's encryption key pair that the fixtures were encrypted for (TEST ONLY).
fn sp_key() -> SamlKeyPair {
    SamlKeyPair {
        private_key_pkcs8: SecretBytes::new(pem_der(&fixture("keys/sp-encryption.key.pem"))),
        certificate_der: pem_der(&fixture("keys/sp-encryption.crt.pem")),
    }
}

fn idp() -> SamlIdpMetadata {
    metadata::parse(&fixture("idp-metadata.xml"), now()).unwrap()
}

fn encoded(name: &str) -> String {
    STANDARD.encode(fixture(name))
}

struct Case {
    response: String,
    expected_in_response_to: Option<String>,
    require_encrypted: bool,
    with_key: bool,
    at: Timestamp,
}

impl Case {
    fn new(name: &str) -> Case {
        Case {
            response: encoded(name),
            expected_in_response_to: Some(m("requestId")),
            require_encrypted: false,
            with_key: true,
            at: now(),
        }
    }

    fn run(&self) -> Result<cognate_domain::external::SamlAssertion, ExternalError> {
        let idp = idp();
        let key = sp_key();
        let check = SamlResponseCheck {
            saml_response: &self.response,
            idp: &idp,
            audience: m("spEntityId"),
            acs_url: m("acsUrl"),
            expected_in_response_to: self.expected_in_response_to.clone(),
            decryption_key: self.with_key.then_some(&key),
            require_encrypted_assertion: self.require_encrypted,
        };
        engine().validate_saml_response(&check, self.at)
    }

    fn refused(&self) -> String {
        self.run().unwrap_err().error_description()
    }
}

fn invalid(reason: &str) -> String {
    format!("Invalid SAML response received: {reason}")
}

const BAD_ASSERTION_SIGNATURE: &str =
    "Invalid SAML response received: SAML Assertion signature is invalid.";
const BAD_RESPONSE_SIGNATURE: &str =
    "Invalid SAML response received: SAML Response signature is invalid.";

#[test]
fn metadata_gives_entity_id_certificates_and_redirect_endpoints() {
    let idp = idp();
    assert_eq!(idp.entity_id, m("idpEntityId"));
    assert_eq!(
        idp.signing_certificates,
        vec![pem_der(&fixture("keys/idp-signing.crt.pem"))]
    );
    assert_eq!(
        idp.sso_redirect_url.as_deref(),
        Some("https://idp.example.com/saml/sso")
    );
    assert_eq!(
        idp.sso_post_url.as_deref(),
        Some("https://idp.example.com/saml/sso-post")
    );
    assert_eq!(
        idp.slo_redirect_url.as_deref(),
        Some("https://idp.example.com/saml/slo")
    );
    assert!(idp.want_authn_requests_signed);

    // Several signing certificates (rollover): both are kept.
    let other = fixture("keys/other-idp.crt.pem");
    let other_b64: String = other.lines().filter(|l| !l.starts_with("-----")).collect();
    let doubled = fixture("idp-metadata.xml").replacen(
        "</KeyDescriptor>",
        &format!(
            "</KeyDescriptor><KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>{other_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"
        ),
        1,
    );
    assert_eq!(
        metadata::parse(&doubled, now())
            .unwrap()
            .signing_certificates
            .len(),
        2
    );

    // Certificates that expired are dropped; with none left the metadata is refused.
    let far_future = Timestamp::from_secs(4_000_000_000);
    let error = metadata::parse(&fixture("idp-metadata.xml"), far_future).unwrap_err();
    assert_eq!(
        error.error_description(),
        "Invalid SAML metadata: the signing certificate has expired"
    );
    for (text, expected) in [
        ("<x/>", "Invalid SAML metadata: not SAML metadata"),
        (
            "<!DOCTYPE x><x/>",
            "Invalid SAML metadata: DOCTYPE and entity declarations are not allowed",
        ),
        (
            "not xml",
            "Invalid SAML metadata: the message is not well-formed XML",
        ),
    ] {
        assert_eq!(
            metadata::parse(text, now())
                .unwrap_err()
                .error_description(),
            expected
        );
    }
}

#[tokio::test]
async fn metadata_by_url_is_fetched_cached_and_refreshed() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let document = fixture("idp-metadata.xml");
    let router = axum::Router::new().route(
        "/metadata",
        axum::routing::get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let body = document.clone();
            async move { body }
        }),
    );
    let base = serve(router).await;
    let engine = engine();
    let url = format!("{base}/metadata");
    let source = SamlMetadataSource::Url {
        url: url.clone(),
        refresh: false,
    };
    assert_eq!(
        engine
            .saml_metadata(&source, now())
            .await
            .unwrap()
            .entity_id,
        m("idpEntityId")
    );
    engine
        .saml_metadata(&source, now().plus_secs(3600))
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1, "cached");
    engine
        .saml_metadata(&source, now().plus_secs(6 * 3600))
        .await
        .unwrap();
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "six hours later it is fetched again"
    );
    let refresh = SamlMetadataSource::Url {
        url: url.clone(),
        refresh: true,
    };
    engine
        .saml_metadata(&refresh, now().plus_secs(6 * 3600))
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 3, "Create/Update refresh it");

    let missing = SamlMetadataSource::Url {
        url: format!("{base}/missing"),
        refresh: false,
    };
    assert_eq!(
        engine
            .saml_metadata(&missing, now())
            .await
            .unwrap_err()
            .error_description(),
        format!("Error retrieving metadata from {base}/missing")
    );
    let production = engine_with(|c| c.dev_mode = false);
    assert_eq!(
        production
            .saml_metadata(&source, now())
            .await
            .unwrap_err()
            .error_description(),
        format!("Error retrieving metadata from {url}")
    );
}

#[test]
fn signed_responses_from_a_real_idp_are_accepted() {
    for name in [
        "signed-assertion.xml",
        "signed-response.xml",
        "signed-both.xml",
        "encrypted-aes256cbc-oaep.xml",
        "encrypted-aes128cbc-oaep.xml",
        "encrypted-aes128gcm-rsa15.xml",
        "encrypted-aes256gcm-oaep.xml",
        "encrypted-then-signed-response.xml",
    ] {
        let assertion = Case::new(name)
            .run()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(assertion.name_id, m("nameId"), "{name}");
        assert_eq!(
            assertion.name_id_format.as_deref(),
            Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        );
        assert_eq!(assertion.issuer, m("idpEntityId"));
        assert_eq!(assertion.session_index.as_deref(), Some("_session-0001"));
        assert!(assertion.assertion_id.starts_with("_assertion-"), "{name}");
        assert_eq!(assertion.in_response_to, Some(m("requestId")));
        assert_eq!(assertion.issue_instant, now());
        // The replay marker lasts until the earliest NotOnOrAfter (the bearer data's).
        assert_eq!(assertion.not_on_or_after, now().plus_secs(300), "{name}");
        assert_eq!(assertion.attributes["groups"], vec!["admins", "dev & ops"]);
        assert_eq!(assertion.attributes["given_name"], vec!["Alice"]);
        assert_eq!(
            assertion.attributes["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"],
            vec![m("nameId")]
        );
    }
}

#[test]
fn unsolicited_responses_are_idp_initiated_only() {
    let mut case = Case::new("unsolicited.xml");
    case.expected_in_response_to = None;
    assert_eq!(case.run().unwrap().in_response_to, None);
    // Issued more than six minutes ago.
    case.at = now().plus_secs(6 * 60 + 30);
    assert_eq!(
        case.refused(),
        invalid("The unsolicited assertion is too old.")
    );
    // Where a request was sent, the answer must say so.
    let case = Case::new("unsolicited.xml");
    assert_eq!(case.refused(), invalid("InResponseTo is missing."));
    // samlify's stock template writes `InResponseTo=""` when unsolicited: that is absent.
    let mut stock = Case::new("idp-initiated-default-template.xml");
    stock.expected_in_response_to = None;
    let assertion = stock.run().unwrap();
    assert_eq!(assertion.name_id, m("nameId"));
    assert_eq!(assertion.session_index, None);
    assert!(assertion.attributes.is_empty());
    // A solicited response cannot be replayed as an unsolicited one.
    let mut case = Case::new("signed-assertion.xml");
    case.expected_in_response_to = None;
    assert_eq!(
        case.refused(),
        "Invalid samlResponse or relayState from identity provider"
    );
}

#[test]
fn attacks_are_refused_with_cognitos_texts() {
    let cases: Vec<(&str, String)> = vec![
        ("unsigned-assertion.xml", BAD_ASSERTION_SIGNATURE.to_owned()),
        ("other-key.xml", BAD_ASSERTION_SIGNATURE.to_owned()),
        (
            "self-signed-keyinfo.xml",
            BAD_ASSERTION_SIGNATURE.to_owned(),
        ),
        ("tampered-nameid.xml", BAD_ASSERTION_SIGNATURE.to_owned()),
        ("rsa-sha1.xml", BAD_ASSERTION_SIGNATURE.to_owned()),
        (
            "xsw-two-assertions.xml",
            invalid("The SAML response must contain exactly one assertion."),
        ),
        (
            "xsw-wrapped-response.xml",
            invalid("The SAML response must contain exactly one assertion."),
        ),
        (
            "xsw-moved-assertion.xml",
            invalid("duplicate ID attributes"),
        ),
        ("duplicate-ids.xml", invalid("duplicate ID attributes")),
        (
            "comment-in-nameid.xml",
            invalid("comments and processing instructions are not allowed"),
        ),
        (
            "doctype.xml",
            invalid("DOCTYPE and entity declarations are not allowed"),
        ),
        (
            "wrong-audience.xml",
            invalid("Audience does not match the service provider."),
        ),
        (
            "wrong-recipient.xml",
            invalid("Recipient does not match the ACS URL."),
        ),
        (
            "wrong-destination.xml",
            invalid("Destination does not match the ACS URL."),
        ),
        (
            "wrong-issuer.xml",
            invalid("Issuer does not match the identity provider."),
        ),
        (
            "failed-status.xml",
            invalid("The SAML response status is not Success."),
        ),
        (
            "idp-metadata.xml",
            invalid("The message is not a SAML Response."),
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(Case::new(name).refused(), expected, "{name}");
    }
}

#[test]
fn the_response_signature_is_checked_too() {
    // A signed Response whose content changed after signing.
    let tampered = fixture("signed-response.xml").replace(
        "alice@example.com</saml:NameID>",
        "mallory@example.com</saml:NameID>",
    );
    let mut case = Case::new("signed-response.xml");
    case.response = STANDARD.encode(tampered);
    assert_eq!(case.refused(), BAD_RESPONSE_SIGNATURE);
    // A valid assertion signature does not excuse a broken Response signature.
    let both = fixture("signed-both.xml");
    let broken = both.replacen("<ds:DigestValue>", "<ds:DigestValue>AAAA", 1);
    case.response = STANDARD.encode(broken);
    assert_eq!(case.refused(), BAD_RESPONSE_SIGNATURE);
}

#[test]
fn time_window_and_in_response_to_are_enforced() {
    let mut case = Case::new("signed-assertion.xml");
    // The bearer data says 12:05; two minutes of skew are allowed.
    case.at = now().plus_secs(5 * 60 + 119);
    case.run().unwrap();
    case.at = now().plus_secs(5 * 60 + 120);
    assert_eq!(case.refused(), invalid("The assertion has expired."));
    case.at = now().plus_secs(-121);
    assert_eq!(case.refused(), invalid("The assertion is not yet valid."));
    let mut case = Case::new("signed-assertion.xml");
    case.expected_in_response_to = Some("_another-request".to_owned());
    assert_eq!(
        case.refused(),
        invalid("InResponseTo does not match the request.")
    );
}

#[test]
fn encryption_rules() {
    let mut plain = Case::new("signed-assertion.xml");
    plain.require_encrypted = true;
    assert_eq!(plain.refused(), invalid("The assertion must be encrypted."));
    let mut no_key = Case::new("encrypted-aes256cbc-oaep.xml");
    no_key.with_key = false;
    assert_eq!(
        no_key.refused(),
        invalid("The assertion is encrypted but no encryption key is configured.")
    );
    // Another provider's key: one opaque answer, whatever failed inside.
    let engine = engine();
    let wrong_key = engine
        .generate_saml_key_pair("us-east-1_Other", now())
        .unwrap();
    let idp = idp();
    let response = encoded("encrypted-aes256cbc-oaep.xml");
    let check = SamlResponseCheck {
        saml_response: &response,
        idp: &idp,
        audience: m("spEntityId"),
        acs_url: m("acsUrl"),
        expected_in_response_to: Some(m("requestId")),
        decryption_key: Some(&wrong_key),
        require_encrypted_assertion: true,
    };
    assert_eq!(
        engine
            .validate_saml_response(&check, now())
            .unwrap_err()
            .error_description(),
        BAD_ASSERTION_SIGNATURE
    );
    // A tampered ciphertext (CBC padding-oracle probing) gets the same answer.
    let xml = fixture("encrypted-aes256cbc-oaep.xml");
    let start = xml.rfind("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
    let mut bytes = xml.into_bytes();
    bytes[start + 30] = if bytes[start + 30] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let mut tampered = Case::new("encrypted-aes256cbc-oaep.xml");
    tampered.response = STANDARD.encode(bytes);
    assert_eq!(tampered.refused(), BAD_ASSERTION_SIGNATURE);
}

#[test]
fn malformed_input_is_refused_before_parsing() {
    let mut case = Case::new("signed-assertion.xml");
    case.response = "%%% not base64".to_owned();
    assert_eq!(
        case.refused(),
        invalid("The SAML response is not base64 encoded.")
    );
    case.response = STANDARD.encode(vec![b'<'; 150_000]);
    assert_eq!(case.refused(), invalid("the message is too large"));
    case.response = STANDARD.encode("<samlp:Response");
    assert_eq!(
        case.refused(),
        invalid("the message is not well-formed XML")
    );
    // Base64 broken over lines, as some IdPs post it, is fine.
    let wrapped: String = encoded("signed-assertion.xml")
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    case.response = wrapped;
    case.run().unwrap();
}

#[test]
fn a_signature_in_an_unexpected_place_is_refused() {
    let xml = fixture("signed-assertion.xml");
    let signature_start = xml.find("<ds:Signature").unwrap();
    let signature_end = xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &xml[signature_start..signature_end];
    let moved = xml
        .replace(signature, "")
        .replace("</saml:Subject>", &format!("{signature}</saml:Subject>"));
    let mut case = Case::new("signed-assertion.xml");
    case.response = STANDARD.encode(moved);
    assert_eq!(
        case.refused(),
        invalid("a Signature outside the Response or Assertion")
    );
}

#[test]
fn sp_key_pairs_are_cognitos_certificates() {
    let engine = engine();
    let pair = engine
        .generate_saml_key_pair("us-east-1_Pool", now())
        .unwrap();
    let cert = x509_cert::Certificate::from_der(&pair.certificate_der).unwrap();
    let tbs = &cert.tbs_certificate;
    assert_eq!(tbs.subject.to_string(), "CN=us-east-1_Pool");
    assert_eq!(tbs.issuer, tbs.subject);
    assert_eq!(
        tbs.validity.not_before.to_unix_duration().as_secs() as i64,
        now().secs()
    );
    let years = (tbs.validity.not_after.to_unix_duration()
        - tbs.validity.not_before.to_unix_duration())
    .as_secs()
        / 86_400;
    assert_eq!(years, 3653, "ten years");
    assert_eq!(
        cert.signature_algorithm.oid.to_string(),
        "1.2.840.113549.1.1.11",
        "sha256WithRSAEncryption"
    );
    let spki = tbs.subject_public_key_info.to_der().unwrap();
    assert!(spki.len() > 290 && spki.len() < 300, "RSA-2048");
    assert!(!pair.certificate_base64().contains("BEGIN"));
    assert_ne!(
        pair.certificate_der,
        engine
            .generate_saml_key_pair("us-east-1_Pool", now())
            .unwrap()
            .certificate_der
    );
}

fn inflate(url: &str, parameter: &str) -> String {
    let query: std::collections::HashMap<String, String> = url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let deflated = STANDARD.decode(&query[parameter]).unwrap();
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// samlify reads an SP message; `None` when Node or `interop/saml` is missing (outside CI).
fn samlify_reads(kind: &str, url: &str, pair: &SamlKeyPair) -> Option<Value> {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/saml/check-sp-message.cjs");
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/saml/node_modules/samlify")
        .exists();
    let node = Command::new("node").arg("--version").output().is_ok();
    if !(installed && node) {
        assert!(
            std::env::var("COGNATE_REQUIRE_INTEROP").is_ok_and(|v| v != "1")
                || std::env::var("COGNATE_REQUIRE_INTEROP").is_err(),
            "COGNATE_REQUIRE_INTEROP=1 but node or interop/saml/node_modules is missing (npm ci --prefix interop/saml)"
        );
        return None;
    }
    let input = serde_json::json!({
        "kind": kind,
        "url": url,
        "spCertificate": pair.certificate_base64(),
        "spEntityId": m("spEntityId"),
        "acsUrl": m("acsUrl"),
        "sloUrl": m("sloUrl"),
    });
    let mut child = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

#[test]
fn authn_requests_go_by_redirect_and_samlify_accepts_their_signature() {
    let engine = engine();
    let pair = engine.generate_saml_key_pair(&m("poolId"), now()).unwrap();
    let request = SamlAuthnRequest {
        id: "_cognate-request-1".to_owned(),
        issue_instant: now(),
        sp_entity_id: m("spEntityId"),
        acs_url: m("acsUrl"),
        destination: "https://idp.example.com/saml/sso".to_owned(),
        relay_state: "sealed relay/state+=".to_owned(),
        signing_key: Some(&pair),
    };
    let url = engine.saml_authn_request_url(&request).unwrap();
    let xml = inflate(&url, "SAMLRequest");
    for expected in [
        r#"ID="_cognate-request-1""#,
        r#"IssueInstant="2026-12-01T12:00:00Z""#,
        r#"Destination="https://idp.example.com/saml/sso""#,
        r#"AssertionConsumerServiceURL="https://fixture.auth.example.com/saml2/idpresponse""#,
        r#"ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST""#,
        "<saml:Issuer>urn:amazon:cognito:sp:us-east-1_Fixture</saml:Issuer>",
        r#"<samlp:NameIDPolicy AllowCreate="true"/>"#,
    ] {
        assert!(xml.contains(expected), "{expected} in {xml}");
    }
    let query: std::collections::HashMap<String, String> = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(query["RelayState"], "sealed relay/state+=");
    assert_eq!(
        query["SigAlg"],
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    );

    if let Some(read) = samlify_reads("authn", &url, &pair) {
        assert_eq!(read["ok"], true, "{read}");
        assert_eq!(
            read["sigAlg"],
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        );
        assert_eq!(read["extract"]["request"]["id"], "_cognate-request-1");
        assert_eq!(read["extract"]["issuer"], m("spEntityId"));
        // The same URL with another RelayState no longer verifies.
        let forged = url.replace("RelayState=sealed", "RelayState=forged");
        let read = samlify_reads("authn", &forged, &pair).unwrap();
        assert_eq!(read["ok"], false, "{read}");
    }

    // Unsigned when the provider does not ask for signing.
    let unsigned = engine
        .saml_authn_request_url(&SamlAuthnRequest {
            signing_key: None,
            ..request.clone()
        })
        .unwrap();
    assert!(!unsigned.contains("Signature="));
    // Ids that are not NCNames are refused.
    let error = engine
        .saml_authn_request_url(&SamlAuthnRequest {
            id: "1bad".to_owned(),
            ..request
        })
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "SAML request ids must start with a letter or '_'"
    );
}

fn logout_check<'a>(
    binding: SamlBinding<'a>,
    idp: &'a SamlIdpMetadata,
    expected: Option<&str>,
) -> SamlLogoutCheck<'a> {
    SamlLogoutCheck {
        binding,
        idp,
        destination: m("sloUrl"),
        expected_in_response_to: expected.map(str::to_owned),
    }
}

#[test]
fn logout_responses_from_the_idp_are_checked() {
    let engine = engine();
    let idp = idp();
    let posted = encoded("logout-response-post.xml");
    let response = engine
        .validate_saml_logout_response(
            &logout_check(
                SamlBinding::Post { message: &posted },
                &idp,
                Some(&m("logoutRequestId")),
            ),
            now(),
        )
        .unwrap();
    assert!(response.success);
    assert_eq!(response.in_response_to, m("logoutRequestId"));

    let query = fixture("logout-response-redirect.txt");
    let response = engine
        .validate_saml_logout_response(
            &logout_check(
                SamlBinding::Redirect { query: &query },
                &idp,
                Some(&m("logoutRequestId")),
            ),
            now(),
        )
        .unwrap();
    assert!(response.success);

    let refusals: Vec<(SamlLogoutCheck<'_>, &str)> = vec![
        (
            logout_check(SamlBinding::Post { message: &posted }, &idp, Some("_other")),
            "Invalid SAML logout message: InResponseTo does not match the request",
        ),
        (
            logout_check(
                SamlBinding::Redirect { query: &query },
                &idp,
                Some("_other"),
            ),
            "Invalid SAML logout message: InResponseTo does not match the request",
        ),
    ];
    for (check, expected) in refusals {
        assert_eq!(
            engine
                .validate_saml_logout_response(&check, now())
                .unwrap_err()
                .error_description(),
            expected
        );
    }
    let forged_query = query.replace("RelayState=relay-logout", "RelayState=elsewhere");
    let error = engine
        .validate_saml_logout_response(
            &logout_check(
                SamlBinding::Redirect {
                    query: &forged_query,
                },
                &idp,
                Some(&m("logoutRequestId")),
            ),
            now(),
        )
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "Invalid SAML logout message: the signature is invalid"
    );
    let unsigned = STANDARD.encode(
        fixture("logout-response-post.xml").replace(
            &fixture("logout-response-post.xml")[fixture("logout-response-post.xml")
                .find("<ds:Signature")
                .unwrap()
                ..fixture("logout-response-post.xml")
                    .find("</ds:Signature>")
                    .unwrap()
                    + 15],
            "",
        ),
    );
    let error = engine
        .validate_saml_logout_response(
            &logout_check(
                SamlBinding::Post { message: &unsigned },
                &idp,
                Some(&m("logoutRequestId")),
            ),
            now(),
        )
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "Invalid SAML logout message: the signature is invalid"
    );
    let error = engine
        .validate_saml_logout_response(
            &logout_check(
                SamlBinding::Post { message: &posted },
                &idp,
                Some(&m("logoutRequestId")),
            ),
            now().plus_secs(3600),
        )
        .unwrap_err();
    assert_eq!(
        error.error_description(),
        "Invalid SAML logout message: the message is too old"
    );
}

#[test]
fn idp_initiated_logout_requests_are_read_and_answered() {
    let engine = engine();
    let idp = idp();
    let posted = encoded("logout-request-post.xml");
    let query = fixture("logout-request-redirect.txt");
    for binding in [
        SamlBinding::Post { message: &posted },
        SamlBinding::Redirect { query: &query },
    ] {
        let request = engine
            .validate_saml_logout_request(&logout_check(binding, &idp, None), now())
            .unwrap();
        assert_eq!(request.name_id, m("nameId"));
        assert_eq!(request.issuer, m("idpEntityId"));
        assert_eq!(request.session_indexes, vec!["_session-0001"]);
    }
    let pair = engine.generate_saml_key_pair(&m("poolId"), now()).unwrap();
    let answer = engine
        .saml_logout_response_url(&SamlLogoutResponseOut {
            id: "_cognate-logout-response".to_owned(),
            issue_instant: now(),
            sp_entity_id: m("spEntityId"),
            destination: "https://idp.example.com/saml/slo".to_owned(),
            in_response_to: "_idp-logout".to_owned(),
            success: true,
            relay_state: Some("relay-idp".to_owned()),
            signing_key: &pair,
        })
        .unwrap();
    let xml = inflate(&answer, "SAMLResponse");
    assert!(xml.contains(r#"InResponseTo="_idp-logout""#));
    assert!(xml.contains("urn:oasis:names:tc:SAML:2.0:status:Success"));
    if let Some(read) = samlify_reads("logout-response", &answer, &pair) {
        assert_eq!(read["ok"], true, "{read}");
    }
}

#[test]
fn logout_requests_are_always_signed_and_samlify_accepts_them() {
    let engine = engine();
    let pair = engine.generate_saml_key_pair(&m("poolId"), now()).unwrap();
    let url = engine
        .saml_logout_request_url(&SamlLogoutRequest {
            id: "_cognate-logout-1".to_owned(),
            issue_instant: now(),
            sp_entity_id: m("spEntityId"),
            destination: "https://idp.example.com/saml/slo".to_owned(),
            name_id: m("nameId"),
            name_id_format: Some(
                "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".to_owned(),
            ),
            session_index: Some("_session-0001".to_owned()),
            relay_state: "logout-state".to_owned(),
            signing_key: &pair,
        })
        .unwrap();
    assert!(url.contains("&Signature="));
    let xml = inflate(&url, "SAMLRequest");
    assert!(xml.contains("<samlp:SessionIndex>_session-0001</samlp:SessionIndex>"));
    assert!(xml.contains(">alice@example.com</saml:NameID>"));
    if let Some(read) = samlify_reads("logout-request", &url, &pair) {
        assert_eq!(read["ok"], true, "{read}");
        assert_eq!(read["extract"]["nameID"], m("nameId"));
        assert_eq!(read["extract"]["request"]["id"], "_cognate-logout-1");
    }
}
