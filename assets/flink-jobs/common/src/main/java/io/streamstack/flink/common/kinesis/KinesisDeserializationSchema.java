package io.streamstack.flink.common.kinesis;

import java.io.IOException;
import java.io.Serializable;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.util.Collector;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Turns one Kinesis record into zero or more values: the same shape as the Flink Kinesis
 * connector's interface of that name (the SDK record, the stream and the shard id).
 */
public interface KinesisDeserializationSchema<T> extends Serializable, ResultTypeQueryable<T> {
    /** Called once per reader before the first record (metrics can be registered here). */
    default void open(SourceReaderContext context) throws Exception {}

    void deserialize(Record record, String stream, String shardId, Collector<T> output)
            throws IOException;
}
