package io.streamstack.flink.etl;

import io.streamstack.flink.common.Json;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Deterministic taxi trips shaped like the producer's {@code taxi} generator writes them (test
 * data).
 */
final class TaxiTrips {
    private TaxiTrips() {}

    /** One trip: its values as the Parquet files must hold them. */
    record Trip(
            String tripId,
            int vendorId,
            long pickup,
            long dropoff,
            int passengers,
            double pickupLon,
            double pickupLat,
            double dropoffLon,
            double dropoffLat,
            double distance,
            double fare,
            String payment) {
        String json() {
            return String.format(
                    Locale.ROOT,
                    "{\"trip_id\":\"%s\",\"vendor_id\":%d,\"pickup_datetime\":\"%s\","
                            + "\"dropoff_datetime\":\"%s\",\"passenger_count\":%d,\"pickup_longitude\":%.6f,"
                            + "\"pickup_latitude\":%.6f,\"dropoff_longitude\":%.6f,\"dropoff_latitude\":%.6f,"
                            + "\"trip_distance\":%.2f,\"fare_amount\":%.2f,\"payment_type\":\"%s\"}",
                    tripId,
                    vendorId,
                    Json.isoMillis(pickup),
                    Json.isoMillis(dropoff),
                    passengers,
                    pickupLon,
                    pickupLat,
                    dropoffLon,
                    dropoffLat,
                    distance,
                    fare,
                    payment);
        }
    }

    /**
     * Trip number {@code i}, picked up {@code i * stepMillis} after {@code t0}; the other values
     * drawn from a generator seeded with {@code i}, as random as the producer's (so Parquet sizes
     * are not flattered).
     */
    static Trip trip(long i, long t0, long stepMillis) {
        SplittableRandom rnd = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
        long pickup = t0 + i * stepMillis;
        double pickupLon = round6(rnd.nextDouble(-74.05, -73.75));
        double pickupLat = round6(rnd.nextDouble(40.60, 40.90));
        double dropoffLon =
                round6(Math.min(-73.75, Math.max(-74.05, pickupLon + rnd.nextDouble(-0.12, 0.12))));
        double dropoffLat =
                round6(Math.min(40.90, Math.max(40.60, pickupLat + rnd.nextDouble(-0.09, 0.09))));
        double distance = Math.ceil(rnd.nextDouble(0.3, 12.0) * 100) / 100.0;
        long minutes = 2 + rnd.nextInt(58);
        double fare = Math.round((3.0 + 2.5 * distance + 0.5 * minutes) * 100) / 100.0;
        return new Trip(
                String.format("0000002a-%010d", i),
                1 + rnd.nextInt(2),
                pickup,
                pickup + minutes * 60_000,
                1 + rnd.nextInt(6),
                pickupLon,
                pickupLat,
                dropoffLon,
                dropoffLat,
                distance,
                fare,
                rnd.nextInt(10) < 7 ? "CRD" : "CSH");
    }

    private static double round6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
