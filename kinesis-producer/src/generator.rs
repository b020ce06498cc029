//! Deterministic (seeded) record generators.

/// Tickers of the seed's demo schema.
pub const TICKERS: [&str; 5] = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];

/// SplitMix64: a tiny deterministic pseudo-random generator (not for cryptography).
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
}

/// Formats seconds and milliseconds since the Unix epoch as ISO-8601 UTC
/// (`YYYY-MM-DDTHH:MM:SS.mmmZ`).
#[must_use]
pub fn iso8601_utc(unix_millis: u64) -> String {
    let secs = unix_millis / 1000;
    let millis = unix_millis % 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The `stock` generator: `{"EVENT_TIME": ..., "TICKER": ..., "PRICE": ...}` records.
#[derive(Debug, Clone)]
pub struct StockGenerator {
    rng: SplitMix64,
}

impl StockGenerator {
    /// A generator seeded with `seed`: the same seed gives the same tickers and prices.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
        }
    }

    /// The next record as a JSON line (no trailing newline) stamped with `unix_millis`,
    /// and its partition key (the ticker).
    pub fn next_record(&mut self, unix_millis: u64) -> (String, &'static str) {
        let ticker = TICKERS[usize::try_from(self.rng.next_u64() % 5).unwrap_or(0)];
        let cents = self.rng.next_u64() % 10_001;
        let json = format!(
            "{{\"EVENT_TIME\":\"{}\",\"TICKER\":\"{ticker}\",\"PRICE\":{}.{:02}}}",
            iso8601_utc(unix_millis),
            cents / 100,
            cents % 100
        );
        (json, ticker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_known_instants() {
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_utc(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601_utc(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
    }

    #[test]
    fn stock_is_seeded_and_in_schema() {
        let mut a = StockGenerator::new(7);
        let mut b = StockGenerator::new(7);
        for _ in 0..1000 {
            let (ra, ka) = a.next_record(0);
            let (rb, kb) = b.next_record(0);
            assert_eq!((&ra, ka), (&rb, kb));
            assert!(TICKERS.contains(&ka));
            assert!(ra.contains(&format!("\"TICKER\":\"{ka}\"")), "{ra}");
            let price: f64 = ra
                .rsplit("\"PRICE\":")
                .next()
                .and_then(|p| p.trim_end_matches('}').parse().ok())
                .unwrap_or(-1.0);
            assert!((0.0..=100.0).contains(&price), "{ra}");
        }
        let mut c = StockGenerator::new(8);
        assert_ne!(c.next_record(0), StockGenerator::new(7).next_record(0));
    }
}
