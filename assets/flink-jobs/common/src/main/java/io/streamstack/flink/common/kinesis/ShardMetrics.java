package io.streamstack.flink.common.kinesis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;

/**
 * The per-shard gauges of a reader: {@code
 * KinesisStreamSource.stream.<name>.shardId.<id>.millisBehindLatest}. A shard read to its end has
 * its group closed, which unregisters its gauge from the metric reporters: the last value would
 * otherwise be reported for ever, a lag that never moves.
 *
 * <p>Flink's {@link MetricGroup} interface has no close; the groups Flink hands a job are {@link
 * AbstractMetricGroup}s, whose {@code close()} unregisters their metrics (flink-runtime, provided
 * by the runtime). On another implementation the gauge stays and reads -1 (unknown) once the shard
 * is finished.
 */
final class ShardMetrics {
    private final MetricGroup streamGroup;
    private final Map<String, AtomicLong> lag = new ConcurrentHashMap<>();
    private final Map<String, MetricGroup> groups = new ConcurrentHashMap<>();

    ShardMetrics(MetricGroup streamGroup) {
        this.streamGroup = streamGroup;
    }

    /** Registers (or resets to -1, unknown) the gauge of {@code shardId}: the task thread. */
    void register(String shardId) {
        AtomicLong value =
                lag.computeIfAbsent(
                        shardId,
                        id -> {
                            AtomicLong v = new AtomicLong(-1);
                            MetricGroup g = streamGroup.addGroup("shardId", id);
                            g.gauge("millisBehindLatest", v::get);
                            groups.put(id, g);
                            return v;
                        });
        value.set(-1);
    }

    /** The fetcher thread's latest figure for {@code shardId}. */
    void millisBehindLatest(String shardId, long millis) {
        AtomicLong v = lag.get(shardId);
        if (v != null) {
            v.set(millis);
        }
    }

    /** The shard is read to its end: its gauge goes away (the task thread). */
    void finished(String shardId) {
        AtomicLong v = lag.remove(shardId);
        if (v != null) {
            v.set(-1);
        }
        MetricGroup g = groups.remove(shardId);
        if (g instanceof AbstractMetricGroup) {
            ((AbstractMetricGroup<?>) g).close();
        }
    }

    /** The shards with a gauge (for tests). */
    java.util.Set<String> shards() {
        return lag.keySet();
    }
}
