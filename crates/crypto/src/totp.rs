//! RFC 4226 HOTP and RFC 6238 TOTP as Cognito's software tokens use them (HMAC-SHA1, six
//! digits, 30-second steps), and the RFC 4648 base32 text of their secrets.
//!
//! Written here rather than taken from `totp-rs`: the algorithm is a dozen lines over the
//! HMAC we already have from aws-lc-rs, the caller passes the time (this crate reads no
//! clock), and what the domain needs beyond "is this code valid" is *which* time step it
//! matched, so that a code can be refused the second time it is used. The RFC test vectors
//! below pin it.

use aws_lc_rs::hmac;
use subtle::ConstantTimeEq;

/// Cognito's step length.
pub const STEP_SECS: i64 = 30;
/// Cognito's code length.
pub const DIGITS: u32 = 6;

/// The HOTP value of `counter` under `secret` (RFC 4226 §5.3), `digits` long, zero-padded.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    // Dynamic truncation: the low nibble of the last byte picks four bytes.
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let word = mac
        .get(offset..offset + 4)
        .map(|b| u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]]))
        .unwrap_or(0);
    let modulus = 10u32.saturating_pow(digits.min(9));
    format!("{:0width$}", word % modulus, width = digits as usize)
}

/// The time step `unix_secs` falls in.
pub fn step_of(unix_secs: i64) -> u64 {
    u64::try_from(unix_secs.div_euclid(STEP_SECS)).unwrap_or(0)
}

/// The six-digit TOTP code of a time (RFC 6238 with T0 = 0 and X = 30 s).
pub fn totp(secret: &[u8], unix_secs: i64) -> String {
    hotp(secret, step_of(unix_secs), DIGITS)
}

/// The time step a code matches, trying the current step and `tolerance` steps either side
/// (RFC 6238 §5.2), or `None`. Every candidate is computed and compared in constant time, so
/// the answer's timing does not tell which step matched.
pub fn verify(secret: &[u8], code: &str, unix_secs: i64, tolerance: u64) -> Option<u64> {
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_secs);
    let mut found = None;
    for step in now.saturating_sub(tolerance)..=now.saturating_add(tolerance) {
        let candidate = hotp(secret, step, DIGITS);
        if bool::from(candidate.as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps and Cognito's `SecretCode` show it.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 0x1f) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 0x1f) as usize]));
    }
    out
}

/// Decodes base32 text (case-insensitive, `=` padding ignored); `None` on any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for c in text.bytes().filter(|c| *c != b'=') {
        let upper = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|b| *b == upper)?;
        buffer = (buffer << 5) | u32::try_from(value).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4226 Appendix D: HOTP values of counters 0-9 for the ASCII secret "12345678901234567890".
    #[test]
    fn rfc4226_vectors() {
        let secret = b"12345678901234567890";
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(secret, counter as u64, 6), *code, "counter {counter}");
        }
    }

    /// RFC 6238 Appendix B, SHA-1 column (eight digits), and the six-digit tail Cognito uses.
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        let cases: [(i64, &str); 6] = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (time, code) in cases {
            assert_eq!(hotp(secret, step_of(time), 8), code, "time {time}");
            assert_eq!(totp(secret, time), code[2..], "time {time}");
        }
    }

    #[test]
    fn one_step_either_side_is_accepted_and_no_further() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111;
        let current = step_of(now);
        assert_eq!(verify(secret, &totp(secret, now), now, 1), Some(current));
        assert_eq!(
            verify(secret, &totp(secret, now - 30), now, 1),
            Some(current - 1)
        );
        assert_eq!(
            verify(secret, &totp(secret, now + 30), now, 1),
            Some(current + 1)
        );
        assert_eq!(verify(secret, &totp(secret, now - 60), now, 1), None);
        assert_eq!(verify(secret, &totp(secret, now + 60), now, 1), None);
        assert_eq!(verify(secret, "12345", now, 1), None);
        assert_eq!(verify(secret, "abcdef", now, 1), None);
    }

    /// RFC 4648 §10 vectors (padding stripped), and round trips.
    #[test]
    fn base32_matches_rfc4648() {
        let cases = [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
            assert_eq!(
                base32_decode(&format!("{}======", encoded.to_lowercase())).unwrap(),
                plain.as_bytes()
            );
        }
        assert_eq!(base32_decode("MZ1"), None);
        let secret: Vec<u8> = (0u8..32).collect();
        assert_eq!(base32_decode(&base32_encode(&secret)).unwrap(), secret);
    }
}
