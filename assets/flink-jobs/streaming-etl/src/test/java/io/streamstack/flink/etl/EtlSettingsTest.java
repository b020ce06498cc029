package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamstack.flink.common.JobProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EtlSettingsTest {
    static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/taxi";
    static final String[] KAFKA_IN = {
        "InputKafkaBootstrapServers", "b:9092", "InputKafkaTopic", "in"
    };
    static final String[] FILE_OUT = {"OutputPath", "file:///tmp/etl"};
    static final String[] KAFKA_OUT = {
        "OutputKafkaBootstrapServers", "o:9092", "OutputKafkaTopic", "o"
    };
    static final String[] OPENSEARCH_OUT = {"OutputOpenSearchEndpoint", "https://os.example.com"};

    static EtlSettings settings(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return EtlSettings.from(JobProperties.of(m, false));
    }

    /** A Kafka source ({@link #KAFKA_IN}) and {@code kv}. */
    static EtlSettings kafkaInSettings(String... kv) {
        return settings(with(KAFKA_IN, kv).toArray(new String[0]));
    }

    @Test
    void kinesisToS3WithDefaults() {
        EtlSettings s = settings("InputStreamArn", ARN, "OutputPath", "s3://my-bucket/lake/");
        assertThat(s.source()).isEqualTo(EtlSettings.SourceKind.KINESIS);
        assertThat(s.outputPath())
                .as("s3:// is written as s3a:// (exactly-once commits), trailing slash dropped")
                .isEqualTo("s3a://my-bucket/lake");
        assertThat(s.outputFormat()).isEqualTo(EtlSettings.Format.PARQUET);
        assertThat(s.parquetSchema().getName()).isEqualTo("TaxiTrip");
        assertThat(s.parquetSchema().getFields()).hasSize(12);
        assertThat(s.eventTimeField()).isEqualTo("pickup_datetime");
        assertThat(s.maxOutOfOrderness()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.partitionFields()).isEmpty();
        assertThat(s.hasKafkaSink()).isFalse();
        assertThat(s.needsJson()).as("Parquet alone needs no JSON text").isFalse();
    }

    @Test
    void kafkaToKafkaAndJsonFiles() {
        EtlSettings s =
                settings(
                        "InputKafkaBootstrapServers",
                        "b1:9092,b2:9092",
                        "InputKafkaTopic",
                        "in",
                        "InputKafkaGroupId",
                        "g",
                        "InputKafkaStartingOffsets",
                        "timestamp:1700000000000",
                        "OutputKafkaBootstrapServers",
                        "o:9092",
                        "OutputKafkaTopic",
                        "out",
                        "OutputKafkaKeyField",
                        "trip_id",
                        "OutputKafkaDeliveryGuarantee",
                        "at_least_once",
                        "OutputPath",
                        "file:///tmp/etl",
                        "OutputFormat",
                        "JSON",
                        "PartitionFields",
                        "vendor_id, payment_type",
                        "EventTimeField",
                        "ts",
                        "MaxOutOfOrdernessSeconds",
                        "0",
                        "kafka.security.protocol",
                        "SASL_SSL");
        assertThat(s.source()).isEqualTo(EtlSettings.SourceKind.KAFKA);
        assertThat(s.inputKafkaGroupId()).isEqualTo("g");
        assertThat(s.inputKafkaStartingTimestamp()).isEqualTo(1_700_000_000_000L);
        assertThat(s.outputKafkaGuarantee()).isEqualTo(EtlSettings.Guarantee.AT_LEAST_ONCE);
        assertThat(s.outputKafkaKeyField()).isEqualTo("trip_id");
        assertThat(s.outputKafkaTransactionalIdPrefix()).isEqualTo("streaming-etl");
        assertThat(s.outputKafkaTransactionTimeoutMillis()).isEqualTo(900_000L);
        assertThat(s.outputFormat()).isEqualTo(EtlSettings.Format.JSON);
        assertThat(s.parquetSchema()).isNull();
        assertThat(s.partitionFields()).containsExactly("vendor_id", "payment_type");
        assertThat(s.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL").hasSize(1);
        assertThat(s.needsJson()).isTrue();
    }

    @Test
    void kafkaSinkAloneIsEnoughAndDefaultsToExactlyOnce() {
        EtlSettings s =
                settings(
                        "InputStreamArn",
                        ARN,
                        "OutputKafkaBootstrapServers",
                        "o:9092",
                        "OutputKafkaTopic",
                        "out");
        assertThat(s.hasFileSink()).isFalse();
        assertThat(s.outputKafkaGuarantee()).isEqualTo(EtlSettings.Guarantee.EXACTLY_ONCE);
        assertThat(
                        KafkaInput.startingOffsets(
                                settings(
                                        "InputKafkaBootstrapServers",
                                        "b:9092",
                                        "InputKafkaTopic",
                                        "t",
                                        "OutputPath",
                                        "file:///x",
                                        "InputKafkaStartingOffsets",
                                        "LATEST")))
                .isNotNull();
    }

    @Test
    void kinesisSinkAloneWithItsKeyFieldAndAwsOptions() {
        EtlSettings s =
                kafkaInSettings(
                        "OutputStreamArn",
                        "arn:aws:kinesis:eu-west-1:123456789012:stream/out",
                        "OutputPartitionKeyField",
                        "trip_id",
                        "aws.endpoint",
                        "http://localhost:5000");
        assertThat(s.hasKinesisSink()).isTrue();
        assertThat(s.outputPartitionKeyField()).isEqualTo("trip_id");
        assertThat(s.awsProperties()).containsEntry("aws.endpoint", "http://localhost:5000");
        assertThat(s.needsJson()).isTrue();
    }

    @Test
    void openSearchSinkOnTheServiceSignsWithTheRegionOfItsHost() {
        EtlSettings s =
                settings(
                        "InputStreamArn",
                        ARN,
                        "OutputOpenSearchEndpoint",
                        "https://search-trips-abc123.eu-west-1.es.amazonaws.com",
                        "OutputOpenSearchIndexField",
                        "payment_type",
                        "OutputOpenSearchIdField",
                        "trip_id");
        assertThat(s.hasOpenSearchSink()).isTrue();
        assertThat(s.outputOpenSearchAuth()).isEqualTo(OpenSearchOutput.Auth.SIGV4);
        assertThat(s.outputOpenSearchRegion()).isEqualTo("eu-west-1");
        assertThat(s.outputOpenSearchIndex()).isEqualTo("streaming-etl");
        EtlSettings local =
                settings(
                        "InputStreamArn", ARN, "OutputOpenSearchEndpoint", "http://localhost:9200");
        assertThat(local.outputOpenSearchAuth())
                .as("a self-managed cluster: plain")
                .isEqualTo(OpenSearchOutput.Auth.NONE);
    }

    @Test
    void kafkaAuthIamSetsTheMskIamClientPropertiesForSourceAndSink() {
        EtlSettings s =
                settings(
                        "InputKafkaBootstrapServers",
                        "b-1.msk.example.com:9098",
                        "InputKafkaTopic",
                        "in",
                        "OutputKafkaBootstrapServers",
                        "b-1.msk.example.com:9098",
                        "OutputKafkaTopic",
                        "out",
                        "KafkaAuth",
                        "IAM",
                        "kafka.client.dns.lookup",
                        "use_all_dns_ips");
        assertThat(s.kafkaAuth()).isEqualTo(KafkaAuth.IAM);
        assertThat(s.kafkaProperties())
                .as(
                        "MSK IAM access control: SASL over TLS, mechanism AWS_MSK_IAM, the library's"
                                + " login module and callback handler, and the kafka.* properties kept")
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                "security.protocol", "SASL_SSL",
                                "sasl.mechanism", "AWS_MSK_IAM",
                                "sasl.jaas.config",
                                        "software.amazon.msk.auth.iam.IAMLoginModule required;",
                                "sasl.client.callback.handler.class",
                                        "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
                                "client.dns.lookup", "use_all_dns_ips"));
    }

    @Test
    void kafkaAuthDefaultsToNoneWhichAddsNothing() {
        EtlSettings s =
                kafkaInSettings("OutputPath", "file:///tmp/etl", "kafka.security.protocol", "SSL");
        assertThat(s.kafkaAuth()).isEqualTo(KafkaAuth.NONE);
        assertThat(s.kafkaProperties())
                .containsExactlyEntriesOf(Map.of("security.protocol", "SSL"));
    }

    /**
     * Properties {@code kv} alone: the job refuses them with a message containing {@code message}.
     */
    static Arguments refused(String message, String... kv) {
        return Arguments.of(List.of(kv), message);
    }

    /** A Kafka source and {@code kv}. */
    static Arguments kafkaInRefused(String message, String... kv) {
        return Arguments.of(with(KAFKA_IN, kv), message);
    }

    /** A Kafka source, a file sink and {@code kv}. */
    static Arguments kafkaToFilesRefused(String message, String... kv) {
        return Arguments.of(with(KAFKA_IN, FILE_OUT, kv), message);
    }

    /** A Kafka source, a file sink, a Kafka sink and {@code kv}. */
    static Arguments kafkaToKafkaRefused(String message, String... kv) {
        return Arguments.of(with(KAFKA_IN, FILE_OUT, KAFKA_OUT, kv), message);
    }

    /** A Kafka source, a file sink, an OpenSearch sink and {@code kv}. */
    static Arguments kafkaToOpenSearchRefused(String message, String... kv) {
        return Arguments.of(with(KAFKA_IN, FILE_OUT, OPENSEARCH_OUT, kv), message);
    }

    static List<String> with(String[]... groups) {
        List<String> l = new ArrayList<>();
        for (String[] g : groups) {
            l.addAll(List.of(g));
        }
        return l;
    }

    static Stream<Arguments> misconfigurations() {
        return Stream.of(
                refused("no source: set InputStreamArn", "OutputPath", "file:///tmp/x"),
                refused(
                        "are both set: the job reads exactly one source",
                        "InputStreamArn",
                        ARN,
                        "InputKafkaTopic",
                        "t",
                        "OutputPath",
                        "file:///x"),
                refused(
                        "property InputStreamArn must be a Kinesis stream ARN",
                        "InputStreamArn",
                        "taxi",
                        "OutputPath",
                        "file:///x"),
                refused(
                        "needs both InputKafkaBootstrapServers and InputKafkaTopic, got only InputKafkaBootstrapServers",
                        "InputKafkaBootstrapServers",
                        "b:9092",
                        "OutputPath",
                        "file:///x"),
                refused(
                        "got only InputKafkaTopic",
                        "InputKafkaTopic",
                        "t",
                        "OutputPath",
                        "file:///x"),
                kafkaToFilesRefused(
                        "property InputKafkaStartingOffsets must be earliest, latest or timestamp:<epoch millis>, got 'beginning'",
                        "InputKafkaStartingOffsets",
                        "beginning"),
                kafkaToFilesRefused(
                        "InputKafkaStartingOffsets must be",
                        "InputKafkaStartingOffsets",
                        "timestamp:-5"),
                kafkaInRefused("no sink: set at least one of OutputPath"),
                kafkaInRefused(
                        "property OutputPath must be s3://BUCKET[/PREFIX], s3a://BUCKET[/PREFIX] or file:///FOLDER, got '/tmp/etl'",
                        "OutputPath",
                        "/tmp/etl"),
                kafkaInRefused(
                        "with a valid bucket name, got 's3://B_ad'", "OutputPath", "s3://B_ad"),
                kafkaToFilesRefused(
                        "property OutputFormat must be parquet or json, got 'avro'",
                        "OutputFormat",
                        "avro"),
                kafkaToFilesRefused(
                        "property OutputSchema is not a valid Avro schema",
                        "OutputSchema",
                        "{\"type\": \"recrd\"}"),
                kafkaToFilesRefused(
                        "property OutputSchema must be an Avro record schema, got a string",
                        "OutputSchema",
                        "\"string\""),
                kafkaToFilesRefused(
                        "property OutputSchema: R.b is of type bytes",
                        "OutputSchema",
                        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"b\",\"type\":\"bytes\"}]}"),
                kafkaToFilesRefused(
                        "property OutputSchema is set but nothing writes Parquet",
                        "OutputFormat",
                        "json",
                        "OutputSchema",
                        "{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}"),
                kafkaToFilesRefused(
                        "property PartitionFields must be field names",
                        "PartitionFields",
                        "vendor_id,,x"),
                kafkaToFilesRefused(
                        "names 'vendor_id' twice", "PartitionFields", "vendor_id,vendor_id"),
                kafkaToFilesRefused(
                        "names 'hour' twice or as one of the time partitions",
                        "PartitionFields",
                        "hour"),
                kafkaInRefused(
                        "property PartitionFields is set but there is no OutputPath",
                        "OutputKafkaBootstrapServers",
                        "o:9092",
                        "OutputKafkaTopic",
                        "o",
                        "PartitionFields",
                        "a"),
                kafkaToFilesRefused(
                        "property EventTimeField must be a field name",
                        "EventTimeField",
                        "pickup time"),
                kafkaToFilesRefused(
                        "property MaxOutOfOrdernessSeconds must be a number of seconds >= 0",
                        "MaxOutOfOrdernessSeconds",
                        "-1"),
                kafkaToFilesRefused(
                        "property IdleTimeoutSeconds must be an integer, got 'soon'",
                        "IdleTimeoutSeconds",
                        "soon"),
                kafkaToFilesRefused("property MaxRecordBytes must be >= 1", "MaxRecordBytes", "0"),
                kafkaToFilesRefused(
                        "the Kafka sink needs both OutputKafkaBootstrapServers and OutputKafkaTopic, got only OutputKafkaTopic",
                        "OutputKafkaTopic",
                        "o"),
                kafkaToFilesRefused(
                        "got only OutputKafkaBootstrapServers",
                        "OutputKafkaBootstrapServers",
                        "o:9092"),
                kafkaToFilesRefused("there is no Kafka sink", "OutputKafkaKeyField", "trip_id"),
                kafkaToKafkaRefused(
                        "property OutputKafkaDeliveryGuarantee must be EXACTLY_ONCE or AT_LEAST_ONCE, got 'NONE'",
                        "OutputKafkaDeliveryGuarantee",
                        "NONE"),
                kafkaToKafkaRefused(
                        "property OutputKafkaTransactionalIdPrefix must be",
                        "OutputKafkaTransactionalIdPrefix",
                        "a b"),
                kafkaToKafkaRefused(
                        "property OutputKafkaTransactionTimeoutMillis must be >= 1000",
                        "OutputKafkaTransactionTimeoutMillis",
                        "10"),
                kafkaToFilesRefused(
                        "property kafka.isolation.level cannot be set: the job sets it itself",
                        "kafka.isolation.level",
                        "read_uncommitted"),
                kafkaToFilesRefused(
                        "property OutputStreamArn must be a Kinesis stream ARN",
                        "OutputStreamArn",
                        "stream/out"),
                refused(
                        "property OutputStreamArn is the input stream",
                        "InputStreamArn",
                        ARN,
                        "OutputStreamArn",
                        ARN),
                kafkaToFilesRefused(
                        "property KafkaAuth must be NONE or IAM (Amazon MSK IAM access control), got 'SCRAM'",
                        "KafkaAuth",
                        "SCRAM"),
                refused(
                        "property KafkaAuth is set but there is no Kafka source or sink",
                        "InputStreamArn",
                        ARN,
                        "OutputPath",
                        "file:///tmp/etl",
                        "KafkaAuth",
                        "IAM"),
                kafkaToFilesRefused(
                        "property kafka.security.protocol cannot be set with KafkaAuth IAM",
                        "KafkaAuth",
                        "IAM",
                        "kafka.security.protocol",
                        "SSL"),
                kafkaToFilesRefused(
                        "property kafka.sasl.mechanism cannot be set with KafkaAuth IAM",
                        "KafkaAuth",
                        "iam",
                        "kafka.sasl.mechanism",
                        "PLAIN"),
                kafkaToFilesRefused(
                        "property OutputPartitionKeyField is set but there is no Kinesis sink",
                        "OutputPartitionKeyField",
                        "trip_id"),
                kafkaInRefused(
                        "property OutputPartitionKeyField must be a field name",
                        "OutputStreamArn",
                        ARN.replace("taxi", "out"),
                        "OutputPartitionKeyField",
                        "a-b"),
                kafkaToFilesRefused(
                        "property OutputOpenSearchEndpoint must be an http(s) URL with a host",
                        "OutputOpenSearchEndpoint",
                        "search.example.com"),
                kafkaToFilesRefused(
                        "property OutputOpenSearchEndpoint must be an http(s) URL",
                        "OutputOpenSearchEndpoint",
                        "https://os.example.com/?x=1"),
                kafkaToOpenSearchRefused(
                        "property OutputOpenSearchIndex must be an OpenSearch index name",
                        "OutputOpenSearchIndex",
                        "Trips"),
                kafkaToOpenSearchRefused(
                        "property OutputOpenSearchAuth must be sigv4, basic or none, got 'kerberos'",
                        "OutputOpenSearchAuth",
                        "kerberos"),
                kafkaToOpenSearchRefused(
                        "the OpenSearch sink signs with SigV4 but has no region",
                        "OutputOpenSearchAuth",
                        "sigv4"),
                kafkaToOpenSearchRefused(
                        "OutputOpenSearchAuth basic needs OutputOpenSearchUsername and OutputOpenSearchPassword",
                        "OutputOpenSearchAuth",
                        "basic",
                        "OutputOpenSearchUsername",
                        "u"),
                kafkaToFilesRefused(
                        "would send the password in clear",
                        "OutputOpenSearchEndpoint",
                        "http://os.example.com",
                        "OutputOpenSearchAuth",
                        "basic",
                        "OutputOpenSearchUsername",
                        "u",
                        "OutputOpenSearchPassword",
                        "p"),
                kafkaToFilesRefused(
                        "property OutputOpenSearchIdField is set but there is no OpenSearch sink",
                        "OutputOpenSearchIdField",
                        "trip_id"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("misconfigurations")
    void eachMisconfigurationIsOneClearLine(List<String> kv, String message) {
        assertThatThrownBy(() -> settings(kv.toArray(new String[0])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).as("one line").doesNotContain("\n"));
    }
}
