//! Roles and scopes in tokens: the groups a user is in, ordered by precedence, give the ID
//! token its `cognito:groups`, `cognito:roles` and the `cognito:preferred_role` of the group
//! with the lowest precedence (none when two tie); a client gets only the custom scopes it is
//! allowed that still exist.

use cognate_domain::client::ClientInput;
use cognate_domain::enums::OAuthFlow;
use cognate_domain::group::GroupInput;
use cognate_domain::oauth::HostedSite;
use cognate_domain::oauth::token::{ClientCredentials, TokenRequest};
use cognate_domain::resource_server::ResourceServerScope;
use cognate_testkit::domain::{PASSWORD, TestDomain};
use serde_json::{Value, json};

use crate::support::{claims, pool_and_client, sign_in};

fn role(name: &str) -> String {
    format!("arn:aws:iam::123456789012:role/{name}")
}

/// `(groups as (name, precedence, has a role), expected cognito:groups, expected preferred
/// role)`. A group's role is named after the group.
type RoleCase = (
    &'static [(&'static str, Option<i64>, bool)],
    &'static [&'static str],
    Option<&'static str>,
);

const ROLE_CASES: &[RoleCase] = &[
    (&[], &[], None),
    (&[("a", Some(1), true)], &["a"], Some("a")),
    (
        &[("a", Some(2), true), ("b", Some(1), true)],
        &["b", "a"],
        Some("b"),
    ),
    (
        &[("a", Some(1), true), ("b", Some(1), true)],
        &["a", "b"],
        None,
    ),
    (
        &[("a", Some(1), false), ("b", Some(5), true)],
        &["a", "b"],
        Some("b"),
    ),
    (
        &[("a", None, true), ("b", Some(9), true)],
        &["b", "a"],
        Some("b"),
    ),
    (&[("a", None, true)], &["a"], Some("a")),
    (&[("a", None, true), ("b", None, true)], &["a", "b"], None),
    (&[("a", Some(0), false)], &["a"], None),
];

#[tokio::test]
async fn groups_precedence_picks_the_preferred_role() {
    // One pool; each case has a user and groups of its own (`<case>-<name>`).
    let (t, client) = pool_and_client(ClientInput::default()).await;
    let pool_id = &client.pool_id;
    for (n, (groups, expected_groups, expected_role)) in ROLE_CASES.iter().enumerate() {
        let username = format!("user{n}");
        let group = |name: &str| format!("{n}-{name}");
        t.confirmed_user(pool_id, &username, &[]).await.unwrap();
        for (name, precedence, has_role) in *groups {
            let input = GroupInput {
                description: None,
                role_arn: has_role.then(|| role(name)),
                precedence: *precedence,
            };
            t.domain
                .create_group(pool_id, &group(name), input)
                .await
                .unwrap();
            t.domain
                .add_user_to_group(pool_id, &username, &group(name))
                .await
                .unwrap();
        }
        let tokens = sign_in(&t, &client, &username, PASSWORD).await.unwrap();
        let id = claims(&tokens.id_token);
        let case = groups;
        let listed = |claim: &str| id.get(claim).cloned().unwrap_or(json!([]));
        let expected_groups: Vec<String> = expected_groups.iter().map(|g| group(g)).collect();
        assert_eq!(listed("cognito:groups"), json!(expected_groups), "{case:?}");
        // The roles of the groups that have one, in the groups' order.
        let roles: Vec<String> = expected_groups
            .iter()
            .filter_map(|listed| {
                groups
                    .iter()
                    .find(|(name, _, has)| *has && group(name) == *listed)
                    .map(|(name, ..)| role(name))
            })
            .collect();
        assert_eq!(listed("cognito:roles"), json!(roles), "{case:?}");
        assert_eq!(
            id.get("cognito:preferred_role"),
            expected_role.map(|name| json!(role(name))).as_ref(),
            "{case:?}"
        );
        // The access token carries the groups, never the roles.
        let access = claims(&tokens.access_token);
        assert_eq!(access.get("cognito:roles"), None, "{case:?}");
    }
}

/// `(scopes the client is allowed, scope requested, scope granted or the error)`. The pool's
/// resource server `api` has `read`, `write` and `admin`.
type ScopeCase = (
    &'static [&'static str],
    Option<&'static str>,
    Result<&'static str, &'static str>,
);

const SCOPE_CASES: &[ScopeCase] = &[
    (&["api/read", "api/write"], None, Ok("api/read api/write")),
    (&["api/read", "api/write"], Some("api/read"), Ok("api/read")),
    (
        &["api/read", "api/write"],
        Some("api/write  api/read api/write"),
        Ok("api/write api/read"),
    ),
    (
        &["api/read"],
        Some("api/write"),
        Err("invalid_scope: Invalid scope requested: api/write"),
    ),
    (
        &["api/read"],
        Some("api/nope"),
        Err("invalid_scope: Invalid scope requested: api/nope"),
    ),
    (
        &["api/read", "api/admin"],
        Some("api/read api/admin"),
        Ok("api/read api/admin"),
    ),
];

#[tokio::test]
async fn a_client_gets_only_the_scopes_it_is_allowed() {
    // One pool and its resource server `api`; each case has a client of its own.
    let t = TestDomain::new().unwrap();
    let pool = t.pool().await.unwrap();
    let scopes = ["read", "write", "admin"]
        .map(|name| ResourceServerScope {
            name: name.into(),
            description: name.into(),
        })
        .to_vec();
    t.domain
        .create_resource_server(&pool.id, "api", "API", scopes)
        .await
        .unwrap();
    for (allowed, requested, expected) in SCOPE_CASES {
        let input = ClientInput {
            name: Some("machine".into()),
            generate_secret: true,
            allowed_oauth_flows: Some(vec![OAuthFlow::ClientCredentials]),
            allowed_oauth_flows_user_pool_client: Some(true),
            allowed_oauth_scopes: Some(allowed.iter().map(|s| (*s).to_owned()).collect()),
            ..ClientInput::default()
        };
        let (client, secret) = t
            .domain
            .create_user_pool_client(&pool.id, input)
            .await
            .unwrap();
        let site = HostedSite {
            pool_id: pool.id.clone(),
            domain: "test".into(),
            base_url: "http://test.auth.localhost:9229".into(),
        };
        let request = TokenRequest {
            grant_type: Some("client_credentials".into()),
            scope: requested.map(str::to_owned),
            client: ClientCredentials {
                basic: Some((client.client_id.clone(), secret.unwrap())),
                client_id: None,
                client_secret: None,
            },
            ..TokenRequest::default()
        };
        let granted = t
            .domain
            .token(&site, request)
            .await
            .map(|response| claims(&response.access_token)["scope"].clone())
            .map_err(|e| format!("{}: {}", e.code.as_str(), e.description));
        let expected = expected.map(Value::from).map_err(str::to_owned);
        assert_eq!(
            granted, expected,
            "allowed {allowed:?}, requested {requested:?}"
        );
    }
}
