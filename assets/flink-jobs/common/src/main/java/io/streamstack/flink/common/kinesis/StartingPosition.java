package io.streamstack.flink.common.kinesis;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/** Where a shard's reading starts. */
public final class StartingPosition implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The kinds of position. */
    public enum Kind {
        TRIM_HORIZON,
        LATEST,
        AT_TIMESTAMP,
        AFTER_SEQUENCE_NUMBER
    }

    private final Kind kind;
    private final String sequenceNumber;
    private final Instant timestamp;

    private StartingPosition(Kind kind, String sequenceNumber, Instant timestamp) {
        this.kind = kind;
        this.sequenceNumber = sequenceNumber;
        this.timestamp = timestamp;
    }

    public static StartingPosition trimHorizon() {
        return new StartingPosition(Kind.TRIM_HORIZON, null, null);
    }

    public static StartingPosition latest() {
        return new StartingPosition(Kind.LATEST, null, null);
    }

    public static StartingPosition atTimestamp(Instant t) {
        return new StartingPosition(Kind.AT_TIMESTAMP, null, Objects.requireNonNull(t));
    }

    public static StartingPosition afterSequenceNumber(String seq) {
        return new StartingPosition(Kind.AFTER_SEQUENCE_NUMBER, Objects.requireNonNull(seq), null);
    }

    public Kind kind() {
        return kind;
    }

    public String sequenceNumber() {
        return sequenceNumber;
    }

    public Instant timestamp() {
        return timestamp;
    }

    GetShardIteratorRequest.Builder apply(GetShardIteratorRequest.Builder b) {
        switch (kind) {
            case TRIM_HORIZON:
                return b.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
            case LATEST:
                return b.shardIteratorType(ShardIteratorType.LATEST);
            case AT_TIMESTAMP:
                return b.shardIteratorType(ShardIteratorType.AT_TIMESTAMP).timestamp(timestamp);
            case AFTER_SEQUENCE_NUMBER:
                return b.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER)
                        .startingSequenceNumber(sequenceNumber);
            default:
                throw new IllegalStateException(kind.toString());
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof StartingPosition)) {
            return false;
        }
        StartingPosition p = (StartingPosition) o;
        return kind == p.kind
                && Objects.equals(sequenceNumber, p.sequenceNumber)
                && Objects.equals(timestamp, p.timestamp);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, sequenceNumber, timestamp);
    }

    @Override
    public String toString() {
        switch (kind) {
            case AT_TIMESTAMP:
                return "AT_TIMESTAMP " + timestamp;
            case AFTER_SEQUENCE_NUMBER:
                return "AFTER_SEQUENCE_NUMBER " + sequenceNumber;
            default:
                return kind.toString();
        }
    }
}
