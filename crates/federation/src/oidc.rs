//! OpenID Connect: discovery (`<issuer>/.well-known/openid-configuration`, cached), the
//! provider's JWKS (cached, with one rate-limited reload when a token names an unknown `kid`,
//! which is how key rotation is picked up), and ID-token validation.
//!
//! The checks, in order: a compact JWS with an allowed `alg`; the key (see [`crate::jose`]);
//! the signature; `iss` exactly one of the accepted issuers; `aud` containing an accepted
//! audience, and when there are several audiences an `azp` equal to it; `exp` not passed,
//! `iat` not in the future and `nbf` reached, each with the configured skew; `sub` present;
//! the nonce, when one was sent, equal in constant time.

use std::sync::Arc;

use cognate_crypto::SecretString;
use cognate_domain::Timestamp;
use cognate_domain::external::{ExternalError, IdTokenProblem, VerifiedIdToken};
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::Federation;
use crate::cache::Freshness;
use crate::http::HttpFailure;
use crate::jose::{self, JwkSet};

/// What an OIDC provider's discovery document says (the parts Cognate uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
    pub code_challenge_methods: Vec<String>,
}

/// What a particular ID token must satisfy.
pub(crate) struct IdTokenRules<'a> {
    /// Accepted `iss` values (one, except Google's two spellings).
    pub issuers: &'a [String],
    pub audiences: &'a [String],
    pub jwks_uri: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub hmac_secret: Option<&'a SecretString>,
}

impl Federation {
    /// The issuer's discovery document, from the cache when fresh.
    pub(crate) async fn discovery(
        &self,
        issuer: &str,
        now: Timestamp,
    ) -> Result<Arc<Discovery>, ExternalError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let fetch = || self.fetch_discovery(issuer, url.clone());
        self.discovery_cache
            .get(
                &url,
                now,
                Freshness::MaxAge(self.config.discovery_ttl),
                fetch,
            )
            .await
    }

    async fn fetch_discovery(&self, issuer: &str, url: String) -> Result<Discovery, ExternalError> {
        let failed = || ExternalError::Discovery(issuer.to_owned());
        let url = self.http.url(&url)?;
        let response = self.http.get(url, None).await.map_err(|_| failed())?;
        if !response.is_success() {
            return Err(failed());
        }
        let doc = response.json_object().ok_or_else(failed)?;
        let text = |name: &str| doc.get(name).and_then(Value::as_str).map(str::to_owned);
        // OIDC Discovery §4.3: the document must name exactly the issuer it was fetched for.
        if text("issuer").as_deref() != Some(issuer) {
            return Err(failed());
        }
        let endpoint = |name: &str| -> Result<String, ExternalError> {
            let value = text(name).ok_or_else(failed)?;
            self.http.url(&value)?;
            Ok(value)
        };
        let userinfo_endpoint = match text("userinfo_endpoint") {
            Some(value) => {
                self.http.url(&value)?;
                Some(value)
            }
            None => None,
        };
        let code_challenge_methods = doc
            .get("code_challenge_methods_supported")
            .and_then(Value::as_array)
            .map(|methods| {
                methods
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Discovery {
            issuer: issuer.to_owned(),
            authorization_endpoint: endpoint("authorization_endpoint")?,
            token_endpoint: endpoint("token_endpoint")?,
            userinfo_endpoint,
            jwks_uri: endpoint("jwks_uri")?,
            code_challenge_methods,
        })
    }

    /// The provider's keys; `reload` asks for a fresh copy (an unknown `kid`), which is
    /// granted at most once per `jwks_min_reload_interval`.
    async fn jwks(
        &self,
        jwks_uri: &str,
        now: Timestamp,
        reload: bool,
    ) -> Result<Arc<JwkSet>, ExternalError> {
        let freshness = if reload {
            Freshness::ReloadUnlessWithin(self.config.jwks_min_reload_interval)
        } else {
            Freshness::MaxAge(self.config.jwks_ttl)
        };
        let fetch = || self.fetch_jwks(jwks_uri);
        self.jwks_cache.get(jwks_uri, now, freshness, fetch).await
    }

    async fn fetch_jwks(&self, jwks_uri: &str) -> Result<JwkSet, ExternalError> {
        let url = self.http.url(jwks_uri)?;
        let response = self.http.get(url, None).await.map_err(|e| match e {
            HttpFailure::Timeout => ExternalError::JwksTimeout,
            other => other.into_external(),
        })?;
        let unusable =
            || ExternalError::BadProviderResponse("Error in calling jwks uri".to_owned());
        if !response.is_success() {
            return Err(unusable());
        }
        JwkSet::parse(&response.body).ok_or_else(unusable)
    }

    /// Validates an ID token against `rules` at `now`.
    pub(crate) async fn validate_id_token(
        &self,
        token: &str,
        rules: &IdTokenRules<'_>,
        now: Timestamp,
    ) -> Result<VerifiedIdToken, ExternalError> {
        let jws = jose::parse_compact(token)?;
        let alg = jose::allowed_algorithm(&jws.alg)
            .ok_or_else(|| invalid(IdTokenProblem::Algorithm(jws.alg.clone())))?;
        if jose::is_hmac(alg) {
            // HMAC is keyed by the client secret alone; without one the token cannot be ours.
            let secret = rules
                .hmac_secret
                .ok_or_else(|| invalid(IdTokenProblem::Algorithm(jws.alg.clone())))?;
            let key = DecodingKey::from_secret(secret.expose().as_bytes());
            if !jose::signature_valid(&jws, &key, alg) {
                return Err(invalid(IdTokenProblem::Signature));
            }
        } else {
            let jwks_uri = rules.jwks_uri.ok_or_else(|| {
                ExternalError::Configuration("no jwks_uri for an asymmetric id_token".to_owned())
            })?;
            // Cognito requires providers to publish `kid` and tokens to carry it.
            let kid = jws
                .kid
                .clone()
                .ok_or_else(|| invalid(IdTokenProblem::UnknownKey(String::new())))?;
            let mut keys = self.jwks(jwks_uri, now, false).await?;
            if keys.find(&kid).is_none() {
                keys = self.jwks(jwks_uri, now, true).await?;
            }
            let jwk = keys
                .find(&kid)
                .ok_or_else(|| invalid(IdTokenProblem::UnknownKey(kid.clone())))?;
            if !jose::key_fits(jwk, &jws.alg, alg) {
                return Err(invalid(IdTokenProblem::Algorithm(jws.alg.clone())));
            }
            if !jose::signature_valid(&jws, &jwk.key, alg) {
                return Err(invalid(IdTokenProblem::Signature));
            }
        }
        self.check_claims(jws.claims, rules, now)
    }

    fn check_claims(
        &self,
        claims: Map<String, Value>,
        rules: &IdTokenRules<'_>,
        now: Timestamp,
    ) -> Result<VerifiedIdToken, ExternalError> {
        let issuer = claims
            .get("iss")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(IdTokenProblem::MissingClaim("iss")))?
            .to_owned();
        if !rules.issuers.contains(&issuer) {
            return Err(ExternalError::BadIssuer(issuer));
        }
        let audiences = audience_list(claims.get("aud"))
            .ok_or_else(|| invalid(IdTokenProblem::MissingClaim("aud")))?;
        let audience = rules
            .audiences
            .iter()
            .find(|accepted| audiences.contains(&accepted.as_str()))
            .ok_or_else(|| invalid(IdTokenProblem::Audience))?
            .clone();
        // OIDC Core §3.1.3.7: with several audiences the token must say which party it was
        // issued to. With one audience `azp` is not checked: Google's tokens from Android
        // apps carry the Android client as `azp` and the web client as `aud`.
        if audiences.len() > 1
            && claims.get("azp").and_then(Value::as_str) != Some(audience.as_str())
        {
            return Err(invalid(IdTokenProblem::AuthorizedParty));
        }
        let skew = self.config.clock_skew.as_secs() as i64;
        let now_secs = now.secs();
        let exp = numeric_claim(&claims, "exp")?
            .ok_or_else(|| invalid(IdTokenProblem::MissingClaim("exp")))?;
        if now_secs >= exp.saturating_add(skew) {
            return Err(invalid(IdTokenProblem::Expired));
        }
        if let Some(iat) = numeric_claim(&claims, "iat")?
            && iat > now_secs.saturating_add(skew)
        {
            return Err(invalid(IdTokenProblem::IssuedInFuture));
        }
        if let Some(nbf) = numeric_claim(&claims, "nbf")?
            && nbf > now_secs.saturating_add(skew)
        {
            return Err(invalid(IdTokenProblem::NotYetValid));
        }
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|sub| !sub.is_empty())
            .ok_or_else(|| invalid(IdTokenProblem::MissingClaim("sub")))?
            .to_owned();
        if let Some(expected) = rules.nonce {
            let got = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
            if !bool::from(got.as_bytes().ct_eq(expected.as_bytes())) {
                return Err(invalid(IdTokenProblem::Nonce));
            }
        }
        Ok(VerifiedIdToken {
            subject,
            issuer,
            audience,
            claims,
        })
    }
}

fn invalid(problem: IdTokenProblem) -> ExternalError {
    ExternalError::InvalidIdToken(problem)
}

/// `aud` as a list: a string or an array of strings.
fn audience_list(value: Option<&Value>) -> Option<Vec<&str>> {
    match value? {
        Value::String(one) => Some(vec![one.as_str()]),
        Value::Array(many) => many.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// A NumericDate claim (seconds, possibly fractional); a claim of another type is refused.
fn numeric_claim(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<i64>, ExternalError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| invalid(IdTokenProblem::Malformed)),
        Some(_) => Err(invalid(IdTokenProblem::Malformed)),
    }
}
