//! The roles of an identity pool (SetIdentityPoolRoles / GetIdentityPoolRoles) and the role
//! Cognito picks for a request ([`choose_role`]).
//!
//! The choice, as Cognito makes it:
//! 1. no login (a guest): `Roles.unauthenticated`;
//! 2. the first login (in key order) whose provider has a RoleMapping decides; with none,
//!    `Roles.authenticated` (a CustomRoleArn is then ignored, as for providers that do not
//!    support choosing a role);
//! 3. `Token`: a CustomRoleArn must be one of the token's `cognito:roles`; otherwise
//!    `cognito:preferred_role`; otherwise the ambiguous case;
//! 4. `Rules`: the rules in order against the token's claims, first match wins (a
//!    CustomRoleArn must be the role of a matching rule); a claim the token lacks matches no
//!    rule; no match is the ambiguous case;
//! 5. the ambiguous case: `AuthenticatedRole` takes `Roles.authenticated`, `Deny` refuses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::IdentityPools;
use super::logins::{ProviderKind, VerifiedLogin, classify, user_pool_of_key};
use super::pool::IdentityPool;
use crate::error::{Error, ErrorKind, Result};

/// Rules per role mapping (AWS's quota; the model allows 400).
pub const MAX_RULES: usize = 25;
pub const AUTHENTICATED: &str = "authenticated";
pub const UNAUTHENTICATED: &str = "unauthenticated";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MappingType {
    Token,
    Rules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AmbiguousRoleResolution {
    AuthenticatedRole,
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchType {
    Equals,
    Contains,
    StartsWith,
    NotEqual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingRule {
    pub claim: String,
    pub match_type: MatchType,
    pub value: String,
    pub role_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleMapping {
    pub mapping_type: MappingType,
    pub ambiguous_role_resolution: Option<AmbiguousRoleResolution>,
    pub rules: Option<Vec<MappingRule>>,
}

/// Whether `arn` looks like an IAM role ARN (`arn:<partition>:iam::<account>:role/<name>`).
pub fn is_role_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":iam::"))
        .and_then(|(_, rest)| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        })
}

fn forbidden_role(arn: &str) -> Error {
    Error::not_authorized(format!("Access to Role '{arn}' is forbidden."))
}

fn invalid_configuration() -> Error {
    Error::new(
        ErrorKind::InvalidIdentityPoolConfiguration,
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )
}

/// Whether a RoleMappings key names a provider `pool` trusts: `<user pool provider>:<client id>`
/// for a user pool, the provider name otherwise.
fn names_a_provider(key: &str, pool: &IdentityPool, pools: &IdentityPools) -> bool {
    if let Some((provider, client_id)) = key.rsplit_once(':')
        && let Some(user_pool) = user_pool_of_key(provider, &pools.config)
    {
        return pool.cognito_identity_providers.iter().any(|p| {
            p.client_id == client_id
                && user_pool_of_key(&p.provider_name, &pools.config).as_deref()
                    == Some(user_pool.as_str())
        });
    }
    matches!(
        classify(key, pool, &pools.config),
        Some(ProviderKind::External(_))
    )
}

fn check_mapping(key: &str, mapping: &RoleMapping) -> Result<()> {
    if mapping.ambiguous_role_resolution.is_none() {
        return Err(Error::invalid_parameter(format!(
            "AmbiguousRoleResolution must be specified for the role mapping of {key}."
        )));
    }
    match (mapping.mapping_type, &mapping.rules) {
        (MappingType::Rules, None) => Err(Error::invalid_parameter(format!(
            "RulesConfiguration is required for the Rules role mapping of {key}."
        ))),
        (MappingType::Rules, Some(rules)) if rules.len() > MAX_RULES => {
            Err(Error::invalid_parameter(format!(
                "A role mapping can have at most {MAX_RULES} rules; the mapping of {key} has {}.",
                rules.len()
            )))
        }
        (MappingType::Rules, Some(rules)) => rules
            .iter()
            .find(|rule| !is_role_arn(&rule.role_arn))
            .map_or(Ok(()), |rule| Err(forbidden_role(&rule.role_arn))),
        (MappingType::Token, Some(_)) => Err(Error::invalid_parameter(format!(
            "RulesConfiguration is only valid for a role mapping of type Rules ({key})."
        ))),
        (MappingType::Token, None) => Ok(()),
    }
}

impl IdentityPools {
    /// SetIdentityPoolRoles: replaces the roles and the role mappings.
    pub async fn set_identity_pool_roles(
        &self,
        pool_id: &str,
        roles: BTreeMap<String, String>,
        mappings: BTreeMap<String, RoleMapping>,
    ) -> Result<()> {
        if let Some(arn) = roles.values().find(|arn| !is_role_arn(arn)) {
            return Err(forbidden_role(arn));
        }
        let mut pool = self.identity_pool_for_update(pool_id).await?;
        for (key, mapping) in &mappings {
            if !names_a_provider(key, &pool, self) {
                return Err(Error::invalid_parameter(format!(
                    "The role mapping key {key} does not name a provider of this identity pool."
                )));
            }
            check_mapping(key, mapping)?;
        }
        pool.roles = roles;
        pool.role_mappings = mappings;
        self.save_identity_pool(pool).await.map(|_| ())
    }

    /// GetIdentityPoolRoles.
    pub async fn identity_pool_roles(&self, pool_id: &str) -> Result<IdentityPool> {
        self.identity_pool(pool_id).await
    }
}

/// The role for a request: see the module header. `logins` are the request's verified
/// logins (empty for a guest).
pub fn choose_role(
    pool: &IdentityPool,
    logins: &[VerifiedLogin],
    custom_role_arn: Option<&str>,
) -> Result<String> {
    if logins.is_empty() {
        return pool
            .roles
            .get(UNAUTHENTICATED)
            .cloned()
            .ok_or_else(invalid_configuration);
    }
    let authenticated = || {
        pool.roles
            .get(AUTHENTICATED)
            .cloned()
            .ok_or_else(invalid_configuration)
    };
    let Some((login, mapping)) = logins
        .iter()
        .find_map(|l| pool.role_mappings.get(&l.mapping_key).map(|m| (l, m)))
    else {
        return authenticated();
    };
    let chosen = match mapping.mapping_type {
        MappingType::Token => role_from_token(&login.claims, custom_role_arn)?,
        MappingType::Rules => role_from_rules(
            mapping.rules.as_deref().unwrap_or(&[]),
            &login.claims,
            custom_role_arn,
        )?,
    };
    match (chosen, mapping.ambiguous_role_resolution) {
        (Some(role), _) => Ok(role),
        (None, Some(AmbiguousRoleResolution::AuthenticatedRole)) => authenticated(),
        (None, _) => Err(Error::not_authorized(format!(
            "The ambiguous role mapping rules for: {} denied this request.",
            login.mapping_key
        ))),
    }
}

fn custom_role_refused(arn: &str) -> Error {
    Error::not_authorized(format!(
        "The CustomRoleArn {arn} is not a role this login may assume."
    ))
}

/// `Token`: `cognito:roles` and `cognito:preferred_role`.
fn role_from_token(claims: &Map<String, Value>, custom: Option<&str>) -> Result<Option<String>> {
    if let Some(arn) = custom {
        let allowed = claim_values(claims.get("cognito:roles")).any(|role| role == arn);
        return if allowed {
            Ok(Some(arn.to_owned()))
        } else {
            Err(custom_role_refused(arn))
        };
    }
    Ok(claims
        .get("cognito:preferred_role")
        .and_then(Value::as_str)
        .map(str::to_owned))
}

/// `Rules`: the first matching rule, or the matching rule whose role is the CustomRoleArn.
fn role_from_rules(
    rules: &[MappingRule],
    claims: &Map<String, Value>,
    custom: Option<&str>,
) -> Result<Option<String>> {
    let mut matching = rules.iter().filter(|rule| rule_matches(rule, claims));
    match custom {
        None => Ok(matching.next().map(|rule| rule.role_arn.clone())),
        Some(arn) => matching
            .find(|rule| rule.role_arn == arn)
            .map(|rule| Some(rule.role_arn.clone()))
            .ok_or_else(|| custom_role_refused(arn)),
    }
}

/// A claim's values as text: a string, each string of an array (`cognito:groups`), or the
/// JSON text of a number or boolean.
fn claim_values(claim: Option<&Value>) -> impl Iterator<Item = String> + '_ {
    let values: Vec<&Value> = match claim {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(value) => vec![value],
    };
    values.into_iter().map(|value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    })
}

/// Whether one rule matches the claims. A multi-valued claim matches `Equals`, `Contains` and
/// `StartsWith` when any value does, and `NotEqual` when none equals; a missing claim matches
/// nothing, `NotEqual` included.
pub fn rule_matches(rule: &MappingRule, claims: &Map<String, Value>) -> bool {
    let values: Vec<String> = claim_values(claims.get(&rule.claim)).collect();
    if values.is_empty() {
        return false;
    }
    let wanted = rule.value.as_str();
    match rule.match_type {
        MatchType::Equals => values.iter().any(|v| v == wanted),
        MatchType::Contains => values.iter().any(|v| v.contains(wanted)),
        MatchType::StartsWith => values.iter().any(|v| v.starts_with(wanted)),
        MatchType::NotEqual => values.iter().all(|v| v != wanted),
    }
}
