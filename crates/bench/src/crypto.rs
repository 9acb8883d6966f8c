//! The crypto cost of each operation, measured in-process with the build under test: the
//! ceiling any flow can reach is (cores / sum of its crypto costs).

use std::time::Instant;

use cognate_crypto::jwt::RsaSigningKey;
use cognate_crypto::srp;

/// Median microseconds per call over `rounds` calls.
fn median_micros(rounds: usize, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

pub struct CryptoCosts {
    pub rs256_sign: f64,
    pub rs256_verify: f64,
    pub modexp_256: f64,
    pub srp_server_session: f64,
}

pub fn measure() -> CryptoCosts {
    let Ok(key) = RsaSigningKey::generate() else {
        return CryptoCosts {
            rs256_sign: f64::NAN,
            rs256_verify: f64::NAN,
            modexp_256: f64::NAN,
            srp_server_session: f64::NAN,
        };
    };
    let mut claims = serde_json::Map::new();
    claims.insert("sub".into(), "a5b0a1c2-0000-4000-8000-000000000000".into());
    claims.insert("exp".into(), 4_102_444_800i64.into());
    claims.insert("token_use".into(), "access".into());
    let token = key.sign(&claims).unwrap_or_default();
    let rs256_sign = median_micros(300, || {
        let _ = key.sign(&claims);
    });
    let rs256_verify = median_micros(300, || {
        let _ = cognate_crypto::jwt::verify_rs256(&token, |_| Some(key.public_key()), 0);
    });
    let salt = [7u8; 16];
    let verifier = srp::verifier("Pool", "user", "Passw0rd!", &salt);
    let b = [9u8; 32];
    let modexp_256 = median_micros(60, || {
        let _ = srp::ServerEphemeral::new(verifier.v(), &b);
    });
    let a = [5u8; 32];
    let big_a = srp::client_ephemeral(&a).unwrap_or_default();
    let srp_server_session = median_micros(40, || {
        if let Ok(ephemeral) = srp::ServerEphemeral::new(verifier.v(), &b) {
            let _ = ephemeral.session_keys(&big_a, verifier.v());
        }
    });
    CryptoCosts {
        rs256_sign,
        rs256_verify,
        modexp_256,
        srp_server_session,
    }
}

pub fn report() {
    let c = measure();
    println!("## Crypto cost per operation (median, one core)");
    println!("| operation | µs |");
    println!("|---|---|");
    println!("| RS256 sign (RSA-2048) | {:.0} |", c.rs256_sign);
    println!("| RS256 verify | {:.0} |", c.rs256_verify);
    println!(
        "| modexp 3072-bit, 256-bit exponent (g^b, or g^x for a password check) | {:.0} |",
        c.modexp_256
    );
    println!(
        "| SRP server work for one sign-in (3 modexps) | {:.0} |",
        c.srp_server_session
    );
    let per_core = |micros: f64| 1e6 / micros;
    println!();
    println!("Crypto ceilings on 2 cores (flows/s):");
    println!(
        "- SRP sign-in (3 modexp + 2 signs): {:.0}",
        2.0 * per_core(c.srp_server_session + 2.0 * c.rs256_sign)
    );
    println!(
        "- password sign-in (1 modexp + 2 signs): {:.0}",
        2.0 * per_core(c.modexp_256 + 2.0 * c.rs256_sign)
    );
    println!(
        "- refresh (2 signs): {:.0}",
        2.0 * per_core(2.0 * c.rs256_sign)
    );
    println!(
        "- GetUser (1 verify): {:.0}",
        2.0 * per_core(c.rs256_verify)
    );
    println!();
}
