//! Password policy checks with Cognito's wording, temporary-password generation, and the
//! stored form of a password: an SRP verifier sealed under the key-encryption key.

use cognate_crypto::random::RandomSource;

use crate::error::{Error, PasswordRule, Result};
use crate::ids::random_from_alphabet;
use crate::pool::PasswordPolicy;

/// Cognito's symbol set for RequireSymbols (space counts only inside the password).
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

const LONGEST_PASSWORD: usize = 256;

/// Checks a password against the pool's policy, naming the first rule it breaks as Cognito does.
pub fn check_policy(policy: &PasswordPolicy, password: &str) -> Result<()> {
    let fail = |rule: PasswordRule| Err(Error::password_policy(rule));
    let length = password.chars().count();
    if length < policy.minimum_length as usize {
        return fail(PasswordRule::TooShort);
    }
    if length > LONGEST_PASSWORD {
        return fail(PasswordRule::TooLong);
    }
    if password.starts_with(char::is_whitespace) || password.ends_with(char::is_whitespace) {
        return fail(PasswordRule::SurroundingWhitespace);
    }
    if policy.require_lowercase && !password.chars().any(|c| c.is_lowercase()) {
        return fail(PasswordRule::Lowercase);
    }
    if policy.require_uppercase && !password.chars().any(|c| c.is_uppercase()) {
        return fail(PasswordRule::Uppercase);
    }
    if policy.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail(PasswordRule::Numbers);
    }
    if policy.require_symbols && !password.chars().any(|c| c != ' ' && SYMBOLS.contains(c)) {
        return fail(PasswordRule::Symbols);
    }
    Ok(())
}

const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const DIGITS: &[u8] = b"23456789";
const PASSWORD_SYMBOLS: &[u8] = b"^$*.[]{}()?!@#%&/,><:;|_~=+-";

/// A temporary password that satisfies the policy: at least 12 characters, one of every
/// required class, shuffled so the classes are not in a guessable order.
pub fn generate_temporary(policy: &PasswordPolicy, random: &dyn RandomSource) -> String {
    let length = (policy.minimum_length as usize).max(12);
    let mut chars: Vec<char> = Vec::with_capacity(length);
    for (required, class) in [
        (true, UPPER),
        (true, LOWER),
        (true, DIGITS),
        (policy.require_symbols, PASSWORD_SYMBOLS),
    ] {
        if required {
            chars.extend(random_from_alphabet(random, class, 1).chars());
        }
    }
    let all: Vec<u8> = [UPPER, LOWER, DIGITS, PASSWORD_SYMBOLS].concat();
    while chars.len() < length {
        chars.extend(random_from_alphabet(random, &all, 1).chars());
    }
    shuffle(&mut chars, random);
    chars.into_iter().collect()
}

/// Fisher-Yates with unbiased indices drawn from the injected randomness.
fn shuffle(items: &mut [char], random: &dyn RandomSource) {
    for i in (1..items.len()).rev() {
        let j = random_index(random, i + 1);
        items.swap(i, j);
    }
}

fn random_index(random: &dyn RandomSource, bound: usize) -> usize {
    let bound32 = u32::try_from(bound).unwrap_or(u32::MAX);
    let limit = u32::MAX - (u32::MAX % bound32);
    loop {
        let mut bytes = [0u8; 4];
        random.fill(&mut bytes);
        let n = u32::from_le_bytes(bytes);
        if n < limit {
            return (n % bound32) as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognate_crypto::random::SystemRandom;

    #[test]
    fn policy_failures_use_cognitos_wording() {
        let policy = PasswordPolicy::default();
        let check = |p: &str| check_policy(&policy, p).map_err(|e| e.message);
        assert_eq!(
            check("Sh0rt!"),
            Err("Password did not conform with policy: Password not long enough".into())
        );
        assert_eq!(
            check("ALLUPPER1!"),
            Err(
                "Password did not conform with policy: Password must have lowercase characters"
                    .into()
            )
        );
        assert_eq!(
            check("alllower1!"),
            Err(
                "Password did not conform with policy: Password must have uppercase characters"
                    .into()
            )
        );
        assert_eq!(
            check("NoDigits!!"),
            Err(
                "Password did not conform with policy: Password must have numeric characters"
                    .into()
            )
        );
        assert_eq!(
            check("NoSymbols11"),
            Err(
                "Password did not conform with policy: Password must have symbol characters".into()
            )
        );
        assert_eq!(
            check("Good pass 1"),
            Err(
                "Password did not conform with policy: Password must have symbol characters".into()
            )
        );
        assert_eq!(check("Passw0rd!"), Ok(()));
    }

    #[test]
    fn generated_passwords_satisfy_the_strictest_policy() {
        let policy = PasswordPolicy {
            minimum_length: 20,
            ..PasswordPolicy::default()
        };
        for _ in 0..200 {
            let password = generate_temporary(&policy, &SystemRandom);
            assert_eq!(check_policy(&policy, &password), Ok(()), "{password}");
        }
    }
}
