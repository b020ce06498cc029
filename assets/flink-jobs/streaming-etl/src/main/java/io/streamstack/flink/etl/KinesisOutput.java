package io.streamstack.flink.etl;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * The Kinesis sink (the official one is not served here): PutRecords batches of up to 500 records
 * or 5 MiB on {@code flink-connector-base}'s async sink, each record's JSON as data, the partition
 * key from {@code OutputPartitionKeyField} or else a random key per record (never a constant: one
 * hot shard). Records a PutRecords answer reports as failed (throttled, internal failure) are
 * retried, and so are whole requests that fail for a transient reason; a request refused for good
 * (no such stream, access denied, invalid) fails the job. Buffered records are in the checkpoints:
 * at least once.
 */
public final class KinesisOutput extends EtlAsyncSink<PutRecordsRequestEntry> {
    private static final long serialVersionUID = 1L;

    /** PutRecords' limits: 500 records, 5 MiB, 1 MiB a record (data and partition key). */
    public static final int MAX_BATCH_RECORDS = 500;

    public static final long MAX_BATCH_BYTES = 5L * 1024 * 1024;
    public static final long MAX_RECORD_BYTES = 1024 * 1024;

    /** Kinesis' longest partition key, in characters. */
    public static final int MAX_KEY_CHARS = 256;

    static final int MAX_IN_FLIGHT = 8;

    private final String streamArn;
    private final TreeMap<String, String> awsOptions;

    /**
     * {@code awsOptions}: the job's {@code aws.*} properties (region, endpoint, credentials), as
     * the source takes them.
     */
    public KinesisOutput(String streamArn, Map<String, String> awsOptions) {
        super(
                new Converter(),
                MAX_BATCH_RECORDS,
                MAX_IN_FLIGHT,
                10_000,
                MAX_BATCH_BYTES,
                1000,
                MAX_RECORD_BYTES);
        this.streamArn = streamArn;
        this.awsOptions = new TreeMap<>(awsOptions);
        client(streamArn, this.awsOptions)
                .close(); // a bad option fails at start, with its own message
    }

    @Override
    public StatefulSinkWriter<EtlRecord, BufferedRequestState<PutRecordsRequestEntry>>
            restoreWriter(
                    WriterInitContext context,
                    Collection<BufferedRequestState<PutRecordsRequestEntry>> state) {
        return new Writer(this, context, state, client(streamArn, awsOptions));
    }

    @Override
    public SimpleVersionedSerializer<BufferedRequestState<PutRecordsRequestEntry>>
            getWriterStateSerializer() {
        return new StateSerializer();
    }

    /** The record's JSON as data; its key, or a random one. */
    public static final class Converter
            implements ElementConverter<EtlRecord, PutRecordsRequestEntry> {
        private static final long serialVersionUID = 1L;

        @Override
        public PutRecordsRequestEntry apply(EtlRecord r, SinkWriter.Context context) {
            return entry(r);
        }

        static PutRecordsRequestEntry entry(EtlRecord r) {
            String key = r.getKinesisKey();
            if (key == null || key.isEmpty()) {
                key = Long.toHexString(ThreadLocalRandom.current().nextLong());
            } else if (key.length() > MAX_KEY_CHARS) {
                key = key.substring(0, MAX_KEY_CHARS);
            }
            return PutRecordsRequestEntry.builder()
                    .partitionKey(key)
                    .data(SdkBytes.fromUtf8String(r.getJson()))
                    .build();
        }
    }

    /** The entries of the request that the answer reports as failed, in request order. */
    public static List<PutRecordsRequestEntry> failedEntries(
            List<PutRecordsRequestEntry> request, PutRecordsResponse response) {
        Integer failedCount = response.failedRecordCount();
        if (failedCount == null || failedCount == 0) {
            return List.of();
        }
        List<PutRecordsResultEntry> results = response.records();
        if (results.size() != request.size()) {
            return request; // an answer that does not match the request: send it all again
        }
        List<PutRecordsRequestEntry> failed = new ArrayList<>(failedCount);
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).errorCode() != null) {
                failed.add(request.get(i));
            }
        }
        return failed;
    }

    private static final Set<String> FATAL_CODES =
            Set.of(
                    "ResourceNotFoundException",
                    "AccessDeniedException",
                    "InvalidArgumentException",
                    "ValidationException",
                    "KMSAccessDeniedException",
                    "KMSDisabledException",
                    "KMSNotFoundException",
                    "KMSInvalidStateException",
                    "UnrecognizedClientException",
                    "InvalidSignatureException",
                    "MissingAuthenticationTokenException");

    /**
     * True when retrying the request cannot help: the job fails with it (configuration,
     * permissions).
     */
    public static boolean isFatal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KinesisException) {
                KinesisException k = (KinesisException) t;
                String code = k.awsErrorDetails() == null ? null : k.awsErrorDetails().errorCode();
                return code != null && FATAL_CODES.contains(code) || k.statusCode() == 403;
            }
        }
        return false;
    }

    /**
     * Sends each batch from a small pool of threads with the synchronous client (as the source uses
     * it).
     */
    static final class Writer extends EtlWriter<PutRecordsRequestEntry> {
        private final KinesisClient kinesis;
        private final String streamArn;
        private final ExecutorService pool;

        Writer(
                KinesisOutput sink,
                WriterInitContext context,
                Collection<BufferedRequestState<PutRecordsRequestEntry>> state,
                KinesisClient kinesis) {
            super(sink, context, state);
            this.kinesis = kinesis;
            this.streamArn = sink.streamArn;
            this.pool =
                    Executors.newFixedThreadPool(
                            MAX_IN_FLIGHT,
                            r -> {
                                Thread t =
                                        new Thread(
                                                r,
                                                "kinesis-sink-"
                                                        + context.getTaskInfo()
                                                                .getIndexOfThisSubtask());
                                t.setDaemon(true);
                                return t;
                            });
        }

        @Override
        protected void submitRequestEntries(
                List<PutRecordsRequestEntry> entries,
                ResultHandler<PutRecordsRequestEntry> handler) {
            pool.execute(() -> send(kinesis, streamArn, entries, handler));
        }

        @Override
        protected long getSizeInBytes(PutRecordsRequestEntry e) {
            return e.data().asByteArrayUnsafe().length
                    + e.partitionKey().getBytes(StandardCharsets.UTF_8).length;
        }

        @Override
        public void close() {
            super.close();
            pool.shutdownNow();
            kinesis.close();
        }
    }

    /** One PutRecords call and what becomes of its entries. */
    static void send(
            KinesisClient kinesis,
            String streamArn,
            List<PutRecordsRequestEntry> entries,
            ResultHandler<PutRecordsRequestEntry> handler) {
        PutRecordsResponse response;
        try {
            response =
                    kinesis.putRecords(
                            PutRecordsRequest.builder()
                                    .streamARN(streamArn)
                                    .records(entries)
                                    .build());
        } catch (SdkException e) {
            if (isFatal(e)) {
                handler.completeExceptionally(e);
            } else {
                handler.retryForEntries(entries);
            }
            return;
        } catch (RuntimeException e) {
            handler.completeExceptionally(e);
            return;
        }
        List<PutRecordsRequestEntry> failed = failedEntries(entries, response);
        if (failed.isEmpty()) {
            handler.complete();
        } else {
            handler.retryForEntries(failed);
        }
    }

    /** Buffered entries in the checkpoints: partition key, explicit hash key, data. */
    static final class StateSerializer
            extends AsyncSinkWriterStateSerializer<PutRecordsRequestEntry> {
        @Override
        protected void serializeRequestToStream(PutRecordsRequestEntry e, DataOutputStream out)
                throws IOException {
            out.writeUTF(e.partitionKey());
            out.writeBoolean(e.explicitHashKey() != null);
            if (e.explicitHashKey() != null) {
                out.writeUTF(e.explicitHashKey());
            }
            byte[] data = e.data().asByteArrayUnsafe();
            out.writeInt(data.length);
            out.write(data);
        }

        @Override
        protected PutRecordsRequestEntry deserializeRequestFromStream(long size, DataInputStream in)
                throws IOException {
            PutRecordsRequestEntry.Builder b =
                    PutRecordsRequestEntry.builder().partitionKey(in.readUTF());
            if (in.readBoolean()) {
                b.explicitHashKey(in.readUTF());
            }
            byte[] data = new byte[in.readInt()];
            in.readFully(data);
            return b.data(SdkBytes.fromByteArrayUnsafe(data)).build();
        }

        @Override
        public int getVersion() {
            return 1;
        }
    }

    /**
     * A client for the stream, from the same options the job's Kinesis source takes: {@code
     * aws.region} (else the ARN's), {@code aws.endpoint}, {@code aws.credentials.provider} AUTO or
     * BASIC with {@code aws.credentials.provider.basic.accesskeyid} / {@code .secretkey}, {@code
     * aws.trust.all.certificates}.
     */
    static KinesisClient client(String streamArn, Map<String, String> o) {
        AttributeMap.Builder http = AttributeMap.builder();
        if (Boolean.parseBoolean(o.getOrDefault("aws.trust.all.certificates", "false"))) {
            http.put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, true);
        }
        String region = o.get("aws.region");
        KinesisClientBuilder b =
                KinesisClient.builder()
                        .region(
                                Region.of(
                                        region != null && !region.isBlank()
                                                ? region.trim()
                                                : streamArn.split(":")[3]))
                        .credentialsProvider(credentials(o))
                        .httpClient(
                                Apache5HttpClient.builder()
                                        .connectionTimeout(Duration.ofSeconds(10))
                                        .socketTimeout(Duration.ofSeconds(60))
                                        .maxConnections(MAX_IN_FLIGHT)
                                        .buildWithDefaults(http.build()));
        String endpoint = o.get("aws.endpoint");
        if (endpoint != null && !endpoint.isBlank()) {
            b.endpointOverride(URI.create(endpoint.trim()));
        }
        return b.build();
    }

    private static AwsCredentialsProvider credentials(Map<String, String> o) {
        String kind =
                o.getOrDefault("aws.credentials.provider", "AUTO").trim().toUpperCase(Locale.ROOT);
        switch (kind) {
            case "AUTO":
                return DefaultCredentialsProvider.builder().build();
            case "BASIC":
                String id = o.get("aws.credentials.provider.basic.accesskeyid");
                String secret = o.get("aws.credentials.provider.basic.secretkey");
                if (id == null || secret == null) {
                    throw new IllegalArgumentException(
                            "aws.credentials.provider BASIC needs"
                                    + " aws.credentials.provider.basic.accesskeyid and aws.credentials.provider.basic.secretkey");
                }
                return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
            default:
                throw new IllegalArgumentException(
                        "aws.credentials.provider must be AUTO or BASIC, got '" + kind + "'");
        }
    }
}
