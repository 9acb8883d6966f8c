//! The SAML endpoints of a pool's domain: `/saml2/idpresponse` (the ACS, HTTP-POST only:
//! `SAMLResponse` and `RelayState`), `/saml2/logout` (the IdP's LogoutResponse, HTTP-POST
//! only), the step of `/logout` that sends a SAML session's browser to the IdP, and the
//! sign-in page's email box (`/login/discover`, email-domain discovery by IdpIdentifiers).
//! Each calls one method of the federation service.

use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use cognate_domain::federation::saml_signin::{
    SAML_FLOW_COOKIE, SAML_SESSION_COOKIE, SAML_SESSION_COOKIE_SECS,
};
use cognate_domain::federation::{AfterLogout, SamlCallback, SamlLoggedOut};
use cognate_domain::oauth::endpoints::LogoutOutcome;
use cognate_domain::oauth::{HostedSite, OAuthError, OAuthErrorCode};

use super::browser::{error_page, found, secure, to_client, with_cookie};
use super::html;
use super::wire::{self, SSO_COOKIE};
use crate::AppState;

/// The flow cookie lives only on the ACS path, and only as long as a flow may take.
const FLOW_COOKIE_PATH: &str = "/saml2/idpresponse";

/// The SAML flow cookie. The IdP answers with a cross-site POST, which carries only
/// `SameSite=None` cookies, and those must be `Secure`: so on https it is `None; Secure`; on
/// plain-http dev setups `Lax` (browsers refuse `None` without `Secure` there).
pub(super) fn flow_cookie_header(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    if !secure {
        return wire::set_cookie(SAML_FLOW_COOKIE, value, FLOW_COOKIE_PATH, max_age, false);
    }
    let text = format!(
        "{SAML_FLOW_COOKIE}={value}; Path={FLOW_COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=None; Secure"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn session_cookie_header(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    wire::set_cookie(SAML_SESSION_COOKIE, value, "/", max_age, secure)
}

/// `POST /saml2/idpresponse`.
pub async fn idp_response(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match wire::params(&String::from_utf8_lossy(&body)) {
        Ok(params) => params,
        Err(e) => return error_page(&e),
    };
    let relay_state = params.get("RelayState").cloned();
    // IdP-initiated sign-in: RelayState holds authorize parameters (a sealed state never
    // contains `=`).
    let relay_request = relay_state
        .as_deref()
        .filter(|r| r.contains('='))
        .and_then(|r| wire::params(r).ok())
        .map(|p| wire::authorize_request(&p));
    let callback = SamlCallback {
        saml_response: params.get("SAMLResponse").cloned(),
        relay_state,
        relay_request,
        flow_cookie: wire::cookie(&headers, SAML_FLOW_COOKIE).map(str::to_owned),
    };
    let secure = secure(&state);
    match state.federation.saml_response(&site, &callback).await {
        Ok(done) => {
            let signed_in = done.signed_in;
            let mut response = to_client(&signed_in.redirect);
            if callback.flow_cookie.is_some() {
                response = with_cookie(response, flow_cookie_header("", 0, secure));
            }
            if let Some(cookie) = signed_in.sso_cookie {
                response = with_cookie(
                    response,
                    wire::set_cookie(SSO_COOKIE, &cookie.value, "/", cookie.max_age_secs, secure),
                );
            }
            if let Some(session) = done.session_cookie {
                response = with_cookie(
                    response,
                    session_cookie_header(&session, SAML_SESSION_COOKIE_SECS, secure),
                );
            }
            response
        }
        Err(e) => error_page(&e),
    }
}

/// `POST /saml2/logout`: the IdP's LogoutResponse.
pub async fn logout_response(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    body: Bytes,
) -> Response {
    let params = match wire::params(&String::from_utf8_lossy(&body)) {
        Ok(params) => params,
        Err(e) => return error_page(&e),
    };
    if params.contains_key("SAMLRequest") {
        return error_page(&OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "Logout requests from the identity provider are not supported.",
        ));
    }
    let outcome = state
        .federation
        .saml_logout_response(
            &site,
            params.get("SAMLResponse").map(String::as_str),
            params.get("RelayState").map(String::as_str),
        )
        .await;
    match outcome {
        Ok(SamlLoggedOut::Redirect(redirect)) => to_client(&redirect),
        Ok(SamlLoggedOut::SignedOut) => html::signed_out_page(),
        Err(e) => error_page(&e),
    }
}

/// `GET /login/discover`: the sign-in page's email box. On to the provider whose
/// IdpIdentifier is the email's domain, else to the password form with the email filled in.
pub async fn discover(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    RawQuery(query): RawQuery,
) -> Response {
    let mut params = match wire::params(&query.unwrap_or_default()) {
        Ok(params) => params,
        Err(e) => return error_page(&e),
    };
    let email = params.remove("email").unwrap_or_default();
    params.remove("identity_provider");
    params.remove("idp_identifier");
    let request = wire::authorize_request(&params);
    match state
        .federation
        .discover_provider(&site, &request, &email)
        .await
    {
        Ok(Some(identifier)) => {
            params.insert("idp_identifier".to_owned(), identifier);
            found(&format!("/oauth2/authorize?{}", encode(&params)))
        }
        Ok(None) => {
            params.insert("username".to_owned(), email);
            found(&format!("/login?{}", encode(&params)))
        }
        Err(e) => error_page(&e),
    }
}

fn encode(params: &std::collections::BTreeMap<String, String>) -> String {
    serde_urlencoded::to_string(params).unwrap_or_default()
}

/// A GET where Cognito takes only the HTTP-POST binding.
pub async fn post_only() -> Response {
    html::error_page(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request",
        "This endpoint takes the HTTP-POST binding only.",
    )
}

/// The SAML step of `/logout`, after the hosted session ended: a browser whose session came
/// from a provider with `IDPSignout` goes to the IdP with a LogoutRequest instead of
/// straight to `after`. The SAML session cookie goes either way.
pub(super) async fn single_logout(
    state: &AppState,
    site: &HostedSite,
    headers: &HeaderMap,
    outcome: &LogoutOutcome,
    response: Response,
) -> Response {
    let Some(cookie) = wire::cookie(headers, SAML_SESSION_COOKIE) else {
        return response;
    };
    let after = match outcome {
        LogoutOutcome::Redirect(redirect) => AfterLogout::Redirect {
            uri: redirect.uri.clone(),
            state: redirect
                .params
                .iter()
                .find(|(name, _)| *name == "state")
                .map(|(_, value)| value.clone()),
        },
        LogoutOutcome::SignedOut => AfterLogout::SignedOut,
        // Back to the sign-in page: the IdP session is left alone (decision).
        LogoutOutcome::SignIn => return response,
    };
    let secure = secure(state);
    let forget = session_cookie_header("", 0, secure);
    match state
        .federation
        .saml_single_logout(site, Some(cookie), after)
        .await
    {
        Ok(Some(url)) => with_cookie(found(&url), forget),
        Ok(None) => with_cookie(response, forget),
        Err(e) => with_cookie(error_page(&e), forget),
    }
}
