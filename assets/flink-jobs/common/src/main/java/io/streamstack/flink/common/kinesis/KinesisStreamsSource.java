package io.streamstack.flink.common.kinesis;

import java.util.Objects;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A Kinesis Data Streams source with the polling reader (GetRecords), one split per shard,
 * positions in the checkpoints, and parents read before their children. It takes the Flink Kinesis
 * connector's option names ({@link KinesisSourceOptions}); it was written for this project because
 * that connector is not to be had from the package registry this project builds from.
 */
public final class KinesisStreamsSource<T>
        implements Source<T, ShardSplit, EnumeratorState>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final String streamArn;
    private final Properties options;
    private final KinesisDeserializationSchema<T> deserializer;

    private KinesisStreamsSource(
            String streamArn, Properties options, KinesisDeserializationSchema<T> deserializer) {
        this.streamArn = streamArn;
        this.options = options;
        this.deserializer = deserializer;
        KinesisSourceOptions.validate(streamArn, configuration());
    }

    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    private Configuration configuration() {
        Configuration c = new Configuration();
        options.forEach((k, v) -> c.setString((String) k, (String) v));
        return c;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<T, ShardSplit> createReader(SourceReaderContext context) {
        return new KinesisSourceReader<>(deserializer, streamArn, configuration(), context);
    }

    @Override
    public SplitEnumerator<ShardSplit, EnumeratorState> createEnumerator(
            SplitEnumeratorContext<ShardSplit> context) {
        return new ShardEnumerator(context, streamArn, configuration(), null);
    }

    @Override
    public SplitEnumerator<ShardSplit, EnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<ShardSplit> context, EnumeratorState state) {
        return new ShardEnumerator(context, streamArn, configuration(), state);
    }

    @Override
    public SimpleVersionedSerializer<ShardSplit> getSplitSerializer() {
        return new ShardSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<EnumeratorState> getEnumeratorCheckpointSerializer() {
        return new EnumeratorState.Serializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return deserializer.getProducedType();
    }

    /** Builds a source: the stream ARN and a deserializer are required. */
    public static final class Builder<T> {
        private String streamArn;
        private final Properties options = new Properties();
        private KinesisDeserializationSchema<T> deserializer;

        public Builder<T> setStreamArn(String streamArn) {
            this.streamArn = streamArn;
            return this;
        }

        /**
         * Options under the names of {@link KinesisSourceOptions}; later calls add to earlier ones.
         */
        public Builder<T> setSourceConfig(Properties config) {
            config.forEach((k, v) -> options.setProperty(String.valueOf(k), String.valueOf(v)));
            return this;
        }

        public Builder<T> setOption(String key, String value) {
            options.setProperty(key, value);
            return this;
        }

        public Builder<T> setDeserializationSchema(KinesisDeserializationSchema<T> deserializer) {
            this.deserializer = deserializer;
            return this;
        }

        public KinesisStreamsSource<T> build() {
            Objects.requireNonNull(streamArn, "the stream ARN");
            Objects.requireNonNull(deserializer, "the deserialization schema");
            Properties copy = new Properties();
            copy.putAll(options);
            return new KinesisStreamsSource<>(streamArn, copy, deserializer);
        }
    }
}
