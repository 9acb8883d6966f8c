//! Every method against the plain exponentiation it replaces (crypto-bigint's constant-time
//! `pow_bounded_exp`), over thousands of random exponents and the edge cases of each layout,
//! and the table scans observed entry by entry.

use super::*;
use crate::srp::group::{G, N};
use num_bigint::BigUint;
use proptest::prelude::*;

fn plain(base: &Residue, exponent: &[u64], bits: u32) -> Residue {
    let mut words = [0u64; U3072::LIMBS];
    for (word, &value) in words.iter_mut().zip(exponent) {
        *word = value;
    }
    Residue::from_element(
        &base
            .to_element()
            .pow_bounded_exp(&U3072::from_words(words), bits),
    )
}

fn generator() -> Residue {
    Residue::new(&G)
}

fn u256(words: [u64; 4]) -> U256 {
    U256::from_words(words)
}

fn base_from_bytes(bytes: &[u8]) -> Residue {
    let mut buf = [0u8; 384];
    buf[384 - bytes.len()..].copy_from_slice(bytes);
    Residue::new(&U3072::from_be_slice(&buf))
}

/// 0, 1, all ones, every single bit, and runs of ones across the comb's row and block edges.
fn edge_exponents() -> Vec<U256> {
    let mut out = vec![U256::ZERO, U256::ONE, U256::MAX];
    for k in 0..256 {
        out.push(U256::ONE.shl_vartime(k));
        out.push(U256::MAX.shr_vartime(k));
        out.push(U256::MAX.shl_vartime(k));
    }
    out
}

#[test]
fn fixed_base_edge_exponents_match_the_plain_exponentiation() {
    let table = FixedBase::new(&generator());
    for e in edge_exponents() {
        assert_eq!(
            table.pow(e.as_words()),
            plain(&generator(), e.as_words(), 256),
            "g^{e}"
        );
    }
}

#[test]
fn fixed_base_matches_num_bigint() {
    let table = FixedBase::new(&generator());
    let e = U256::from_be_hex("3d07c9c42b065a433c6a2a2b0f7fb7e6eec225e265271c30fac1cbd12de3c421");
    let expected = BigUint::from(2u8).modpow(
        &BigUint::from_bytes_be(&e.to_be_bytes()),
        &BigUint::from_bytes_be(&N.to_be_bytes()),
    );
    let ours = table.pow(e.as_words()).retrieve();
    assert_eq!(BigUint::from_bytes_be(&ours.to_be_bytes()), expected);
}

#[test]
fn the_table_has_a_block_of_entries_per_block() {
    assert_eq!(
        FixedBase::new(&generator()).tables.len(),
        BLOCKS as usize * ENTRIES
    );
}

/// Which table entries a comb exponentiation read, in order, as indices into the table.
fn comb_scan(table: &FixedBase, e: &U256) -> Vec<usize> {
    let mut seen = Vec::new();
    let power = table.pow_observed(e.as_words(), &mut |entry| {
        let index = table.tables.iter().position(|t| std::ptr::eq(t, entry));
        seen.push(index.unwrap_or(usize::MAX));
    });
    assert_eq!(power, table.pow(e.as_words()));
    seen
}

#[test]
fn every_comb_look_up_reads_its_whole_block_whatever_the_exponent() {
    let table = FixedBase::new(&generator());
    // Per column offset, per block: all of that block's entries, in order.
    let expected: Vec<usize> = (0..BLOCK_COLUMNS)
        .flat_map(|_| 0..BLOCKS as usize)
        .flat_map(|block| block * ENTRIES..(block + 1) * ENTRIES)
        .collect();
    let mut exponents = edge_exponents();
    exponents.push(u256([
        0x0123_4567_89ab_cdef,
        0,
        u64::MAX,
        0x8000_0000_0000_0001,
    ]));
    for e in &exponents {
        assert_eq!(comb_scan(&table, e), expected, "exponent {e}");
    }
}

#[test]
fn every_window_look_up_reads_the_whole_window_table() {
    let base = base_from_bytes(b"a base whose powers are all distinct");
    let powers: Vec<Residue> = (0..16u64).map(|i| plain(&base, &[i], 64)).collect();
    for (exponent, bits) in [
        (vec![0u64; 4], 256),
        (vec![u64::MAX; 4], 256),
        (vec![0x5555_5555_5555_5555, 1, 2, 3], 256),
        (vec![1u64], 5),
        (vec![u64::MAX; 48], 3072),
    ] {
        let mut seen = Vec::new();
        let power = pow_secret_observed(&base, &exponent, bits, &mut |entry| {
            seen.push(powers.iter().position(|p| p == entry));
        });
        assert_eq!(power, plain(&base, &exponent, bits));
        let windows = bits.div_ceil(WINDOW) as usize;
        let expected: Vec<Option<usize>> = (0..windows).flat_map(|_| (0..16).map(Some)).collect();
        assert_eq!(seen, expected, "{bits}-bit exponent");
    }
}

#[test]
fn a_zero_length_exponent_gives_one() {
    let base = base_from_bytes(&[7; 384]);
    assert_eq!(pow_secret(&base, &[123], 0), Residue::ONE);
    assert_eq!(pow_public(&base, &[0, 0, 0, 0]), Residue::ONE);
    assert_eq!(pow_public(&base, &[]), Residue::ONE);
}

#[test]
fn public_exponent_edges_match_the_plain_exponentiation() {
    let base = base_from_bytes(&[0xa7; 384]);
    for e in edge_exponents() {
        assert_eq!(
            pow_public(&base, e.as_words()),
            plain(&base, e.as_words(), 256),
            "exponent {e}"
        );
    }
}

#[test]
fn fixed_base_matches_the_plain_exponentiation() {
    let table = FixedBase::new(&generator());
    proptest!(ProptestConfig::with_cases(4096), |(e: [u64; 4])| {
        prop_assert_eq!(table.pow(&e), plain(&generator(), &e, 256));
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn public_exponent_matches_the_plain_exponentiation(
        base in proptest::collection::vec(any::<u8>(), 1..=384),
        e: [u64; 4],
    ) {
        let base = base_from_bytes(&base);
        prop_assert_eq!(pow_public(&base, &e), plain(&base, &e, 256));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn secret_exponent_matches_the_plain_exponentiation(
        base in proptest::collection::vec(any::<u8>(), 1..=384),
        exponent in proptest::collection::vec(any::<u64>(), 1..=8),
        spare_bits in 0u32..64,
    ) {
        let base = base_from_bytes(&base);
        // Any bit count that holds the value, as `Exponent` gives (a byte count, rounded up).
        let bits = (64 * exponent.len() as u32).saturating_sub(spare_bits);
        let mut e = exponent.clone();
        if let Some(top) = e.last_mut() {
            *top &= u64::MAX >> spare_bits;
        }
        prop_assert_eq!(pow_secret(&base, &e, bits), plain(&base, &e, bits));
    }

    #[test]
    fn fixed_base_of_any_base_matches(base in proptest::collection::vec(any::<u8>(), 1..=384), e: [u64; 4]) {
        let base = base_from_bytes(&base);
        prop_assume!(base != Residue::new(&U3072::ZERO));
        let table = FixedBase::new(&base);
        prop_assert_eq!(table.pow(&e), plain(&base, &e, 256));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn long_secret_exponents_match(
        base in proptest::collection::vec(any::<u8>(), 384..=384),
        exponent in proptest::collection::vec(any::<u64>(), 16..=48),
    ) {
        let base = base_from_bytes(&base);
        let bits = 64 * exponent.len() as u32;
        prop_assert_eq!(pow_secret(&base, &exponent, bits), plain(&base, &exponent, bits));
        prop_assert_eq!(pow_mod(&base.retrieve(), &U3072::from_words(pad48(&exponent)), bits), plain(&base, &exponent, bits).retrieve());
    }
}

fn pad48(words: &[u64]) -> [u64; 48] {
    let mut out = [0u64; 48];
    out[..words.len()].copy_from_slice(words);
    out
}
