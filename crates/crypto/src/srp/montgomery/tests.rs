//! The kernel against crypto-bigint's Montgomery arithmetic (the code it replaces) and
//! against `num-bigint`, on random residues and on values that stress the carries.

use super::*;
use crate::srp::group::reduce;
use num_bigint::BigUint;
use proptest::prelude::*;

fn big(x: &U3072) -> BigUint {
    BigUint::from_bytes_be(x.to_be_bytes().as_slice())
}

fn residue_from_words(words: &[u64]) -> Residue {
    let mut all = [0u64; LIMBS];
    all.copy_from_slice(words);
    Residue::new(&U3072::from_words(all))
}

/// Words that are mostly all-ones, all-zeros or off by one from them, where carry bugs hide.
fn edgy_word() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1u64),
        Just(u64::MAX),
        Just(u64::MAX - 1),
        Just(1u64 << 63),
        any::<u64>(),
    ]
}

fn residues() -> impl Strategy<Value = Residue> {
    prop_oneof![
        proptest::collection::vec(any::<u64>(), LIMBS),
        proptest::collection::vec(edgy_word(), LIMBS),
    ]
    .prop_map(|words| residue_from_words(&words))
}

fn special_values() -> Vec<U3072> {
    let n_minus = |k: u8| N.wrapping_sub(&U3072::from_u8(k));
    vec![
        U3072::ZERO,
        U3072::ONE,
        U3072::from_u8(2),
        n_minus(1),
        n_minus(2),
        U3072::MAX,
        U3072::ONE.shl_vartime(3071),
        U3072::from_words([u64::MAX; LIMBS]).shr_vartime(1),
        Residue::ONE.retrieve(),
    ]
}

#[test]
fn one_is_the_montgomery_one() {
    assert_eq!(Residue::ONE.retrieve(), U3072::ONE);
    assert_eq!(Residue::ONE, Residue::new(&U3072::ONE));
}

#[test]
fn special_values_multiply_like_crypto_bigint() {
    let values = special_values();
    for x in &values {
        for y in &values {
            let (ours, theirs) = (Residue::new(x), Element::new(x) * Element::new(y));
            assert_eq!(ours.mul(&Residue::new(y)).to_element(), theirs);
            assert_eq!(
                big(&ours.mul(&Residue::new(y)).retrieve()),
                big(&reduce(x)) * big(&reduce(y)) % big(&N)
            );
        }
        assert_eq!(
            Residue::new(x).square().to_element(),
            Element::new(x).square()
        );
    }
}

#[test]
fn results_are_fully_reduced() {
    // (N−1)² = 1 and (N−1)·1 = N−1 both sit at the edge of the final subtraction.
    let minus_one = Residue::new(&N.wrapping_sub(&U3072::ONE));
    assert_eq!(minus_one.square().retrieve(), U3072::ONE);
    assert_eq!(
        minus_one.mul(&Residue::ONE).retrieve(),
        N.wrapping_sub(&U3072::ONE)
    );
    assert_eq!(
        Residue::new(&U3072::ZERO).mul(&minus_one).retrieve(),
        U3072::ZERO
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn mul_and_square_match_crypto_bigint(x in residues(), y in residues()) {
        prop_assert_eq!(x.mul(&y).to_element(), x.to_element() * y.to_element());
        prop_assert_eq!(x.square().to_element(), x.to_element().square());
        prop_assert_eq!(x.square(), x.mul(&x));
        prop_assert_eq!(x.mul(&y), y.mul(&x));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mul_matches_num_bigint(x in residues(), y in residues()) {
        let n = big(&N);
        let expected = big(&x.retrieve()) * big(&y.retrieve()) % &n;
        prop_assert_eq!(big(&x.mul(&y).retrieve()), expected);
    }

    #[test]
    fn conditional_select_takes_the_chosen_side(x in residues(), y in residues()) {
        prop_assert_eq!(Residue::conditional_select(&x, &y, Choice::from(0)), x);
        prop_assert_eq!(Residue::conditional_select(&x, &y, Choice::from(1)), y);
        let mut z = x;
        z.conditional_assign(&y, Choice::from(0));
        prop_assert_eq!(z, x);
        z.conditional_assign(&y, Choice::from(1));
        prop_assert_eq!(z, y);
    }
}
