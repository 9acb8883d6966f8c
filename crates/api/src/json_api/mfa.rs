//! Second factors: AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference and
//! AdminSetUserMFAPreference; and GetUserAuthFactors (the first factors USER_AUTH offers).

use cognate_domain::mfa_settings::{Enrolment, FactorPreference, MfaPreferences};
use cognate_wire::idp::*;

use super::Ctx;
use super::convert::required;
use crate::error::ApiError;

/// Who enrols: the access token, or the Session of a sign-in's MFA_SETUP step.
fn enrolment<'a>(
    access_token: Option<&'a str>,
    session: Option<&'a str>,
) -> Result<Enrolment<'a>, ApiError> {
    match (access_token, session) {
        (Some(token), _) => Ok(Enrolment::AccessToken(token)),
        (None, Some(session)) => Ok(Enrolment::Session(session)),
        (None, None) => Err(ApiError::invalid_parameter(
            "Either AccessToken or Session must be provided.",
        )),
    }
}

/// AssociateSoftwareToken.
pub async fn associate_software_token(
    ctx: Ctx,
    req: AssociateSoftwareTokenRequest,
) -> Result<AssociateSoftwareTokenResponse, ApiError> {
    let associated = ctx
        .domain
        .associate_software_token(enrolment(
            req.access_token.as_deref(),
            req.session.as_deref(),
        )?)
        .await?;
    Ok(AssociateSoftwareTokenResponse {
        secret_code: Some(associated.secret_code),
        session: associated.session,
    })
}

/// VerifySoftwareToken.
pub async fn verify_software_token(
    ctx: Ctx,
    req: VerifySoftwareTokenRequest,
) -> Result<VerifySoftwareTokenResponse, ApiError> {
    let session = ctx
        .domain
        .verify_software_token(
            enrolment(req.access_token.as_deref(), req.session.as_deref())?,
            &required(req.user_code, "userCode")?,
            req.friendly_device_name,
        )
        .await?;
    Ok(VerifySoftwareTokenResponse {
        status: Some(VerifySoftwareTokenResponseType::Success),
        session,
    })
}

fn factor(enabled: Option<bool>, preferred: Option<bool>) -> FactorPreference {
    FactorPreference { enabled, preferred }
}

fn preferences_in(
    sms: Option<SMSMfaSettingsType>,
    software_token: Option<SoftwareTokenMfaSettingsType>,
    email: Option<EmailMfaSettingsType>,
) -> MfaPreferences {
    MfaPreferences {
        sms: sms.map(|s| factor(s.enabled, s.preferred_mfa)),
        software_token: software_token.map(|s| factor(s.enabled, s.preferred_mfa)),
        email: email.map(|s| factor(s.enabled, s.preferred_mfa)),
    }
}

/// SetUserMFAPreference.
pub async fn set_user_mfa_preference(
    ctx: Ctx,
    req: SetUserMFAPreferenceRequest,
) -> Result<SetUserMFAPreferenceResponse, ApiError> {
    let preferences = preferences_in(
        req.sms_mfa_settings,
        req.software_token_mfa_settings,
        req.email_mfa_settings,
    );
    ctx.domain
        .set_user_mfa_preference(&required(req.access_token, "accessToken")?, preferences)
        .await?;
    Ok(SetUserMFAPreferenceResponse {})
}

/// AdminSetUserMFAPreference.
pub async fn admin_set_user_mfa_preference(
    ctx: Ctx,
    req: AdminSetUserMFAPreferenceRequest,
) -> Result<AdminSetUserMFAPreferenceResponse, ApiError> {
    let preferences = preferences_in(
        req.sms_mfa_settings,
        req.software_token_mfa_settings,
        req.email_mfa_settings,
    );
    ctx.domain
        .admin_set_user_mfa_preference(
            &required(req.user_pool_id, "userPoolId")?,
            &required(req.username, "username")?,
            preferences,
        )
        .await?;
    Ok(AdminSetUserMFAPreferenceResponse {})
}

/// GetUserAuthFactors.
pub async fn get_user_auth_factors(
    ctx: Ctx,
    req: GetUserAuthFactorsRequest,
) -> Result<GetUserAuthFactorsResponse, ApiError> {
    let factors = ctx
        .domain
        .get_user_auth_factors(&required(req.access_token, "accessToken")?)
        .await?;
    Ok(GetUserAuthFactorsResponse {
        username: Some(factors.username),
        preferred_mfa_setting: factors.preferred_mfa,
        user_mfa_setting_list: (!factors.mfa_methods.is_empty()).then_some(factors.mfa_methods),
        configured_user_auth_factors: Some(
            factors
                .configured
                .iter()
                .map(|f| AuthFactorType::parse(f))
                .collect(),
        ),
    })
}
