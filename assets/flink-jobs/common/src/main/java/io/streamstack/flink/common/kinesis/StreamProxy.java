package io.streamstack.flink.common.kinesis;

import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;

/**
 * The Kinesis calls of the reader, behind an interface (as the Flink connector's stream proxy) so
 * that the reader is unit-tested with a fake: {@link KinesisStreamProxy} is the SDK one. Errors are
 * the SDK's exceptions ({@code ProvisionedThroughputExceededException}, {@code
 * ExpiredIteratorException}, ...).
 */
interface StreamProxy extends AutoCloseable {
    /** GetShardIterator of {@code shardId} at {@code position}. */
    String getShardIterator(String streamArn, String shardId, StartingPosition position);

    /** GetRecords with {@code iterator}, at most {@code limit} records. */
    GetRecordsResponse getRecords(String streamArn, String iterator, int limit);

    /**
     * Whether the stream still exists (DescribeStreamSummary): tells a shard that left the stream
     * (its records expired) from a stream that was deleted, when GetRecords answers
     * ResourceNotFound.
     */
    boolean streamExists(String streamArn);

    @Override
    void close();
}
