//! Mutations of an input, the kinds that find bugs in binary parsers: bit flips, bytes set to boundary values,
//! inserted and deleted runs, truncation, splices with another input, and integers overwritten with the values
//! sizes and counts go wrong at (0, 1, the maximum, the sign bit), in both byte orders.

/// A small deterministic generator (xorshift64*): a run repeats from its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

const INTERESTING_BYTES: [u8; 9] = [0, 1, 0x7f, 0x80, 0xff, 0x20, b'"', b':', b';'];

const INTERESTING_INTS: [u64; 14] =
    [0, 1, 2, 7, 8, 16, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fff_ffff, 0xffff_ffff, 0x7fff_ffff_ffff_ffff, u64::MAX];

/// Applies one to four mutations to `input`, taking material for splices from `others`; the result is at
/// most `max_len` bytes.
pub fn mutate(rng: &mut Rng, input: &[u8], others: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        one(rng, &mut out, others);
    }
    out.truncate(max_len);
    out
}

fn one(rng: &mut Rng, out: &mut Vec<u8>, others: &[Vec<u8>]) {
    let len = out.len();
    match rng.below(11) {
        // Flip one bit.
        0 | 1 if len > 0 => {
            let at = rng.below(len);
            out[at] ^= 1 << rng.below(8);
        }
        // A byte set to a random or a boundary value.
        2 if len > 0 => {
            let at = rng.below(len);
            out[at] = if rng.chance(2) { rng.next_u64() as u8 } else { INTERESTING_BYTES[rng.below(9)] };
        }
        // Random bytes inserted.
        3 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            out.splice(at..at, bytes);
        }
        // A run deleted.
        4 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            out.drain(at..at + n);
        }
        // Cut short.
        5 if len > 0 => out.truncate(rng.below(len)),
        // An integer overwritten, 1, 2, 4 or 8 bytes, either byte order, possibly near a boundary.
        6 | 7 if len > 0 => {
            let width = [1, 2, 4, 8][rng.below(4)];
            let at = rng.below(len);
            let mut value = INTERESTING_INTS[rng.below(INTERESTING_INTS.len())];
            if rng.chance(3) {
                value = value.wrapping_add(rng.below(33) as u64).wrapping_sub(16);
            }
            let bytes = if rng.chance(2) { value.to_be_bytes() } else { value.to_le_bytes() };
            let bytes = if rng.chance(2) { &bytes[8 - width..] } else { &bytes[..width] };
            for (i, b) in bytes.iter().enumerate() {
                if let Some(slot) = out.get_mut(at + i) {
                    *slot = *b;
                }
            }
        }
        // A piece of another input spliced in, replacing or inserted.
        8 if !others.is_empty() => {
            let other = &others[rng.below(others.len())];
            if other.is_empty() {
                return;
            }
            let from = rng.below(other.len());
            let piece = &other[from..from + 1 + rng.below((other.len() - from).min(256))];
            let at = rng.below(len + 1);
            let end = if rng.chance(2) { (at + piece.len()).min(len) } else { at };
            out.splice(at..end, piece.iter().copied());
        }
        // A run repeated: counts and lengths that no longer match what follows.
        9 if len > 0 => {
            let at = rng.below(len);
            let piece: Vec<u8> = out[at..at + 1 + rng.below((len - at).min(32))].to_vec();
            let times = 1 + rng.below(8);
            let insert_at = rng.below(len + 1);
            out.splice(insert_at..insert_at, piece.iter().copied().cycle().take(piece.len() * times));
        }
        // Two bytes swapped.
        _ if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            out.swap(a, b);
        }
        _ => out.push(rng.next_u64() as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_inputs_and_respect_the_length_limit() {
        let mut rng = Rng::new(7);
        let seed = b"the quick brown fox jumps over the lazy dog".to_vec();
        let mut changed = 0;
        for _ in 0..1_000 {
            let m = mutate(&mut rng, &seed, std::slice::from_ref(&seed), 48);
            assert!(m.len() <= 48);
            changed += usize::from(m != seed);
        }
        assert!(changed > 900, "only {changed} of 1000 mutations changed the input");
    }
}
