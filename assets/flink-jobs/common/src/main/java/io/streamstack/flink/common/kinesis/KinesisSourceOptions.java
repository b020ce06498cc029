package io.streamstack.flink.common.kinesis;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;
import software.amazon.awssdk.utils.AttributeMap;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * The source's options, under the names the Flink Kinesis connector uses for the same settings:
 *
 * <ul>
 *   <li>{@code source.init.position}: TRIM_HORIZON, LATEST (turned into AT_TIMESTAMP at the job's
 *       first start) or AT_TIMESTAMP with {@code source.init.timestamp} (ISO-8601);
 *   <li>{@code source.shard.discovery.interval} (10 s), {@code source.shard.get-records.max-record-count}
 *       (10000), {@code source.reader.empty-records-fetch-interval} (250 ms);
 *   <li>{@code aws.region} (default: the stream ARN's), {@code aws.endpoint}, {@code aws.credentials.provider}
 *       (AUTO: the SDK's default chain, which refreshes; or BASIC with
 *       {@code aws.credentials.provider.basic.accesskeyid} / {@code .secretkey}),
 *       {@code aws.trust.all.certificates} (false), {@code aws.http.protocol.version} (HTTP1_1 is the only
 *       protocol of this source's client: the value is accepted and HTTP/1.1 used).
 * </ul>
 */
public final class KinesisSourceOptions {
    private KinesisSourceOptions() {}

    public static final ConfigOption<String> INIT_POSITION =
            ConfigOptions.key("source.init.position").stringType().defaultValue("TRIM_HORIZON");
    public static final ConfigOption<String> INIT_TIMESTAMP =
            ConfigOptions.key("source.init.timestamp").stringType().noDefaultValue();
    public static final ConfigOption<Duration> SHARD_DISCOVERY_INTERVAL =
            ConfigOptions.key("source.shard.discovery.interval").durationType().defaultValue(Duration.ofSeconds(10));
    public static final ConfigOption<Integer> GET_RECORDS_MAX =
            ConfigOptions.key("source.shard.get-records.max-record-count").intType().defaultValue(10000);
    public static final ConfigOption<Duration> EMPTY_RECORDS_FETCH_INTERVAL =
            ConfigOptions.key("source.reader.empty-records-fetch-interval").durationType()
                    .defaultValue(Duration.ofMillis(250));

    public static final ConfigOption<String> REGION = ConfigOptions.key("aws.region").stringType().noDefaultValue();
    public static final ConfigOption<String> ENDPOINT = ConfigOptions.key("aws.endpoint").stringType().noDefaultValue();
    public static final ConfigOption<String> CREDENTIALS_PROVIDER =
            ConfigOptions.key("aws.credentials.provider").stringType().defaultValue("AUTO");
    public static final ConfigOption<String> ACCESS_KEY_ID =
            ConfigOptions.key("aws.credentials.provider.basic.accesskeyid").stringType().noDefaultValue();
    public static final ConfigOption<String> SECRET_KEY =
            ConfigOptions.key("aws.credentials.provider.basic.secretkey").stringType().noDefaultValue();
    public static final ConfigOption<Boolean> TRUST_ALL_CERTIFICATES =
            ConfigOptions.key("aws.trust.all.certificates").booleanType().defaultValue(false);
    public static final ConfigOption<String> HTTP_PROTOCOL_VERSION =
            ConfigOptions.key("aws.http.protocol.version").stringType().defaultValue("HTTP1_1");

    /** The initial position from the options; LATEST stays LATEST (the enumerator resolves it). */
    static StartingPosition initialPosition(Configuration c) {
        String p = c.get(INIT_POSITION).trim().toUpperCase(Locale.ROOT);
        switch (p) {
            case "TRIM_HORIZON":
                return StartingPosition.trimHorizon();
            case "LATEST":
                return StartingPosition.latest();
            case "AT_TIMESTAMP":
                String ts = c.get(INIT_TIMESTAMP);
                if (ts == null) {
                    throw new IllegalArgumentException("source.init.position AT_TIMESTAMP needs source.init.timestamp");
                }
                try {
                    return StartingPosition.atTimestamp(java.time.OffsetDateTime.parse(ts.trim()).toInstant());
                } catch (java.time.format.DateTimeParseException e) {
                    throw new IllegalArgumentException("source.init.timestamp must be ISO-8601, got '" + ts + "'");
                }
            default:
                throw new IllegalArgumentException(
                        "source.init.position must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, got '" + p + "'");
        }
    }

    /** Checks the options that can be checked before the job runs; throws with the key at fault. */
    static void validate(String streamArn, Configuration c) {
        region(streamArn, c);
        initialPosition(c);
        credentials(c);
        String protocol = c.get(HTTP_PROTOCOL_VERSION).trim().toUpperCase(Locale.ROOT);
        if (!protocol.equals("HTTP1_1") && !protocol.equals("HTTP2")) {
            throw new IllegalArgumentException("aws.http.protocol.version must be HTTP1_1 or HTTP2, got '" + protocol + "'");
        }
        if (c.get(GET_RECORDS_MAX) < 1 || c.get(GET_RECORDS_MAX) > 10000) {
            throw new IllegalArgumentException("source.shard.get-records.max-record-count must be 1..10000");
        }
        c.get(SHARD_DISCOVERY_INTERVAL);
        c.get(EMPTY_RECORDS_FETCH_INTERVAL);
        String endpoint = c.get(ENDPOINT);
        if (endpoint != null) {
            URI.create(endpoint);
        }
    }

    static Region region(String streamArn, Configuration c) {
        String r = c.get(REGION);
        if (r != null && !r.isBlank()) {
            return Region.of(r.trim());
        }
        return Region.of(arnPart(streamArn, 3, "region"));
    }

    /** Part {@code index} of {@code arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME}. */
    static String arnPart(String streamArn, int index, String what) {
        String[] parts = streamArn.split(":", 6);
        if (parts.length != 6 || !parts[0].equals("arn") || !parts[5].startsWith("stream/")
                || parts[5].length() == "stream/".length()) {
            throw new IllegalArgumentException("InputStreamArn must be arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME, got '"
                    + streamArn + "'");
        }
        if (parts[index].isEmpty()) {
            throw new IllegalArgumentException("InputStreamArn has no " + what + ": '" + streamArn + "'");
        }
        return parts[index];
    }

    /** The stream name of an ARN. */
    static String streamName(String streamArn) {
        return arnPart(streamArn, 5, "stream").substring("stream/".length());
    }

    static AwsCredentialsProvider credentials(Configuration c) {
        String kind = c.get(CREDENTIALS_PROVIDER).trim().toUpperCase(Locale.ROOT);
        switch (kind) {
            case "AUTO":
                return DefaultCredentialsProvider.builder().build();
            case "BASIC":
                String id = c.get(ACCESS_KEY_ID);
                String secret = c.get(SECRET_KEY);
                if (id == null || secret == null) {
                    throw new IllegalArgumentException("aws.credentials.provider BASIC needs "
                            + ACCESS_KEY_ID.key() + " and " + SECRET_KEY.key());
                }
                return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
            default:
                throw new IllegalArgumentException("aws.credentials.provider must be AUTO or BASIC, got '" + kind + "'");
        }
    }

    /** A Kinesis client over the Apache 5 HTTP client (HTTP/1.1). */
    static KinesisClient client(String streamArn, Configuration c) {
        AttributeMap.Builder http = AttributeMap.builder();
        if (c.get(TRUST_ALL_CERTIFICATES)) {
            http.put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, true);
        }
        KinesisClientBuilder b = KinesisClient.builder()
                .region(region(streamArn, c))
                .credentialsProvider(credentials(c))
                .httpClient(Apache5HttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .buildWithDefaults(http.build()));
        String endpoint = c.get(ENDPOINT);
        if (endpoint != null && !endpoint.isBlank()) {
            b.endpointOverride(URI.create(endpoint.trim()));
        }
        return b.build();
    }
}
