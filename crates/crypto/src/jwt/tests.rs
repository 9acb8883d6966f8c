//! Tests of JWT signing and verification: the header order Cognito uses, key ids, RS256 round trips and refusals.

use super::*;
use std::sync::OnceLock;

/// RSA key generation is slow in debug builds, so the tests share two keys.
fn key(which: usize) -> &'static RsaSigningKey {
    static KEYS: OnceLock<[RsaSigningKey; 2]> = OnceLock::new();
    &KEYS.get_or_init(|| {
        [
            RsaSigningKey::generate().unwrap(),
            RsaSigningKey::generate().unwrap(),
        ]
    })[which]
}

const NOW: i64 = 1_795_665_087;

fn claims(exp: i64) -> Map<String, Value> {
    json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-example",
        "token_use": "access",
        "exp": exp,
        "iat": exp - 3600,
        "cognito:groups": ["admins"],
    })
    .as_object()
    .unwrap()
    .clone()
}

fn lookup(k: &'static RsaSigningKey) -> impl Fn(&str) -> Option<&'static PublicKeyHandle> {
    move |kid| (kid == k.kid()).then(|| k.public_key())
}

fn b64_json(v: &Value) -> String {
    b64url(v.to_string().as_bytes())
}

#[test]
fn sign_verify_round_trip() {
    let k = key(0);
    let token = k.sign(&claims(NOW + 3600)).unwrap();
    let (header, _) = token.split_once('.').unwrap();
    assert_eq!(
        URL_SAFE_NO_PAD.decode(header).unwrap(),
        format!(r#"{{"kid":"{}","alg":"RS256"}}"#, k.kid()).as_bytes()
    );
    assert_eq!(
        verify_rs256(&token, lookup(k), NOW).unwrap(),
        claims(NOW + 3600)
    );
}

#[test]
fn kid_and_jwk_look_like_cognito() {
    let k = key(0);
    assert_eq!(k.kid().len(), 44);
    assert!(k.kid().ends_with('='));
    let jwk = k.public_jwk();
    let fields: Vec<&str> = jwk
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, ["alg", "e", "kid", "kty", "n", "use"]);
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["e"], "AQAB");
    assert_eq!(jwk["kid"], k.kid());
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["use"], "sig");
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len(), 256, "2048-bit modulus without a leading zero byte");
    assert!(n[0] >= 0x80);
    assert!(!jwk["n"].as_str().unwrap().contains('='));
}

#[test]
fn pem_round_trip_keeps_the_key() {
    let k = key(0);
    let pem = k.to_pkcs8_pem().unwrap();
    assert!(pem.expose().starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(pem.expose().lines().all(|l| l.len() <= 64));
    let loaded = RsaSigningKey::from_pkcs8_pem(k.kid(), pem.expose()).unwrap();
    assert_eq!(loaded.public_jwk(), k.public_jwk());
    let token = loaded.sign(&claims(NOW + 1)).unwrap();
    assert!(verify_rs256(&token, lookup(k), NOW).is_ok());
    assert_eq!(
        format!("{loaded:?}"),
        format!("RsaSigningKey {{ kid: {:?}, .. }}", k.kid())
    );
}

#[test]
fn from_pkcs8_pem_rejects_garbage() {
    let bad = [
        "",
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n",
    ];
    for pem in bad {
        assert!(
            matches!(
                RsaSigningKey::from_pkcs8_pem("k", pem),
                Err(JwtError::InvalidKey(_))
            ),
            "{pem}"
        );
    }
}

#[test]
fn jsonwebtoken_accepts_our_tokens_and_we_accept_its() {
    let k = key(0);
    let pem = k.to_pkcs8_pem().unwrap();
    let jwk = k.public_jwk();

    let ours = k.sign(&claims(NOW + 3600)).unwrap();
    let decoding = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_exp = false;
    let decoded =
        jsonwebtoken::decode::<Map<String, Value>>(&ours, &decoding, &validation).unwrap();
    assert_eq!(decoded.claims, claims(NOW + 3600));
    assert_eq!(decoded.header.kid.as_deref(), Some(k.kid()));

    // The crates.md gotcha: jsonwebtoken reads aws-lc's PKCS#8 as PEM (not as DER).
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(pem.expose().as_bytes()).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(k.kid().to_owned());
    let theirs = jsonwebtoken::encode(&header, &claims(NOW + 3600), &encoding).unwrap();
    assert_eq!(
        verify_rs256(&theirs, lookup(k), NOW).unwrap(),
        claims(NOW + 3600)
    );
}

#[test]
fn tampered_payload_is_refused() {
    let k = key(0);
    let token = k.sign(&claims(NOW + 3600)).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut forged = claims(NOW + 3600);
    forged.insert("cognito:groups".into(), json!(["superadmins"]));
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64_json(&Value::Object(forged)),
        parts[2]
    );
    assert_eq!(
        verify_rs256(&tampered, lookup(k), NOW),
        Err(JwtError::BadSignature)
    );
}

#[test]
fn alg_none_is_refused() {
    let k = key(0);
    let header = json!({ "kid": k.kid(), "alg": "none" });
    let token = format!(
        "{}.{}.",
        b64_json(&header),
        b64_json(&Value::Object(claims(NOW + 3600)))
    );
    assert_eq!(
        verify_rs256(&token, lookup(k), NOW),
        Err(JwtError::UnsupportedAlgorithm("none".into()))
    );
    let no_alg = format!(
        "{}.{}.",
        b64_json(&json!({ "kid": k.kid() })),
        b64_json(&json!({}))
    );
    assert!(matches!(
        verify_rs256(&no_alg, lookup(k), NOW),
        Err(JwtError::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn hs256_keyed_with_the_public_key_is_refused() {
    // The classic confusion attack: HMAC the token with the (public) key bytes and hope the
    // verifier uses them as an HMAC secret.
    let k = key(0);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(k.kid().to_owned());
    let public_der = k.key_pair.public_key().as_ref().to_vec();
    let jwk_json = k.public_jwk().to_string();
    for secret in [public_der, jwk_json.into_bytes()] {
        let encoding = jsonwebtoken::EncodingKey::from_secret(&secret);
        let token = jsonwebtoken::encode(&header, &claims(NOW + 3600), &encoding).unwrap();
        assert_eq!(
            verify_rs256(&token, lookup(k), NOW),
            Err(JwtError::UnsupportedAlgorithm("HS256".into()))
        );
    }
}

#[test]
fn unknown_kid_is_refused() {
    let token = key(0).sign(&claims(NOW + 3600)).unwrap();
    assert_eq!(
        verify_rs256(&token, lookup(key(1)), NOW),
        Err(JwtError::UnknownKid(key(0).kid().to_owned()))
    );
    let no_kid = format!(
        "{}.{}.",
        b64_json(&json!({ "alg": "RS256" })),
        b64_json(&json!({}))
    );
    assert_eq!(
        verify_rs256(&no_kid, lookup(key(0)), NOW),
        Err(JwtError::MissingKid)
    );
}

#[test]
fn signature_from_another_key_is_refused() {
    // Same kid, different key: as if an attacker signed with their own key.
    let token = key(1).sign(&claims(NOW + 3600)).unwrap();
    let impostor = |_: &str| Some(key(0).public_key());
    assert_eq!(
        verify_rs256(&token, impostor, NOW),
        Err(JwtError::BadSignature)
    );
}

#[test]
fn expired_token_is_refused() {
    let k = key(0);
    let token = k.sign(&claims(NOW)).unwrap();
    assert_eq!(verify_rs256(&token, lookup(k), NOW), Err(JwtError::Expired));
    assert_eq!(
        verify_rs256(&token, lookup(k), NOW + 1),
        Err(JwtError::Expired)
    );
    assert!(verify_rs256(&token, lookup(k), NOW - 1).is_ok());
    let mut no_exp = claims(NOW);
    no_exp.remove("exp");
    let token = k.sign(&no_exp).unwrap();
    assert_eq!(
        verify_rs256(&token, lookup(k), NOW),
        Err(JwtError::MissingExpiry)
    );
}

#[test]
fn malformed_tokens_are_refused() {
    let k = key(0);
    let token = k.sign(&claims(NOW + 3600)).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let cases = [
        String::new(),
        "a.b".to_owned(),
        format!("{token}.extra"),
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
        format!("{}.{}.{}", b64url(b"not json"), parts[1], parts[2]),
        format!("{}.{}.{}", b64_json(&json!([1, 2])), parts[1], parts[2]),
    ];
    for bad in &cases {
        assert_eq!(
            verify_rs256(bad, lookup(k), NOW),
            Err(JwtError::Malformed),
            "{bad}"
        );
    }
    let crit = format!(
        "{}.{}.",
        b64_json(&json!({ "alg": "RS256", "kid": k.kid(), "crit": ["exp"] })),
        parts[1]
    );
    assert_eq!(
        verify_rs256(&crit, lookup(k), NOW),
        Err(JwtError::CriticalHeader)
    );
}
