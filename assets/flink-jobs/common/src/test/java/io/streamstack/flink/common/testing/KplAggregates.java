package io.streamstack.flink.common.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Writes KPL aggregated records (for tests and benchmarks): one partition key, no explicit hash
 * keys.
 */
public final class KplAggregates {
    private KplAggregates() {}

    public static byte[] aggregate(String partitionKey, List<byte[]> records) {
        ByteArrayOutputStream proto = new ByteArrayOutputStream();
        byte[] pk = partitionKey.getBytes(StandardCharsets.UTF_8);
        field(proto, 1, pk);
        for (byte[] data : records) {
            ByteArrayOutputStream r = new ByteArrayOutputStream();
            varint(r, 1 << 3); // partition_key_index = 0
            varint(r, 0);
            field(r, 3, data);
            field(proto, 3, r.toByteArray());
        }
        byte[] body = proto.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2});
        out.writeBytes(body);
        try {
            out.writeBytes(MessageDigest.getInstance("MD5").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, int number, byte[] bytes) {
        varint(out, number << 3 | 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }
}
