package io.streamstack.flink.common.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Issue 19, defect 3: the reader stays within the Kinesis read limits. Against {@link
 * FakeStreamProxy} on a {@link FakeClock}: every figure is a count of calls at simulated times,
 * never a measured duration.
 */
class ShardSplitReaderTest {
    static final ShardSplitReader.Settings DEFAULTS =
            new ShardSplitReader.Settings(10_000, 200, 250, 300_000, 200, 10_000);

    final FakeClock clock = new FakeClock();
    final FakeStreamProxy proxy = new FakeStreamProxy(clock);
    final Map<String, List<String>> read = new HashMap<>();
    final List<String> finished = new ArrayList<>();
    final Map<String, Long> lag = new HashMap<>();

    ShardSplitReader reader(ShardSplitReader.Settings settings, String... shards) {
        return reader(proxy, settings, clock, 7, lag::put, shards);
    }

    /**
     * A reader of {@code proxy} on {@code clock}, its jitter drawn from {@code seed}, with {@code
     * shards} assigned from TRIM_HORIZON.
     */
    static ShardSplitReader reader(
            FakeStreamProxy proxy,
            ShardSplitReader.Settings settings,
            FakeClock clock,
            long seed,
            ShardSplitReader.ShardListener listener,
            String... shards) {
        ShardSplitReader r =
                new ShardSplitReader(proxy, settings, clock, new SplittableRandom(seed), listener);
        List<ShardSplit> splits = new ArrayList<>();
        for (String id : shards) {
            proxy.shard(id);
            splits.add(
                    new ShardSplit(
                            FakeStreamProxy.ARN,
                            id,
                            List.of(),
                            StartingPosition.trimHorizon(),
                            false));
        }
        r.handleSplitsChanges(new SplitsAddition<>(splits));
        return r;
    }

    /** Fetches until the simulated clock reaches {@code untilMillis}, keeping what was read. */
    void runUntil(ShardSplitReader r, long untilMillis) throws IOException {
        while (clock.now < untilMillis) {
            RecordsWithSplitIds<Record> batch = r.fetch();
            String split;
            while ((split = batch.nextSplit()) != null) {
                Record rec;
                while ((rec = batch.nextRecordFromSplit()) != null) {
                    read.computeIfAbsent(split, k -> new ArrayList<>()).add(rec.sequenceNumber());
                }
            }
            finished.addAll(batch.finishedSplits());
        }
    }

    /** The most GetRecords calls of the shard within any one second (a sliding window). */
    static int maxCallsInAnySecond(List<Long> calls) {
        int max = 0;
        for (int i = 0, j = 0; i < calls.size(); i++) {
            while (calls.get(i) - calls.get(j) >= 1000) {
                j++;
            }
            max = Math.max(max, i - j + 1);
        }
        return max;
    }

    static List<String> sequence(int from, int to) {
        List<String> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add(Long.toString(1000 + i));
        }
        return l;
    }

    @Test
    void aBusyShardIsReadAtMostFiveTimesASecondAndEveryRecordOnce() throws IOException {
        ShardSplitReader r = reader(DEFAULTS, "shardId-0", "shardId-1");
        for (FakeStreamProxy.Shard s : proxy.shards.values()) {
            s.ratePerSecond = 1000;
        }
        runUntil(r, 60_000);
        for (FakeStreamProxy.Shard s : proxy.shards.values()) {
            assertThat(maxCallsInAnySecond(s.getRecordsCalls))
                    .as(
                            "defect 3: GetRecords calls of %s within one second under 1,000 records/s (AWS allows 5)",
                            s.id)
                    .isLessThanOrEqualTo(5);
            assertThat(s.getRecordsCalls.size())
                    .as("the shard keeps being read")
                    .isGreaterThan(250);
            List<String> got = read.get(s.id);
            assertThat(got).as("every record once, in order").isEqualTo(sequence(0, got.size()));
            assertThat(got.size()).as("the reader keeps up with the shard").isGreaterThan(59_000);
        }
        assertThat(proxy.getShardIteratorCalls).isEqualTo(2);
    }

    @Test
    void anIdleShardWaitsTheEmptyIntervalBetweenCalls() throws IOException {
        ShardSplitReader r = reader(DEFAULTS, "shardId-0");
        runUntil(r, 10_000);
        List<Long> calls = proxy.shard("shardId-0").getRecordsCalls;
        for (int i = 1; i < calls.size(); i++) {
            assertThat(calls.get(i) - calls.get(i - 1)).isGreaterThanOrEqualTo(250);
        }
    }

    @Test
    void aLargeAnswerIsFollowedByAWaitProportionalToItsBytes() throws IOException {
        ShardSplitReader r = reader(DEFAULTS, "shardId-0");
        FakeStreamProxy.Shard s = proxy.shard("shardId-0");
        s.append(
                10,
                1024 * 1024); // one 10 MiB answer: AWS throttles the shard's reads for about 5 s
        // after it
        s.append(5, 100);
        runUntil(r, 20_000);
        List<Long> calls = s.getRecordsCalls;
        assertThat(calls.get(1) - calls.get(0))
                .as("defect 3: wait after a 10 MiB answer (10 MiB at 2 MiB/s per shard)")
                .isGreaterThanOrEqualTo(5_000);
        assertThat(read.get("shardId-0")).isEqualTo(sequence(0, 15));
    }

    @Test
    void throttlingKeepsTheIteratorAndBacksOffWithinTheBudget() throws IOException {
        ShardSplitReader r = reader(DEFAULTS, "shardId-0");
        FakeStreamProxy.Shard s = proxy.shard("shardId-0");
        s.append(100, 100);
        // Every call is throttled for the first two minutes (under the 5 min budget).
        proxy.fault = sh -> clock.now < 120_000 ? FakeStreamProxy.throttled() : null;
        runUntil(r, 180_000);
        assertThat(proxy.getShardIteratorCalls)
                .as("defect 3: the iterator is kept on ProvisionedThroughputExceeded")
                .isEqualTo(1);
        long throttledCalls = s.getRecordsCalls.stream().filter(t -> t < 120_000).count();
        assertThat(s.iteratorsUsed.subList(0, (int) throttledCalls))
                .as("every throttled retry with the same iterator")
                .containsOnly(s.iteratorsUsed.get(0));
        assertThat(throttledCalls).as("backed off, up to 10 s between retries").isBetween(12L, 40L);
        assertThat(read.get("shardId-0"))
                .as("no record lost or repeated")
                .isEqualTo(sequence(0, 100));
    }

    @Test
    void throttlingWithoutABreakFailsTheJobAfterTheBudgetNotBefore() throws IOException {
        ShardSplitReader r = reader(DEFAULTS, "shardId-0");
        proxy.shard("shardId-0").append(10, 100);
        proxy.fault = sh -> FakeStreamProxy.throttled();
        runUntil(r, 299_000);
        assertThatThrownBy(() -> runUntil(r, 320_000))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("source.shard.get-records.failure-budget")
                .hasMessageContaining("shardId-0");
        assertThat(clock.now)
                .as("failed once the 5 min budget was spent")
                .isBetween(300_000L, 311_000L);
    }

    @Test
    void anExpiredIteratorIsRenewedAfterTheLastRecordRead() throws IOException {
        FakeStreamProxy.Shard s = proxy.shard("shardId-0");
        s.append(30, 100);
        proxy.iteratorLifetimeMillis = 1_000;
        ShardSplitReader.Settings tenPerCall =
                new ShardSplitReader.Settings(10, 200, 250, 300_000, 200, 10_000);
        ShardSplitReader r = reader(proxy, tenPerCall, clock, 1, lag::put, "shardId-0");
        runUntil(r, 100);
        // A pause longer than the iterator's life (the job was back-pressured) before the next
        // read.
        clock.now += 5_000;
        runUntil(r, 20_000);
        assertThat(s.iteratorRequests)
                .as("defect 3: renewed after the last record read")
                .contains(StartingPosition.afterSequenceNumber("1009"));
        assertThat(read.get("shardId-0")).isEqualTo(sequence(0, 30));
    }

    @Test
    void aClosedShardIsReadToItsEndAndFinished() throws IOException {
        ShardSplitReader r = reader(DEFAULTS, "shardId-0");
        FakeStreamProxy.Shard s = proxy.shard("shardId-0");
        s.append(7, 100);
        s.closed = true;
        runUntil(r, 5_000);
        assertThat(finished).containsExactly("shardId-0");
        assertThat(read.get("shardId-0")).isEqualTo(sequence(0, 7));
        int calls = s.getRecordsCalls.size();
        runUntil(r, 10_000);
        assertThat(s.getRecordsCalls).as("a finished shard is not read again").hasSize(calls);
    }

    @Test
    void errorsNoRetryFixesFailAtOnceNamingTheCause() throws IOException {
        for (String code :
                List.of(
                        "AccessDeniedException",
                        "KMSAccessDeniedException",
                        "KMSDisabledException",
                        "KMSNotFoundException",
                        "KMSInvalidStateException",
                        "InvalidArgumentException")) {
            FakeClock c = new FakeClock();
            FakeStreamProxy p = new FakeStreamProxy(c);
            p.shard("shardId-0").append(3, 10);
            p.fault = sh -> FakeStreamProxy.serviceError(code);
            ShardSplitReader r = reader(p, DEFAULTS, c, 1, (a, b) -> {}, "shardId-0");
            assertThatThrownBy(r::fetch)
                    .as("defect 3: %s fails at once", code)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(code)
                    .hasMessageContaining("A retry cannot fix this");
            assertThat(p.shard("shardId-0").getRecordsCalls).hasSize(1);
        }
    }

    @Test
    void aDeletedStreamFailsButAShardThatLeftTheStreamIsFinished() throws IOException {
        ShardSplitReader r = reader(DEFAULTS, "shardId-0");
        proxy.fault =
                sh ->
                        software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException
                                .builder()
                                .message("Shard shardId-0 in stream fake does not exist")
                                .build();
        runUntil(r, 1_000);
        assertThat(finished).containsExactly("shardId-0");

        FakeClock c = new FakeClock();
        FakeStreamProxy gone = new FakeStreamProxy(c);
        gone.shard("shardId-0");
        gone.streamExists = false;
        gone.fault = proxy.fault;
        ShardSplitReader r2 = reader(gone, DEFAULTS, c, 1, (a, b) -> {}, "shardId-0");
        assertThatThrownBy(r2::fetch)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("does not exist");

        // When whether the stream exists cannot be told, the shard is retried, never taken for
        // finished.
        FakeClock c3 = new FakeClock();
        FakeStreamProxy unsure = new FakeStreamProxy(c3);
        unsure.shard("shardId-0").append(4, 10);
        unsure.streamExistsError = FakeStreamProxy.throttled();
        int[] calls = {0};
        unsure.fault = sh -> calls[0]++ == 0 ? proxy.fault.apply(sh) : null;
        ShardSplitReader r3 = reader(unsure, DEFAULTS, c3, 1, (a, b) -> {}, "shardId-0");
        List<String> got = new ArrayList<>();
        while (c3.now < 5_000) {
            RecordsWithSplitIds<Record> batch = r3.fetch();
            assertThat(batch.finishedSplits()).isEmpty();
            while (batch.nextSplit() != null) {
                Record rec;
                while ((rec = batch.nextRecordFromSplit()) != null) {
                    got.add(rec.sequenceNumber());
                }
            }
        }
        assertThat(got).isEqualTo(sequence(0, 4));
    }

    @Test
    void transientErrorsKeepTheIteratorAndTheLagGaugeIsFed() throws IOException {
        ShardSplitReader r = reader(DEFAULTS, "shardId-0");
        FakeStreamProxy.Shard s = proxy.shard("shardId-0");
        s.append(50, 100);
        int[] n = {0};
        proxy.fault =
                sh -> n[0]++ % 3 == 0 ? FakeStreamProxy.serviceError("InternalFailure") : null;
        runUntil(r, 30_000);
        assertThat(proxy.getShardIteratorCalls).isEqualTo(1);
        assertThat(read.get("shardId-0")).isEqualTo(sequence(0, 50));
        assertThat(lag).containsEntry("shardId-0", 0L);
    }
}
