//! The AuthnRequest Cognate sends by the HTTP-Redirect binding (reference §2.5):
//! `ID` (later `InResponseTo`), `IssueInstant`, `Destination`, `Issuer` =
//! `urn:amazon:cognito:sp:<poolId>`, `AssertionConsumerServiceURL` with the HTTP-POST
//! binding, and `<NameIDPolicy AllowCreate="true"/>` without a format (any NameID format is
//! accepted, as Cognito does).

use cognate_domain::external::{ExternalError, SamlAuthnRequest};

use super::binding;
use super::xml::{self, BINDING_POST, NS_ASSERTION, NS_PROTOCOL};

/// The AuthnRequest XML.
pub(crate) fn authn_request_xml(request: &SamlAuthnRequest<'_>) -> Result<String, ExternalError> {
    if !xml::is_valid_id(&request.id) {
        return Err(ExternalError::Configuration(
            "SAML request ids must start with a letter or '_'".to_owned(),
        ));
    }
    Ok(format!(
        concat!(
            r#"<samlp:AuthnRequest xmlns:samlp="{protocol}" xmlns:saml="{assertion}" "#,
            r#"ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{destination}" "#,
            r#"AssertionConsumerServiceURL="{acs}" ProtocolBinding="{binding}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<samlp:NameIDPolicy AllowCreate="true"/>"#,
            r#"</samlp:AuthnRequest>"#
        ),
        protocol = NS_PROTOCOL,
        assertion = NS_ASSERTION,
        id = xml::escape(&request.id),
        instant = xml::format_instant(request.issue_instant),
        destination = xml::escape(&request.destination),
        acs = xml::escape(&request.acs_url),
        binding = BINDING_POST,
        issuer = xml::escape(&request.sp_entity_id),
    ))
}

pub(crate) fn authn_request_url(request: &SamlAuthnRequest<'_>) -> Result<String, ExternalError> {
    let message = authn_request_xml(request)?;
    binding::redirect_url(
        &request.destination,
        "SAMLRequest",
        &message,
        Some(&request.relay_state),
        request.signing_key,
    )
}
