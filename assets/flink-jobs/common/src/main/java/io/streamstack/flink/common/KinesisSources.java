package io.streamstack.flink.common;

import io.streamstack.flink.common.kinesis.KinesisDeserializationSchema;
import io.streamstack.flink.common.kinesis.KinesisSourceOptions;
import io.streamstack.flink.common.kinesis.KinesisStreamsSource;
import java.util.Locale;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** Builds the jobs' Kinesis source from their properties. */
public final class KinesisSources {
    private KinesisSources() {}

    /**
     * A source over {@code InputStreamArn} (required) from {@code InitialPosition} (TRIM_HORIZON,
     * the default, or LATEST), with every {@code aws.*} and {@code source.*} property passed
     * through. The watermark strategy is the caller's.
     */
    public static <T> KinesisStreamsSource<T> fromProperties(
            JobProperties props, KinesisDeserializationSchema<T> schema) {
        String position = props.get("InitialPosition", "TRIM_HORIZON").toUpperCase(Locale.ROOT);
        if (!position.equals("TRIM_HORIZON") && !position.equals("LATEST")) {
            throw new IllegalArgumentException(
                    "property InitialPosition must be TRIM_HORIZON or LATEST, got '"
                            + position
                            + "'");
        }
        Properties config = new Properties();
        config.setProperty(KinesisSourceOptions.INIT_POSITION.key(), position);
        config.putAll(props.sourceConfig());
        return KinesisStreamsSource.<T>builder()
                .setStreamArn(props.require("InputStreamArn"))
                .setSourceConfig(config)
                .setDeserializationSchema(schema)
                .build();
    }

    /**
     * The KPL de-aggregating, parsing source: {@link Parsed} values, {@code MaxRecordBytes} (1 MiB)
     * enforced.
     */
    public static <T> KinesisStreamsSource<Parsed<T>> parsed(
            JobProperties props, RecordParser<T> parser, TypeInformation<T> type) {
        int max = props.getInt("MaxRecordBytes", KplDeserializationSchema.DEFAULT_MAX_RECORD_BYTES);
        return fromProperties(props, new KplDeserializationSchema<>(parser, type, max));
    }
}
