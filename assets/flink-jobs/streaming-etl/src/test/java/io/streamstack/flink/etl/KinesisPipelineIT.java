package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.LocalRun;
import io.streamstack.flink.common.testing.MiniClusters;
import io.streamstack.flink.common.testing.MotoEmulator;
import io.streamstack.flink.common.testing.StreamRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Kinesis in and out on the emulator: the release CLI's {@code streamstack produce --generator
 * taxi} (KPL aggregation on, its default) writes trips into one stream, two garbage records are put
 * next to them, and the job (our source, our sink, no OutputPath: bad records are logged and
 * counted) writes into a second stream of four shards. What went in is read back with the CLI's own
 * {@code streamstack tail} (its de-aggregator, not the job's); every trip comes out exactly once
 * and unchanged, its random partition keys spread over all four shards. Inputs: the system
 * properties {@code streamstack.repo} and {@code streamstack.venv} (the emulator) as for the other
 * jobs' ITs, and {@code streamstack.cli} (the {@code streamstack} binary).
 */
class KinesisPipelineIT {
    static final int TRIPS = 1000;
    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.withReporter(REPORTER);

    static MotoEmulator moto;
    static Path cli;
    static Path work;

    @BeforeAll
    static void startEmulator() throws Exception {
        cli = MotoEmulator.requiredPath("streamstack.cli", null);
        assertThat(Files.isExecutable(cli)).as("%s is executable", cli).isTrue();
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "kinesis-it-");
        moto = MotoEmulator.start(work);
    }

    @AfterAll
    static void stopEmulator() {
        if (moto != null) {
            moto.close();
        }
    }

    /** Runs {@code streamstack ARGS} against the emulator; returns its stdout. */
    static String streamstack(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(cli.toString()));
        cmd.addAll(List.of(args));
        Path err = work.resolve(name + ".stderr");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        pb.environment().putAll(moto.clientEnvironment());
        pb.environment().put("AWS_CONFIG_FILE", "/nonexistent");
        pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
        Process proc = pb.start();
        proc.getOutputStream().close();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(proc.waitFor(120, TimeUnit.SECONDS)).as("streamstack %s ended", name).isTrue();
        assertThat(proc.exitValue()).as("streamstack %s: %s", name, Files.readString(err)).isZero();
        return out;
    }

    @Test
    void cliTaxiAggregatesInRandomlyKeyedRecordsOutOverEveryShard() throws Exception {
        String in = moto.createStream("etl-in", 2);
        String out = moto.createStream("etl-out", 4);
        JsonNode summary =
                Json.MAPPER.readTree(
                        streamstack(
                                "produce",
                                "produce",
                                "--stream",
                                in,
                                "--generator",
                                "taxi",
                                "--count",
                                Integer.toString(TRIPS),
                                "--rate",
                                "max",
                                "--seed",
                                "20",
                                "--output",
                                "json"));
        assertThat(summary.get("user_records").asLong()).isEqualTo(TRIPS);
        assertThat(summary.get("failed_records").asLong()).isZero();
        assertThat(summary.get("kinesis_records").asLong())
                .as("KPL aggregation on: many trips per Kinesis record")
                .isLessThan(TRIPS / 10);
        try (KinesisClient kinesis = moto.kinesis()) {
            List<PutRecordsRequestEntry> junk =
                    List.of(
                            PutRecordsRequestEntry.builder()
                                    .partitionKey("junk")
                                    .data(SdkBytes.fromUtf8String("{not json"))
                                    .build(),
                            PutRecordsRequestEntry.builder()
                                    .partitionKey("junk")
                                    .data(
                                            SdkBytes.fromUtf8String(
                                                    "{\"pickup_datetime\":\"yesterday\"}"))
                                    .build());
            assertThat(kinesis.putRecords(b -> b.streamARN(in).records(junk)).failedRecordCount())
                    .isZero();
        }
        // What went in, de-aggregated by the CLI (not by the job's code).
        Map<String, String> expected = new HashMap<>();
        for (String line :
                streamstack(
                                "tail",
                                "tail",
                                "--stream",
                                // by name: moto 5.2.5 finds a GetShardIterator stream by its name
                                // only
                                "etl-in",
                                "--from",
                                "trim-horizon",
                                "--no-follow",
                                "--output",
                                "json")
                        .split("\n")) {
            JsonNode r = Json.MAPPER.readTree(line);
            if (r.get("partition_key").asText().equals("junk")) {
                continue;
            }
            assertThat(r.get("aggregated").asBoolean()).as("KPL-aggregated: %s", line).isTrue();
            String json = r.get("data").asText();
            assertThat(expected.put(Json.MAPPER.readTree(json).get("trip_id").asText(), json))
                    .isNull();
        }
        assertThat(expected).hasSize(TRIPS);

        Map<String, String> m = new HashMap<>();
        moto.sourceOptions().forEach((k, v) -> m.put((String) k, (String) v));
        m.put("InputStreamArn", in);
        m.put("OutputStreamArn", out);
        m.put("CheckpointIntervalMillis", "500");
        m.put("Parallelism", "2");
        StreamExecutionEnvironment env = MiniClusters.environment(null);
        buildAsMain(env, m);
        JobClient job = env.executeAsync("streaming-etl-kinesis-it");

        Map<String, List<Record>> byShard = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (KinesisClient kinesis = moto.kinesis()) {
            while (byShard.values().stream().mapToInt(List::size).sum() < TRIPS) {
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    job.getJobExecutionResult().get();
                }
                assertThat(System.nanoTime())
                        .as("timed out waiting for %d records on etl-out", TRIPS)
                        .isLessThan(deadline);
                Thread.sleep(500);
                byShard = StreamRecords.readAll(kinesis, out);
            }
            Thread.sleep(1500);
            byShard = StreamRecords.readAll(kinesis, out);
        }
        assertThat(job.getJobStatus().get())
                .as("bad records never fail the job")
                .isEqualTo(JobStatus.RUNNING);
        long bad = 0;
        for (Map.Entry<String, Metric> e :
                REPORTER.findMetrics(job.getJobID(), "badRecords").entrySet()) {
            assertThat(e.getKey()).contains(".kinesisanalytics.");
            bad += ((Counter) e.getValue()).getCount();
        }
        job.cancel().get();
        assertThat(bad)
                .as("the two garbage records, counted and logged (no OutputPath)")
                .isEqualTo(2);

        Map<String, String> got = new HashMap<>();
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (List<Record> records : byShard.values()) {
            for (Record r : records) {
                keys.add(r.partitionKey());
                String json = r.data().asUtf8String();
                String id = Json.MAPPER.readTree(json).get("trip_id").asText();
                assertThat(got.put(id, json)).as("trip %s twice on etl-out", id).isNull();
            }
        }
        assertThat(got).hasSize(TRIPS);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(Json.MAPPER.readTree(got.get(e.getKey())))
                    .isEqualTo(Json.MAPPER.readTree(e.getValue()));
        }
        assertThat(byShard)
                .as("random partition keys: every shard of etl-out gets records")
                .hasSize(4);
        assertThat(byShard.values())
                .allSatisfy(records -> assertThat(records.size()).isGreaterThan(TRIPS / 10));
        assertThat(keys).as("a random partition key per record, never a constant").hasSize(TRIPS);
        System.out.printf(
                "KinesisPipelineIT: %d trips in %d Kinesis records (CLI, aggregated), out over"
                        + " shards %s%n",
                TRIPS,
                summary.get("kinesis_records").asLong(),
                new java.util.TreeMap<>(
                        byShard.entrySet().stream()
                                .collect(
                                        java.util.stream.Collectors.toMap(
                                                Map.Entry::getKey, e -> e.getValue().size()))));
    }

    /** What the job's main does, on the properties of a local run. */
    private static void buildAsMain(StreamExecutionEnvironment env, Map<String, String> m) {
        JobProperties props = JobProperties.of(m, true);
        LocalRun.configure(env, props);
        StreamingEtlJob.build(env, props);
    }
}
