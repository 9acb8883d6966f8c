//! Outbound HTTP to identity providers: one reqwest client with connect and total timeouts,
//! a cap on response bodies, a resolver that knows `*.localhost` is loopback, and the URL
//! rule every upstream must pass (https, or http on loopback in dev mode only).
//!
//! Call sites turn an [`HttpFailure`] into the Cognito text that fits the endpoint (a
//! timeout at the token endpoint is not worded like one at the JWKS URI).

use std::error::Error as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use cognate_domain::external::ExternalError;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde_json::{Map, Value};

use crate::config::HttpSettings;

/// Redirects followed for metadata, discovery and JWKS; each hop must pass the URL rule.
const MAX_REDIRECTS: usize = 5;

/// Resolves `localhost` and every `*.localhost` name to loopback, as browsers do (RFC 6761
/// §6.3), and everything else through the system resolver. Without it two dev servers at
/// `http://a.auth.localhost:9400` and `http://b.auth.localhost:9401` could not call each
/// other on systems whose resolver does not know the subdomains.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoopbackResolver;

impl Resolve for LoopbackResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            if is_localhost_name(&host) {
                let addrs: Vec<SocketAddr> = vec![
                    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
                    SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
                ];
                return Ok(Box::new(addrs.into_iter()) as Addrs);
            }
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// `localhost` or a name under it (case-insensitive, trailing dot allowed).
pub fn is_localhost_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// Whether a URL's host is loopback: `localhost`, `*.localhost`, `127.0.0.0/8` or `[::1]`.
pub fn is_loopback_url(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => is_localhost_name(name),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses `text` and applies the upstream URL rule: https always; http only for a loopback
/// host and only in dev mode; nothing else.
pub fn checked_url(text: &str, dev_mode: bool) -> Result<Url, ExternalError> {
    let url = Url::parse(text).map_err(|_| ExternalError::InsecureUrl(text.to_owned()))?;
    if url_allowed(&url, dev_mode) {
        Ok(url)
    } else {
        Err(ExternalError::InsecureUrl(text.to_owned()))
    }
}

fn url_allowed(url: &Url, dev_mode: bool) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => dev_mode && is_loopback_url(url),
        _ => false,
    }
}

/// Why a request produced no usable response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpFailure {
    /// Connecting or reading took longer than allowed.
    Timeout,
    /// The peer refused, reset or could not be reached; the text is Cognito-style
    /// (`Connection refused`, `Connection reset`, ...).
    Network(String),
    /// The body exceeded the size cap.
    TooLarge,
}

impl HttpFailure {
    /// The text for errors that have no endpoint-specific wording.
    pub fn into_external(self) -> ExternalError {
        match self {
            HttpFailure::Timeout => ExternalError::Network("Read timed out".to_owned()),
            HttpFailure::Network(text) => ExternalError::Network(text),
            HttpFailure::TooLarge => {
                ExternalError::BadProviderResponse("Response from IdP too large".to_owned())
            }
        }
    }
}

/// A response read in full (within the cap).
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as a JSON object, if it is one.
    pub fn json_object(&self) -> Option<Map<String, Value>> {
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}

/// The engine's HTTP client.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    max_response_bytes: usize,
    dev_mode: bool,
}

impl HttpClient {
    pub fn new(settings: &HttpSettings, dev_mode: bool) -> Result<Self, ExternalError> {
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if url_allowed(attempt.url(), dev_mode) {
                attempt.follow()
            } else {
                attempt.error("redirect to a URL that is not allowed")
            }
        });
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .redirect(policy)
            .user_agent(settings.user_agent.clone())
            .dns_resolver(Arc::new(LoopbackResolver))
            .build()
            .map_err(|e| ExternalError::Configuration(format!("HTTP client: {e}")))?;
        Ok(HttpClient {
            client,
            max_response_bytes: settings.max_response_bytes,
            dev_mode,
        })
    }

    pub fn dev_mode(&self) -> bool {
        self.dev_mode
    }

    /// Applies the URL rule of this node (see [`checked_url`]).
    pub fn url(&self, text: &str) -> Result<Url, ExternalError> {
        checked_url(text, self.dev_mode)
    }

    /// `GET url`, with a bearer token when given.
    pub async fn get(&self, url: Url, bearer: Option<&str>) -> Result<HttpResponse, HttpFailure> {
        let mut request = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    /// `POST url` with a form body, with a bearer token when given.
    pub async fn post_form(
        &self,
        url: Url,
        form: &[(&str, &str)],
        bearer: Option<&str>,
    ) -> Result<HttpResponse, HttpFailure> {
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        self.send(request).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<HttpResponse, HttpFailure> {
        let mut response = request.send().await.map_err(failure)?;
        let status = response.status().as_u16();
        if response
            .content_length()
            .is_some_and(|len| len > self.max_response_bytes as u64)
        {
            return Err(HttpFailure::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failure)? {
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(HttpFailure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, body })
    }
}

/// Names a reqwest error the way Cognito names network faults.
fn failure(error: reqwest::Error) -> HttpFailure {
    if error.is_timeout() {
        return HttpFailure::Timeout;
    }
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            let text = match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "Connection refused",
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                    "Connection reset"
                }
                std::io::ErrorKind::TimedOut => return HttpFailure::Timeout,
                _ => "Unable to connect to the IdP",
            };
            return HttpFailure::Network(text.to_owned());
        }
        source = cause.source();
    }
    if error.is_redirect() {
        return HttpFailure::Network("Redirect refused".to_owned());
    }
    if error.is_connect() {
        return HttpFailure::Network("Unable to connect to the IdP".to_owned());
    }
    HttpFailure::Network("Connection reset".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_names_are_loopback() {
        for host in ["localhost", "LOCALHOST", "a.auth.localhost", "x.localhost."] {
            assert!(is_localhost_name(host), "{host}");
        }
        for host in ["localhost.example.com", "notlocalhost", "example.com"] {
            assert!(!is_localhost_name(host), "{host}");
        }
    }

    #[test]
    fn url_rule_requires_https_outside_dev_mode() {
        let cases = [
            ("https://idp.example.com/x", false, true),
            ("http://idp.example.com/x", false, false),
            ("http://idp.example.com/x", true, false),
            ("http://127.0.0.1:9000/x", false, false),
            ("http://127.0.0.1:9000/x", true, true),
            ("http://127.9.9.9/x", true, true),
            ("http://[::1]:9000/x", true, true),
            ("http://a.auth.localhost:9000/x", true, true),
            ("http://localhost/x", true, true),
            ("http://localhost.evil.com/x", true, false),
            ("ftp://idp.example.com/x", true, false),
            ("file:///etc/passwd", true, false),
            ("not a url", true, false),
        ];
        for (url, dev, ok) in cases {
            assert_eq!(checked_url(url, dev).is_ok(), ok, "{url} dev={dev}");
        }
    }

    #[tokio::test]
    async fn resolver_maps_localhost_subdomains_to_loopback() {
        let name: Name = "pool-a.auth.localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = LoopbackResolver.resolve(name).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
        assert_eq!(addrs.len(), 2);
    }
}
