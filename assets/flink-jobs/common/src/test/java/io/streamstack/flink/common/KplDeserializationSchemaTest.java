package io.streamstack.flink.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
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
import software.amazon.kinesis.retrieval.kpl.Messages;

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
        List<Parsed<Integer>> out = new ArrayList<>();
        Record r =
                Record.builder()
                        .data(SdkBytes.fromByteArray(data))
                        .partitionKey("pk")
                        .sequenceNumber("17")
                        .approximateArrivalTimestamp(Instant.EPOCH)
                        .build();
        schema.deserialize(
                r,
                "arn:aws:kinesis:us-east-1:000000000000:stream/s",
                "shardId-000000000000",
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
        Messages.AggregatedRecord agg =
                Messages.AggregatedRecord.newBuilder()
                        .addPartitionKeyTable("a")
                        .addRecords(
                                Messages.Record.newBuilder()
                                        .setPartitionKeyIndex(0)
                                        .setData(ByteString.copyFromUtf8("{\"n\":1}")))
                        .addRecords(
                                Messages.Record.newBuilder()
                                        .setPartitionKeyIndex(0)
                                        .setData(ByteString.copyFromUtf8("{bad")))
                        .addRecords(
                                Messages.Record.newBuilder()
                                        .setPartitionKeyIndex(0)
                                        .setData(ByteString.copyFromUtf8("{\"n\":-1}")))
                        .addRecords(
                                Messages.Record.newBuilder()
                                        .setPartitionKeyIndex(0)
                                        .setData(ByteString.copyFromUtf8("{\"n\":3}")))
                        .build();
        List<Parsed<Integer>> out =
                run(
                        new KplDeserializationSchema<>(N, Types.INT, 1000),
                        KplTestData.frame(agg.toByteArray()));
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
        Messages.AggregatedRecord agg =
                Messages.AggregatedRecord.newBuilder()
                        .addPartitionKeyTable("a")
                        .addRecords(
                                Messages.Record.newBuilder()
                                        .setPartitionKeyIndex(0)
                                        .setData(ByteString.copyFrom(new byte[8])))
                        .build();
        assertThat(
                        run(
                                new KplDeserializationSchema<>(N, Types.INT, 40),
                                KplTestData.frame(agg.toByteArray())))
                .singleElement()
                .satisfies(p -> assertThat(p.getBad().getReason()).isEqualTo("not JSON"));
        assertThat(new KplDeserializationSchema<>(N, Types.INT, 1).getProducedType().getTypeClass())
                .isEqualTo(Parsed.class);
    }

    @Test
    void aggregatesThatLoseRecordsAreReported() {
        Messages.AggregatedRecord agg =
                Messages.AggregatedRecord.newBuilder()
                        .addPartitionKeyTable("a")
                        .addRecords(
                                Messages.Record.newBuilder()
                                        .setPartitionKeyIndex(0)
                                        .setData(ByteString.copyFromUtf8("{\"n\":1}")))
                        .addRecords(
                                Messages.Record.newBuilder()
                                        .setPartitionKeyIndex(9)
                                        .setData(ByteString.copyFromUtf8("{\"n\":2}")))
                        .build();
        List<Parsed<Integer>> out =
                run(
                        new KplDeserializationSchema<>(N, Types.INT, 1000),
                        KplTestData.frame(agg.toByteArray()));
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
        List<Parsed<Integer>> out = new ArrayList<>();
        schema.deserialize(
                Record.builder().partitionKey("pk").sequenceNumber("1").build(),
                "s",
                "shard",
                new Collector<>() {
                    @Override
                    public void collect(Parsed<Integer> p) {
                        out.add(p);
                    }

                    @Override
                    public void close() {}
                });
        assertThat(out)
                .singleElement()
                .satisfies(p -> assertThat(p.getBad().getReason()).isEqualTo("no n"));
    }
}
