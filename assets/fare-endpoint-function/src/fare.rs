//! The deterministic fare model.
//!
//! ```text
//! distance_km  = haversine(pickup, dropoff), Earth mean radius 6371.0088 km
//! speed_kmh    = by pickup hour (UTC):  06-10 -> 20, 10-16 -> 24, 16-20 -> 18, 20-06 -> 32
//! duration_min = distance_km / speed_kmh * 60
//! surge        = 1.25 for 16:00-20:00 on weekdays (Mon-Fri),
//!                1.10 for 20:00-06:00 (every day),
//!                1.00 otherwise
//! fare (USD)   = round_cents((3.00 + 1.75 * distance_km + 0.50 * duration_min) * surge)
//! ```
//!
//! The fare is computed from the unrounded distance and duration; the
//! response rounds `distance_km` to 3 decimals and `duration_min` to 1.
//! Passenger count does not change the fare (as with NYC yellow cabs).

use crate::request::{FareRequest, UtcTime};
use serde::Serialize;

/// Base fare (flag drop), USD.
pub const BASE_FARE: f64 = 3.00;
/// Distance charge, USD per km.
pub const PER_KM: f64 = 1.75;
/// Time charge, USD per minute.
pub const PER_MIN: f64 = 0.50;
/// Earth mean radius in km (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// The quote returned to the caller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FareQuote {
    /// The request's `id`, echoed.
    pub id: String,
    /// Fare in USD, rounded to cents.
    pub fare: f64,
    /// Always `USD`.
    pub currency: &'static str,
    /// Great-circle distance in km, rounded to 3 decimals.
    pub distance_km: f64,
    /// Estimated trip duration in minutes, rounded to 1 decimal.
    pub duration_min: f64,
    /// Time-of-day factor applied to the fare.
    pub surge: f64,
}

/// Great-circle distance in km between two points given in decimal degrees.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dphi = (lat2 - lat1).to_radians();
    let dlambda = (lon2 - lon1).to_radians();
    let a = (dphi / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Average traffic speed in km/h for the pickup hour (UTC).
pub fn average_speed_kmh(hour: u8) -> f64 {
    match hour {
        6..=9 => 20.0,
        10..=15 => 24.0,
        16..=19 => 18.0,
        _ => 32.0,
    }
}

/// Time-of-day factor: 1.25 weekday evening rush, 1.10 overnight, else 1.00.
pub fn surge_factor(t: &UtcTime) -> f64 {
    let weekday = t.weekday < 5;
    match t.hour {
        16..=19 if weekday => 1.25,
        20..=23 | 0..=5 => 1.10,
        _ => 1.00,
    }
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}

/// Computes the quote for a validated request.
pub fn quote(req: &FareRequest) -> FareQuote {
    let distance_km = haversine_km(
        req.pickup_lat,
        req.pickup_lon,
        req.dropoff_lat,
        req.dropoff_lon,
    );
    let duration_min = distance_km / average_speed_kmh(req.pickup_time.hour) * 60.0;
    let surge = surge_factor(&req.pickup_time);
    let fare = (BASE_FARE + PER_KM * distance_km + PER_MIN * duration_min) * surge;
    FareQuote {
        id: req.id.clone(),
        fare: round_to(fare, 2),
        currency: "USD",
        distance_km: round_to(distance_km, 3),
        duration_min: round_to(duration_min, 1),
        surge,
    }
}
