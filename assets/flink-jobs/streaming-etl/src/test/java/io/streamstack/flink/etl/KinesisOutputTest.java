package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.streamstack.flink.common.Json;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * The Kinesis sink's request building and failure handling. The emulator (moto) never answers
 * PutRecords with a partial failure, so the SDK client talks to a local HTTP server that replays
 * Kinesis' documented answers (PutRecords API reference: FailedRecordCount and per-record
 * ErrorCode/ErrorMessage) and records each request.
 */
class KinesisOutputTest {
    static final String ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/out";

    HttpServer server;
    final ConcurrentLinkedQueue<JsonNode> requests = new ConcurrentLinkedQueue<>();
    final List<String[]> answers =
            java.util.Collections.synchronizedList(
                    new ArrayList<>()); // {status, error type header or "", body}

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(
                "/",
                exchange -> {
                    requests.add(Json.MAPPER.readTree(exchange.getRequestBody().readAllBytes()));
                    String[] a =
                            answers.size() > 1
                                    ? answers.remove(0)
                                    : answers.get(0); // the last answer stays
                    byte[] body = a[2].getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
                    if (!a[1].isEmpty()) {
                        exchange.getResponseHeaders().add("x-amzn-ErrorType", a[1]);
                    }
                    exchange.sendResponseHeaders(Integer.parseInt(a[0]), body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    KinesisClient client() {
        return KinesisOutput.client(
                ARN,
                Map.of(
                        "aws.endpoint",
                        "http://127.0.0.1:" + server.getAddress().getPort(),
                        "aws.credentials.provider",
                        "BASIC",
                        "aws.credentials.provider.basic.accesskeyid",
                        "k",
                        "aws.credentials.provider.basic.secretkey",
                        "s"));
    }

    static PutRecordsRequestEntry entry(String key, String json) {
        return KinesisOutput.Converter.entry(new EtlRecord(0, "", null, key, json, null));
    }

    /** What the sink writer was told. */
    static final class Recorded implements ResultHandler<PutRecordsRequestEntry> {
        boolean completed;
        Exception failed;
        List<PutRecordsRequestEntry> retried;

        @Override
        public void complete() {
            completed = true;
        }

        @Override
        public void completeExceptionally(Exception e) {
            failed = e;
        }

        @Override
        public void retryForEntries(List<PutRecordsRequestEntry> entries) {
            retried = entries;
        }
    }

    @Test
    void partitionKeyFromTheFieldElseRandomPerRecordNeverConstant() {
        PutRecordsRequestEntry keyed = entry("trip-7", "{\"a\":1}");
        assertThat(keyed.partitionKey()).isEqualTo("trip-7");
        assertThat(keyed.data().asUtf8String()).isEqualTo("{\"a\":1}");
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            keys.add(entry(null, "{}").partitionKey());
        }
        assertThat(keys)
                .as(
                        "a random key per record: the reference job's constant key \"0\" made one hot shard")
                .hasSize(1000);
        assertThat(entry("", "{}").partitionKey())
                .as("an empty key is not allowed by Kinesis")
                .isNotEmpty();
        assertThat(entry("k".repeat(300), "{}").partitionKey()).hasSize(256);
    }

    @Test
    void aPartialFailureRetriesExactlyTheFailedRecords() {
        List<PutRecordsRequestEntry> batch =
                List.of(entry("a", "{\"n\":1}"), entry("b", "{\"n\":2}"), entry("c", "{\"n\":3}"));
        answers.add(
                new String[] {
                    "200",
                    "",
                    "{\"FailedRecordCount\":2,\"Records\":["
                            + "{\"SequenceNumber\":\"1\",\"ShardId\":\"shardId-000000000000\"},"
                            + "{\"ErrorCode\":\"ProvisionedThroughputExceededException\",\"ErrorMessage\":\"Rate exceeded for shard\"},"
                            + "{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"Internal service failure.\"}]}"
                });
        Recorded r = new Recorded();
        try (KinesisClient kinesis = client()) {
            KinesisOutput.send(kinesis, ARN, batch, r);
        }
        assertThat(r.completed).isFalse();
        assertThat(r.failed).isNull();
        assertThat(r.retried)
                .as("only the failed records again, in order")
                .containsExactly(batch.get(1), batch.get(2));

        JsonNode request = requests.poll();
        assertThat(request.get("StreamARN").asText()).isEqualTo(ARN);
        assertThat(request.get("Records")).hasSize(3);
        assertThat(request.get("Records").get(1).get("PartitionKey").asText()).isEqualTo("b");
        assertThat(
                        new String(
                                Base64.getDecoder()
                                        .decode(request.get("Records").get(1).get("Data").asText()),
                                StandardCharsets.UTF_8))
                .isEqualTo("{\"n\":2}");
    }

    @Test
    void aFullSuccessCompletesATransientErrorRetriesAllAFatalOneFailsTheJob() {
        List<PutRecordsRequestEntry> batch = List.of(entry("a", "{}"), entry("b", "{}"));
        try (KinesisClient kinesis = client()) {
            answers.add(
                    new String[] {
                        "200",
                        "",
                        "{\"FailedRecordCount\":0,\"Records\":[{\"SequenceNumber\":\"1\","
                                + "\"ShardId\":\"shardId-000000000000\"},{\"SequenceNumber\":\"2\",\"ShardId\":\"shardId-000000000001\"}]}"
                    });
            Recorded ok = new Recorded();
            KinesisOutput.send(kinesis, ARN, batch, ok);
            assertThat(ok.completed).isTrue();
            assertThat(ok.retried).isNull();

            // The whole request throttled on every attempt (the SDK's own retries are spent first):
            // all of it again.
            answers.clear();
            answers.add(
                    new String[] {
                        "400",
                        "LimitExceededException",
                        "{\"__type\":\"LimitExceededException\",\"message\":\"slow down\"}"
                    });
            Recorded throttled = new Recorded();
            KinesisOutput.send(kinesis, ARN, batch, throttled);
            assertThat(throttled.failed).isNull();
            assertThat(throttled.retried).containsExactlyElementsOf(batch);

            answers.clear();
            answers.add(
                    new String[] {
                        "400",
                        "ResourceNotFoundException",
                        "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream out under account 123456789012 not found.\"}"
                    });
            Recorded missing = new Recorded();
            KinesisOutput.send(kinesis, ARN, batch, missing);
            assertThat(missing.retried).isNull();
            assertThat(missing.failed).as("no such stream: retrying cannot help").isNotNull();
            assertThat(missing.failed.getMessage()).contains("not found");
        }
    }

    @Test
    void failedEntriesOfAnAnswer() {
        List<PutRecordsRequestEntry> batch = List.of(entry("a", "{}"), entry("b", "{}"));
        PutRecordsResultEntry ok =
                PutRecordsResultEntry.builder().sequenceNumber("1").shardId("s").build();
        PutRecordsResultEntry bad =
                PutRecordsResultEntry.builder().errorCode("InternalFailure").build();
        assertThat(
                        KinesisOutput.failedEntries(
                                batch,
                                PutRecordsResponse.builder()
                                        .failedRecordCount(0)
                                        .records(ok, ok)
                                        .build()))
                .isEmpty();
        assertThat(
                        KinesisOutput.failedEntries(
                                batch,
                                PutRecordsResponse.builder()
                                        .failedRecordCount(1)
                                        .records(bad, ok)
                                        .build()))
                .containsExactly(batch.get(0));
        assertThat(
                        KinesisOutput.failedEntries(
                                batch,
                                PutRecordsResponse.builder()
                                        .failedRecordCount(1)
                                        .records(bad)
                                        .build()))
                .as("an answer that does not match the request: all again")
                .isEqualTo(batch);
    }

    @Test
    void bufferedEntriesSurviveTheCheckpoint() throws Exception {
        KinesisOutput.StateSerializer serializer = new KinesisOutput.StateSerializer();
        PutRecordsRequestEntry a = entry("k\u00e9y", "{\"x\":\"\u00e9\"}");
        PutRecordsRequestEntry b =
                PutRecordsRequestEntry.builder()
                        .partitionKey("p")
                        .explicitHashKey("123")
                        .data(SdkBytes.fromByteArray(new byte[] {0, 1, 2}))
                        .build();
        BufferedRequestState<PutRecordsRequestEntry> state =
                new BufferedRequestState<>(
                        List.of(new RequestEntryWrapper<>(a, 10), new RequestEntryWrapper<>(b, 4)));
        BufferedRequestState<PutRecordsRequestEntry> back =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
        assertThat(back.getBufferedRequestEntries())
                .extracting(RequestEntryWrapper::getRequestEntry)
                .containsExactly(a, b);
    }
}
