//! Injectable randomness, and unbiased random codes and identifiers.
//!
//! The domain never reads randomness from the environment: it holds a `dyn RandomSource`,
//! which is [`SystemRandom`] in the server and a deterministic source in tests.

/// A source of random bytes.
pub trait RandomSource: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's CSPRNG, through aws-lc's `RAND_bytes`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRandom;

impl RandomSource for SystemRandom {
    fn fill(&self, buf: &mut [u8]) {
        if aws_lc_rs::rand::fill(buf).is_err() {
            // aws-lc aborts the process itself when it cannot get entropy, so this branch is
            // not expected to run. If it ever does, stop rather than hand out predictable
            // bytes as salts, keys or codes; there is no safe value to return.
            std::process::abort();
        }
    }
}

/// `N` random bytes.
pub fn random_bytes<const N: usize>(src: &dyn RandomSource) -> [u8; N] {
    let mut out = [0u8; N];
    src.fill(&mut out);
    out
}

/// `n` random decimal digits (verification and MFA codes), each uniform over `0-9`.
pub fn random_digits(src: &dyn RandomSource, n: usize) -> String {
    random_string(src, n, b"0123456789")
}

/// `n` random characters uniform over `0-9a-z` (client ids, device keys).
pub fn random_alnum_lower(src: &dyn RandomSource, n: usize) -> String {
    random_string(src, n, b"0123456789abcdefghijklmnopqrstuvwxyz")
}

/// `n` characters drawn uniformly from `alphabet` (at most 256 symbols) by rejection
/// sampling: a byte is used only if it falls below the largest multiple of the alphabet size,
/// so `byte % len` has no bias towards the first symbols.
fn random_string(src: &dyn RandomSource, n: usize, alphabet: &[u8]) -> String {
    let len = alphabet.len();
    let limit = 256 - 256 % len;
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        src.fill(&mut buf);
        for &byte in buf.iter().filter(|&&b| usize::from(b) < limit) {
            if out.len() == n {
                break;
            }
            out.push(char::from(alphabet[usize::from(byte) % len]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Replays a fixed byte sequence, cycling.
    struct Replay(Mutex<(Vec<u8>, usize)>);

    impl RandomSource for Replay {
        fn fill(&self, buf: &mut [u8]) {
            let mut state = self.0.lock().unwrap();
            for b in buf {
                let (bytes, pos) = &mut *state;
                *b = bytes[*pos % bytes.len()];
                *pos += 1;
            }
        }
    }

    #[test]
    fn rejection_sampling_skips_biased_bytes() {
        // 250..=255 would bias digits towards 0-5, so they are skipped.
        let src = Replay(Mutex::new((vec![250, 255, 3, 249, 10], 0)));
        assert_eq!(random_digits(&src, 3), "390");
        // For 36 symbols the limit is 252.
        let src = Replay(Mutex::new((vec![252, 35, 36, 251], 0)));
        assert_eq!(random_alnum_lower(&src, 3), "z0z");
    }

    #[test]
    fn lengths_and_alphabets() {
        let src = SystemRandom;
        for n in [0, 1, 6, 8, 26, 200] {
            let digits = random_digits(&src, n);
            assert_eq!(digits.len(), n);
            assert!(digits.bytes().all(|b| b.is_ascii_digit()));
            let id = random_alnum_lower(&src, n);
            assert_eq!(id.len(), n);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
            );
        }
        assert_ne!(random_bytes::<32>(&src), [0u8; 32]);
    }

    #[test]
    fn digits_are_roughly_uniform() {
        let digits = random_digits(&SystemRandom, 100_000);
        let mut counts = [0usize; 10];
        for b in digits.bytes() {
            counts[usize::from(b - b'0')] += 1;
        }
        // Expected 10000 each with a standard deviation of about 95, so a ±500 band fails
        // about once in a million runs for a fair source but catches any real bias.
        assert!(
            counts.iter().all(|&c| (9_500..=10_500).contains(&c)),
            "{counts:?}"
        );
    }
}
