//! The `stock` generator: the seed's demo schema `{"EVENT_TIME","TICKER","PRICE"}`.

use std::fmt::Write as _;

use super::rng::SplitMix64;
use super::time::write_iso8601_utc;
use super::writer::{Generator, RecordWriter};

/// Tickers of the seed's demo schema.
pub const TICKERS: [&str; 5] = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"];

/// Field names, in order.
pub const FIELDS: [&str; 3] = ["EVENT_TIME", "TICKER", "PRICE"];

/// Seeded stock ticks: a ticker from [`TICKERS`] and a price from 0.00 to 100.00.
#[derive(Debug, Clone)]
pub struct StockGenerator {
    rng: SplitMix64,
    scratch: String,
}

impl StockGenerator {
    /// A generator seeded with `seed`: the same seed gives the same tickers and prices.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            scratch: String::with_capacity(24),
        }
    }
}

impl Generator for StockGenerator {
    fn fields(&self) -> &'static [&'static str] {
        &FIELDS
    }

    fn write(&mut self, unix_millis: u64, w: &mut RecordWriter) {
        let ticker = TICKERS[usize::try_from(self.rng.below(5)).unwrap_or(0)];
        let cents = self.rng.below(10_001);
        self.scratch.clear();
        write_iso8601_utc(&mut self.scratch, unix_millis);
        w.text("EVENT_TIME", &self.scratch);
        w.text("TICKER", ticker);
        self.scratch.clear();
        let _ = write!(self.scratch, "{}.{:02}", cents / 100, cents % 100);
        w.number("PRICE", &self.scratch);
    }
}
