package io.streamstack.flink.common;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;
import software.amazon.kinesis.retrieval.kpl.Messages;

/**
 * Aggregates built with the KCL's own protobuf classes, and the KCL's de-aggregation as a
 * reference.
 */
public final class KplTestData {
    private KplTestData() {}

    /** The KCL's answer for one record, as {@link UserRecord}s. */
    public static List<UserRecord> kcl(String partitionKey, byte[] data) {
        KinesisClientRecord r =
                KinesisClientRecord.builder()
                        .data(ByteBuffer.wrap(data.clone()))
                        .partitionKey(partitionKey)
                        .sequenceNumber("49590338271490256608559692538361571095921575989136588898")
                        .build();
        List<UserRecord> out = new ArrayList<>();
        for (KinesisClientRecord u : new AggregatorUtil().deaggregate(List.of(r))) {
            ByteBuffer b = u.data().duplicate();
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            out.add(
                    new UserRecord(
                            u.partitionKey(),
                            u.explicitHashKey(),
                            bytes,
                            u.subSequenceNumber(),
                            u.aggregated()));
        }
        return out;
    }

    /** A user record of an aggregate: its partition key's index in the table, UTF-8 data. */
    public static Messages.Record.Builder record(int partitionKeyIndex, String data) {
        return Messages.Record.newBuilder()
                .setPartitionKeyIndex(partitionKeyIndex)
                .setData(ByteString.copyFromUtf8(data));
    }

    /** A framed aggregate of {@code records}, whose partition key table is the one key "a". */
    public static byte[] framedWithKeyA(Messages.Record.Builder... records) {
        Messages.AggregatedRecord.Builder agg =
                Messages.AggregatedRecord.newBuilder().addPartitionKeyTable("a");
        for (Messages.Record.Builder r : records) {
            agg.addRecords(r);
        }
        return frame(agg.build().toByteArray());
    }

    /** magic + protobuf + MD5(protobuf). */
    public static byte[] frame(byte[] protobuf) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(KplDeaggregator.MAGIC);
        out.writeBytes(protobuf);
        out.writeBytes(KplDeaggregator.md5(protobuf, 0, protobuf.length));
        return out.toByteArray();
    }

    static String randomKey(Random rnd) {
        int n = 1 + rnd.nextInt(12);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(10);
            sb.appendCodePoint(
                    kind < 7
                            ? 'a' + rnd.nextInt(26)
                            : kind < 9 ? 0xC0 + rnd.nextInt(0x200) : 0x1F600 + rnd.nextInt(50));
        }
        return sb.toString();
    }

    /**
     * A random, valid aggregate protobuf (1..maxRecords records, some explicit hash keys and tags).
     */
    public static Messages.AggregatedRecord randomAggregate(Random rnd, int maxRecords) {
        Messages.AggregatedRecord.Builder b = Messages.AggregatedRecord.newBuilder();
        int pks = 1 + rnd.nextInt(5);
        for (int i = 0; i < pks; i++) {
            b.addPartitionKeyTable(randomKey(rnd));
        }
        int ehks = rnd.nextInt(3);
        for (int i = 0; i < ehks; i++) {
            b.addExplicitHashKeyTable(new BigInteger(128, rnd).toString());
        }
        int n = 1 + rnd.nextInt(maxRecords);
        for (int i = 0; i < n; i++) {
            Messages.Record.Builder r =
                    Messages.Record.newBuilder().setPartitionKeyIndex(rnd.nextInt(pks));
            if (ehks > 0 && rnd.nextBoolean()) {
                r.setExplicitHashKeyIndex(rnd.nextInt(ehks));
            }
            byte[] data = new byte[rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(300)];
            rnd.nextBytes(data);
            if (rnd.nextBoolean()) {
                data = ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
            }
            r.setData(ByteString.copyFrom(data));
            if (rnd.nextInt(5) == 0) {
                r.addTags(Messages.Tag.newBuilder().setKey("k").setValue("v"));
            }
            b.addRecords(r);
        }
        return b.build();
    }
}
