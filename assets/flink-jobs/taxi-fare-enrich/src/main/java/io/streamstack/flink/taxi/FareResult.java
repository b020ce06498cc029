package io.streamstack.flink.taxi;

import java.util.Objects;

/**
 * What the async operator emits for a sampled ride: an enriched ride (one JSON line for results/)
 * or a failure record (one JSON line for errors/). A Flink POJO.
 */
public class FareResult {
    private String tripId;

    /** True for an enriched ride, false for a failure record. */
    private boolean enriched;

    /** The ride's pickup time (epoch ms): the event time that buckets results/. */
    private long pickupMillis;

    /** The JSON line (no trailing newline). */
    private String json;

    public FareResult() {}

    public FareResult(String tripId, boolean enriched, long pickupMillis, String json) {
        this.tripId = tripId;
        this.enriched = enriched;
        this.pickupMillis = pickupMillis;
        this.json = json;
    }

    public String getTripId() {
        return tripId;
    }

    public void setTripId(String tripId) {
        this.tripId = tripId;
    }

    public boolean isEnriched() {
        return enriched;
    }

    public void setEnriched(boolean enriched) {
        this.enriched = enriched;
    }

    public long getPickupMillis() {
        return pickupMillis;
    }

    public void setPickupMillis(long pickupMillis) {
        this.pickupMillis = pickupMillis;
    }

    public String getJson() {
        return json;
    }

    public void setJson(String json) {
        this.json = json;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FareResult r
                && enriched == r.enriched
                && pickupMillis == r.pickupMillis
                && Objects.equals(tripId, r.tripId)
                && Objects.equals(json, r.json);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tripId, enriched, pickupMillis, json);
    }

    @Override
    public String toString() {
        return (enriched ? "enriched " : "failed ") + json;
    }
}
