package io.streamstack.flink.etl;

import java.io.IOException;
import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.DequeRequestBuffer;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.SimpleBatchCreator;
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

    /** A new writer is a restored one with nothing buffered. */
    @Override
    public final StatefulSinkWriter<EtlRecord, BufferedRequestState<RequestEntryT>> createWriter(
            WriterInitContext context) throws IOException {
        return restoreWriter(context, List.of());
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

    /**
     * The writer of an {@link EtlAsyncSink}: the sink's element converter and limits, batches of up
     * to the sink's bytes taken in the order the records came.
     */
    abstract static class EtlWriter<RequestEntryT extends Serializable>
            extends AsyncSinkWriter<EtlRecord, RequestEntryT> {
        EtlWriter(
                EtlAsyncSink<RequestEntryT> sink,
                WriterInitContext context,
                Collection<BufferedRequestState<RequestEntryT>> state) {
            super(
                    sink.getElementConverter(),
                    context,
                    sink.writerConfiguration(),
                    state,
                    new SimpleBatchCreator<>(sink.getMaxBatchSizeInBytes()),
                    new DequeRequestBuffer<>());
        }
    }
}
