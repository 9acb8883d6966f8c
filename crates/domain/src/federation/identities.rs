//! The `identities` of a user: which outside identities sign in as them. Cognito keeps it
//! as a user attribute holding a JSON string (booleans and numbers native), and puts it in
//! ID tokens as an array of objects whose values are strings (reference §3.1).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The attribute's name.
pub const ATTRIBUTE: &str = "identities";

/// One outside identity of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub user_id: String,
    pub provider_name: String,
    pub provider_type: String,
    /// The SAML IdP's entity id; `null` for social and OIDC providers and for links.
    pub issuer: Option<String>,
    /// True for the identity that created the profile, false for linked ones.
    pub primary: bool,
    /// Epoch milliseconds.
    pub date_created: i64,
}

/// The identities in a user's attribute (none when it is missing or unreadable).
pub fn parse(attribute: Option<&str>) -> Vec<Identity> {
    attribute
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

/// The attribute's value.
pub fn to_attribute(identities: &[Identity]) -> String {
    serde_json::to_string(identities).unwrap_or_else(|_| "[]".to_owned())
}

/// The ID token's `identities` claim: every value a string, `issuer` null when absent.
pub fn to_claim(identities: &[Identity]) -> Value {
    Value::Array(
        identities
            .iter()
            .map(|i| {
                let mut object = Map::new();
                object.insert("userId".to_owned(), Value::from(i.user_id.clone()));
                object.insert(
                    "providerName".to_owned(),
                    Value::from(i.provider_name.clone()),
                );
                object.insert(
                    "providerType".to_owned(),
                    Value::from(i.provider_type.clone()),
                );
                object.insert(
                    "issuer".to_owned(),
                    i.issuer.clone().map_or(Value::Null, Value::from),
                );
                object.insert("primary".to_owned(), Value::from(i.primary.to_string()));
                object.insert(
                    "dateCreated".to_owned(),
                    Value::from(i.date_created.to_string()),
                );
                Value::Object(object)
            })
            .collect(),
    )
}

/// The claim for a user's attribute value, if they have any identities.
pub fn claim_from_attribute(attribute: Option<&str>) -> Option<Value> {
    let identities = parse(attribute);
    (!identities.is_empty()).then(|| to_claim(&identities))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn google() -> Identity {
        Identity {
            user_id: "117892860558610669905".to_owned(),
            provider_name: "Google".to_owned(),
            provider_type: "Google".to_owned(),
            issuer: None,
            primary: true,
            date_created: 1565669081099,
        }
    }

    #[test]
    fn the_attribute_keeps_native_json_types() {
        assert_eq!(
            to_attribute(&[google()]),
            r#"[{"userId":"117892860558610669905","providerName":"Google","providerType":"Google","issuer":null,"primary":true,"dateCreated":1565669081099}]"#
        );
        assert_eq!(parse(Some(&to_attribute(&[google()]))), [google()]);
    }

    #[test]
    fn the_claim_has_string_values() {
        let claim = to_claim(&[google()]);
        assert_eq!(claim[0]["primary"], "true");
        assert_eq!(claim[0]["dateCreated"], "1565669081099");
        assert_eq!(claim[0]["issuer"], Value::Null);
    }
}
