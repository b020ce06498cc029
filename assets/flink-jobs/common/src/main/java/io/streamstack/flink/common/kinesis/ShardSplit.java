package io.streamstack.flink.common.kinesis;

import java.util.List;
import java.util.Objects;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One shard of the stream and where to read it from. A {@code finished} split only tells the
 * enumerator that the shard was read to its end (see {@link KinesisSourceReader}).
 */
public final class ShardSplit implements SourceSplit {
    private final String streamArn;
    private final String shardId;
    private final List<String> parentShardIds;
    private final StartingPosition startingPosition;
    private final boolean finished;

    public ShardSplit(
            String streamArn,
            String shardId,
            List<String> parentShardIds,
            StartingPosition startingPosition,
            boolean finished) {
        this.streamArn = Objects.requireNonNull(streamArn);
        this.shardId = Objects.requireNonNull(shardId);
        this.parentShardIds = List.copyOf(parentShardIds);
        this.startingPosition = Objects.requireNonNull(startingPosition);
        this.finished = finished;
    }

    @Override
    public String splitId() {
        return shardId;
    }

    public String streamArn() {
        return streamArn;
    }

    public String shardId() {
        return shardId;
    }

    public List<String> parentShardIds() {
        return parentShardIds;
    }

    public StartingPosition startingPosition() {
        return startingPosition;
    }

    public boolean finished() {
        return finished;
    }

    ShardSplit withPosition(StartingPosition p) {
        return new ShardSplit(streamArn, shardId, parentShardIds, p, finished);
    }

    ShardSplit asFinished() {
        return new ShardSplit(streamArn, shardId, parentShardIds, startingPosition, true);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ShardSplit)) {
            return false;
        }
        ShardSplit s = (ShardSplit) o;
        return finished == s.finished
                && streamArn.equals(s.streamArn)
                && shardId.equals(s.shardId)
                && parentShardIds.equals(s.parentShardIds)
                && startingPosition.equals(s.startingPosition);
    }

    @Override
    public int hashCode() {
        return Objects.hash(streamArn, shardId, parentShardIds, startingPosition, finished);
    }

    @Override
    public String toString() {
        return "ShardSplit{"
                + shardId
                + " from "
                + startingPosition
                + (finished ? ", finished" : "")
                + "}";
    }
}
