//! Fuzzing (issue 10): request bodies as anyone may send them. Whatever the bytes, parsing
//! and the model's validation answer `SerializationException` or a validation error, never a
//! panic; and whatever a well-formed input holds, it parses.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use cognate_wire::idp::{
    AdminCreateUserRequest, CreateUserPoolRequest, InitiateAuthRequest, ListUsersRequest,
    RespondToAuthChallengeRequest, SignUpRequest,
};

/// Parses and validates `body` as every input type tried here; panics only on a bug.
fn parse_and_validate(body: &[u8]) {
    fn one<I: DeserializeOwned + Validate>(body: &[u8]) {
        match parse_input::<I>(body) {
            Ok(input) => {
                let _ = cognate_wire::validate_input(&input);
            }
            Err(e) => assert_eq!(e.type_name, "SerializationException", "{}", e.message),
        }
    }
    one::<InitiateAuthRequest>(body);
    one::<RespondToAuthChallengeRequest>(body);
    one::<SignUpRequest>(body);
    one::<AdminCreateUserRequest>(body);
    one::<ListUsersRequest>(body);
    one::<CreateUserPoolRequest>(body);
}

#[test]
fn fuzz_json_corpus() {
    let corpus = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/json.txt"
    ));
    for line in corpus.lines() {
        parse_and_validate(line.as_bytes());
    }
}

/// Any JSON value, with the member names of the inputs above among the keys.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        any::<String>().prop_map(Value::String),
    ];
    let key = prop_oneof![
        Just("ClientId"),
        Just("AuthFlow"),
        Just("AuthParameters"),
        Just("ChallengeName"),
        Just("ChallengeResponses"),
        Just("Session"),
        Just("Username"),
        Just("Password"),
        Just("UserAttributes"),
        Just("Name"),
        Just("Value"),
        Just("UserPoolId"),
        Just("Filter"),
        Just("Limit"),
        Just("PoolName"),
        Just("Policies"),
        Just("Schema"),
        Just("ClientMetadata"),
    ]
    .prop_map(str::to_owned)
    .boxed();
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(prop_oneof![key.clone(), ".{0,8}"], inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn fuzz_json_any_bytes_are_parsed_or_refused(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        parse_and_validate(&body);
    }

    #[test]
    fn fuzz_json_any_value_is_parsed_or_refused(value in json_value()) {
        parse_and_validate(value.to_string().as_bytes());
    }

    #[test]
    fn fuzz_json_well_formed_sign_in_requests_parse(
        client_id in any::<String>(),
        parameters in proptest::collection::btree_map(any::<String>(), any::<String>(), 0..6),
    ) {
        let body = json!({
            "ClientId": client_id,
            "AuthFlow": "USER_SRP_AUTH",
            "AuthParameters": parameters,
        });
        let input: InitiateAuthRequest = parse_input(body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(input.client_id.as_deref(), Some(client_id.as_str()));
        let _ = cognate_wire::validate_input(&input);
        prop_assert_eq!(input.auth_parameters.map(|p| p.len()).unwrap_or(0), parameters.len());
    }
}
