//! The RFC 3526 / RFC 5054 3072-bit group, Cognito's integer encoding, and secret exponents.

use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::{CtEq, U256, U3072, Uint, const_monty_params};

use super::SrpError;
use crate::secret::Secret;

/// Big-endian hex of `N`, the RFC 3526 group 15 prime (also RFC 5054's 3072-bit group).
pub const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

const_monty_params!(
    GroupModulus,
    U3072,
    N_HEX,
    "The SRP group prime `N`, with its Montgomery constants computed at compile time."
);

/// An element of the group in Montgomery form; all modular arithmetic goes through it.
pub(crate) type Element = ConstMontyForm<GroupModulus, { U3072::LIMBS }>;

/// The group prime `N`.
pub const N: U3072 = U3072::from_be_hex(N_HEX);

/// The generator `g = 2`.
pub const G: U3072 = U3072::from_u8(2);

/// The multiplier `k = H(PAD(N) || PAD(g))`.
///
/// Hard-coded rather than hashed per call; `k_is_the_hash_of_n_and_g` checks the value.
pub const K: U3072 =
    U256::from_be_hex("538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6").resize();

/// Byte length of a group element.
pub(crate) const ELEMENT_BYTES: usize = 384;

/// Cognito's `PAD` of an integer: Java's `BigInteger.toByteArray()`, that is, minimal
/// big-endian bytes with one `0x00` prepended when the top bit is set.
///
/// This is not RFC 5054's fixed-width padding to `|N|`: every Cognito client hashes this
/// form, so we must too. Its length depends on the value, which is inherent to the
/// protocol's encoding.
pub fn pad(n: &U3072) -> Vec<u8> {
    pad_bytes(n.to_be_bytes().as_slice())
}

/// [`pad`] of an unsigned big-endian integer given as bytes (any number of leading zeros).
///
/// It is idempotent, so a salt already in `PAD` form comes back unchanged.
pub fn pad_bytes(big_endian: &[u8]) -> Vec<u8> {
    let minimal = strip_leading_zeros(big_endian);
    let mut out = Vec::with_capacity(minimal.len() + 1);
    // Java encodes zero as one 0x00 byte, and a set top bit would read as a sign.
    if minimal.first().is_none_or(|&b| b & 0x80 != 0) {
        out.push(0);
    }
    out.extend_from_slice(minimal);
    out
}

/// Parses a client-sent hex integer (`SRP_A`, `SRP_B`, `SALT`): any case, any length parity,
/// with or without leading zeros, as `new BigInteger(hex, 16)` would.
pub fn parse_hex(hex_digits: &str) -> Result<U3072, SrpError> {
    // Allow generous zero padding, but refuse to decode arbitrarily long input.
    const MAX_DIGITS: usize = 2 * ELEMENT_BYTES + 64;
    if hex_digits.is_empty() || hex_digits.len() > MAX_DIGITS {
        return Err(SrpError::MalformedInteger);
    }
    let bytes = if hex_digits.len() % 2 == 1 {
        hex::decode(format!("0{hex_digits}"))
    } else {
        hex::decode(hex_digits)
    }
    .map_err(|_| SrpError::MalformedInteger)?;
    uint_from_be(&bytes)
}

/// Lowercase hex without leading zeros, as Java's `BigInteger.toString(16)` prints it.
pub fn to_hex(n: &U3072) -> String {
    let full = hex::encode(n.to_be_bytes().as_slice());
    let digits = full.trim_start_matches('0');
    if digits.is_empty() {
        "0".to_owned()
    } else {
        digits.to_owned()
    }
}

/// Decodes an unsigned big-endian integer of at most 3072 significant bits.
pub fn uint_from_be(big_endian: &[u8]) -> Result<U3072, SrpError> {
    let minimal = strip_leading_zeros(big_endian);
    let offset = ELEMENT_BYTES
        .checked_sub(minimal.len())
        .ok_or(SrpError::MalformedInteger)?;
    let mut buf = Secret::new([0u8; ELEMENT_BYTES]);
    buf.expose_mut()[offset..].copy_from_slice(minimal);
    Ok(U3072::from_be_slice(buf.expose()))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// `x mod N`, for values received from the other party.
///
/// Converting into Montgomery form reduces any `x < 2^3072` fully (the product with `R^2 mod
/// N` stays below `N·R`), so no separate division is needed; `reduce_matches_num_bigint`
/// checks it on values at and above `N`.
pub(crate) fn reduce(x: &U3072) -> U3072 {
    Element::new(x).retrieve()
}

/// Whether `x` is zero, in constant time.
pub(crate) fn is_zero<const L: usize>(x: &Uint<L>) -> bool {
    x.ct_eq(&Uint::<L>::ZERO).to_bool()
}

/// A secret exponent: the value and the number of bits the exponentiation walks.
///
/// The bit count comes from the length of the random input, which is public, so the
/// exponentiation's running time reveals nothing about the value.
pub(crate) struct Exponent {
    value: Secret<U3072>,
    bits: u32,
}

impl Exponent {
    /// Reads a secret exponent from 1 to 384 big-endian random bytes.
    pub(crate) fn from_secret_bytes(bytes: &[u8]) -> Result<Self, SrpError> {
        if bytes.is_empty() || bytes.len() > ELEMENT_BYTES {
            return Err(SrpError::InvalidSecretLength(bytes.len()));
        }
        let mut buf = Secret::new([0u8; ELEMENT_BYTES]);
        buf.expose_mut()[ELEMENT_BYTES - bytes.len()..].copy_from_slice(bytes);
        Ok(Self {
            value: Secret::new(U3072::from_be_slice(buf.expose())),
            // At most 384 * 8 = 3072, so the cast cannot truncate.
            bits: (bytes.len() * 8) as u32,
        })
    }

    pub(crate) fn value(&self) -> &U3072 {
        self.value.expose()
    }

    pub(crate) fn bits(&self) -> u32 {
        self.bits
    }
}

/// Reads a SHA-256 output as an unsigned integer.
pub(crate) fn u256_from_hash(hash: &[u8; 32]) -> U256 {
    U256::from_be_slice(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;

    fn big(x: &U3072) -> BigUint {
        BigUint::from_bytes_be(x.to_be_bytes().as_slice())
    }

    #[test]
    fn k_is_the_hash_of_n_and_g() {
        let k = crate::mac::sha256(&[&pad(&N), &pad(&G)]);
        assert_eq!(
            hex::encode(k),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
        assert_eq!(pad(&K), k);
    }

    #[test]
    fn n_is_the_rfc3526_prime() {
        assert_eq!(to_hex(&N), N_HEX.to_lowercase());
        // The prime's top bit is set, so PAD adds a sign byte: 0x00 || N.
        assert_eq!(pad(&N).len(), 385);
        assert_eq!(pad(&N)[0], 0);
    }

    #[test]
    fn pad_follows_java_to_byte_array() {
        let cases: &[(&[u8], &[u8])] = &[
            (&[], &[0x00]),
            (&[0x00], &[0x00]),
            (&[0x00, 0x00, 0x01], &[0x01]),
            (&[0x7f], &[0x7f]),
            (&[0x80], &[0x00, 0x80]),
            (&[0x00, 0xf4, 0xc3], &[0x00, 0xf4, 0xc3]),
            (&[0x00, 0x00, 0xf4, 0xc3], &[0x00, 0xf4, 0xc3]),
            (&[0x12, 0x00], &[0x12, 0x00]),
        ];
        for (input, expected) in cases {
            assert_eq!(&pad_bytes(input), expected, "PAD({})", hex::encode(input));
        }
        assert_eq!(pad(&U3072::ZERO), [0x00]);
        assert_eq!(pad(&U3072::from_u8(2)), [0x02]);
        assert_eq!(pad(&U3072::from_u8(0x80)), [0x00, 0x80]);
    }

    #[test]
    fn parse_hex_is_lenient_about_case_parity_and_zeros() {
        let expected = U3072::from_u32(0xabc);
        for s in ["abc", "ABC", "0abc", "00000AbC"] {
            assert_eq!(parse_hex(s).unwrap(), expected, "{s}");
        }
        assert_eq!(to_hex(&expected), "abc");
        assert_eq!(to_hex(&U3072::ZERO), "0");
        assert_eq!(parse_hex(&to_hex(&N)).unwrap(), N);
    }

    #[test]
    fn parse_hex_rejects_junk_and_oversized_values() {
        for s in [
            "",
            "xyz",
            "12 34",
            "+12",
            "0x12",
            &"f".repeat(769),
            &"0".repeat(2000),
        ] {
            assert_eq!(parse_hex(s), Err(SrpError::MalformedInteger), "{s}");
        }
        // 768 significant digits fit, with zero padding before them.
        assert!(parse_hex(&format!("000{}", "f".repeat(768))).is_ok());
    }

    #[test]
    fn reduce_matches_num_bigint() {
        let n = big(&N);
        let max = U3072::MAX;
        let n_plus_5 = N.wrapping_add(&U3072::from_u8(5));
        for x in [
            U3072::ZERO,
            U3072::ONE,
            N,
            n_plus_5,
            max,
            N.wrapping_sub(&U3072::ONE),
        ] {
            assert_eq!(big(&reduce(&x)), big(&x) % &n);
        }
    }

    #[test]
    fn exponent_length_is_bounded() {
        assert_eq!(
            Exponent::from_secret_bytes(&[]).err(),
            Some(SrpError::InvalidSecretLength(0))
        );
        assert_eq!(
            Exponent::from_secret_bytes(&[1; 385]).err(),
            Some(SrpError::InvalidSecretLength(385))
        );
        let e = Exponent::from_secret_bytes(&[0xff; 384]).unwrap();
        assert_eq!((e.value(), e.bits()), (&U3072::MAX, 3072));
    }
}
