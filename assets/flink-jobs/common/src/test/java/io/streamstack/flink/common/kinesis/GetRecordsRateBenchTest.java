package io.streamstack.flink.common.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * The benchmark line of issue 19, defect 3: GetRecords calls per shard per second while reading
 * 1,000 records/s per shard. The reader with its default options against {@link FakeStreamProxy} on
 * a simulated clock (4 shards, 100-byte records, 10 simulated minutes): the figure is a count of
 * calls, exact and the same on every machine. It runs with the unit tests ({@code mvn test}) and
 * prints one line starting with {@code BENCH}.
 */
class GetRecordsRateBenchTest {
    @Test
    void getRecordsCallsPerShardPerSecondAtOneThousandRecordsPerSecond() throws Exception {
        int shards = 4;
        long millis = 600_000;
        FakeClock clock = new FakeClock();
        FakeStreamProxy proxy = new FakeStreamProxy(clock);
        List<ShardSplit> splits = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            FakeStreamProxy.Shard s = proxy.shard("shardId-" + i);
            s.ratePerSecond = 1000;
            splits.add(
                    new ShardSplit(
                            FakeStreamProxy.ARN,
                            s.id,
                            List.of(),
                            StartingPosition.trimHorizon(),
                            false));
        }
        ShardSplitReader.Settings defaults =
                ShardSplitReader.Settings.from(new org.apache.flink.configuration.Configuration());
        ShardSplitReader reader =
                new ShardSplitReader(proxy, defaults, clock, new SplittableRandom(1), (a, b) -> {});
        reader.handleSplitsChanges(new SplitsAddition<>(splits));
        long records = 0;
        while (clock.now < millis) {
            RecordsWithSplitIds<Record> batch = reader.fetch();
            while (batch.nextSplit() != null) {
                while (batch.nextRecordFromSplit() != null) {
                    records++;
                }
            }
        }
        long calls = 0;
        int maxInAnySecond = 0;
        for (FakeStreamProxy.Shard s : proxy.shards.values()) {
            calls += s.getRecordsCalls.size();
            maxInAnySecond =
                    Math.max(
                            maxInAnySecond,
                            ShardSplitReaderTest.maxCallsInAnySecond(s.getRecordsCalls));
        }
        double perShardPerSecond = calls / (double) shards / (millis / 1000.0);
        System.out.println(
                String.format(
                        Locale.ROOT,
                        "BENCH getrecords_calls_per_shard_per_second=%.2f max_in_any_second=%d records_per_shard_per_second=%.0f"
                                + " (reader defaults, %d shards at 1,000 records/s each, %d s simulated)",
                        perShardPerSecond,
                        maxInAnySecond,
                        records / (double) shards / (millis / 1000.0),
                        shards,
                        millis / 1000));
        assertThat(perShardPerSecond)
                .as("defect 3: GetRecords calls per shard per second")
                .isLessThanOrEqualTo(5.0);
        assertThat(maxInAnySecond).isLessThanOrEqualTo(5);
        assertThat(records)
                .as("the reader keeps up")
                .isGreaterThan(shards * 990L * (millis / 1000));
    }
}
