//! The triggers of a federated sign-in that see the provider's answer (issue 13 item 6):
//! InboundFederation_ExternalProvider with Cognito's event shape, its `userAttributesToMap`
//! replacing what the mapping reads, its failures at the app's callback, its place before
//! PreSignUp_ExternalProvider, and PreTokenGeneration `TokenGeneration_HostedAuth` for the
//! federated user's tokens. A second Cognate server is the upstream OIDC provider.

use aws_sdk_cognitoidentityprovider::types::{
    InboundFederationLambdaType, InboundFederationLambdaVersionType, LambdaConfigType,
};
use serde_json::json;

use crate::federation_oidc::{
    Downstream, Upstream, downstream_with, federated_code, to_upstream, tokens, two_site_browser,
    upstream_callback, upstream_for, upstream_sub, user_count,
};
use crate::on_both_backends;
use crate::support::TestServer;
use crate::support::flows::claims;
use crate::support::hosted::{CALLBACK, SiteOptions, location, params_of, site};
use crate::support::sinks::arn;

async fn with_triggers(server: &TestServer) -> (Downstream, Upstream) {
    let down_site = site(server, SiteOptions::default()).await;
    let upstream = upstream_for(&down_site).await;
    let down = downstream_with(server, down_site, &upstream).await;
    server
        .client()
        .update_user_pool()
        .user_pool_id(&down.site.pool)
        .lambda_config(
            LambdaConfigType::builder()
                .inbound_federation(
                    InboundFederationLambdaType::builder()
                        .lambda_version(InboundFederationLambdaVersionType::V10)
                        .lambda_arn(arn("inbound"))
                        .build()
                        .unwrap(),
                )
                .pre_sign_up(arn("pre-sign-up"))
                .pre_token_generation(arn("pre-token"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    (down, upstream)
}

/// Runs a sign-in up to Cognate's answer at `/oauth2/idpresponse` and returns the app's
/// callback parameters.
async fn callback_params(
    browser: &reqwest::Client,
    down: &Downstream,
    upstream: &Upstream,
) -> std::collections::BTreeMap<String, String> {
    let up = to_upstream(browser, down).await;
    let back = upstream_callback(browser, upstream, &up, "alice").await;
    let to = location(&browser.get(&back).send().await.unwrap());
    assert!(to.starts_with(CALLBACK), "{to}");
    params_of(&to)
}

on_both_backends!(
    inbound_federation_sees_the_provider_and_replaces_the_attributes,
    dev = true,
    |server| {
        let (down, upstream) = with_triggers(server).await;
        let sdk = server.client();
        let users = user_count(&sdk, &down.site.pool).await;
        let browser = two_site_browser(server, &down.site, &upstream);

        // A function that throws: Cognito's text at the app's callback, nobody made, and no
        // later trigger ran.
        server.triggers.fail("inbound", "Not from there");
        let params = callback_params(&browser, &down, &upstream).await;
        assert_eq!(params["error"], "invalid_request");
        assert_eq!(
            params["error_description"],
            "InboundFederation failed with error Not from there. "
        );
        assert_eq!(params["state"], "app-state");
        assert_eq!(user_count(&sdk, &down.site.pool).await, users);
        assert!(server.triggers.calls("pre-sign-up").is_empty());

        // An answer that is not an attribute map.
        server
            .triggers
            .respond("inbound", json!({"userAttributesToMap": "email"}));
        let params = callback_params(&browser, &down, &upstream).await;
        assert_eq!(params["error_description"], "Unrecognizable lambda output");
        assert_eq!(user_count(&sdk, &down.site.pool).await, users);

        // A replacement set: only what it names reaches the mapping (email_verified is gone,
        // so the mapped email is unverified).
        server.triggers.respond(
            "inbound",
            json!({"userAttributesToMap": {"email": "alice@corp.example", "name": "Alice (trigger)"}}),
        );
        let code = federated_code(&browser, &down, &upstream, "alice").await;
        let id = claims(
            tokens(server, &down, &code).await["id_token"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(id["email"], "alice@corp.example");
        assert_eq!(id["name"], "Alice (trigger)");
        assert_eq!(id["email_verified"], false);

        let sub_upstream = upstream_sub(&upstream, "alice").await;
        let inbound = server.triggers.calls("inbound");
        let event = &inbound.last().unwrap().event;
        assert_eq!(event["version"], "1");
        assert_eq!(event["triggerSource"], "InboundFederation_ExternalProvider");
        assert_eq!(event["userPoolId"], down.site.pool.as_str());
        assert_eq!(
            event["userName"],
            format!("Upstream_{sub_upstream}").as_str()
        );
        assert_eq!(event["callerContext"]["clientId"], down.client_id.as_str());
        let request = &event["request"];
        assert_eq!(request["providerName"], "Upstream");
        assert_eq!(request["providerType"], "OIDC");
        let attributes = &request["attributes"];
        let token_response = &attributes["tokenResponse"];
        assert_eq!(token_response["token_type"], "Bearer");
        assert_eq!(token_response["expires_in"], "3600");
        assert!(token_response["access_token"].as_str().unwrap().len() > 100);
        assert!(token_response["id_token"].is_string());
        assert!(token_response["refresh_token"].is_string());
        assert_eq!(attributes["idToken"]["sub"], sub_upstream.as_str());
        assert_eq!(attributes["idToken"]["email"], "alice@example.com");
        assert_eq!(attributes["userInfo"]["email"], "alice@example.com");
        assert_eq!(attributes["userInfo"]["name"], "Alice Liddell");
        assert!(attributes.get("samlResponse").is_none());
        assert_eq!(event["response"], json!({"userAttributesToMap": {}}));

        // InboundFederation ran before PreSignUp_ExternalProvider, which saw the replaced
        // attributes, and the code exchange ran PreTokenGeneration for hosted sign-in.
        let order = server.triggers.order();
        let first = order.iter().position(|n| n == "pre-sign-up").unwrap();
        assert_eq!(order[first - 1], "inbound");
        let pre = server.triggers.calls("pre-sign-up");
        assert_eq!(
            pre[0].event["request"]["userAttributes"]["email"],
            "alice@corp.example"
        );
        let pre_token = server.triggers.calls("pre-token");
        assert_eq!(pre_token.len(), 1);
        assert_eq!(
            pre_token[0].event["triggerSource"],
            "TokenGeneration_HostedAuth"
        );
        assert_eq!(
            pre_token[0].event["request"]["userAttributes"]["email"],
            "alice@corp.example"
        );

        // `{}` keeps the provider's attributes: the second sign-in maps them again.
        server
            .triggers
            .respond("inbound", json!({"userAttributesToMap": {}}));
        let code = federated_code(&browser, &down, &upstream, "alice").await;
        let id = claims(
            tokens(server, &down, &code).await["id_token"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(id["email"], "alice@example.com");
        assert_eq!(id["name"], "Alice Liddell");
        assert_eq!(id["email_verified"], true);
        assert_eq!(server.triggers.calls("inbound").len(), inbound.len() + 1);
        assert_eq!(server.triggers.calls("pre-sign-up").len(), 1);
        assert_eq!(server.triggers.calls("pre-token").len(), 2);
        assert_eq!(user_count(&sdk, &down.site.pool).await, users + 1);

        // A failure at a later sign-in changes nothing.
        server.triggers.fail("inbound", "Closed");
        let params = callback_params(&browser, &down, &upstream).await;
        assert_eq!(
            params["error_description"],
            "InboundFederation failed with error Closed. "
        );
        upstream.server.stop().await;
    }
);
