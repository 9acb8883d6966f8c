//! The authorization-code flow Cognito runs as a confidential client of each OAuth provider:
//! the redirect to the provider, the code exchange (`client_secret_post`; Facebook's by GET;
//! Apple's with an ES256 client-secret JWT), ID-token validation where the type has one, and
//! the attributes request (OIDC userInfo, Google's People API, Facebook's Graph `/me`,
//! Amazon's profile API).
//!
//! Per type (reference §1.3, §2.3-2.4):
//!
//! | type | scopes | ID token | attributes | nonce | PKCE |
//! |---|---|---|---|---|---|
//! | OIDC | space | yes | userInfo (GET/POST), `sub` must match | yes | when discovery lists S256 |
//! | Google | space | yes | People API when mapped fields need it | yes | yes |
//! | Facebook | comma | no | Graph `/me?fields=id,…` | no | no |
//! | Login with Amazon | space | no | `/user/profile` | no | no |
//! | Sign in with Apple | space, `response_mode=form_post` | yes | none (plus first-consent `user`) | yes | no |
//!
//! Cognito itself sends no nonce or PKCE upstream (reference rule 5); issue 13 asks for both
//! where the provider supports them, so a code from one browser's flow cannot finish another's.

use cognate_crypto::SecretString;
use cognate_crypto::oauth::s256_challenge;
use cognate_domain::Timestamp;
use cognate_domain::external::{
    AttributesMethod, AuthorizationCallback, AuthorizationRequest, ClientCredentials,
    ExternalError, ExternalSignIn, OAuthProvider, OAuthProviderType, ResolvedEndpoints,
    UpstreamAuthorization, UpstreamTokens,
};
use reqwest::Url;
use serde_json::{Map, Value};

use crate::Federation;
use crate::http::{HttpFailure, HttpResponse};
use crate::oidc::IdTokenRules;

/// People API fields (`personFields`) that can be requested; mapped names outside this list
/// are ID-token claims and need no People call.
const GOOGLE_PERSON_FIELDS: &[&str] = &[
    "addresses",
    "ageRanges",
    "biographies",
    "birthdays",
    "emailAddresses",
    "genders",
    "locales",
    "names",
    "nicknames",
    "occupations",
    "organizations",
    "phoneNumbers",
    "photos",
    "urls",
];

/// How long Apple's client-secret JWT is valid (Apple allows up to six months; it is minted
/// per exchange, so minutes are plenty).
const APPLE_CLIENT_SECRET_SECS: i64 = 300;

impl Federation {
    pub(crate) async fn resolve(
        &self,
        provider: &OAuthProvider,
        now: Timestamp,
    ) -> Result<ResolvedEndpoints, ExternalError> {
        let given = &provider.endpoints;
        let social = &self.config.endpoints;
        let or = |explicit: &Option<String>, default: &str| {
            explicit.clone().unwrap_or_else(|| default.to_owned())
        };
        let resolved = match provider.provider_type {
            OAuthProviderType::Oidc => {
                let issuer = provider.issuer.clone().ok_or_else(|| {
                    ExternalError::Configuration("OIDC provider without oidc_issuer".to_owned())
                })?;
                if let (Some(authorize_url), Some(token_url), Some(jwks_uri)) =
                    (&given.authorize_url, &given.token_url, &given.jwks_uri)
                {
                    ResolvedEndpoints {
                        authorize_url: authorize_url.clone(),
                        token_url: token_url.clone(),
                        attributes_url: given.attributes_url.clone(),
                        jwks_uri: Some(jwks_uri.clone()),
                        issuer: Some(issuer),
                        supports_pkce: false,
                    }
                } else {
                    let discovered = self.discovery(&issuer, now).await?;
                    ResolvedEndpoints {
                        authorize_url: or(&given.authorize_url, &discovered.authorization_endpoint),
                        token_url: or(&given.token_url, &discovered.token_endpoint),
                        attributes_url: given
                            .attributes_url
                            .clone()
                            .or_else(|| discovered.userinfo_endpoint.clone()),
                        jwks_uri: Some(or(&given.jwks_uri, &discovered.jwks_uri)),
                        issuer: Some(issuer),
                        supports_pkce: discovered
                            .code_challenge_methods
                            .iter()
                            .any(|m| m == "S256"),
                    }
                }
            }
            OAuthProviderType::Google => ResolvedEndpoints {
                authorize_url: or(&given.authorize_url, &social.google.authorize_url),
                token_url: or(&given.token_url, &social.google.token_url),
                attributes_url: Some(or(&given.attributes_url, &social.google.attributes_url)),
                jwks_uri: Some(or(&given.jwks_uri, &social.google.jwks_uri)),
                issuer: Some(social.google.issuer.clone()),
                supports_pkce: true,
            },
            OAuthProviderType::Facebook => {
                let facebook = &social.facebook;
                let version = provider
                    .api_version
                    .clone()
                    .unwrap_or_else(|| facebook.default_api_version.clone());
                ResolvedEndpoints {
                    authorize_url: or(
                        &given.authorize_url,
                        &format!("{}/{version}/dialog/oauth", facebook.www_base),
                    ),
                    token_url: or(
                        &given.token_url,
                        &format!("{}/{version}/oauth/access_token", facebook.graph_base),
                    ),
                    attributes_url: Some(or(
                        &given.attributes_url,
                        &format!("{}/{version}/me?fields=", facebook.graph_base),
                    )),
                    jwks_uri: None,
                    issuer: None,
                    supports_pkce: false,
                }
            }
            OAuthProviderType::LoginWithAmazon => ResolvedEndpoints {
                authorize_url: or(&given.authorize_url, &social.amazon.authorize_url),
                token_url: or(&given.token_url, &social.amazon.token_url),
                attributes_url: Some(or(&given.attributes_url, &social.amazon.profile_url)),
                jwks_uri: None,
                issuer: None,
                supports_pkce: false,
            },
            OAuthProviderType::SignInWithApple => ResolvedEndpoints {
                authorize_url: or(&given.authorize_url, &social.apple.authorize_url),
                token_url: or(&given.token_url, &social.apple.token_url),
                attributes_url: None,
                jwks_uri: Some(or(&given.jwks_uri, &social.apple.jwks_uri)),
                issuer: Some(social.apple.issuer.clone()),
                supports_pkce: false,
            },
        };
        // Every endpoint must pass this node's URL rule before anything is sent to it.
        for url in [&resolved.authorize_url, &resolved.token_url]
            .into_iter()
            .chain(resolved.attributes_url.as_ref())
            .chain(resolved.jwks_uri.as_ref())
        {
            self.http.url(url)?;
        }
        Ok(resolved)
    }

    pub(crate) async fn build_authorization_url(
        &self,
        provider: &OAuthProvider,
        request: &AuthorizationRequest,
        now: Timestamp,
    ) -> Result<UpstreamAuthorization, ExternalError> {
        let endpoints = self.resolve(provider, now).await?;
        let kind = provider.provider_type;
        let mut url = self.http.url(&endpoints.authorize_url)?;
        let separator = if kind == OAuthProviderType::Facebook {
            ","
        } else {
            " "
        };
        let nonce = request.nonce.as_deref().filter(|_| has_id_token(kind));
        let pkce = request
            .pkce_verifier
            .as_ref()
            .filter(|_| endpoints.supports_pkce);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &provider.client_id)
                .append_pair("redirect_uri", &request.redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", &provider.scopes.join(separator))
                .append_pair("state", &request.state);
            if kind == OAuthProviderType::SignInWithApple {
                // Apple refuses the `name` and `email` scopes unless the answer is POSTed.
                query.append_pair("response_mode", "form_post");
            }
            if let Some(nonce) = nonce {
                query.append_pair("nonce", nonce);
            }
            if let Some(verifier) = pkce {
                query
                    .append_pair("code_challenge", &s256_challenge(verifier.expose()))
                    .append_pair("code_challenge_method", "S256");
            }
            if let Some(prompt) = request.prompt.as_deref().filter(|p| *p != "none") {
                query.append_pair("prompt", prompt);
            }
            if kind == OAuthProviderType::Oidc
                && let Some(hint) = &request.login_hint
            {
                query.append_pair("login_hint", hint);
            }
        }
        Ok(UpstreamAuthorization {
            url: url.into(),
            nonce_sent: nonce.is_some(),
            pkce_sent: pkce.is_some(),
        })
    }

    pub(crate) async fn complete(
        &self,
        provider: &OAuthProvider,
        callback: &AuthorizationCallback,
        now: Timestamp,
    ) -> Result<ExternalSignIn, ExternalError> {
        let endpoints = self.resolve(provider, now).await?;
        let tokens = self
            .exchange_code(provider, &endpoints, callback, now)
            .await?;
        match provider.provider_type {
            OAuthProviderType::Oidc
            | OAuthProviderType::Google
            | OAuthProviderType::SignInWithApple => {
                self.complete_with_id_token(provider, &endpoints, callback, tokens, now)
                    .await
            }
            OAuthProviderType::Facebook => {
                let url = list_param_url(
                    endpoints.attributes_url.as_deref().unwrap_or_default(),
                    "fields",
                    &facebook_fields(&provider.requested_attributes),
                )?;
                let url = self.facebook_authenticated(url, provider, tokens.access_token.expose());
                let me = self.attributes_get(provider, url, None).await?;
                let subject = id_string(me.get("id")).ok_or_else(|| {
                    ExternalError::BadProviderResponse("Facebook Error - no user id".to_owned())
                })?;
                Ok(ExternalSignIn {
                    subject,
                    issuer: None,
                    attributes: me.clone(),
                    id_token_claims: None,
                    userinfo: Some(me),
                    tokens,
                })
            }
            OAuthProviderType::LoginWithAmazon => {
                let url = self
                    .http
                    .url(endpoints.attributes_url.as_deref().unwrap_or_default())?;
                let profile = self
                    .attributes_get(provider, url, Some(tokens.access_token.expose()))
                    .await?;
                let subject = id_string(profile.get("user_id")).ok_or_else(|| {
                    ExternalError::BadProviderResponse(
                        "LoginWithAmazon Error - no user_id".to_owned(),
                    )
                })?;
                Ok(ExternalSignIn {
                    subject,
                    issuer: None,
                    attributes: profile.clone(),
                    id_token_claims: None,
                    userinfo: Some(profile),
                    tokens,
                })
            }
        }
    }

    async fn complete_with_id_token(
        &self,
        provider: &OAuthProvider,
        endpoints: &ResolvedEndpoints,
        callback: &AuthorizationCallback,
        tokens: UpstreamTokens,
        now: Timestamp,
    ) -> Result<ExternalSignIn, ExternalError> {
        let id_token = tokens
            .id_token
            .as_ref()
            .ok_or_else(|| ExternalError::InvalidTokenResponse(provider.name.clone()))?;
        let issuers = self.accepted_issuers(provider.provider_type, endpoints);
        let audiences = [provider.client_id.clone()];
        let hmac_secret = match &provider.credentials {
            ClientCredentials::Secret(secret) => Some(secret),
            ClientCredentials::AppleKey { .. } => None,
        };
        let rules = IdTokenRules {
            issuers: &issuers,
            audiences: &audiences,
            jwks_uri: endpoints.jwks_uri.as_deref(),
            nonce: callback.nonce.as_deref(),
            hmac_secret,
        };
        let verified = self
            .validate_id_token(id_token.expose(), &rules, now)
            .await?;
        let userinfo = match provider.provider_type {
            OAuthProviderType::Oidc => match &endpoints.attributes_url {
                Some(url) => {
                    let info = self
                        .userinfo(provider, url, tokens.access_token.expose())
                        .await?;
                    // OIDC Core §5.3.2: userInfo about someone else must not be used.
                    if info.get("sub").and_then(Value::as_str) != Some(verified.subject.as_str()) {
                        return Err(ExternalError::BadProviderResponse(
                            "userInfo sub does not match the id_token".to_owned(),
                        ));
                    }
                    Some(info)
                }
                None => None,
            },
            OAuthProviderType::Google => {
                let fields = google_person_fields(&provider.requested_attributes);
                match (&endpoints.attributes_url, fields.is_empty()) {
                    (Some(base), false) => {
                        let url = list_param_url(base, "personFields", &fields)?;
                        let url = self.http.url(url.as_str())?;
                        Some(
                            self.attributes_get(provider, url, Some(tokens.access_token.expose()))
                                .await?,
                        )
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let mut attributes = userinfo.clone().unwrap_or_default();
        if provider.provider_type == OAuthProviderType::SignInWithApple
            && let Some(user) = &callback.apple_user
        {
            apple_first_consent(user, &mut attributes);
        }
        // ID-token claims win over userInfo claims of the same name (Cognito's rule).
        for (name, value) in &verified.claims {
            attributes.insert(name.clone(), value.clone());
        }
        Ok(ExternalSignIn {
            subject: verified.subject,
            issuer: Some(verified.issuer),
            attributes,
            id_token_claims: Some(verified.claims),
            userinfo,
            tokens,
        })
    }

    pub(crate) fn accepted_issuers(
        &self,
        kind: OAuthProviderType,
        endpoints: &ResolvedEndpoints,
    ) -> Vec<String> {
        let mut issuers: Vec<String> = endpoints.issuer.iter().cloned().collect();
        if kind == OAuthProviderType::Google {
            issuers.extend(self.config.endpoints.google.issuer_aliases.iter().cloned());
        }
        issuers
    }

    /// Trades the code for tokens. Form order follows what Cognito sends
    /// (`grant_type, client_id, redirect_uri, client_secret, code`).
    async fn exchange_code(
        &self,
        provider: &OAuthProvider,
        endpoints: &ResolvedEndpoints,
        callback: &AuthorizationCallback,
        now: Timestamp,
    ) -> Result<UpstreamTokens, ExternalError> {
        let client_secret = self.client_secret(provider, now)?;
        let verifier = callback.pkce_verifier.as_ref().map(|v| v.expose().as_str());
        let mut url = self.http.url(&endpoints.token_url)?;
        let response = if provider.provider_type == OAuthProviderType::Facebook {
            // `token_request_method=GET`: Facebook takes the parameters in the query string.
            {
                let mut query = url.query_pairs_mut();
                query
                    .append_pair("client_id", &provider.client_id)
                    .append_pair("redirect_uri", &callback.redirect_uri)
                    .append_pair("client_secret", client_secret.expose())
                    .append_pair("code", callback.code.expose());
                if let Some(verifier) = verifier {
                    query.append_pair("code_verifier", verifier);
                }
            }
            self.http.get(url, None).await
        } else {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("client_id", provider.client_id.as_str()),
                ("redirect_uri", callback.redirect_uri.as_str()),
                ("client_secret", client_secret.expose().as_str()),
                ("code", callback.code.expose().as_str()),
            ];
            if let Some(verifier) = verifier {
                form.push(("code_verifier", verifier));
            }
            self.http.post_form(url, &form, None).await
        };
        let response = response.map_err(|failure| match failure {
            HttpFailure::Timeout => ExternalError::TokenEndpointTimeout,
            other => other.into_external(),
        })?;
        if !response.is_success() {
            return Err(token_endpoint_error(provider, &response));
        }
        parse_token_response(provider, &response)
    }

    /// `client_secret` as the token endpoint wants it; for Apple a fresh ES256 JWT.
    fn client_secret(
        &self,
        provider: &OAuthProvider,
        now: Timestamp,
    ) -> Result<SecretString, ExternalError> {
        match &provider.credentials {
            ClientCredentials::Secret(secret) => Ok(secret.clone()),
            ClientCredentials::AppleKey {
                team_id,
                key_id,
                private_key_pem,
            } => apple_client_secret(
                team_id,
                key_id,
                private_key_pem,
                &provider.client_id,
                &self.config.endpoints.apple.client_secret_audience,
                now,
            ),
        }
    }

    /// OIDC userInfo by GET or POST, with the access token as a bearer token.
    async fn userinfo(
        &self,
        provider: &OAuthProvider,
        url: &str,
        access_token: &str,
    ) -> Result<Map<String, Value>, ExternalError> {
        let url = self.http.url(url)?;
        let response = match provider.attributes_method {
            AttributesMethod::Get => self.http.get(url, Some(access_token)).await,
            AttributesMethod::Post => self.http.post_form(url, &[], Some(access_token)).await,
        };
        attributes_answer(provider, response)
    }

    async fn attributes_get(
        &self,
        provider: &OAuthProvider,
        url: Url,
        bearer: Option<&str>,
    ) -> Result<Map<String, Value>, ExternalError> {
        attributes_answer(provider, self.http.get(url, bearer).await)
    }

    /// Adds Facebook's `access_token` and `appsecret_proof` (HMAC-SHA256 of the token under
    /// the app secret; apps with "Require App Secret" refuse calls without it).
    pub(crate) fn facebook_authenticated(
        &self,
        mut url: Url,
        provider: &OAuthProvider,
        access_token: &str,
    ) -> Url {
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("access_token", access_token);
            if let ClientCredentials::Secret(secret) = &provider.credentials {
                let key = aws_lc_rs::hmac::Key::new(
                    aws_lc_rs::hmac::HMAC_SHA256,
                    secret.expose().as_bytes(),
                );
                let proof = aws_lc_rs::hmac::sign(&key, access_token.as_bytes());
                query.append_pair("appsecret_proof", &hex::encode(proof.as_ref()));
            }
        }
        url
    }
}

fn has_id_token(kind: OAuthProviderType) -> bool {
    matches!(
        kind,
        OAuthProviderType::Oidc | OAuthProviderType::Google | OAuthProviderType::SignInWithApple
    )
}

fn attributes_answer(
    provider: &OAuthProvider,
    response: Result<HttpResponse, HttpFailure>,
) -> Result<Map<String, Value>, ExternalError> {
    let response = response.map_err(HttpFailure::into_external)?;
    if !response.is_success() {
        return Err(ExternalError::Attributes {
            provider: provider.name.clone(),
            status: response.status,
        });
    }
    response.json_object().ok_or_else(|| {
        ExternalError::BadProviderResponse(format!(
            "{} Error - invalid user attributes",
            provider.name
        ))
    })
}

fn token_endpoint_error(provider: &OAuthProvider, response: &HttpResponse) -> ExternalError {
    let google_error = (provider.provider_type == OAuthProviderType::Google)
        .then(|| {
            response
                .json_object()
                .and_then(|body| body.get("error").and_then(Value::as_str).map(str::to_owned))
        })
        .flatten();
    ExternalError::TokenEndpoint {
        provider: provider.name.clone(),
        status: response.status,
        google_error,
    }
}

fn parse_token_response(
    provider: &OAuthProvider,
    response: &HttpResponse,
) -> Result<UpstreamTokens, ExternalError> {
    let invalid = || ExternalError::InvalidTokenResponse(provider.name.clone());
    let body = response.json_object().ok_or_else(invalid)?;
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let access_token = text("access_token").ok_or_else(invalid)?;
    let expires_in = match body.get("expires_in") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Ok(UpstreamTokens {
        access_token: SecretString::new(access_token),
        id_token: text("id_token").map(SecretString::new),
        refresh_token: text("refresh_token").map(SecretString::new),
        token_type: text("token_type"),
        expires_in,
        scope: text("scope"),
    })
}

/// Sign in with Apple's client secret: an ES256 JWT with `kid` = key id, `iss` = team id,
/// `sub` = client (Services) id, `aud` = Apple.
pub(crate) fn apple_client_secret(
    team_id: &str,
    key_id: &str,
    private_key_pem: &SecretString,
    client_id: &str,
    audience: &str,
    now: Timestamp,
) -> Result<SecretString, ExternalError> {
    let key = jsonwebtoken::EncodingKey::from_ec_pem(private_key_pem.expose().as_bytes()).map_err(
        |_| ExternalError::Configuration("SignInWithApple private_key is not an EC key".to_owned()),
    )?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some(key_id.to_owned());
    let claims = serde_json::json!({
        "iss": team_id,
        "iat": now.secs(),
        "exp": now.secs() + APPLE_CLIENT_SECRET_SECS,
        "aud": audience,
        "sub": client_id,
    });
    jsonwebtoken::encode(&header, &claims, &key)
        .map(SecretString::new)
        .map_err(|_| ExternalError::Configuration("SignInWithApple client secret".to_owned()))
}

/// Apple's first-consent `user` JSON: `{"name":{"firstName","lastName"},"email"}`.
fn apple_first_consent(user: &str, attributes: &mut Map<String, Value>) {
    let Ok(Value::Object(user)) = serde_json::from_str::<Value>(user) else {
        return;
    };
    if let Some(Value::Object(name)) = user.get("name") {
        for part in ["firstName", "lastName"] {
            if let Some(value) = name.get(part).and_then(Value::as_str) {
                attributes.insert(part.to_owned(), Value::String(value.to_owned()));
            }
        }
    }
    if let Some(email) = user.get("email").and_then(Value::as_str) {
        attributes.insert("email".to_owned(), Value::String(email.to_owned()));
    }
}

/// Sets the list parameter `name` of `base` (e.g. `...?fields=`) to `values` joined by commas,
/// encoded as a query value so a mapped name cannot add parameters of its own.
fn list_param_url(base: &str, name: &str, values: &[String]) -> Result<Url, ExternalError> {
    let mut url = Url::parse(base).map_err(|_| ExternalError::InsecureUrl(base.to_owned()))?;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.set_query(None);
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in &pairs {
            query.append_pair(key, value);
        }
        query.append_pair(name, &values.join(","));
    }
    Ok(url)
}

/// Graph fields: always `id` (the subject), then the mapped names.
fn facebook_fields(requested: &[String]) -> Vec<String> {
    let mut fields = vec!["id".to_owned()];
    for name in requested {
        if !fields.contains(name) {
            fields.push(name.clone());
        }
    }
    fields
}

fn google_person_fields(requested: &[String]) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for name in requested {
        // Cognito's Google attribute list says `gender`; the People API field is `genders`.
        let field = if name == "gender" {
            "genders"
        } else {
            name.as_str()
        };
        if GOOGLE_PERSON_FIELDS.contains(&field) && !fields.iter().any(|f| f == field) {
            fields.push(field.to_owned());
        }
    }
    fields
}

/// An id that providers send as a string (or, carelessly, as a number).
pub(crate) fn id_string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_params_are_encoded_not_concatenated() {
        let url = list_param_url(
            "https://graph.example/v17.0/me?fields=",
            "fields",
            &facebook_fields(&["email".to_owned(), "x&access_token=evil".to_owned()]),
        )
        .unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![(
                "fields".to_owned(),
                "id,email,x&access_token=evil".to_owned()
            )]
        );
    }

    #[test]
    fn google_people_fields_are_filtered() {
        let fields = google_person_fields(&[
            "email".to_owned(),
            "names".to_owned(),
            "gender".to_owned(),
            "names".to_owned(),
            "birthdays".to_owned(),
        ]);
        assert_eq!(fields, vec!["names", "genders", "birthdays"]);
    }

    #[test]
    fn apple_names_come_from_the_first_consent_post() {
        let mut attributes = Map::new();
        apple_first_consent(
            r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"ada@example.com"}"#,
            &mut attributes,
        );
        assert_eq!(attributes["firstName"], "Ada");
        assert_eq!(attributes["lastName"], "Lovelace");
        assert_eq!(attributes["email"], "ada@example.com");
        apple_first_consent("not json", &mut attributes);
        assert_eq!(attributes.len(), 3);
    }
}
