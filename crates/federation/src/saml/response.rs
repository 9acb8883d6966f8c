//! Validation of a SAML `Response` at the ACS (`/saml2/idpresponse`), and of the same
//! response presented as an identity-pool login: reference §5 "Safe XML-signature
//! verification" items 1-7 and §2.5.
//!
//! 1. Base64, size cap, UTF-8, no DTD, well-formed; no comments or processing instructions.
//! 2. Structure: the root is one `samlp:Response`; exactly one `Assertion` or
//!    `EncryptedAssertion` in the whole document, as the root's direct child.
//! 3. Signatures ([`super::signature`]): a present signature that fails refuses the message;
//!    the Response or the Assertion must be validly signed by a metadata certificate.
//! 4. Decryption ([`super::decrypt`]) before the assertion's own signature is checked; a
//!    signed Response covers the ciphertext.
//! 5. Semantics, read only from the verified assertion (Response attributes are only used
//!    to refuse): status Success; Issuer = the IdP's entity id; Destination (when present)
//!    and bearer `Recipient` = the ACS URL; `InResponseTo` on Response and
//!    SubjectConfirmationData = the request id (absent when unsolicited); `NotBefore` /
//!    `NotOnOrAfter` of Conditions and SubjectConfirmationData with the configured skew;
//!    `Audience` = the SP entity id; an unsolicited assertion issued within six minutes.
//!
//! The assertion id and its earliest `NotOnOrAfter` are returned for the caller's replay
//! marker.

use std::collections::BTreeMap;

use base64::Engine;
use cognate_domain::Timestamp;
use cognate_domain::external::{ExternalError, SamlAssertion, SamlResponseCheck, SamlSignedPart};
use uppsala::{Document, NodeId};

use super::xml::{self, CM_BEARER, NS_ASSERTION, NS_PROTOCOL, STATUS_SUCCESS};
use super::{decrypt, signature};
use crate::FederationConfig;

/// Cognito's texts (after `Invalid SAML response received: `) for each refusal; the
/// signature failures have their own variant.
pub(crate) mod reason {
    pub const NOT_BASE64: &str = "The SAML response is not base64 encoded.";
    pub const NOT_RESPONSE: &str = "The message is not a SAML Response.";
    pub const ASSERTION_COUNT: &str = "The SAML response must contain exactly one assertion.";
    pub const STATUS: &str = "The SAML response status is not Success.";
    pub const ISSUER: &str = "Issuer does not match the identity provider.";
    pub const DESTINATION: &str = "Destination does not match the ACS URL.";
    pub const RECIPIENT: &str = "Recipient does not match the ACS URL.";
    pub const IN_RESPONSE_TO_MISSING: &str = "InResponseTo is missing.";
    pub const IN_RESPONSE_TO: &str = "InResponseTo does not match the request.";
    pub const NO_BEARER: &str = "The assertion has no bearer SubjectConfirmation.";
    pub const NAME_ID: &str = "The assertion has no NameID.";
    pub const AUDIENCE: &str = "Audience does not match the service provider.";
    pub const EXPIRED: &str = "The assertion has expired.";
    pub const NOT_YET_VALID: &str = "The assertion is not yet valid.";
    pub const TOO_OLD: &str = "The unsolicited assertion is too old.";
    pub const MUST_ENCRYPT: &str = "The assertion must be encrypted.";
    pub const NO_DECRYPTION_KEY: &str =
        "The assertion is encrypted but no encryption key is configured.";
    pub const MALFORMED: &str = "The assertion is malformed.";
}

/// The bounds of a validation, from the node's configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_bytes: usize,
    pub skew_ms: i64,
    pub unsolicited_max_age_ms: i64,
}

impl From<&FederationConfig> for Limits {
    fn from(config: &FederationConfig) -> Self {
        Limits {
            max_bytes: config.max_saml_bytes,
            skew_ms: millis(config.clock_skew),
            unsolicited_max_age_ms: millis(config.unsolicited_max_age),
        }
    }
}

fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn refuse(reason: &str) -> ExternalError {
    ExternalError::SamlInvalid(reason.to_owned())
}

/// Base64 as posted (line breaks and spaces allowed), within the size cap.
pub(crate) fn decode_base64(value: &str, max_bytes: usize) -> Result<Vec<u8>, ExternalError> {
    // Base64 grows data by 4/3; anything much longer cannot decode within the cap.
    if value.len() > max_bytes / 3 * 4 + 4096 {
        return Err(refuse(xml::XmlProblem::TooLarge.describe()));
    }
    let compact: Vec<u8> = value.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| refuse(reason::NOT_BASE64))
}

pub(crate) fn validate(
    check: &SamlResponseCheck<'_>,
    limits: &Limits,
    now: Timestamp,
) -> Result<SamlAssertion, ExternalError> {
    let bytes = decode_base64(check.saml_response, limits.max_bytes)?;
    let text = xml::precheck(&bytes, limits.max_bytes).map_err(|p| refuse(p.describe()))?;
    let doc = xml::parse(text).map_err(|p| refuse(p.describe()))?;
    let root = response_root(&doc)?;
    let carrier = single_assertion(&doc, root)?;
    let encrypted = xml::is(&doc, carrier, NS_ASSERTION, "EncryptedAssertion");
    let certificates = &check.idp.signing_certificates;

    let parents: Vec<NodeId> = if encrypted {
        vec![root]
    } else {
        vec![root, carrier]
    };
    let signatures =
        signature::verify(&doc, text, &parents, certificates).map_err(|e| refuse(&e.0))?;
    if signatures.invalid.contains(&root) {
        return Err(ExternalError::SamlSignature(SamlSignedPart::Response));
    }
    if signatures.invalid.contains(&carrier) {
        return Err(ExternalError::SamlSignature(SamlSignedPart::Assertion));
    }
    let response_signed = signatures.valid.contains(&root);

    if !encrypted {
        if check.require_encrypted_assertion {
            return Err(refuse(reason::MUST_ENCRYPT));
        }
        if !response_signed && !signatures.valid.contains(&carrier) {
            return Err(ExternalError::SamlSignature(SamlSignedPart::Assertion));
        }
        return read_assertion(&doc, root, carrier, check, limits, now);
    }

    let key = check
        .decryption_key
        .ok_or_else(|| refuse(reason::NO_DECRYPTION_KEY))?;
    decrypt::check_profile(&doc, carrier).map_err(|e| opaque_decryption_failure(&e))?;
    let plain = decrypt::decrypt_in_place(text, key).map_err(|e| opaque_decryption_failure(&e))?;
    let plain_text = xml::precheck(plain.as_bytes(), limits.max_bytes.saturating_mul(2))
        .map_err(|p| opaque_decryption_failure(p.describe()))?;
    let plain_doc = xml::parse(plain_text).map_err(|p| opaque_decryption_failure(p.describe()))?;
    let plain_root = response_root(&plain_doc).map_err(|_| opaque_decryption_failure("root"))?;
    let assertion =
        decrypted_assertion(&plain_doc, plain_root).map_err(|e| opaque_decryption_failure(&e))?;
    // The Response's signature was checked on the ciphertext above; here only the
    // assertion's own signature counts.
    let inner = signature::verify(
        &plain_doc,
        plain_text,
        &[plain_root, assertion],
        certificates,
    )
    .map_err(|e| opaque_decryption_failure(&e.0))?;
    let assertion_signed = inner.valid.contains(&assertion);
    if inner.invalid.contains(&assertion) || !(response_signed || assertion_signed) {
        return Err(ExternalError::SamlSignature(SamlSignedPart::Assertion));
    }
    read_assertion(&plain_doc, plain_root, assertion, check, limits, now)
}

/// Everything that goes wrong between the ciphertext and a verified plaintext says the same.
fn opaque_decryption_failure(detail: &str) -> ExternalError {
    tracing::info!(detail, "encrypted SAML assertion refused");
    ExternalError::SamlSignature(SamlSignedPart::Assertion)
}

fn response_root(doc: &Document<'_>) -> Result<NodeId, ExternalError> {
    let root = doc
        .document_element()
        .filter(|&r| xml::is(doc, r, NS_PROTOCOL, "Response"))
        .ok_or_else(|| refuse(reason::NOT_RESPONSE))?;
    xml::refuse_comments(doc, root).map_err(|e| refuse(&e))?;
    xml::refuse_duplicate_ids(doc).map_err(|e| refuse(&e))?;
    Ok(root)
}

/// The one `Assertion` or `EncryptedAssertion`, which must be the root's direct child.
fn single_assertion(doc: &Document<'_>, root: NodeId) -> Result<NodeId, ExternalError> {
    let mut found = xml::descendants_named(doc, root, NS_ASSERTION, "Assertion");
    found.extend(xml::descendants_named(
        doc,
        root,
        NS_ASSERTION,
        "EncryptedAssertion",
    ));
    match found.as_slice() {
        [one] if doc.parent(*one) == Some(root) => Ok(*one),
        _ => Err(refuse(reason::ASSERTION_COUNT)),
    }
}

/// After decryption: the `EncryptedAssertion` holds exactly one `Assertion` (plus its
/// encrypted keys), and there is no other assertion anywhere.
fn decrypted_assertion(doc: &Document<'_>, root: NodeId) -> Result<NodeId, String> {
    let carriers = xml::children_named(doc, root, NS_ASSERTION, "EncryptedAssertion");
    let [carrier] = carriers.as_slice() else {
        return Err("no EncryptedAssertion after decryption".to_owned());
    };
    let assertions = xml::descendants_named(doc, root, NS_ASSERTION, "Assertion");
    let [assertion] = assertions.as_slice() else {
        return Err("the plaintext must be exactly one Assertion".to_owned());
    };
    if doc.parent(*assertion) != Some(*carrier) {
        return Err("the Assertion is not where it was encrypted".to_owned());
    }
    let others = xml::child_elements(doc, *carrier)
        .into_iter()
        .filter(|&c| c != *assertion && !xml::is(doc, c, xml::NS_XENC, "EncryptedKey"))
        .count();
    if others > 0 {
        return Err("unexpected elements next to the decrypted Assertion".to_owned());
    }
    Ok(*assertion)
}

/// The semantic checks and the reading of the verified assertion.
fn read_assertion(
    doc: &Document<'_>,
    root: NodeId,
    assertion: NodeId,
    check: &SamlResponseCheck<'_>,
    limits: &Limits,
    now: Timestamp,
) -> Result<SamlAssertion, ExternalError> {
    let malformed = |_| refuse(reason::MALFORMED);
    let now_ms = now.millis();

    // Response-level attributes: possibly outside the signed part, so used only to refuse.
    let status = xml::single_child(doc, root, NS_PROTOCOL, "Status")
        .map_err(malformed)?
        .and_then(|s| {
            xml::single_child(doc, s, NS_PROTOCOL, "StatusCode")
                .ok()
                .flatten()
        })
        .and_then(|c| xml::attr(doc, c, "Value"));
    if status != Some(STATUS_SUCCESS) {
        return Err(refuse(reason::STATUS));
    }
    if let Some(issuer) = xml::single_child(doc, root, NS_ASSERTION, "Issuer").map_err(malformed)?
        && xml::text(doc, issuer).map_err(malformed)?.trim() != check.idp.entity_id
    {
        return Err(refuse(reason::ISSUER));
    }
    if xml::attr(doc, root, "Destination").is_some_and(|d| d != check.acs_url) {
        return Err(refuse(reason::DESTINATION));
    }
    let in_response_to = xml::attr(doc, root, "InResponseTo")
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    check_in_response_to(in_response_to.as_deref(), check)?;

    // The assertion itself, which the signature covers.
    let assertion_id = xml::attr(doc, assertion, "ID")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| refuse(reason::MALFORMED))?
        .to_owned();
    let issue_instant = xml::attr(doc, assertion, "IssueInstant")
        .and_then(xml::parse_instant)
        .ok_or_else(|| refuse(reason::MALFORMED))?;
    let issuer_node = xml::single_child(doc, assertion, NS_ASSERTION, "Issuer")
        .map_err(malformed)?
        .ok_or_else(|| refuse(reason::ISSUER))?;
    let issuer = xml::text(doc, issuer_node)
        .map_err(|e| refuse(&e))?
        .trim()
        .to_owned();
    if issuer != check.idp.entity_id {
        return Err(refuse(reason::ISSUER));
    }
    if issue_instant.millis() > now_ms + limits.skew_ms {
        return Err(refuse(reason::NOT_YET_VALID));
    }
    if check.expected_in_response_to.is_none()
        && issue_instant.millis() < now_ms - limits.unsolicited_max_age_ms
    {
        return Err(refuse(reason::TOO_OLD));
    }

    let subject = xml::single_child(doc, assertion, NS_ASSERTION, "Subject")
        .map_err(malformed)?
        .ok_or_else(|| refuse(reason::NAME_ID))?;
    let name_id_node = xml::single_child(doc, subject, NS_ASSERTION, "NameID")
        .map_err(malformed)?
        .ok_or_else(|| refuse(reason::NAME_ID))?;
    let name_id = xml::text(doc, name_id_node)
        .map_err(|e| refuse(&e))?
        .trim()
        .to_owned();
    if name_id.is_empty() {
        return Err(refuse(reason::NAME_ID));
    }
    let name_id_format = xml::attr(doc, name_id_node, "Format").map(str::to_owned);
    let confirmation_expiry = bearer_confirmation(doc, subject, check, limits, now_ms)?;

    let conditions = xml::single_child(doc, assertion, NS_ASSERTION, "Conditions")
        .map_err(malformed)?
        .ok_or_else(|| refuse(reason::AUDIENCE))?;
    let conditions_expiry = check_conditions(doc, conditions, check, limits, now_ms)?;
    let not_on_or_after = match conditions_expiry {
        Some(at) => at.min(confirmation_expiry),
        None => confirmation_expiry,
    };

    Ok(SamlAssertion {
        issuer,
        name_id,
        name_id_format,
        session_index: session_index(doc, assertion)?,
        assertion_id,
        not_on_or_after: Timestamp(not_on_or_after),
        issue_instant,
        in_response_to,
        attributes: attributes(doc, assertion)?,
    })
}

fn check_in_response_to(
    value: Option<&str>,
    check: &SamlResponseCheck<'_>,
) -> Result<(), ExternalError> {
    // Some IdPs write `InResponseTo=""` on unsolicited responses; empty means absent.
    let value = value.filter(|v| !v.is_empty());
    match (&check.expected_in_response_to, value) {
        (Some(expected), Some(got)) if got == expected => Ok(()),
        (Some(_), Some(_)) => Err(refuse(reason::IN_RESPONSE_TO)),
        (Some(_), None) => Err(refuse(reason::IN_RESPONSE_TO_MISSING)),
        // A response that answers some request cannot be taken as unsolicited.
        (None, Some(_)) => Err(ExternalError::SamlUnsolicited),
        (None, None) => Ok(()),
    }
}

/// Finds a bearer `SubjectConfirmation` whose data satisfies every rule and returns its
/// `NotOnOrAfter`; otherwise the first rule that failed.
fn bearer_confirmation(
    doc: &Document<'_>,
    subject: NodeId,
    check: &SamlResponseCheck<'_>,
    limits: &Limits,
    now_ms: i64,
) -> Result<i64, ExternalError> {
    let mut first_error = None;
    for confirmation in xml::children_named(doc, subject, NS_ASSERTION, "SubjectConfirmation") {
        if xml::attr(doc, confirmation, "Method") != Some(CM_BEARER) {
            continue;
        }
        match confirmation_data(doc, confirmation, check, limits, now_ms) {
            Ok(expiry) => return Ok(expiry),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| refuse(reason::NO_BEARER)))
}

fn confirmation_data(
    doc: &Document<'_>,
    confirmation: NodeId,
    check: &SamlResponseCheck<'_>,
    limits: &Limits,
    now_ms: i64,
) -> Result<i64, ExternalError> {
    let data = xml::single_child(doc, confirmation, NS_ASSERTION, "SubjectConfirmationData")
        .map_err(|_| refuse(reason::MALFORMED))?
        .ok_or_else(|| refuse(reason::RECIPIENT))?;
    if xml::attr(doc, data, "Recipient") != Some(check.acs_url.as_str()) {
        return Err(refuse(reason::RECIPIENT));
    }
    check_in_response_to(xml::attr(doc, data, "InResponseTo"), check)?;
    check_window(doc, data, limits, now_ms)?.ok_or_else(|| refuse(reason::EXPIRED))
}

/// `NotBefore`/`NotOnOrAfter` of an element against `now` with skew; returns `NotOnOrAfter`.
fn check_window(
    doc: &Document<'_>,
    element: NodeId,
    limits: &Limits,
    now_ms: i64,
) -> Result<Option<i64>, ExternalError> {
    let instant = |name: &str| -> Result<Option<i64>, ExternalError> {
        match xml::attr(doc, element, name) {
            None => Ok(None),
            Some(value) => xml::parse_instant(value)
                .map(|t| Some(t.millis()))
                .ok_or_else(|| refuse(reason::MALFORMED)),
        }
    };
    if let Some(not_before) = instant("NotBefore")?
        && now_ms + limits.skew_ms < not_before
    {
        return Err(refuse(reason::NOT_YET_VALID));
    }
    let not_on_or_after = instant("NotOnOrAfter")?;
    if let Some(expiry) = not_on_or_after
        && now_ms - limits.skew_ms >= expiry
    {
        return Err(refuse(reason::EXPIRED));
    }
    Ok(not_on_or_after)
}

fn check_conditions(
    doc: &Document<'_>,
    conditions: NodeId,
    check: &SamlResponseCheck<'_>,
    limits: &Limits,
    now_ms: i64,
) -> Result<Option<i64>, ExternalError> {
    let expiry = check_window(doc, conditions, limits, now_ms)?;
    let restrictions = xml::children_named(doc, conditions, NS_ASSERTION, "AudienceRestriction");
    if restrictions.is_empty() {
        return Err(refuse(reason::AUDIENCE));
    }
    // Every AudienceRestriction must name us (SAML core §2.5.1.4).
    for restriction in restrictions {
        let mut matched = false;
        for audience in xml::children_named(doc, restriction, NS_ASSERTION, "Audience") {
            if xml::text(doc, audience).map_err(|e| refuse(&e))?.trim() == check.audience {
                matched = true;
            }
        }
        if !matched {
            return Err(refuse(reason::AUDIENCE));
        }
    }
    Ok(expiry)
}

/// `SessionIndex` of the first `AuthnStatement` (the one Cognito matches at logout).
fn session_index(doc: &Document<'_>, assertion: NodeId) -> Result<Option<String>, ExternalError> {
    Ok(
        xml::children_named(doc, assertion, NS_ASSERTION, "AuthnStatement")
            .first()
            .and_then(|s| xml::attr(doc, *s, "SessionIndex"))
            .map(str::to_owned),
    )
}

/// Every `Attribute@Name` of the assertion's AttributeStatements with its string values.
/// A value holding structured XML (rare: e.g. a NameID-typed eduPersonTargetedID) is not a
/// string and is skipped.
fn attributes(
    doc: &Document<'_>,
    assertion: NodeId,
) -> Result<BTreeMap<String, Vec<String>>, ExternalError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in xml::children_named(doc, assertion, NS_ASSERTION, "AttributeStatement") {
        for attribute in xml::children_named(doc, statement, NS_ASSERTION, "Attribute") {
            let Some(name) = xml::attr(doc, attribute, "Name") else {
                return Err(refuse(reason::MALFORMED));
            };
            let values = out.entry(name.to_owned()).or_default();
            for value in xml::children_named(doc, attribute, NS_ASSERTION, "AttributeValue") {
                if let Ok(text) = xml::text(doc, value) {
                    values.push(text);
                }
            }
        }
    }
    Ok(out)
}
