package io.streamstack.flink.common.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/** What a stream holds, read back by the tests that check what a job or the producer wrote. */
public final class StreamRecords {
    private StreamRecords() {}

    /**
     * Every shard's records (Kinesis records, not de-aggregated) from TRIM_HORIZON up to the first
     * empty answer, by shard id in the order ListShards gives the shards; a shard without records
     * is left out.
     */
    public static Map<String, List<Record>> readAll(KinesisClient kinesis, String streamArn) {
        Map<String, List<Record>> byShard = new LinkedHashMap<>();
        for (Shard shard : kinesis.listShards(b -> b.streamARN(streamArn)).shards()) {
            String it =
                    kinesis.getShardIterator(
                                    b ->
                                            b.streamARN(streamArn)
                                                    .shardId(shard.shardId())
                                                    .shardIteratorType(
                                                            ShardIteratorType.TRIM_HORIZON))
                            .shardIterator();
            while (it != null) {
                String current = it;
                GetRecordsResponse r =
                        kinesis.getRecords(
                                b -> b.streamARN(streamArn).shardIterator(current).limit(10_000));
                if (!r.records().isEmpty()) {
                    byShard.computeIfAbsent(shard.shardId(), k -> new ArrayList<>())
                            .addAll(r.records());
                }
                it = r.records().isEmpty() ? null : r.nextShardIterator();
            }
        }
        return byShard;
    }
}
