package io.streamstack.flink.taxi;

import java.util.Objects;

/**
 * What the async operator emits for a sampled ride: an enriched ride (one JSON line for results/)
 * or a failure record (one JSON line for errors/). A Flink POJO.
 */
public class FareResult {
    public String tripId;
    /** True for an enriched ride, false for a failure record. */
    public boolean enriched;
    /** The ride's pickup time (epoch ms): the event time that buckets results/. */
    public long pickupMillis;
    /** The JSON line (no trailing newline). */
    public String json;

    public FareResult() {}

    public FareResult(String tripId, boolean enriched, long pickupMillis, String json) {
        this.tripId = tripId;
        this.enriched = enriched;
        this.pickupMillis = pickupMillis;
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
