//! Identifiers Cognate mints, in Cognito's formats.

use cognate_crypto::random::{RandomSource, random_alnum_lower};

const ALNUM_MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `<region>_<9 alphanumerics>`, e.g. `us-east-1_AbC123xyZ`.
pub fn new_pool_id(region: &str, random: &dyn RandomSource) -> String {
    format!("{region}_{}", random_from_alphabet(random, ALNUM_MIXED, 9))
}

/// 26 lowercase alphanumerics, as Cognito's app client ids.
pub fn new_client_id(random: &dyn RandomSource) -> String {
    random_alnum_lower(random, 26)
}

/// 52 lowercase alphanumerics, as Cognito's generated client secrets.
pub fn new_client_secret(random: &dyn RandomSource) -> String {
    random_alnum_lower(random, 52)
}

/// A version 4 UUID from the injected randomness.
pub fn new_uuid(random: &dyn RandomSource) -> String {
    let mut bytes = [0u8; 16];
    random.fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The part of a pool id after the region: the "pool name" Cognito's SRP hashes.
pub fn srp_pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// Whether `name` can be a region: it starts pool ids and sits in ARNs, so it must hold no
/// `_`, `:` or `/` (`us-east-1`, `eu-central-2`, or any name a dev-mode client signs with).
pub fn is_region(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The region a pool id was minted in.
pub fn pool_region(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or("", |(region, _)| region)
}

/// Unbiased choice from an alphabet: bytes above the last multiple of its length are redrawn.
pub fn random_from_alphabet(random: &dyn RandomSource, alphabet: &[u8], len: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    let mut byte = [0u8; 1];
    while out.len() < len {
        random.fill(&mut byte);
        let b = usize::from(byte[0]);
        if b < limit {
            out.push(char::from(alphabet[b % alphabet.len()]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_that_can_start_a_pool_id() {
        for good in ["us-east-1", "eu-central-2", "local", "ap-southeast-5"] {
            assert!(is_region(good), "{good}");
        }
        for bad in ["", "eu_west_1", "arn:aws", "us-east-1/x", "eu west"] {
            assert!(!is_region(bad), "{bad}");
        }
        assert_eq!(pool_region("eu-west-1_AbC123xyZ"), "eu-west-1");
    }
}
