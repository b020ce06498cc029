package io.streamstack.flink.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
    @Test
    void eachElementIsOneUtf8JsonLine() throws Exception {
        JsonLines.JsonLineEncoder<String> e =
                new JsonLines.JsonLineEncoder<>(s -> Json.MAPPER.createObjectNode().put("s", s));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        e.encode("a\nb", out);
        e.encode("é€", out);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"s\":\"a\\nb\"}\n{\"s\":\"é€\"}\n");
    }

    @Test
    void badRecordLinesCarryWhereTheRecordCameFrom() {
        BadRecord b =
                BadRecord.of(
                        "not JSON",
                        "arn",
                        "shardId-000000000000",
                        "42",
                        3,
                        "pk",
                        new byte[] {1, 2, 3});
        assertThat(JsonLines.badRecordJson(b).toString())
                .isEqualTo(
                        "{\"reason\":\"not JSON\",\"stream\":\"arn\","
                                + "\"shard_id\":\"shardId-000000000000\",\"sequence_number\":\"42\",\"sub_sequence\":3,"
                                + "\"partition_key\":\"pk\",\"data_base64\":\"AQID\"}");
        BadRecord big =
                BadRecord.of(
                        "big", null, null, null, 0, null, new byte[BadRecord.MAX_KEPT_BYTES + 1]);
        assertThat(big.isDataTruncated()).isTrue();
        assertThat(JsonLines.badRecordJson(big).get("data_truncated").asBoolean()).isTrue();
    }

    @Test
    void foldersAreJoinedOnce() {
        assertThat(JsonLines.join("s3://bucket", "results")).isEqualTo("s3://bucket/results");
        assertThat(JsonLines.join("file:///tmp/x/", "errors")).isEqualTo("file:///tmp/x/errors");
    }
}
