package io.streamstack.flink.common.kinesis;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.utils.AttributeMap;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The source's options, under the names the Flink Kinesis connector uses for the same settings:
 *
 * <ul>
 *   <li>{@code source.init.position}: TRIM_HORIZON, LATEST (turned into AT_TIMESTAMP at the job's
 *       first start) or AT_TIMESTAMP with {@code source.init.timestamp} (ISO-8601);
 *   <li>{@code source.shard.discovery.interval} (10 s), {@code
 *       source.shard.get-records.max-record-count} (10000), {@code
 *       source.reader.empty-records-fetch-interval} (250 ms), {@code source.reader.type} (POLLING,
 *       the only reader: EFO and every {@code source.efo.*} key are refused);
 *   <li>this source's own read limits: {@code source.shard.get-records.interval} (200 ms: at most 5
 *       GetRecords calls per shard and second, the Kinesis read limit), {@code
 *       source.shard.get-records.failure-budget} (5 min: how long a shard's reads may keep failing
 *       with errors a retry can fix, throttling included, before the job fails), {@code
 *       source.shard.get-records.backoff.base} (200 ms) and {@code .backoff.max} (10 s);
 *   <li>{@code aws.region} (default and only allowed value: the stream ARN's), {@code
 *       aws.endpoint}, {@code aws.credentials.provider}: AUTO (the SDK's default chain, which
 *       refreshes), BASIC with {@code aws.credentials.provider.basic.accesskeyid} / {@code
 *       .secretkey} (keys given without a provider mean BASIC, as in the connector), or ASSUME_ROLE
 *       with {@code aws.credentials.provider.role.arn}, {@code .role.sessionName}, {@code
 *       .role.externalId}, {@code .role.stsEndpoint} and {@code .role.provider} (the credentials
 *       that assume the role, configured the same way under that prefix); {@code
 *       aws.trust.all.certificates} (false), {@code aws.http.protocol.version} (HTTP1_1 is the only
 *       protocol of this source's client: the value is accepted and HTTP/1.1 used).
 * </ul>
 *
 * Any other {@code aws.*} or {@code source.*} key is refused at job start: an option accepted and
 * ignored is worse than none. The credential option names are the connector's ({@code
 * org.apache.flink.connector.aws.config.AWSConfigConstants}, flink-connector-aws).
 */
public final class KinesisSourceOptions {
    private KinesisSourceOptions() {}

    public static final ConfigOption<String> INIT_POSITION =
            ConfigOptions.key("source.init.position").stringType().defaultValue("TRIM_HORIZON");
    public static final ConfigOption<String> INIT_TIMESTAMP =
            ConfigOptions.key("source.init.timestamp").stringType().noDefaultValue();
    public static final ConfigOption<Duration> SHARD_DISCOVERY_INTERVAL =
            ConfigOptions.key("source.shard.discovery.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10));
    public static final ConfigOption<Integer> GET_RECORDS_MAX =
            ConfigOptions.key("source.shard.get-records.max-record-count")
                    .intType()
                    .defaultValue(10000);
    public static final ConfigOption<Duration> EMPTY_RECORDS_FETCH_INTERVAL =
            ConfigOptions.key("source.reader.empty-records-fetch-interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(250));
    public static final ConfigOption<String> READER_TYPE =
            ConfigOptions.key("source.reader.type").stringType().defaultValue("POLLING");

    /**
     * The least time between two GetRecords calls of one shard: AWS allows 5 reads per second per
     * shard.
     */
    public static final ConfigOption<Duration> GET_RECORDS_INTERVAL =
            ConfigOptions.key("source.shard.get-records.interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200));

    /**
     * How long a shard's GetRecords may keep failing with retryable errors (throttling included)
     * before the job fails.
     */
    public static final ConfigOption<Duration> GET_RECORDS_FAILURE_BUDGET =
            ConfigOptions.key("source.shard.get-records.failure-budget")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5));

    public static final ConfigOption<Duration> GET_RECORDS_BACKOFF_BASE =
            ConfigOptions.key("source.shard.get-records.backoff.base")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200));
    public static final ConfigOption<Duration> GET_RECORDS_BACKOFF_MAX =
            ConfigOptions.key("source.shard.get-records.backoff.max")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10));

    public static final ConfigOption<String> REGION =
            ConfigOptions.key("aws.region").stringType().noDefaultValue();
    public static final ConfigOption<String> ENDPOINT =
            ConfigOptions.key("aws.endpoint").stringType().noDefaultValue();

    /** The prefix of every credentials option, and the key of the provider's kind. */
    public static final String CREDENTIALS_PROVIDER_KEY = "aws.credentials.provider";

    public static final ConfigOption<String> CREDENTIALS_PROVIDER =
            ConfigOptions.key(CREDENTIALS_PROVIDER_KEY).stringType().noDefaultValue();
    public static final ConfigOption<String> ACCESS_KEY_ID =
            ConfigOptions.key(CREDENTIALS_PROVIDER_KEY + ".basic.accesskeyid")
                    .stringType()
                    .noDefaultValue();
    public static final ConfigOption<String> SECRET_KEY =
            ConfigOptions.key(CREDENTIALS_PROVIDER_KEY + ".basic.secretkey")
                    .stringType()
                    .noDefaultValue();
    public static final ConfigOption<Boolean> TRUST_ALL_CERTIFICATES =
            ConfigOptions.key("aws.trust.all.certificates").booleanType().defaultValue(false);
    public static final ConfigOption<String> HTTP_PROTOCOL_VERSION =
            ConfigOptions.key("aws.http.protocol.version").stringType().defaultValue("HTTP1_1");

    /** The session name of ASSUME_ROLE when {@code .role.sessionName} is not set. */
    static final String DEFAULT_ROLE_SESSION_NAME = "streamstack-kinesis-source";

    private static final Set<String> KNOWN_KEYS =
            Set.of(
                    INIT_POSITION.key(),
                    INIT_TIMESTAMP.key(),
                    SHARD_DISCOVERY_INTERVAL.key(),
                    GET_RECORDS_MAX.key(),
                    EMPTY_RECORDS_FETCH_INTERVAL.key(),
                    READER_TYPE.key(),
                    GET_RECORDS_INTERVAL.key(),
                    GET_RECORDS_FAILURE_BUDGET.key(),
                    GET_RECORDS_BACKOFF_BASE.key(),
                    GET_RECORDS_BACKOFF_MAX.key(),
                    REGION.key(),
                    ENDPOINT.key(),
                    TRUST_ALL_CERTIFICATES.key(),
                    HTTP_PROTOCOL_VERSION.key());

    /**
     * {@code aws.credentials.provider}, nested {@code .role.provider} prefixes, and their options.
     */
    private static final Pattern CREDENTIAL_KEY =
            Pattern.compile(
                    "aws\\.credentials\\.provider(\\.role\\.provider)*"
                            + "(\\.basic\\.accesskeyid|\\.basic\\.secretkey|\\.role\\.arn|\\.role\\.sessionName|\\.role\\.externalId"
                            + "|\\.role\\.stsEndpoint)?");

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
                    throw new IllegalArgumentException(
                            "source.init.position AT_TIMESTAMP needs source.init.timestamp");
                }
                try {
                    return StartingPosition.atTimestamp(
                            java.time.OffsetDateTime.parse(ts.trim()).toInstant());
                } catch (java.time.format.DateTimeParseException e) {
                    throw new IllegalArgumentException(
                            "source.init.timestamp must be ISO-8601, got '" + ts + "'");
                }
            default:
                throw new IllegalArgumentException(
                        "source.init.position must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, got '"
                                + p
                                + "'");
        }
    }

    /**
     * Checks every option before the job runs; throws a one-line message naming the key at fault.
     * Keys of other namespaces than {@code aws.*} and {@code source.*} are not the source's and are
     * ignored.
     */
    static void validate(String streamArn, Configuration c) {
        refuseUnknownKeys(c);
        String readerType = c.get(READER_TYPE).trim().toUpperCase(Locale.ROOT);
        if (!readerType.equals("POLLING")) {
            throw new IllegalArgumentException(
                    "source.reader.type must be POLLING, got '"
                            + readerType
                            + "': this source reads with GetRecords only (no enhanced fan-out)");
        }
        region(streamArn, c);
        initialPosition(c);
        checkCredentials(c, CREDENTIALS_PROVIDER_KEY);
        String protocol = c.get(HTTP_PROTOCOL_VERSION).trim().toUpperCase(Locale.ROOT);
        if (!protocol.equals("HTTP1_1") && !protocol.equals("HTTP2")) {
            throw new IllegalArgumentException(
                    "aws.http.protocol.version must be HTTP1_1 or HTTP2, got '" + protocol + "'");
        }
        if (c.get(GET_RECORDS_MAX) < 1 || c.get(GET_RECORDS_MAX) > 10000) {
            throw new IllegalArgumentException(
                    "source.shard.get-records.max-record-count must be 1..10000, got "
                            + c.get(GET_RECORDS_MAX));
        }
        positive(c, SHARD_DISCOVERY_INTERVAL);
        positive(c, EMPTY_RECORDS_FETCH_INTERVAL);
        positive(c, GET_RECORDS_FAILURE_BUDGET);
        positive(c, GET_RECORDS_BACKOFF_BASE);
        if (c.get(GET_RECORDS_INTERVAL).toMillis() < 200) {
            throw new IllegalArgumentException(
                    "source.shard.get-records.interval must be at least 200 ms (Kinesis "
                            + "allows 5 GetRecords calls per second per shard), got "
                            + c.get(GET_RECORDS_INTERVAL).toMillis()
                            + " ms");
        }
        if (c.get(GET_RECORDS_BACKOFF_MAX).compareTo(c.get(GET_RECORDS_BACKOFF_BASE)) < 0) {
            throw new IllegalArgumentException(
                    "source.shard.get-records.backoff.max must be at least "
                            + "source.shard.get-records.backoff.base");
        }
        String endpoint = c.get(ENDPOINT);
        if (endpoint != null) {
            uri(ENDPOINT.key(), endpoint);
        }
    }

    private static void positive(Configuration c, ConfigOption<Duration> option) {
        Duration d;
        try {
            d = c.get(option);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    option.key()
                            + " must be a duration such as '200 ms' or '5 min', got '"
                            + c.toMap().get(option.key())
                            + "'");
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(
                    option.key() + " must be positive, got '" + c.toMap().get(option.key()) + "'");
        }
    }

    private static URI uri(String key, String value) {
        try {
            URI u = URI.create(value.trim());
            if (u.getScheme() == null || u.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    key + " must be a URL such as https://host:port, got '" + value + "'");
        }
    }

    private static void refuseUnknownKeys(Configuration c) {
        Set<String> unknown = new TreeSet<>();
        for (String key : c.keySet()) {
            if (key.startsWith("source.efo.")) {
                throw new IllegalArgumentException(
                        key
                                + " is not supported: this source reads with GetRecords only "
                                + "(no enhanced fan-out); remove every source.efo.* option");
            }
            if ((key.startsWith("aws.") || key.startsWith("source."))
                    && !KNOWN_KEYS.contains(key)
                    && !CREDENTIAL_KEY.matcher(key).matches()) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            Set<String> known = new TreeSet<>(KNOWN_KEYS);
            known.add(CREDENTIALS_PROVIDER_KEY + "[.basic.accesskeyid|.basic.secretkey|.role.*]");
            throw new IllegalArgumentException(
                    "unknown Kinesis source option "
                            + String.join(", ", unknown)
                            + "; the known ones are "
                            + String.join(", ", known));
        }
    }

    /** The region of the stream ARN; {@code aws.region}, when set, must name the same one. */
    static Region region(String streamArn, Configuration c) {
        String arnRegion = arnPart(streamArn, 3, "region");
        String r = c.get(REGION);
        if (r != null && !r.isBlank() && !r.trim().equals(arnRegion)) {
            throw new IllegalArgumentException(
                    "aws.region '"
                            + r.trim()
                            + "' contradicts the stream ARN's region '"
                            + arnRegion
                            + "' ("
                            + streamArn
                            + "): remove aws.region or make it "
                            + arnRegion);
        }
        return Region.of(arnRegion);
    }

    /** Part {@code index} of {@code arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME}. */
    static String arnPart(String streamArn, int index, String what) {
        String[] parts = streamArn.split(":", 6);
        if (parts.length != 6
                || !parts[0].equals("arn")
                || !parts[2].equals("kinesis")
                || !parts[5].startsWith("stream/")
                || parts[5].length() == "stream/".length()) {
            throw new IllegalArgumentException(
                    "InputStreamArn must be arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME, got '"
                            + streamArn
                            + "'");
        }
        if (parts[index].isEmpty()) {
            throw new IllegalArgumentException(
                    "InputStreamArn has no " + what + ": '" + streamArn + "'");
        }
        return parts[index];
    }

    /** The stream name of an ARN. */
    static String streamName(String streamArn) {
        return arnPart(streamArn, 5, "stream").substring("stream/".length());
    }

    /**
     * The kind of credentials under {@code prefix}: the value of the key {@code prefix}, or, when
     * it is not set, BASIC if an access key is given and AUTO otherwise (as the connector's
     * AWSGeneralUtil does).
     */
    static String providerKind(Configuration c, String prefix) {
        String kind = c.toMap().get(prefix);
        if (kind == null || kind.isBlank()) {
            boolean keys =
                    c.toMap().containsKey(prefix + ".basic.accesskeyid")
                            || c.toMap().containsKey(prefix + ".basic.secretkey");
            return keys ? "BASIC" : "AUTO";
        }
        return kind.trim().toUpperCase(Locale.ROOT);
    }

    /**
     * Checks the credentials options under {@code prefix}: the kind, its required keys, no key of
     * another kind.
     */
    static void checkCredentials(Configuration c, String prefix) {
        String kind = providerKind(c, prefix);
        List<String> allowed = new ArrayList<>();
        switch (kind) {
            case "AUTO":
                break;
            case "BASIC":
                for (String k :
                        List.of(prefix + ".basic.accesskeyid", prefix + ".basic.secretkey")) {
                    String v = c.toMap().get(k);
                    if (v == null || v.isBlank()) {
                        throw new IllegalArgumentException(
                                prefix
                                        + " BASIC needs "
                                        + prefix
                                        + ".basic.accesskeyid and "
                                        + prefix
                                        + ".basic.secretkey; "
                                        + k
                                        + " is not set");
                    }
                    allowed.add(k);
                }
                break;
            case "ASSUME_ROLE":
                String arn = c.toMap().get(prefix + ".role.arn");
                if (arn == null || !arn.trim().matches("arn:[^:]+:iam::[0-9]{12}:role/.+")) {
                    throw new IllegalArgumentException(
                            prefix
                                    + " ASSUME_ROLE needs "
                                    + prefix
                                    + ".role.arn, an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), got '"
                                    + arn
                                    + "'");
                }
                String sts = c.toMap().get(prefix + ".role.stsEndpoint");
                if (sts != null) {
                    uri(prefix + ".role.stsEndpoint", sts);
                }
                allowed.addAll(
                        List.of(
                                prefix + ".role.arn",
                                prefix + ".role.sessionName",
                                prefix + ".role.externalId",
                                prefix + ".role.stsEndpoint"));
                checkCredentials(c, prefix + ".role.provider");
                break;
            default:
                throw new IllegalArgumentException(
                        prefix + " must be AUTO, BASIC or ASSUME_ROLE, got '" + kind + "'");
        }
        for (String k :
                List.of(
                        ".basic.accesskeyid",
                        ".basic.secretkey",
                        ".role.arn",
                        ".role.sessionName",
                        ".role.externalId",
                        ".role.stsEndpoint")) {
            if (c.toMap().containsKey(prefix + k) && !allowed.contains(prefix + k)) {
                throw new IllegalArgumentException(
                        prefix
                                + k
                                + " does not apply to "
                                + prefix
                                + " "
                                + kind
                                + ": remove it or set "
                                + prefix
                                + " to the kind it belongs to");
            }
        }
        if (!kind.equals("ASSUME_ROLE")) {
            String nested = prefix + ".role.provider";
            for (String k : c.keySet()) {
                if (k.equals(nested) || k.startsWith(nested + ".")) {
                    throw new IllegalArgumentException(
                            k + " does not apply to " + prefix + " " + kind);
                }
            }
        }
    }

    /**
     * The credentials provider under {@code prefix} (checked by {@link #checkCredentials}); close
     * it when done (ASSUME_ROLE owns an STS client).
     */
    static ClosingCredentials credentials(Configuration c, String prefix, Region region) {
        String kind = providerKind(c, prefix);
        switch (kind) {
            case "AUTO":
                DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
                return new ClosingCredentials(chain, List.of(chain));
            case "BASIC":
                return new ClosingCredentials(
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(
                                        c.toMap().get(prefix + ".basic.accesskeyid").trim(),
                                        c.toMap().get(prefix + ".basic.secretkey").trim())),
                        List.of());
            case "ASSUME_ROLE":
                ClosingCredentials inner = credentials(c, prefix + ".role.provider", region);
                StsClientBuilder sts =
                        StsClient.builder()
                                .region(region)
                                .credentialsProvider(inner)
                                .httpClient(httpClient(c));
                String endpoint = c.toMap().get(prefix + ".role.stsEndpoint");
                if (endpoint != null && !endpoint.isBlank()) {
                    sts.endpointOverride(URI.create(endpoint.trim()));
                }
                StsClient stsClient = sts.build();
                String arn = c.toMap().get(prefix + ".role.arn").trim();
                String session =
                        c.toMap()
                                .getOrDefault(
                                        prefix + ".role.sessionName", DEFAULT_ROLE_SESSION_NAME)
                                .trim();
                String externalId = c.toMap().get(prefix + ".role.externalId");
                StsAssumeRoleCredentialsProvider role =
                        StsAssumeRoleCredentialsProvider.builder()
                                .stsClient(stsClient)
                                .refreshRequest(
                                        r ->
                                                r.roleArn(arn)
                                                        .roleSessionName(session)
                                                        .externalId(
                                                                externalId == null
                                                                                || externalId
                                                                                        .isBlank()
                                                                        ? null
                                                                        : externalId.trim()))
                                .build();
                return new ClosingCredentials(role, List.of(role, stsClient, inner));
            default:
                throw new IllegalArgumentException(
                        prefix + " must be AUTO, BASIC or ASSUME_ROLE, got '" + kind + "'");
        }
    }

    /**
     * A credentials provider that closes what it owns (an STS client, a refreshing chain) with
     * itself.
     */
    static final class ClosingCredentials implements AwsCredentialsProvider, SdkAutoCloseable {
        private final AwsCredentialsProvider provider;
        private final List<SdkAutoCloseable> owned;

        ClosingCredentials(AwsCredentialsProvider provider, List<SdkAutoCloseable> owned) {
            this.provider = provider;
            this.owned = owned;
        }

        AwsCredentialsProvider provider() {
            return provider;
        }

        @Override
        public AwsCredentials resolveCredentials() {
            return provider.resolveCredentials();
        }

        @Override
        public void close() {
            owned.forEach(SdkAutoCloseable::close);
        }
    }

    private static SdkHttpClient httpClient(Configuration c) {
        AttributeMap.Builder http = AttributeMap.builder();
        if (c.get(TRUST_ALL_CERTIFICATES)) {
            http.put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, true);
        }
        return Apache5HttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(Duration.ofSeconds(60))
                .buildWithDefaults(http.build());
    }

    /**
     * The enumerator's Kinesis client (Apache 5 HTTP client, HTTP/1.1, the SDK's retries) and the
     * credentials it owns: close both with {@link Clients#close()}.
     */
    static Clients client(String streamArn, Configuration c) {
        return client(streamArn, c, true);
    }

    /**
     * The reader's client: without the SDK's own retries, so that every GetRecords request is one
     * the reader paced and counted (an SDK retry of a throttled call would be another read within
     * the same 200 ms).
     */
    static Clients readerClient(String streamArn, Configuration c) {
        return client(streamArn, c, false);
    }

    private static Clients client(String streamArn, Configuration c, boolean sdkRetries) {
        Region region = region(streamArn, c);
        ClosingCredentials credentials = credentials(c, CREDENTIALS_PROVIDER_KEY, region);
        KinesisClientBuilder b =
                KinesisClient.builder()
                        .region(region)
                        .credentialsProvider(credentials)
                        .httpClient(httpClient(c));
        if (!sdkRetries) {
            b.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        }
        String endpoint = c.get(ENDPOINT);
        if (endpoint != null && !endpoint.isBlank()) {
            b.endpointOverride(URI.create(endpoint.trim()));
        }
        return new Clients(b.build(), credentials);
    }

    /**
     * A Kinesis client and the credentials provider it was built with (which the client does not
     * close).
     */
    static final class Clients implements AutoCloseable {
        final KinesisClient kinesis;
        final ClosingCredentials credentials;

        Clients(KinesisClient kinesis, ClosingCredentials credentials) {
            this.kinesis = kinesis;
            this.credentials = credentials;
        }

        @Override
        public void close() {
            kinesis.close();
            credentials.close();
        }
    }
}
