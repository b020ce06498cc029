package io.streamstack.flink.taxi;

import java.util.Objects;

/**
 * One taxi ride as written by the producer's {@code taxi} generator.
 *
 * <p>A Flink POJO (public fields, public no-argument constructor), so the async operator can keep
 * in-flight rides in its checkpointed state with the POJO serializer. The JSON names are the
 * generator's snake_case field names; {@link TaxiRides} converts both ways.
 */
public class TaxiRide {
    public String tripId;
    public int vendorId;
    /** As written by the producer (RFC 3339, UTC). */
    public String pickupDatetime;
    public String dropoffDatetime;
    public int passengerCount;
    public double pickupLongitude;
    public double pickupLatitude;
    public double dropoffLongitude;
    public double dropoffLatitude;
    public double tripDistance;
    public double fareAmount;
    public String paymentType;
    /** {@link #pickupDatetime} as epoch milliseconds: the event time the results are bucketed by. */
    public long pickupMillis;

    public TaxiRide() {}

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TaxiRide)) {
            return false;
        }
        TaxiRide r = (TaxiRide) o;
        return vendorId == r.vendorId
                && passengerCount == r.passengerCount
                && Double.compare(pickupLongitude, r.pickupLongitude) == 0
                && Double.compare(pickupLatitude, r.pickupLatitude) == 0
                && Double.compare(dropoffLongitude, r.dropoffLongitude) == 0
                && Double.compare(dropoffLatitude, r.dropoffLatitude) == 0
                && Double.compare(tripDistance, r.tripDistance) == 0
                && Double.compare(fareAmount, r.fareAmount) == 0
                && pickupMillis == r.pickupMillis
                && Objects.equals(tripId, r.tripId)
                && Objects.equals(pickupDatetime, r.pickupDatetime)
                && Objects.equals(dropoffDatetime, r.dropoffDatetime)
                && Objects.equals(paymentType, r.paymentType);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tripId, pickupDatetime, vendorId, passengerCount);
    }

    @Override
    public String toString() {
        return "TaxiRide{" + tripId + " " + pickupDatetime + "}";
    }
}
