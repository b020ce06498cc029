package io.streamstack.flink.common;

import java.io.Serializable;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Buckets {@code dt=YYYY-MM-DD/hr=HH} (UTC) from the element's own event time, or from the
 * processing time when it has none ({@link #processingTime()}).
 */
public final class DateHourBucketAssigner<T> implements BucketAssigner<T, String> {
    private static final long serialVersionUID = 1L;

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("'dt='uuuu-MM-dd'/hr='HH").withZone(ZoneOffset.UTC);

    /** The event time of an element, in epoch milliseconds. */
    @FunctionalInterface
    public interface EventTime<T> extends Serializable {
        long millis(T element);
    }

    private final EventTime<T> eventTime;

    private DateHourBucketAssigner(EventTime<T> eventTime) {
        this.eventTime = eventTime;
    }

    /** Buckets by the element's event time. */
    public static <T> DateHourBucketAssigner<T> eventTime(EventTime<T> eventTime) {
        return new DateHourBucketAssigner<>(eventTime);
    }

    /** Buckets by the processing time of the sink. */
    public static <T> DateHourBucketAssigner<T> processingTime() {
        return new DateHourBucketAssigner<>(null);
    }

    /** The bucket of an instant: {@code dt=YYYY-MM-DD/hr=HH}. */
    public static String bucketOf(long epochMillis) {
        return FORMAT.format(java.time.Instant.ofEpochMilli(epochMillis));
    }

    @Override
    public String getBucketId(T element, Context context) {
        return bucketOf(
                eventTime == null ? context.currentProcessingTime() : eventTime.millis(element));
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return eventTime == null
                ? "DateHourBucketAssigner(processing time)"
                : "DateHourBucketAssigner(event time)";
    }
}
