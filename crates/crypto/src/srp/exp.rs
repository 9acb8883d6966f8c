//! Exponentiation in the group: a precomputed table for the generator, a constant-time
//! method for secret exponents and a faster one for public exponents.
//!
//! SRP raises three kinds of base, and each gets the cheapest method that keeps secrets safe:
//!
//! - the generator `g`, to secret exponents (`g^x` for a password check, `g^b` for `B`):
//!   [`FixedBase`], a Lim–Lee comb over a table built once per process. A 256-bit exponent
//!   costs 10 squarings and 43 multiplications instead of 256 squarings and 64
//!   multiplications, and every table look-up reads the whole table ([`ct_lookup`]);
//! - a secret base to a public exponent (`v^u`, with `u` a hash of `A` and `B`):
//!   [`pow_public`], sliding windows whose schedule and table indices come from `u` alone;
//! - any base to a secret exponent (`(A·v^u)^b`, the client's `g^a`): [`pow_secret`], fixed
//!   4-bit windows with a full scan of the window table, so only the public bit length shapes
//!   the sequence of operations.
//!
//! No method branches on or indexes memory by a secret: the secret exponents' bits only ever
//! feed [`ct_lookup`], and the multiplications are the constant-time kernel of
//! [`super::montgomery`].

use crypto_bigint::{U256, U3072, Uint};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use super::montgomery::Residue;

/// Bits of the exponents the generator table covers: a SHA-256 output (`x`) and the server's
/// 32-byte `b`. Longer exponents (a client's 128-byte `a`) take [`pow_secret`].
pub(crate) const TABLE_EXPONENT_BITS: u32 = U256::BITS;

/// Window width of [`pow_secret`] and [`pow_public`]. For 256-bit exponents 4 is the
/// cheapest: 5 saves 12 window multiplications but costs 16 more to build the table.
const WINDOW: u32 = 4;

/// The comb's shape (Lim–Lee): the exponent's bits are laid out as `ROWS` rows of `COLUMNS`
/// bits, and the columns are cut into `BLOCKS` blocks of `BLOCK_COLUMNS`. Each block has a
/// table of the `2^ROWS` products of its rows' powers; one squaring then serves a column of
/// every block. Measured on this group (see `cognate-bench crypto`): 6 rows and 4 blocks
/// (64-entry tables, 96 KiB in all) balance the multiplications against the cost of scanning
/// whole tables; 8 rows halve the squarings but scan four times as much.
const ROWS: u32 = 6;
const BLOCKS: u32 = 4;
const COLUMNS: u32 = TABLE_EXPONENT_BITS.div_ceil(ROWS);
const BLOCK_COLUMNS: u32 = COLUMNS.div_ceil(BLOCKS);
const ENTRIES: usize = 1 << ROWS;
// Every bit of a 256-bit exponent has a row and a column.
const _: () = assert!(ROWS * COLUMNS >= TABLE_EXPONENT_BITS && BLOCKS * BLOCK_COLUMNS >= COLUMNS);

/// Powers of one base precomputed for [`FixedBase::pow`], a Lim–Lee comb
/// (C. H. Lim and P. J. Lee, "More flexible exponentiation with precomputation", CRYPTO '94).
///
/// Entry `i` of block `s` is `base^(Σ 2^(r·COLUMNS + s·BLOCK_COLUMNS))` over the rows `r`
/// whose bit is set in `i`; entry 0 is 1.
pub(crate) struct FixedBase {
    tables: Vec<Residue>,
}

impl FixedBase {
    /// Builds the tables: about 250 squarings and 250 multiplications, once.
    pub(crate) fn new(base: &Residue) -> Self {
        // base^(2^k) for every k a table entry starts at.
        let highest = (ROWS - 1) * COLUMNS + (BLOCKS - 1) * BLOCK_COLUMNS;
        let mut doublings = Vec::with_capacity(highest as usize + 1);
        let mut power = *base;
        for _ in 0..=highest {
            doublings.push(power);
            power = power.square();
        }
        let mut tables = Vec::with_capacity(BLOCKS as usize * ENTRIES);
        for block in 0..BLOCKS {
            let start = tables.len();
            tables.push(Residue::ONE);
            for index in 1..ENTRIES {
                // The entry without its highest row, times that row's power.
                let row = index.ilog2();
                let rest = tables[start + (index - (1 << row))];
                tables.push(rest.mul(&doublings[(row * COLUMNS + block * BLOCK_COLUMNS) as usize]));
            }
        }
        Self { tables }
    }

    /// `base^exponent` in constant time, for an exponent below `2^TABLE_EXPONENT_BITS` given
    /// as little-endian words (any number of them; the comb reads its 256 bits).
    pub(crate) fn pow(&self, exponent: &[u64]) -> Residue {
        self.pow_observed(exponent, &mut |_| {})
    }

    /// [`Self::pow`], telling `seen` about every table entry as it is read.
    fn pow_observed(&self, words: &[u64], seen: &mut impl FnMut(&Residue)) -> Residue {
        let mut acc: Option<Residue> = None;
        // Column offsets from the highest down; one squaring per offset lifts what the
        // blocks added before by one bit.
        for offset in (0..BLOCK_COLUMNS).rev() {
            acc = acc.map(|a| a.square());
            for block in 0..BLOCKS {
                let column = block * BLOCK_COLUMNS + offset;
                let index = (0..ROWS).fold(0u32, |index, row| {
                    index | (comb_bit(words, row, column) << row)
                });
                let start = block as usize * ENTRIES;
                let entry = ct_lookup(&self.tables[start..start + ENTRIES], index, seen);
                // The schedule (which step is the first) is public; only `entry` is secret.
                acc = Some(acc.map_or(entry, |a| a.mul(&entry)));
            }
        }
        acc.unwrap_or(Residue::ONE)
    }
}

/// The bit of `exponent` in `row` and `column` of the comb; columns past the last (when
/// `BLOCKS` does not divide `COLUMNS`) are zero.
fn comb_bit(words: &[u64], row: u32, column: u32) -> u32 {
    if column < COLUMNS {
        bit(words, row * COLUMNS + column)
    } else {
        0
    }
}

/// Bit `index` of a little-endian word slice; 0 past its end. The index is public.
fn bit(words: &[u64], index: u32) -> u32 {
    words
        .get((index / 64) as usize)
        .map_or(0, |word| ((word >> (index % 64)) & 1) as u32)
}

/// The `width` bits of `words` from bit `from` up, as a number. The position is public.
fn bits_at(words: &[u64], from: u32, width: u32) -> u32 {
    (0..width).fold(0, |value, i| value | (bit(words, from + i) << i))
}

/// The entry at a secret `index`, read so that nothing reveals it: every entry is read and
/// conditionally copied, in order, so the memory accesses and instructions are the same for
/// every index. `seen` is told about each entry as it is read; the tests check the scan with
/// it, and in production it is an empty closure that compiles away.
fn ct_lookup(entries: &[Residue], index: u32, seen: &mut impl FnMut(&Residue)) -> Residue {
    let mut selected = Residue::ONE;
    for (position, entry) in (0u32..).zip(entries) {
        seen(entry);
        selected.conditional_assign(entry, position.ct_eq(&index));
    }
    selected
}

/// `base^exponent` for a secret exponent below `2^bits`, in constant time: `bits` (public)
/// alone decides the sequence of squarings, multiplications and full table scans.
pub(crate) fn pow_secret(base: &Residue, exponent: &[u64], bits: u32) -> Residue {
    pow_secret_observed(base, exponent, bits, &mut |_| {})
}

/// [`pow_secret`], telling `seen` about every window-table entry as it is read.
fn pow_secret_observed(
    base: &Residue,
    exponent: &[u64],
    bits: u32,
    seen: &mut impl FnMut(&Residue),
) -> Residue {
    let windows = bits.div_ceil(WINDOW);
    if windows == 0 {
        return Residue::ONE;
    }
    // powers[i] = base^i.
    let mut powers = [Residue::ONE; 1 << WINDOW];
    powers[1] = *base;
    for i in 2..powers.len() {
        powers[i] = if i % 2 == 0 {
            powers[i / 2].square()
        } else {
            powers[i - 1].mul(base)
        };
    }
    let top = windows - 1;
    let mut acc = ct_lookup(&powers, bits_at(exponent, top * WINDOW, WINDOW), seen);
    for window in (0..top).rev() {
        let digit = bits_at(exponent, window * WINDOW, WINDOW);
        acc = acc
            .square_times(WINDOW)
            .mul(&ct_lookup(&powers, digit, seen));
    }
    // The powers of a secret base are secret too.
    powers.zeroize();
    acc
}

/// `base^exponent mod N` on plain integers, for a secret exponent below `2^exponent_bits`;
/// see [`pow_secret`].
pub(crate) fn pow_mod<const L: usize>(
    base: &U3072,
    exponent: &Uint<L>,
    exponent_bits: u32,
) -> U3072 {
    pow_secret(&Residue::new(base), exponent.as_words(), exponent_bits).retrieve()
}

/// `base^exponent` for a **public** exponent, with sliding windows over the odd powers.
///
/// Which squarings and multiplications run, and which table entries they read, follow the
/// exponent's bits, so timing and memory accesses reveal the exponent, and only the exponent.
/// The base may be secret: it only meets the constant-time kernel, which takes as long and
/// touches the same memory whatever the operands. That is why SRP's `v^u` may use it: `u`
/// is a hash of the public `A` and `B`, and `v` never steers a branch or an address.
pub(crate) fn pow_public(base: &Residue, exponent: &[u64]) -> Residue {
    let Some(highest) = (0..64 * exponent.len() as u32)
        .rev()
        .find(|&i| bit(exponent, i) == 1)
    else {
        return Residue::ONE;
    };
    // odd[k] = base^(2k + 1).
    let mut odd = [*base; 1 << (WINDOW - 1)];
    let square = base.square();
    for k in 1..odd.len() {
        odd[k] = odd[k - 1].mul(&square);
    }
    let mut acc: Option<Residue> = None;
    let mut next = Some(highest);
    while let Some(i) = next {
        if bit(exponent, i) == 0 {
            acc = acc.map(|a| a.square());
            next = i.checked_sub(1);
            continue;
        }
        // The longest window of at most WINDOW bits from bit i down that ends in a one.
        let mut low = i.saturating_sub(WINDOW - 1);
        while bit(exponent, low) == 0 {
            low += 1;
        }
        let width = i - low + 1;
        let entry = &odd[(bits_at(exponent, low, width) >> 1) as usize];
        acc = Some(match acc {
            Some(a) => a.square_times(width).mul(entry),
            None => *entry,
        });
        next = low.checked_sub(1);
    }
    odd.zeroize();
    acc.unwrap_or(Residue::ONE)
}

#[cfg(test)]
mod tests;
