//! SRP tests: the reference vectors, round trips, a differential check of the modular
//! exponentiation against `num-bigint`, and the legacy `u` key derivation.

use super::exp::pow_mod;
use super::group::Element;
use super::*;
use num_bigint::BigUint;
use proptest::prelude::*;

fn big(x: &U3072) -> BigUint {
    BigUint::from_bytes_be(x.to_be_bytes().as_slice())
}

fn from_big(x: &BigUint) -> U3072 {
    uint_from_be(&x.to_bytes_be()).unwrap()
}

/// `SHA256(seed)` repeated four times: the reference's 128-byte `a` and `b`.
fn seed_bytes(seed: &str) -> Vec<u8> {
    sha256(&[seed.as_bytes()]).repeat(4)
}

/// The reference's inputs (section 7.3 of `cognito-user-pools.md`).
struct Vector {
    pool_name: &'static str,
    user: &'static str,
    password: &'static str,
    salt: Vec<u8>,
    a: Vec<u8>,
    b: Vec<u8>,
}

fn reference_vector() -> Vector {
    Vector {
        pool_name: pool_name("us-east-1_EXAMPLE1"),
        user: "alice",
        password: "Passw0rd!",
        salt: hex::decode("f4c3a7e2b81d0659aa0b1c2d3e4f5061").unwrap(),
        a: seed_bytes("client-a-seed"),
        b: seed_bytes("server-b-seed"),
    }
}

const SECRET_BLOCK_B64: &str = "b3BhcXVlLXNlcnZlci1zdGF0ZS1leGFtcGxl";
const TIMESTAMP: &str = "Thu Nov 26 03:51:27 UTC 2026";

#[test]
fn reference_vector_x_and_verifier() {
    let t = reference_vector();
    assert_eq!(t.pool_name, "EXAMPLE1");
    let x = compute_x(t.pool_name, t.user, t.password, &t.salt);
    assert_eq!(
        hex::encode(x.expose()),
        "3d07c9c42b065a433c6a2a2b0f7fb7e6eec225e265271c30fac1cbd12de3c421"
    );
    let v = verifier(t.pool_name, t.user, t.password, &t.salt);
    assert_eq!(v.salt_hex(), "00f4c3a7e2b81d0659aa0b1c2d3e4f5061");
    // The salt hashes the same whether given raw or already in PAD form.
    assert_eq!(
        compute_x(t.pool_name, t.user, t.password, v.salt()).expose(),
        x.expose()
    );
    let expected_v = BigUint::from(2u8).modpow(&BigUint::from_bytes_be(x.expose()), &big(&N));
    assert_eq!(big(v.v()), expected_v);
}

#[test]
fn reference_vector_session() {
    let t = reference_vector();
    let v = verifier(t.pool_name, t.user, t.password, &t.salt);

    let a_pub = client_ephemeral(&t.a).unwrap();
    assert!(to_hex(&a_pub).starts_with("f332e11f74f0060d"));
    let server = ServerEphemeral::new(v.v(), &t.b).unwrap();
    let b_pub = *server.public();
    assert!(to_hex(&b_pub).starts_with("c2432d40c0ca00fe"));

    let server_pm = server_premaster_secret(&a_pub, &b_pub, &t.b, v.v()).unwrap();
    assert_eq!(
        hex::encode(server_pm.u_hash),
        "304bc6c1b1bf98e2c994c71ef146d3ae7d4f3d2d91c889eaea2a8e4f89fb136e"
    );
    assert!(to_hex(server_pm.s.expose()).starts_with("14d75209e30a81a6"));
    let client_pm = client_premaster_secret(
        t.pool_name,
        t.user,
        t.password,
        &t.salt,
        &a_pub,
        &b_pub,
        &t.a,
    )
    .unwrap();
    assert_eq!(client_pm.u_hash, server_pm.u_hash);
    assert_eq!(client_pm.s.expose(), server_pm.s.expose());

    let keys = server.session_keys(&a_pub, v.v()).unwrap();
    assert_eq!(
        hex::encode(keys.key.expose()),
        "cd4245a6ed9e8cdc34e8c1fa9730de66"
    );
    assert!(keys.legacy.is_none(), "u does not start with 0x00 here");
    let client_key = client_session_key(
        t.pool_name,
        t.user,
        t.password,
        &t.salt,
        &a_pub,
        &b_pub,
        &t.a,
    )
    .unwrap();
    assert_eq!(client_key.expose(), keys.key.expose());

    let secret_block = STANDARD.decode(SECRET_BLOCK_B64).unwrap();
    let signature =
        password_claim_signature(&client_key, t.pool_name, t.user, &secret_block, TIMESTAMP);
    let signature_b64 = STANDARD.encode(signature);
    assert_eq!(
        signature_b64,
        "ZCN2npV+GFNdMxX/j8VFn0+iAcWa8aKXUSRAwSQgXZ8="
    );
    assert!(keys.verify_password_claim(
        t.pool_name,
        t.user,
        &secret_block,
        TIMESTAMP,
        &signature_b64
    ));
}

#[test]
fn claim_verification_refuses_any_change() {
    let key = SessionKey::new(*b"0123456789abcdef");
    let sig = STANDARD.encode(password_claim_signature(
        &key, "POOL", "user", b"block", TIMESTAMP,
    ));
    assert!(verify_password_claim(
        &key, "POOL", "user", b"block", TIMESTAMP, &sig
    ));
    let other_key = SessionKey::new(*b"0123456789abcdeX");
    assert!(!verify_password_claim(
        &other_key, "POOL", "user", b"block", TIMESTAMP, &sig
    ));
    assert!(!verify_password_claim(
        &key, "POOL2", "user", b"block", TIMESTAMP, &sig
    ));
    assert!(!verify_password_claim(
        &key, "POOL", "user2", b"block", TIMESTAMP, &sig
    ));
    assert!(!verify_password_claim(
        &key, "POOL", "user", b"block2", TIMESTAMP, &sig
    ));
    assert!(!verify_password_claim(
        &key,
        "POOL",
        "user",
        b"block",
        "Thu Nov 26 03:51:28 UTC 2026",
        &sig
    ));
    assert!(!verify_password_claim(
        &key,
        "POOL",
        "user",
        b"block",
        TIMESTAMP,
        "not base64!"
    ));
    assert!(!verify_password_claim(
        &key,
        "POOL",
        "user",
        b"block",
        TIMESTAMP,
        &sig[..20]
    ));
    assert!(!verify_password_claim(
        &key, "POOL", "user", b"block", TIMESTAMP, ""
    ));
}

#[test]
fn password_verifier_matches_only_the_password() {
    let salt = [7u8; 16];
    let v = verifier("POOL", "user-sub", "correct horse", &salt);
    assert!(password_verifier_matches(
        "POOL",
        "user-sub",
        "correct horse",
        v.salt(),
        v.v()
    ));
    assert!(password_verifier_matches(
        "POOL",
        "user-sub",
        "correct horse",
        &salt,
        v.v()
    ));
    assert!(!password_verifier_matches(
        "POOL",
        "user-sub",
        "correct horsE",
        &salt,
        v.v()
    ));
    assert!(!password_verifier_matches(
        "POOL",
        "other-sub",
        "correct horse",
        &salt,
        v.v()
    ));
    assert!(!password_verifier_matches(
        "POOL2",
        "user-sub",
        "correct horse",
        &salt,
        v.v()
    ));
    assert!(!password_verifier_matches(
        "POOL",
        "user-sub",
        "correct horse",
        &[8u8; 16],
        v.v()
    ));
}

#[test]
fn verifier_round_trips_through_bytes() {
    let v = verifier("POOL", "user", "pw", &[0x80; 16]);
    let back = Verifier::from_parts(v.salt(), v.v_bytes().expose()).unwrap();
    assert_eq!(back.salt(), v.salt());
    assert_eq!(back.v(), v.v());
    assert_eq!(
        v.salt()[0],
        0,
        "a salt with its top bit set gains a sign byte"
    );
    assert_eq!(
        format!("{v:?}"),
        format!(
            "Verifier {{ salt: \"00{}\", v: Secret(***) }}",
            "80".repeat(16)
        )
    );
}

#[test]
fn verifier_from_parts_rejects_out_of_range_values() {
    let salt = [1u8; 16];
    assert_eq!(
        Verifier::from_parts(&salt, &[0]).err(),
        Some(SrpError::InvalidVerifier)
    );
    assert_eq!(
        Verifier::from_parts(&salt, &pad(&N)).err(),
        Some(SrpError::InvalidVerifier)
    );
    assert_eq!(
        Verifier::from_parts(&salt, &[1; 385]).err(),
        Some(SrpError::MalformedInteger)
    );
    assert!(Verifier::from_parts(&salt, &pad(&N.wrapping_sub(&U3072::ONE))).is_ok());
}

#[test]
fn server_refuses_a_that_is_zero_mod_n() {
    let v = verifier("POOL", "user", "pw", &[1; 16]);
    let server = ServerEphemeral::new(v.v(), &[9; 32]).unwrap();
    for a in [U3072::ZERO, N] {
        assert_eq!(
            server.session_keys(&a, v.v()).err(),
            Some(SrpError::IllegalPublicA)
        );
    }
}

#[test]
fn client_refuses_b_that_is_zero_mod_n() {
    let a = [3u8; 32];
    let a_pub = client_ephemeral(&a).unwrap();
    for b in [U3072::ZERO, N] {
        let result = client_session_key("POOL", "user", "pw", &[1; 16], &a_pub, &b, &a);
        assert_eq!(result.err(), Some(SrpError::IllegalPublicB));
    }
}

#[test]
fn secret_lengths_are_checked() {
    assert_eq!(client_ephemeral(&[]), Err(SrpError::InvalidSecretLength(0)));
    let v = verifier("POOL", "user", "pw", &[1; 16]);
    assert_eq!(
        ServerEphemeral::new(v.v(), &[1; 385]).err(),
        Some(SrpError::InvalidSecretLength(385))
    );
}

#[test]
fn wrong_password_gives_a_different_key() {
    let salt = [5u8; 16];
    let v = verifier("POOL", "user", "right", &salt);
    let (a, b) = ([11u8; 32], [12u8; 32]);
    let a_pub = client_ephemeral(&a).unwrap();
    let server = ServerEphemeral::new(v.v(), &b).unwrap();
    let server_key = server.session_keys(&a_pub, v.v()).unwrap().key;
    let client_key =
        client_session_key("POOL", "user", "wrong", &salt, &a_pub, server.public(), &a).unwrap();
    assert_ne!(server_key.expose(), client_key.expose());
}

#[test]
fn device_srp_uses_the_same_math() {
    // ConfirmDevice: the client sends Base64(PAD(salt)) and Base64(PAD(g^x)) with
    // x over (DeviceGroupKey, DeviceKey, random password).
    let (group, device, password) = (
        "-abcdEFGH",
        "us-east-1_0a1b2c3d-device",
        "dGhpcyBpcyBhIGRldmljZSBwYXNzd29yZA==",
    );
    let client_side = verifier(group, device, password, &[0x42; 16]);
    let stored = Verifier::from_parts(
        &STANDARD
            .decode(STANDARD.encode(client_side.salt()))
            .unwrap(),
        &STANDARD
            .decode(STANDARD.encode(client_side.v_bytes().expose()))
            .unwrap(),
    )
    .unwrap();
    let (a, b) = ([21u8; 128], [22u8; 32]);
    let a_pub = client_ephemeral(&a).unwrap();
    let server = ServerEphemeral::new(stored.v(), &b).unwrap();
    let keys = server.session_keys(&a_pub, stored.v()).unwrap();
    let client_key = client_session_key(
        group,
        device,
        password,
        stored.salt(),
        &a_pub,
        server.public(),
        &a,
    )
    .unwrap();
    let sig = STANDARD.encode(password_claim_signature(
        &client_key,
        group,
        device,
        b"blk",
        TIMESTAMP,
    ));
    assert!(keys.verify_password_claim(group, device, b"blk", TIMESTAMP, &sig));
}

#[test]
fn pool_name_is_the_part_after_the_region() {
    assert_eq!(pool_name("us-east-1_EXAMPLE1"), "EXAMPLE1");
    assert_eq!(pool_name("eu-west-2_a_b"), "a_b");
    assert_eq!(pool_name("noregion"), "noregion");
}

/// Searches `a = a0 + i` for a `u` whose first byte is zero and whose second byte is below
/// (`want_legacy`) or at least (`!want_legacy`) 0x80. Each step costs one modular doubling
/// (`g^(a+1) = 2·g^a`) and a hash, so the ~512 expected steps stay cheap in debug builds.
fn find_a_with_zero_leading_u(b_pub: &U3072, want_legacy: bool) -> Vec<u8> {
    let a0 = U256::from_be_slice(&sha256(&[b"legacy-search-a"]));
    let two = Element::new(&G);
    let mut a_pub = Element::new(&pow_mod(&G, &a0, U256::BITS));
    for i in 0u64..200_000 {
        let u = scrambler(&a_pub.retrieve(), b_pub).unwrap();
        if u[0] == 0 && ((u[1] < 0x80) == want_legacy) {
            let a = a0.wrapping_add(&U256::from_u64(i));
            return a.to_be_bytes().as_slice().to_vec();
        }
        a_pub *= two;
    }
    panic!("no u with a leading zero byte in 200000 tries");
}

#[test]
fn u_with_a_leading_zero_byte_has_a_legacy_key() {
    let (pool, user, password, salt) = ("LEGACY", "bob", "hunter2", [0x33u8; 16]);
    let v = verifier(pool, user, password, &salt);
    let b = sha256(&[b"legacy-search-b"]);
    let server = ServerEphemeral::new(v.v(), &b).unwrap();
    let a = find_a_with_zero_leading_u(server.public(), true);
    let a_pub = client_ephemeral(&a).unwrap();
    let keys = server.session_keys(&a_pub, v.v()).unwrap();

    // Current clients derive the PAD(u) key, and so does the server.
    let client_key =
        client_session_key(pool, user, password, &salt, &a_pub, server.public(), &a).unwrap();
    assert_eq!(client_key.expose(), keys.key.expose());

    // The old amazon-cognito-identity-js salt is the raw 32-byte hash; recompute its key with
    // num-bigint and the RustCrypto HKDF as an independent oracle.
    let u_hash = scrambler(&a_pub, server.public()).unwrap();
    assert_eq!(u_hash[0], 0);
    let n = big(&N);
    let x = BigUint::from_bytes_be(compute_x(pool, user, password, &salt).expose());
    let u = BigUint::from_bytes_be(&u_hash);
    let k = big(&K);
    let g_x = BigUint::from(2u8).modpow(&x, &n);
    let base = (big(server.public()) + &n - (k * g_x) % &n) % &n;
    let s = base.modpow(&(BigUint::from_bytes_be(&a) + u * x), &n);
    let mut old_client_key = [0u8; 16];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(&u_hash), &pad(&from_big(&s)))
        .expand(KEY_DERIVATION_INFO, &mut old_client_key)
        .unwrap();
    let legacy = keys
        .legacy
        .as_ref()
        .expect("legacy key when u starts with 0x00");
    assert_eq!(legacy.expose(), &old_client_key);
    assert_ne!(legacy.expose(), keys.key.expose());

    // The server accepts a claim signed with either key.
    let old_key = SessionKey::new(old_client_key);
    for key in [&old_key, &client_key] {
        let sig = STANDARD.encode(password_claim_signature(key, pool, user, b"blk", TIMESTAMP));
        assert!(keys.verify_password_claim(pool, user, b"blk", TIMESTAMP, &sig));
    }
    let sig = STANDARD.encode(password_claim_signature(
        &old_key, pool, user, b"blk", TIMESTAMP,
    ));
    assert!(!verify_password_claim(
        &keys.key, pool, user, b"blk", TIMESTAMP, &sig
    ));
}

#[test]
fn u_with_a_leading_zero_then_high_byte_needs_no_legacy_key() {
    // 00 8x ..: PAD(u) strips the zero and puts it back as the sign byte, so both clients
    // hash the same 32 bytes.
    let v = verifier("LEGACY", "bob", "hunter2", &[0x33; 16]);
    let b = sha256(&[b"legacy-search-b"]);
    let server = ServerEphemeral::new(v.v(), &b).unwrap();
    let a = find_a_with_zero_leading_u(server.public(), false);
    let a_pub = client_ephemeral(&a).unwrap();
    assert_eq!(scrambler(&a_pub, server.public()).unwrap()[0], 0);
    assert!(server.session_keys(&a_pub, v.v()).unwrap().legacy.is_none());
}

fn small_cases() -> ProptestConfig {
    // 3072-bit exponentiations are slow in debug builds; a few cases still cover the space
    // because every case draws fresh full-size values.
    ProptestConfig::with_cases(12)
}

proptest! {
    #![proptest_config(small_cases())]

    #[test]
    fn client_and_server_agree(
        a in proptest::collection::vec(any::<u8>(), 1..=128),
        b in proptest::collection::vec(any::<u8>(), 32..=32),
        salt in proptest::collection::vec(any::<u8>(), 16..=16),
        password in "\\PC{0,40}",
        user in "[a-z0-9-]{1,36}",
    ) {
        let v = verifier("POOL", &user, &password, &salt);
        let a_pub = client_ephemeral(&a).unwrap();
        let server = ServerEphemeral::new(v.v(), &b).unwrap();
        let b_hex = to_hex(server.public());
        let b_pub = parse_hex(&b_hex.to_uppercase()).unwrap();
        let client_key = client_session_key("POOL", &user, &password, &salt, &a_pub, &b_pub, &a).unwrap();
        let a_received = parse_hex(&to_hex(&a_pub)).unwrap();
        let keys = server_session_keys(&a_received, server.public(), &b, v.v()).unwrap();
        prop_assert_eq!(client_key.expose(), keys.key.expose());
        prop_assert!(password_verifier_matches("POOL", &user, &password, &salt, v.v()));
    }

    #[test]
    fn modexp_matches_num_bigint(
        base in proptest::collection::vec(any::<u8>(), 1..=384),
        exponent in proptest::collection::vec(any::<u8>(), 1..=384),
    ) {
        let base = reduce(&uint_from_be(&base).unwrap());
        let e = Exponent::from_secret_bytes(&exponent).unwrap();
        let ours = pow_mod(&base, e.value(), e.bits());
        let theirs = big(&base).modpow(&BigUint::from_bytes_be(&exponent), &big(&N));
        prop_assert_eq!(big(&ours), theirs);
    }

    #[test]
    fn modexp_256_matches_num_bigint(base in proptest::collection::vec(any::<u8>(), 384..=384), exponent: [u8; 32]) {
        let base = reduce(&uint_from_be(&base).unwrap());
        let ours = pow_mod(&base, &U256::from_be_slice(&exponent), U256::BITS);
        let theirs = big(&base).modpow(&BigUint::from_bytes_be(&exponent), &big(&N));
        prop_assert_eq!(big(&ours), theirs);
    }

    #[test]
    fn pad_is_java_to_byte_array(bytes in proptest::collection::vec(any::<u8>(), 0..=384)) {
        let padded = pad_bytes(&bytes);
        let value = BigUint::from_bytes_be(&bytes);
        // Java: minimal two's complement, so exactly one leading zero only before a high bit.
        prop_assert_eq!(BigUint::from_bytes_be(&padded), value.clone());
        prop_assert!(padded[0] & 0x80 == 0);
        prop_assert!(padded.len() == 1 || padded[0] != 0 || padded[1] & 0x80 != 0);
        prop_assert_eq!(pad(&uint_from_be(&bytes).unwrap()), padded.clone());
        prop_assert_eq!(pad_bytes(&padded), padded);
    }
}
