//! Enveloped XML signatures as SAML uses them, verified by `bergshamra` (pure-Rust
//! XML-DSig on aws-lc-rs) inside a narrow profile we check first (reference §5 items 2-4):
//!
//! - A `Signature` may only be the direct child of an element the caller names (the
//!   `Response` root, the one `Assertion`); anywhere else the message is refused.
//! - `SignedInfo` uses exclusive C14N without comments; `SignatureMethod` is RSA with
//!   SHA-256/384/512 (SHA-1 is refused); exactly one `Reference`, whose `URI` is `#` plus the
//!   `ID` of the signature's parent; transforms only enveloped-signature and exclusive C14N;
//!   digests SHA-256/384/512. No XPath, XSLT, external or empty references reach the library.
//! - Keys come only from the IdP's metadata certificates (`KeyInfo` in the message is
//!   ignored), any of them may match (rollover).
//! - The library also refuses duplicate IDs and references to nodes that are not the root,
//!   an ancestor or a sibling of the signature; we then require that the one reference
//!   resolved to exactly the signature's parent, so the node we later read is the node whose
//!   digest was checked.

use std::collections::HashSet;

use bergshamra_dsig::{DsigContext, VerifyResult};
use bergshamra_keys::KeysManager;
use uppsala::{Document, NodeId};

use super::xml::{self, NS_DSIG};

const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SIGNATURE_METHODS: &[&str] = &[
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
];
const DIGEST_METHODS: &[&str] = &[
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
];

/// Which of the candidate elements carry a valid signature, and which carry a signature that
/// failed (a present-but-bad signature is reported, never silently ignored).
#[derive(Debug, Default)]
pub(crate) struct Signatures {
    pub valid: HashSet<NodeId>,
    pub invalid: HashSet<NodeId>,
}

/// A document-level refusal (a signature where none may be, duplicate IDs).
#[derive(Debug)]
pub(crate) struct Misplaced(pub String);

/// Verifies every signature of `doc`. `parents` are the elements allowed to carry one.
pub(crate) fn verify(
    doc: &Document<'_>,
    source: &str,
    parents: &[NodeId],
    certificates: &[Vec<u8>],
) -> Result<Signatures, Misplaced> {
    let signature_nodes = xml::descendants_named(doc, doc.root(), NS_DSIG, "Signature");
    let mut result = Signatures::default();
    if signature_nodes.is_empty() {
        return Ok(result);
    }
    let mut owners = Vec::with_capacity(signature_nodes.len());
    for &signature in &signature_nodes {
        let parent = doc
            .parent(signature)
            .filter(|p| parents.contains(p))
            .ok_or_else(|| Misplaced("a Signature outside the Response or Assertion".to_owned()))?;
        if owners.contains(&parent) {
            return Err(Misplaced("two Signatures on one element".to_owned()));
        }
        owners.push(parent);
    }
    xml::refuse_duplicate_ids(doc).map_err(Misplaced)?;

    // A signature outside the profile never reaches the library (no XPath or XSLT is run
    // on attacker input); its element counts as badly signed, which refuses the message.
    for (&signature, &parent) in signature_nodes.iter().zip(&owners) {
        if !within_profile(doc, signature, parent) {
            result.invalid.insert(parent);
        }
    }
    if !result.invalid.is_empty() {
        return Ok(result);
    }
    let context = match trusted_keys(certificates) {
        Some(keys) => DsigContext::new(keys),
        None => {
            result.invalid.extend(owners.iter().copied());
            return Ok(result);
        }
    };
    let outcomes =
        bergshamra_dsig::verify::verify_all_document_with_source(&context, doc, Some(source))
            .map_err(|e| Misplaced(format!("signature processing: {e}")))?;
    if outcomes.len() != signature_nodes.len() {
        return Err(Misplaced("signatures could not be matched".to_owned()));
    }
    for (index, outcome) in outcomes.iter().enumerate() {
        let parent = owners[index];
        let covers_parent = match outcome {
            VerifyResult::Valid {
                signature_node,
                references,
                ..
            } => {
                *signature_node == signature_nodes[index]
                    && references.len() == 1
                    && references
                        .iter()
                        .all(|r| r.digest_verified && r.resolved_node == Some(parent))
            }
            VerifyResult::Invalid { .. } => false,
        };
        if covers_parent {
            result.valid.insert(parent);
        } else {
            result.invalid.insert(parent);
        }
    }
    Ok(result)
}

fn trusted_keys(certificates: &[Vec<u8>]) -> Option<KeysManager> {
    let mut keys = KeysManager::new();
    for der in certificates {
        if let Ok(key) = bergshamra_keys::loader::load_x509_cert_der(der) {
            keys.add_key(key);
        }
    }
    (!keys.is_empty()).then_some(keys)
}

/// Whether a signature stays within the SAML profile described in the module docs.
fn within_profile(doc: &Document<'_>, signature: NodeId, parent: NodeId) -> bool {
    profile_problem(doc, signature, parent).is_ok()
}

fn profile_problem(
    doc: &Document<'_>,
    signature: NodeId,
    parent: NodeId,
) -> Result<(), &'static str> {
    let algorithm = |node: NodeId| xml::attr(doc, node, "Algorithm");
    let one = |parent: NodeId, local: &'static str| -> Result<NodeId, &'static str> {
        xml::single_child(doc, parent, NS_DSIG, local)
            .ok()
            .flatten()
            .ok_or(local)
    };
    let signed_info = one(signature, "SignedInfo")?;
    let c14n = one(signed_info, "CanonicalizationMethod")?;
    if algorithm(c14n) != Some(EXC_C14N) {
        return Err("canonicalization");
    }
    let method = one(signed_info, "SignatureMethod")?;
    if !algorithm(method).is_some_and(|a| SIGNATURE_METHODS.contains(&a)) {
        return Err("signature method");
    }
    let references = xml::children_named(doc, signed_info, NS_DSIG, "Reference");
    let [reference] = references.as_slice() else {
        return Err("references");
    };
    let id = xml::attr(doc, parent, "ID").ok_or("ID")?;
    if id.is_empty() || xml::attr(doc, *reference, "URI") != Some(format!("#{id}").as_str()) {
        return Err("reference URI");
    }
    let transforms =
        xml::single_child(doc, *reference, NS_DSIG, "Transforms").map_err(|_| "transforms")?;
    if let Some(transforms) = transforms {
        for transform in xml::child_elements(doc, transforms) {
            if !xml::is(doc, transform, NS_DSIG, "Transform")
                || !matches!(algorithm(transform), Some(ENVELOPED) | Some(EXC_C14N))
            {
                return Err("transform");
            }
        }
    }
    let digest = one(*reference, "DigestMethod")?;
    if !algorithm(digest).is_some_and(|a| DIGEST_METHODS.contains(&a)) {
        return Err("digest method");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signature on `<r ID="a">` with the given pieces (no cryptography involved).
    fn profile(
        c14n: &str,
        method: &str,
        uri: &str,
        transforms: &str,
        digest: &str,
        extra: &str,
    ) -> Result<(), &'static str> {
        let xml = format!(
            r##"<r xmlns:ds="{NS_DSIG}" ID="a"><ds:Signature><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{c14n}"/><ds:SignatureMethod Algorithm="{method}"/><ds:Reference URI="{uri}"><ds:Transforms>{transforms}</ds:Transforms><ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue>x</ds:DigestValue></ds:Reference>{extra}</ds:SignedInfo></ds:Signature></r>"##
        );
        let doc = xml::parse(&xml).unwrap();
        let root = doc.document_element().unwrap();
        let signature = xml::children_named(&doc, root, NS_DSIG, "Signature")[0];
        profile_problem(&doc, signature, root)
    }

    const RSA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

    fn transforms(algorithms: &[&str]) -> String {
        algorithms
            .iter()
            .map(|a| format!(r#"<ds:Transform Algorithm="{a}"/>"#))
            .collect()
    }

    #[test]
    fn the_saml_profile_is_accepted() {
        let t = transforms(&[ENVELOPED, EXC_C14N]);
        assert_eq!(profile(EXC_C14N, RSA256, "#a", &t, SHA256, ""), Ok(()));
    }

    #[test]
    fn everything_outside_the_profile_is_refused() {
        let t = transforms(&[ENVELOPED, EXC_C14N]);
        let xpath = transforms(&[ENVELOPED, "http://www.w3.org/TR/1999/REC-xpath-19991116"]);
        let xslt = transforms(&["http://www.w3.org/TR/1999/REC-xslt-19991116"]);
        let second = r##"<ds:Reference URI="#a"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/></ds:Reference>"##;
        let cases = [
            (
                "inclusive c14n",
                profile(
                    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
                    RSA256,
                    "#a",
                    &t,
                    SHA256,
                    "",
                ),
            ),
            (
                "c14n with comments",
                profile(
                    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
                    RSA256,
                    "#a",
                    &t,
                    SHA256,
                    "",
                ),
            ),
            (
                "rsa-sha1",
                profile(
                    EXC_C14N,
                    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                    "#a",
                    &t,
                    SHA256,
                    "",
                ),
            ),
            (
                "hmac",
                profile(
                    EXC_C14N,
                    "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
                    "#a",
                    &t,
                    SHA256,
                    "",
                ),
            ),
            ("empty URI", profile(EXC_C14N, RSA256, "", &t, SHA256, "")),
            (
                "another element",
                profile(EXC_C14N, RSA256, "#b", &t, SHA256, ""),
            ),
            (
                "external URI",
                profile(EXC_C14N, RSA256, "http://evil/x", &t, SHA256, ""),
            ),
            (
                "XPath transform",
                profile(EXC_C14N, RSA256, "#a", &xpath, SHA256, ""),
            ),
            (
                "XSLT transform",
                profile(EXC_C14N, RSA256, "#a", &xslt, SHA256, ""),
            ),
            (
                "sha1 digest",
                profile(
                    EXC_C14N,
                    RSA256,
                    "#a",
                    &t,
                    "http://www.w3.org/2000/09/xmldsig#sha1",
                    "",
                ),
            ),
            (
                "two references",
                profile(EXC_C14N, RSA256, "#a", &t, SHA256, second),
            ),
        ];
        for (name, result) in cases {
            assert!(result.is_err(), "{name}");
        }
    }
}
