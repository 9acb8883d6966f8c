//! The Cognito JSON API: `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`.
//! Targets of identity pools (`AWSCognitoIdentityService.<Op>`) are handed to
//! [`crate::identity_api`], which reuses the steps below.
//!
//! A request goes: target → [`Operation`] (generated from the model) → SigV4 check when the
//! model says the operation is signed → JSON into the generated input type → the model's
//! validation → one handler, which converts to domain types, calls one `Domain` method and
//! converts back. Operations the model defines but Cognate has not built answer with
//! `UnsupportedOperationException` naming them.

mod auth;
mod branding;
mod clients;
pub(crate) mod convert;
mod devices;
mod domains;
mod groups;
mod identity_providers;
mod import_jobs;
mod me;
mod mfa;
mod passkeys;
mod pools;
#[cfg(test)]
mod properties;
mod resource_servers;
mod users;

use std::future::Future;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::Domain;
use cognate_wire::Validate;
use cognate_wire::idp::{Operation, TARGET_PREFIX};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;
use crate::sigv4::{self, Caller};

/// What a handler gets besides its input: the domain and who signed the request, if anyone.
#[derive(Clone)]
pub struct Ctx {
    pub domain: Arc<Domain>,
    pub import_jobs: Arc<cognate_domain::import_jobs::ImportJobs>,
    pub federation: Arc<cognate_domain::federation::FederationService>,
    pub caller: Option<Caller>,
}

/// `POST /`.
pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    if crate::identity_api::is_identity_target(&parts.headers) {
        return crate::identity_api::handle(state, parts, body, started).await;
    }
    let operation = match operation_of(&parts.headers) {
        Ok(operation) => operation,
        Err(e) => return e.into_response(),
    };
    let name = operation.name();
    let result = async {
        check_content_type(&parts.headers)?;
        let body = read_body(body, state.max_body_bytes).await?;
        let caller = authenticate(
            operation.requires_sigv4(),
            &state.sigv4,
            &state,
            &parts,
            &body,
        )?;
        let ctx = Ctx {
            domain: state.domain.clone(),
            import_jobs: state.import_jobs.clone(),
            federation: state.federation.clone(),
            caller,
        };
        dispatch(operation, ctx, &body).await
    }
    .await;
    respond(name, started, result)
}

/// The response to an operation's result, counted in the request metrics.
pub(crate) fn respond(
    name: &'static str,
    started: Instant,
    result: Result<Vec<u8>, ApiError>,
) -> Response {
    let response = match result {
        Ok(body) => json_response(body),
        Err(e) => {
            metrics::counter!("cognate_errors_total", "operation" => name, "type" => e.type_name)
                .increment(1);
            e.into_response()
        }
    };
    metrics::counter!("cognate_requests_total", "operation" => name).increment(1);
    metrics::histogram!("cognate_request_duration_seconds", "operation" => name)
        .record(started.elapsed().as_secs_f64());
    response
}

fn operation_of(headers: &HeaderMap) -> Result<Operation, ApiError> {
    let target = headers
        .get("x-amz-target")
        .ok_or_else(|| ApiError::unknown_operation("Missing X-Amz-Target header."))?
        .to_str()
        .map_err(|_| ApiError::unknown_operation("Malformed X-Amz-Target header."))?;
    let name = target
        .strip_prefix(TARGET_PREFIX)
        .and_then(|rest| rest.strip_prefix('.'))
        .ok_or_else(|| {
            ApiError::unknown_operation(format!("Unknown target {}.", sigv4::echo(target)))
        })?;
    Operation::from_name(name).ok_or_else(|| {
        ApiError::unknown_operation(format!("Unknown operation {}.", sigv4::echo(name)))
    })
}

pub(crate) fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media_type = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if media_type.eq_ignore_ascii_case("application/x-amz-json-1.1")
        || media_type.eq_ignore_ascii_case("application/json")
    {
        Ok(())
    } else {
        Err(ApiError::serialization(format!(
            "Unsupported content type {}. Use application/x-amz-json-1.1 or application/json.",
            sigv4::echo(media_type)
        )))
    }
}

pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            "SerializationException",
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    })
}

/// Verifies SigV4 for the operations the model marks as IAM-authorised, against the
/// settings (signing name) of the service the operation belongs to.
pub(crate) fn authenticate(
    requires_sigv4: bool,
    settings: &sigv4::SigV4Settings,
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: &[u8],
) -> Result<Option<Caller>, ApiError> {
    if !requires_sigv4 {
        return Ok(None);
    }
    sigv4::verify_request(
        parts,
        body,
        SystemTime::now(),
        settings,
        state.access_keys.as_ref(),
    )
    .map(Some)
    .map_err(|e| ApiError::new(e.code, e.status(), e.message))
}

fn json_response(body: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    response
}

/// Parses, validates, runs one handler and serialises its output. `C` is what the handler
/// gets besides its input ([`Ctx`] here, the identity service's context there).
pub(crate) async fn call<C, I, O, F, Fut>(
    ctx: C,
    body: &[u8],
    handler: F,
) -> Result<Vec<u8>, ApiError>
where
    I: DeserializeOwned + Validate,
    O: Serialize,
    F: FnOnce(C, I) -> Fut,
    Fut: Future<Output = Result<O, ApiError>>,
{
    let input: I = parse_input(body)?;
    cognate_wire::validate_input(&input)?;
    let output = handler(ctx, input).await?;
    serde_json::to_vec(&output)
        .map_err(|e| ApiError::internal(format!("cannot serialise response: {e}")))
}

/// Malformed JSON and wrong member types are SerializationException, as in Cognito.
/// An empty body, like a `null` one, is an input with nothing in it: AWS reads null as absent.
fn parse_input<I: DeserializeOwned>(body: &[u8]) -> Result<I, ApiError> {
    let body = if body.trim_ascii().is_empty() || body.trim_ascii() == b"null" {
        b"{}".as_slice()
    } else {
        body
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let input = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() || path == "." {
            ApiError::serialization(format!("Malformed request body: {inner}"))
        } else {
            ApiError::serialization(format!("Invalid value at '{path}': {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::serialization(format!("Malformed request body: {e}")))?;
    Ok(input)
}

/// Routes an operation to its handler. Operations not listed are not built yet.
async fn dispatch(operation: Operation, ctx: Ctx, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    macro_rules! routes {
        ($($op:ident => $handler:path),* $(,)?) => {
            match operation {
                $(Operation::$op => call(ctx, body, $handler).await,)*
                other => Err(ApiError::not_implemented(other.name())),
            }
        };
    }
    routes! {
        CreateUserPool => pools::create_user_pool,
        DescribeUserPool => pools::describe_user_pool,
        UpdateUserPool => pools::update_user_pool,
        DeleteUserPool => pools::delete_user_pool,
        ListUserPools => pools::list_user_pools,
        AddCustomAttributes => pools::add_custom_attributes,
        GetUserPoolMfaConfig => pools::get_user_pool_mfa_config,
        SetUserPoolMfaConfig => pools::set_user_pool_mfa_config,
        GetCSVHeader => pools::get_csv_header,
        CreateUserImportJob => import_jobs::create_user_import_job,
        DescribeUserImportJob => import_jobs::describe_user_import_job,
        ListUserImportJobs => import_jobs::list_user_import_jobs,
        StartUserImportJob => import_jobs::start_user_import_job,
        StopUserImportJob => import_jobs::stop_user_import_job,
        TagResource => pools::tag_resource,
        UntagResource => pools::untag_resource,
        ListTagsForResource => pools::list_tags_for_resource,
        CreateUserPoolClient => clients::create_user_pool_client,
        DescribeUserPoolClient => clients::describe_user_pool_client,
        UpdateUserPoolClient => clients::update_user_pool_client,
        DeleteUserPoolClient => clients::delete_user_pool_client,
        ListUserPoolClients => clients::list_user_pool_clients,
        AddUserPoolClientSecret => clients::add_user_pool_client_secret,
        DeleteUserPoolClientSecret => clients::delete_user_pool_client_secret,
        ListUserPoolClientSecrets => clients::list_user_pool_client_secrets,
        AdminCreateUser => users::admin_create_user,
        AdminGetUser => users::admin_get_user,
        AdminDeleteUser => users::admin_delete_user,
        AdminUpdateUserAttributes => users::admin_update_user_attributes,
        AdminDeleteUserAttributes => users::admin_delete_user_attributes,
        AdminDisableUser => users::admin_disable_user,
        AdminEnableUser => users::admin_enable_user,
        AdminSetUserPassword => users::admin_set_user_password,
        AdminResetUserPassword => users::admin_reset_user_password,
        AdminConfirmSignUp => users::admin_confirm_sign_up,
        ListUsers => users::list_users,
        CreateGroup => groups::create_group,
        GetGroup => groups::get_group,
        UpdateGroup => groups::update_group,
        DeleteGroup => groups::delete_group,
        ListGroups => groups::list_groups,
        AdminAddUserToGroup => groups::admin_add_user_to_group,
        AdminRemoveUserFromGroup => groups::admin_remove_user_from_group,
        AdminListGroupsForUser => groups::admin_list_groups_for_user,
        ListUsersInGroup => groups::list_users_in_group,
        InitiateAuth => auth::initiate_auth,
        AdminInitiateAuth => auth::admin_initiate_auth,
        RespondToAuthChallenge => auth::respond_to_auth_challenge,
        AdminRespondToAuthChallenge => auth::admin_respond_to_auth_challenge,
        GetTokensFromRefreshToken => auth::get_tokens_from_refresh_token,
        RevokeToken => auth::revoke_token,
        GlobalSignOut => auth::global_sign_out,
        AdminUserGlobalSignOut => auth::admin_user_global_sign_out,
        SignUp => me::sign_up,
        ConfirmSignUp => me::confirm_sign_up,
        ResendConfirmationCode => me::resend_confirmation_code,
        ForgotPassword => me::forgot_password,
        ConfirmForgotPassword => me::confirm_forgot_password,
        ChangePassword => me::change_password,
        GetUser => me::get_user,
        UpdateUserAttributes => me::update_user_attributes,
        GetUserAttributeVerificationCode => me::get_user_attribute_verification_code,
        VerifyUserAttribute => me::verify_user_attribute,
        DeleteUser => me::delete_user,
        DeleteUserAttributes => me::delete_user_attributes,
        SetUserSettings => me::set_user_settings,
        AdminSetUserSettings => me::admin_set_user_settings,
        AssociateSoftwareToken => mfa::associate_software_token,
        VerifySoftwareToken => mfa::verify_software_token,
        SetUserMFAPreference => mfa::set_user_mfa_preference,
        AdminSetUserMFAPreference => mfa::admin_set_user_mfa_preference,
        GetUserAuthFactors => mfa::get_user_auth_factors,
        StartWebAuthnRegistration => passkeys::start_web_authn_registration,
        CompleteWebAuthnRegistration => passkeys::complete_web_authn_registration,
        ListWebAuthnCredentials => passkeys::list_web_authn_credentials,
        DeleteWebAuthnCredential => passkeys::delete_web_authn_credential,
        ConfirmDevice => devices::confirm_device,
        GetDevice => devices::get_device,
        AdminGetDevice => devices::admin_get_device,
        ListDevices => devices::list_devices,
        AdminListDevices => devices::admin_list_devices,
        ForgetDevice => devices::forget_device,
        AdminForgetDevice => devices::admin_forget_device,
        UpdateDeviceStatus => devices::update_device_status,
        AdminUpdateDeviceStatus => devices::admin_update_device_status,
        SetUICustomization => branding::set_ui_customization,
        GetUICustomization => branding::get_ui_customization,
        CreateManagedLoginBranding => branding::create_managed_login_branding,
        DescribeManagedLoginBranding => branding::describe_managed_login_branding,
        DescribeManagedLoginBrandingByClient => branding::describe_managed_login_branding_by_client,
        UpdateManagedLoginBranding => branding::update_managed_login_branding,
        DeleteManagedLoginBranding => branding::delete_managed_login_branding,
        CreateUserPoolDomain => domains::create_user_pool_domain,
        DescribeUserPoolDomain => domains::describe_user_pool_domain,
        UpdateUserPoolDomain => domains::update_user_pool_domain,
        DeleteUserPoolDomain => domains::delete_user_pool_domain,
        CreateResourceServer => resource_servers::create_resource_server,
        DescribeResourceServer => resource_servers::describe_resource_server,
        UpdateResourceServer => resource_servers::update_resource_server,
        DeleteResourceServer => resource_servers::delete_resource_server,
        ListResourceServers => resource_servers::list_resource_servers,
        CreateIdentityProvider => identity_providers::create_identity_provider,
        UpdateIdentityProvider => identity_providers::update_identity_provider,
        DescribeIdentityProvider => identity_providers::describe_identity_provider,
        ListIdentityProviders => identity_providers::list_identity_providers,
        DeleteIdentityProvider => identity_providers::delete_identity_provider,
        GetIdentityProviderByIdentifier => identity_providers::get_identity_provider_by_identifier,
        GetSigningCertificate => identity_providers::get_signing_certificate,
        AdminLinkProviderForUser => identity_providers::admin_link_provider_for_user,
        AdminDisableProviderForUser => identity_providers::admin_disable_provider_for_user,
    }
}
