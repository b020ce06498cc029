package io.streamstack.flink.common.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * Shard discovery, balancing, parents before children, LATEST, failover and restore, without
 * Kinesis.
 */
class ShardEnumeratorTest {
    static final String ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s";

    /**
     * A first start (nothing restored) with the default options, listing shards with {@code
     * lister}.
     */
    static ShardEnumerator enumerator(FakeContext ctx, ShardEnumerator.ShardLister lister) {
        return new ShardEnumerator(ctx, ARN, new Configuration(), null, lister);
    }

    /** Runs async calls when asked; records assignments and events. */
    static final class FakeContext implements SplitEnumeratorContext<ShardSplit> {
        final Map<Integer, ReaderInfo> readers = new TreeMap<>();
        final Map<Integer, List<ShardSplit>> assigned = new TreeMap<>();
        final List<SourceEvent> events = new ArrayList<>();
        final List<Runnable> calls = new ArrayList<>();
        final int parallelism;

        FakeContext(int parallelism) {
            this.parallelism = parallelism;
        }

        void register(int subtask) {
            readers.put(subtask, new ReaderInfo(subtask, "localhost"));
        }

        /** One discovery round (what the periodic call would do). */
        void discover() {
            List<Runnable> now = new ArrayList<>(calls.subList(0, 1));
            calls.subList(1, calls.size()).clear();
            now.forEach(Runnable::run);
        }

        void runExtraCalls() {
            List<Runnable> extra = new ArrayList<>(calls.subList(1, calls.size()));
            calls.subList(1, calls.size()).clear();
            extra.forEach(Runnable::run);
        }

        Map<Integer, List<String>> shardsByReader() {
            Map<Integer, List<String>> m = new TreeMap<>();
            assigned.forEach(
                    (r, splits) ->
                            m.put(
                                    r,
                                    splits.stream()
                                            .map(ShardSplit::shardId)
                                            .collect(Collectors.toList())));
            return m;
        }

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            throw new UnsupportedOperationException("the enumerator registers no metrics");
        }

        @Override
        public void sendEventToSourceReader(int subtaskId, SourceEvent event) {
            events.add(event);
        }

        @Override
        public int currentParallelism() {
            return parallelism;
        }

        @Override
        public Map<Integer, ReaderInfo> registeredReaders() {
            return readers;
        }

        @Override
        public void assignSplits(SplitsAssignment<ShardSplit> assignment) {
            assignment
                    .assignment()
                    .forEach(
                            (r, s) ->
                                    assigned.computeIfAbsent(r, x -> new ArrayList<>()).addAll(s));
        }

        @Override
        public void signalNoMoreSplits(int subtask) {
            throw new AssertionError("an unbounded source never signals no more splits");
        }

        @Override
        public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
            calls.add(() -> run(callable, handler));
        }

        @Override
        public <T> void callAsync(
                Callable<T> callable,
                BiConsumer<T, Throwable> handler,
                long initialDelay,
                long period) {
            calls.add(0, () -> run(callable, handler));
        }

        private static <T> void run(Callable<T> callable, BiConsumer<T, Throwable> handler) {
            try {
                handler.accept(callable.call(), null);
            } catch (Exception e) {
                handler.accept(null, e);
            }
        }

        @Override
        public void runInCoordinatorThread(Runnable runnable) {
            runnable.run();
        }
    }

    static Shard shard(String id, String parent, String adjacent) {
        return Shard.builder()
                .shardId(id)
                .parentShardId(parent)
                .adjacentParentShardId(adjacent)
                .build();
    }

    @Test
    void shardsAreSpreadAndChildrenWaitForTheirParents() throws Exception {
        List<Shard> stream =
                new ArrayList<>(
                        List.of(
                                shard("s0", null, null),
                                shard("s1", null, null),
                                shard("s2", null, null)));
        FakeContext ctx = new FakeContext(2);
        ShardEnumerator e = enumerator(ctx, () -> List.copyOf(stream));
        e.start();
        ctx.discover();
        assertThat(ctx.assigned).isEmpty(); // no reader yet
        ctx.register(0);
        e.addReader(0);
        ctx.register(1);
        e.addReader(1);
        ctx.discover();
        assertThat(ctx.shardsByReader())
                .isEqualTo(Map.of(0, List.of("s0", "s2"), 1, List.of("s1")));
        assertThat(ctx.assigned.get(0).get(0).startingPosition())
                .isEqualTo(StartingPosition.trimHorizon());

        // s0 and s1 merge into s3; s2 splits into s4 and s5.
        stream.add(shard("s3", "s0", "s1"));
        stream.add(shard("s4", "s2", null));
        stream.add(shard("s5", "s2", null));
        ctx.discover();
        assertThat(ctx.shardsByReader())
                .isEqualTo(Map.of(0, List.of("s0", "s2"), 1, List.of("s1")));

        e.handleSourceEvent(0, new SourceEvents.SplitsFinished(Set.of("s0", "s2")));
        assertThat(ctx.events).singleElement().isInstanceOf(SourceEvents.FinishedAck.class);
        ctx.runExtraCalls();
        // s4 and s5 may go, to the reader with the fewest open shards; s3 still waits for s1.
        assertThat(ctx.shardsByReader())
                .isEqualTo(Map.of(0, List.of("s0", "s2", "s4", "s5"), 1, List.of("s1")));
        assertThat(ctx.assigned.get(0).get(2).startingPosition())
                .isEqualTo(StartingPosition.trimHorizon());

        e.handleSourceEvent(1, new SourceEvents.SplitsFinished(Set.of("s1")));
        ctx.runExtraCalls();
        assertThat(ctx.shardsByReader().values().stream().flatMap(List::stream))
                .contains("s3")
                .hasSize(6);

        // The checkpoint restores the same knowledge: nothing is handed out twice.
        EnumeratorState state = e.snapshotState(1);
        FakeContext ctx2 = new FakeContext(2);
        ctx2.register(0);
        ctx2.register(1);
        ShardEnumerator restored =
                new ShardEnumerator(
                        ctx2,
                        ARN,
                        new Configuration(),
                        new EnumeratorState.Serializer()
                                .deserialize(1, new EnumeratorState.Serializer().serialize(state)),
                        () -> List.copyOf(stream));
        restored.start();
        ctx2.discover();
        assertThat(ctx2.assigned).isEmpty();
    }

    @Test
    void splitsAddedBackAfterAFailureAreAssignedAgain() {
        FakeContext ctx = new FakeContext(1);
        ctx.register(0);
        ShardEnumerator e = enumerator(ctx, () -> List.of(shard("s0", null, null)));
        e.start();
        ctx.discover();
        ShardSplit s0 = ctx.assigned.get(0).get(0);
        ctx.assigned.clear();
        ctx.readers.clear();
        e.addSplitsBack(List.of(s0), 0);
        assertThat(ctx.assigned).isEmpty();
        ctx.register(0);
        e.addReader(0);
        assertThat(ctx.assigned.get(0)).containsExactly(s0);
        ctx.discover();
        assertThat(ctx.assigned.get(0)).hasSize(1);
    }

    @Test
    void latestBecomesTheTimeOfTheFirstStartAndLaterShardsReadFromTheirStart() {
        Configuration c = new Configuration();
        c.setString("source.init.position", "LATEST");
        List<Shard> stream = new ArrayList<>(List.of(shard("s0", null, null)));
        FakeContext ctx = new FakeContext(1);
        ctx.register(0);
        ShardEnumerator e = new ShardEnumerator(ctx, ARN, c, null, () -> List.copyOf(stream));
        e.start();
        long before = System.currentTimeMillis();
        ctx.discover();
        StartingPosition p = ctx.assigned.get(0).get(0).startingPosition();
        assertThat(p.kind()).isEqualTo(StartingPosition.Kind.AT_TIMESTAMP);
        assertThat(p.timestamp().toEpochMilli())
                .isBetween(before - 1000, System.currentTimeMillis());
        stream.add(shard("s1", null, null));
        ctx.discover();
        assertThat(ctx.assigned.get(0).get(1).startingPosition())
                .isEqualTo(StartingPosition.trimHorizon());
    }

    @Test
    void parentsGoneFromTheStreamHoldNothingBack() {
        FakeContext ctx = new FakeContext(1);
        ctx.register(0);
        Map<String, Shard> stream = new HashMap<>(Map.of("s5", shard("s5", "s2", "s3")));
        ShardEnumerator e = enumerator(ctx, () -> List.copyOf(stream.values()));
        e.start();
        ctx.discover();
        assertThat(ctx.shardsByReader()).isEqualTo(Map.of(0, List.of("s5")));
    }

    @Test
    void aFailedFirstListingFailsTheJobALaterOneIsRetried() {
        FakeContext ctx = new FakeContext(1);
        ctx.register(0);
        boolean[] fail = {true};
        ShardEnumerator e =
                enumerator(
                        ctx,
                        () -> {
                            if (fail[0]) {
                                throw new IllegalStateException("no network");
                            }
                            return List.of(shard("s0", null, null));
                        });
        e.start();
        org.assertj.core.api.Assertions.assertThatThrownBy(ctx::discover)
                .hasMessageContaining("cannot list the shards");
        fail[0] = false;
        ctx.discover();
        fail[0] = true;
        ctx.discover(); // logged and retried at the next interval
        assertThat(ctx.shardsByReader()).isEqualTo(Map.of(0, List.of("s0")));
    }
}
