package io.streamstack.flink.common.kinesis;

import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/**
 * {@link StreamProxy} over the SDK's Kinesis client; closing it closes the client and its
 * credentials.
 */
final class KinesisStreamProxy implements StreamProxy {
    private final KinesisSourceOptions.Clients clients;
    private final KinesisClient kinesis;

    KinesisStreamProxy(KinesisSourceOptions.Clients clients) {
        this.clients = clients;
        this.kinesis = clients.kinesis;
    }

    @Override
    public String getShardIterator(String streamArn, String shardId, StartingPosition position) {
        GetShardIteratorRequest.Builder b =
                GetShardIteratorRequest.builder().streamARN(streamArn).shardId(shardId);
        return kinesis.getShardIterator(position.apply(b).build()).shardIterator();
    }

    @Override
    public GetRecordsResponse getRecords(String streamArn, String iterator, int limit) {
        return kinesis.getRecords(b -> b.streamARN(streamArn).shardIterator(iterator).limit(limit));
    }

    @Override
    public boolean streamExists(String streamArn) {
        try {
            kinesis.describeStreamSummary(b -> b.streamARN(streamArn));
            return true;
        } catch (ResourceNotFoundException e) {
            return false;
        }
    }

    @Override
    public void close() {
        clients.close();
    }
}
