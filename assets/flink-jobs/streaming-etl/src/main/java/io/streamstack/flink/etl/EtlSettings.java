package io.streamstack.flink.etl;

import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.KplDeserializationSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * The streaming-etl job's settings, read and checked from its properties at start: exactly one
 * source (a Kinesis stream or a Kafka topic), at least one sink, and every value in range. Each
 * misconfiguration is one {@link IllegalArgumentException} whose message names the property, the
 * bad value and what is allowed.
 *
 * @param inputStreamArn {@code InputStreamArn} (Kinesis source), else null.
 * @param inputKafkaBootstrapServers {@code InputKafkaBootstrapServers} (Kafka source), else null.
 * @param inputKafkaGroupId {@code InputKafkaGroupId} (default {@code streaming-etl}).
 * @param inputKafkaStartingOffsets {@code InputKafkaStartingOffsets}: {@code earliest} (default),
 *     {@code latest} or {@code timestamp:<epoch ms>}.
 * @param inputKafkaStartingTimestamp The epoch millis of {@code timestamp:<ms>}, else -1.
 * @param eventTimeField {@code EventTimeField} (default {@code pickup_datetime}): ISO-8601 text or
 *     epoch millis.
 * @param outputPath {@code OutputPath} (S3 sink and errors folder), else null: {@code s3a://},
 *     {@code s3://} (written as s3a) or {@code file://}.
 * @param outputSchema The Avro schema of the Parquet files (JSON), {@code OutputSchema} or the taxi
 *     records' schema.
 * @param partitionFields {@code PartitionFields}: payload fields after {@code
 *     year=/month=/day=/hour=}, in order.
 * @param outputKafkaKeyField {@code OutputKafkaKeyField}: the payload field whose value is the
 *     record key, else null (no key).
 * @param outputStreamArn {@code OutputStreamArn} (Kinesis sink), else null.
 * @param outputPartitionKeyField {@code OutputPartitionKeyField}: the payload field whose value is
 *     the Kinesis partition key, else null (random).
 * @param awsProperties Every {@code aws.*} property (the Kinesis clients' region, endpoint,
 *     credentials).
 * @param outputOpenSearchEndpoint {@code OutputOpenSearchEndpoint} (OpenSearch sink), else null.
 * @param outputOpenSearchIndex {@code OutputOpenSearchIndex} (default {@code streaming-etl}): the
 *     index, or the one for records without an index field.
 * @param kafkaClientProperties Every {@code kafka.*} property without its prefix.
 * @param kafkaAuth {@code KafkaAuth} (default {@code NONE}): {@code IAM} for Amazon MSK IAM access
 *     control of both Kafka clients.
 */
public record EtlSettings(
        SourceKind source,
        String inputStreamArn,
        String inputKafkaBootstrapServers,
        String inputKafkaTopic,
        String inputKafkaGroupId,
        String inputKafkaStartingOffsets,
        long inputKafkaStartingTimestamp,
        int maxRecordBytes,
        String eventTimeField,
        Duration maxOutOfOrderness,
        Duration idleTimeout,
        String outputPath,
        Format outputFormat,
        String outputSchema,
        List<String> partitionFields,
        String outputKafkaBootstrapServers,
        String outputKafkaTopic,
        String outputKafkaKeyField,
        Guarantee outputKafkaGuarantee,
        String outputKafkaTransactionalIdPrefix,
        long outputKafkaTransactionTimeoutMillis,
        String outputStreamArn,
        String outputPartitionKeyField,
        Map<String, String> awsProperties,
        java.net.URI outputOpenSearchEndpoint,
        String outputOpenSearchIndex,
        String outputOpenSearchIndexField,
        String outputOpenSearchIdField,
        OpenSearchOutput.Auth outputOpenSearchAuth,
        String outputOpenSearchRegion,
        String outputOpenSearchUsername,
        String outputOpenSearchPassword,
        Map<String, String> kafkaClientProperties,
        KafkaAuth kafkaAuth)
        implements Serializable {

    /** Where the records come from. */
    public enum SourceKind {
        KINESIS,
        KAFKA
    }

    /** The S3 (or local folder) sink's file format. */
    public enum Format {
        PARQUET,
        JSON
    }

    /** The Kafka sink's guarantee. */
    public enum Guarantee {
        EXACTLY_ONCE,
        AT_LEAST_ONCE
    }

    /**
     * Prefix of the properties passed to the Kafka clients (source and sink) without it, e.g.
     * {@code kafka.security.protocol}.
     */
    public static final String KAFKA_CLIENT_PREFIX = "kafka.";

    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Pattern TIMESTAMP_OFFSETS = Pattern.compile("timestamp:(\\d{1,15})");

    /** Reads and checks the settings; the message of the exception is the one line to show. */
    public static EtlSettings from(JobProperties p) {
        SourceKind source;
        String inputStreamArn;
        String inputKafkaBootstrapServers;
        String inputKafkaTopic;
        String inputKafkaGroupId;
        String inputKafkaStartingOffsets;
        long inputKafkaStartingTimestamp;
        int maxRecordBytes;
        String eventTimeField;
        Duration maxOutOfOrderness;
        Duration idleTimeout;
        String outputPath;
        Format outputFormat;
        String outputSchema;
        List<String> partitionFields;
        String outputKafkaBootstrapServers;
        String outputKafkaTopic;
        String outputKafkaKeyField;
        Guarantee outputKafkaGuarantee;
        String outputKafkaTransactionalIdPrefix;
        long outputKafkaTransactionTimeoutMillis;
        String outputStreamArn;
        String outputPartitionKeyField;
        Map<String, String> awsProperties;
        java.net.URI outputOpenSearchEndpoint;
        String outputOpenSearchIndex;
        String outputOpenSearchIndexField;
        String outputOpenSearchIdField;
        OpenSearchOutput.Auth outputOpenSearchAuth;
        String outputOpenSearchRegion;
        String outputOpenSearchUsername;
        String outputOpenSearchPassword;
        Map<String, String> kafkaClientProperties;
        KafkaAuth kafkaAuth;
        String arn = p.get("InputStreamArn", null);
        String kafka = p.get("InputKafkaBootstrapServers", null);
        String inTopic = p.get("InputKafkaTopic", null);
        if (arn != null && (kafka != null || inTopic != null)) {
            throw new IllegalArgumentException(
                    "properties InputStreamArn and InputKafkaBootstrapServers/InputKafkaTopic"
                            + " are both set: the job reads exactly one source, a Kinesis stream or a Kafka topic");
        }
        if (arn == null && kafka == null && inTopic == null) {
            throw new IllegalArgumentException(
                    "no source: set InputStreamArn (a Kinesis stream) or"
                            + " InputKafkaBootstrapServers and InputKafkaTopic (a Kafka topic)");
        }
        if (arn != null) {
            if (!arn.startsWith("arn:") || !arn.contains(":stream/")) {
                throw new IllegalArgumentException(
                        "property InputStreamArn must be a Kinesis stream ARN"
                                + " (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME), got '"
                                + arn
                                + "'");
            }
            source = SourceKind.KINESIS;
        } else {
            if (kafka == null || inTopic == null) {
                throw new IllegalArgumentException(
                        "the Kafka source needs both InputKafkaBootstrapServers and"
                                + " InputKafkaTopic, got only "
                                + (kafka == null
                                        ? "InputKafkaTopic"
                                        : "InputKafkaBootstrapServers"));
            }
            source = SourceKind.KAFKA;
        }
        inputStreamArn = arn;
        inputKafkaBootstrapServers = kafka;
        inputKafkaTopic = inTopic;
        inputKafkaGroupId = p.get("InputKafkaGroupId", "streaming-etl");
        String offsets = p.get("InputKafkaStartingOffsets", "earliest").toLowerCase(Locale.ROOT);
        var m = TIMESTAMP_OFFSETS.matcher(offsets);
        if (m.matches()) {
            inputKafkaStartingTimestamp = Long.parseLong(m.group(1));
        } else if (offsets.equals("earliest") || offsets.equals("latest")) {
            inputKafkaStartingTimestamp = -1;
        } else {
            throw new IllegalArgumentException(
                    "property InputKafkaStartingOffsets must be earliest, latest or"
                            + " timestamp:<epoch millis>, got '"
                            + offsets
                            + "'");
        }
        inputKafkaStartingOffsets = offsets;
        maxRecordBytes =
                p.getInt("MaxRecordBytes", KplDeserializationSchema.DEFAULT_MAX_RECORD_BYTES);
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException(
                    "property MaxRecordBytes must be >= 1, got '" + maxRecordBytes + "'");
        }

        eventTimeField = field(p, "EventTimeField", p.get("EventTimeField", "pickup_datetime"));
        maxOutOfOrderness = p.getSeconds("MaxOutOfOrdernessSeconds", 5);
        idleTimeout = p.getSeconds("IdleTimeoutSeconds", 60);

        outputPath = outputPath(p.get("OutputPath", null));
        String format = p.get("OutputFormat", "parquet").toUpperCase(Locale.ROOT);
        try {
            outputFormat = Format.valueOf(format);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "property OutputFormat must be parquet or json, got '"
                            + p.get("OutputFormat", "")
                            + "'",
                    e);
        }
        String schemaJson = p.get("OutputSchema", null);
        outputSchema = schemaJson == null ? defaultSchema() : schemaJson;
        if (outputPath != null && outputFormat == Format.PARQUET) {
            AvroJson.checkSchema(parseSchema(outputSchema, schemaJson == null));
        } else if (schemaJson != null) {
            throw new IllegalArgumentException(
                    "property OutputSchema is set but nothing writes Parquet: it needs"
                            + " OutputPath with OutputFormat parquet");
        }
        partitionFields = partitionFields(p.get("PartitionFields", null));
        if (outputPath == null && !partitionFields.isEmpty()) {
            throw new IllegalArgumentException(
                    "property PartitionFields is set but there is no OutputPath to partition");
        }

        outputKafkaBootstrapServers = p.get("OutputKafkaBootstrapServers", null);
        outputKafkaTopic = p.get("OutputKafkaTopic", null);
        if ((outputKafkaBootstrapServers == null) != (outputKafkaTopic == null)) {
            throw new IllegalArgumentException(
                    "the Kafka sink needs both OutputKafkaBootstrapServers and"
                            + " OutputKafkaTopic, got only "
                            + (outputKafkaTopic == null
                                    ? "OutputKafkaBootstrapServers"
                                    : "OutputKafkaTopic"));
        }
        String keyField = p.get("OutputKafkaKeyField", null);
        outputKafkaKeyField = keyField == null ? null : field(p, "OutputKafkaKeyField", keyField);
        String guarantee =
                p.get("OutputKafkaDeliveryGuarantee", "EXACTLY_ONCE").toUpperCase(Locale.ROOT);
        try {
            outputKafkaGuarantee = Guarantee.valueOf(guarantee);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "property OutputKafkaDeliveryGuarantee must be EXACTLY_ONCE or"
                            + " AT_LEAST_ONCE, got '"
                            + p.get("OutputKafkaDeliveryGuarantee", "")
                            + "'",
                    e);
        }
        outputKafkaTransactionalIdPrefix =
                p.get("OutputKafkaTransactionalIdPrefix", "streaming-etl");
        if (!outputKafkaTransactionalIdPrefix.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException(
                    "property OutputKafkaTransactionalIdPrefix must be 1 to 200 of"
                            + " A-Z a-z 0-9 . _ -, got '"
                            + outputKafkaTransactionalIdPrefix
                            + "'");
        }
        // The brokers' default transaction.max.timeout.ms is 15 minutes: a longer timeout fails
        // every transaction.
        outputKafkaTransactionTimeoutMillis =
                p.getLong("OutputKafkaTransactionTimeoutMillis", 900_000);
        if (outputKafkaTransactionTimeoutMillis < 1000) {
            throw new IllegalArgumentException(
                    "property OutputKafkaTransactionTimeoutMillis must be >= 1000, got '"
                            + outputKafkaTransactionTimeoutMillis
                            + "'");
        }
        if (outputKafkaBootstrapServers == null
                && (keyField != null || p.get("OutputKafkaDeliveryGuarantee", null) != null)) {
            throw new IllegalArgumentException(
                    "properties OutputKafkaKeyField/OutputKafkaDeliveryGuarantee are set but"
                            + " there is no Kafka sink: set OutputKafkaBootstrapServers and OutputKafkaTopic");
        }
        outputStreamArn = p.get("OutputStreamArn", null);
        if (outputStreamArn != null
                && !outputStreamArn.matches(
                        "arn:[a-z-]+:kinesis:[a-z0-9-]+:\\d{12}:stream/[A-Za-z0-9_.-]{1,128}")) {
            throw new IllegalArgumentException(
                    "property OutputStreamArn must be a Kinesis stream ARN"
                            + " (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME), got '"
                            + outputStreamArn
                            + "'");
        }
        if (outputStreamArn != null && outputStreamArn.equals(inputStreamArn)) {
            throw new IllegalArgumentException(
                    "property OutputStreamArn is the input stream: the job would read its own"
                            + " output forever");
        }
        String pkField = p.get("OutputPartitionKeyField", null);
        if (pkField != null && outputStreamArn == null) {
            throw new IllegalArgumentException(
                    "property OutputPartitionKeyField is set but there is no Kinesis sink: set"
                            + " OutputStreamArn");
        }
        outputPartitionKeyField =
                pkField == null ? null : field(p, "OutputPartitionKeyField", pkField);
        String os = p.get("OutputOpenSearchEndpoint", null);
        outputOpenSearchEndpoint = os == null ? null : openSearchEndpoint(os);
        outputOpenSearchIndex = p.get("OutputOpenSearchIndex", "streaming-etl");
        if (!isIndexName(outputOpenSearchIndex)) {
            throw new IllegalArgumentException(
                    "property OutputOpenSearchIndex must be an OpenSearch index name (lowercase"
                            + " letters, digits, _ - + ., not starting with _ - +), got '"
                            + outputOpenSearchIndex
                            + "'");
        }
        String indexField = p.get("OutputOpenSearchIndexField", null);
        outputOpenSearchIndexField =
                indexField == null ? null : field(p, "OutputOpenSearchIndexField", indexField);
        String idField = p.get("OutputOpenSearchIdField", null);
        outputOpenSearchIdField =
                idField == null ? null : field(p, "OutputOpenSearchIdField", idField);
        String authName =
                p.get(
                        "OutputOpenSearchAuth",
                        outputOpenSearchEndpoint != null
                                        && outputOpenSearchEndpoint
                                                .getHost()
                                                .endsWith(".amazonaws.com")
                                ? "sigv4"
                                : "none");
        try {
            outputOpenSearchAuth = OpenSearchOutput.Auth.valueOf(authName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "property OutputOpenSearchAuth must be sigv4, basic or none, got '"
                            + authName
                            + "'",
                    e);
        }
        outputOpenSearchUsername = p.get("OutputOpenSearchUsername", null);
        outputOpenSearchPassword = p.get("OutputOpenSearchPassword", null);
        String osRegion = p.get("OutputOpenSearchRegion", p.get("aws.region", null));
        if (osRegion == null && outputOpenSearchEndpoint != null) {
            // search-NAME-ID.REGION.es.amazonaws.com
            String[] host = outputOpenSearchEndpoint.getHost().split("\\.");
            if (host.length >= 5 && host[host.length - 3].equals("es")) {
                osRegion = host[host.length - 4];
            }
        }
        outputOpenSearchRegion = osRegion;
        if (outputOpenSearchEndpoint == null) {
            for (String k :
                    List.of(
                            "OutputOpenSearchIndexField",
                            "OutputOpenSearchIdField",
                            "OutputOpenSearchAuth",
                            "OutputOpenSearchUsername",
                            "OutputOpenSearchPassword")) {
                if (p.get(k, null) != null) {
                    throw new IllegalArgumentException(
                            "property "
                                    + k
                                    + " is set but there is no OpenSearch sink: set"
                                    + " OutputOpenSearchEndpoint");
                }
            }
        } else if (outputOpenSearchAuth == OpenSearchOutput.Auth.SIGV4
                && outputOpenSearchRegion == null) {
            throw new IllegalArgumentException(
                    "the OpenSearch sink signs with SigV4 but has no region: set"
                            + " OutputOpenSearchRegion (or aws.region)");
        } else if (outputOpenSearchAuth == OpenSearchOutput.Auth.BASIC
                && (outputOpenSearchUsername == null || outputOpenSearchPassword == null)) {
            throw new IllegalArgumentException(
                    "OutputOpenSearchAuth basic needs OutputOpenSearchUsername and"
                            + " OutputOpenSearchPassword");
        } else if (outputOpenSearchAuth == OpenSearchOutput.Auth.BASIC
                && outputOpenSearchEndpoint.getScheme().equals("http")
                && !outputOpenSearchEndpoint.getHost().equals("localhost")
                && !outputOpenSearchEndpoint.getHost().equals("127.0.0.1")) {
            throw new IllegalArgumentException(
                    "OutputOpenSearchAuth basic over plain http would send the password in"
                            + " clear: use an https:// OutputOpenSearchEndpoint");
        }
        if (outputPath == null
                && outputKafkaBootstrapServers == null
                && outputStreamArn == null
                && outputOpenSearchEndpoint == null) {
            throw new IllegalArgumentException(
                    "no sink: set at least one of OutputPath (S3 or a local folder),"
                            + " OutputKafkaBootstrapServers with OutputKafkaTopic, OutputStreamArn and OutputOpenSearchEndpoint");
        }
        Map<String, String> aws = new java.util.TreeMap<>();
        p.asMap()
                .forEach(
                        (k, v) -> {
                            if (k.startsWith("aws.")) {
                                aws.put(k, v.trim());
                            }
                        });
        awsProperties = Collections.unmodifiableMap(aws);
        kafkaClientProperties = kafkaClientProperties(p);
        kafkaAuth =
                kafkaAuth(
                        p.get("KafkaAuth", null),
                        kafkaClientProperties,
                        source == SourceKind.KAFKA || outputKafkaBootstrapServers != null);
        return new EtlSettings(
                source,
                inputStreamArn,
                inputKafkaBootstrapServers,
                inputKafkaTopic,
                inputKafkaGroupId,
                inputKafkaStartingOffsets,
                inputKafkaStartingTimestamp,
                maxRecordBytes,
                eventTimeField,
                maxOutOfOrderness,
                idleTimeout,
                outputPath,
                outputFormat,
                outputSchema,
                partitionFields,
                outputKafkaBootstrapServers,
                outputKafkaTopic,
                outputKafkaKeyField,
                outputKafkaGuarantee,
                outputKafkaTransactionalIdPrefix,
                outputKafkaTransactionTimeoutMillis,
                outputStreamArn,
                outputPartitionKeyField,
                awsProperties,
                outputOpenSearchEndpoint,
                outputOpenSearchIndex,
                outputOpenSearchIndexField,
                outputOpenSearchIdField,
                outputOpenSearchAuth,
                outputOpenSearchRegion,
                outputOpenSearchUsername,
                outputOpenSearchPassword,
                kafkaClientProperties,
                kafkaAuth);
    }

    /**
     * {@code KafkaAuth}: NONE (default) or IAM, only with a Kafka source or sink, and with IAM none
     * of the client properties it sets given as {@code kafka.*} too.
     */
    private static KafkaAuth kafkaAuth(
            String value, Map<String, String> clientProperties, boolean hasKafka) {
        if (value == null) {
            return KafkaAuth.NONE;
        }
        KafkaAuth auth;
        try {
            auth = KafkaAuth.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "property KafkaAuth must be NONE or IAM (Amazon MSK IAM access control), got '"
                            + value
                            + "'",
                    e);
        }
        if (!hasKafka) {
            throw new IllegalArgumentException(
                    "property KafkaAuth is set but there is no Kafka source or sink: set"
                            + " InputKafkaBootstrapServers or OutputKafkaBootstrapServers");
        }
        for (String k : new java.util.TreeSet<>(auth.clientProperties().keySet())) {
            if (clientProperties.containsKey(k)) {
                throw new IllegalArgumentException(
                        "property "
                                + KAFKA_CLIENT_PREFIX
                                + k
                                + " cannot be set with KafkaAuth "
                                + auth
                                + ": it sets "
                                + k
                                + " itself");
            }
        }
        return auth;
    }

    /** True when the job writes files under {@link #outputPath}. */
    public boolean hasFileSink() {
        return outputPath != null;
    }

    public boolean hasKafkaSink() {
        return outputKafkaBootstrapServers != null;
    }

    public boolean hasOpenSearchSink() {
        return outputOpenSearchEndpoint != null;
    }

    /**
     * OpenSearch's index names: lowercase, no \\ / * ? " < > | space , #, not starting with _ - +,
     * not . or .., at most 255 bytes.
     */
    public static boolean isIndexName(String name) {
        return name.matches("[a-z0-9][a-z0-9._+-]{0,254}")
                && !name.equals(".")
                && !name.equals("..");
    }

    private static java.net.URI openSearchEndpoint(String value) {
        java.net.URI u;
        try {
            u = java.net.URI.create(value);
        } catch (IllegalArgumentException e) {
            u = null;
        }
        if (u == null
                || u.getHost() == null
                || u.getRawQuery() != null
                || u.getRawFragment() != null
                || !("https".equals(u.getScheme()) || "http".equals(u.getScheme()))) {
            throw new IllegalArgumentException(
                    "property OutputOpenSearchEndpoint must be an http(s) URL with a host and"
                            + " no query (https://search-NAME-ID.REGION.es.amazonaws.com), got '"
                            + value
                            + "'");
        }
        return u;
    }

    public boolean hasKinesisSink() {
        return outputStreamArn != null;
    }

    /** True when a sink needs each record's JSON text (JSON lines, Kafka, Kinesis, OpenSearch). */
    public boolean needsJson() {
        return hasKafkaSink()
                || hasKinesisSink()
                || hasOpenSearchSink()
                || (hasFileSink() && outputFormat == Format.JSON);
    }

    /** The Avro schema when the job writes Parquet, else null. */
    public Schema parquetSchema() {
        return hasFileSink() && outputFormat == Format.PARQUET
                ? new Schema.Parser().parse(outputSchema)
                : null;
    }

    /**
     * The Kafka clients' extra properties: {@code kafka.*} without the prefix, and {@code
     * KafkaAuth}'s.
     */
    public Properties kafkaProperties() {
        Properties props = new Properties();
        props.putAll(kafkaClientProperties);
        props.putAll(kafkaAuth.clientProperties());
        return props;
    }

    private static String field(JobProperties p, String key, String value) {
        if (!FIELD_NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "property "
                            + key
                            + " must be a field name (a letter or _, then letters,"
                            + " digits or _), got '"
                            + value
                            + "'");
        }
        return value;
    }

    /**
     * {@code s3a://bucket[/prefix]} as given, {@code s3://} turned into {@code s3a://} (the
     * FileSink's exactly-once commits need the Hadoop S3 file system on the service), {@code
     * file:///folder} for local runs.
     */
    static String outputPath(String path) {
        if (path == null) {
            return null;
        }
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (p.startsWith("s3://")) {
            p = "s3a://" + p.substring("s3://".length());
        }
        if (p.startsWith("s3a://")) {
            String rest = p.substring("s3a://".length());
            String bucket = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException(
                        "property OutputPath must be s3://BUCKET[/PREFIX] with a valid bucket"
                                + " name, got '"
                                + path
                                + "'");
            }
            return p;
        }
        if (p.startsWith("file:/")) {
            return p;
        }
        throw new IllegalArgumentException(
                "property OutputPath must be s3://BUCKET[/PREFIX], s3a://BUCKET[/PREFIX] or"
                        + " file:///FOLDER, got '"
                        + path
                        + "'");
    }

    private static List<String> partitionFields(String value) {
        if (value == null) {
            return List.of();
        }
        Set<String> fields = new LinkedHashSet<>();
        for (String f : value.split(",", -1)) {
            String name = f.trim();
            if (!FIELD_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "property PartitionFields must be field names separated by commas,"
                                + " got '"
                                + value
                                + "'");
            }
            if (Set.of("year", "month", "day", "hour").contains(name) || !fields.add(name)) {
                throw new IllegalArgumentException(
                        "property PartitionFields names '"
                                + name
                                + "' twice or as one of"
                                + " the time partitions (year, month, day, hour), got '"
                                + value
                                + "'");
            }
        }
        return Collections.unmodifiableList(new ArrayList<>(fields));
    }

    private static Schema parseSchema(String json, boolean dflt) {
        try {
            return new Schema.Parser().parse(json);
        } catch (SchemaParseException | NullPointerException e) {
            throw new IllegalArgumentException(
                    (dflt ? "the default schema" : "property OutputSchema")
                            + " is not a valid Avro schema: "
                            + firstLine(e.getMessage()),
                    e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "property OutputSchema is not a valid Avro schema: "
                            + firstLine(String.valueOf(e.getMessage())),
                    e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no detail)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static Map<String, String> kafkaClientProperties(JobProperties p) {
        Map<String, String> out = new java.util.TreeMap<>();
        p.asMap()
                .forEach(
                        (k, v) -> {
                            if (k.startsWith(KAFKA_CLIENT_PREFIX)
                                    && k.length() > KAFKA_CLIENT_PREFIX.length()) {
                                out.put(k.substring(KAFKA_CLIENT_PREFIX.length()), v.trim());
                            }
                        });
        for (String owned :
                List.of(
                        "isolation.level",
                        "group.id",
                        "bootstrap.servers",
                        "transactional.id",
                        "enable.auto.commit",
                        "key.deserializer",
                        "value.deserializer",
                        "key.serializer",
                        "value.serializer")) {
            if (out.containsKey(owned)) {
                throw new IllegalArgumentException(
                        "property kafka." + owned + " cannot be set: the job sets it itself");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** The Avro schema (JSON) of the records the {@code taxi} generator writes. */
    public static String defaultSchema() {
        try (InputStream in = EtlSettings.class.getResourceAsStream("/taxi-trip.avsc")) {
            if (in == null) {
                throw new IllegalStateException("taxi-trip.avsc is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
