package io.streamstack.flink.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.Record;

class KplDeserializationSchemaTest {
    /** A parser of {"n": INT}. */
    static final RecordParser<Integer> N =
            data -> {
                JsonNode n;
                try {
                    n = Json.MAPPER.readTree(data);
                } catch (java.io.IOException e) {
                    throw new BadRecordException("not JSON");
                }
                if (n == null || !n.has("n") || !n.get("n").isInt()) {
                    throw new BadRecordException("no n");
                }
                if (n.get("n").asInt() < 0) {
                    throw new IllegalStateException("boom");
                }
                return n.get("n").asInt();
            };

    private static List<Parsed<Integer>> run(
            KplDeserializationSchema<Integer> schema, byte[] data) {
        Record r =
                Record.builder()
                        .data(SdkBytes.fromByteArray(data))
                        .partitionKey("pk")
                        .sequenceNumber("17")
                        .approximateArrivalTimestamp(Instant.EPOCH)
                        .build();
        return deserialize(
                schema,
                r,
                "arn:aws:kinesis:us-east-1:000000000000:stream/s",
                "shardId-000000000000");
    }

    /** What {@code schema} emits for {@code record}. */
    private static List<Parsed<Integer>> deserialize(
            KplDeserializationSchema<Integer> schema, Record record, String stream, String shard) {
        List<Parsed<Integer>> out = new ArrayList<>();
        schema.deserialize(
                record,
                stream,
                shard,
                new Collector<>() {
                    @Override
                    public void collect(Parsed<Integer> p) {
                        out.add(p);
                    }

                    @Override
                    public void close() {}
                });
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anAggregateGivesOneParsedPerUserRecordInOrder() {
        byte[] aggregate =
                KplTestData.framedWithKeyA(
                        KplTestData.record(0, "{\"n\":1}"),
                        KplTestData.record(0, "{bad"),
                        KplTestData.record(0, "{\"n\":-1}"),
                        KplTestData.record(0, "{\"n\":3}"));
        List<Parsed<Integer>> out =
                run(new KplDeserializationSchema<>(N, Types.INT, 1000), aggregate);
        assertThat(out).hasSize(4);
        assertThat(out.get(0).getValue()).isEqualTo(1);
        assertThat(out.get(1).getBad().getReason()).isEqualTo("not JSON");
        assertThat(out.get(1).getBad().getSubSequence()).isEqualTo(1);
        assertThat(out.get(1).getBad().getShardId()).isEqualTo("shardId-000000000000");
        assertThat(out.get(1).getBad().getSequenceNumber()).isEqualTo("17");
        assertThat(out.get(1).getBad().getPartitionKey()).isEqualTo("a");
        assertThat(out.get(1).getBad().getDataBase64())
                .isEqualTo(java.util.Base64.getEncoder().encodeToString(utf8("{bad")));
        assertThat(out.get(2).getBad().getReason())
                .startsWith("parser failed: java.lang.IllegalStateException: boom");
        assertThat(out.get(3).getValue()).isEqualTo(3);
    }

    @Test
    void recordsOverMaxRecordBytesAreBad() {
        KplDeserializationSchema<Integer> schema = new KplDeserializationSchema<>(N, Types.INT, 10);
        assertThat(run(schema, utf8("{\"n\": 12345}")))
                .singleElement()
                .satisfies(
                        p ->
                                assertThat(p.getBad().getReason())
                                        .isEqualTo("record of 12 bytes is over MaxRecordBytes 10"));
        assertThat(run(schema, utf8("{\"n\":1}")))
                .singleElement()
                .satisfies(p -> assertThat(p.getValue()).isEqualTo(1));
        // A user record inside a small enough aggregate is checked too.
        byte[] aggregate = KplTestData.framedWithKeyA(KplTestData.record(0, "\0".repeat(8)));
        assertThat(run(new KplDeserializationSchema<>(N, Types.INT, 40), aggregate))
                .singleElement()
                .satisfies(p -> assertThat(p.getBad().getReason()).isEqualTo("not JSON"));
        assertThat(new KplDeserializationSchema<>(N, Types.INT, 1).getProducedType().getTypeClass())
                .isEqualTo(Parsed.class);
    }

    @Test
    void aggregatesThatLoseRecordsAreReported() {
        byte[] aggregate =
                KplTestData.framedWithKeyA(
                        KplTestData.record(0, "{\"n\":1}"), KplTestData.record(9, "{\"n\":2}"));
        List<Parsed<Integer>> out =
                run(new KplDeserializationSchema<>(N, Types.INT, 1000), aggregate);
        assertThat(out).hasSize(2);
        assertThat(out.get(0).getValue()).isEqualTo(1);
        assertThat(out.get(1).getBad().getReason()).contains("lost records 1..1");
    }

    @Test
    void garbageNeverThrows() {
        Random rnd = new Random(11);
        KplDeserializationSchema<Integer> schema =
                new KplDeserializationSchema<>(N, Types.INT, 512);
        int bad = 0;
        for (int i = 0; i < 20000; i++) {
            byte[] data;
            switch (i % 4) {
                case 0:
                    data = new byte[rnd.nextInt(600)];
                    rnd.nextBytes(data);
                    break;
                case 1:
                    byte[] p = new byte[rnd.nextInt(100)];
                    rnd.nextBytes(p);
                    data = KplTestData.frame(p);
                    break;
                case 2:
                    byte[] proto = KplTestData.randomAggregate(rnd, 5).toByteArray();
                    proto[rnd.nextInt(proto.length)] = (byte) rnd.nextInt(256);
                    data = KplTestData.frame(proto);
                    break;
                default:
                    data = KplTestData.frame(KplTestData.randomAggregate(rnd, 30).toByteArray());
                    break;
            }
            List<Parsed<Integer>> out = run(schema, data);
            assertThat(out)
                    .isNotEmpty()
                    .allSatisfy(x -> assertThat(x.isOk() ^ (x.getBad() != null)).isTrue());
            bad += (int) out.stream().filter(x -> !x.isOk()).count();
        }
        assertThat(bad).isPositive();
    }

    @Test
    void aRecordWithNoDataIsOneBadRecord() {
        KplDeserializationSchema<Integer> schema = new KplDeserializationSchema<>(N, Types.INT, 10);
        List<Parsed<Integer>> out =
                deserialize(
                        schema,
                        Record.builder().partitionKey("pk").sequenceNumber("1").build(),
                        "s",
                        "shard");
        assertThat(out)
                .singleElement()
                .satisfies(p -> assertThat(p.getBad().getReason()).isEqualTo("no n"));
    }
}
