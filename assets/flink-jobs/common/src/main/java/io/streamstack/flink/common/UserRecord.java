package io.streamstack.flink.common;

import java.util.Arrays;
import java.util.Objects;

/** One user record of a Kinesis record: the record itself, or one of a KPL aggregate's records. */
public final class UserRecord {
    private final String partitionKey;
    private final String explicitHashKey;
    private final byte[] data;
    private final long subSequence;
    private final boolean aggregated;

    public UserRecord(
            String partitionKey,
            String explicitHashKey,
            byte[] data,
            long subSequence,
            boolean aggregated) {
        this.partitionKey = partitionKey;
        this.explicitHashKey = explicitHashKey;
        this.data = Objects.requireNonNull(data, "data");
        this.subSequence = subSequence;
        this.aggregated = aggregated;
    }

    public String partitionKey() {
        return partitionKey;
    }

    /** The explicit hash key, or null. */
    public String explicitHashKey() {
        return explicitHashKey;
    }

    /** The user data (not copied: do not change it). */
    public byte[] data() {
        return data;
    }

    /** The index in the aggregate (0 for a plain record). */
    public long subSequence() {
        return subSequence;
    }

    /** True when the record came out of a KPL aggregate. */
    public boolean aggregated() {
        return aggregated;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof UserRecord)) {
            return false;
        }
        UserRecord r = (UserRecord) o;
        return subSequence == r.subSequence
                && aggregated == r.aggregated
                && Objects.equals(partitionKey, r.partitionKey)
                && Objects.equals(explicitHashKey, r.explicitHashKey)
                && Arrays.equals(data, r.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(partitionKey, explicitHashKey, subSequence, aggregated) * 31
                + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "UserRecord{pk="
                + partitionKey
                + ", ehk="
                + explicitHashKey
                + ", sub="
                + subSequence
                + ", aggregated="
                + aggregated
                + ", bytes="
                + data.length
                + "}";
    }
}
