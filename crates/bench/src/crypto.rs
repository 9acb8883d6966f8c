//! The crypto cost of each operation, measured in-process with the build under test, beside
//! the arithmetic it replaced (crypto-bigint's exponentiation, before issue 15) and beside
//! OpenSSL on the same machine (`openssl speed`, when `openssl` is installed).
//!
//! The ceiling any flow can reach is (cores / sum of its crypto costs); OpenSSL's figures
//! give the same ceiling for a server built on OpenSSL: one `ffdh3072` derivation per 3072-bit
//! exponentiation and `rsa2048` signatures for the tokens.

use std::process::Command;
use std::time::Instant;

use cognate_crypto::jwt::RsaSigningKey;
use cognate_crypto::srp::{self, SrpGroup};

/// Median microseconds per call over `rounds` calls (after one warm-up call).
fn median_micros(rounds: usize, mut f: impl FnMut()) -> f64 {
    f();
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

/// One SRP operation, timed with the current code and with the code before issue 15.
#[derive(Debug, Clone, Copy)]
pub struct Timed {
    pub before: f64,
    pub now: f64,
}

pub struct CryptoCosts {
    pub rs256_sign: f64,
    pub rs256_verify: f64,
    /// One constant-time exponentiation with a 256-bit secret exponent and no table: what
    /// the Montgomery kernel alone gains.
    pub modexp_256: Timed,
    /// `g^x`: the `USER_PASSWORD_AUTH` check.
    pub password_check: Timed,
    /// `B = k·v + g^b`: the `PASSWORD_VERIFIER` challenge.
    pub challenge: Timed,
    /// `S = (A·v^u)^b` and the session key: the challenge answer.
    pub session_key: Timed,
    /// Building the generator table, once per process.
    pub group_setup: f64,
}

impl CryptoCosts {
    /// The server's SRP exponentiations for one sign-in (challenge and answer).
    pub fn srp_server(&self) -> Timed {
        Timed {
            before: self.challenge.before + self.session_key.before,
            now: self.challenge.now + self.session_key.now,
        }
    }
}

pub fn measure() -> CryptoCosts {
    let (rs256_sign, rs256_verify) = rs256_costs().unwrap_or((f64::NAN, f64::NAN));
    let started = Instant::now();
    let group = SrpGroup::new();
    let group_setup = started.elapsed().as_secs_f64() * 1e6;

    let (pool, user, password, salt) = ("Pool", "user", "Passw0rd!", [7u8; 16]);
    let verifier = group.verifier(pool, user, password, &salt);
    let b = [9u8; 32];
    let a = [5u8; 32];
    let big_a = group.client_ephemeral(&a).unwrap_or_default();
    let ephemeral = group.server_ephemeral(verifier.v(), &b).ok();
    let big_b = ephemeral.as_ref().map(|e| *e.public()).unwrap_or_default();

    let modexp_256 = Timed {
        before: median_micros(100, || {
            std::hint::black_box(before::g_pow(&b));
        }),
        now: median_micros(200, || {
            let _ = std::hint::black_box(srp::client_ephemeral(&b));
        }),
    };
    let password_check = Timed {
        before: median_micros(100, || {
            assert!(before::password_verifier_matches(
                pool,
                user,
                password,
                &salt,
                verifier.v()
            ));
        }),
        now: median_micros(400, || {
            assert!(group.password_verifier_matches(pool, user, password, &salt, verifier.v()));
        }),
    };
    let challenge = Timed {
        before: median_micros(100, || {
            std::hint::black_box(before::server_public_b(verifier.v(), &b));
        }),
        now: median_micros(400, || {
            let _ = std::hint::black_box(group.server_ephemeral(verifier.v(), &b));
        }),
    };
    let session_key = Timed {
        before: median_micros(100, || {
            std::hint::black_box(before::premaster_secret(&big_a, verifier.v(), &b));
        }),
        now: median_micros(200, || {
            let _ =
                std::hint::black_box(srp::server_session_keys(&big_a, &big_b, &b, verifier.v()));
        }),
    };
    CryptoCosts {
        rs256_sign,
        rs256_verify,
        modexp_256,
        password_check,
        challenge,
        session_key,
        group_setup,
    }
}

/// Median µs of an RS256 signature and of its verification.
pub fn rs256_costs() -> Option<(f64, f64)> {
    let key = RsaSigningKey::generate().ok()?;
    let mut claims = serde_json::Map::new();
    claims.insert("sub".into(), "a5b0a1c2-0000-4000-8000-000000000000".into());
    claims.insert("exp".into(), 4_102_444_800i64.into());
    claims.insert("token_use".into(), "access".into());
    let token = key.sign(&claims).ok()?;
    let sign = median_micros(300, || {
        let _ = key.sign(&claims);
    });
    let verify = median_micros(300, || {
        let _ = cognate_crypto::jwt::verify_rs256(&token, |_| Some(key.public_key()), 0);
    });
    Some((sign, verify))
}

/// The SRP arithmetic as `cognate-crypto` did it before issue 15: every exponentiation is
/// crypto-bigint's constant-time `pow_bounded_exp` (fixed 4-bit windows, its generic
/// Montgomery kernel). Kept here only to measure against.
mod before {
    use cognate_crypto::srp::{self, G, K, N_HEX, U3072};
    use crypto_bigint::modular::ConstMontyForm;
    use crypto_bigint::{CtEq, U256, const_monty_params};

    const_monty_params!(GroupModulus, U3072, N_HEX);
    type Element = ConstMontyForm<GroupModulus, { U3072::LIMBS }>;

    fn pow(base: &U3072, exponent: &U256) -> Element {
        Element::new(base).pow_bounded_exp(exponent, U256::BITS)
    }

    pub fn password_verifier_matches(
        pool: &str,
        user: &str,
        password: &str,
        salt: &[u8],
        stored_v: &U3072,
    ) -> bool {
        let x = srp::compute_x(pool, user, password, salt);
        let v = pow(&G, &U256::from_be_slice(x.expose())).retrieve();
        v.ct_eq(stored_v).to_bool()
    }

    pub fn g_pow(exponent: &[u8; 32]) -> U3072 {
        pow(&G, &U256::from_be_slice(exponent)).retrieve()
    }

    pub fn server_public_b(v: &U3072, b: &[u8; 32]) -> U3072 {
        (Element::new(&K) * Element::new(v) + pow(&G, &U256::from_be_slice(b))).retrieve()
    }

    /// `(A·v^u)^b`; `u` is any 256-bit value here, since the old method's time does not
    /// depend on it.
    pub fn premaster_secret(a: &U3072, v: &U3072, b: &[u8; 32]) -> U3072 {
        let u =
            U256::from_be_hex("304bc6c1b1bf98e2c994c71ef146d3ae7d4f3d2d91c889eaea2a8e4f89fb136e");
        let base = (Element::new(a) * pow(v, &u)).retrieve();
        pow(&base, &U256::from_be_slice(b)).retrieve()
    }
}

/// OpenSSL's figures on this machine: `openssl speed -mr` for a 3072-bit finite-field
/// Diffie–Hellman derivation (one exponentiation with a 275-bit private exponent, OpenSSL's
/// size for this group) and RSA-2048 signatures.
#[derive(Debug, Clone, Copy)]
pub struct OpenSsl {
    pub ffdh3072: f64,
    pub rsa2048_sign: f64,
    pub rsa2048_verify: f64,
}

impl OpenSsl {
    /// Runs `openssl speed` for `seconds` per test; `None` when OpenSSL is not installed or
    /// its output is not understood.
    pub fn measure(seconds: u32) -> Option<Self> {
        let output = Command::new("openssl")
            .args(["speed", "-mr", "-seconds", &seconds.to_string()])
            .args(["ffdh3072", "rsa2048"])
            .output()
            .ok()?;
        Self::parse(&String::from_utf8_lossy(&output.stdout))
    }

    /// Reads the `-mr` summary lines: `+F2:<n>:2048:<signs/s>:<verifies/s>` for RSA and
    /// `+F8:<n>:3072:<ops/s>:<s/op>` for FFDH.
    fn parse(text: &str) -> Option<Self> {
        let fields = |tag: &str| -> Option<Vec<f64>> {
            let line = text.lines().find(|l| l.starts_with(tag))?;
            Some(line.split(':').filter_map(|f| f.parse().ok()).collect())
        };
        let rsa = fields("+F2:")?;
        let ffdh = fields("+F8:")?;
        let per_call = |per_second: f64| 1e6 / per_second;
        Some(Self {
            rsa2048_sign: per_call(*rsa.get(2)?),
            rsa2048_verify: per_call(*rsa.get(3)?),
            ffdh3072: per_call(*ffdh.get(2)?),
        })
    }

    /// OpenSSL's crypto time for a flow: `exponentiations` 3072-bit exponentiations and
    /// `signatures` RS256 signatures, in ms.
    pub fn flow_ms(&self, exponentiations: f64, signatures: f64) -> f64 {
        (exponentiations * self.ffdh3072 + signatures * self.rsa2048_sign) / 1000.0
    }
}

pub fn report() {
    let c = measure();
    let openssl = OpenSsl::measure(3);
    let ossl = |f: &dyn Fn(&OpenSsl) -> f64| {
        openssl
            .as_ref()
            .map_or("–".to_owned(), |o| format!("{:.0}", f(o)))
    };
    println!("## Crypto cost per operation (median µs, one core)");
    println!("| operation | before issue 15 | now | OpenSSL |");
    println!("|---|---|---|---|");
    let row = |name: &str, t: Timed, openssl: String| {
        println!("| {name} | {:.0} | {:.0} | {openssl} |", t.before, t.now);
    };
    row(
        "exponentiation, 256-bit secret exponent, no table (OpenSSL: one ffdh3072 derivation)",
        c.modexp_256,
        ossl(&|o| o.ffdh3072),
    );
    row(
        "password check `g^x`, 256-bit x (OpenSSL: one ffdh3072)",
        c.password_check,
        ossl(&|o| o.ffdh3072),
    );
    row(
        "SRP challenge `B = k·v + g^b`, 256-bit b (OpenSSL: one ffdh3072)",
        c.challenge,
        ossl(&|o| o.ffdh3072),
    );
    row(
        "SRP answer `S = (A·v^u)^b` and key (OpenSSL: two ffdh3072)",
        c.session_key,
        ossl(&|o| 2.0 * o.ffdh3072),
    );
    row(
        "SRP server work for one sign-in (OpenSSL: three ffdh3072)",
        c.srp_server(),
        ossl(&|o| 3.0 * o.ffdh3072),
    );
    let same = |x: f64| Timed { before: x, now: x };
    row(
        "RS256 sign, RSA-2048 (aws-lc-rs)",
        same(c.rs256_sign),
        ossl(&|o| o.rsa2048_sign),
    );
    row(
        "RS256 verify",
        same(c.rs256_verify),
        ossl(&|o| o.rsa2048_verify),
    );
    println!();
    println!(
        "The generator table (`SrpGroup::new`) took {:.0} µs to build, once per process.",
        c.group_setup
    );
    let per_core = |micros: f64| 1e6 / micros;
    println!();
    println!("Crypto ceilings on 2 cores (flows/s): before → now (OpenSSL)");
    let line = |name: &str, before: f64, now: f64, openssl: Option<f64>| {
        let openssl = openssl.map_or(String::new(), |o| format!(" ({:.0})", 2.0 * per_core(o)));
        println!(
            "- {name}: {:.0} → {:.0}{openssl}",
            2.0 * per_core(before),
            2.0 * per_core(now)
        );
    };
    let signs = 2.0 * c.rs256_sign;
    line(
        "SRP sign-in (3 exponentiations + 2 signatures)",
        c.srp_server().before + signs,
        c.srp_server().now + signs,
        openssl.map(|o| 1000.0 * o.flow_ms(3.0, 2.0)),
    );
    line(
        "password sign-in (1 exponentiation + 2 signatures)",
        c.password_check.before + signs,
        c.password_check.now + signs,
        openssl.map(|o| 1000.0 * o.flow_ms(1.0, 2.0)),
    );
    line(
        "refresh (2 signatures)",
        signs,
        signs,
        openssl.map(|o| 1000.0 * o.flow_ms(0.0, 2.0)),
    );
    line(
        "GetUser (1 verification)",
        c.rs256_verify,
        c.rs256_verify,
        openssl.map(|o| o.rsa2048_verify),
    );
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_openssl_speed_machine_readable_output() {
        let text = "+DTP:2048:private:rsa:1\n+R1:2055:2048:0.46\n+DTP:2048:public:rsa:1\n\
                    +R2:40232:2048:0.53\n+DTP:3072::ffdh:1\n+R12:884:3072:0.51\n\
                    +F2:2:2048:4467.391304:75909.433962\n+F8:1:3072:1733.333333:0.000577\n";
        let o = OpenSsl::parse(text).unwrap();
        assert!((o.rsa2048_sign - 223.85).abs() < 0.01, "{o:?}");
        assert!((o.rsa2048_verify - 13.17).abs() < 0.01, "{o:?}");
        assert!((o.ffdh3072 - 576.92).abs() < 0.01, "{o:?}");
        assert!(OpenSsl::parse("no summary").is_none());
    }
}
