package io.streamstack.flink.etl;

import io.streamstack.flink.common.Json;

import java.util.Locale;

/** Deterministic taxi trips shaped like the producer's {@code taxi} generator writes them (test data). */
final class TaxiTrips {
    private TaxiTrips() {}

    /** One trip: its values as the Parquet files must hold them. */
    record Trip(String tripId, int vendorId, long pickup, long dropoff, int passengers, double pickupLon, double pickupLat,
            double dropoffLon, double dropoffLat, double distance, double fare, String payment) {
        String json() {
            return String.format(Locale.ROOT, "{\"trip_id\":\"%s\",\"vendor_id\":%d,\"pickup_datetime\":\"%s\","
                            + "\"dropoff_datetime\":\"%s\",\"passenger_count\":%d,\"pickup_longitude\":%.6f,"
                            + "\"pickup_latitude\":%.6f,\"dropoff_longitude\":%.6f,\"dropoff_latitude\":%.6f,"
                            + "\"trip_distance\":%.2f,\"fare_amount\":%.2f,\"payment_type\":\"%s\"}",
                    tripId, vendorId, Json.isoMillis(pickup), Json.isoMillis(dropoff), passengers, pickupLon, pickupLat,
                    dropoffLon, dropoffLat, distance, fare, payment);
        }
    }

    /** Trip number {@code i}, picked up {@code i * stepMillis} after {@code t0}. */
    static Trip trip(long i, long t0, long stepMillis) {
        long pickup = t0 + i * stepMillis;
        double distance = Math.round((1 + (i * 37 % 900) / 100.0) * 100) / 100.0;
        long minutes = 2 + i % 40;
        double fare = Math.round((3.0 + 2.5 * distance + 0.5 * minutes) * 100) / 100.0;
        return new Trip(String.format("0000002a-%010d", i), 1 + (int) (i % 2), pickup, pickup + minutes * 60_000,
                1 + (int) (i % 6), round6(-74.05 + (i % 300) * 0.001), round6(40.6 + (i % 280) * 0.001),
                round6(-73.95 + (i % 150) * 0.001), round6(40.7 + (i % 170) * 0.001), distance, fare,
                i % 10 < 7 ? "CRD" : "CSH");
    }

    private static double round6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
