//! Per-operation cost of the crypto on a sign-in's hot path.
//!
//! Run with `cargo run --release -p cognate-crypto --example srp_bench`.
//! Prints microseconds per operation (median of a few rounds), for `docs/benchmarks.md`.

use std::time::{Duration, Instant};

use cognate_crypto::jwt::{RsaSigningKey, verify_rs256};
use cognate_crypto::srp::{self, N_HEX, ServerEphemeral, U3072};
use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::{U256, const_monty_params};

const_monty_params!(BenchModulus, U3072, N_HEX);
type Element = ConstMontyForm<BenchModulus, { U3072::LIMBS }>;

/// Runs `op` `iterations` times per round, five rounds, and returns the median µs per call.
fn time_us(iterations: u32, mut op: impl FnMut()) -> f64 {
    op();
    let mut rounds: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                op();
            }
            start.elapsed() / iterations
        })
        .collect();
    rounds.sort();
    rounds[2].as_secs_f64() * 1e6
}

fn report(name: &str, micros: f64) {
    println!("{name:<52} {micros:>10.1} µs");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (pool, user, password, salt) = ("EXAMPLE1", "alice", "Passw0rd!", [0x42u8; 16]);
    let verifier = srp::verifier(pool, user, password, &salt);
    let a = [0x17u8; 128];
    let b = [0x29u8; 32];
    let a_pub = srp::client_ephemeral(&a)?;
    let block = b"sealed secret block".to_vec();
    let timestamp = srp::format_timestamp(1_795_665_087);

    println!("SRP (3072-bit group, crypto-bigint ConstMontyForm)");
    report(
        "modexp g^b, 256-bit b (client_ephemeral, 32 B)",
        time_us(50, || {
            std::hint::black_box(srp::client_ephemeral(std::hint::black_box(&b)).ok());
        }),
    );
    let base = Element::new(&a_pub);
    let e256 = U256::from_be_slice(&[0x5au8; 32]);
    report(
        "  same, pow_amm_bounded_exp (for comparison)",
        time_us(50, || {
            std::hint::black_box(base.pow_amm_bounded_exp(&e256.resize(), 256));
        }),
    );
    report(
        "modexp g^a, 1024-bit a (client_ephemeral, 128 B)",
        time_us(20, || {
            std::hint::black_box(srp::client_ephemeral(std::hint::black_box(&a)).ok());
        }),
    );
    report(
        "challenge: ServerEphemeral::new (B = kv + g^b)",
        time_us(50, || {
            std::hint::black_box(ServerEphemeral::new(verifier.v(), &b).ok());
        }),
    );
    let server = ServerEphemeral::new(verifier.v(), &b)?;
    let client_key =
        srp::client_session_key(pool, user, password, &salt, &a_pub, server.public(), &a)?;
    let signature = base64_signature(&client_key, pool, user, &block, &timestamp);
    report(
        "verify: server_session_keys + claim check",
        time_us(50, || {
            let keys = srp::server_session_keys(&a_pub, server.public(), &b, verifier.v());
            let ok =
                keys.map(|k| k.verify_password_claim(pool, user, &block, &timestamp, &signature));
            assert_eq!(ok, Ok(true));
        }),
    );
    report(
        "full server SRP session (3 modexps, both steps)",
        time_us(30, || {
            let server = ServerEphemeral::new(verifier.v(), &b).map_err(|_| ());
            let keys = server.and_then(|s| s.session_keys(&a_pub, verifier.v()).map_err(|_| ()));
            std::hint::black_box(keys.ok());
        }),
    );
    report(
        "USER_PASSWORD_AUTH: password_verifier_matches",
        time_us(50, || {
            assert!(srp::password_verifier_matches(
                pool,
                user,
                password,
                &salt,
                verifier.v()
            ));
        }),
    );
    report(
        "client: client_session_key (1024-bit a)",
        time_us(20, || {
            std::hint::black_box(
                srp::client_session_key(pool, user, password, &salt, &a_pub, server.public(), &a)
                    .ok(),
            );
        }),
    );

    println!("RS256 (aws-lc-rs, RSA-2048)");
    let start = Instant::now();
    let key = RsaSigningKey::generate()?;
    report(
        "RsaSigningKey::generate (one run)",
        start.elapsed().as_secs_f64() * 1e6,
    );
    let claims = serde_json::json!({
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "exp": 1_795_668_687,
        "iat": 1_795_665_087,
        "username": "alice",
    });
    let claims = claims.as_object().cloned().unwrap_or_default();
    report(
        "sign",
        time_us(200, || {
            std::hint::black_box(key.sign(&claims).ok());
        }),
    );
    let token = key.sign(&claims)?;
    let lookup = |kid: &str| (kid == key.kid()).then(|| key.public_key());
    report(
        "verify_rs256",
        time_us(1000, || {
            assert!(verify_rs256(&token, lookup, 1_795_665_087).is_ok());
        }),
    );
    let pem = key.to_pkcs8_pem()?;
    let encoding = jsonwebtoken::EncodingKey::from_rsa_pem(pem.expose().as_bytes())?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(key.kid().to_owned());
    report(
        "  jsonwebtoken::encode, same key (for comparison)",
        time_us(200, || {
            std::hint::black_box(jsonwebtoken::encode(&header, &claims, &encoding).ok());
        }),
    );
    Ok(())
}

fn base64_signature(
    key: &srp::SessionKey,
    pool: &str,
    user: &str,
    block: &[u8],
    timestamp: &str,
) -> String {
    use base64::Engine as _;
    let signature = srp::password_claim_signature(key, pool, user, block, timestamp);
    base64::engine::general_purpose::STANDARD.encode(signature)
}
