package io.streamstack.flink.etl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The partition folders: {@code year=YYYY/month=MM/day=DD/hour=HH} (UTC) by event time, then one
 * {@code field=value} folder per {@code PartitionFields} entry, Hive-style: the characters Hive
 * escapes are written as {@code %XX}, and a missing, null or empty value is {@code
 * __HIVE_DEFAULT_PARTITION__}.
 */
public final class Partitions {
    private Partitions() {}

    /** Hive's folder for a null or empty value. */
    public static final String DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__";

    /**
     * A partition value longer than this (escaped) makes the record bad: S3 keys have at most 1,024
     * bytes.
     */
    public static final int MAX_VALUE_CHARS = 128;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("'year='uuuu'/month='MM'/day='dd'/hour='HH")
                    .withZone(ZoneOffset.UTC);

    /** {@code year=YYYY/month=MM/day=DD/hour=HH} of an instant, UTC. */
    public static String timeFolders(long epochMillis) {
        return TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    /** The bucket of a record: its time folders, then its field folders. */
    public static String bucket(long epochMillis, String fieldFolders) {
        String time = timeFolders(epochMillis);
        return fieldFolders == null || fieldFolders.isEmpty() ? time : time + "/" + fieldFolders;
    }

    /**
     * The field folders of a JSON object ({@code vendor_id=1/payment_type=CRD}), "" for no fields.
     *
     * @throws IllegalArgumentException when a value is an object or an array, or too long
     */
    public static String fieldFolders(JsonNode record, List<String> fields) {
        if (fields.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String f : fields) {
            JsonNode v = record.get(f);
            String value;
            if (v == null || v.isNull() || v.isMissingNode()) {
                value = DEFAULT_PARTITION;
            } else if (v.isValueNode()) {
                String text = v.asText();
                value = text.isEmpty() ? DEFAULT_PARTITION : escape(text);
            } else {
                throw new IllegalArgumentException(
                        "partition field "
                                + f
                                + " must be a string, number or boolean, got "
                                + (v.isArray() ? "an array" : "an object"));
            }
            if (value.length() > MAX_VALUE_CHARS) {
                throw new IllegalArgumentException(
                        "partition field "
                                + f
                                + " is longer than "
                                + MAX_VALUE_CHARS
                                + " characters (escaped)");
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(f).append('=').append(value);
        }
        return sb.toString();
    }

    /**
     * Hive's path escaping (FileUtils.escapePathName): control characters, the slash and {@code
     * "#%'*:=?\^[]{}} become %XX.
     */
    public static String escape(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || "\"#%'*/:=?\\^[]{}".indexOf(c) >= 0) {
                sb.append('%').append(String.format("%02X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
