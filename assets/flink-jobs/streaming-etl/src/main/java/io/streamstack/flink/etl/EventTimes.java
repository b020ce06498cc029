package io.streamstack.flink.etl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Event times from a JSON field: ISO-8601 text with a zone ({@code Z} or an offset), or epoch
 * milliseconds.
 */
public final class EventTimes {
    private EventTimes() {}

    /** 9999-12-31T23:59:59.999Z: the partition paths have four-digit years. */
    public static final long MAX_MILLIS = 253_402_300_799_999L;

    /**
     * The epoch millis of the node.
     *
     * @throws IllegalArgumentException why it is not an event time (the message names what was
     *     found)
     */
    public static long millis(JsonNode n) {
        long millis;
        if (n == null || n.isMissingNode() || n.isNull()) {
            throw new IllegalArgumentException("is missing");
        } else if (n.isIntegralNumber() && n.canConvertToLong()) {
            millis = n.longValue();
        } else if (n.isTextual()) {
            millis = parseIso(n.textValue());
        } else {
            String shown = n.toString();
            throw new IllegalArgumentException(
                    "must be ISO-8601 text or epoch milliseconds, got "
                            + (shown.length() > 60 ? shown.substring(0, 57) + "..." : shown));
        }
        if (millis < 0 || millis > MAX_MILLIS) {
            throw new IllegalArgumentException(
                    "must be between 1970 and 9999, got " + millis + " ms");
        }
        return millis;
    }

    /**
     * ISO-8601 with a zone, e.g. {@code 2026-11-24T13:00:05.123Z} or {@code
     * 2026-11-24T14:00:05+01:00}.
     */
    public static long parseIso(String text) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant()
                    .toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            String shown = text.length() > 60 ? text.substring(0, 57) + "..." : text;
            throw new IllegalArgumentException(
                    "must be ISO-8601 with a zone (2026-11-24T13:00:05Z) or epoch"
                            + " milliseconds, got \""
                            + shown
                            + "\"",
                    e);
        }
    }
}
