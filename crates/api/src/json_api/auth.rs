//! Sign-in and tokens: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
//! AdminRespondToAuthChallenge, GetTokensFromRefreshToken, RevokeToken, GlobalSignOut and
//! AdminUserGlobalSignOut.

use std::collections::BTreeMap;

use cognate_domain::auth::{
    AuthFlow, AuthOutcome, ChallengeResponse, InitiateAuthRequest as DomainInitiate,
};
use cognate_domain::tokens::IssuedTokens;
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::required;
use crate::error::ApiError;

pub(super) fn authentication_result(tokens: IssuedTokens) -> AuthenticationResultType {
    AuthenticationResultType {
        access_token: Some(tokens.access_token),
        expires_in: i32::try_from(tokens.expires_in).ok(),
        token_type: Some("Bearer".to_owned()),
        refresh_token: tokens.refresh_token,
        id_token: Some(tokens.id_token),
        new_device_metadata: tokens.new_device.map(|d| NewDeviceMetadataType {
            device_key: Some(d.device_key),
            device_group_key: Some(d.device_group_key),
        }),
    }
}

/// The parts every Initiate/Respond response shares.
struct Outcome {
    challenge_name: Option<ChallengeNameType>,
    session: Option<String>,
    challenge_parameters: Option<BTreeMap<String, String>>,
    authentication_result: Option<AuthenticationResultType>,
    available_challenges: Option<Vec<ChallengeNameType>>,
}

fn outcome(result: AuthOutcome) -> Outcome {
    match result {
        AuthOutcome::Challenge {
            name,
            session,
            parameters,
        } => Outcome {
            challenge_name: Some(ChallengeNameType::parse(&name)),
            session,
            challenge_parameters: Some(parameters),
            authentication_result: None,
            available_challenges: None,
        },
        AuthOutcome::SelectChallenge {
            session,
            available,
            parameters,
        } => Outcome {
            challenge_name: Some(ChallengeNameType::SelectChallenge),
            session: Some(session),
            challenge_parameters: Some(parameters),
            authentication_result: None,
            available_challenges: Some(
                available
                    .iter()
                    .map(|c| ChallengeNameType::parse(c))
                    .collect(),
            ),
        },
        AuthOutcome::Authenticated(tokens) => Outcome {
            challenge_name: None,
            session: None,
            challenge_parameters: Some(BTreeMap::new()),
            authentication_result: Some(authentication_result(tokens)),
            available_challenges: None,
        },
    }
}

/// InitiateAuth.
pub async fn initiate_auth(
    ctx: Ctx,
    req: InitiateAuthRequest,
) -> Result<InitiateAuthResponse, ApiError> {
    let request = DomainInitiate {
        pool_id: None,
        client_id: required(req.client_id, "clientId")?,
        flow: AuthFlow::parse(required(req.auth_flow, "authFlow")?.as_str())?,
        parameters: req.auth_parameters.unwrap_or_default(),
        client_metadata: req.client_metadata.unwrap_or_default(),
        session: req.session,
    };
    let o = outcome(ctx.domain.initiate_auth(request).await?);
    Ok(InitiateAuthResponse {
        challenge_name: o.challenge_name,
        session: o.session,
        challenge_parameters: o.challenge_parameters,
        authentication_result: o.authentication_result,
        available_challenges: o.available_challenges,
    })
}

/// AdminInitiateAuth.
pub async fn admin_initiate_auth(
    ctx: Ctx,
    req: AdminInitiateAuthRequest,
) -> Result<AdminInitiateAuthResponse, ApiError> {
    let request = DomainInitiate {
        pool_id: Some(required(req.user_pool_id, "userPoolId")?),
        client_id: required(req.client_id, "clientId")?,
        flow: AuthFlow::parse(required(req.auth_flow, "authFlow")?.as_str())?,
        parameters: req.auth_parameters.unwrap_or_default(),
        client_metadata: req.client_metadata.unwrap_or_default(),
        session: req.session,
    };
    let o = outcome(ctx.domain.initiate_auth(request).await?);
    Ok(AdminInitiateAuthResponse {
        challenge_name: o.challenge_name,
        session: o.session,
        challenge_parameters: o.challenge_parameters,
        authentication_result: o.authentication_result,
        available_challenges: o.available_challenges,
    })
}

/// RespondToAuthChallenge.
pub async fn respond_to_auth_challenge(
    ctx: Ctx,
    req: RespondToAuthChallengeRequest,
) -> Result<RespondToAuthChallengeResponse, ApiError> {
    let response = ChallengeResponse {
        pool_id: None,
        client_id: required(req.client_id, "clientId")?,
        challenge_name: required(req.challenge_name, "challengeName")?.to_string(),
        session: req.session,
        responses: req.challenge_responses.unwrap_or_default(),
        client_metadata: req.client_metadata.unwrap_or_default(),
    };
    let o = outcome(ctx.domain.respond_to_auth_challenge(response).await?);
    Ok(RespondToAuthChallengeResponse {
        challenge_name: o.challenge_name,
        session: o.session,
        challenge_parameters: o.challenge_parameters,
        authentication_result: o.authentication_result,
        available_challenges: o.available_challenges,
    })
}

/// AdminRespondToAuthChallenge.
pub async fn admin_respond_to_auth_challenge(
    ctx: Ctx,
    req: AdminRespondToAuthChallengeRequest,
) -> Result<AdminRespondToAuthChallengeResponse, ApiError> {
    let response = ChallengeResponse {
        pool_id: Some(required(req.user_pool_id, "userPoolId")?),
        client_id: required(req.client_id, "clientId")?,
        challenge_name: required(req.challenge_name, "challengeName")?.to_string(),
        session: req.session,
        responses: req.challenge_responses.unwrap_or_default(),
        client_metadata: req.client_metadata.unwrap_or_default(),
    };
    let o = outcome(ctx.domain.respond_to_auth_challenge(response).await?);
    Ok(AdminRespondToAuthChallengeResponse {
        challenge_name: o.challenge_name,
        session: o.session,
        challenge_parameters: o.challenge_parameters,
        authentication_result: o.authentication_result,
        available_challenges: o.available_challenges,
    })
}

/// GetTokensFromRefreshToken.
pub async fn get_tokens_from_refresh_token(
    ctx: Ctx,
    req: GetTokensFromRefreshTokenRequest,
) -> Result<GetTokensFromRefreshTokenResponse, ApiError> {
    let tokens = ctx
        .domain
        .get_tokens_from_refresh_token(
            &required(req.client_id, "clientId")?,
            req.client_secret.as_deref(),
            &required(req.refresh_token, "refreshToken")?,
        )
        .await?;
    Ok(GetTokensFromRefreshTokenResponse {
        authentication_result: Some(authentication_result(tokens)),
    })
}

/// RevokeToken.
pub async fn revoke_token(
    ctx: Ctx,
    req: RevokeTokenRequest,
) -> Result<RevokeTokenResponse, ApiError> {
    ctx.domain
        .revoke_token(
            &required(req.token, "token")?,
            &required(req.client_id, "clientId")?,
            req.client_secret.as_deref(),
        )
        .await?;
    Ok(RevokeTokenResponse {})
}

/// GlobalSignOut.
pub async fn global_sign_out(
    ctx: Ctx,
    req: GlobalSignOutRequest,
) -> Result<GlobalSignOutResponse, ApiError> {
    ctx.domain
        .global_sign_out(&required(req.access_token, "accessToken")?)
        .await?;
    Ok(GlobalSignOutResponse {})
}

/// AdminUserGlobalSignOut.
pub async fn admin_user_global_sign_out(
    ctx: Ctx,
    req: AdminUserGlobalSignOutRequest,
) -> Result<AdminUserGlobalSignOutResponse, ApiError> {
    ctx.domain
        .admin_user_global_sign_out(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
        )
        .await?;
    Ok(AdminUserGlobalSignOutResponse {})
}
