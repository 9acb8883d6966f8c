//! The endpoints of a pool's domain that sign users in through outside providers:
//! `/oauth2/authorize` with `identity_provider` or `idp_identifier` (handed over by
//! `browser::authorize`), and `/oauth2/idpresponse` (a GET with the provider's `code` and
//! `state`, or Apple's `form_post`). Each calls one method of the federation service.

use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use cognate_domain::federation::signin::FLOW_COOKIE;
use cognate_domain::federation::{FederatedAuthorize, IdpCallback};
use cognate_domain::oauth::HostedSite;
use cognate_domain::oauth::authorize::AuthorizeRequest;

use super::browser::{error_page, found, secure, to_client, with_cookie};
use super::wire::{self, SSO_COOKIE};
use crate::AppState;

/// The flow cookie lives only on the callback path, and only as long as a flow may take.
const FLOW_COOKIE_PATH: &str = "/oauth2/idpresponse";

/// The flow cookie for cross-site POSTs on plain-http loopback domains (see
/// [`flow_cookies`]).
const CROSS_SITE_FLOW_COOKIE: &str = "cognate-idp-flow-xs";

/// The flow cookie(s). Apple answers with a cross-site POST (`form_post`), which carries only
/// `SameSite=None` cookies, and those must be `Secure`: so on https the cookie is
/// `None; Secure`. On plain http it is `Lax` (browsers refuse `None` without `Secure`), and on
/// plain-http loopback hosts (`localhost`, `*.localhost`, `127.0.0.1`), which browsers count
/// as secure contexts that keep `Secure` cookies, a second `None; Secure` cookie goes beside
/// it, so Apple's `form_post` works in dev while clients that send `Secure` cookies only over
/// https still have the `Lax` one.
fn flow_cookies(
    value: &str,
    max_age: i64,
    state: &AppState,
    site: &HostedSite,
) -> Vec<HeaderValue> {
    let cross_site = |name: &str| {
        let text = format!(
            "{name}={value}; Path={FLOW_COOKIE_PATH}; Max-Age={max_age}; HttpOnly; SameSite=None; Secure"
        );
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
    };
    if secure(state) {
        return vec![cross_site(FLOW_COOKIE)];
    }
    let mut cookies = vec![wire::set_cookie(
        FLOW_COOKIE,
        value,
        FLOW_COOKIE_PATH,
        max_age,
        false,
    )];
    if loopback_host(&site.base_url) {
        cookies.push(cross_site(CROSS_SITE_FLOW_COOKIE));
    }
    cookies
}

fn with_cookies(response: Response, cookies: Vec<HeaderValue>) -> Response {
    cookies.into_iter().fold(response, with_cookie)
}

/// Whether a `scheme://host[:port]` names a loopback host browsers treat as secure.
fn loopback_host(base_url: &str) -> bool {
    let Some(authority) = base_url.split_once("://").map(|(_, rest)| rest) else {
        return false;
    };
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
    .to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost") || host == "127.0.0.1" || host == "[::1]"
}

/// `/oauth2/authorize` for an outside provider.
pub async fn authorize(
    state: &AppState,
    site: &HostedSite,
    request: &AuthorizeRequest,
) -> Response {
    match state.federation.authorize(site, request).await {
        Ok(FederatedAuthorize::Upstream {
            url,
            flow_cookie,
            max_age_secs,
        }) => with_cookies(
            found(&url),
            flow_cookies(&flow_cookie, max_age_secs, state, site),
        ),
        Ok(FederatedAuthorize::Saml {
            url,
            flow_cookie,
            max_age_secs,
        }) => with_cookie(
            found(&url),
            super::saml::flow_cookie_header(&flow_cookie, max_age_secs, secure(state)),
        ),
        Ok(FederatedAuthorize::Redirect(redirect)) => to_client(&redirect),
        Err(e) => error_page(&e),
    }
}

/// `GET /oauth2/idpresponse`.
pub async fn idp_response(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    respond(&state, &site, &query.unwrap_or_default(), &headers).await
}

/// `POST /oauth2/idpresponse` (Apple's `response_mode=form_post`).
pub async fn idp_response_post(
    State(state): State<AppState>,
    Extension(site): Extension<HostedSite>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(&state, &site, &String::from_utf8_lossy(&body), &headers).await
}

async fn respond(
    state: &AppState,
    site: &HostedSite,
    encoded: &str,
    headers: &HeaderMap,
) -> Response {
    let params = match wire::params(encoded) {
        Ok(params) => params,
        Err(e) => return error_page(&e),
    };
    let get = |name: &str| params.get(name).cloned();
    let callback = IdpCallback {
        state: get("state"),
        code: get("code"),
        error: get("error"),
        error_description: get("error_description"),
        user: get("user"),
        flow_cookie: wire::cookie(headers, FLOW_COOKIE)
            .or_else(|| wire::cookie(headers, CROSS_SITE_FLOW_COOKIE))
            .map(str::to_owned),
    };
    match state.federation.idp_response(site, &callback).await {
        Ok(signed_in) => {
            // The flow is spent: its cookie goes. (A refused state leaves the cookie, so a
            // forged callback cannot cancel the browser's genuine flow.)
            let spent = flow_cookies("", 0, state, site);
            let response = with_cookies(to_client(&signed_in.redirect), spent);
            match signed_in.sso_cookie {
                Some(cookie) => with_cookie(
                    response,
                    wire::set_cookie(
                        SSO_COOKIE,
                        &cookie.value,
                        "/",
                        cookie.max_age_secs,
                        secure(state),
                    ),
                ),
                None => response,
            }
        }
        Err(e) => error_page(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for base in [
            "http://localhost:9400",
            "http://a.auth.localhost:9400",
            "http://A.AUTH.LOCALHOST",
            "http://127.0.0.1:80",
            "http://[::1]:9400",
        ] {
            assert!(loopback_host(base), "{base}");
        }
        for base in [
            "http://auth.example.com",
            "http://localhost.example.com:9400",
            "http://10.0.0.1",
            "nonsense",
        ] {
            assert!(!loopback_host(base), "{base}");
        }
    }
}
