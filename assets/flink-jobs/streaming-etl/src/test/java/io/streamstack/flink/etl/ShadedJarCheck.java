package io.streamstack.flink.etl;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.flink.core.fs.local.LocalDataOutputStream;

/**
 * Run by {@link ShadedJarIT} in a JVM whose class path is the shaded jar and Flink's own jars only:
 * writes a Parquet file through the job's writer, loads the Kafka sink's and source's classes and
 * builds a Kafka producer with {@code KafkaAuth IAM}'s properties (MSK IAM login module and
 * callback handler). Prints {@code OK <bytes>}.
 */
public final class ShadedJarCheck {
    private ShadedJarCheck() {}

    public static void main(String[] args) throws Exception {
        EtlParser parser =
                new EtlParser(
                        "pickup_datetime",
                        List.of("vendor_id"),
                        null,
                        false,
                        EtlSettings.defaultSchema());
        EtlRecord r =
                parser.parse(
                        TaxiTrips.trip(1, 1_795_525_507_250L, 1000)
                                .json()
                                .getBytes(StandardCharsets.UTF_8));
        File f = new File(args[0]);
        var writer =
                new FileOutput.AvroParquetFactory(EtlSettings.defaultSchema())
                        .create(new LocalDataOutputStream(f));
        for (int i = 0; i < 100; i++) {
            writer.addElement(r);
        }
        writer.finish();
        byte[] b = Files.readAllBytes(f.toPath());
        if (b.length < 8 || !new String(b, 0, 4, StandardCharsets.US_ASCII).equals("PAR1")) {
            throw new IllegalStateException("not a Parquet file");
        }
        Class.forName("org.apache.flink.connector.kafka.sink.KafkaSink");
        Class.forName("org.apache.flink.connector.kafka.source.KafkaSource");
        Class.forName("org.apache.kafka.clients.producer.KafkaProducer");
        Class.forName("software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner");
        // KafkaAuth IAM: the Kafka client loads the login module and the callback handler by the
        // names in the properties, from this jar.
        java.util.Properties iam =
                EtlSettings.from(
                                io.streamstack.flink.common.JobProperties.of(
                                        java.util.Map.of(
                                                "InputKafkaBootstrapServers",
                                                "127.0.0.1:9",
                                                "InputKafkaTopic",
                                                "in",
                                                "OutputKafkaBootstrapServers",
                                                "127.0.0.1:9",
                                                "OutputKafkaTopic",
                                                "out",
                                                "KafkaAuth",
                                                "IAM"),
                                        false))
                        .kafkaProperties();
        iam.put("bootstrap.servers", "127.0.0.1:9");
        try (var producer =
                new org.apache.kafka.clients.producer.KafkaProducer<>(
                        iam,
                        new org.apache.kafka.common.serialization.ByteArraySerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.close(java.time.Duration.ZERO);
        }
        Class.forName("software.amazon.msk.auth.iam.IAMClientCallbackHandler");
        System.out.println("OK " + b.length);
    }
}
