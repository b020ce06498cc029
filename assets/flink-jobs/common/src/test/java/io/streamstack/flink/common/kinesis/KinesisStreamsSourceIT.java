package io.streamstack.flink.common.kinesis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.KplDeserializationSchema;
import io.streamstack.flink.common.Parsed;
import io.streamstack.flink.common.testing.FaultProxy;
import io.streamstack.flink.common.testing.KplAggregates;
import io.streamstack.flink.common.testing.MiniClusters;
import io.streamstack.flink.common.testing.MotoEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

/**
 * The Kinesis source against the emulator: 4 shards read by 2 readers, plain and KPL-aggregated
 * records, key order kept, and a stop with a savepoint and a restart from it that neither loses nor
 * repeats a record. (The emulator never closes a shard's iterator, so resharding is covered by
 * ShardEnumeratorTest instead.)
 */
class KinesisStreamsSourceIT {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.oneTaskManager(2);

    static final Map<String, Queue<String>> SEEN = new ConcurrentHashMap<>();
    static MotoEmulator moto;
    static Path work;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "it-");
        moto = MotoEmulator.start(work);
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    /**
     * Writes records "KEY:N" for N = from..to-1 of 20 keys, every tenth call as one KPL aggregate
     * per key.
     */
    static List<String> put(KinesisClient k, String arn, int from, int to) {
        List<String> sent = new ArrayList<>();
        for (int n = from; n < to; n++) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (int key = 0; key < 20; key++) {
                String pk = "key" + key;
                if (n % 10 == 9) {
                    List<byte[]> users = new ArrayList<>();
                    for (int j = 0; j < 3; j++) {
                        String v = pk + ":" + n + "." + j;
                        users.add(v.getBytes(StandardCharsets.UTF_8));
                        sent.add(v);
                    }
                    entries.add(
                            PutRecordsRequestEntry.builder()
                                    .partitionKey(pk)
                                    .data(
                                            SdkBytes.fromByteArray(
                                                    KplAggregates.aggregate(pk, users)))
                                    .build());
                } else {
                    String v = pk + ":" + n;
                    sent.add(v);
                    entries.add(
                            PutRecordsRequestEntry.builder()
                                    .partitionKey(pk)
                                    .data(SdkBytes.fromUtf8String(v))
                                    .build());
                }
            }
            assertThat(k.putRecords(b -> b.streamARN(arn).records(entries)).failedRecordCount())
                    .isZero();
        }
        return sent;
    }

    static JobClient startJob(String arn, String tag, String savepoint) throws Exception {
        return startJob(arn, tag, savepoint, moto.endpoint());
    }

    static JobClient startJob(String arn, String tag, String savepoint, String endpoint)
            throws Exception {
        StreamExecutionEnvironment env = MiniClusters.environment(savepoint);
        env.setParallelism(2);
        env.enableCheckpointing(300);
        KinesisStreamsSource<Parsed<String>> source =
                KinesisStreamsSource.<Parsed<String>>builder()
                        .setStreamArn(arn)
                        .setSourceConfig(moto.sourceOptions())
                        .setOption("aws.endpoint", endpoint)
                        .setOption("source.reader.empty-records-fetch-interval", "100 ms")
                        .setOption("source.shard.get-records.max-record-count", "37")
                        .setDeserializationSchema(
                                new KplDeserializationSchema<>(
                                        d -> new String(d, StandardCharsets.UTF_8),
                                        Types.STRING,
                                        1000))
                        .build();
        SEEN.putIfAbsent(tag, new ConcurrentLinkedQueue<>());
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "Kinesis")
                .uid("source")
                .map(
                        p -> {
                            SEEN.get(tag).add(p.isOk() ? p.getValue() : "BAD " + p.getBad());
                            return 0;
                        },
                        Types.INT)
                .uid("record")
                .sinkTo(new DiscardingSink<>())
                .uid("discard");
        return env.executeAsync("source-it-" + tag);
    }

    static void awaitCount(String tag, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (SEEN.get(tag).size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out with " + SEEN.get(tag).size() + " of " + n + " records");
            }
            Thread.sleep(100);
        }
    }

    static void assertKeyOrder(List<String> seen, List<String> sent) {
        Map<String, List<String>> bySeen = new LinkedHashMap<>();
        Map<String, List<String>> bySent = new LinkedHashMap<>();
        seen.forEach(v -> bySeen.computeIfAbsent(v.split(":")[0], x -> new ArrayList<>()).add(v));
        sent.forEach(v -> bySent.computeIfAbsent(v.split(":")[0], x -> new ArrayList<>()).add(v));
        assertThat(bySeen).isEqualTo(bySent);
    }

    @Test
    void readsEveryShardInKeyOrderAndResumesFromASavepointExactly() throws Exception {
        String arn = moto.createStream("source-it", 4);
        List<String> first;
        List<String> second;
        try (KinesisClient k = moto.kinesis()) {
            first = put(k, arn, 0, 30);
            JobClient job = startJob(arn, "first", null);
            awaitCount("first", first.size());
            Thread.sleep(1000);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            String savepoint =
                    job.stopWithSavepoint(
                                    false,
                                    work.resolve("savepoints").toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get();
            assertThat(SEEN.get("first")).hasSize(first.size());
            assertKeyOrder(new ArrayList<>(SEEN.get("first")), first);

            second = put(k, arn, 30, 60);
            JobClient resumed = startJob(arn, "second", savepoint);
            awaitCount("second", second.size());
            Thread.sleep(1500);
            assertThat(resumed.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            resumed.cancel().get();
        }
        assertThat(SEEN.get("second"))
                .as("after the savepoint: the new records once each")
                .hasSize(second.size());
        assertKeyOrder(new ArrayList<>(SEEN.get("second")), second);
    }

    /**
     * Issue 19, defect 3, on the emulator: 30 % of the GetRecords requests answered 400
     * ProvisionedThroughputExceededException by tests/support/fault_proxy.py. Every record is read
     * exactly once, the job stays up (no restart strategy: any failure ends it), and the reader
     * stays within 5 GetRecords calls per shard per second, counted by the proxy.
     */
    @Test
    void readsEveryRecordOnceWhileAThirdOfTheReadsAreThrottled() throws Exception {
        String arn = moto.createStream("source-it-throttled", 2);
        try (FaultProxy proxy = FaultProxy.start(moto.endpoint(), 0.3, 19);
                KinesisClient k = moto.kinesis()) {
            List<String> sent = put(k, arn, 0, 20);
            JobClient job = startJob(arn, "throttled", null, proxy.endpoint());
            awaitCount("throttled", sent.size());
            // Then a busy stream: new records on both shards every 100 ms for 6 s, so that most
            // answers are
            // not empty (the reader used to call again at once after those).
            for (int n = 20; n < 80; n++) {
                sent.addAll(put(k, arn, n, n + 1));
                Thread.sleep(100);
            }
            awaitCount("throttled", sent.size());
            Thread.sleep(3000);
            assertThat(job.getJobStatus().get())
                    .as("defect 3: the job survives throttling")
                    .isEqualTo(JobStatus.RUNNING);
            JsonNode stats = proxy.stats();
            job.cancel().get();
            assertThat(SEEN.get("throttled"))
                    .as("defect 3: every record exactly once")
                    .hasSize(sent.size());
            assertKeyOrder(new ArrayList<>(SEEN.get("throttled")), sent);
            long calls = stats.get("get_records").asLong();
            double seconds = stats.get("get_records_seconds").asDouble();
            double perShardPerSecond = calls / 2.0 / seconds;
            System.out.printf(
                    java.util.Locale.ROOT,
                    "BENCH emulator getrecords_calls_per_shard_per_second=%.2f "
                            + "max_in_any_second=%d throttled=%d of %d (2 shards, 30 %% throttled, %.0f s)%n",
                    perShardPerSecond,
                    stats.get("get_records_max_per_shard_second").asInt(),
                    stats.get("get_records_throttled").asLong(),
                    calls,
                    seconds);
            assertThat(stats.get("get_records_throttled").asLong())
                    .as("the proxy throttled reads")
                    .isPositive();
            assertThat(perShardPerSecond)
                    .as("defect 3: GetRecords calls per shard per second on the emulator")
                    .isLessThanOrEqualTo(5.0);
            // The proxy counts arrivals in a sliding second. The reader starts a shard's next call
            // 200 ms after
            // the previous one returned, so arrivals are 200 ms apart too, whatever the network's
            // delays.
            assertThat(stats.get("get_records_max_per_shard_second").asInt())
                    .as("defect 3: GetRecords of one shard within any second, seen by the proxy")
                    .isLessThanOrEqualTo(5);
        }
    }

    /**
     * Issue 19, defect 4: ASSUME_ROLE (cross-account streams) against the emulator's STS: the
     * source's client reads the stream with the role's session credentials, obtained with the role
     * provider's keys.
     */
    @Test
    void assumeRoleReadsWithTheRolesSessionCredentials() throws Exception {
        String arn = moto.createStream("source-it-role", 1);
        Configuration c = new Configuration();
        c.setString("aws.endpoint", moto.endpoint());
        c.setString("aws.credentials.provider", "ASSUME_ROLE");
        c.setString(
                "aws.credentials.provider.role.arn",
                "arn:aws:iam::123456789012:role/stream-reader");
        c.setString("aws.credentials.provider.role.sessionName", "source-it");
        c.setString("aws.credentials.provider.role.externalId", "ext-19");
        c.setString("aws.credentials.provider.role.stsEndpoint", moto.endpoint());
        c.setString(
                "aws.credentials.provider.role.provider.basic.accesskeyid",
                MotoEmulator.ACCESS_KEY);
        c.setString(
                "aws.credentials.provider.role.provider.basic.secretkey", MotoEmulator.SECRET_KEY);
        KinesisSourceOptions.validate(arn, c);
        try (KinesisSourceOptions.Clients clients = KinesisSourceOptions.client(arn, c)) {
            var credentials = clients.credentials.resolveCredentials();
            assertThat(credentials)
                    .isInstanceOf(
                            software.amazon.awssdk.auth.credentials.AwsSessionCredentials.class);
            assertThat(credentials.accessKeyId())
                    .as("the role's session, not the caller's keys")
                    .isNotEqualTo(MotoEmulator.ACCESS_KEY);
            assertThat(clients.kinesis.listShards(b -> b.streamARN(arn)).shards()).hasSize(1);
        }
    }
}
