//! The `taxi` generator: seeded synthetic trips shaped like the NYC taxi trip records.
//!
//! Pick-up and drop-off points lie in a box around New York City (longitude -74.05 to -73.75,
//! latitude 40.60 to 40.90). The trip distance is the great-circle distance times a road factor
//! from 1.2 to 1.5 (so never shorter than the straight line); the duration follows from a speed
//! of 8 to 25 mph, kept between 2 and 60 minutes; the fare is
//! `3.00 + 2.50 per mile + 0.50 per minute`.

use std::fmt::Write as _;

use super::rng::SplitMix64;
use super::time::write_iso8601_utc;
use super::writer::{Generator, RecordWriter};

/// Field names, in order.
pub const FIELDS: [&str; 12] = [
    "trip_id",
    "vendor_id",
    "pickup_datetime",
    "dropoff_datetime",
    "passenger_count",
    "pickup_longitude",
    "pickup_latitude",
    "dropoff_longitude",
    "dropoff_latitude",
    "trip_distance",
    "fare_amount",
    "payment_type",
];

/// Longitude range of the pick-up and drop-off points.
pub const LONGITUDE: (f64, f64) = (-74.05, -73.75);
/// Latitude range of the pick-up and drop-off points.
pub const LATITUDE: (f64, f64) = (40.60, 40.90);

/// Great-circle distance in miles between two points given in degrees.
#[must_use]
pub fn haversine_miles(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    const EARTH_RADIUS_MILES: f64 = 3958.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_MILES * a.sqrt().min(1.0).asin()
}

/// Seeded taxi trips.
#[derive(Debug, Clone)]
pub struct TaxiGenerator {
    rng: SplitMix64,
    seed: u64,
    trips: u64,
    scratch: String,
}

impl TaxiGenerator {
    /// A generator seeded with `seed`: the same seed gives the same trips (apart from times).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed ^ 0x7AC1_7AC1_7AC1_7AC1),
            seed,
            trips: 0,
            scratch: String::with_capacity(32),
        }
    }

    fn between(&mut self, (lo, hi): (f64, f64)) -> f64 {
        lo + (hi - lo) * self.rng.unit()
    }
}

impl Generator for TaxiGenerator {
    fn fields(&self) -> &'static [&'static str] {
        &FIELDS
    }

    fn write(&mut self, unix_millis: u64, w: &mut RecordWriter) {
        self.trips += 1;
        let vendor = 1 + self.rng.below(2);
        let passengers = 1 + self.rng.below(6);
        let (plon, plat) = (self.between(LONGITUDE), self.between(LATITUDE));
        // Drop-off within about 7 miles, inside the box.
        let dlon = (plon + self.between((-0.12, 0.12))).clamp(LONGITUDE.0, LONGITUDE.1);
        let dlat = (plat + self.between((-0.09, 0.09))).clamp(LATITUDE.0, LATITUDE.1);
        // Round the coordinates first so the distance is consistent with what is written.
        let r6 = |v: f64| (v * 1e6).round() / 1e6;
        let (plon, plat, dlon, dlat) = (r6(plon), r6(plat), r6(dlon), r6(dlat));
        let straight = haversine_miles(plon, plat, dlon, dlat);
        let factor = self.between((1.2, 1.5));
        // Rounded up to the cent of a mile, so never below the straight line.
        let distance = (straight * factor * 100.0).ceil() / 100.0;
        let mph = self.between((8.0, 25.0));
        let minutes = (distance / mph * 60.0).clamp(2.0, 60.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let duration_ms = (minutes * 60_000.0) as u64;
        let fare = 3.00 + 2.50 * distance + 0.50 * minutes;
        let payment = if self.rng.below(10) < 7 { "CRD" } else { "CSH" };

        let s = &mut self.scratch;
        s.clear();
        let _ = write!(s, "{:08x}-{:010}", self.seed & 0xffff_ffff, self.trips);
        w.text("trip_id", s);
        s.clear();
        let _ = write!(s, "{vendor}");
        w.number("vendor_id", s);
        s.clear();
        write_iso8601_utc(s, unix_millis);
        w.text("pickup_datetime", s);
        s.clear();
        write_iso8601_utc(s, unix_millis.saturating_add(duration_ms));
        w.text("dropoff_datetime", s);
        s.clear();
        let _ = write!(s, "{passengers}");
        w.number("passenger_count", s);
        for (name, v) in [
            ("pickup_longitude", plon),
            ("pickup_latitude", plat),
            ("dropoff_longitude", dlon),
            ("dropoff_latitude", dlat),
        ] {
            s.clear();
            let _ = write!(s, "{v:.6}");
            w.number(name, s);
        }
        s.clear();
        let _ = write!(s, "{distance:.2}");
        w.number("trip_distance", s);
        s.clear();
        let _ = write!(s, "{fare:.2}");
        w.number("fare_amount", s);
        w.text("payment_type", payment);
    }
}
