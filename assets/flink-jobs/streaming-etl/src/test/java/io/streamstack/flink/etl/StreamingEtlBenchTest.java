package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.Parsed;
import io.streamstack.flink.common.testing.MiniClusters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput of the streaming-etl pipeline on a MiniCluster: taxi trips from a topic of the in-JVM
 * broker (read bounded, to its end offsets at the start), parsed, mapped onto the Avro schema and
 * written as Parquet files partitioned by hour, checkpoints every second. Prints records/s per busy
 * core and Parquet bytes per record next to the JSON input's. The broker runs in the same JVM and
 * takes its share of the cores. Excluded by default; run with {@code mvn -B verify -Pbench
 * -DskipITs -pl common,streaming-etl -am} ({@code -Detl.bench.records=N}).
 */
@Tag("bench")
class StreamingEtlBenchTest {
    static final int RECORDS = Integer.getInteger("etl.bench.records", 1_000_000);
    static final int PARALLELISM = 2;
    static final long T0 = Instant.parse("2026-11-24T00:00:00Z").toEpochMilli();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.oneTaskManager(PARALLELISM);

    static KafkaClusterTestKit kafka;
    static long jsonBytes;

    @BeforeAll
    static void fillTopic() throws Exception {
        kafka = KafkaBroker.start(new NewTopic("trips", PARALLELISM, (short) 1));
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = 0; i < RECORDS; i++) {
                byte[] json =
                        TaxiTrips.trip(i, T0, 100)
                                .json()
                                .getBytes(StandardCharsets.UTF_8); // 10 trips a second
                jsonBytes += json.length;
                producer.send(new ProducerRecord<>("trips", json));
            }
        }
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void kafkaToParquet(@TempDir Path out) throws Exception {
        EtlSettings s =
                EtlSettings.from(
                        JobProperties.of(
                                Map.of(
                                        "InputKafkaBootstrapServers",
                                        kafka.bootstrapServers(),
                                        "InputKafkaTopic",
                                        "trips",
                                        "OutputPath",
                                        out.toUri().toString()),
                                true));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(PARALLELISM);
        env.enableCheckpointing(1000);
        env.configure(new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none"));
        DataStream<Parsed<EtlRecord>> parsed =
                env.fromSource(
                        KafkaInput.builder(s, new EtlParser(s))
                                .setBounded(OffsetsInitializer.latest())
                                .build(),
                        StreamingEtlJob.watermarks(s),
                        "Kafka source");
        StreamingEtlJob.sinks(StreamingEtlJob.pipeline(parsed), s);
        JobExecutionResult result = env.execute("streaming-etl-bench");

        double seconds = result.getNetRuntime() / 1000.0;
        long parquetBytes;
        long files;
        try (Stream<Path> walk = Files.walk(out.resolve(FileOutput.RESULTS))) {
            List<Path> parts =
                    walk.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList();
            files = parts.size();
            parquetBytes = 0;
            for (Path f : parts) {
                parquetBytes += Files.size(f);
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        double rate = RECORDS / seconds;
        System.out.printf(
                "BENCH streaming-etl Kafka -> Parquet, parallelism %d on %d cores: %,d records in %.2f s ="
                        + " %,.0f records/s, %,.0f records/s per busy core; Parquet %,d bytes in %d files = %.1f bytes/record"
                        + " vs JSON input %.1f bytes/record (%.1f%%)%n",
                PARALLELISM,
                cores,
                RECORDS,
                seconds,
                rate,
                rate / Math.min(PARALLELISM, cores),
                parquetBytes,
                files,
                parquetBytes / (double) RECORDS,
                jsonBytes / (double) RECORDS,
                100.0 * parquetBytes / jsonBytes);
        assertThat(KafkaPipelineIT.parquetRows(out)).hasSize(RECORDS);
    }
}
