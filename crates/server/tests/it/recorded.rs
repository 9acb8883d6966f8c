//! Requests as clients really send them (issue 11).
//!
//! - What the AWS SDK for JavaScript v3, boto3 and the AWS CLI send for a handful of operations
//!   with optional members left out, empty lists and empty maps, recorded by
//!   `interop/record/record.py` into `data/recorded-requests.json` and replayed byte for byte.
//!   (The AWS SDK for Rust is the client of every other test here.)
//! - Every operation of the model with a `null` in every member, and with a null inside every
//!   list and map member, through the server: no SerializationException, since AWS reads a
//!   null as absent. The wire crate checks the same at every depth (`crates/wire/tests/wire/nulls.rs`).

use serde_json::{Map, Value, json};

use crate::support::flows::{AppOptions, app, confirmed_user};

const RECORDED: &str = include_str!("data/recorded-requests.json");

crate::on_both_backends!(recorded_client_requests_are_understood, |server| {
    let recorded: Value = serde_json::from_str(RECORDED).unwrap();
    let sdk = server.client();
    let app = app(&sdk, AppOptions::default()).await;
    confirmed_user(
        &sdk,
        &app,
        "replayed",
        "Recorded-Pass-1!",
        "replayed@example.com",
    )
    .await;
    let (pool, client) = (
        recorded["pool"].as_str().unwrap(),
        recorded["client"].as_str().unwrap(),
    );
    let mut failures = Vec::new();
    let requests = recorded["requests"].as_array().unwrap();
    assert!(
        requests.len() >= 40,
        "the recording has {} requests",
        requests.len()
    );
    for request in requests {
        let operation = request["operation"].as_str().unwrap();
        let body = request["body"]
            .as_str()
            .unwrap()
            .replace(pool, &app.pool)
            .replace(client, &app.client_id);
        let content_type = request["contentType"].as_str().unwrap();
        // Signed with the test key: the unsigned operations ignore a signature, as Cognito does.
        let response = server
            .raw_with_headers(
                Some(operation),
                &body,
                true,
                &[("content-type", content_type)],
            )
            .await;
        if response.status != 200 {
            failures.push(format!(
                "{} {operation} {body}: {} {}",
                request["client"], response.status, response.json
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
});

/// The model as JSON: the inputs of every operation, with the shapes their members refer to.
fn model() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/cognito-idp/2016-04-18/service-2.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Two bodies per input: every member null; and every list or map member holding a null.
fn null_bodies(model: &Value, input: &str) -> [Value; 2] {
    let shapes = &model["shapes"];
    let members = shapes[input]["members"].as_object().unwrap();
    let all_null: Map<String, Value> = members.keys().map(|k| (k.clone(), Value::Null)).collect();
    let inside: Map<String, Value> = members
        .iter()
        .filter_map(|(name, member)| {
            let shape = &shapes[member["shape"].as_str().unwrap()];
            match shape["type"].as_str().unwrap() {
                "list" => Some((name.clone(), json!([null]))),
                "map" => Some((name.clone(), json!({ "absent": null }))),
                _ => None,
            }
        })
        .collect();
    [Value::Object(all_null), Value::Object(inside)]
}

crate::on_both_backends!(nulls_anywhere_in_any_operation_read_as_absent, |server| {
    let model = model();
    let mut failures = Vec::new();
    let mut sent = 0;
    for (name, operation) in model["operations"].as_object().unwrap() {
        let Some(input) = operation["input"]["shape"].as_str() else {
            continue;
        };
        for body in null_bodies(&model, input) {
            let response = server.raw(Some(name), &body.to_string(), true).await;
            sent += 1;
            if response.json["__type"] == "SerializationException" || response.status >= 500 {
                failures.push(format!(
                    "{name} {body}: {} {}",
                    response.status, response.json
                ));
            }
        }
    }
    assert!(sent > 200, "only {sent} requests sent");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
});

crate::on_both_backends!(identity_js_refresh_with_a_null_device_key, |server| {
    // The exact body amazon-cognito-identity-js's refreshSession sends with no remembered device.
    let sdk = server.client();
    let app = app(&sdk, AppOptions::default()).await;
    confirmed_user(&sdk, &app, "ivy", "Correct-Horse-9!", "ivy@example.com").await;
    let signed_in = server
        .raw(
            Some("InitiateAuth"),
            &json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": app.client_id,
                "AuthParameters": { "USERNAME": "ivy", "PASSWORD": "Correct-Horse-9!" },
                "ClientMetadata": {},
            })
            .to_string(),
            false,
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.json);
    let refresh = signed_in.json["AuthenticationResult"]["RefreshToken"].clone();
    let refreshed = server
        .raw(
            Some("InitiateAuth"),
            &json!({
                "ClientId": app.client_id,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": { "REFRESH_TOKEN": refresh, "DEVICE_KEY": null },
            })
            .to_string(),
            false,
        )
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.json);
    assert!(refreshed.json["AuthenticationResult"]["AccessToken"].is_string());
    // A body of null is an input with nothing in it, so validation speaks, not the parser.
    let empty = server.raw(Some("InitiateAuth"), "null", false).await;
    empty.assert_error(
        400,
        "InvalidParameterException",
        "2 validation errors detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null; Value null at 'clientId' failed to satisfy constraint: Member must not be null",
    );
});
