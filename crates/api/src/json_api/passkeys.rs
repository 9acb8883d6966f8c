//! Passkeys: StartWebAuthnRegistration, CompleteWebAuthnRegistration,
//! ListWebAuthnCredentials and DeleteWebAuthnCredential. The options and the credential are
//! the model's `Document`s (WebAuthn's JSON), passed through as they are.

use cognate_domain::paging::PageSize;
use cognate_domain::passkeys::Passkey;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::{required, time};
use crate::error::ApiError;

fn passkey_out(passkey: Passkey) -> WebAuthnCredentialDescription {
    WebAuthnCredentialDescription {
        credential_id: Some(passkey.credential_id),
        friendly_credential_name: passkey.friendly_name,
        relying_party_id: Some(passkey.relying_party_id),
        authenticator_attachment: passkey.authenticator_attachment,
        authenticator_transports: Some(passkey.transports),
        created_at: time(passkey.created),
    }
}

/// StartWebAuthnRegistration.
pub async fn start_web_authn_registration(
    ctx: Ctx,
    req: StartWebAuthnRegistrationRequest,
) -> Result<StartWebAuthnRegistrationResponse, ApiError> {
    let options = ctx
        .domain
        .start_web_authn_registration(&required(req.access_token, "accessToken")?)
        .await?;
    Ok(StartWebAuthnRegistrationResponse {
        credential_creation_options: Some(options),
    })
}

/// CompleteWebAuthnRegistration.
pub async fn complete_web_authn_registration(
    ctx: Ctx,
    req: CompleteWebAuthnRegistrationRequest,
) -> Result<CompleteWebAuthnRegistrationResponse, ApiError> {
    ctx.domain
        .complete_web_authn_registration(
            &required(req.access_token, "accessToken")?,
            &required(req.credential, "credential")?,
        )
        .await?;
    Ok(CompleteWebAuthnRegistrationResponse {})
}

/// ListWebAuthnCredentials.
pub async fn list_web_authn_credentials(
    ctx: Ctx,
    req: ListWebAuthnCredentialsRequest,
) -> Result<ListWebAuthnCredentialsResponse, ApiError> {
    let page = ctx
        .domain
        .list_web_authn_credentials(
            &required(req.access_token, "accessToken")?,
            PageSize::requested(req.max_results),
            req.next_token.as_deref(),
        )
        .await?;
    Ok(ListWebAuthnCredentialsResponse {
        credentials: Some(page.items.into_iter().map(passkey_out).collect()),
        next_token: page.next,
    })
}

/// DeleteWebAuthnCredential.
pub async fn delete_web_authn_credential(
    ctx: Ctx,
    req: DeleteWebAuthnCredentialRequest,
) -> Result<DeleteWebAuthnCredentialResponse, ApiError> {
    ctx.domain
        .delete_web_authn_credential(
            &required(req.access_token, "accessToken")?,
            &required(req.credential_id, "credentialId")?,
        )
        .await?;
    Ok(DeleteWebAuthnCredentialResponse {})
}
