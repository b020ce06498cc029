package io.streamstack.flink.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.junit.jupiter.api.Test;

class DateHourBucketAssignerTest {
    private static BucketAssigner.Context at(long processingTime) {
        return new BucketAssigner.Context() {
            @Override
            public long currentProcessingTime() {
                return processingTime;
            }

            @Override
            public long currentWatermark() {
                return Long.MIN_VALUE;
            }

            @Override
            public Long timestamp() {
                return null;
            }
        };
    }

    private static long t(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    @Test
    void bucketsByTheElementsEventTimeInUtc() {
        DateHourBucketAssigner<Long> a = DateHourBucketAssigner.eventTime(x -> x);
        BucketAssigner.Context now = at(t("2030-01-01T00:00:00Z"));
        assertThat(a.getBucketId(t("2026-11-24T13:00:01.123Z"), now))
                .isEqualTo("dt=2026-11-24/hr=13");
        assertThat(a.getBucketId(t("2026-11-24T13:59:59.999Z"), now))
                .isEqualTo("dt=2026-11-24/hr=13");
        assertThat(a.getBucketId(t("2026-11-24T14:00:00Z"), now)).isEqualTo("dt=2026-11-24/hr=14");
        assertThat(a.getBucketId(t("2026-12-31T23:59:59.999Z"), now))
                .isEqualTo("dt=2026-12-31/hr=23");
        assertThat(a.getBucketId(t("2027-01-01T00:00:00Z"), now)).isEqualTo("dt=2027-01-01/hr=00");
        assertThat(a.getBucketId(t("2028-02-29T05:00:00Z"), now)).isEqualTo("dt=2028-02-29/hr=05");
        assertThat(a.getBucketId(0L, now)).isEqualTo("dt=1970-01-01/hr=00");
        assertThat(a.getBucketId(-1L, now)).isEqualTo("dt=1969-12-31/hr=23");
    }

    @Test
    void errorsBucketByProcessingTime() {
        DateHourBucketAssigner<String> a = DateHourBucketAssigner.processingTime();
        assertThat(a.getBucketId("x", at(t("2026-03-08T07:30:00Z"))))
                .isEqualTo("dt=2026-03-08/hr=07");
    }

    @Test
    void theBucketIdRoundTripsThroughItsSerializer() throws Exception {
        DateHourBucketAssigner<Long> a = DateHourBucketAssigner.eventTime(x -> x);
        var s = a.getSerializer();
        assertThat(s.deserialize(s.getVersion(), s.serialize("dt=2026-11-24/hr=13")))
                .isEqualTo("dt=2026-11-24/hr=13");
    }
}
