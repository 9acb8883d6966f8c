//! Safe reading and careful writing of SAML XML.
//!
//! Reading (reference §5 items 1 and 5): input is size-limited and must be UTF-8; any
//! `<!DOCTYPE`/`<!ENTITY` (any `<!` that is not a comment or CDATA) is refused before the
//! parser sees it, so no entity is ever expanded; values are read as the concatenation of
//! their text and CDATA children, and an element whose value holds a comment, a processing
//! instruction or a child element is refused (`alice@corp.com<!---->.evil.com` verifies, since
//! canonicalisation drops comments, but must never be read as `alice@corp.com`).
//!
//! Names are matched by namespace URI and local name, never by prefix; SAML's own attributes
//! (`ID`, `InResponseTo`, ...) are unqualified, so only unqualified attributes are read.

use std::collections::HashSet;

use cognate_domain::Timestamp;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uppsala::{Document, NodeId, NodeKind};

pub(crate) const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub(crate) const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub(crate) const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub(crate) const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const NS_XENC: &str = "http://www.w3.org/2001/04/xmlenc#";

pub(crate) const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
pub(crate) const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub(crate) const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
pub(crate) const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum XmlProblem {
    TooLarge,
    NotUtf8,
    /// A DTD, entity declaration or other markup declaration.
    Doctype,
    Malformed,
}

impl XmlProblem {
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            XmlProblem::TooLarge => "the message is too large",
            XmlProblem::NotUtf8 => "the message is not UTF-8",
            XmlProblem::Doctype => "DOCTYPE and entity declarations are not allowed",
            XmlProblem::Malformed => "the message is not well-formed XML",
        }
    }
}

/// Checks the raw text before parsing: bounded size, and no markup declarations.
pub(crate) fn precheck(bytes: &[u8], max_bytes: usize) -> Result<&str, XmlProblem> {
    if bytes.len() > max_bytes {
        return Err(XmlProblem::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| XmlProblem::NotUtf8)?;
    // Outside comments and CDATA, `<!` only starts a DOCTYPE or a declaration inside one.
    // Looking at every `<!` (even inside a comment or CDATA) errs on the side of refusing.
    let mut rest = text;
    while let Some(at) = rest.find("<!") {
        let after = &rest[at + 2..];
        if !(after.starts_with("--") || after.starts_with("[CDATA[")) {
            return Err(XmlProblem::Doctype);
        }
        rest = after;
    }
    Ok(text)
}

/// Parses `text` (already through [`precheck`]).
pub(crate) fn parse(text: &str) -> Result<Document<'_>, XmlProblem> {
    let doc = uppsala::Parser::new()
        .with_max_depth(64)
        .with_max_entity_expansion(0)
        .parse(text)
        .map_err(|_| XmlProblem::Malformed)?;
    if doc.doctype.is_some() {
        return Err(XmlProblem::Doctype);
    }
    Ok(doc)
}

/// Whether `id` is an element named `{ns}local`.
pub(crate) fn is(doc: &Document<'_>, id: NodeId, ns: &str, local: &str) -> bool {
    doc.element(id)
        .is_some_and(|e| e.matches_name_ns(ns, local))
}

/// Child elements of `parent` (elements only, in order).
pub(crate) fn child_elements(doc: &Document<'_>, parent: NodeId) -> Vec<NodeId> {
    doc.children_iter(parent)
        .filter(|&c| matches!(doc.node_kind(c), Some(NodeKind::Element(_))))
        .collect()
}

/// Child elements of `parent` named `{ns}local`.
pub(crate) fn children_named(
    doc: &Document<'_>,
    parent: NodeId,
    ns: &str,
    local: &str,
) -> Vec<NodeId> {
    child_elements(doc, parent)
        .into_iter()
        .filter(|&c| is(doc, c, ns, local))
        .collect()
}

/// The only child named `{ns}local`; `Err` when there are several.
pub(crate) fn single_child(
    doc: &Document<'_>,
    parent: NodeId,
    ns: &str,
    local: &str,
) -> Result<Option<NodeId>, String> {
    let found = children_named(doc, parent, ns, local);
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(format!("more than one {local}")),
    }
}

/// Every element named `{ns}local` in the subtree of `root` (including `root`).
pub(crate) fn descendants_named(
    doc: &Document<'_>,
    root: NodeId,
    ns: &str,
    local: &str,
) -> Vec<NodeId> {
    let mut found: Vec<NodeId> = std::iter::once(root)
        .chain(doc.descendants(root))
        .filter(|&n| is(doc, n, ns, local))
        .collect();
    found.dedup();
    found
}

/// An unqualified attribute of an element.
pub(crate) fn attr<'d>(doc: &'d Document<'_>, id: NodeId, name: &str) -> Option<&'d str> {
    doc.element(id)?
        .attributes
        .iter()
        .find(|a| a.name.namespace_uri.is_none() && *a.name.local_name == *name)
        .map(|a| &*a.value)
}

/// The text value of a simple-content element: all text and CDATA children concatenated.
/// A comment, processing instruction or child element inside it is refused.
pub(crate) fn text(doc: &Document<'_>, id: NodeId) -> Result<String, String> {
    let mut value = String::new();
    for child in doc.children_iter(id) {
        match doc.node_kind(child) {
            Some(NodeKind::Text(t)) | Some(NodeKind::CData(t)) => value.push_str(t),
            Some(NodeKind::Comment(_)) | Some(NodeKind::ProcessingInstruction(_)) => {
                return Err("a value contains a comment or processing instruction".to_owned());
            }
            Some(NodeKind::Element(e)) => {
                return Err(format!(
                    "unexpected element {} in a value",
                    e.name.local_name
                ));
            }
            _ => {}
        }
    }
    Ok(value)
}

/// Refuses comments and processing instructions anywhere under `root`. Canonicalisation
/// drops them, so they are never covered by a signature; signed SAML has no use for them.
pub(crate) fn refuse_comments(doc: &Document<'_>, root: NodeId) -> Result<(), String> {
    for node in doc.descendants(root) {
        if matches!(
            doc.node_kind(node),
            Some(NodeKind::Comment(_)) | Some(NodeKind::ProcessingInstruction(_))
        ) {
            return Err("comments and processing instructions are not allowed".to_owned());
        }
    }
    Ok(())
}

/// Refuses two elements carrying the same identifier in any of the attributes signature
/// references resolve (`ID`, `Id`, `id`, `AssertionID`), in any namespace.
pub(crate) fn refuse_duplicate_ids(doc: &Document<'_>) -> Result<(), String> {
    let mut seen = HashSet::new();
    for node in doc.descendants(doc.root()) {
        let Some(element) = doc.element(node) else {
            continue;
        };
        for attribute in &element.attributes {
            if matches!(
                &*attribute.name.local_name,
                "ID" | "Id" | "id" | "AssertionID"
            ) && !seen.insert(attribute.value.to_string())
            {
                return Err("duplicate ID attributes".to_owned());
            }
        }
    }
    Ok(())
}

/// Parses an `xs:dateTime` as SAML uses it (UTC, `Z`, optional fraction).
pub(crate) fn parse_instant(value: &str) -> Option<Timestamp> {
    let instant = OffsetDateTime::parse(value.trim(), &Rfc3339).ok()?;
    let millis = instant.unix_timestamp_nanos() / 1_000_000;
    i64::try_from(millis).ok().map(Timestamp)
}

/// Formats `at` as `xs:dateTime` in UTC with seconds precision.
pub(crate) fn format_instant(at: Timestamp) -> String {
    let secs = at.secs();
    match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => "1970-01-01T00:00:00Z".to_owned(),
    }
}

/// Escapes text for an attribute value or element content.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether `id` is an XML NCName SAML accepts as an `ID` (a letter or `_` first).
pub(crate) fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && id.len() <= 256
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctype_and_entities_are_refused_before_parsing() {
        for xml in [
            "<!DOCTYPE r [<!ENTITY x \"y\">]><r>&x;</r>",
            "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"http://evil/\"><r/>",
            "<r><![CDATA[ok]]><!ENTITY x \"y\"></r>",
        ] {
            assert_eq!(
                precheck(xml.as_bytes(), 10_000),
                Err(XmlProblem::Doctype),
                "{xml}"
            );
        }
        assert!(precheck(b"<r><!-- c --><![CDATA[x]]></r>", 10_000).is_ok());
        assert_eq!(precheck(b"<r/>", 3), Err(XmlProblem::TooLarge));
        assert_eq!(precheck(&[0x3c, 0xff, 0x3e], 100), Err(XmlProblem::NotUtf8));
    }

    #[test]
    fn text_concatenates_and_refuses_comments() {
        let doc = parse(
            "<r><a>x<![CDATA[y]]>&amp;z</a><b>al<!---->ice</b><c>a<?pi x?></c><d>a<e/></d></r>",
        )
        .unwrap();
        let root = doc.document_element().unwrap();
        let kids = child_elements(&doc, root);
        assert_eq!(text(&doc, kids[0]).unwrap(), "xy&z");
        assert!(text(&doc, kids[1]).is_err());
        assert!(text(&doc, kids[2]).is_err());
        assert!(text(&doc, kids[3]).is_err());
    }

    #[test]
    fn duplicate_ids_are_found_across_attribute_names() {
        let doc = parse(r#"<r ID="a"><x Id="b"/><y id="a"/></r>"#).unwrap();
        assert!(refuse_duplicate_ids(&doc).is_err());
        let doc = parse(r#"<r ID="a"><x Id="b"/><y id="c"/></r>"#).unwrap();
        assert!(refuse_duplicate_ids(&doc).is_ok());
    }

    #[test]
    fn instants_round_trip() {
        let at = parse_instant("2026-03-04T05:06:07Z").unwrap();
        assert_eq!(format_instant(at), "2026-03-04T05:06:07Z");
        assert_eq!(
            parse_instant("2026-03-04T05:06:07.250Z").unwrap().millis(),
            at.millis() + 250
        );
        assert!(parse_instant("2026-03-04 05:06:07").is_none());
        assert!(parse_instant("yesterday").is_none());
    }

    #[test]
    fn escaping_covers_markup() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
