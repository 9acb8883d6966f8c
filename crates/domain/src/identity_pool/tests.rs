//! Tests of the identity-pool rules that need no store: which provider a key names, the
//! role Cognito chooses, and how logins link and merge. The store-backed behaviour is
//! tested end to end in `crates/server/tests/it/identity*.rs`, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::IdentityConfig;
use super::identity::{Identity, LinkedLogin, Presented, plan_link};
use super::logins::{ProviderKind, VerifiedLogin, classify, user_pool_of_key};
use super::pool::{CognitoProvider, IdentityPool};
use super::roles::{
    AmbiguousRoleResolution, MappingRule, MappingType, MatchType, RoleMapping, choose_role,
};
use crate::ErrorKind;
use crate::time::Timestamp;

const UP: &str = "us-east-1_Pool01";
const KEY: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool01";
const AUTH: &str = "arn:aws:iam::123456789012:role/auth";
const UNAUTH: &str = "arn:aws:iam::123456789012:role/unauth";
const ADMIN: &str = "arn:aws:iam::123456789012:role/admin";
const READER: &str = "arn:aws:iam::123456789012:role/reader";

fn config() -> IdentityConfig {
    IdentityConfig {
        region: "us-east-1".into(),
        account_id: "123456789012".into(),
        public_url: "https://id.example.com".into(),
        openid_connect_providers: Vec::new(),
        saml_providers: Vec::new(),
    }
}

fn pool() -> IdentityPool {
    IdentityPool {
        id: "us-east-1:11111111-1111-1111-1111-111111111111".into(),
        name: "p".into(),
        allow_unauthenticated: true,
        allow_classic_flow: false,
        supported_login_providers: BTreeMap::from([(
            "accounts.google.com".into(),
            "google-app".into(),
        )]),
        developer_provider_name: Some("login.example".into()),
        open_id_connect_provider_arns: vec![
            "arn:aws:iam::123456789012:oidc-provider/login.example.org/oidc".into(),
        ],
        cognito_identity_providers: vec![CognitoProvider {
            provider_name: KEY.into(),
            client_id: "client1".into(),
            server_side_token_check: false,
        }],
        saml_provider_arns: vec!["arn:aws:iam::123456789012:saml-provider/corp".into()],
        tags: BTreeMap::new(),
        roles: BTreeMap::from([
            ("authenticated".into(), AUTH.into()),
            ("unauthenticated".into(), UNAUTH.into()),
        ]),
        role_mappings: BTreeMap::new(),
        principal_tags: BTreeMap::new(),
        created: Timestamp(0),
        version: 1,
    }
}

fn claims(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn login(claims_value: Value) -> VerifiedLogin {
    VerifiedLogin {
        provider: KEY.into(),
        subject: "sub-1".into(),
        mapping_key: format!("{KEY}:client1"),
        developer: false,
        claims: claims(claims_value),
        amr: format!("{KEY}:CognitoSignIn:sub-1"),
    }
}

#[test]
fn keys_name_the_providers_the_pool_trusts() {
    let (pool, config) = (pool(), config());
    let cases: &[(&str, Option<&str>)] = &[
        (KEY, Some("user pool")),
        ("id.example.com/us-east-1_Pool01", Some("user pool")),
        // Another user pool, or the right pool under the wrong region, is not trusted.
        ("cognito-idp.us-east-1.amazonaws.com/us-east-1_Other", None),
        ("cognito-idp.eu-west-1.amazonaws.com/us-east-1_Pool01", None),
        ("cognito-identity.amazonaws.com", Some("cognito identity")),
        ("login.example", Some("developer")),
        ("accounts.google.com", Some("external")),
        ("graph.facebook.com", None),
        ("login.example.org/oidc", Some("external")),
        (
            "arn:aws:iam::123456789012:saml-provider/corp",
            Some("external"),
        ),
        ("arn:aws:iam::123456789012:saml-provider/other", None),
        ("", None),
    ];
    for (key, expected) in cases {
        let got = classify(key, &pool, &config).map(|kind| match kind {
            ProviderKind::UserPool { pool_id } => {
                assert_eq!(pool_id, UP);
                "user pool"
            }
            ProviderKind::CognitoIdentity => "cognito identity",
            ProviderKind::Developer => "developer",
            ProviderKind::External(_) => "external",
        });
        assert_eq!(got, *expected, "key {key:?}");
    }
    assert_eq!(
        user_pool_of_key("cognito-idp.us-east-1.amazonaws.com/x", &config),
        None
    );
}

fn rules(
    rules: &[(&str, MatchType, &str, &str)],
    ambiguous: AmbiguousRoleResolution,
) -> RoleMapping {
    RoleMapping {
        mapping_type: MappingType::Rules,
        ambiguous_role_resolution: Some(ambiguous),
        rules: Some(
            rules
                .iter()
                .map(|(claim, match_type, value, role)| MappingRule {
                    claim: (*claim).into(),
                    match_type: *match_type,
                    value: (*value).into(),
                    role_arn: (*role).into(),
                })
                .collect(),
        ),
    }
}

fn token_mapping(ambiguous: AmbiguousRoleResolution) -> RoleMapping {
    RoleMapping {
        mapping_type: MappingType::Token,
        ambiguous_role_resolution: Some(ambiguous),
        rules: None,
    }
}

#[test]
fn roles_are_chosen_as_cognito_chooses_them() {
    use AmbiguousRoleResolution::{AuthenticatedRole, Deny};
    use MatchType::{Contains, Equals, NotEqual, StartsWith};
    let groups = json!({"cognito:groups": ["admins", "staff"], "custom:dept": "sales-emea",
        "cognito:roles": [ADMIN, READER], "cognito:preferred_role": READER, "level": 3});
    type Case = (
        &'static str,
        Option<RoleMapping>,
        Value,
        Option<&'static str>,
        Result<&'static str, &'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            "no mapping: the authenticated role",
            None,
            groups.clone(),
            None,
            Ok(AUTH),
        ),
        (
            "no mapping ignores a custom role",
            None,
            groups.clone(),
            Some(ADMIN),
            Ok(AUTH),
        ),
        (
            "token: preferred role",
            Some(token_mapping(Deny)),
            groups.clone(),
            None,
            Ok(READER),
        ),
        (
            "token: custom role among cognito:roles",
            Some(token_mapping(Deny)),
            groups.clone(),
            Some(ADMIN),
            Ok(ADMIN),
        ),
        (
            "token: custom role not among them",
            Some(token_mapping(AuthenticatedRole)),
            groups.clone(),
            Some(AUTH),
            Err("NotAuthorizedException"),
        ),
        (
            "token: no roles, ambiguous → authenticated",
            Some(token_mapping(AuthenticatedRole)),
            json!({}),
            None,
            Ok(AUTH),
        ),
        (
            "token: no roles, ambiguous → deny",
            Some(token_mapping(Deny)),
            json!({}),
            None,
            Err("NotAuthorizedException"),
        ),
        (
            "rules: first match in order",
            Some(rules(
                &[
                    ("cognito:groups", Equals, "staff", READER),
                    ("cognito:groups", Equals, "admins", ADMIN),
                ],
                Deny,
            )),
            groups.clone(),
            None,
            Ok(READER),
        ),
        (
            "rules: contains",
            Some(rules(&[("custom:dept", Contains, "emea", ADMIN)], Deny)),
            groups.clone(),
            None,
            Ok(ADMIN),
        ),
        (
            "rules: starts with",
            Some(rules(&[("custom:dept", StartsWith, "sales", ADMIN)], Deny)),
            groups.clone(),
            None,
            Ok(ADMIN),
        ),
        (
            "rules: a number compares as text",
            Some(rules(&[("level", Equals, "3", ADMIN)], Deny)),
            groups.clone(),
            None,
            Ok(ADMIN),
        ),
        (
            "rules: not equal over every group",
            Some(rules(
                &[("cognito:groups", NotEqual, "admins", READER)],
                AuthenticatedRole,
            )),
            groups.clone(),
            None,
            Ok(AUTH),
        ),
        (
            "rules: not equal matches",
            Some(rules(
                &[("cognito:groups", NotEqual, "guests", READER)],
                Deny,
            )),
            groups.clone(),
            None,
            Ok(READER),
        ),
        (
            "rules: a missing claim matches nothing, NotEqual included",
            Some(rules(&[("absent", NotEqual, "x", READER)], Deny)),
            groups.clone(),
            None,
            Err("NotAuthorizedException"),
        ),
        (
            "rules: no match, ambiguous → authenticated",
            Some(rules(
                &[("custom:dept", Equals, "hr", ADMIN)],
                AuthenticatedRole,
            )),
            groups.clone(),
            None,
            Ok(AUTH),
        ),
        (
            "rules: custom role picks among matches",
            Some(rules(
                &[
                    ("cognito:groups", Equals, "staff", READER),
                    ("cognito:groups", Equals, "admins", ADMIN),
                ],
                Deny,
            )),
            groups.clone(),
            Some(ADMIN),
            Ok(ADMIN),
        ),
        (
            "rules: custom role of no matching rule",
            Some(rules(
                &[("cognito:groups", Equals, "staff", READER)],
                AuthenticatedRole,
            )),
            groups.clone(),
            Some(ADMIN),
            Err("NotAuthorizedException"),
        ),
    ];
    for (name, mapping, token, custom, expected) in cases {
        let mut pool = pool();
        if let Some(mapping) = mapping {
            pool.role_mappings.insert(format!("{KEY}:client1"), mapping);
        }
        let got = choose_role(&pool, &[login(token)], custom).map_err(|e| e.kind.exception_name());
        assert_eq!(got.as_deref().map_err(|e| *e), expected, "{name}");
    }
    // Guests get the unauthenticated role; without one the pool is misconfigured.
    assert_eq!(choose_role(&pool(), &[], None).unwrap(), UNAUTH);
    let mut bare = pool();
    bare.roles.clear();
    assert_eq!(
        choose_role(&bare, &[], None).unwrap_err().kind,
        ErrorKind::InvalidIdentityPoolConfiguration
    );
    assert_eq!(
        choose_role(&bare, &[login(json!({}))], None)
            .unwrap_err()
            .kind,
        ErrorKind::InvalidIdentityPoolConfiguration
    );
    let mut denying = pool();
    denying.role_mappings.insert(
        format!("{KEY}:client1"),
        token_mapping(AmbiguousRoleResolution::Deny),
    );
    assert_eq!(
        choose_role(&denying, &[login(json!({}))], None)
            .unwrap_err()
            .message,
        format!("The ambiguous role mapping rules for: {KEY}:client1 denied this request.")
    );
}

fn identity(id: &str, created: i64, logins: &[(&str, &str)]) -> Identity {
    Identity {
        identity_id: id.into(),
        pool_id: "p".into(),
        logins: logins
            .iter()
            .map(|(provider, subject)| LinkedLogin {
                provider: (*provider).into(),
                subject: (*subject).into(),
                developer: *provider == "login.example",
            })
            .collect(),
        disabled: false,
        created: Timestamp(created),
        modified: Timestamp(created),
        version: 3,
    }
}

fn verified(provider: &str, subject: &str) -> VerifiedLogin {
    VerifiedLogin {
        provider: provider.into(),
        subject: subject.into(),
        mapping_key: provider.into(),
        developer: provider == "login.example",
        claims: Map::new(),
        amr: String::new(),
    }
}

#[test]
fn logins_link_to_new_guest_and_existing_identities() {
    let now = Timestamp(1_000);
    // A login nobody holds: a new identity.
    let plan = plan_link(
        Presented::None,
        &[],
        &[verified("up", "u1")],
        "p",
        "new",
        now,
    )
    .unwrap();
    assert_eq!(plan.survivor.identity_id, "new");
    assert_eq!(plan.changes.writes[0].expected_version, None);
    // A login its identity already holds: nothing to write.
    let owner = identity("a", 10, &[("up", "u1")]);
    let plan = plan_link(
        Presented::None,
        std::slice::from_ref(&owner),
        &[verified("up", "u1")],
        "p",
        "new",
        now,
    )
    .unwrap();
    assert_eq!(plan.survivor.identity_id, "a");
    assert!(plan.changes.is_empty());
    // A guest presenting a new login keeps its id and gains the login.
    let guest = identity("g", 5, &[]);
    let plan = plan_link(
        Presented::Public(&guest),
        &[],
        &[verified("up", "u1")],
        "p",
        "new",
        now,
    )
    .unwrap();
    assert_eq!(plan.survivor.identity_id, "g");
    assert_eq!(plan.changes.writes[0].expected_version, Some(3));
    assert_eq!(plan.survivor.logins.len(), 1);
}

#[test]
fn a_login_held_elsewhere_merges_into_its_owner() {
    let now = Timestamp(1_000);
    let guest = identity("g", 5, &[]);
    let owner = identity("a", 10, &[("up", "u1")]);
    let plan = plan_link(
        Presented::Public(&guest),
        std::slice::from_ref(&owner),
        &[verified("up", "u1")],
        "p",
        "new",
        now,
    )
    .unwrap();
    assert_eq!(plan.survivor.identity_id, "a");
    assert_eq!(plan.changes.deletes, vec![("g".to_owned(), 3)]);
    // Two owners: the older survives and takes the younger's logins.
    let younger = identity("b", 20, &[("google", "x")]);
    let plan = plan_link(
        Presented::Public(&younger),
        &[younger.clone(), owner.clone()],
        &[verified("google", "x"), verified("up", "u1")],
        "p",
        "new",
        now,
    )
    .unwrap();
    assert_eq!(plan.survivor.identity_id, "a");
    assert_eq!(plan.survivor.logins.len(), 2);
    assert_eq!(plan.changes.deletes, vec![("b".to_owned(), 3)]);
}

#[test]
fn identities_with_logins_need_one_of_them_and_one_user_per_provider() {
    let now = Timestamp(1_000);
    let held = identity("a", 10, &[("google", "x")]);
    // Someone else's login cannot be attached to an identity they do not prove.
    let e = plan_link(
        Presented::Public(&held),
        &[],
        &[verified("up", "u9")],
        "p",
        "n",
        now,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotAuthorized);
    assert!(
        e.message.starts_with("Logins don't match."),
        "{}",
        e.message
    );
    // A second user of the same public provider conflicts.
    let other = identity("b", 20, &[("google", "y")]);
    let e = plan_link(
        Presented::Public(&other),
        std::slice::from_ref(&held),
        &[verified("google", "y"), verified("google", "x")],
        "p",
        "n",
        now,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::ResourceConflict);
    // Developer providers may hold several users; a developer user held elsewhere is
    // refused when a backend names another identity.
    let dev = identity("d", 10, &[("login.example", "alice")]);
    let fresh = identity("e", 30, &[]);
    let e = plan_link(
        Presented::Developer(&fresh),
        std::slice::from_ref(&dev),
        &[verified("login.example", "alice")],
        "p",
        "n",
        now,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::DeveloperUserAlreadyRegistered);
    let plan = plan_link(
        Presented::Developer(&dev),
        &[],
        &[verified("login.example", "bob")],
        "p",
        "n",
        now,
    )
    .unwrap();
    assert_eq!(plan.survivor.logins.len(), 2);
    // At most 20 logins.
    let many: Vec<(String, String)> = (0..20)
        .map(|i| ("login.example".to_owned(), format!("u{i}")))
        .collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(p, s)| (p.as_str(), s.as_str())).collect();
    let full = identity("f", 1, &refs);
    let e = plan_link(
        Presented::Developer(&full),
        &[],
        &[verified("login.example", "one-more")],
        "p",
        "n",
        now,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::LimitExceeded);
}
