package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FileOutputTest {
    @Test
    void jsonLinesAreTheRecordsJsonOneALine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FileOutput.JsonLineEncoder encoder = new FileOutput.JsonLineEncoder();
        encoder.encode(new EtlRecord(0, "", null, "{\"a\":1}", null), out);
        encoder.encode(new EtlRecord(0, "", null, "{\"b\":\"x\\ny\"}", null), out);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"a\":1}\n{\"b\":\"x\\ny\"}\n");
    }

    @Test
    void bucketsAreTheEventTimeHourThenTheFieldFolders() {
        FileOutput.Buckets buckets = new FileOutput.Buckets();
        // 2026-11-24T23:59:59.999Z and one millisecond later: the day, month and hour roll over
        // together.
        assertThat(
                        buckets.getBucketId(
                                new EtlRecord(1_795_564_799_999L, "vendor_id=1", null, null, null),
                                null))
                .isEqualTo("year=2026/month=11/day=24/hour=23/vendor_id=1");
        assertThat(
                        buckets.getBucketId(
                                new EtlRecord(1_795_564_800_000L, "", null, null, null), null))
                .isEqualTo("year=2026/month=11/day=25/hour=00");
    }
}
