package io.streamstack.flink.common.kinesis;

/**
 * A split being read: the last sequence number handed downstream. Used by the reader thread only.
 */
final class ShardSplitState {
    private final ShardSplit split;
    private String lastEmittedSequenceNumber;

    ShardSplitState(ShardSplit split) {
        this.split = split;
    }

    ShardSplit split() {
        return split;
    }

    void emitted(String sequenceNumber) {
        this.lastEmittedSequenceNumber = sequenceNumber;
    }

    /** The split to checkpoint: it resumes after the last record handed downstream. */
    ShardSplit toSplit() {
        return lastEmittedSequenceNumber == null
                ? split
                : split.withPosition(
                        StartingPosition.afterSequenceNumber(lastEmittedSequenceNumber));
    }
}
