package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.LocalRun;
import io.streamstack.flink.common.testing.MiniClusters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job for real against an in-JVM KRaft broker (Kafka's own KafkaClusterTestKit) on a
 * MiniCluster: taxi trips with malformed records mixed in, Kafka in, Parquet files in a local
 * folder and a Kafka topic out (EXACTLY_ONCE), stopped with a savepoint half way and restarted from
 * it. Every Parquet file is read back with parquet-avro's reader and compared field by field, with
 * its partition folders; the output topic is read with a read_committed consumer; the bad records
 * are in errors/ and counted under {@code kinesisanalytics}; the job never fails.
 */
class KafkaPipelineIT {
    static final int PER_BATCH = 150;
    static final long STEP = 60_000; // one trip a minute: each batch spans three hours
    static final long T0 =
            Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(8)).toEpochMilli();

    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.withReporter(REPORTER);

    static KafkaClusterTestKit kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka =
                KafkaBroker.start(
                        new NewTopic("trips", 2, (short) 1),
                        new NewTopic("trips-out", 2, (short) 1),
                        new NewTopic("crash-in", 2, (short) 1),
                        new NewTopic("crash-out", 2, (short) 1));
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    static final List<String> MALFORMED =
            List.of(
                    "{\"trip_id\": \"broken", // malformed JSON
                    "[\"not\", \"an\", \"object\"]",
                    "{\"trip_id\":\"x\",\"fare_amount\":1.0}", // no event time
                    "{\"trip_id\":\"y\",\"pickup_datetime\":false}"); // mistyped event time

    /** A schema misfit: the fare as text. */
    static String misfit(long i) {
        return TaxiTrips.trip(i, T0, STEP)
                .json()
                .replaceFirst("\"fare_amount\":([0-9.]+)", "\"fare_amount\":\"$1\"");
    }

    void produce(long from, long to, List<String> bad) throws Exception {
        produce("trips", from, to, bad);
    }

    void produce(String topic, long from, long to, List<String> bad) throws Exception {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = from; i < to; i++) {
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                bytes(Long.toString(i)),
                                bytes(TaxiTrips.trip(i, T0, STEP).json())));
                if ((i - from) % 40 == 7 && !bad.isEmpty()) {
                    producer.send(new ProducerRecord<>(topic, null, bytes(bad.remove(0))));
                }
            }
            for (String b : bad) {
                producer.send(new ProducerRecord<>(topic, null, bytes(b)));
            }
            producer.flush();
        }
    }

    JobClient start(Path out, String savepoint) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("InputKafkaBootstrapServers", kafka.bootstrapServers());
        m.put("InputKafkaTopic", "trips");
        m.put("InputKafkaGroupId", "etl-it");
        m.put("OutputPath", out.toUri().toString());
        m.put("PartitionFields", "vendor_id");
        m.put("OutputKafkaBootstrapServers", kafka.bootstrapServers());
        m.put("OutputKafkaTopic", "trips-out");
        m.put("OutputKafkaKeyField", "trip_id");
        m.put("OutputKafkaTransactionTimeoutMillis", "60000");
        m.put("CheckpointIntervalMillis", "300");
        m.put("Parallelism", "2");
        StreamExecutionEnvironment env = MiniClusters.environment(savepoint);
        buildAsMain(env, m);
        return env.executeAsync("streaming-etl-it");
    }

    @Test
    void kafkaInParquetAndKafkaOutExactlyOnceAcrossASavepoint(
            @TempDir Path out, @TempDir Path savepoints) throws Exception {
        List<TaxiTrips.Trip> expected = new ArrayList<>();
        for (long i = 0; i < 2 * PER_BATCH; i++) {
            expected.add(TaxiTrips.trip(i, T0, STEP));
        }
        produce(
                0,
                PER_BATCH,
                new ArrayList<>(List.of(MALFORMED.get(0), MALFORMED.get(1), misfit(9_001))));
        JobClient first = start(out, null);
        waitFor(
                first,
                () ->
                        parquetRows(out).size() == PER_BATCH
                                && committedOut().size() == PER_BATCH
                                && errorLines(out).size() == 3,
                "the first batch in Parquet and on trips-out, 3 errors");
        assertThat(first.getJobStatus().get())
                .as("bad records never fail the job")
                .isEqualTo(JobStatus.RUNNING);
        assertThat(badRecordsCount(first.getJobID())).isEqualTo(3);
        String savepoint =
                first.stopWithSavepoint(
                                false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();

        produce(
                PER_BATCH,
                2 * PER_BATCH,
                new ArrayList<>(List.of(MALFORMED.get(2), MALFORMED.get(3), misfit(9_002))));
        JobClient second = start(out, savepoint);
        waitFor(
                second,
                () ->
                        parquetRows(out).size() >= 2 * PER_BATCH
                                && committedOut().size() >= 2 * PER_BATCH
                                && errorLines(out).size() >= 6,
                "both batches in Parquet and on trips-out, 6 errors");
        Thread.sleep(
                1500); // a few more checkpoints: anything replayed by mistake would show up now
        assertThat(second.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        second.cancel().get();

        // Parquet: every trip exactly once, field by field, in the folder of its pick-up hour and
        // vendor.
        Map<String, GenericRecord> rows = new HashMap<>();
        for (Map.Entry<Path, GenericRecord> e : parquetRowsWithFiles(out)) {
            GenericRecord r = e.getValue();
            assertThat(rows.put(r.get("trip_id").toString(), r))
                    .as("trip %s twice in Parquet", r.get("trip_id"))
                    .isNull();
            String folder = out.relativize(e.getKey().getParent()).toString();
            assertThat(folder)
                    .isEqualTo(
                            "results/"
                                    + Partitions.bucket(
                                            (Long) r.get("pickup_datetime"),
                                            "vendor_id=" + r.get("vendor_id")));
        }
        assertThat(rows).hasSize(2 * PER_BATCH);
        for (TaxiTrips.Trip t : expected) {
            GenericRecord r = rows.get(t.tripId());
            assertThat(r).as("trip %s in Parquet", t.tripId()).isNotNull();
            assertThat(r.get("vendor_id")).isEqualTo(t.vendorId());
            assertThat(r.get("pickup_datetime")).isEqualTo(t.pickup());
            assertThat(r.get("dropoff_datetime")).isEqualTo(t.dropoff());
            assertThat(r.get("passenger_count")).isEqualTo(t.passengers());
            assertThat(r.get("pickup_longitude")).isEqualTo(t.pickupLon());
            assertThat(r.get("pickup_latitude")).isEqualTo(t.pickupLat());
            assertThat(r.get("dropoff_longitude")).isEqualTo(t.dropoffLon());
            assertThat(r.get("dropoff_latitude")).isEqualTo(t.dropoffLat());
            assertThat(r.get("trip_distance")).isEqualTo(t.distance());
            assertThat(r.get("fare_amount")).isEqualTo(t.fare());
            assertThat(r.get("payment_type").toString()).isEqualTo(t.payment());
        }
        assertThat(
                        Files.walk(out.resolve("results"))
                                .filter(Files::isDirectory)
                                .map(p -> p.getFileName().toString())
                                .filter(n -> n.startsWith("hour="))
                                .distinct()
                                .count())
                .as("300 trips a minute apart fill five or six hours")
                .isBetween(5L, 6L);

        // Kafka: every trip exactly once for a read_committed consumer, keyed by trip_id, the JSON
        // unchanged.
        Map<String, String> outRecords = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : committedOut()) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            assertThat(outRecords.put(key, new String(r.value(), StandardCharsets.UTF_8)))
                    .as("trip %s twice on trips-out", key)
                    .isNull();
        }
        assertThat(outRecords).hasSize(2 * PER_BATCH);
        for (TaxiTrips.Trip t : expected) {
            assertThat(io.streamstack.flink.common.Json.MAPPER.readTree(outRecords.get(t.tripId())))
                    .isEqualTo(io.streamstack.flink.common.Json.MAPPER.readTree(t.json()));
        }

        // errors/: the six bad records with their reasons and origin.
        List<JsonNode> errors = errorLines(out);
        assertThat(errors).hasSize(6);
        assertThat(errors)
                .extracting(e -> e.get("reason").asText())
                .anySatisfy(r -> assertThat(r).startsWith("malformed JSON"))
                .contains(
                        "not a JSON object",
                        "event time field pickup_datetime is missing",
                        "event time field pickup_datetime must be ISO-8601 text or epoch milliseconds, got false")
                .filteredOn(r -> r.startsWith("schema misfit: field fare_amount wants double"))
                .hasSize(2);
        assertThat(errors)
                .allSatisfy(
                        e -> {
                            assertThat(e.get("stream").asText()).isEqualTo("trips");
                            assertThat(e.get("shard_id").asText()).startsWith("partition-");
                        });
    }

    /**
     * A crash, not a savepoint: the job is cancelled while records it wrote after its last
     * checkpoint sit in an open transaction, and restarts from that (retained) checkpoint,
     * replaying them from Kafka. A read_committed consumer must see every record once: the open
     * transaction is aborted on restore. With AT_LEAST_ONCE the replayed records would show up
     * twice (unless a checkpoint slipped in between, which this test cannot rule out).
     */
    @Test
    void kafkaOutExactlyOnceAcrossACrashAndARestoreFromTheLastCheckpoint(
            @TempDir Path out, @TempDir Path checkpoints) throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("InputKafkaBootstrapServers", kafka.bootstrapServers());
        m.put("InputKafkaTopic", "crash-in");
        m.put("InputKafkaGroupId", "etl-crash");
        m.put("OutputKafkaBootstrapServers", kafka.bootstrapServers());
        m.put("OutputKafkaTopic", "crash-out");
        m.put("OutputKafkaKeyField", "trip_id");
        m.put("OutputKafkaTransactionalIdPrefix", "etl-crash");
        m.put("OutputPath", out.toUri().toString());
        m.put("OutputKafkaTransactionTimeoutMillis", "60000");
        m.put("CheckpointIntervalMillis", "2500");
        m.put("Parallelism", "2");
        Configuration conf =
                new Configuration()
                        .set(RestartStrategyOptions.RESTART_STRATEGY, "none")
                        .set(
                                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                                checkpoints.toUri().toString())
                        .set(
                                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        buildAsMain(env, m);
        JobClient first = env.executeAsync("streaming-etl-crash-1");

        produce("crash-in", 0, 100, new ArrayList<>());
        waitFor(
                first,
                () -> read("crash-out", true).size() == 100,
                "the first 100 committed on crash-out");
        produce("crash-in", 100, 200, new ArrayList<>());
        waitFor(
                first,
                () -> read("crash-out", false).size() > 100,
                "records of the second hundred written to crash-out");
        first.cancel().get();

        Path latest;
        try (Stream<Path> dirs = Files.walk(checkpoints, 2)) {
            latest =
                    dirs.filter(
                                    d ->
                                            d.getFileName().toString().startsWith("chk-")
                                                    && Files.exists(d.resolve("_metadata")))
                            .max(
                                    java.util.Comparator.comparingLong(
                                            d ->
                                                    Long.parseLong(
                                                            d.getFileName()
                                                                    .toString()
                                                                    .substring(4))))
                            .orElseThrow(
                                    () ->
                                            new AssertionError(
                                                    "no retained checkpoint under " + checkpoints));
        }
        StreamExecutionEnvironment env2 =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        new Configuration()
                                .set(RestartStrategyOptions.RESTART_STRATEGY, "none")
                                .set(
                                        StateRecoveryOptions.SAVEPOINT_PATH,
                                        latest.toUri().toString()));
        buildAsMain(env2, m);
        JobClient second = env2.executeAsync("streaming-etl-crash-2");
        waitFor(
                second,
                () -> read("crash-out", true).size() >= 200 && parquetRows(out).size() >= 200,
                "all 200 committed on crash-out and in Parquet");
        Thread.sleep(
                3000); // another checkpoint: a duplicate committed by mistake would show up now
        second.cancel().get();

        Map<String, Integer> seen = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read("crash-out", true)) {
            seen.merge(new String(r.key(), StandardCharsets.UTF_8), 1, Integer::sum);
        }
        assertThat(seen).hasSize(200);
        assertThat(seen.entrySet())
                .as("EXACTLY_ONCE: no trip twice for a read_committed consumer after the crash")
                .allSatisfy(e -> assertThat(e.getValue()).as(e.getKey()).isEqualTo(1));
        assertThat(
                        parquetRows(out).stream()
                                .map(r -> r.get("trip_id").toString())
                                .distinct()
                                .count())
                .as(
                        "the FileSink drops the crashed run's in-progress files: no trip twice in Parquet either")
                .isEqualTo(parquetRows(out).size())
                .isEqualTo(200L);
    }

    static long badRecordsCount(JobID job) {
        long total = 0;
        for (Map.Entry<String, Metric> e : REPORTER.findMetrics(job, "badRecords").entrySet()) {
            assertThat(e.getKey())
                    .as("registered in the group Managed Flink exports")
                    .contains(".kinesisanalytics.");
            total += ((Counter) e.getValue()).getCount();
        }
        return total;
    }

    static void waitFor(JobClient job, BooleanSupplier done, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!done.getAsBoolean()) {
            JobStatus status = job.getJobStatus().get();
            if (status.isGloballyTerminalState()) {
                job.getJobExecutionResult().get(); // throws the job's failure
                throw new AssertionError(
                        "the job ended (" + status + ") while waiting for " + what);
            }
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    static List<ConsumerRecord<byte[], byte[]>> committedOut() {
        return read("trips-out", true);
    }

    /**
     * Every record of the topic's two partitions, for a read_committed or a read_uncommitted
     * consumer.
     */
    static List<ConsumerRecord<byte[], byte[]>> read(String topic, boolean committed) {
        Properties p = kafka.clientProperties();
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                committed ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<org.apache.kafka.common.TopicPartition> parts =
                    List.of(
                            new org.apache.kafka.common.TopicPartition(topic, 0),
                            new org.apache.kafka.common.TopicPartition(topic, 1));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))
                    && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(records::add);
            }
        }
        return records;
    }

    /** Committed Parquet files only: the FileSink's in-progress files start with a dot. */
    static List<Map.Entry<Path, GenericRecord>> parquetRowsWithFiles(Path out) {
        Path results = out.resolve("results");
        if (!Files.isDirectory(results)) {
            return List.of();
        }
        List<Map.Entry<Path, GenericRecord>> rows = new ArrayList<>();
        try (Stream<Path> files = Files.walk(results)) {
            for (Path f :
                    files.filter(
                                    f ->
                                            f.getFileName().toString().startsWith("part-")
                                                    && f.getFileName()
                                                            .toString()
                                                            .endsWith(".parquet"))
                            .toList()) {
                try (ParquetReader<GenericRecord> reader =
                        AvroParquetReader.<GenericRecord>builder(
                                        new LocalInputFile(f), new PlainParquetConfiguration())
                                .withDataModel(GenericData.get())
                                .build()) {
                    for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                        rows.add(Map.entry(f, r));
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return rows;
    }

    static List<GenericRecord> parquetRows(Path out) {
        return parquetRowsWithFiles(out).stream().map(Map.Entry::getValue).toList();
    }

    static List<JsonNode> errorLines(Path out) {
        Path errors = out.resolve("errors");
        if (!Files.isDirectory(errors)) {
            return List.of();
        }
        List<JsonNode> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(errors)) {
            for (Path f :
                    files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    lines.add(io.streamstack.flink.common.Json.MAPPER.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return lines;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** What the job's main does, on the properties of a local run. */
    private static void buildAsMain(StreamExecutionEnvironment env, Map<String, String> m) {
        JobProperties props = JobProperties.of(m, true);
        LocalRun.configure(env, props);
        StreamingEtlJob.build(env, props);
    }
}
