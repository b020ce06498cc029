package io.streamstack.flink.common.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.metrics.groups.GenericMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, defect 4: a finished shard's lag gauge goes away instead of reporting its last value
 * for ever.
 */
class ShardMetricsTest {
    @Test
    void aFinishedShardsGaugeIsUnregistered() {
        List<String> registered = new ArrayList<>();
        List<String> unregistered = new ArrayList<>();
        MetricGroup root =
                new GenericMetricGroup(
                        TestingMetricRegistry.builder()
                                .setRegisterConsumer(
                                        (m, name, group) ->
                                                registered.add(group.getMetricIdentifier(name)))
                                .setUnregisterConsumer(
                                        (m, name, group) ->
                                                unregistered.add(group.getMetricIdentifier(name)))
                                .build(),
                        null,
                        "source");
        ShardMetrics metrics =
                new ShardMetrics(root.addGroup("KinesisStreamSource").addGroup("stream", "orders"));
        metrics.register("shardId-000000000000");
        metrics.register("shardId-000000000001");
        metrics.millisBehindLatest("shardId-000000000000", 1234);
        assertThat(registered)
                .containsExactly(
                        "source.KinesisStreamSource.stream.orders.shardId.shardId-000000000000.millisBehindLatest",
                        "source.KinesisStreamSource.stream.orders.shardId.shardId-000000000001.millisBehindLatest");

        metrics.finished("shardId-000000000000");
        assertThat(unregistered)
                .as("defect 4: the finished shard's gauge is unregistered")
                .containsExactly(
                        "source.KinesisStreamSource.stream.orders.shardId.shardId-000000000000.millisBehindLatest");
        assertThat(metrics.shards()).containsExactly("shardId-000000000001");
        metrics.millisBehindLatest("shardId-000000000000", 99);
        assertThat(metrics.shards()).containsExactly("shardId-000000000001");
    }

    @Test
    void anUnregisteredGroupIsFine() {
        ShardMetrics metrics = new ShardMetrics(new UnregisteredMetricsGroup());
        metrics.register("s");
        metrics.finished("s");
        assertThat(metrics.shards()).isEmpty();
    }
}
