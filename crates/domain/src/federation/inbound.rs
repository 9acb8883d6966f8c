//! The InboundFederation_ExternalProvider trigger (reference §3.3): after the provider vouched
//! for the user and before anything is written, a function sees what the provider sent (the
//! token response, the ID token's claims and the userInfo answer for OIDC and social types;
//! the assertion's attributes for SAML) and may replace the IdP attribute set the
//! AttributeMapping then reads.
//!
//! # Decisions where the reference is silent
//! - `userName` in the event is the profile's generated username (`<ProviderName>_<subject>`,
//!   lower-cased in case-insensitive pools), also when a link will sign the identity in as a
//!   local user: the trigger runs before the user is resolved.
//! - `tokenResponse` members are strings (`expires_in` included), as in Cognito's sample
//!   event; members the provider did not send are left out, and so are `idToken` (Facebook,
//!   Login with Amazon) and `userInfo` (Apple) when there is none.
//! - `userAttributesToMap` is a full replacement when it has at least one member; absent,
//!   `null` or `{}` keeps the provider's attributes. Values may be any JSON (lists are
//!   flattened by the mapping as the provider's own would be); anything but an object is
//!   `Unrecognizable lambda output`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::FederationService;
use super::provider::IdentityProvider;
use super::signin::{FederatedUserError, OutsideIdentity};
use crate::error::ErrorKind;
use crate::external::ExternalSignIn;
use crate::pool::UserPool;
use crate::triggers::unrecognizable;

/// What the provider sent, as the InboundFederation trigger shows it.
/// Not `Debug`: it holds the provider's tokens.
#[derive(Clone)]
pub enum InboundEvidence {
    /// OIDC and social types: `attributes.tokenResponse`, `idToken`, `userInfo`.
    OAuth {
        token_response: Map<String, Value>,
        id_token: Option<Map<String, Value>>,
        user_info: Option<Map<String, Value>>,
    },
    /// SAML: `attributes.samlResponse`, the verified assertion's attributes by name (the
    /// same set the AttributeMapping reads). The SAML sign-in builds its [`OutsideIdentity`]
    /// with this, and the trigger runs for it like for every other provider.
    Saml {
        assertion_attributes: Map<String, Value>,
    },
}

impl InboundEvidence {
    /// The evidence of a completed OAuth/OIDC/social sign-in.
    pub fn oauth(signed_in: &ExternalSignIn) -> InboundEvidence {
        let tokens = &signed_in.tokens;
        let mut token_response = Map::new();
        let mut put = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                token_response.insert(name.to_owned(), Value::String(value));
            }
        };
        put("access_token", Some(tokens.access_token.expose().clone()));
        put(
            "id_token",
            tokens.id_token.as_ref().map(|t| t.expose().clone()),
        );
        put(
            "refresh_token",
            tokens.refresh_token.as_ref().map(|t| t.expose().clone()),
        );
        put("token_type", tokens.token_type.clone());
        put("expires_in", tokens.expires_in.map(|e| e.to_string()));
        put("scope", tokens.scope.clone());
        InboundEvidence::OAuth {
            token_response,
            id_token: signed_in.id_token_claims.clone(),
            user_info: signed_in.userinfo.clone(),
        }
    }

    /// The evidence of a verified SAML assertion.
    pub fn saml(assertion_attributes: &BTreeMap<String, Value>) -> InboundEvidence {
        InboundEvidence::Saml {
            assertion_attributes: assertion_attributes
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        }
    }

    fn attributes(&self) -> Value {
        let mut attributes = Map::new();
        match self {
            InboundEvidence::OAuth {
                token_response,
                id_token,
                user_info,
            } => {
                attributes.insert(
                    "tokenResponse".to_owned(),
                    Value::Object(token_response.clone()),
                );
                if let Some(claims) = id_token {
                    attributes.insert("idToken".to_owned(), Value::Object(claims.clone()));
                }
                if let Some(info) = user_info {
                    attributes.insert("userInfo".to_owned(), Value::Object(info.clone()));
                }
            }
            InboundEvidence::Saml {
                assertion_attributes,
            } => {
                attributes.insert(
                    "samlResponse".to_owned(),
                    Value::Object(assertion_attributes.clone()),
                );
            }
        }
        Value::Object(attributes)
    }
}

/// The event's `request`.
fn inbound_request(provider: &IdentityProvider, evidence: &InboundEvidence) -> Value {
    json!({
        "providerName": provider.name,
        "providerType": provider.provider_type.as_str(),
        "attributes": evidence.attributes(),
    })
}

/// The replacement attribute set a function answered, if any.
fn attributes_to_map(
    response: &Value,
) -> std::result::Result<Option<BTreeMap<String, Value>>, FederatedUserError> {
    match response.get("userAttributesToMap") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) if map.is_empty() => Ok(None),
        Some(Value::Object(map)) => Ok(Some(
            map.iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        )),
        Some(_) => Err(FederatedUserError::Refused(
            unrecognizable().message.clone(),
        )),
    }
}

impl FederationService {
    /// Runs InboundFederation_ExternalProvider for an identity the provider vouched for:
    /// the function's `userAttributesToMap`, when it gives one, replaces `outside.attributes`
    /// for the mapping. A function's failure refuses the sign-in with Cognito's text.
    pub(super) async fn inbound_federation(
        &self,
        pool: &UserPool,
        client_id: &str,
        provider: &IdentityProvider,
        username: &str,
        outside: &OutsideIdentity,
    ) -> std::result::Result<Option<BTreeMap<String, Value>>, FederatedUserError> {
        let request = inbound_request(provider, &outside.evidence);
        match self
            .directory
            .inbound_federation_trigger(pool, client_id, username, request)
            .await
        {
            Ok(Some(answer)) => attributes_to_map(&answer),
            Ok(None) => Ok(None),
            Err(e) if e.kind == ErrorKind::UserLambdaValidation => {
                Err(FederatedUserError::Refused(format!("{} ", e.message)))
            }
            Err(e) => Err(FederatedUserError::Refused(e.message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_missing_answer_keeps_the_providers_attributes() {
        assert!(attributes_to_map(&json!({})).ok().unwrap().is_none());
        assert!(
            attributes_to_map(&json!({"userAttributesToMap": {}}))
                .ok()
                .unwrap()
                .is_none()
        );
        assert!(
            attributes_to_map(&json!({"userAttributesToMap": null}))
                .ok()
                .unwrap()
                .is_none()
        );
        let replaced = attributes_to_map(&json!({"userAttributesToMap": {"email": "a@b.c"}}))
            .ok()
            .unwrap()
            .unwrap();
        assert_eq!(replaced.len(), 1);
        assert!(attributes_to_map(&json!({"userAttributesToMap": "x"})).is_err());
    }

    #[test]
    fn saml_evidence_is_the_samlresponse_member_only() {
        let evidence =
            InboundEvidence::saml(&BTreeMap::from([("email".to_owned(), json!("a@b.c"))]));
        let attributes = evidence.attributes();
        assert_eq!(attributes["samlResponse"]["email"], "a@b.c");
        assert!(attributes.get("tokenResponse").is_none());
    }
}
