package io.streamstack.flink.etl;

import java.io.Serializable;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;

/**
 * The job's sinks on {@code flink-connector-base}'s async sink ({@link KinesisOutput}, {@link
 * OpenSearchOutput}): each writer is configured from its sink's own limits, in one place.
 */
abstract class EtlAsyncSink<RequestEntryT extends Serializable>
        extends AsyncSinkBase<EtlRecord, RequestEntryT> {
    private static final long serialVersionUID = 1L;

    EtlAsyncSink(
            ElementConverter<EtlRecord, RequestEntryT> converter,
            int maxBatchSize,
            int maxInFlightRequests,
            int maxBufferedRequests,
            long maxBatchSizeInBytes,
            long maxTimeInBufferMS,
            long maxRecordSizeInBytes) {
        super(
                converter,
                maxBatchSize,
                maxInFlightRequests,
                maxBufferedRequests,
                maxBatchSizeInBytes,
                maxTimeInBufferMS,
                maxRecordSizeInBytes);
    }

    /** The writer configuration of this sink's limits. */
    final AsyncSinkWriterConfiguration writerConfiguration() {
        return AsyncSinkWriterConfiguration.builder()
                .setMaxBatchSize(getMaxBatchSize())
                .setMaxBatchSizeInBytes(getMaxBatchSizeInBytes())
                .setMaxInFlightRequests(getMaxInFlightRequests())
                .setMaxBufferedRequests(getMaxBufferedRequests())
                .setMaxTimeInBufferMS(getMaxTimeInBufferMS())
                .setMaxRecordSizeInBytes(getMaxRecordSizeInBytes())
                .build();
    }
}
