package io.streamstack.flink.etl;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.flink.core.fs.local.LocalDataOutputStream;

/**
 * Run by {@link ShadedJarIT} in a JVM whose class path is the shaded jar and Flink's own jars only:
 * writes a Parquet file through the job's writer and loads the Kafka sink's and source's classes.
 * Prints {@code OK <bytes>}.
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
        System.out.println("OK " + b.length);
    }
}
