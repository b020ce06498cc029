//! SplitMix64: a tiny deterministic pseudo-random generator (not for cryptography).

/// SplitMix64 state.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next pseudo-random value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`; 0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// A value in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        v
    }
}

/// Random partition keys: 16 lowercase hex characters from a seeded generator.
#[derive(Debug, Clone)]
pub struct RandomKeys(SplitMix64);

impl RandomKeys {
    /// Keys seeded from `seed` (a different sequence from the generators' own values).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(SplitMix64::new(seed ^ 0x5851_F42D_4C95_7F2D))
    }

    /// The next key.
    pub fn next_key(&mut self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let v = self.0.next_u64();
        let mut s = String::with_capacity(16);
        for i in (0..16).rev() {
            s.push(char::from(HEX[((v >> (i * 4)) & 0xf) as usize]));
        }
        s
    }
}
