//! Regions (issue 11): a dev-mode server answers requests signed for any region, and a pool
//! created through a region carries it in its id and ARN and is found through it; outside dev
//! mode the configured region is the rule and the refusal names it. Also Cognito's
//! case-insensitive reading of boolean attributes (`"True"` for `email_verified`).

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, MessageActionType};

use crate::support::error_of;
use crate::support::flows::{AppOptions, app, attr};

crate::on_both_backends!(dev_mode_serves_every_region, dev = true, |server| {
    let mut pools = Vec::new();
    for region in ["eu-west-1", "ap-southeast-2", "us-east-1"] {
        let sdk = server.client_in(region);
        let pool = sdk
            .create_user_pool()
            .pool_name(format!("in {region}"))
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap();
        let id = pool.id.unwrap();
        assert!(id.starts_with(&format!("{region}_")), "{id}");
        let arn = pool.arn.unwrap();
        assert_eq!(
            arn,
            format!("arn:aws:cognito-idp:{region}:123456789012:userpool/{id}")
        );
        // Found through its region: by id, and by ARN for tags.
        let described = sdk
            .describe_user_pool()
            .user_pool_id(&id)
            .send()
            .await
            .unwrap();
        assert_eq!(described.user_pool.unwrap().arn.unwrap(), arn);
        sdk.tag_resource()
            .resource_arn(&arn)
            .tags("stage", region)
            .send()
            .await
            .unwrap();
        let tags = sdk
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .unwrap()
            .tags
            .unwrap();
        assert_eq!(tags["stage"], region);
        pools.push((region, id, arn));
    }

    // An ARN naming another region than the pool's id is not that pool.
    let (_, id, _) = &pools[0];
    let wrong = format!("arn:aws:cognito-idp:us-west-2:123456789012:userpool/{id}");
    let (kind, message) = error_of(
        server
            .client_in("us-west-2")
            .list_tags_for_resource()
            .resource_arn(&wrong)
            .send()
            .await,
    );
    assert_eq!(kind, "ResourceNotFoundException");
    assert_eq!(message, format!("Resource {wrong} does not exist."));

    // The unsigned flows of a pool made in eu-west-1 work as well, whatever the client's region.
    let sdk = server.client_in("eu-west-1");
    let eu = app(&sdk, AppOptions::default()).await;
    assert!(eu.pool.starts_with("eu-west-1_"));
    sdk.admin_create_user()
        .user_pool_id(&eu.pool)
        .username("dora")
        .temporary_password("Temp-Pass-1!")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    sdk.admin_set_user_password()
        .user_pool_id(&eu.pool)
        .username("dora")
        .password("Correct-Horse-9!")
        .permanent(true)
        .send()
        .await
        .unwrap();
    let signed_in = server
        .client_in("sa-east-1")
        .initiate_auth()
        .client_id(&eu.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "dora")
        .auth_parameters("PASSWORD", "Correct-Horse-9!")
        .send()
        .await
        .unwrap();
    let id_token = signed_in.authentication_result.unwrap().id_token.unwrap();
    let claims = crate::support::flows::claims(&id_token);
    assert_eq!(
        claims["iss"],
        format!("{}/{}", server.url(), eu.pool).as_str()
    );
});

crate::on_both_backends!(
    outside_dev_mode_the_configured_region_is_the_rule,
    |server| {
        let (kind, message) = error_of(
            server
                .client_in("eu-west-1")
                .list_user_pools()
                .max_results(10)
                .send()
                .await,
        );
        assert_eq!(kind, "InvalidSignatureException");
        assert_eq!(
            message,
            "Credential should be scoped to a valid region: 'us-east-1', not 'eu-west-1'. "
        );
        let pool = server
            .client()
            .create_user_pool()
            .pool_name("home")
            .send()
            .await
            .unwrap()
            .user_pool
            .unwrap();
        assert!(pool.id.unwrap().starts_with("us-east-1_"));
    }
);

crate::on_both_backends!(boolean_attributes_read_case_insensitively, |server| {
    let sdk = server.client();
    let app = app(&sdk, AppOptions::default()).await;
    sdk.admin_create_user()
        .user_pool_id(&app.pool)
        .username("erin")
        .user_attributes(attr("email", "erin@example.com"))
        .user_attributes(attr("email_verified", "True"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let value_of =
        |user: &aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput,
         name: &str| {
            user.user_attributes()
                .iter()
                .find(|a| a.name() == name)
                .and_then(|a| a.value().map(str::to_owned))
        };
    let user = sdk
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username("erin")
        .send()
        .await
        .unwrap();
    assert_eq!(value_of(&user, "email_verified").as_deref(), Some("true"));
    sdk.admin_update_user_attributes()
        .user_pool_id(&app.pool)
        .username("erin")
        .user_attributes(attr("email_verified", "FALSE"))
        .send()
        .await
        .unwrap();
    let user = sdk
        .admin_get_user()
        .user_pool_id(&app.pool)
        .username("erin")
        .send()
        .await
        .unwrap();
    assert_eq!(value_of(&user, "email_verified").as_deref(), Some("false"));
    let (kind, message) = error_of(
        sdk.admin_update_user_attributes()
            .user_pool_id(&app.pool)
            .username("erin")
            .user_attributes(attr("email_verified", "yes"))
            .send()
            .await,
    );
    assert_eq!(kind, "InvalidParameterException");
    assert_eq!(
        message,
        "Attributes did not conform to the schema: email_verified: Value must be either true or false"
    );
});
