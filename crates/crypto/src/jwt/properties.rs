//! Fuzzing (issue 10): tokens as anyone may present them to the userInfo endpoint, the
//! self-service operations or introspection. Whatever the text, verification answers an error
//! and never panics; a signed token with any byte changed is refused.

use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;

const NOW: i64 = 1_795_665_087;

/// RSA key generation is slow in debug builds: one key for every case.
fn key() -> &'static RsaSigningKey {
    static KEY: OnceLock<RsaSigningKey> = OnceLock::new();
    KEY.get_or_init(|| RsaSigningKey::generate().unwrap())
}

fn verify(token: &str) -> Result<Map<String, Value>, JwtError> {
    let k = key();
    verify_rs256(token, |kid| (kid == k.kid()).then(|| k.public_key()), NOW)
}

fn signed() -> String {
    let claims = json!({ "sub": "s", "exp": NOW + 60, "token_use": "access" });
    key().sign(claims.as_object().unwrap()).unwrap()
}

#[test]
fn fuzz_jwt_corpus() {
    let corpus = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fuzz/corpus/jwt.txt"
    ));
    for line in corpus.lines() {
        assert!(verify(line).is_err(), "{line}");
    }
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        ".{0,12}".prop_map(Value::String),
        Just(json!("RS256")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("alg".to_owned()),
                    Just("kid".to_owned()),
                    Just("exp".to_owned()),
                    Just("crit".to_owned()),
                    ".{0,6}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn fuzz_jwt_any_text_is_refused(text in any::<String>()) {
        prop_assert!(verify(&text).is_err());
    }

    #[test]
    fn fuzz_jwt_any_header_and_claims_are_refused_without_the_signature(
        header in json_value(),
        claims in json_value(),
        signature in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let token = format!(
            "{}.{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes()),
            b64url(&signature)
        );
        prop_assert!(verify(&token).is_err());
    }

    #[test]
    fn fuzz_jwt_a_changed_signed_token_is_refused(at in any::<prop::sample::Index>(), to in any::<u8>()) {
        let token = signed();
        prop_assert!(verify(&token).is_ok());
        let mut bytes = token.into_bytes();
        let at = at.index(bytes.len());
        if bytes[at] == to {
            return Ok(());
        }
        bytes[at] = to;
        let changed = String::from_utf8_lossy(&bytes).into_owned();
        prop_assert!(verify(&changed).is_err(), "{}", changed);
    }
}
