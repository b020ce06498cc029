package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamstack.flink.common.JobProperties;
import java.time.Duration;
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

    static EtlSettings settings(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return EtlSettings.from(JobProperties.of(m, false));
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
                settings(
                        "InputKafkaBootstrapServers",
                        "b:9092",
                        "InputKafkaTopic",
                        "in",
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
                settings(
                        "InputKafkaBootstrapServers",
                        "b:9092",
                        "InputKafkaTopic",
                        "in",
                        "OutputPath",
                        "file:///tmp/etl",
                        "kafka.security.protocol",
                        "SSL");
        assertThat(s.kafkaAuth()).isEqualTo(KafkaAuth.NONE);
        assertThat(s.kafkaProperties())
                .containsExactlyEntriesOf(Map.of("security.protocol", "SSL"));
    }

    static Stream<Arguments> misconfigurations() {
        String[] kafkaIn = {"InputKafkaBootstrapServers", "b:9092", "InputKafkaTopic", "in"};
        String[] fileOut = {"OutputPath", "file:///tmp/etl"};
        return Stream.of(
                Arguments.of(
                        List.of("OutputPath", "file:///tmp/x"), "no source: set InputStreamArn"),
                Arguments.of(
                        List.of(
                                "InputStreamArn",
                                ARN,
                                "InputKafkaTopic",
                                "t",
                                "OutputPath",
                                "file:///x"),
                        "are both set: the job reads exactly one source"),
                Arguments.of(
                        List.of("InputStreamArn", "taxi", "OutputPath", "file:///x"),
                        "property InputStreamArn must be a Kinesis stream ARN"),
                Arguments.of(
                        List.of("InputKafkaBootstrapServers", "b:9092", "OutputPath", "file:///x"),
                        "needs both InputKafkaBootstrapServers and InputKafkaTopic, got only InputKafkaBootstrapServers"),
                Arguments.of(
                        List.of("InputKafkaTopic", "t", "OutputPath", "file:///x"),
                        "got only InputKafkaTopic"),
                Arguments.of(
                        with(kafkaIn, fileOut, "InputKafkaStartingOffsets", "beginning"),
                        "property InputKafkaStartingOffsets must be earliest, latest or timestamp:<epoch millis>, got 'beginning'"),
                Arguments.of(
                        with(kafkaIn, fileOut, "InputKafkaStartingOffsets", "timestamp:-5"),
                        "InputKafkaStartingOffsets must be"),
                Arguments.of(List.of(kafkaIn), "no sink: set at least one of OutputPath"),
                Arguments.of(
                        with(kafkaIn, new String[0], "OutputPath", "/tmp/etl"),
                        "property OutputPath must be s3://BUCKET[/PREFIX], s3a://BUCKET[/PREFIX] or file:///FOLDER, got '/tmp/etl'"),
                Arguments.of(
                        with(kafkaIn, new String[0], "OutputPath", "s3://B_ad"),
                        "with a valid bucket name, got 's3://B_ad'"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputFormat", "avro"),
                        "property OutputFormat must be parquet or json, got 'avro'"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputSchema", "{\"type\": \"recrd\"}"),
                        "property OutputSchema is not a valid Avro schema"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputSchema", "\"string\""),
                        "property OutputSchema must be an Avro record schema, got a string"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputSchema",
                                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"b\",\"type\":\"bytes\"}]}"),
                        "property OutputSchema: R.b is of type bytes"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputFormat",
                                "json",
                                "OutputSchema",
                                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}"),
                        "property OutputSchema is set but nothing writes Parquet"),
                Arguments.of(
                        with(kafkaIn, fileOut, "PartitionFields", "vendor_id,,x"),
                        "property PartitionFields must be field names"),
                Arguments.of(
                        with(kafkaIn, fileOut, "PartitionFields", "vendor_id,vendor_id"),
                        "names 'vendor_id' twice"),
                Arguments.of(
                        with(kafkaIn, fileOut, "PartitionFields", "hour"),
                        "names 'hour' twice or as one of the time partitions"),
                Arguments.of(
                        with(
                                kafkaIn,
                                new String[0],
                                "OutputKafkaBootstrapServers",
                                "o:9092",
                                "OutputKafkaTopic",
                                "o",
                                "PartitionFields",
                                "a"),
                        "property PartitionFields is set but there is no OutputPath"),
                Arguments.of(
                        with(kafkaIn, fileOut, "EventTimeField", "pickup time"),
                        "property EventTimeField must be a field name"),
                Arguments.of(
                        with(kafkaIn, fileOut, "MaxOutOfOrdernessSeconds", "-1"),
                        "property MaxOutOfOrdernessSeconds must be a number of seconds >= 0"),
                Arguments.of(
                        with(kafkaIn, fileOut, "IdleTimeoutSeconds", "soon"),
                        "property IdleTimeoutSeconds must be an integer, got 'soon'"),
                Arguments.of(
                        with(kafkaIn, fileOut, "MaxRecordBytes", "0"),
                        "property MaxRecordBytes must be >= 1"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputKafkaTopic", "o"),
                        "the Kafka sink needs both OutputKafkaBootstrapServers and OutputKafkaTopic, got only OutputKafkaTopic"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputKafkaBootstrapServers", "o:9092"),
                        "got only OutputKafkaBootstrapServers"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputKafkaKeyField", "trip_id"),
                        "there is no Kafka sink"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputKafkaBootstrapServers",
                                "o:9092",
                                "OutputKafkaTopic",
                                "o",
                                "OutputKafkaDeliveryGuarantee",
                                "NONE"),
                        "property OutputKafkaDeliveryGuarantee must be EXACTLY_ONCE or AT_LEAST_ONCE, got 'NONE'"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputKafkaBootstrapServers",
                                "o:9092",
                                "OutputKafkaTopic",
                                "o",
                                "OutputKafkaTransactionalIdPrefix",
                                "a b"),
                        "property OutputKafkaTransactionalIdPrefix must be"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputKafkaBootstrapServers",
                                "o:9092",
                                "OutputKafkaTopic",
                                "o",
                                "OutputKafkaTransactionTimeoutMillis",
                                "10"),
                        "property OutputKafkaTransactionTimeoutMillis must be >= 1000"),
                Arguments.of(
                        with(kafkaIn, fileOut, "kafka.isolation.level", "read_uncommitted"),
                        "property kafka.isolation.level cannot be set: the job sets it itself"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputStreamArn", "stream/out"),
                        "property OutputStreamArn must be a Kinesis stream ARN"),
                Arguments.of(
                        List.of("InputStreamArn", ARN, "OutputStreamArn", ARN),
                        "property OutputStreamArn is the input stream"),
                Arguments.of(
                        with(kafkaIn, fileOut, "KafkaAuth", "SCRAM"),
                        "property KafkaAuth must be NONE or IAM (Amazon MSK IAM access control), got 'SCRAM'"),
                Arguments.of(
                        List.of(
                                "InputStreamArn",
                                ARN,
                                "OutputPath",
                                "file:///tmp/etl",
                                "KafkaAuth",
                                "IAM"),
                        "property KafkaAuth is set but there is no Kafka source or sink"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "KafkaAuth",
                                "IAM",
                                "kafka.security.protocol",
                                "SSL"),
                        "property kafka.security.protocol cannot be set with KafkaAuth IAM"),
                Arguments.of(
                        with(kafkaIn, fileOut, "KafkaAuth", "iam", "kafka.sasl.mechanism", "PLAIN"),
                        "property kafka.sasl.mechanism cannot be set with KafkaAuth IAM"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputPartitionKeyField", "trip_id"),
                        "property OutputPartitionKeyField is set but there is no Kinesis sink"),
                Arguments.of(
                        with(
                                kafkaIn,
                                new String[0],
                                "OutputStreamArn",
                                ARN.replace("taxi", "out"),
                                "OutputPartitionKeyField",
                                "a-b"),
                        "property OutputPartitionKeyField must be a field name"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputOpenSearchEndpoint", "search.example.com"),
                        "property OutputOpenSearchEndpoint must be an http(s) URL with a host"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputOpenSearchEndpoint",
                                "https://os.example.com/?x=1"),
                        "property OutputOpenSearchEndpoint must be an http(s) URL"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputOpenSearchEndpoint",
                                "https://os.example.com",
                                "OutputOpenSearchIndex",
                                "Trips"),
                        "property OutputOpenSearchIndex must be an OpenSearch index name"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputOpenSearchEndpoint",
                                "https://os.example.com",
                                "OutputOpenSearchAuth",
                                "kerberos"),
                        "property OutputOpenSearchAuth must be sigv4, basic or none, got 'kerberos'"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputOpenSearchEndpoint",
                                "https://os.example.com",
                                "OutputOpenSearchAuth",
                                "sigv4"),
                        "the OpenSearch sink signs with SigV4 but has no region"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputOpenSearchEndpoint",
                                "https://os.example.com",
                                "OutputOpenSearchAuth",
                                "basic",
                                "OutputOpenSearchUsername",
                                "u"),
                        "OutputOpenSearchAuth basic needs OutputOpenSearchUsername and OutputOpenSearchPassword"),
                Arguments.of(
                        with(
                                kafkaIn,
                                fileOut,
                                "OutputOpenSearchEndpoint",
                                "http://os.example.com",
                                "OutputOpenSearchAuth",
                                "basic",
                                "OutputOpenSearchUsername",
                                "u",
                                "OutputOpenSearchPassword",
                                "p"),
                        "would send the password in clear"),
                Arguments.of(
                        with(kafkaIn, fileOut, "OutputOpenSearchIdField", "trip_id"),
                        "property OutputOpenSearchIdField is set but there is no OpenSearch sink"));
    }

    static List<String> with(String[] a, String[] b, String... more) {
        List<String> l = new java.util.ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        l.addAll(List.of(more));
        return l;
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
