package io.streamstack.flink.common;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;

/**
 * The job's runtime properties: the {@code FlinkApplicationProperties} group that Managed Service
 * for Apache Flink writes to {@code /etc/flink/application_properties.json}, or, for a local run,
 * the same JSON format read from the file given with {@code --properties FILE}.
 */
public final class JobProperties implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The property group the jobs read. */
    public static final String GROUP = "FlinkApplicationProperties";

    private final TreeMap<String, String> values;
    private final boolean local;

    private JobProperties(Map<String, String> values, boolean local) {
        this.values = new TreeMap<>(values);
        this.local = local;
    }

    /** Properties for tests and tools: {@link #isLocal()} is as given. */
    public static JobProperties of(Map<String, String> values, boolean local) {
        return new JobProperties(values, local);
    }

    /**
     * {@code --properties FILE} reads FILE (a local run); without it, the service's application
     * properties.
     */
    public static JobProperties load(String[] args) {
        String file = null;
        for (int i = 0; i < args.length; i++) {
            if ("--properties".equals(args[i])) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--properties needs a file name");
                }
                file = args[++i];
            } else if (args[i].startsWith("--properties=")) {
                file = args[i].substring("--properties=".length());
            } else {
                throw new IllegalArgumentException(
                        "unknown argument " + args[i] + " (the only one is --properties FILE)");
            }
        }
        if (file != null) {
            return fromFile(Path.of(file));
        }
        Map<String, Properties> groups;
        try {
            groups = KinesisAnalyticsRuntime.getApplicationProperties();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the application properties", e);
        }
        Properties group = groups.get(GROUP);
        return new JobProperties(group == null ? Map.of() : toMap(group), false);
    }

    /** Reads the JSON format of {@code application_properties.json}; the result is local. */
    public static JobProperties fromFile(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read properties file " + file + ": " + e.getMessage(), e);
        }
        return new JobProperties(parseGroups(root, file.toString()), true);
    }

    static Map<String, String> parseGroups(JsonNode root, String source) {
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException(
                    source
                            + ": expected a JSON array of {\"PropertyGroupId\": ..., \"PropertyMap\": {...}}");
        }
        Map<String, String> found = null;
        for (JsonNode group : root) {
            JsonNode id = group.get("PropertyGroupId");
            JsonNode map = group.get("PropertyMap");
            if (id == null || !id.isTextual() || map == null || !map.isObject()) {
                throw new IllegalArgumentException(
                        source
                                + ": every element needs a string PropertyGroupId and an object PropertyMap");
            }
            if (!GROUP.equals(id.asText())) {
                continue;
            }
            found = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : map.properties()) {
                JsonNode v = e.getValue();
                if (!v.isValueNode() || v.isNull()) {
                    throw new IllegalArgumentException(
                            source
                                    + ": property "
                                    + e.getKey()
                                    + " must be a string, number or boolean");
                }
                found.put(e.getKey(), v.asText());
            }
        }
        return found == null ? Map.of() : found;
    }

    private static Map<String, String> toMap(Properties p) {
        Map<String, String> m = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            m.put(k, p.getProperty(k));
        }
        return m;
    }

    /**
     * True for a local run (properties from a file): the job then sets checkpointing and
     * parallelism.
     */
    public boolean isLocal() {
        return local;
    }

    /** Every property, sorted by key. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    public String require(String key) {
        String v = values.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(
                    "missing required property " + key + " in property group " + GROUP);
        }
        return v.trim();
    }

    public String get(String key, String dflt) {
        String v = values.get(key);
        return v == null || v.isBlank() ? dflt : v.trim();
    }

    public int getInt(String key, int dflt) {
        long v = getLong(key, dflt);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw bad(key, values.get(key), "an integer");
        }
        return (int) v;
    }

    public long getLong(String key, long dflt) {
        String v = values.get(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw bad(key, v, "an integer");
        }
    }

    /** A whole number of seconds (at least 0). */
    public Duration getSeconds(String key, long dflt) {
        long v = getLong(key, dflt);
        if (v < 0) {
            throw bad(key, values.get(key), "a number of seconds >= 0");
        }
        return Duration.ofSeconds(v);
    }

    private static IllegalArgumentException bad(String key, String value, String what) {
        return new IllegalArgumentException(
                "property " + key + " must be " + what + ", got '" + value + "'");
    }

    /**
     * Every property whose key starts with {@code aws.} or {@code source.}: the Kinesis source's
     * own options.
     */
    public Properties sourceConfig() {
        Properties p = new Properties();
        values.forEach(
                (k, v) -> {
                    if (k.startsWith("aws.") || k.startsWith("source.")) {
                        p.setProperty(k, v);
                    }
                });
        return p;
    }

    /** {@link #sourceConfig()} as a Flink configuration. */
    public Configuration sourceConfiguration() {
        Configuration c = new Configuration();
        sourceConfig().forEach((k, v) -> c.setString((String) k, (String) v));
        return c;
    }

    /** {@code aws.endpoint}: the endpoint override (an emulator), if any. */
    public Optional<String> endpointOverride() {
        return Optional.ofNullable(get("aws.endpoint", null));
    }

    @Override
    public String toString() {
        TreeMap<String, String> shown = new TreeMap<>();
        values.forEach((k, v) -> shown.put(k, k.toLowerCase().contains("secret") ? "***" : v));
        return (local ? "local " : "") + shown;
    }
}
