//! IdP metadata (reference §1.3): the entity id, the signing certificates (several allowed,
//! for rollover; each ≤4096 characters; expired ones dropped, and at least one must be
//! valid), the HTTP-Redirect `SingleSignOnService` (`SSORedirectBindingURI`), the
//! HTTP-POST one, the HTTP-Redirect `SingleLogoutService` (`SLORedirectBindingURI`) and
//! `WantAuthnRequestsSigned`. As in Cognito, the metadata's own signature and `validUntil`
//! are not checked: trust comes from whoever configured the URL or file.

use base64::Engine;
use cognate_domain::Timestamp;
use cognate_domain::external::{ExternalError, SamlIdpMetadata};
use uppsala::{Document, NodeId};
use x509_cert::der::Decode;

use super::xml::{self, BINDING_POST, BINDING_REDIRECT, NS_DSIG, NS_METADATA};

/// Largest accepted metadata document.
pub(crate) const MAX_METADATA_BYTES: usize = 1024 * 1024;
/// Cognito's limit on one certificate's text.
const MAX_CERTIFICATE_CHARS: usize = 4096;

fn invalid(detail: impl Into<String>) -> ExternalError {
    ExternalError::InvalidMetadata(detail.into())
}

/// Parses IdP metadata and keeps the certificates valid at `now`.
pub fn parse(text: &str, now: Timestamp) -> Result<SamlIdpMetadata, ExternalError> {
    let text =
        xml::precheck(text.as_bytes(), MAX_METADATA_BYTES).map_err(|p| invalid(p.describe()))?;
    let doc = xml::parse(text).map_err(|p| invalid(p.describe()))?;
    let entity = entity_descriptor(&doc)?;
    let entity_id = xml::attr(&doc, entity, "entityID")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| invalid("no entityID"))?
        .to_owned();
    let idp = xml::single_child(&doc, entity, NS_METADATA, "IDPSSODescriptor")
        .map_err(invalid)?
        .ok_or_else(|| invalid("no IDPSSODescriptor"))?;

    let mut signing_certificates = Vec::new();
    let mut signing_certificates_not_after = Vec::new();
    let mut expired = 0;
    for der in signing_certificates_of(&doc, idp)? {
        let not_after = certificate_not_after(&der)?;
        if not_after.millis() <= now.millis() {
            expired += 1;
            continue;
        }
        if !signing_certificates.contains(&der) {
            signing_certificates.push(der);
            signing_certificates_not_after.push(not_after);
        }
    }
    if signing_certificates.is_empty() {
        return Err(invalid(if expired > 0 {
            "the signing certificate has expired"
        } else {
            "no signing certificate"
        }));
    }

    let endpoint = |local: &str, binding: &str| -> Option<String> {
        xml::children_named(&doc, idp, NS_METADATA, local)
            .into_iter()
            .find(|&s| xml::attr(&doc, s, "Binding") == Some(binding))
            .and_then(|s| xml::attr(&doc, s, "Location"))
            .map(|l| l.trim().to_owned())
    };
    Ok(SamlIdpMetadata {
        entity_id,
        signing_certificates,
        signing_certificates_not_after,
        sso_redirect_url: endpoint("SingleSignOnService", BINDING_REDIRECT),
        sso_post_url: endpoint("SingleSignOnService", BINDING_POST),
        slo_redirect_url: endpoint("SingleLogoutService", BINDING_REDIRECT),
        want_authn_requests_signed: xml::attr(&doc, idp, "WantAuthnRequestsSigned")
            .is_some_and(|v| v == "true" || v == "1"),
    })
}

/// The `EntityDescriptor`: the root, or the only one inside an `EntitiesDescriptor`.
fn entity_descriptor(doc: &Document<'_>) -> Result<NodeId, ExternalError> {
    let root = doc
        .document_element()
        .ok_or_else(|| invalid("no root element"))?;
    if xml::is(doc, root, NS_METADATA, "EntityDescriptor") {
        return Ok(root);
    }
    if xml::is(doc, root, NS_METADATA, "EntitiesDescriptor") {
        let entities: Vec<NodeId> =
            xml::descendants_named(doc, root, NS_METADATA, "EntityDescriptor")
                .into_iter()
                .filter(|&e| {
                    !xml::children_named(doc, e, NS_METADATA, "IDPSSODescriptor").is_empty()
                })
                .collect();
        return match entities.as_slice() {
            [one] => Ok(*one),
            [] => Err(invalid("no IdP EntityDescriptor")),
            _ => Err(invalid("more than one IdP EntityDescriptor")),
        };
    }
    Err(invalid("not SAML metadata"))
}

/// DER certificates of the `KeyDescriptor`s whose `use` is `signing` or absent.
fn signing_certificates_of(doc: &Document<'_>, idp: NodeId) -> Result<Vec<Vec<u8>>, ExternalError> {
    let mut found = Vec::new();
    for descriptor in xml::children_named(doc, idp, NS_METADATA, "KeyDescriptor") {
        if xml::attr(doc, descriptor, "use").is_some_and(|u| u != "signing") {
            continue;
        }
        for cert in xml::descendants_named(doc, descriptor, NS_DSIG, "X509Certificate") {
            let text = xml::text(doc, cert).map_err(invalid)?;
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            if compact.len() > MAX_CERTIFICATE_CHARS {
                return Err(invalid(
                    "a signing certificate is longer than 4096 characters",
                ));
            }
            let der = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map_err(|_| invalid("a signing certificate is not base64"))?;
            found.push(der);
        }
    }
    Ok(found)
}

fn certificate_not_after(der: &[u8]) -> Result<Timestamp, ExternalError> {
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|_| invalid("a signing certificate is not X.509"))?;
    let not_after = cert.tbs_certificate.validity.not_after.to_unix_duration();
    Ok(Timestamp(
        i64::try_from(not_after.as_millis()).unwrap_or(i64::MAX),
    ))
}
