//! Identity pools through the AWS SDK for Rust's `cognito-identity` client (and raw requests
//! for the protocol's edges): administration, guests, user-pool logins, linking and merging,
//! developer identities, OpenID tokens, role choice, credentials from an STS stand-in, and
//! the bad input each must refuse. Every test runs on SQLite and on PostgreSQL.

use aws_sdk_cognitoidentity::types::{
    AmbiguousRoleResolutionType, MappingRule, MappingRuleMatchType, RoleMapping, RoleMappingType,
    RulesConfigurationType,
};

use crate::support::REGION;
use crate::support::flows::claims;
use crate::support::identity::{
    ADMIN_ROLE, AUTH_ROLE, Federated, READER_ROLE, StsAnswer, UNAUTH_ROLE, identity_client,
    identity_error, identity_pool, verified_claims,
};
use crate::{on_both_backends, with_sts_on_both_backends};

const DEV: &str = "login.example.app";

fn rule(claim: &str, match_type: MappingRuleMatchType, value: &str, role: &str) -> MappingRule {
    MappingRule::builder()
        .claim(claim)
        .match_type(match_type)
        .value(value)
        .role_arn(role)
        .build()
        .unwrap()
}

fn mapping(
    kind: RoleMappingType,
    ambiguous: AmbiguousRoleResolutionType,
    rules: Vec<MappingRule>,
) -> RoleMapping {
    let mut builder = RoleMapping::builder()
        .r#type(kind)
        .ambiguous_role_resolution(ambiguous);
    if !rules.is_empty() {
        builder = builder.rules_configuration(
            RulesConfigurationType::builder()
                .set_rules(Some(rules))
                .build()
                .unwrap(),
        );
    }
    builder.build().unwrap()
}

on_both_backends!(identity_pools_are_administered_through_the_sdk, |server| {
    let (idp, identity) = (server.client(), identity_client(server));
    let federated = Federated::new(&idp).await;
    let created = identity
        .create_identity_pool()
        .identity_pool_name("my app")
        .allow_unauthenticated_identities(true)
        .allow_classic_flow(true)
        .supported_login_providers("accounts.google.com", "google-app-id")
        .developer_provider_name(DEV)
        .open_id_connect_provider_arns("arn:aws:iam::123456789012:oidc-provider/login.example.org")
        .saml_provider_arns("arn:aws:iam::123456789012:saml-provider/corp")
        .cognito_identity_providers(federated.provider_entry(true))
        .identity_pool_tags("team", "web")
        .send()
        .await
        .unwrap();
    let pool_id = created.identity_pool_id().to_owned();
    assert!(pool_id.starts_with(&format!("{REGION}:")), "{pool_id}");
    assert_eq!(pool_id.len(), REGION.len() + 37);
    let described = identity
        .describe_identity_pool()
        .identity_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.identity_pool_name(), "my app");
    assert!(described.allow_unauthenticated_identities());
    assert_eq!(described.allow_classic_flow(), Some(true));
    assert_eq!(described.developer_provider_name(), Some(DEV));
    let provider = &described.cognito_identity_providers()[0];
    assert_eq!(provider.provider_name(), Some(federated.provider.as_str()));
    assert_eq!(provider.client_id(), Some(federated.app.client_id.as_str()));
    assert_eq!(provider.server_side_token_check(), Some(true));
    assert_eq!(
        described.supported_login_providers().unwrap()["accounts.google.com"],
        "google-app-id"
    );
    assert_eq!(described.identity_pool_tags().unwrap()["team"], "web");

    // UpdateIdentityPool takes the whole pool; the developer provider cannot change.
    let updated = identity
        .update_identity_pool()
        .identity_pool_id(&pool_id)
        .identity_pool_name("renamed")
        .allow_unauthenticated_identities(false)
        .developer_provider_name(DEV)
        .cognito_identity_providers(federated.provider_entry(false))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.identity_pool_name(), "renamed");
    assert!(updated.supported_login_providers().is_none());
    assert_eq!(
        identity_error(
            identity
                .update_identity_pool()
                .identity_pool_id(&pool_id)
                .identity_pool_name("renamed")
                .allow_unauthenticated_identities(false)
                .developer_provider_name("other.dev")
                .send()
                .await
        ),
        (
            "InvalidParameterException".to_owned(),
            "The DeveloperProviderName of an identity pool cannot be changed once set.".to_owned()
        )
    );

    // Listing pages through every pool.
    for n in 0..2 {
        identity
            .create_identity_pool()
            .identity_pool_name(format!("extra {n}"))
            .allow_unauthenticated_identities(false)
            .send()
            .await
            .unwrap();
    }
    let first = identity
        .list_identity_pools()
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.identity_pools().len(), 2);
    let rest = identity
        .list_identity_pools()
        .max_results(2)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.identity_pools().len(), 1);
    assert!(rest.next_token().is_none());

    // Tags by ARN.
    let arn = format!("arn:aws:cognito-identity:{REGION}:123456789012:identitypool/{pool_id}");
    identity
        .tag_resource()
        .resource_arn(&arn)
        .tags("env", "prod")
        .send()
        .await
        .unwrap();
    identity
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let tags = identity
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);
    assert_eq!(tags.tags().unwrap()["env"], "prod");
    assert_eq!(
        identity_error(
            identity
                .list_tags_for_resource()
                .resource_arn("arn:aws:cognito-identity:us-east-1:123456789012:identitypool/us-east-1:00000000-0000-0000-0000-000000000000")
                .send()
                .await
        )
        .0,
        "ResourceNotFoundException"
    );

    // Roles and role mappings round-trip.
    let key = format!("{}:{}", federated.provider, federated.app.client_id);
    identity
        .set_identity_pool_roles()
        .identity_pool_id(&pool_id)
        .roles("authenticated", AUTH_ROLE)
        .roles("unauthenticated", UNAUTH_ROLE)
        .role_mappings(
            &key,
            mapping(
                RoleMappingType::Rules,
                AmbiguousRoleResolutionType::Deny,
                vec![rule(
                    "cognito:groups",
                    MappingRuleMatchType::Contains,
                    "adm",
                    ADMIN_ROLE,
                )],
            ),
        )
        .send()
        .await
        .unwrap();
    let roles = identity
        .get_identity_pool_roles()
        .identity_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    assert_eq!(roles.roles().unwrap()["authenticated"], AUTH_ROLE);
    let got = &roles.role_mappings().unwrap()[&key];
    assert_eq!(got.r#type(), &RoleMappingType::Rules);
    assert_eq!(
        got.ambiguous_role_resolution(),
        Some(&AmbiguousRoleResolutionType::Deny)
    );
    let rules = got.rules_configuration().unwrap().rules();
    assert_eq!(rules[0].match_type(), &MappingRuleMatchType::Contains);
    assert_eq!(rules[0].role_arn(), ADMIN_ROLE);

    // Principal-tag maps per provider, with Cognito's defaults.
    let set = identity
        .set_principal_tag_attribute_map()
        .identity_pool_id(&pool_id)
        .identity_provider_name(&federated.provider)
        .principal_tags("department", "custom:dept")
        .send()
        .await
        .unwrap();
    assert_eq!(set.use_defaults(), Some(false));
    let defaults = identity
        .set_principal_tag_attribute_map()
        .identity_pool_id(&pool_id)
        .identity_provider_name(&federated.provider)
        .use_defaults(true)
        .send()
        .await
        .unwrap();
    assert_eq!(defaults.principal_tags().unwrap()["username"], "sub");
    let got = identity
        .get_principal_tag_attribute_map()
        .identity_pool_id(&pool_id)
        .identity_provider_name(&federated.provider)
        .send()
        .await
        .unwrap();
    assert_eq!(got.use_defaults(), Some(true));
    assert_eq!(got.principal_tags().unwrap()["client"], "aud");

    identity
        .delete_identity_pool()
        .identity_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        identity_error(
            identity
                .describe_identity_pool()
                .identity_pool_id(&pool_id)
                .send()
                .await
        ),
        (
            "ResourceNotFoundException".to_owned(),
            format!("IdentityPool '{pool_id}' not found.")
        )
    );
});

on_both_backends!(
    administration_refuses_bad_settings_and_bad_signatures,
    |server| {
        let identity = identity_client(server);
        // The model's validation, with AWS's wording.
        server
        .raw_identity(
            "CreateIdentityPool",
            r#"{"IdentityPoolName":"bad/name","AllowUnauthenticatedIdentities":true}"#,
            Some("cognito-identity"),
        )
        .await
        .assert_error(
            400,
            "InvalidParameterException",
            r"1 validation error detected: Value 'bad/name' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w\s+=,.@-]+",
        );
        server
        .raw_identity("ListIdentityPools", "{}", Some("cognito-identity"))
        .await
        .assert_error(
            400,
            "InvalidParameterException",
            "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null",
        );
        // Admin operations are signed, as `cognito-identity`.
        server
            .raw_identity("ListIdentityPools", r#"{"MaxResults":1}"#, None)
            .await
            .assert_error(
                400,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            );
        let wrong_scope = server
            .raw_identity(
                "ListIdentityPools",
                r#"{"MaxResults":1}"#,
                Some("cognito-idp"),
            )
            .await;
        assert_eq!(wrong_scope.json["__type"], "InvalidSignatureException");
        assert!(
            wrong_scope.json["message"]
                .as_str()
                .unwrap()
                .contains("Credential should be scoped to correct service: 'cognito-identity'."),
            "{:?}",
            wrong_scope.json
        );
        server
            .raw_identity("NoSuchOperation", "{}", Some("cognito-identity"))
            .await
            .assert_error(
                400,
                "UnknownOperationException",
                "Unknown operation NoSuchOperation.",
            );

        // Rules beyond the model: providers, ARNs, roles, mappings, limits.
        let bad_provider = identity
            .create_identity_pool()
            .identity_pool_name("p")
            .allow_unauthenticated_identities(false)
            .supported_login_providers("login.unknown.com", "x")
            .send()
            .await;
        assert_eq!(identity_error(bad_provider).0, "InvalidParameterException");
        let bad_user_pool = identity
            .create_identity_pool()
            .identity_pool_name("p")
            .allow_unauthenticated_identities(false)
            .cognito_identity_providers(
                aws_sdk_cognitoidentity::types::CognitoIdentityProvider::builder()
                    .provider_name("cognito-idp.us-east-1.amazonaws.com")
                    .client_id("abc")
                    .build(),
            )
            .send()
            .await;
        assert_eq!(identity_error(bad_user_pool).0, "InvalidParameterException");
        let mut too_many = identity
            .create_identity_pool()
            .identity_pool_name("p")
            .allow_unauthenticated_identities(false);
        for n in 0..51 {
            too_many = too_many.cognito_identity_providers(
                aws_sdk_cognitoidentity::types::CognitoIdentityProvider::builder()
                    .provider_name(format!(
                        "cognito-idp.us-east-1.amazonaws.com/us-east-1_p{n}"
                    ))
                    .client_id("abc")
                    .build(),
            );
        }
        assert_eq!(
            identity_error(too_many.send().await),
            (
                "LimitExceededException".to_owned(),
                "An identity pool can have at most 50 Cognito user pool providers.".to_owned()
            )
        );
        let pool_id = identity
            .create_identity_pool()
            .identity_pool_name("p")
            .allow_unauthenticated_identities(false)
            .cognito_identity_providers(
                aws_sdk_cognitoidentity::types::CognitoIdentityProvider::builder()
                    .provider_name("cognito-idp.us-east-1.amazonaws.com/us-east-1_abc")
                    .client_id("client1")
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .identity_pool_id
            .clone();
        assert_eq!(
            identity_error(
                identity
                    .set_identity_pool_roles()
                    .identity_pool_id(&pool_id)
                    .roles("authenticated", "Cognito_Authenticated_Role")
                    .send()
                    .await
            ),
            (
                "NotAuthorizedException".to_owned(),
                "Access to Role 'Cognito_Authenticated_Role' is forbidden.".to_owned()
            )
        );
        let key = "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc:client1";
        let unknown_key = identity
            .set_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .roles("authenticated", AUTH_ROLE)
            .role_mappings(
                "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc:other-client",
                mapping(
                    RoleMappingType::Token,
                    AmbiguousRoleResolutionType::Deny,
                    vec![],
                ),
            )
            .send()
            .await;
        assert_eq!(identity_error(unknown_key).0, "InvalidParameterException");
        let no_resolution = identity
            .set_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .roles("authenticated", AUTH_ROLE)
            .role_mappings(
                key,
                RoleMapping::builder()
                    .r#type(RoleMappingType::Token)
                    .build()
                    .unwrap(),
            )
            .send()
            .await;
        assert_eq!(
            identity_error(no_resolution),
            (
                "InvalidParameterException".to_owned(),
                format!("AmbiguousRoleResolution must be specified for the role mapping of {key}.")
            )
        );
        let rules: Vec<MappingRule> = (0..26)
            .map(|n| {
                rule(
                    "custom:n",
                    MappingRuleMatchType::Equals,
                    &n.to_string(),
                    ADMIN_ROLE,
                )
            })
            .collect();
        let too_many_rules = identity
            .set_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .roles("authenticated", AUTH_ROLE)
            .role_mappings(
                key,
                mapping(
                    RoleMappingType::Rules,
                    AmbiguousRoleResolutionType::Deny,
                    rules,
                ),
            )
            .send()
            .await;
        assert_eq!(
            identity_error(too_many_rules).0,
            "InvalidParameterException"
        );
        // Nothing above changed the pool's roles.
        let roles = identity
            .get_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .send()
            .await
            .unwrap();
        assert!(roles.roles().unwrap().is_empty());
        assert!(roles.role_mappings().is_none());
    }
);

on_both_backends!(
    guests_and_user_pool_users_get_identities_and_dev_credentials,
    dev = true,
    |server| {
        let (idp, identity) = (server.client(), identity_client(server));
        let federated = Federated::new(&idp).await;
        let pool_id = identity_pool(&identity, &federated, true, true).await;

        // A guest: GetId without logins, then credentials in AWS's format, minted locally.
        let guest = identity
            .get_id()
            .identity_pool_id(&pool_id)
            .send()
            .await
            .unwrap()
            .identity_id
            .unwrap();
        let credentials = identity
            .get_credentials_for_identity()
            .identity_id(&guest)
            .send()
            .await
            .unwrap();
        assert_eq!(credentials.identity_id(), Some(guest.as_str()));
        let issued = credentials.credentials().unwrap();
        let key_id = issued.access_key_id().unwrap();
        assert!(key_id.starts_with("ASIA") && key_id.len() == 20, "{key_id}");
        assert_eq!(issued.secret_key().unwrap().len(), 40);
        let expires = issued.expiration().unwrap().secs();
        let in_an_hour = crate::support::flows::now_secs() + 3600;
        assert!((expires - in_an_hour).abs() < 30, "{expires}");

        // A user-pool user: one identity however often, under either key of the user pool.
        let token = federated.id_token(&idp, "alice").await;
        let alice = identity
            .get_id()
            .identity_pool_id(&pool_id)
            .logins(&federated.provider, &token)
            .send()
            .await
            .unwrap()
            .identity_id
            .unwrap();
        assert_ne!(alice, guest);
        let issuer_host = server.url().replace("http://", "");
        let again = identity
            .get_id()
            .identity_pool_id(&pool_id)
            .logins(format!("{issuer_host}/{}", federated.app.pool), &token)
            .send()
            .await
            .unwrap()
            .identity_id
            .unwrap();
        assert_eq!(again, alice);
        let described = identity
            .describe_identity()
            .identity_id(&alice)
            .send()
            .await
            .unwrap();
        assert_eq!(
            described.logins(),
            std::slice::from_ref(&federated.provider)
        );
        identity
            .get_credentials_for_identity()
            .identity_id(&alice)
            .logins(&federated.provider, &token)
            .send()
            .await
            .unwrap();
        // An identity with logins is not usable without one of them.
        assert_eq!(
        identity_error(identity.get_credentials_for_identity().identity_id(&alice).send().await),
        (
            "NotAuthorizedException".to_owned(),
            "Logins don't match. Please include at least one valid login for this identity or identity pool.".to_owned()
        )
    );
        let bob_token = federated.id_token(&idp, "bob").await;
        assert_eq!(
            identity_error(
                identity
                    .get_credentials_for_identity()
                    .identity_id(&alice)
                    .logins(&federated.provider, &bob_token)
                    .send()
                    .await
            )
            .0,
            "NotAuthorizedException"
        );

        // A guest who signs in keeps its identity, which gains the login.
        let bob = identity
            .get_credentials_for_identity()
            .identity_id(&guest)
            .logins(&federated.provider, &bob_token)
            .send()
            .await
            .unwrap();
        assert_eq!(bob.identity_id(), Some(guest.as_str()));
        // A guest presenting a login another identity holds merges into it and learns its id.
        let second_guest = identity
            .get_id()
            .identity_pool_id(&pool_id)
            .send()
            .await
            .unwrap()
            .identity_id
            .unwrap();
        let merged = identity
            .get_credentials_for_identity()
            .identity_id(&second_guest)
            .logins(&federated.provider, &token)
            .send()
            .await
            .unwrap();
        assert_eq!(merged.identity_id(), Some(alice.as_str()));
        assert_eq!(
            identity_error(
                identity
                    .describe_identity()
                    .identity_id(&second_guest)
                    .send()
                    .await
            ),
            (
                "ResourceNotFoundException".to_owned(),
                format!("Identity '{second_guest}' not found.")
            )
        );

        // Listing, paged.
        let page = identity
            .list_identities()
            .identity_pool_id(&pool_id)
            .max_results(1)
            .send()
            .await
            .unwrap();
        assert_eq!(page.identities().len(), 1);
        let rest = identity
            .list_identities()
            .identity_pool_id(&pool_id)
            .max_results(60)
            .next_token(page.next_token().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(page.identities().len() + rest.identities().len(), 2);

        // UnlinkIdentity with the login it removes; the identity is then disabled.
        identity
            .unlink_identity()
            .identity_id(&guest)
            .logins(&federated.provider, &bob_token)
            .logins_to_remove(&federated.provider)
            .send()
            .await
            .unwrap();
        assert!(
            identity
                .describe_identity()
                .identity_id(&guest)
                .send()
                .await
                .unwrap()
                .logins()
                .is_empty()
        );
        assert_eq!(
            identity_error(
                identity
                    .get_credentials_for_identity()
                    .identity_id(&guest)
                    .send()
                    .await
            ),
            (
                "NotAuthorizedException".to_owned(),
                format!("Identity '{guest}' is disabled.")
            )
        );
        let hidden = identity
            .list_identities()
            .identity_pool_id(&pool_id)
            .max_results(60)
            .hide_disabled(true)
            .send()
            .await
            .unwrap();
        assert_eq!(hidden.identities().len(), 1);

        // DeleteIdentities: unknown ids come back unprocessed, known ones go.
        let unknown = format!("{REGION}:00000000-0000-4000-8000-000000000000");
        let deleted = identity
            .delete_identities()
            .identity_ids_to_delete(&alice)
            .identity_ids_to_delete(&unknown)
            .send()
            .await
            .unwrap();
        let unprocessed = deleted.unprocessed_identity_ids();
        assert_eq!(unprocessed.len(), 1);
        assert_eq!(unprocessed[0].identity_id(), Some(unknown.as_str()));
        assert_eq!(
            unprocessed[0].error_code(),
            Some(&aws_sdk_cognitoidentity::types::ErrorCode::AccessDenied)
        );
        assert_eq!(
            identity_error(
                identity
                    .describe_identity()
                    .identity_id(&alice)
                    .send()
                    .await
            )
            .0,
            "ResourceNotFoundException"
        );
        // The user's next GetId makes a new identity.
        let fresh = identity
            .get_id()
            .identity_pool_id(&pool_id)
            .logins(&federated.provider, &token)
            .send()
            .await
            .unwrap()
            .identity_id
            .unwrap();
        assert_ne!(fresh, alice);
    }
);

on_both_backends!(
    bad_logins_are_refused_and_change_nothing,
    dev = true,
    |server| {
        let (idp, identity) = (server.client(), identity_client(server));
        let federated = Federated::new(&idp).await;
        let pool_id = identity_pool(&identity, &federated, false, true).await;
        let other = Federated::new(&idp).await;
        let token = federated.id_token(&idp, "alice").await;
        let get_id = |key: String, token: String| {
            let identity = identity.clone();
            let pool_id = pool_id.clone();
            async move {
                identity_error(
                    identity
                        .get_id()
                        .identity_pool_id(&pool_id)
                        .logins(key, token)
                        .send()
                        .await,
                )
            }
        };
        let not_authorized =
            |message: &str| ("NotAuthorizedException".to_owned(), message.to_owned());
        // Guests where the pool forbids them.
        assert_eq!(
            identity_error(identity.get_id().identity_pool_id(&pool_id).send().await),
            not_authorized("Unauthenticated access is not supported for this identity pool.")
        );
        // Not a token, a tampered one, an access token, another pool's, another client's.
        assert_eq!(
            get_id(federated.provider.clone(), "not-a-token".into()).await,
            not_authorized("Invalid login token. Not a valid OpenId Connect identity token.")
        );
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut forged = claims(&token);
        forged["sub"] = serde_json::json!("someone-else");
        parts[1] = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            forged.to_string(),
        );
        assert_eq!(
            get_id(federated.provider.clone(), parts.join(".")).await,
            not_authorized("Invalid login token. Couldn't verify signed token.")
        );
        let access = crate::support::flows::tokens(&idp, &federated.app, "alice", "Passw0rd!x")
            .await
            .access_token
            .unwrap();
        assert_eq!(
            get_id(federated.provider.clone(), access).await,
            not_authorized("Invalid login token. Missing a required claim: aud")
        );
        let other_pool_token = other.id_token(&idp, "alice").await;
        assert_eq!(
            get_id(federated.provider.clone(), other_pool_token.clone()).await,
            not_authorized("Invalid login token. Issuer doesn't match providerName")
        );
        assert_eq!(
            get_id(other.provider.clone(), other_pool_token).await,
            not_authorized("Token is not from a supported provider of this identity pool.")
        );
        let second_client = idp
        .create_user_pool_client()
        .user_pool_id(&federated.app.pool)
        .client_name("other")
        .explicit_auth_flows(aws_sdk_cognitoidentityprovider::types::ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
        let other_client_token = idp
            .admin_initiate_auth()
            .user_pool_id(&federated.app.pool)
            .client_id(&second_client)
            .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", "Passw0rd!x")
            .send()
            .await
            .unwrap()
            .authentication_result
            .unwrap()
            .id_token
            .unwrap();
        assert_eq!(
            get_id(federated.provider.clone(), other_client_token).await,
            not_authorized("Token is not from a supported provider of this identity pool.")
        );
        // A provider the pool does not trust, and the developer provider without a signature.
        assert_eq!(
            get_id("graph.facebook.com".into(), "fb-token".into()).await,
            not_authorized("Token is not from a supported provider of this identity pool.")
        );
        assert_eq!(
            get_id(DEV.into(), "alice".into()).await.0,
            "NotAuthorizedException"
        );
        // ServerSideTokenCheck: a signed-out user, a disabled one.
        let bob_token = federated.id_token(&idp, "bob").await;
        idp.admin_user_global_sign_out()
            .user_pool_id(&federated.app.pool)
            .username("bob")
            .send()
            .await
            .unwrap();
        assert_eq!(
            get_id(federated.provider.clone(), bob_token).await,
            not_authorized("Invalid login token. The token has been revoked.")
        );
        idp.admin_disable_user()
            .user_pool_id(&federated.app.pool)
            .username("alice")
            .send()
            .await
            .unwrap();
        assert_eq!(
            get_id(federated.provider.clone(), token.clone()).await,
            not_authorized("Invalid login token. The user is not active.")
        );
        idp.admin_enable_user()
            .user_pool_id(&federated.app.pool)
            .username("alice")
            .send()
            .await
            .unwrap();
        // Disabling revoked alice's sessions (issue 10): her old token stays refused once she
        // is enabled again, and a new sign-in gives her one that works.
        assert_eq!(
            get_id(federated.provider.clone(), token.clone()).await,
            not_authorized("Invalid login token. The token has been revoked.")
        );
        let token = federated.id_token(&idp, "alice").await;
        // An expired token.
        server.clock.advance_secs(3700);
        let (code, message) = get_id(federated.provider.clone(), token.clone()).await;
        assert_eq!(code, "NotAuthorizedException");
        assert!(
            message.starts_with("Invalid login token. Token expired: "),
            "{message}"
        );
        server.clock.advance_secs(-3700);
        // More logins than the model allows.
        let mut many = identity.get_id().identity_pool_id(&pool_id);
        for n in 0..11 {
            many = many.logins(format!("p{n}.example.com"), "t");
        }
        assert_eq!(
            identity_error(many.send().await).0,
            "InvalidParameterException"
        );
        // An unknown pool and an unknown identity.
        let unknown_pool = format!("{REGION}:00000000-0000-4000-8000-00000000000f");
        assert_eq!(
            identity_error(
                identity
                    .get_id()
                    .identity_pool_id(&unknown_pool)
                    .send()
                    .await
            ),
            (
                "ResourceNotFoundException".to_owned(),
                format!("IdentityPool '{unknown_pool}' not found.")
            )
        );
        // None of it made an identity.
        let listed = identity
            .list_identities()
            .identity_pool_id(&pool_id)
            .max_results(60)
            .send()
            .await
            .unwrap();
        assert!(listed.identities().is_empty(), "{listed:?}");
        // The good token still works.
        identity
            .get_id()
            .identity_pool_id(&pool_id)
            .logins(&federated.provider, &token)
            .send()
            .await
            .unwrap();
    }
);

on_both_backends!(
    thirty_parallel_first_sign_ins_on_two_nodes_get_one_identity,
    dev = true,
    |server| {
        let (idp, identity) = (server.client(), identity_client(server));
        let federated = Federated::new(&idp).await;
        let pool_id = identity_pool(&identity, &federated, false, false).await;
        let token = federated.id_token(&idp, "alice").await;
        let node = server.second_node().await;
        let second = {
            let config = aws_sdk_cognitoidentity::Config::builder()
                .endpoint_url(node.server.url())
                .region(aws_sdk_cognitoidentity::config::Region::new(REGION))
                .credentials_provider(aws_credential_types::Credentials::new(
                    "a", "b", None, None, "t",
                ))
                .behavior_version(aws_sdk_cognitoidentity::config::BehaviorVersion::latest())
                .build();
            aws_sdk_cognitoidentity::Client::from_conf(config)
        };
        let tasks: Vec<_> = (0..30)
            .map(|n| {
                let client = if n % 2 == 0 {
                    identity.clone()
                } else {
                    second.clone()
                };
                let (pool_id, provider, token) =
                    (pool_id.clone(), federated.provider.clone(), token.clone());
                tokio::spawn(async move {
                    client
                        .get_id()
                        .identity_pool_id(pool_id)
                        .logins(provider, token)
                        .send()
                        .await
                        .unwrap()
                        .identity_id
                        .unwrap()
                })
            })
            .collect();
        let mut ids = Vec::new();
        for task in tasks {
            ids.push(task.await.unwrap());
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "{ids:?}");
        let listed = identity
            .list_identities()
            .identity_pool_id(&pool_id)
            .max_results(60)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.identities().len(), 1);
        node.stop().await;
    }
);

with_sts_on_both_backends!(
    roles_are_chosen_by_groups_tokens_and_rules,
    timeout = 5,
    |server, sts| {
        let (idp, identity) = (server.client(), identity_client(server));
        let federated = Federated::new(&idp).await;
        let pool_id = identity_pool(&identity, &federated, true, false).await;
        let alice = federated.id_token(&idp, "alice").await;
        let bob = federated.id_token(&idp, "bob").await;
        let key = format!("{}:{}", federated.provider, federated.app.client_id);
        let credentials = |token: String, custom: Option<&'static str>| {
            let (identity, pool_id, provider) = (
                identity.clone(),
                pool_id.clone(),
                federated.provider.clone(),
            );
            async move {
                let id = identity
                    .get_id()
                    .identity_pool_id(&pool_id)
                    .logins(&provider, &token)
                    .send()
                    .await
                    .unwrap()
                    .identity_id
                    .unwrap();
                identity
                    .get_credentials_for_identity()
                    .identity_id(id)
                    .logins(provider, token)
                    .set_custom_role_arn(custom.map(str::to_owned))
                    .send()
                    .await
            }
        };
        let set_mapping = |mapping: RoleMapping| {
            let (identity, pool_id, key) = (identity.clone(), pool_id.clone(), key.clone());
            async move {
                identity
                    .set_identity_pool_roles()
                    .identity_pool_id(pool_id)
                    .roles("authenticated", AUTH_ROLE)
                    .roles("unauthenticated", UNAUTH_ROLE)
                    .role_mappings(key, mapping)
                    .send()
                    .await
                    .unwrap();
            }
        };

        // Without a mapping: the authenticated role, asked of STS with an OpenID token for the
        // identity that the issuer's published keys verify.
        let answered = credentials(alice.clone(), None).await.unwrap();
        let call = sts.last();
        assert_eq!(call.role_arn, AUTH_ROLE);
        assert_eq!(call.session_name, "CognitoIdentityCredentials");
        assert_eq!(call.duration, "3600");
        assert_eq!(
            answered.credentials().unwrap().session_token(),
            Some("session-for-Cognito_Auth")
        );
        let token = verified_claims(server, &call.token).await;
        assert_eq!(token["aud"], pool_id.as_str());
        assert_eq!(token["sub"], answered.identity_id().unwrap());
        let sub = claims(&alice)["sub"].as_str().unwrap().to_owned();
        assert_eq!(
            token["amr"],
            serde_json::json!([
                "authenticated",
                federated.provider,
                format!("{}:CognitoSignIn:{sub}", federated.provider)
            ])
        );
        // Guests: the unauthenticated role, `amr` unauthenticated.
        let guest = identity
            .get_id()
            .identity_pool_id(&pool_id)
            .send()
            .await
            .unwrap()
            .identity_id
            .unwrap();
        identity
            .get_credentials_for_identity()
            .identity_id(&guest)
            .send()
            .await
            .unwrap();
        assert_eq!(sts.last().role_arn, UNAUTH_ROLE);
        assert_eq!(
            claims(&sts.last().token)["amr"],
            serde_json::json!(["unauthenticated"])
        );

        // Token: the preferred role of the user's groups; a CustomRoleArn among cognito:roles.
        set_mapping(mapping(
            RoleMappingType::Token,
            AmbiguousRoleResolutionType::Deny,
            vec![],
        ))
        .await;
        credentials(alice.clone(), None).await.unwrap();
        assert_eq!(sts.last().role_arn, ADMIN_ROLE);
        credentials(alice.clone(), Some(READER_ROLE)).await.unwrap();
        assert_eq!(sts.last().role_arn, READER_ROLE);
        let calls = sts.calls().len();
        assert_eq!(
            identity_error(credentials(alice.clone(), Some(AUTH_ROLE)).await),
            (
                "NotAuthorizedException".to_owned(),
                format!("The CustomRoleArn {AUTH_ROLE} is not a role this login may assume.")
            )
        );
        // Bob has no group: ambiguous, denied.
        assert_eq!(
            identity_error(credentials(bob.clone(), None).await),
            (
                "NotAuthorizedException".to_owned(),
                format!("The ambiguous role mapping rules for: {key} denied this request.")
            )
        );
        assert_eq!(sts.calls().len(), calls, "refused requests never reach STS");
        set_mapping(mapping(
            RoleMappingType::Token,
            AmbiguousRoleResolutionType::AuthenticatedRole,
            vec![],
        ))
        .await;
        credentials(bob.clone(), None).await.unwrap();
        assert_eq!(sts.last().role_arn, AUTH_ROLE);

        // Rules, in order, on the token's claims.
        set_mapping(mapping(
            RoleMappingType::Rules,
            AmbiguousRoleResolutionType::Deny,
            vec![
                rule(
                    "email",
                    MappingRuleMatchType::StartsWith,
                    "bob@",
                    READER_ROLE,
                ),
                rule(
                    "cognito:groups",
                    MappingRuleMatchType::Contains,
                    "admin",
                    ADMIN_ROLE,
                ),
                rule(
                    "email",
                    MappingRuleMatchType::NotEqual,
                    "nobody@example.com",
                    AUTH_ROLE,
                ),
            ],
        ))
        .await;
        credentials(bob.clone(), None).await.unwrap();
        assert_eq!(sts.last().role_arn, READER_ROLE);
        credentials(alice.clone(), None).await.unwrap();
        assert_eq!(sts.last().role_arn, ADMIN_ROLE);
        credentials(alice.clone(), Some(AUTH_ROLE)).await.unwrap();
        assert_eq!(sts.last().role_arn, AUTH_ROLE);
        set_mapping(mapping(
            RoleMappingType::Rules,
            AmbiguousRoleResolutionType::Deny,
            vec![rule(
                "custom:tier",
                MappingRuleMatchType::Equals,
                "gold",
                ADMIN_ROLE,
            )],
        ))
        .await;
        assert_eq!(
            identity_error(credentials(alice.clone(), None).await).0,
            "NotAuthorizedException"
        );

        // Principal tags travel in the token STS gets.
        identity
            .set_principal_tag_attribute_map()
            .identity_pool_id(&pool_id)
            .identity_provider_name(&federated.provider)
            .principal_tags("mail", "email")
            .send()
            .await
            .unwrap();
        set_mapping(mapping(
            RoleMappingType::Token,
            AmbiguousRoleResolutionType::AuthenticatedRole,
            vec![],
        ))
        .await;
        credentials(alice.clone(), None).await.unwrap();
        assert_eq!(
            claims(&sts.last().token)["https://aws.amazon.com/tags"],
            serde_json::json!({"principal_tags": {"mail": ["alice@example.com"]}})
        );
    }
);

with_sts_on_both_backends!(
    sts_refusals_and_outages_are_reported_as_cognito_does,
    timeout = 1,
    |server, sts| {
        let (idp, identity) = (server.client(), identity_client(server));
        let federated = Federated::new(&idp).await;
        let pool_id = identity_pool(&identity, &federated, true, false).await;
        let guest = identity
            .get_id()
            .identity_pool_id(&pool_id)
            .send()
            .await
            .unwrap()
            .identity_id
            .unwrap();
        let ask = || {
            identity
                .get_credentials_for_identity()
                .identity_id(&guest)
                .send()
        };

        sts.answer(StsAnswer::Error(
            403,
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        ));
        assert_eq!(
            identity_error(ask().await),
            (
                "InvalidIdentityPoolConfigurationException".to_owned(),
                "Invalid identity pool configuration. Check assigned IAM roles for this pool."
                    .to_owned()
            )
        );
        sts.answer(StsAnswer::Error(
            400,
            "RegionDisabledException",
            "STS is not activated in this region",
        ));
        assert_eq!(
        identity_error(ask().await),
        (
            "ExternalServiceException".to_owned(),
            "The credentials service failed: RegionDisabledException: STS is not activated in this region".to_owned()
        )
    );
        // An STS that does not answer: a clear error after the configured second, not a hang.
        sts.answer(StsAnswer::Hang(std::time::Duration::from_secs(10)));
        let started = std::time::Instant::now();
        assert_eq!(
            identity_error(ask().await),
            (
                "ExternalServiceException".to_owned(),
                "The credentials service (STS) is unavailable: no answer within 1 s".to_owned()
            )
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        // A pool without the role a request needs.
        identity
            .set_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .roles("authenticated", AUTH_ROLE)
            .send()
            .await
            .unwrap();
        sts.answer(StsAnswer::Credentials);
        assert_eq!(
            identity_error(ask().await).0,
            "InvalidIdentityPoolConfigurationException"
        );
    }
);

on_both_backends!(a_server_without_sts_says_so, |server| {
    let (idp, identity) = (server.client(), identity_client(server));
    let federated = Federated::new(&idp).await;
    let pool_id = identity_pool(&identity, &federated, true, false).await;
    let guest = identity
        .get_id()
        .identity_pool_id(&pool_id)
        .send()
        .await
        .unwrap()
        .identity_id
        .unwrap();
    assert_eq!(
        identity_error(identity.get_credentials_for_identity().identity_id(&guest).send().await),
        (
            "ExternalServiceException".to_owned(),
            "This server has no credentials service: configure an STS endpoint ([sts] endpoint) or run it in dev mode.".to_owned()
        )
    );
});

on_both_backends!(
    developer_identities_and_open_id_tokens,
    dev = true,
    |server| {
        let (idp, identity) = (server.client(), identity_client(server));
        let federated = Federated::new(&idp).await;
        let pool_id = identity_pool(&identity, &federated, false, false).await;

        // A developer user gets an identity and a token as Cognito shapes it.
        let issued = identity
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&pool_id)
            .logins(DEV, "user-1")
            .principal_tags("team", "blue")
            .token_duration(120)
            .send()
            .await
            .unwrap();
        let id = issued.identity_id().unwrap().to_owned();
        let token = issued.token().unwrap().to_owned();
        let header = crate::support::flows::header(&token);
        assert_eq!(header["alg"], "RS512");
        assert_eq!(header["typ"], "JWS");
        let verified = verified_claims(server, &token).await;
        assert_eq!(verified["sub"], id.as_str());
        assert_eq!(verified["aud"], pool_id.as_str());
        assert_eq!(
            verified["amr"],
            serde_json::json!(["authenticated", DEV, format!("{DEV}:{pool_id}:user-1")])
        );
        assert_eq!(
            verified["exp"].as_i64().unwrap() - verified["iat"].as_i64().unwrap(),
            120
        );
        assert_eq!(
            verified["https://aws.amazon.com/tags"],
            serde_json::json!({"principal_tags": {"team": ["blue"]}})
        );
        // The same user, the same identity; a second user linked to it on request.
        let again = identity
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&pool_id)
            .logins(DEV, "user-1")
            .send()
            .await
            .unwrap();
        assert_eq!(again.identity_id(), Some(id.as_str()));
        let default_life = claims(again.token().unwrap());
        assert_eq!(
            default_life["exp"].as_i64().unwrap() - default_life["iat"].as_i64().unwrap(),
            900
        );
        identity
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&pool_id)
            .identity_id(&id)
            .logins(DEV, "user-1-alias")
            .send()
            .await
            .unwrap();
        let looked_up = identity
            .lookup_developer_identity()
            .identity_pool_id(&pool_id)
            .developer_user_identifier("user-1-alias")
            .send()
            .await
            .unwrap();
        assert_eq!(looked_up.identity_id(), Some(id.as_str()));
        assert_eq!(
            looked_up.developer_user_identifier_list(),
            ["user-1", "user-1-alias"]
        );
        let paged = identity
            .lookup_developer_identity()
            .identity_pool_id(&pool_id)
            .identity_id(&id)
            .max_results(1)
            .send()
            .await
            .unwrap();
        assert_eq!(paged.developer_user_identifier_list(), ["user-1"]);
        assert!(paged.next_token().is_some());

        // The token stands for the identity in the enhanced flow; not for another identity.
        let credentials = identity
            .get_credentials_for_identity()
            .identity_id(&id)
            .logins("cognito-identity.amazonaws.com", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(credentials.identity_id(), Some(id.as_str()));
        let other = identity
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&pool_id)
            .logins(DEV, "user-2")
            .send()
            .await
            .unwrap();
        let other_id = other.identity_id().unwrap().to_owned();
        assert_eq!(
            identity_error(
                identity
                    .get_credentials_for_identity()
                    .identity_id(&other_id)
                    .logins("cognito-identity.amazonaws.com", &token)
                    .send()
                    .await
            )
            .0,
            "NotAuthorizedException"
        );
        // A developer user of another identity cannot be claimed; lookups must agree.
        assert_eq!(
            identity_error(
                identity
                    .get_open_id_token_for_developer_identity()
                    .identity_pool_id(&pool_id)
                    .identity_id(&other_id)
                    .logins(DEV, "user-1")
                    .send()
                    .await
            ),
            (
                "DeveloperUserAlreadyRegisteredException".to_owned(),
                "The developer user identifier user-1 is already registered with another identity."
                    .to_owned()
            )
        );
        assert_eq!(
            identity_error(
                identity
                    .lookup_developer_identity()
                    .identity_pool_id(&pool_id)
                    .identity_id(&other_id)
                    .developer_user_identifier("user-1")
                    .send()
                    .await
            )
            .0,
            "ResourceConflictException"
        );
        assert_eq!(
            identity_error(
                identity
                    .lookup_developer_identity()
                    .identity_pool_id(&pool_id)
                    .send()
                    .await
            )
            .0,
            "InvalidParameterException"
        );
        // TokenDuration beyond a day is refused by the model.
        assert_eq!(
            identity_error(
                identity
                    .get_open_id_token_for_developer_identity()
                    .identity_pool_id(&pool_id)
                    .logins(DEV, "user-3")
                    .token_duration(86_401)
                    .send()
                    .await
            )
            .0,
            "InvalidParameterException"
        );

        // Merging: user-2's identity merges into user-1's.
        let merged = identity
            .merge_developer_identities()
            .identity_pool_id(&pool_id)
            .developer_provider_name(DEV)
            .source_user_identifier("user-2")
            .destination_user_identifier("user-1")
            .send()
            .await
            .unwrap();
        assert_eq!(merged.identity_id(), Some(id.as_str()));
        assert_eq!(
            identity_error(
                identity
                    .describe_identity()
                    .identity_id(&other_id)
                    .send()
                    .await
            )
            .0,
            "ResourceNotFoundException"
        );
        let users = identity
            .lookup_developer_identity()
            .identity_pool_id(&pool_id)
            .identity_id(&id)
            .send()
            .await
            .unwrap();
        assert_eq!(
            users.developer_user_identifier_list(),
            ["user-1", "user-1-alias", "user-2"]
        );
        assert_eq!(
            identity_error(
                identity
                    .merge_developer_identities()
                    .identity_pool_id(&pool_id)
                    .developer_provider_name("someone.else")
                    .source_user_identifier("user-2")
                    .destination_user_identifier("user-1")
                    .send()
                    .await
            )
            .0,
            "ResourceNotFoundException"
        );
        // Unlinking: the user is no longer this identity.
        identity
            .unlink_developer_identity()
            .identity_pool_id(&pool_id)
            .identity_id(&id)
            .developer_provider_name(DEV)
            .developer_user_identifier("user-2")
            .send()
            .await
            .unwrap();
        let fresh = identity
            .get_open_id_token_for_developer_identity()
            .identity_pool_id(&pool_id)
            .logins(DEV, "user-2")
            .send()
            .await
            .unwrap();
        assert_ne!(fresh.identity_id(), Some(id.as_str()));
        assert_eq!(
            identity_error(
                identity
                    .unlink_developer_identity()
                    .identity_pool_id(&pool_id)
                    .identity_id(&id)
                    .developer_provider_name(DEV)
                    .developer_user_identifier("user-2")
                    .send()
                    .await
            )
            .0,
            "ResourceNotFoundException"
        );

        // The basic flow: off by default, on when the pool allows it, never with role mappings.
        let user_token = federated.id_token(&idp, "alice").await;
        let alice = identity
            .get_id()
            .identity_pool_id(&pool_id)
            .logins(&federated.provider, &user_token)
            .send()
            .await
            .unwrap()
            .identity_id
            .unwrap();
        let basic = || {
            identity
                .get_open_id_token()
                .identity_id(&alice)
                .logins(&federated.provider, &user_token)
                .send()
        };
        assert_eq!(
            identity_error(basic().await),
            (
                "InvalidParameterException".to_owned(),
                "Basic (classic) flow is not enabled, please use enhanced flow.".to_owned()
            )
        );
        identity
            .update_identity_pool()
            .identity_pool_id(&pool_id)
            .identity_pool_name("app identities")
            .allow_unauthenticated_identities(false)
            .allow_classic_flow(true)
            .developer_provider_name(DEV)
            .cognito_identity_providers(federated.provider_entry(false))
            .send()
            .await
            .unwrap();
        let opened = basic().await.unwrap();
        let open_claims = verified_claims(server, opened.token().unwrap()).await;
        assert_eq!(open_claims["sub"], alice.as_str());
        assert_eq!(
            open_claims["exp"].as_i64().unwrap() - open_claims["iat"].as_i64().unwrap(),
            600
        );
        identity
            .set_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .roles("authenticated", AUTH_ROLE)
            .role_mappings(
                format!("{}:{}", federated.provider, federated.app.client_id),
                mapping(
                    RoleMappingType::Token,
                    AmbiguousRoleResolutionType::AuthenticatedRole,
                    vec![],
                ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
        identity_error(basic().await),
        (
            "InvalidParameterException".to_owned(),
            "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.".to_owned()
        )
    );
    }
);
