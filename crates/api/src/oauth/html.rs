//! The few HTML pages of a domain until the hosted UI arrives: a bare sign-in form, an error
//! page and a signed-out page. Every value is escaped here; there is no template engine yet.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::wire::AUTHORIZE_PARAMS;

/// Escapes text for element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page; never cached, never framed (clickjacking on a sign-in form).
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{body}\n</body></html>\n",
        escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    response
}

/// The sign-in form, carrying the authorization parameters along in hidden fields.
pub fn login_form(
    params: &BTreeMap<String, String>,
    csrf: &str,
    message: Option<&str>,
    username: &str,
) -> String {
    let mut hidden = String::new();
    for name in AUTHORIZE_PARAMS {
        if let Some(value) = params.get(*name) {
            hidden.push_str(&format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                escape(value)
            ));
        }
    }
    let message = message
        .map(|m| format!("<p id=\"error\" role=\"alert\">{}</p>\n", escape(m)))
        .unwrap_or_default();
    format!(
        "<h1>Sign in</h1>\n{message}<form method=\"post\" action=\"/login\">\n{hidden}<input type=\"hidden\" name=\"_csrf\" value=\"{}\">\n<label>Username <input name=\"username\" autocomplete=\"username\" value=\"{}\" required></label>\n<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\n<button type=\"submit\">Sign in</button>\n</form>",
        escape(csrf),
        escape(username)
    )
}

/// An error that must not be sent to the client (unknown client, redirect mismatch).
pub fn error_page(status: StatusCode, code: &str, description: &str) -> Response {
    page(
        status,
        "Error",
        &format!(
            "<h1>An error was encountered with the requested page.</h1>\n<p><code id=\"error\">{}</code>: <span id=\"error_description\">{}</span></p>",
            escape(code),
            escape(description)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let mut params = BTreeMap::new();
        params.insert("state".to_owned(), "\"><script>".to_owned());
        params.insert("unrelated".to_owned(), "dropped".to_owned());
        let form = login_form(&params, "t", None, "");
        assert!(form.contains("value=\"&quot;&gt;&lt;script&gt;\""));
        assert!(!form.contains("dropped"));
    }
}
