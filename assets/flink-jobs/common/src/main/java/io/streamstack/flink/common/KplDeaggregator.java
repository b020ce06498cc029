package io.streamstack.flink.common;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * De-aggregates the data of one Kinesis record written in the KPL aggregated format: the magic
 * {@code F3 89 9A C2}, a protobuf {@code AggregatedRecord}, and the 16-byte MD5 of that protobuf.
 *
 * <p>It gives exactly the user records that the KCL's {@code AggregatorUtil.deaggregate} gives
 * (over the whole hash key range), which the tests check on the same inputs:
 *
 * <ul>
 *   <li>data without the magic, of at most magic + 16 bytes, with a wrong MD5 or a protobuf that
 *       does not parse (as protobuf-java parses proto2 with required fields) is one plain record;
 *   <li>an aggregate whose record points outside the key tables, or whose explicit hash key is not
 *       a decimal number, gives the records before that one (the KCL logs and stops there);
 *   <li>an aggregate with an explicit hash key outside 0..2^128-1 gives no record at all.
 * </ul>
 *
 * <p>Unlike the KCL, {@link #deaggregateChecked} also says when an aggregate lost records that way
 * (or held none), so that the job can count it instead of dropping data silently. The protobuf is
 * read by hand (varints, length-delimited fields, unknown fields and groups skipped), with no
 * protobuf library.
 */
public final class KplDeaggregator {
    /** The KPL aggregated record magic. */
    public static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};

    private static final int DIGEST_SIZE = 16;
    private static final int RECURSION_LIMIT = 100;
    private static final BigInteger MAX_HASH_KEY =
            BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    private KplDeaggregator() {}

    /**
     * The outcome of one record: its user records, and what went wrong in an aggregate (or null).
     */
    public static final class Result {
        private final List<UserRecord> records;
        private final String problem;

        Result(List<UserRecord> records, String problem) {
            this.records = records;
            this.problem = problem;
        }

        public List<UserRecord> records() {
            return records;
        }

        /**
         * Why an aggregate gave fewer records than it holds (or none), or null when nothing was
         * lost.
         */
        public String problem() {
            return problem;
        }
    }

    /** The user records of one Kinesis record, as the KCL gives them. */
    public static List<UserRecord> deaggregate(String partitionKey, byte[] data) {
        return deaggregateChecked(partitionKey, data).records();
    }

    /** The user records of one Kinesis record, as the KCL gives them, and any records it lost. */
    public static Result deaggregateChecked(String partitionKey, byte[] data) {
        if (data.length <= MAGIC.length + DIGEST_SIZE
                || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return plain(partitionKey, data);
        }
        int end = data.length - DIGEST_SIZE;
        byte[] digest = md5(data, MAGIC.length, end - MAGIC.length);
        if (!Arrays.equals(digest, 0, DIGEST_SIZE, data, end, data.length)) {
            return plain(partitionKey, data);
        }
        Aggregate agg;
        try {
            agg = new Parser(data, MAGIC.length, end).parseAggregate();
        } catch (MalformedException e) {
            return plain(partitionKey, data);
        }

        List<UserRecord> out = new ArrayList<>(agg.records.size());
        long sub = 0;
        for (int i = 0; i < agg.records.size(); i++) {
            ParsedRecord r = agg.records.get(i);
            // The KCL casts the uint64 indexes to int before looking them up.
            int pkIndex = (int) r.partitionKeyIndex;
            if (pkIndex < 0 || pkIndex >= agg.partitionKeys.size()) {
                return new Result(
                        out,
                        lost(
                                i,
                                agg,
                                "partition key index "
                                        + Long.toUnsignedString(r.partitionKeyIndex)
                                        + " outside the table of "
                                        + agg.partitionKeys.size()));
            }
            String pk = agg.partitionKeys.get(pkIndex);
            String ehk = null;
            if (r.hasExplicitHashKeyIndex) {
                int ehkIndex = (int) r.explicitHashKeyIndex;
                if (ehkIndex < 0 || ehkIndex >= agg.explicitHashKeys.size()) {
                    return new Result(
                            out,
                            lost(
                                    i,
                                    agg,
                                    "explicit hash key index "
                                            + Long.toUnsignedString(r.explicitHashKeyIndex)
                                            + " outside the table of "
                                            + agg.explicitHashKeys.size()));
                }
                ehk = agg.explicitHashKeys.get(ehkIndex);
                BigInteger key;
                try {
                    key = new BigInteger(ehk);
                } catch (NumberFormatException e) {
                    return new Result(out, lost(i, agg, "explicit hash key is not a number"));
                }
                if (key.signum() < 0 || key.compareTo(MAX_HASH_KEY) > 0) {
                    // The KCL drops the whole aggregate when a key falls outside the shard's range.
                    return new Result(
                            new ArrayList<>(),
                            "KPL aggregate of "
                                    + agg.records.size()
                                    + " records dropped: explicit hash key outside 0..2^128-1");
                }
            }
            out.add(new UserRecord(pk, ehk, r.data, sub++, true));
        }
        return new Result(out, out.isEmpty() ? "KPL aggregate holds no user records" : null);
    }

    private static String lost(int index, Aggregate agg, String why) {
        return "KPL aggregate lost records "
                + index
                + ".."
                + (agg.records.size() - 1)
                + ": record "
                + index
                + " has "
                + why;
    }

    private static Result plain(String partitionKey, byte[] data) {
        List<UserRecord> one = new ArrayList<>(1);
        one.add(new UserRecord(partitionKey, null, data, 0, false));
        return new Result(one, null);
    }

    static byte[] md5(byte[] data, int offset, int length) {
        try {
            MessageDigest d = MessageDigest.getInstance("MD5");
            d.update(data, offset, length);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }

    private static final class Aggregate {
        final List<String> partitionKeys = new ArrayList<>();
        final List<String> explicitHashKeys = new ArrayList<>();
        final List<ParsedRecord> records = new ArrayList<>();
    }

    private static final class ParsedRecord {
        long partitionKeyIndex;
        boolean hasPartitionKeyIndex;
        long explicitHashKeyIndex;
        boolean hasExplicitHashKeyIndex;
        byte[] data;
    }

    /** Thrown where protobuf-java would throw InvalidProtocolBufferException. */
    private static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    private static final int WIRE_VARINT = 0;
    private static final int WIRE_FIXED64 = 1;
    private static final int WIRE_LEN = 2;
    private static final int WIRE_START_GROUP = 3;
    private static final int WIRE_END_GROUP = 4;
    private static final int WIRE_FIXED32 = 5;

    /**
     * A proto2 reader with protobuf-java's rules: a tag of field 0 or an unknown wire type is an
     * error; a known field number with another wire type is an unknown field; an end-group tag that
     * closes no group ends the message and is then an error; nesting is limited to 100; required
     * fields must be there.
     */
    private static final class Parser {
        private final byte[] buf;
        private int pos;
        private int limit;
        private int depth;
        private int lastTag;

        Parser(byte[] buf, int from, int to) {
            this.buf = buf;
            this.pos = from;
            this.limit = to;
        }

        Aggregate parseAggregate() throws MalformedException {
            Aggregate agg = new Aggregate();
            while (true) {
                int tag = readTag();
                if (tag == 0) {
                    break;
                }
                if (tag == (1 << 3 | WIRE_LEN)) {
                    agg.partitionKeys.add(new String(readBytes(), StandardCharsets.UTF_8));
                } else if (tag == (2 << 3 | WIRE_LEN)) {
                    agg.explicitHashKeys.add(new String(readBytes(), StandardCharsets.UTF_8));
                } else if (tag == (3 << 3 | WIRE_LEN)) {
                    agg.records.add(readRecord());
                } else if (!skipField(tag)) {
                    break;
                }
            }
            checkLastTagWas(0);
            return agg;
        }

        private ParsedRecord readRecord() throws MalformedException {
            int length = readLength();
            int oldLimit = enter(length);
            ParsedRecord r = new ParsedRecord();
            while (true) {
                int tag = readTag();
                if (tag == 0) {
                    break;
                }
                if (tag == (1 << 3 | WIRE_VARINT)) {
                    r.partitionKeyIndex = readVarint64();
                    r.hasPartitionKeyIndex = true;
                } else if (tag == (2 << 3 | WIRE_VARINT)) {
                    r.explicitHashKeyIndex = readVarint64();
                    r.hasExplicitHashKeyIndex = true;
                } else if (tag == (3 << 3 | WIRE_LEN)) {
                    r.data = readBytes();
                } else if (tag == (4 << 3 | WIRE_LEN)) {
                    readTag4();
                } else if (!skipField(tag)) {
                    break;
                }
            }
            leave(oldLimit);
            if (!r.hasPartitionKeyIndex || r.data == null) {
                throw new MalformedException("Record misses a required field");
            }
            return r;
        }

        /** A {@code Tag} message: required string key = 1; optional string value = 2. */
        private void readTag4() throws MalformedException {
            int length = readLength();
            int oldLimit = enter(length);
            boolean hasKey = false;
            while (true) {
                int tag = readTag();
                if (tag == 0) {
                    break;
                }
                if (tag == (1 << 3 | WIRE_LEN)) {
                    readBytes();
                    hasKey = true;
                } else if (tag == (2 << 3 | WIRE_LEN)) {
                    readBytes();
                } else if (!skipField(tag)) {
                    break;
                }
            }
            leave(oldLimit);
            if (!hasKey) {
                throw new MalformedException("Tag misses its key");
            }
        }

        /** Enters an embedded message of the given length; returns the limit to restore. */
        private int enter(int length) throws MalformedException {
            if (depth >= RECURSION_LIMIT) {
                throw new MalformedException("too deep");
            }
            depth++;
            if (length > limit - pos) {
                throw new MalformedException("truncated");
            }
            int old = limit;
            limit = pos + length;
            return old;
        }

        private void leave(int oldLimit) throws MalformedException {
            checkLastTagWas(0);
            depth--;
            limit = oldLimit;
        }

        private void checkLastTagWas(int tag) throws MalformedException {
            if (lastTag != tag) {
                throw new MalformedException("end-group tag did not match");
            }
        }

        /** Skips an unknown field; false for an end-group tag (which ends the message). */
        private boolean skipField(int tag) throws MalformedException {
            switch (tag & 7) {
                case WIRE_VARINT:
                    readVarint64();
                    return true;
                case WIRE_FIXED64:
                    skip(8);
                    return true;
                case WIRE_LEN:
                    skip(readLength());
                    return true;
                case WIRE_START_GROUP:
                    skipGroup(tag >>> 3);
                    return true;
                case WIRE_END_GROUP:
                    return false;
                case WIRE_FIXED32:
                    skip(4);
                    return true;
                default:
                    throw new MalformedException("invalid wire type");
            }
        }

        private void skipGroup(int fieldNumber) throws MalformedException {
            if (depth >= RECURSION_LIMIT) {
                throw new MalformedException("too deep");
            }
            depth++;
            while (true) {
                int tag = readTag();
                if (tag == 0 || !skipField(tag)) {
                    break;
                }
            }
            checkLastTagWas(fieldNumber << 3 | WIRE_END_GROUP);
            depth--;
        }

        private int readTag() throws MalformedException {
            if (pos >= limit) {
                lastTag = 0;
                return 0;
            }
            lastTag = (int) readVarint64();
            if ((lastTag >>> 3) == 0) {
                throw new MalformedException("invalid tag (zero)");
            }
            return lastTag;
        }

        private int readLength() throws MalformedException {
            int size = (int) readVarint64();
            if (size < 0) {
                throw new MalformedException("negative size");
            }
            return size;
        }

        private byte[] readBytes() throws MalformedException {
            int size = readLength();
            if (size > limit - pos) {
                throw new MalformedException("truncated");
            }
            byte[] b = Arrays.copyOfRange(buf, pos, pos + size);
            pos += size;
            return b;
        }

        private void skip(int n) throws MalformedException {
            if (n > limit - pos) {
                throw new MalformedException("truncated");
            }
            pos += n;
        }

        /** A varint of at most 10 bytes; bits past 64 are dropped, as protobuf-java does. */
        private long readVarint64() throws MalformedException {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= limit) {
                    throw new MalformedException("truncated");
                }
                byte b = buf[pos++];
                result |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new MalformedException("malformed varint");
        }
    }
}
