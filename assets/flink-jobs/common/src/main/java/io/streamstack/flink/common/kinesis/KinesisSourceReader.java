package io.streamstack.flink.common.kinesis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;
import org.apache.flink.util.Collector;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * The source reader: one fetcher thread polls the reader's shards; records are deserialized and the
 * position advanced on the task thread. A shard read to its end is reported to the enumerator
 * (which then assigns its children) and kept in the checkpoint as a finished split until the
 * enumerator has acknowledged it, so that no report is lost across a failure.
 */
@SuppressWarnings("try") // SourceReaderBase.close() throws Exception: not ours to change
final class KinesisSourceReader<T>
        extends SingleThreadMultiplexSourceReaderBase<Record, T, ShardSplit, ShardSplitState> {
    private final Map<String, ShardSplit> finishedUnacknowledged = new LinkedHashMap<>();
    private final ShardMetrics metrics;
    private final KinesisDeserializationSchema<T> deserializer;

    KinesisSourceReader(
            KinesisDeserializationSchema<T> deserializer,
            String streamArn,
            Configuration config,
            SourceReaderContext context) {
        this(
                deserializer,
                streamArn,
                config,
                context,
                () -> new KinesisStreamProxy(KinesisSourceOptions.readerClient(streamArn, config)),
                ShardSplitReader.Clock.SYSTEM);
    }

    /** With the Kinesis calls of {@code proxies} and the time of {@code clock} (tests). */
    KinesisSourceReader(
            KinesisDeserializationSchema<T> deserializer,
            String streamArn,
            Configuration config,
            SourceReaderContext context,
            Supplier<StreamProxy> proxies,
            ShardSplitReader.Clock clock) {
        this(deserializer, streamArn, config, context, proxies, clock, new ShardMetrics[1]);
    }

    private KinesisSourceReader(
            KinesisDeserializationSchema<T> deserializer,
            String streamArn,
            Configuration config,
            SourceReaderContext context,
            Supplier<StreamProxy> proxies,
            ShardSplitReader.Clock clock,
            ShardMetrics[] metrics) {
        // The split reader is made by the fetcher after this constructor: it finds the metrics in
        // the holder.
        super(
                () ->
                        new ShardSplitReader(
                                proxies.get(),
                                ShardSplitReader.Settings.from(config),
                                clock,
                                new SplittableRandom(),
                                (shard, millis) -> metrics[0].millisBehindLatest(shard, millis)),
                new Emitter<>(deserializer),
                config,
                context);
        metrics[0] =
                new ShardMetrics(
                        context.metricGroup()
                                .addGroup("KinesisStreamSource")
                                .addGroup("stream", KinesisSourceOptions.streamName(streamArn)));
        this.metrics = metrics[0];
        this.deserializer = deserializer;
    }

    @Override
    public void start() {
        try {
            deserializer.open(context);
        } catch (Exception e) {
            throw new IllegalStateException("cannot open the deserialization schema", e);
        }
        super.start();
    }

    @Override
    protected ShardSplitState initializedState(ShardSplit split) {
        metrics.register(split.shardId());
        return new ShardSplitState(split);
    }

    @Override
    protected ShardSplit toSplitType(String splitId, ShardSplitState state) {
        return state.toSplit();
    }

    @Override
    protected void onSplitFinished(Map<String, ShardSplitState> finished) {
        for (ShardSplitState s : finished.values()) {
            finishedUnacknowledged.put(s.split().shardId(), s.toSplit().asFinished());
            metrics.finished(s.split().shardId());
        }
        context.sendSourceEventToCoordinator(new SourceEvents.SplitsFinished(finished.keySet()));
    }

    @Override
    public void addSplits(List<ShardSplit> splits) {
        List<ShardSplit> toRead = new ArrayList<>();
        Map<String, ShardSplit> finished = new HashMap<>();
        for (ShardSplit s : splits) {
            if (s.finished()) {
                finished.put(s.shardId(), s);
            } else {
                toRead.add(s);
            }
        }
        if (!finished.isEmpty()) {
            finishedUnacknowledged.putAll(finished);
            context.sendSourceEventToCoordinator(
                    new SourceEvents.SplitsFinished(finished.keySet()));
        }
        if (!toRead.isEmpty()) {
            super.addSplits(toRead);
        }
    }

    @Override
    public List<ShardSplit> snapshotState(long checkpointId) {
        List<ShardSplit> splits = new ArrayList<>(super.snapshotState(checkpointId));
        splits.addAll(finishedUnacknowledged.values());
        return splits;
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof SourceEvents.FinishedAck) {
            Set<String> ids = ((SourceEvents.FinishedAck) event).shardIds;
            finishedUnacknowledged.keySet().removeAll(ids);
        } else {
            super.handleSourceEvents(event);
        }
    }

    /** Deserializes on the task thread and advances the split's position past the record. */
    private static final class Emitter<T> implements RecordEmitter<Record, T, ShardSplitState> {
        private final KinesisDeserializationSchema<T> deserializer;
        private final OutputCollector<T> collector = new OutputCollector<>();

        Emitter(KinesisDeserializationSchema<T> deserializer) {
            this.deserializer = deserializer;
        }

        @Override
        public void emitRecord(Record record, SourceOutput<T> output, ShardSplitState state)
                throws Exception {
            collector.output = output;
            collector.timestamp =
                    record.approximateArrivalTimestamp() == null
                            ? Long.MIN_VALUE
                            : record.approximateArrivalTimestamp().toEpochMilli();
            deserializer.deserialize(
                    record, state.split().streamArn(), state.split().shardId(), collector);
            state.emitted(record.sequenceNumber());
        }
    }

    private static final class OutputCollector<T> implements Collector<T> {
        SourceOutput<T> output;
        long timestamp;

        @Override
        public void collect(T value) {
            if (timestamp == Long.MIN_VALUE) {
                output.collect(value);
            } else {
                output.collect(value, timestamp);
            }
        }

        @Override
        public void close() {}
    }
}
