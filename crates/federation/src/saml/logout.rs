//! Single logout (reference §2.7): the LogoutRequest Cognate sends by the HTTP-Redirect
//! binding (always signed with the pool's key), the IdP's LogoutResponse that comes back
//! (Cognito takes it by HTTP-POST at `/saml2/logout`; the redirect binding is read too), and
//! for completeness an IdP-initiated LogoutRequest and the LogoutResponse that answers it.
//!
//! A logout message is accepted only when signed by a metadata certificate: an XML signature
//! on the root for HTTP-POST, the query signature for HTTP-Redirect.

use cognate_domain::Timestamp;
use cognate_domain::external::{
    ExternalError, SamlBinding, SamlLogoutCheck, SamlLogoutRequest, SamlLogoutRequestIn,
    SamlLogoutResponse, SamlLogoutResponseOut,
};
use uppsala::{Document, NodeId};

use super::response::{Limits, decode_base64};
use super::xml::{self, NS_ASSERTION, NS_PROTOCOL, STATUS_SUCCESS};
use super::{binding, signature};

const STATUS_REQUESTER: &str = "urn:oasis:names:tc:SAML:2.0:status:Requester";

fn refuse(detail: impl Into<String>) -> ExternalError {
    ExternalError::SamlLogout(detail.into())
}

fn bad_id(id: &str) -> Result<(), ExternalError> {
    if xml::is_valid_id(id) {
        Ok(())
    } else {
        Err(ExternalError::Configuration(
            "SAML message ids must start with a letter or '_'".to_owned(),
        ))
    }
}

/// The LogoutRequest XML.
pub(crate) fn logout_request_xml(request: &SamlLogoutRequest<'_>) -> Result<String, ExternalError> {
    bad_id(&request.id)?;
    let format = request
        .name_id_format
        .as_deref()
        .map(|f| format!(r#" Format="{}""#, xml::escape(f)))
        .unwrap_or_default();
    let session = request
        .session_index
        .as_deref()
        .map(|s| {
            format!(
                "<samlp:SessionIndex>{}</samlp:SessionIndex>",
                xml::escape(s)
            )
        })
        .unwrap_or_default();
    Ok(format!(
        concat!(
            r#"<samlp:LogoutRequest xmlns:samlp="{protocol}" xmlns:saml="{assertion}" "#,
            r#"ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{destination}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<saml:NameID{format}>{name_id}</saml:NameID>{session}"#,
            r#"</samlp:LogoutRequest>"#
        ),
        protocol = NS_PROTOCOL,
        assertion = NS_ASSERTION,
        id = xml::escape(&request.id),
        instant = xml::format_instant(request.issue_instant),
        destination = xml::escape(&request.destination),
        issuer = xml::escape(&request.sp_entity_id),
        format = format,
        name_id = xml::escape(&request.name_id),
        session = session,
    ))
}

pub(crate) fn logout_request_url(request: &SamlLogoutRequest<'_>) -> Result<String, ExternalError> {
    binding::redirect_url(
        &request.destination,
        "SAMLRequest",
        &logout_request_xml(request)?,
        Some(&request.relay_state),
        Some(request.signing_key),
    )
}

/// The LogoutResponse XML answering an IdP's LogoutRequest.
pub(crate) fn logout_response_xml(
    response: &SamlLogoutResponseOut<'_>,
) -> Result<String, ExternalError> {
    bad_id(&response.id)?;
    let status = if response.success {
        STATUS_SUCCESS
    } else {
        STATUS_REQUESTER
    };
    Ok(format!(
        concat!(
            r#"<samlp:LogoutResponse xmlns:samlp="{protocol}" xmlns:saml="{assertion}" "#,
            r#"ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{destination}" "#,
            r#"InResponseTo="{in_response_to}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>"#,
            r#"</samlp:LogoutResponse>"#
        ),
        protocol = NS_PROTOCOL,
        assertion = NS_ASSERTION,
        id = xml::escape(&response.id),
        instant = xml::format_instant(response.issue_instant),
        destination = xml::escape(&response.destination),
        in_response_to = xml::escape(&response.in_response_to),
        issuer = xml::escape(&response.sp_entity_id),
        status = status,
    ))
}

pub(crate) fn logout_response_url(
    response: &SamlLogoutResponseOut<'_>,
) -> Result<String, ExternalError> {
    binding::redirect_url(
        &response.destination,
        "SAMLResponse",
        &logout_response_xml(response)?,
        response.relay_state.as_deref(),
        Some(response.signing_key),
    )
}

/// Checks the IdP's LogoutResponse to one of our LogoutRequests.
pub(crate) fn validate_logout_response(
    check: &SamlLogoutCheck<'_>,
    limits: &Limits,
    now: Timestamp,
) -> Result<SamlLogoutResponse, ExternalError> {
    let bytes = message_bytes(check, "SAMLResponse", limits)?;
    let (text, doc, root) = verified_root(&bytes, check, "LogoutResponse", limits)?;
    let _ = text;
    common_checks(&doc, root, check, limits, now)?;
    let in_response_to = xml::attr(&doc, root, "InResponseTo")
        .ok_or_else(|| refuse("InResponseTo is missing"))?
        .to_owned();
    if check.expected_in_response_to.as_deref() != Some(in_response_to.as_str()) {
        return Err(refuse("InResponseTo does not match the request"));
    }
    let status = xml::single_child(&doc, root, NS_PROTOCOL, "Status")
        .map_err(refuse)?
        .and_then(|s| {
            xml::single_child(&doc, s, NS_PROTOCOL, "StatusCode")
                .ok()
                .flatten()
        })
        .and_then(|c| xml::attr(&doc, c, "Value"))
        .ok_or_else(|| refuse("no Status"))?
        .to_owned();
    Ok(SamlLogoutResponse {
        id: message_id(&doc, root)?,
        in_response_to,
        success: status == STATUS_SUCCESS,
        status,
    })
}

/// Checks an IdP-initiated LogoutRequest.
pub(crate) fn validate_logout_request(
    check: &SamlLogoutCheck<'_>,
    limits: &Limits,
    now: Timestamp,
) -> Result<SamlLogoutRequestIn, ExternalError> {
    let bytes = message_bytes(check, "SAMLRequest", limits)?;
    let (_text, doc, root) = verified_root(&bytes, check, "LogoutRequest", limits)?;
    common_checks(&doc, root, check, limits, now)?;
    let issuer = xml::single_child(&doc, root, NS_ASSERTION, "Issuer")
        .map_err(refuse)?
        .ok_or_else(|| refuse("no Issuer"))
        .and_then(|i| xml::text(&doc, i).map_err(refuse))?
        .trim()
        .to_owned();
    let name_id = xml::single_child(&doc, root, NS_ASSERTION, "NameID")
        .map_err(refuse)?
        .ok_or_else(|| refuse("no NameID"))
        .and_then(|n| xml::text(&doc, n).map_err(refuse))?
        .trim()
        .to_owned();
    let mut session_indexes = Vec::new();
    for index in xml::children_named(&doc, root, NS_PROTOCOL, "SessionIndex") {
        session_indexes.push(xml::text(&doc, index).map_err(refuse)?.trim().to_owned());
    }
    let not_on_or_after = match xml::attr(&doc, root, "NotOnOrAfter") {
        Some(value) => {
            let at = xml::parse_instant(value).ok_or_else(|| refuse("bad NotOnOrAfter"))?;
            if now.millis() - limits.skew_ms >= at.millis() {
                return Err(refuse("the request has expired"));
            }
            Some(at)
        }
        None => None,
    };
    Ok(SamlLogoutRequestIn {
        id: message_id(&doc, root)?,
        issuer,
        name_id,
        session_indexes,
        not_on_or_after,
    })
}

/// The message's bytes; for HTTP-Redirect its query signature has been checked.
fn message_bytes(
    check: &SamlLogoutCheck<'_>,
    parameter: &str,
    limits: &Limits,
) -> Result<Vec<u8>, ExternalError> {
    match &check.binding {
        SamlBinding::Post { message } => decode_base64(message, limits.max_bytes)
            .map_err(|_| refuse("the message is not base64 encoded")),
        SamlBinding::Redirect { query } => binding::read_redirect(
            query,
            parameter,
            &check.idp.signing_certificates,
            limits.max_bytes,
        )
        .map(|m| m.xml)
        .map_err(refuse),
    }
}

/// Parses the message, requires the expected root, and checks its XML signature: required
/// for HTTP-POST, and checked when present for HTTP-Redirect.
fn verified_root<'b>(
    bytes: &'b [u8],
    check: &SamlLogoutCheck<'_>,
    local: &str,
    limits: &Limits,
) -> Result<(&'b str, Document<'b>, NodeId), ExternalError> {
    let text = xml::precheck(bytes, limits.max_bytes).map_err(|p| refuse(p.describe()))?;
    let doc = xml::parse(text).map_err(|p| refuse(p.describe()))?;
    let root = doc
        .document_element()
        .filter(|&r| xml::is(&doc, r, NS_PROTOCOL, local))
        .ok_or_else(|| refuse(format!("not a {local}")))?;
    xml::refuse_comments(&doc, root).map_err(refuse)?;
    xml::refuse_duplicate_ids(&doc).map_err(refuse)?;
    let signatures = signature::verify(&doc, text, &[root], &check.idp.signing_certificates)
        .map_err(|e| refuse(e.0))?;
    let posted = matches!(check.binding, SamlBinding::Post { .. });
    if signatures.invalid.contains(&root) || (posted && !signatures.valid.contains(&root)) {
        return Err(refuse("the signature is invalid"));
    }
    Ok((text, doc, root))
}

/// Issuer (when present), Destination (when present) and the IssueInstant window.
fn common_checks(
    doc: &Document<'_>,
    root: NodeId,
    check: &SamlLogoutCheck<'_>,
    limits: &Limits,
    now: Timestamp,
) -> Result<(), ExternalError> {
    if let Some(issuer) = xml::single_child(doc, root, NS_ASSERTION, "Issuer").map_err(refuse)?
        && xml::text(doc, issuer).map_err(refuse)?.trim() != check.idp.entity_id
    {
        return Err(refuse("Issuer does not match the identity provider"));
    }
    if xml::attr(doc, root, "Destination").is_some_and(|d| d != check.destination) {
        return Err(refuse("Destination does not match"));
    }
    let issued = xml::attr(doc, root, "IssueInstant")
        .and_then(xml::parse_instant)
        .ok_or_else(|| refuse("bad IssueInstant"))?;
    let now = now.millis();
    if issued.millis() > now + limits.skew_ms {
        return Err(refuse("the message is not yet valid"));
    }
    if issued.millis() < now - limits.unsolicited_max_age_ms - limits.skew_ms {
        return Err(refuse("the message is too old"));
    }
    Ok(())
}

fn message_id(doc: &Document<'_>, root: NodeId) -> Result<String, ExternalError> {
    xml::attr(doc, root, "ID")
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| refuse("no ID"))
}
