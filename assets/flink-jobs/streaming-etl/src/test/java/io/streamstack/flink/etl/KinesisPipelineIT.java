package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.LocalRun;
import io.streamstack.flink.common.testing.KplAggregates;
import io.streamstack.flink.common.testing.MotoEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * Kinesis in and out on the emulator: KPL aggregates of taxi trips (and garbage) into one stream,
 * the job (our source, our sink, no OutputPath: bad records are logged and counted) into a second
 * stream of four shards; every trip read back exactly as sent, its random partition keys spread
 * over all four shards. Inputs: the system properties {@code streamstack.repo} and {@code
 * streamstack.venv} (the emulator), as for the other jobs' ITs.
 */
class KinesisPipelineIT {
    static final int TRIPS = 400;
    static final long T0 =
            Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3)).toEpochMilli();
    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    static MotoEmulator moto;

    @BeforeAll
    static void startEmulator() throws Exception {
        moto = MotoEmulator.start(Path.of("target", "moto-logs"));
    }

    @AfterAll
    static void stopEmulator() {
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void kplAggregatesInRandomlyKeyedRecordsOutOverEveryShard() throws Exception {
        String in = moto.createStream("etl-in", 2);
        String out = moto.createStream("etl-out", 4);
        Map<String, String> expected = new HashMap<>();
        try (KinesisClient kinesis = moto.kinesis()) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (int a = 0; a < TRIPS / 50; a++) {
                List<byte[]> records = new ArrayList<>();
                for (long i = a * 50L; i < (a + 1) * 50L; i++) {
                    TaxiTrips.Trip t = TaxiTrips.trip(i, T0, 20_000);
                    expected.put(t.tripId(), t.json());
                    records.add(t.json().getBytes(StandardCharsets.UTF_8));
                }
                entries.add(
                        PutRecordsRequestEntry.builder()
                                .partitionKey("agg-" + a)
                                .data(
                                        SdkBytes.fromByteArray(
                                                KplAggregates.aggregate("agg-" + a, records)))
                                .build());
            }
            entries.add(
                    PutRecordsRequestEntry.builder()
                            .partitionKey("junk")
                            .data(SdkBytes.fromUtf8String("{not json"))
                            .build());
            entries.add(
                    PutRecordsRequestEntry.builder()
                            .partitionKey("junk")
                            .data(SdkBytes.fromUtf8String("{\"pickup_datetime\":\"yesterday\"}"))
                            .build());
            assertThat(
                            kinesis.putRecords(b -> b.streamARN(in).records(entries))
                                    .failedRecordCount())
                    .isZero();
        }

        Map<String, String> m = new HashMap<>();
        moto.sourceOptions().forEach((k, v) -> m.put((String) k, (String) v));
        m.put("InputStreamArn", in);
        m.put("OutputStreamArn", out);
        m.put("CheckpointIntervalMillis", "500");
        m.put("Parallelism", "2");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none"));
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
                byShard = readAll(kinesis, out);
            }
            Thread.sleep(1500);
            byShard = readAll(kinesis, out);
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
        for (List<Record> records : byShard.values()) {
            for (Record r : records) {
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
    }

    static Map<String, List<Record>> readAll(KinesisClient kinesis, String streamArn) {
        Map<String, List<Record>> byShard = new HashMap<>();
        for (Shard shard : kinesis.listShards(b -> b.streamARN(streamArn)).shards()) {
            String it =
                    kinesis.getShardIterator(
                                    b ->
                                            b.streamARN(streamArn)
                                                    .shardId(shard.shardId())
                                                    .shardIteratorType(
                                                            ShardIteratorType.TRIM_HORIZON))
                            .shardIterator();
            while (it != null) {
                String current = it;
                GetRecordsResponse r =
                        kinesis.getRecords(
                                b -> b.streamARN(streamArn).shardIterator(current).limit(1000));
                if (!r.records().isEmpty()) {
                    byShard.computeIfAbsent(shard.shardId(), k -> new ArrayList<>())
                            .addAll(r.records());
                }
                it = r.records().isEmpty() ? null : r.nextShardIterator();
            }
        }
        return byShard;
    }

    /** What the job's main does, on the properties of a local run. */
    private static void buildAsMain(StreamExecutionEnvironment env, Map<String, String> m) {
        JobProperties props = JobProperties.of(m, true);
        LocalRun.configure(env, props);
        StreamingEtlJob.build(env, props);
    }
}
