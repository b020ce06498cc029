package io.streamstack.flink.taxi;

import java.util.Objects;

/**
 * One taxi ride as written by the producer's {@code taxi} generator.
 *
 * <p>A Flink POJO (private fields with getters and setters, a public no-argument constructor), so
 * the async operator can keep in-flight rides in its checkpointed state with the POJO serializer.
 * The JSON names are the generator's snake_case field names; {@link TaxiRides} converts both ways.
 */
public class TaxiRide {
    private String tripId;
    private int vendorId;

    /** As written by the producer (RFC 3339, UTC). */
    private String pickupDatetime;

    private String dropoffDatetime;
    private int passengerCount;
    private double pickupLongitude;
    private double pickupLatitude;
    private double dropoffLongitude;
    private double dropoffLatitude;
    private double tripDistance;
    private double fareAmount;
    private String paymentType;

    /**
     * {@link #pickupDatetime} as epoch milliseconds: the event time the results are bucketed by.
     */
    private long pickupMillis;

    public TaxiRide() {}

    public String getTripId() {
        return tripId;
    }

    public void setTripId(String tripId) {
        this.tripId = tripId;
    }

    public int getVendorId() {
        return vendorId;
    }

    public void setVendorId(int vendorId) {
        this.vendorId = vendorId;
    }

    public String getPickupDatetime() {
        return pickupDatetime;
    }

    public void setPickupDatetime(String pickupDatetime) {
        this.pickupDatetime = pickupDatetime;
    }

    public String getDropoffDatetime() {
        return dropoffDatetime;
    }

    public void setDropoffDatetime(String dropoffDatetime) {
        this.dropoffDatetime = dropoffDatetime;
    }

    public int getPassengerCount() {
        return passengerCount;
    }

    public void setPassengerCount(int passengerCount) {
        this.passengerCount = passengerCount;
    }

    public double getPickupLongitude() {
        return pickupLongitude;
    }

    public void setPickupLongitude(double pickupLongitude) {
        this.pickupLongitude = pickupLongitude;
    }

    public double getPickupLatitude() {
        return pickupLatitude;
    }

    public void setPickupLatitude(double pickupLatitude) {
        this.pickupLatitude = pickupLatitude;
    }

    public double getDropoffLongitude() {
        return dropoffLongitude;
    }

    public void setDropoffLongitude(double dropoffLongitude) {
        this.dropoffLongitude = dropoffLongitude;
    }

    public double getDropoffLatitude() {
        return dropoffLatitude;
    }

    public void setDropoffLatitude(double dropoffLatitude) {
        this.dropoffLatitude = dropoffLatitude;
    }

    public double getTripDistance() {
        return tripDistance;
    }

    public void setTripDistance(double tripDistance) {
        this.tripDistance = tripDistance;
    }

    public double getFareAmount() {
        return fareAmount;
    }

    public void setFareAmount(double fareAmount) {
        this.fareAmount = fareAmount;
    }

    public String getPaymentType() {
        return paymentType;
    }

    public void setPaymentType(String paymentType) {
        this.paymentType = paymentType;
    }

    public long getPickupMillis() {
        return pickupMillis;
    }

    public void setPickupMillis(long pickupMillis) {
        this.pickupMillis = pickupMillis;
    }

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
