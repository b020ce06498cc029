package io.streamstack.flink.taxi;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamstack.flink.common.DateHourBucketAssigner;
import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.KplDeserializationSchema;
import io.streamstack.flink.common.Parsed;
import io.streamstack.flink.common.UserRecord;
import io.streamstack.flink.common.testing.MiniClusters;
import io.streamstack.flink.taxi.ScriptedFareServer.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The whole job after its source in a MiniCluster (parallelism 2, checkpoints): a bounded stream of
 * parsed records (200 rides and 4 bad records) through the sampler, the async operator against a
 * local scripted endpoint, and both file sinks; then the committed files and the counters.
 */
class JobPipelineTest {
    static final String SECRET = "pipeline-secret";
    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = MiniClusters.withReporter(REPORTER);

    static final long START = Instant.parse("2026-11-24T08:30:00Z").toEpochMilli();

    static String ride(int counter, int passengers) {
        return TaxiRidesTest.RIDE
                .replace("0000002a-0000000120", String.format("0000002a-%010d", counter))
                .replace("\"passenger_count\":3", "\"passenger_count\":" + passengers)
                .replace(
                        "2026-11-24T08:30:00.123Z",
                        Instant.ofEpochMilli(START + counter * 60_000L).toString());
    }

    @Test
    void samplesEnrichesAndRecordsFailuresAndBadRecords(@TempDir Path out) throws Exception {
        // Trip 60: two 503s then a fare. Trip 100: 12 passengers, a 400. Trip 140: 503 for ever.
        Map<String, AtomicInteger> perTrip = new ConcurrentHashMap<>();
        try (ScriptedFareServer server =
                new ScriptedFareServer(
                        SECRET,
                        (n, query) -> {
                            String id = ScriptedFareServer.idOf(query);
                            int seen =
                                    perTrip.computeIfAbsent(id, k -> new AtomicInteger())
                                            .incrementAndGet();
                            if (id.endsWith("0060") && seen <= 2) {
                                return Reply.status(503);
                            }
                            if (id.endsWith("0140")) {
                                return Reply.status(503);
                            }
                            if (query.contains("passengers=12")) {
                                return new Reply(
                                        400,
                                        "{\"error\":\"passengers: 12 is out of range\",\"field\":\"passengers\"}",
                                        0);
                            }
                            return Reply.fare();
                        })) {
            List<byte[]> records = new ArrayList<>();
            for (int i = 1; i <= 200; i++) {
                records.add(ride(i, i == 100 ? 12 : 1 + i % 6).getBytes(StandardCharsets.UTF_8));
            }
            records.add("{\"trip_id\":".getBytes(StandardCharsets.UTF_8));
            records.add(new byte[] {(byte) 0xff, 0x00, (byte) 0x80, 0x7f});
            records.add(
                    ride(7, 1)
                            .replace("\"fare_amount\":14.36,", "")
                            .getBytes(StandardCharsets.UTF_8));
            records.add(
                    ride(9, 1)
                            .replace("\"CRD\"", "\"" + "x".repeat(20_000) + "\"")
                            .getBytes(StandardCharsets.UTF_8));

            TypeInformation<TaxiRide> type = TypeInformation.of(TaxiRide.class);
            KplDeserializationSchema<TaxiRide> schema =
                    new KplDeserializationSchema<>(new TaxiRides.Parser(), type, 1 << 20);
            List<Parsed<TaxiRide>> parsed = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                parsed.add(
                        schema.parse(
                                new UserRecord("pk-" + i, null, records.get(i), 0, false),
                                "taxi",
                                "shardId-000000000000",
                                Integer.toString(i + 1)));
            }

            JobProperties props =
                    JobProperties.of(
                            Map.of(
                                    "OutputPath", out.toUri().toString(),
                                    "InputStreamArn",
                                            "arn:aws:kinesis:us-east-1:123456789012:stream/taxi",
                                    "ApiEndpoint", server.endpoint().toString(),
                                    "ApiKeySecretArn",
                                            "arn:aws:secretsmanager:us-east-1:123456789012:secret:key",
                                    "AsyncTimeoutSeconds", "20",
                                    "RetryBaseMillis", "10",
                                    "RetryMaxBackoffMillis", "50"),
                            true);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            env.enableCheckpointing(300);
            TaxiFareEnrichJob.pipeline(
                    props,
                    env.fromData(parsed, Parsed.typeInfo(type)),
                    s -> "pipeline-key",
                    () ->
                            StaticCredentialsProvider.create(
                                    AwsBasicCredentials.create("AKIDPIPE", SECRET)));
            JobExecutionResult result = env.execute("pipeline-test");

            // 10 sampled (20, 40, ..., 200): 8 enriched, 2 failure records.
            List<OutputFiles.Line> enriched = OutputFiles.committed(out, "results");
            assertThat(enriched).hasSize(8);
            for (OutputFiles.Line l : enriched) {
                String id = l.json().get("trip_id").asText();
                int counter = Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
                assertThat(counter % 20).isZero();
                assertThat(l.json().get("prediction").get("id").asText()).isEqualTo(id);
                assertThat(l.json().get("prediction").get("fare").asDouble()).isPositive();
                assertThat(l.bucket())
                        .isEqualTo(DateHourBucketAssigner.bucketOf(START + counter * 60_000L));
                TaxiRide in =
                        TaxiRides.parse(
                                ride(counter, 1 + counter % 6).getBytes(StandardCharsets.UTF_8));
                ((com.fasterxml.jackson.databind.node.ObjectNode) l.json()).remove("prediction");
                assertThat(
                                TaxiRides.parse(
                                        TaxiRides.write(l.json()).getBytes(StandardCharsets.UTF_8)))
                        .isEqualTo(in);
            }
            assertThat(enriched)
                    .extracting(l -> l.json().get("trip_id").asText())
                    .doesNotContain("0000002a-0000000100", "0000002a-0000000140")
                    .contains("0000002a-0000000060");

            List<OutputFiles.Line> errors = OutputFiles.committed(out, "errors");
            List<OutputFiles.Line> failed =
                    errors.stream().filter(l -> l.json().has("kind")).toList();
            assertThat(failed)
                    .extracting(
                            l ->
                                    l.json().get("trip_id").asText()
                                            + " "
                                            + l.json().get("reason").asText()
                                            + " "
                                            + l.json().get("status").asInt()
                                            + " "
                                            + l.json().get("attempts").asInt())
                    .containsExactlyInAnyOrder(
                            "0000002a-0000000100 http_status 400 1",
                            "0000002a-0000000140 retries_exhausted 503 4");
            assertThat(failed)
                    .allMatch(
                            l ->
                                    l.json()
                                            .get("ride")
                                            .get("trip_id")
                                            .asText()
                                            .equals(l.json().get("trip_id").asText()));
            List<OutputFiles.Line> bad =
                    errors.stream().filter(l -> !l.json().has("kind")).toList();
            assertThat(bad).hasSize(4);
            assertThat(bad)
                    .extracting(l -> l.json().get("reason").asText())
                    .anyMatch(r -> r.contains("not JSON"))
                    .anyMatch(r -> r.contains("fare_amount: missing"))
                    .anyMatch(r -> r.contains("exceeds"));

            assertThat(server.seen()).allMatch(ScriptedFareServer.Seen::signatureValid);
            assertThat(server.seen()).allMatch(s -> "pipeline-key".equals(s.header("x-api-key")));
            assertThat(server.requests()).isEqualTo(7 + 3 + 1 + 4);

            JobID job = result.getJobID();
            // Issue 19, defect 5: each counter is in the group kinesisanalytics (0 when registered
            // elsewhere).
            assertThat(counter(job, "sampledRides"))
                    .as("defect 5: sampledRides in kinesisanalytics")
                    .isEqualTo(10);
            assertThat(counter(job, "enrichedRides")).isEqualTo(8);
            assertThat(counter(job, "failedRequests")).isEqualTo(2);
            assertThat(counter(job, "retriedRequests")).isEqualTo(2 + 3);
            assertThat(counter(job, "badRecords")).isEqualTo(4);
        }
    }

    /**
     * A counter of group {@code kinesisanalytics} (issue 19, defect 5: the only group Managed Flink
     * exports), summed over the subtasks.
     */
    static long counter(JobID job, String name) {
        return exportedCounter(REPORTER, job, name);
    }

    static long exportedCounter(InMemoryReporter reporter, JobID job, String name) {
        long sum = 0;
        for (Map.Entry<MetricGroup, Map<String, Metric>> g :
                reporter.getMetricsByGroup().entrySet()) {
            String[] scope = g.getKey().getScopeComponents();
            if (scope.length == 0
                    || !scope[scope.length - 1].equals("kinesisanalytics")
                    || !job.toString().equals(g.getKey().getAllVariables().get("<job_id>"))) {
                continue;
            }
            if (g.getValue().get(name) instanceof Counter c) {
                sum += c.getCount();
            }
        }
        return sum;
    }
}
