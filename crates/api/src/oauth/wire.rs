//! The encodings of the OAuth endpoints: URL-encoded parameters (query and form), cookies,
//! HTTP Basic client credentials, and redirect URLs.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use cognate_domain::oauth::authorize::AuthorizeRequest;
use cognate_domain::oauth::token::ClientCredentials;
use cognate_domain::oauth::{OAuthError, OAuthErrorCode, Redirect};

/// The SSO session cookie of a domain.
pub const SSO_COOKIE: &str = "cognate_sso";
/// The sign-in form's double-submitted CSRF token.
pub const CSRF_COOKIE: &str = "cognate_csrf";

/// URL-encoded parameters by name. A parameter given twice is refused (RFC 6749 §3.1).
pub fn params(encoded: &str) -> Result<BTreeMap<String, String>, OAuthError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(encoded)
        .map_err(|_| OAuthError::new(OAuthErrorCode::InvalidRequest, "Malformed parameters."))?;
    let mut map = BTreeMap::new();
    for (name, value) in pairs {
        if map.insert(name.clone(), value).is_some() {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidRequest,
                format!("The parameter {name} is given more than once."),
            ));
        }
    }
    Ok(map)
}

/// The authorization parameters among `params` (the query of `/oauth2/authorize`, or the
/// hidden fields of the sign-in form).
pub fn authorize_request(params: &BTreeMap<String, String>) -> AuthorizeRequest {
    let get = |name: &str| params.get(name).cloned();
    AuthorizeRequest {
        response_type: get("response_type"),
        client_id: get("client_id"),
        redirect_uri: get("redirect_uri"),
        state: get("state"),
        scope: get("scope"),
        code_challenge: get("code_challenge"),
        code_challenge_method: get("code_challenge_method"),
        nonce: get("nonce"),
        prompt: get("prompt"),
        identity_provider: get("identity_provider"),
        idp_identifier: get("idp_identifier"),
    }
}

/// The names `authorize_request` reads, in the order the sign-in form carries them.
pub const AUTHORIZE_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "prompt",
    "identity_provider",
    "idp_identifier",
];

/// A cookie's value, from any of the request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: host-only, HttpOnly, SameSite=Lax (sent on the top-level redirects
/// back from a client), Secure when the public URL is https.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text =
        format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Client credentials from the Authorization header (`client_secret_basic`) and the form.
///
/// Returns whether Basic was attempted, which decides the `WWW-Authenticate` challenge of an
/// `invalid_client` answer, even when the header cannot be decoded.
pub fn client_credentials(
    headers: &HeaderMap,
    form: &BTreeMap<String, String>,
) -> (Result<ClientCredentials, OAuthError>, bool) {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let basic = authorization.and_then(|a| {
        a.split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, value)| value.trim())
    });
    let decoded = match basic {
        None => None,
        Some(value) => match decode_basic(value) {
            Some(pair) => Some(pair),
            None => {
                return (
                    Err(OAuthError::new(
                        OAuthErrorCode::InvalidClient,
                        "The Authorization header is malformed.",
                    )),
                    true,
                );
            }
        },
    };
    (
        Ok(ClientCredentials {
            basic: decoded,
            client_id: form.get("client_id").cloned(),
            client_secret: form.get("client_secret").cloned(),
        }),
        basic.is_some(),
    )
}

/// `base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
fn decode_basic(value: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

/// Decodes the `%XX` escapes of one Basic credential. A `+` stays a `+`: client secrets may
/// contain it (`[\w+]+`) and many clients do not encode them, while no client id or secret
/// can contain the space a form-encoded `+` would stand for.
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let value = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(value);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The bearer token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty())
}

/// The `Location` of a redirect to the client.
pub fn redirect_url(redirect: &Redirect) -> String {
    let encoded = serde_urlencoded::to_string(&redirect.params).unwrap_or_default();
    if encoded.is_empty() {
        return redirect.uri.clone();
    }
    let separator = if redirect.fragment {
        '#'
    } else if redirect.uri.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{separator}{encoded}", redirect.uri)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let value = base64::engine::general_purpose::STANDARD.encode("my%20id:p%3As+x");
        assert_eq!(
            decode_basic(&value),
            Some(("my id".to_owned(), "p:s+x".to_owned()))
        );
        assert_eq!(decode_basic("!!"), None);
    }

    #[test]
    fn duplicate_parameters_are_refused() {
        assert!(params("a=1&b=2").is_ok());
        let e = params("a=1&a=2").unwrap_err();
        assert_eq!(e.description, "The parameter a is given more than once.");
    }

    #[test]
    fn redirects_append_to_the_query_or_the_fragment() {
        let mut redirect = Redirect {
            uri: "https://app/cb?x=1".to_owned(),
            params: vec![("code", "a b".to_owned())],
            fragment: false,
        };
        assert_eq!(redirect_url(&redirect), "https://app/cb?x=1&code=a+b");
        redirect.fragment = true;
        assert_eq!(redirect_url(&redirect), "https://app/cb?x=1#code=a+b");
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; cognate_sso=xyz"),
        );
        assert_eq!(cookie(&headers, SSO_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "b"), None);
    }
}

/// Fuzzing (issue 10): the hosted pages' and OAuth endpoints' encodings as anyone may send
/// them. Whatever the text, parsing answers a value or an RFC 6749 error, never a panic; and
/// what a client encodes comes back as it was.
#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    fn with_header(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
        headers
    }

    #[test]
    fn fuzz_form_corpus() {
        let corpus = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fuzz/corpus/form.txt"
        ));
        for line in corpus.lines() {
            if let Ok(parsed) = params(line) {
                let _ = authorize_request(&parsed);
            }
        }
    }

    proptest! {
        #[test]
        fn fuzz_form_any_text_is_parsed_or_refused(text in any::<String>()) {
            if let Ok(parsed) = params(&text) {
                let _ = authorize_request(&parsed);
            }
        }

        #[test]
        fn fuzz_form_parameters_read_back_as_encoded(
            form in proptest::collection::btree_map(any::<String>(), any::<String>(), 0..8),
        ) {
            let encoded = serde_urlencoded::to_string(&form).unwrap();
            prop_assert_eq!(params(&encoded).unwrap(), form);
        }

        #[test]
        fn fuzz_form_any_authorization_and_cookie_header_is_read_or_refused(
            value in "[ -~]{0,200}",
            form in proptest::collection::btree_map("[a-z_]{1,12}", ".{0,12}", 0..4),
        ) {
            let headers = with_header(header::AUTHORIZATION, &value);
            let _ = client_credentials(&headers, &form);
            let _ = bearer(&headers);
            let cookies = with_header(header::COOKIE, &value);
            let _ = cookie(&cookies, SSO_COOKIE);
            let _ = cookie(&cookies, CSRF_COOKIE);
        }

        #[test]
        fn fuzz_form_basic_credentials_read_back_as_encoded(
            id in "[A-Za-z0-9]{1,26}",
            secret in "[\\w+]{1,52}",
        ) {
            let value = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
            let headers = with_header(header::AUTHORIZATION, &format!("Basic {value}"));
            let (credentials, tried) = client_credentials(&headers, &BTreeMap::new());
            prop_assert!(tried);
            prop_assert_eq!(credentials.unwrap().basic, Some((id, secret)));
        }
    }
}
