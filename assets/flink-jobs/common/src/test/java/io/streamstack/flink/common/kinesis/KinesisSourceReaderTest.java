package io.streamstack.flink.common.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.runtime.metrics.groups.GenericMetricGroup;
import org.apache.flink.runtime.metrics.groups.InternalSourceReaderMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.junit.jupiter.api.Test;

/**
 * The reader with its fetcher thread, over {@link FakeStreamProxy}: a closed shard read to its end
 * is reported to the enumerator and its lag gauge is unregistered (issue 19, defect 4: it no longer
 * freezes at its last value).
 */
class KinesisSourceReaderTest {
    final List<String> registered = new CopyOnWriteArrayList<>();
    final List<String> unregistered = new CopyOnWriteArrayList<>();
    final List<SourceEvent> events = new CopyOnWriteArrayList<>();

    final class Context implements SourceReaderContext {
        final SourceReaderMetricGroup metrics =
                InternalSourceReaderMetricGroup.mock(
                        new GenericMetricGroup(
                                TestingMetricRegistry.builder()
                                        .setRegisterConsumer(
                                                (m, name, group) ->
                                                        registered.add(
                                                                group.getMetricIdentifier(name)))
                                        .setUnregisterConsumer(
                                                (m, name, group) ->
                                                        unregistered.add(
                                                                group.getMetricIdentifier(name)))
                                        .build(),
                                null,
                                "reader"));

        @Override
        public SourceReaderMetricGroup metricGroup() {
            return metrics;
        }

        @Override
        public Configuration getConfiguration() {
            return new Configuration();
        }

        @Override
        public String getLocalHostName() {
            return "localhost";
        }

        @Override
        public int getIndexOfSubtask() {
            return 0;
        }

        @Override
        public void sendSplitRequest() {}

        @Override
        public void sendSourceEventToCoordinator(SourceEvent event) {
            events.add(event);
        }

        @Override
        public UserCodeClassLoader getUserCodeClassLoader() {
            return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
        }
    }

    static final class Collecting implements ReaderOutput<String> {
        final List<String> values = new ArrayList<>();

        @Override
        public void collect(String record) {
            values.add(record);
        }

        @Override
        public void collect(String record, long timestamp) {
            values.add(record);
        }

        @Override
        public void emitWatermark(Watermark watermark) {}

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}

        @Override
        public SourceOutput<String> createOutputForSplit(String splitId) {
            return this;
        }

        @Override
        public void releaseOutputForSplit(String splitId) {}
    }

    static final class Utf8 implements KinesisDeserializationSchema<String> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(
                software.amazon.awssdk.services.kinesis.model.Record record,
                String stream,
                String shardId,
                org.apache.flink.util.Collector<String> output) {
            output.collect(new String(record.data().asByteArrayUnsafe(), StandardCharsets.UTF_8));
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }
    }

    @Test
    @SuppressWarnings("try") // SourceReaderBase.close() throws Exception: not ours to change
    void aShardReadToItsEndIsReportedAndItsLagGaugeUnregistered() throws Exception {
        FakeStreamProxy proxy = new FakeStreamProxy(new FakeClock());
        FakeStreamProxy.Shard closed = proxy.shard("shardId-000000000000");
        closed.append(3, 4);
        closed.closed = true;
        proxy.shard("shardId-000000000001").append(2, 4);
        Configuration config = new Configuration();
        try (KinesisSourceReader<String> reader =
                new KinesisSourceReader<>(
                        new Utf8(),
                        FakeStreamProxy.ARN,
                        config,
                        new Context(),
                        () -> proxy,
                        ShardSplitReader.Clock.SYSTEM)) {
            reader.start();
            reader.addSplits(
                    List.of(
                            new ShardSplit(
                                    FakeStreamProxy.ARN,
                                    "shardId-000000000000",
                                    List.of(),
                                    StartingPosition.trimHorizon(),
                                    false),
                            new ShardSplit(
                                    FakeStreamProxy.ARN,
                                    "shardId-000000000001",
                                    List.of(),
                                    StartingPosition.trimHorizon(),
                                    false)));
            Collecting out = new Collecting();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while ((out.values.size() < 5 || events.isEmpty()) && System.nanoTime() < deadline) {
                if (reader.pollNext(out) == InputStatus.NOTHING_AVAILABLE) {
                    reader.isAvailable().get();
                }
            }
            assertThat(out.values).hasSize(5);
            assertThat(events).hasSize(1);
            assertThat(((SourceEvents.SplitsFinished) events.get(0)).shardIds)
                    .containsExactly("shardId-000000000000");
            String prefix = "reader.KinesisStreamSource.stream.fake.shardId.";
            assertThat(registered)
                    .contains(
                            prefix + "shardId-000000000000.millisBehindLatest",
                            prefix + "shardId-000000000001.millisBehindLatest");
            assertThat(unregistered)
                    .as("defect 4: the finished shard's lag gauge is unregistered")
                    .containsExactly(prefix + "shardId-000000000000.millisBehindLatest");
        }
    }
}
