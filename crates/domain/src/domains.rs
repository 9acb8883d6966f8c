//! User pool domains: CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain and
//! DeleteUserPoolDomain, and which pool a request's host name belongs to.
//!
//! A pool has at most one prefix domain and one custom domain. A prefix domain `p` answers at
//! `p.<auth domain>` (the node's `auth_domain`, `auth.localhost` by default); a custom domain
//! answers at its full name. Names are unique across pools: the store backs that, and the
//! one-of-each-kind rule, with unique keys.

use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::error::{Error, Result};
use crate::ports::{Conflict, StoreError};
use crate::time::Timestamp;

/// The model's pattern for a prefix domain (`DomainType`).
const PREFIX_PATTERN: &str = r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$";
/// Words Cognito refuses inside a prefix (unverified wording of the message).
const RESERVED_WORDS: &[&str] = &["aws", "amazon", "cognito"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DomainKind {
    /// `p`, served at `p.<auth domain>`.
    Prefix,
    /// A fully qualified name the operator points at this server (with its own certificate).
    Custom,
}

impl DomainKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DomainKind::Prefix => "prefix",
            DomainKind::Custom => "custom",
        }
    }
}

/// A domain as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPoolDomain {
    pub pool_id: String,
    /// The prefix alone, or the full custom name.
    pub domain: String,
    pub kind: DomainKind,
    pub custom: Option<CustomDomainConfig>,
    pub managed_login_version: i32,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// `CustomDomainConfig`: kept as given. TLS is terminated in front of Cognate, so the
/// certificate is only reported back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomDomainConfig {
    pub certificate_arn: String,
    pub security_policy: Option<String>,
}

/// What CreateUserPoolDomain and UpdateUserPoolDomain carry.
#[derive(Debug, Clone, Default)]
pub struct DomainInput {
    pub pool_id: String,
    pub domain: String,
    pub custom: Option<CustomDomainConfig>,
    pub managed_login_version: Option<i32>,
}

/// The pool's domains, as DescribeUserPool reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolDomains {
    pub prefix: Option<String>,
    pub custom: Option<String>,
}

/// The domain a hosted request arrived on: which pool answers, and the URL it answers at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedSite {
    pub pool_id: String,
    pub domain: String,
    /// `<scheme>://<host>[:port]`, with the public URL's scheme and port.
    pub base_url: String,
}

fn no_such_domain() -> Error {
    Error::invalid_parameter("No such domain or user pool exists.")
}

/// Checks a domain name for its kind: the model's pattern and reserved words for a prefix,
/// host-name syntax for a custom domain.
fn check_name(name: &str, kind: DomainKind, auth_domain: &str) -> Result<()> {
    match kind {
        DomainKind::Prefix => {
            if !is_prefix(name) {
                return Err(Error::invalid_parameter(format!(
                    "1 validation error detected: Value '{name}' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: {PREFIX_PATTERN}"
                )));
            }
            if let Some(word) = RESERVED_WORDS.iter().find(|w| name.contains(*w)) {
                return Err(Error::invalid_parameter(format!(
                    "Domain cannot contain reserved word: {word}"
                )));
            }
            Ok(())
        }
        DomainKind::Custom => {
            let labels: Vec<&str> = name.split('.').collect();
            let valid =
                name.len() <= 253 && labels.len() >= 2 && labels.iter().all(|l| is_prefix(l));
            // A name under the auth domain would be taken for a prefix domain by the router.
            let under_auth_domain =
                name == auth_domain || name.ends_with(&format!(".{auth_domain}"));
            if !valid || under_auth_domain {
                return Err(Error::invalid_parameter(format!(
                    "The custom domain {name} is not a valid fully qualified domain name."
                )));
            }
            Ok(())
        }
    }
}

/// `^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$` without a regex.
fn is_prefix(label: &str) -> bool {
    let bytes = label.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            bytes.len() <= 63
                && allowed(first)
                && allowed(last)
                && bytes.iter().all(|b| allowed(b) || *b == b'-')
        }
        _ => false,
    }
}

/// Splits a public URL into its scheme and the `:port` suffix it carries, if any.
fn scheme_and_port(public_url: &str) -> (&str, &str) {
    let (scheme, rest) = public_url.split_once("://").unwrap_or(("http", public_url));
    let authority = rest.split('/').next().unwrap_or_default();
    let port = match authority.rfind(':') {
        Some(at) if !authority[at..].contains(']') => &authority[at..],
        _ => "",
    };
    (scheme, port)
}

/// The host of a public URL, without port, lower-cased.
fn public_host(public_url: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    strip_port(authority).to_ascii_lowercase()
}

fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .split_once(']')
            .map_or(authority, |(host, _)| host.trim_start_matches('['));
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

fn looks_like_ip(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

impl Domain {
    /// The node's auth domain, under which prefix domains answer.
    fn auth_domain(&self) -> &str {
        &self.config.auth_domain
    }

    /// The URL a domain answers at.
    pub fn domain_base_url(&self, domain: &UserPoolDomain) -> String {
        let (scheme, port) = scheme_and_port(&self.config.public_url);
        match domain.kind {
            DomainKind::Prefix => {
                format!("{scheme}://{}.{}{port}", domain.domain, self.auth_domain())
            }
            DomainKind::Custom => format!("{scheme}://{}{port}", domain.domain),
        }
    }

    /// CreateUserPoolDomain: a prefix domain, or a custom domain when `custom` is given.
    pub async fn create_user_pool_domain(&self, input: DomainInput) -> Result<UserPoolDomain> {
        self.user_pool(&input.pool_id).await?;
        let kind = if input.custom.is_some() {
            DomainKind::Custom
        } else {
            DomainKind::Prefix
        };
        check_name(&input.domain, kind, self.auth_domain())?;
        check_version(input.managed_login_version)?;
        let existing = self.pool_domains_of(&input.pool_id).await?;
        if existing.iter().any(|d| d.kind == kind) {
            return Err(Error::invalid_parameter(
                "User pool already has a domain configured.",
            ));
        }
        let now = self.now();
        let domain = UserPoolDomain {
            pool_id: input.pool_id.clone(),
            domain: input.domain.clone(),
            kind,
            custom: input.custom,
            managed_login_version: input.managed_login_version.unwrap_or(1),
            created: now,
            modified: now,
        };
        match self.store.insert_domain(&domain).await {
            Ok(()) => {}
            Err(StoreError::Conflict(Conflict::Exists)) => {
                // Taken by a name (any pool) or, in a race, by a second domain of this kind.
                let taken_by_other = self
                    .store
                    .get_domain(&domain.domain)
                    .await
                    .map_err(Error::from)?
                    .is_some_and(|d| d.pool_id != domain.pool_id);
                return Err(Error::invalid_parameter(if taken_by_other {
                    "Domain already associated with another user pool."
                } else {
                    "User pool already has a domain configured."
                }));
            }
            Err(e) => return Err(e.into()),
        }
        self.forget_hosted(&domain);
        Ok(domain)
    }

    /// DescribeUserPoolDomain: `None` for a name no pool uses (Cognito then answers with an
    /// empty description, not an error).
    pub async fn describe_user_pool_domain(&self, name: &str) -> Result<Option<UserPoolDomain>> {
        self.store.get_domain(name).await.map_err(Error::from)
    }

    /// UpdateUserPoolDomain: the certificate of a custom domain and the managed-login version.
    pub async fn update_user_pool_domain(&self, input: DomainInput) -> Result<UserPoolDomain> {
        self.user_pool(&input.pool_id).await?;
        check_version(input.managed_login_version)?;
        let mut domain = self
            .store
            .get_domain(&input.domain)
            .await
            .map_err(Error::from)?
            .filter(|d| d.pool_id == input.pool_id)
            .ok_or_else(no_such_domain)?;
        match (domain.kind, input.custom) {
            (DomainKind::Custom, Some(custom)) => domain.custom = Some(custom),
            (DomainKind::Prefix, Some(_)) => {
                return Err(Error::invalid_parameter(
                    "CustomDomainConfig can only be updated on a custom domain.",
                ));
            }
            (_, None) => {}
        }
        if let Some(version) = input.managed_login_version {
            domain.managed_login_version = version;
        }
        domain.modified = self.now();
        self.store
            .update_domain(&domain)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::Missing) => no_such_domain(),
                other => other.into(),
            })?;
        self.forget_hosted(&domain);
        Ok(domain)
    }

    /// DeleteUserPoolDomain.
    pub async fn delete_user_pool_domain(&self, pool_id: &str, name: &str) -> Result<()> {
        self.user_pool(pool_id).await?;
        let domain = self
            .store
            .get_domain(name)
            .await
            .map_err(Error::from)?
            .filter(|d| d.pool_id == pool_id)
            .ok_or_else(no_such_domain)?;
        self.store
            .delete_domain(pool_id, name)
            .await
            .map_err(Error::from)?;
        self.forget_hosted(&domain);
        Ok(())
    }

    /// The pool's prefix and custom domain names, for DescribeUserPool.
    pub async fn pool_domains(&self, pool_id: &str) -> Result<PoolDomains> {
        let domains = self.pool_domains_of(pool_id).await?;
        let name = |kind: DomainKind| {
            domains
                .iter()
                .find(|d| d.kind == kind)
                .map(|d| d.domain.clone())
        };
        Ok(PoolDomains {
            prefix: name(DomainKind::Prefix),
            custom: name(DomainKind::Custom),
        })
    }

    /// The pool's domains, through this node's cache.
    pub(crate) async fn pool_domains_of(&self, pool_id: &str) -> Result<Vec<UserPoolDomain>> {
        let now = self.now();
        if let Some(domains) = self.oauth_cache.pool_domains.get(pool_id, now) {
            return Ok(domains);
        }
        let domains = self
            .store
            .list_pool_domains(pool_id)
            .await
            .map_err(Error::from)?;
        self.oauth_cache
            .pool_domains
            .put(pool_id, now, domains.clone());
        Ok(domains)
    }

    /// The URL of the pool's hosted endpoints: its custom domain if it has one, else its
    /// prefix domain; `None` without a domain.
    pub async fn pool_site_url(&self, pool_id: &str) -> Result<Option<String>> {
        let domains = self.pool_domains_of(pool_id).await?;
        let preferred = domains
            .iter()
            .find(|d| d.kind == DomainKind::Custom)
            .or_else(|| domains.first());
        Ok(preferred.map(|d| self.domain_base_url(d)))
    }

    /// Which pool's domain a request for `host` (a host name, without port) arrived on.
    ///
    /// `Ok(None)` means the host is not a domain: the request is for the API (an IP address,
    /// the public URL's host, or a name no pool uses). A name under the auth domain that no
    /// pool uses is a domain that does not exist: `ResourceNotFound`.
    pub async fn hosted_site(&self, host: &str) -> Result<Option<HostedSite>> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if looks_like_ip(&host)
            || host == "localhost"
            || host == public_host(&self.config.public_url)
        {
            return Ok(None);
        }
        let suffix = format!(".{}", self.auth_domain());
        let (name, kind) = match host.strip_suffix(&suffix) {
            Some(prefix) => (prefix.to_owned(), DomainKind::Prefix),
            None => (host.clone(), DomainKind::Custom),
        };
        let found = self.domain_by_name(&name).await?.filter(|d| d.kind == kind);
        match (found, kind) {
            (Some(domain), _) => Ok(Some(HostedSite {
                pool_id: domain.pool_id.clone(),
                base_url: self.domain_base_url(&domain),
                domain: domain.domain,
            })),
            (None, DomainKind::Prefix) => Err(Error::resource_not_found(format!(
                "The domain {host} does not exist."
            ))),
            (None, DomainKind::Custom) => Ok(None),
        }
    }

    /// A domain by name through this node's cache, which remembers misses too (every request
    /// on a host that is not a domain asks).
    async fn domain_by_name(&self, name: &str) -> Result<Option<UserPoolDomain>> {
        let now = self.now();
        if let Some(found) = self.oauth_cache.domains.get(name, now) {
            return Ok(found);
        }
        let found = self.store.get_domain(name).await.map_err(Error::from)?;
        self.oauth_cache.domains.put(name, now, found.clone());
        Ok(found)
    }

    /// Drops what this node cached about a domain after a write.
    fn forget_hosted(&self, domain: &UserPoolDomain) {
        self.oauth_cache.domains.remove(&domain.domain);
        self.oauth_cache.pool_domains.remove(&domain.pool_id);
    }
}

fn check_version(version: Option<i32>) -> Result<()> {
    match version {
        None | Some(1) | Some(2) => Ok(()),
        Some(_) => Err(Error::invalid_parameter(
            "ManagedLoginVersion must be 1 or 2.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_the_model_and_refuse_reserved_words() {
        let check = |name: &str| {
            check_name(name, DomainKind::Prefix, "auth.localhost").map_err(|e| e.message)
        };
        assert!(check("my-app").is_ok());
        assert!(check("a").is_ok());
        assert!(check("-app").is_err());
        assert!(check("App").is_err());
        assert!(check(&"a".repeat(64)).is_err());
        assert_eq!(
            check("my.app"),
            Err(format!(
                "1 validation error detected: Value 'my.app' at 'domain' failed to satisfy constraint: Member must satisfy regular expression pattern: {PREFIX_PATTERN}"
            ))
        );
        assert_eq!(
            check("my-cognito-app"),
            Err("Domain cannot contain reserved word: cognito".to_owned())
        );
    }

    #[test]
    fn custom_domains_are_host_names_outside_the_auth_domain() {
        let check = |name: &str| check_name(name, DomainKind::Custom, "auth.localhost").is_ok();
        assert!(check("auth.example.com"));
        assert!(!check("example"));
        assert!(!check("auth..example.com"));
        assert!(!check("Auth.example.com"));
        assert!(!check("x.auth.localhost"));
    }

    #[test]
    fn urls_keep_the_public_scheme_and_port() {
        assert_eq!(scheme_and_port("http://127.0.0.1:9229"), ("http", ":9229"));
        assert_eq!(scheme_and_port("https://id.example.com"), ("https", ""));
        assert_eq!(scheme_and_port("http://[::1]:80/x"), ("http", ":80"));
        assert_eq!(scheme_and_port("http://[::1]/x"), ("http", ""));
        assert_eq!(
            public_host("https://ID.example.com:8443/base"),
            "id.example.com"
        );
        assert_eq!(public_host("http://[::1]:80"), "::1");
    }
}
