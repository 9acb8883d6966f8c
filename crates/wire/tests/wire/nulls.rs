//! A walk over the model: every operation's input with a `null` in every position it can hold
//! one must parse, and parse to exactly what the same input without those nulls parses to.
//!
//! The walk reads the model file, not the generated code, so a shape the generator mishandles
//! cannot hide; it is generic over the model, so another service is one more call.

use std::collections::HashSet;

use cognate_wire::idp;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// Parses both bodies as `I` and checks they are equal.
type Check = fn(&Value, &Value) -> Result<(), String>;

fn same_as_without_nulls<I: DeserializeOwned + PartialEq + std::fmt::Debug>(
    with_nulls: &Value,
    without: &Value,
) -> Result<(), String> {
    let parsed: I = serde_json::from_value(with_nulls.clone()).map_err(|e| e.to_string())?;
    let expected: I = serde_json::from_value(without.clone()).map_err(|e| e.to_string())?;
    if parsed == expected {
        Ok(())
    } else {
        Err(format!("{parsed:?} != {expected:?}"))
    }
}

macro_rules! checks {
    ($(($op:ident, $input:ident, $output:ident)),*) => {
        vec![$((stringify!($op), same_as_without_nulls::<idp::$input> as Check)),*]
    };
}

/// The model's shapes, and a depth limit so recursive shapes end.
struct Walker<'m> {
    shapes: &'m Map<String, Value>,
}

const MAX_DEPTH: usize = 8;

impl Walker<'_> {
    fn shape(&self, name: &str) -> &Value {
        &self.shapes[name]
    }

    fn target(member: &Value) -> &str {
        member["shape"].as_str().unwrap()
    }

    /// Every member of the structure null.
    fn members_null(&self, shape: &str) -> Value {
        let members = self.shape(shape)["members"].as_object().unwrap();
        Value::Object(members.keys().map(|k| (k.clone(), Value::Null)).collect())
    }

    /// A value of `shape` holding a null wherever one can go: scalars are null, a list holds a
    /// null and a filled element, a map a null value and a filled value, a structure has every
    /// member filled this way.
    fn filled(&self, shape: &str, path: &mut Vec<String>) -> Value {
        let s = self.shape(shape);
        if path.len() > MAX_DEPTH || path.iter().any(|p| p == shape) {
            return Value::Null;
        }
        path.push(shape.to_owned());
        let value = match s["type"].as_str().unwrap() {
            "structure" if s["document"] == true => Value::Null,
            "structure" => {
                let members = s["members"].as_object().unwrap();
                Value::Object(
                    members
                        .iter()
                        .map(|(name, m)| (name.clone(), self.filled(Self::target(m), path)))
                        .collect(),
                )
            }
            "list" => json!([Value::Null, self.filled(Self::target(&s["member"]), path)]),
            "map" => json!({
                "absent": Value::Null,
                "present": self.filled(Self::target(&s["value"]), path),
            }),
            _ => Value::Null,
        };
        path.pop();
        value
    }
}

/// What a reader that treats null as absent sees: the value with every null removed.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|v| !v.is_null())
                .map(without_nulls)
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Runs both bodies of every operation of `model` through its check; returns the failures.
fn failures(model: &Value, checks: &[(&str, Check)]) -> Vec<String> {
    let walker = Walker {
        shapes: model["shapes"].as_object().unwrap(),
    };
    let operations = model["operations"].as_object().unwrap();
    assert_eq!(checks.len(), operations.len());
    let mut seen = HashSet::new();
    let mut failures = Vec::new();
    for (name, check) in checks {
        seen.insert(*name);
        let Some(input) = operations[*name]["input"]["shape"].as_str() else {
            continue;
        };
        let bodies = [
            walker.members_null(input),
            walker.filled(input, &mut Vec::new()),
        ];
        for body in bodies {
            if let Err(e) = check(&body, &without_nulls(&body)) {
                failures.push(format!("{name} {body}: {e}"));
            }
        }
    }
    assert_eq!(seen.len(), operations.len());
    failures
}

fn read_model(relative: &str) -> Value {
    let path = format!("{}/../../models/{relative}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn nulls_in_every_position_of_every_input_read_as_absent() {
    let model = read_model("cognito-idp/2016-04-18/service-2.json");
    let failures = failures(&model, &cognate_wire::for_each_operation!(checks));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_walk_puts_nulls_inside_collections() {
    // Guards the walk itself: InitiateAuth's AuthParameters must come out with a null value,
    // the case amazon-cognito-identity-js's refreshSession sends (`"DEVICE_KEY": null`).
    let model = read_model("cognito-idp/2016-04-18/service-2.json");
    let walker = Walker {
        shapes: model["shapes"].as_object().unwrap(),
    };
    let body = walker.filled("InitiateAuthRequest", &mut Vec::new());
    assert_eq!(body["AuthParameters"]["absent"], Value::Null);
    assert!(
        body["AuthParameters"]
            .as_object()
            .unwrap()
            .contains_key("absent")
    );
    let users = walker.filled("AdminCreateUserRequest", &mut Vec::new());
    assert_eq!(users["UserAttributes"][0], Value::Null);
    assert!(users["UserAttributes"][1].is_object());
}
