//! An identity provider of a pool as stored, and the rules of its configuration: which
//! ProviderDetails each ProviderType takes, the keys Cognito fills in on Describe, the
//! AttributeMapping and IdpIdentifiers rules, and the names social providers must have.
//!
//! Secrets among the details (`client_secret`, Apple's `private_key`) are sealed at rest,
//! bound to the pool, the provider and the key; a SAML provider's encryption key pair is
//! sealed the same way.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::b64;
use crate::enums::ProviderType;
use crate::error::{Error, Result};
use crate::external::{OAuthProviderType, ResolvedEndpoints};
use crate::pool::UserPool;
use crate::time::Timestamp;

/// An identity provider as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProvider {
    pub pool_id: String,
    pub name: String,
    pub provider_type: ProviderType,
    /// ProviderDetails as given, without secrets and without the keys Cognito fills in.
    pub details: BTreeMap<String, String>,
    /// The secret details, each sealed (see [`secret_purpose`]).
    #[serde(default)]
    pub sealed_details: BTreeMap<String, SealedValue>,
    /// The keys Cognito fills in: resolved endpoints, SAML's SSO/SLO URLs and encryption
    /// certificate. Computed at Create/Update, so Describe calls nobody.
    #[serde(default)]
    pub derived: BTreeMap<String, String>,
    /// User-pool attribute → IdP attribute (the fixed `username` source is not stored).
    #[serde(default)]
    pub attribute_mapping: BTreeMap<String, String>,
    #[serde(default)]
    pub idp_identifiers: Vec<String>,
    #[serde(default)]
    pub acr_mapping: BTreeMap<String, String>,
    /// SAML only: the provider's encryption key pair (`ActiveEncryptionCertificate`).
    #[serde(default)]
    pub saml_key: Option<StoredKeyPair>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// A sealed secret, base64 in the stored document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedValue(#[serde(with = "b64")] pub Vec<u8>);

/// An RSA key pair with its certificate; the private key sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKeyPair {
    #[serde(with = "b64")]
    pub sealed_private_key: Vec<u8>,
    #[serde(with = "b64")]
    pub certificate_der: Vec<u8>,
}

/// A pool's SAML signing key pair (GetSigningCertificate; signs AuthnRequests and
/// LogoutRequests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSigningKey {
    pub pool_id: String,
    pub key: StoredKeyPair,
    pub created: Timestamp,
}

/// Details whose values are sealed at rest.
pub const SECRET_DETAILS: &[&str] = &["client_secret", "private_key"];

/// The AAD a sealed detail is bound to.
pub(crate) fn secret_purpose(pool_id: &str, provider: &str, key: &str) -> Vec<u8> {
    format!("idp-detail:{pool_id}:{provider}:{key}").into_bytes()
}

/// The AAD a provider's SAML private key is bound to.
pub(crate) fn saml_key_purpose(pool_id: &str, provider: &str) -> Vec<u8> {
    format!("idp-saml-key:{pool_id}:{provider}").into_bytes()
}

/// The AAD a pool's SAML signing key is bound to.
pub(crate) fn signing_key_purpose(pool_id: &str) -> Vec<u8> {
    format!("saml-signing-key:{pool_id}").into_bytes()
}

/// Most identity providers a pool may have (Cognito's default quota).
pub const MAX_PROVIDERS: usize = 300;

/// The key an IdpIdentifier is unique and found by: identifiers are mostly email domains,
/// which are case-insensitive, so Cognate compares them case-insensitively (Cognito's case
/// handling is not documented; decision).
pub fn identifier_key(identifier: &str) -> String {
    identifier.to_lowercase()
}

impl ProviderType {
    /// The four social types, whose ProviderName must equal the type.
    pub fn is_social(self) -> bool {
        matches!(
            self,
            ProviderType::Google
                | ProviderType::Facebook
                | ProviderType::LoginWithAmazon
                | ProviderType::SignInWithApple
        )
    }

    /// The OAuth type, for every type but SAML.
    pub fn oauth(self) -> Option<OAuthProviderType> {
        match self {
            ProviderType::Saml => None,
            ProviderType::Oidc => Some(OAuthProviderType::Oidc),
            ProviderType::Google => Some(OAuthProviderType::Google),
            ProviderType::Facebook => Some(OAuthProviderType::Facebook),
            ProviderType::LoginWithAmazon => Some(OAuthProviderType::LoginWithAmazon),
            ProviderType::SignInWithApple => Some(OAuthProviderType::SignInWithApple),
        }
    }

    /// The ProviderDetails keys a caller sets, and which of them are required.
    fn input_keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            ProviderType::Google | ProviderType::LoginWithAmazon => (
                &["client_id", "client_secret", "authorize_scopes"],
                &["client_id", "client_secret", "authorize_scopes"],
            ),
            ProviderType::Facebook => (
                &[
                    "client_id",
                    "client_secret",
                    "authorize_scopes",
                    "api_version",
                ],
                &["client_id", "client_secret", "authorize_scopes"],
            ),
            ProviderType::SignInWithApple => (
                &[
                    "client_id",
                    "team_id",
                    "key_id",
                    "private_key",
                    "authorize_scopes",
                ],
                &["client_id", "team_id", "key_id", "private_key"],
            ),
            ProviderType::Oidc => (
                &[
                    "client_id",
                    "client_secret",
                    "authorize_scopes",
                    "attributes_request_method",
                    "oidc_issuer",
                    "authorize_url",
                    "token_url",
                    "attributes_url",
                    "jwks_uri",
                ],
                &[
                    "client_id",
                    "client_secret",
                    "authorize_scopes",
                    "attributes_request_method",
                    "oidc_issuer",
                ],
            ),
            ProviderType::Saml => (
                &[
                    "MetadataURL",
                    "MetadataFile",
                    "IDPSignout",
                    "IDPInit",
                    "EncryptedResponses",
                    "RequestSigningAlgorithm",
                ],
                &[],
            ),
        }
    }

    /// Keys Describe shows that callers cannot set; tools such as Terraform send them back
    /// on update, so they are dropped from input rather than refused.
    fn read_only_keys(self) -> &'static [&'static str] {
        match self {
            ProviderType::Saml => &[
                "SSORedirectBindingURI",
                "SLORedirectBindingURI",
                "ActiveEncryptionCertificate",
            ],
            ProviderType::Oidc => &["attributes_url_add_attributes", "token_request_method"],
            _ => &[
                "attributes_url",
                "attributes_url_add_attributes",
                "authorize_url",
                "oidc_issuer",
                "token_request_method",
                "token_url",
            ],
        }
    }

    /// The IdP attribute the federated username is made of (Describe shows it as the
    /// `username` mapping); `None` for SAML, whose subject is the NameID.
    pub fn username_source(self) -> Option<&'static str> {
        self.oauth().map(OAuthProviderType::subject_attribute)
    }
}

/// ProviderName rules beyond the model's pattern: the social types have fixed names, and the
/// names of the pool's own directory are reserved.
pub(crate) fn check_name(name: &str, provider_type: ProviderType) -> Result<()> {
    if provider_type.is_social() && name != provider_type.as_str() {
        return Err(Error::invalid_parameter(format!(
            "Provider {name} cannot be of type {provider_type}."
        )));
    }
    // `COGNITO` names the pool's own directory in SupportedIdentityProviders and
    // `identity_provider`, `Cognito` the local users of the linking operations (Cognito's
    // error for them is not documented; decision).
    if name == "COGNITO" || name == "Cognito" {
        return Err(Error::invalid_parameter(format!(
            "ProviderName {name} is reserved."
        )));
    }
    Ok(())
}

/// Checks ProviderDetails for the type and returns the keys to keep (read-only keys that
/// tools echo back are dropped; any other unknown key is refused, decision).
pub(crate) fn check_details(
    provider_type: ProviderType,
    details: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let (allowed, required) = provider_type.input_keys();
    let read_only = provider_type.read_only_keys();
    let mut kept = BTreeMap::new();
    for (key, value) in details {
        if allowed.contains(&key.as_str()) {
            kept.insert(key.clone(), value.clone());
        } else if !read_only.contains(&key.as_str()) {
            return Err(Error::invalid_parameter(format!(
                "{key} is not a valid provider details key for provider type {provider_type}."
            )));
        }
    }
    let missing = required
        .iter()
        .any(|k| kept.get(*k).is_none_or(|v| v.trim().is_empty()));
    if missing {
        // Cognito's text for the social types (seen in the wild), in the same shape for the others.
        return Err(Error::invalid_parameter(format!(
            "{} are all required idp details",
            list_in_words(required)
        )));
    }
    match provider_type {
        ProviderType::Oidc => check_oidc_details(&kept)?,
        ProviderType::Saml => check_saml_details(&kept)?,
        _ => {}
    }
    Ok(kept)
}

/// `a, b and c`.
fn list_in_words(keys: &[&str]) -> String {
    match keys.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => keys.join(""),
    }
}

fn check_oidc_details(details: &BTreeMap<String, String>) -> Result<()> {
    let method = details.get("attributes_request_method").map(String::as_str);
    if !matches!(method, Some("GET" | "POST")) {
        return Err(Error::invalid_parameter(
            "attributes_request_method must be GET or POST.",
        ));
    }
    let scopes = details.get("authorize_scopes").map(String::as_str);
    if !scopes.is_some_and(|s| s.split_whitespace().any(|s| s == "openid")) {
        return Err(Error::invalid_parameter(
            "authorize_scopes of an OIDC provider must include openid.",
        ));
    }
    let endpoints = ["authorize_url", "token_url", "attributes_url", "jwks_uri"];
    let given = endpoints
        .iter()
        .filter(|k| details.contains_key(**k))
        .count();
    if given != 0 && given != endpoints.len() {
        return Err(Error::invalid_parameter(
            "authorize_url, token_url, attributes_url and jwks_uri must be given together.",
        ));
    }
    Ok(())
}

fn check_saml_details(details: &BTreeMap<String, String>) -> Result<()> {
    match (
        details.contains_key("MetadataURL"),
        details.contains_key("MetadataFile"),
    ) {
        (true, false) | (false, true) => {}
        _ => {
            return Err(Error::invalid_parameter(
                "Exactly one of MetadataURL and MetadataFile is required.",
            ));
        }
    }
    for flag in ["IDPSignout", "IDPInit", "EncryptedResponses"] {
        if let Some(value) = details.get(flag)
            && value != "true"
            && value != "false"
        {
            return Err(Error::invalid_parameter(format!(
                "{flag} must be true or false."
            )));
        }
    }
    if let Some(algorithm) = details.get("RequestSigningAlgorithm")
        && algorithm != "rsa-sha256"
    {
        return Err(Error::invalid_parameter(
            "RequestSigningAlgorithm must be rsa-sha256.",
        ));
    }
    Ok(())
}

/// Checks IdpIdentifiers (the model checked each one's length and characters): no
/// identifier twice in the list.
pub(crate) fn check_identifiers(identifiers: &[String]) -> Result<()> {
    let mut seen = BTreeSet::new();
    if let Some(duplicate) = identifiers.iter().find(|i| !seen.insert(identifier_key(i))) {
        return Err(Error::invalid_parameter(format!(
            "Duplicate identifier {duplicate} in IdpIdentifiers."
        )));
    }
    Ok(())
}

/// AcrMapping: OIDC only, keys `Level1`..`Level4`.
pub(crate) fn check_acr_mapping(
    provider_type: ProviderType,
    mapping: &BTreeMap<String, String>,
) -> Result<()> {
    if mapping.is_empty() {
        return Ok(());
    }
    if provider_type != ProviderType::Oidc {
        return Err(Error::invalid_parameter(
            "AcrMapping is supported for OIDC providers only.",
        ));
    }
    if let Some(key) = mapping
        .keys()
        .find(|k| !matches!(k.as_str(), "Level1" | "Level2" | "Level3" | "Level4"))
    {
        return Err(Error::invalid_parameter(format!(
            "Invalid AcrMapping key {key}: keys must be Level1, Level2, Level3 or Level4."
        )));
    }
    Ok(())
}

/// AttributeMapping: every key must be an attribute of the pool (or a verified flag), and
/// the target attributes must be mutable, since every sign-in writes them. `username` names
/// the fixed subject claim and cannot be redirected: for the OAuth types it is dropped (and
/// shown again on Describe), for SAML it is refused (Cognito accepts it and fails every
/// sign-in; decision).
pub(crate) fn check_attribute_mapping(
    pool: &UserPool,
    provider_type: ProviderType,
    mapping: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut kept = BTreeMap::new();
    for (attribute, source) in mapping {
        if attribute == "username" {
            if provider_type == ProviderType::Saml {
                return Err(Error::invalid_parameter(
                    "Invalid attribute mapping: username: Attribute does not exist in the schema.",
                ));
            }
            continue;
        }
        let Some(schema) = pool.attribute(attribute) else {
            return Err(Error::invalid_parameter(format!(
                "Invalid attribute mapping: Type for attribute {{{attribute}}} could not be determined"
            )));
        };
        if !schema.mutable {
            return Err(Error::invalid_parameter(format!(
                "Invalid attribute mapping: {attribute} is not mutable, so it cannot be mapped."
            )));
        }
        if matches!(attribute.as_str(), "sub" | "identities") {
            return Err(Error::invalid_parameter(format!(
                "Invalid attribute mapping: {attribute} cannot be mapped."
            )));
        }
        kept.insert(attribute.clone(), source.clone());
    }
    Ok(kept)
}

/// The keys Cognito fills in for an OAuth-type provider (reference §1.3).
pub(crate) fn derived_oauth_keys(
    provider_type: ProviderType,
    resolved: &ResolvedEndpoints,
) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    let add_attributes = matches!(provider_type, ProviderType::Google | ProviderType::Facebook);
    keys.insert(
        "attributes_url_add_attributes".to_owned(),
        add_attributes.to_string(),
    );
    keys.insert("authorize_url".to_owned(), resolved.authorize_url.clone());
    keys.insert("token_url".to_owned(), resolved.token_url.clone());
    if let Some(url) = &resolved.attributes_url {
        keys.insert("attributes_url".to_owned(), url.clone());
    }
    match provider_type {
        ProviderType::Oidc => {
            if let Some(jwks) = &resolved.jwks_uri {
                keys.insert("jwks_uri".to_owned(), jwks.clone());
            }
        }
        _ => {
            let method = if provider_type == ProviderType::Facebook {
                "GET"
            } else {
                "POST"
            };
            keys.insert("token_request_method".to_owned(), method.to_owned());
            if let Some(issuer) = &resolved.issuer {
                keys.insert("oidc_issuer".to_owned(), issuer.clone());
            }
        }
    }
    keys
}

/// `authorize_scopes` as a list: Facebook's are comma-separated, the others' space-separated.
pub(crate) fn split_scopes(provider_type: ProviderType, scopes: &str) -> Vec<String> {
    let separators: &[char] = if provider_type == ProviderType::Facebook {
        &[',', ' ']
    } else {
        &[' ']
    };
    scopes
        .split(separators)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl IdentityProvider {
    /// The keys its IdpIdentifiers are unique and found by.
    pub fn identifier_keys(&self) -> Vec<String> {
        self.idp_identifiers
            .iter()
            .map(|i| identifier_key(i))
            .collect()
    }

    /// A boolean SAML detail (`IDPSignout`, `IDPInit`, `EncryptedResponses`).
    pub fn flag(&self, key: &str) -> bool {
        self.details.get(key).is_some_and(|v| v == "true")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn social_types_need_their_own_name() {
        assert!(check_name("Google", ProviderType::Google).is_ok());
        let e = check_name("MyGoogle", ProviderType::Google).unwrap_err();
        assert_eq!(e.message, "Provider MyGoogle cannot be of type Google.");
        assert!(check_name("COGNITO", ProviderType::Oidc).is_err());
        assert!(check_name("Corp", ProviderType::Saml).is_ok());
    }

    #[test]
    fn missing_details_are_named_as_cognito_does() {
        let e = check_details(ProviderType::Google, &details(&[("client_id", "x")])).unwrap_err();
        assert_eq!(
            e.message,
            "client_id, client_secret and authorize_scopes are all required idp details"
        );
    }

    #[test]
    fn read_only_keys_are_dropped_and_unknown_keys_refused() {
        let kept = check_details(
            ProviderType::Google,
            &details(&[
                ("client_id", "a"),
                ("client_secret", "b"),
                ("authorize_scopes", "openid"),
                ("token_url", "https://x"),
            ]),
        )
        .unwrap();
        assert!(!kept.contains_key("token_url"));
        assert!(
            check_details(
                ProviderType::Saml,
                &details(&[("MetadataURL", "https://x"), ("bogus", "1")])
            )
            .is_err()
        );
    }

    #[test]
    fn saml_needs_exactly_one_metadata_source() {
        let both = details(&[("MetadataURL", "https://x"), ("MetadataFile", "<x/>")]);
        assert!(check_details(ProviderType::Saml, &both).is_err());
        assert!(check_details(ProviderType::Saml, &BTreeMap::new()).is_err());
        let bad_flag = details(&[("MetadataFile", "<x/>"), ("IDPInit", "yes")]);
        assert!(check_details(ProviderType::Saml, &bad_flag).is_err());
    }

    #[test]
    fn facebook_scopes_are_comma_separated() {
        assert_eq!(
            split_scopes(ProviderType::Facebook, "public_profile, email"),
            ["public_profile", "email"]
        );
        assert_eq!(
            split_scopes(ProviderType::Oidc, "openid email"),
            ["openid", "email"]
        );
    }

    #[test]
    fn identifiers_are_unique_regardless_of_case() {
        assert!(check_identifiers(&["a.com".to_owned(), "A.com".to_owned()]).is_err());
        assert!(check_identifiers(&["a.com".to_owned(), "b.com".to_owned()]).is_ok());
    }
}
