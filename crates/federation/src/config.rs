//! The engine's node-level settings: where the social providers live (overridable, so tests
//! and air-gapped sites can point them at stand-ins), outbound HTTP limits, cache lifetimes
//! and the clock skew allowed on upstream tokens and assertions. `server` fills this from its
//! configuration; every field has a default that talks to the real providers.

use std::time::Duration;

/// Everything [`crate::Federation`] needs besides its callers' arguments.
#[derive(Debug, Clone)]
pub struct FederationConfig {
    /// Dev mode: `http://` upstreams are allowed when their host is loopback (`localhost`,
    /// `*.localhost`, `127.0.0.0/8`, `[::1]`). Outside dev mode every upstream must use https.
    pub dev_mode: bool,
    pub http: HttpSettings,
    pub endpoints: SocialEndpoints,
    /// How long a JWKS is trusted before it is fetched again. Zero fetches it for every ID
    /// token, as Cognito does; a key removed from the JWKS is refused after at most this long.
    pub jwks_ttl: Duration,
    /// An ID token whose `kid` is unknown triggers one JWKS reload (key rotation), at most
    /// this often per JWKS URL, so forged `kid`s cannot make us hammer the provider.
    pub jwks_min_reload_interval: Duration,
    /// How long an OIDC discovery document is cached.
    pub discovery_ttl: Duration,
    /// How long SAML metadata fetched from a URL is cached (Cognito: up to six hours).
    pub saml_metadata_ttl: Duration,
    /// Tolerated clock difference on `exp`/`iat`/`nbf` and SAML `NotBefore`/`NotOnOrAfter`.
    pub clock_skew: Duration,
    /// An unsolicited (IdP-initiated) assertion must have been issued this recently
    /// (Cognito: six minutes).
    pub unsolicited_max_age: Duration,
    /// Largest accepted decoded SAML message (Cognito accepts assertions up to 100,000 chars).
    pub max_saml_bytes: usize,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            dev_mode: false,
            http: HttpSettings::default(),
            endpoints: SocialEndpoints::default(),
            jwks_ttl: Duration::from_secs(300),
            jwks_min_reload_interval: Duration::from_secs(10),
            discovery_ttl: Duration::from_secs(3600),
            saml_metadata_ttl: Duration::from_secs(6 * 3600),
            clock_skew: Duration::from_secs(120),
            unsolicited_max_age: Duration::from_secs(360),
            max_saml_bytes: 100_000,
        }
    }
}

/// Limits on every outbound request, so a slow or hostile upstream can never hang a sign-in
/// or exhaust memory.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    /// Time allowed for the whole request, headers and body.
    pub request_timeout: Duration,
    /// Largest response body read; a larger one is an error, not a truncation.
    pub max_response_bytes: usize,
    /// Cognito identifies itself to IdPs as `Amazon/Cognito`, and IdP administrators allow
    /// that agent; we send the same by default.
    pub user_agent: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            max_response_bytes: 1024 * 1024,
            user_agent: "Amazon/Cognito".to_owned(),
        }
    }
}

/// Where the four social providers live. Defaults are the real endpoints (reference §1.3).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SocialEndpoints {
    pub google: GoogleEndpoints,
    pub facebook: FacebookEndpoints,
    pub amazon: AmazonEndpoints,
    pub apple: AppleEndpoints,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoogleEndpoints {
    pub authorize_url: String,
    pub token_url: String,
    /// The People API, with `personFields=` left open for the mapped fields.
    pub attributes_url: String,
    pub jwks_uri: String,
    /// The issuer Cognate expects (and shows as `oidc_issuer`).
    pub issuer: String,
    /// Further `iss` values accepted: Google's ID tokens may say `accounts.google.com`.
    pub issuer_aliases: Vec<String>,
}

impl Default for GoogleEndpoints {
    fn default() -> Self {
        GoogleEndpoints {
            authorize_url: "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
            token_url: "https://www.googleapis.com/oauth2/v4/token".to_owned(),
            attributes_url: "https://people.googleapis.com/v1/people/me?personFields=".to_owned(),
            jwks_uri: "https://www.googleapis.com/oauth2/v3/certs".to_owned(),
            issuer: "https://accounts.google.com".to_owned(),
            issuer_aliases: vec!["accounts.google.com".to_owned()],
        }
    }
}

/// Facebook's URLs carry the Graph `api_version`: `<www>/<v>/dialog/oauth`,
/// `<graph>/<v>/oauth/access_token`, `<graph>/<v>/me?fields=`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FacebookEndpoints {
    pub www_base: String,
    pub graph_base: String,
    /// Used when the provider names no `api_version`. Graph answers calls to a retired
    /// version with its oldest available one, so any version keeps working.
    pub default_api_version: String,
}

impl Default for FacebookEndpoints {
    fn default() -> Self {
        FacebookEndpoints {
            www_base: "https://www.facebook.com".to_owned(),
            graph_base: "https://graph.facebook.com".to_owned(),
            default_api_version: "v17.0".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmazonEndpoints {
    pub authorize_url: String,
    pub token_url: String,
    /// The profile API (`user_id`, `email`, `name`, `postal_code`).
    pub profile_url: String,
    /// Token information, to check an access token presented as an identity-pool login.
    pub tokeninfo_url: String,
}

impl Default for AmazonEndpoints {
    fn default() -> Self {
        AmazonEndpoints {
            authorize_url: "https://www.amazon.com/ap/oa".to_owned(),
            token_url: "https://api.amazon.com/auth/o2/token".to_owned(),
            profile_url: "https://api.amazon.com/user/profile".to_owned(),
            tokeninfo_url: "https://api.amazon.com/auth/o2/tokeninfo".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppleEndpoints {
    pub authorize_url: String,
    pub token_url: String,
    pub jwks_uri: String,
    pub issuer: String,
    /// The `aud` of the client-secret JWT.
    pub client_secret_audience: String,
}

impl Default for AppleEndpoints {
    fn default() -> Self {
        AppleEndpoints {
            authorize_url: "https://appleid.apple.com/auth/authorize".to_owned(),
            token_url: "https://appleid.apple.com/auth/token".to_owned(),
            jwks_uri: "https://appleid.apple.com/auth/keys".to_owned(),
            issuer: "https://appleid.apple.com".to_owned(),
            client_secret_audience: "https://appleid.apple.com".to_owned(),
        }
    }
}
