package io.streamstack.flink.common;

import java.util.Base64;
import java.util.Objects;

/**
 * A record that the job could not use: why, where it came from and its data. A Flink POJO (public
 * no-argument constructor, getters and setters).
 */
public class BadRecord {
    /** Data kept in an errors line is cut to this many bytes ({@link #isDataTruncated()}). */
    public static final int MAX_KEPT_BYTES = 64 * 1024;

    private String reason;
    private String stream;
    private String shardId;
    private String sequenceNumber;
    private long subSequence;
    private String partitionKey;
    private String dataBase64;
    private boolean dataTruncated;

    public BadRecord() {}

    public static BadRecord of(
            String reason,
            String stream,
            String shardId,
            String sequenceNumber,
            long subSequence,
            String partitionKey,
            byte[] data) {
        BadRecord b = new BadRecord();
        b.reason = reason;
        b.stream = stream;
        b.shardId = shardId;
        b.sequenceNumber = sequenceNumber;
        b.subSequence = subSequence;
        b.partitionKey = partitionKey;
        if (data != null) {
            int n = Math.min(data.length, MAX_KEPT_BYTES);
            b.dataTruncated = n < data.length;
            b.dataBase64 =
                    Base64.getEncoder()
                            .encodeToString(
                                    n == data.length ? data : java.util.Arrays.copyOf(data, n));
        }
        return b;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getStream() {
        return stream;
    }

    public void setStream(String stream) {
        this.stream = stream;
    }

    public String getShardId() {
        return shardId;
    }

    public void setShardId(String shardId) {
        this.shardId = shardId;
    }

    public String getSequenceNumber() {
        return sequenceNumber;
    }

    public void setSequenceNumber(String sequenceNumber) {
        this.sequenceNumber = sequenceNumber;
    }

    public long getSubSequence() {
        return subSequence;
    }

    public void setSubSequence(long subSequence) {
        this.subSequence = subSequence;
    }

    public String getPartitionKey() {
        return partitionKey;
    }

    public void setPartitionKey(String partitionKey) {
        this.partitionKey = partitionKey;
    }

    public String getDataBase64() {
        return dataBase64;
    }

    public void setDataBase64(String dataBase64) {
        this.dataBase64 = dataBase64;
    }

    public boolean isDataTruncated() {
        return dataTruncated;
    }

    public void setDataTruncated(boolean dataTruncated) {
        this.dataTruncated = dataTruncated;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BadRecord)) {
            return false;
        }
        BadRecord b = (BadRecord) o;
        return subSequence == b.subSequence
                && dataTruncated == b.dataTruncated
                && Objects.equals(reason, b.reason)
                && Objects.equals(stream, b.stream)
                && Objects.equals(shardId, b.shardId)
                && Objects.equals(sequenceNumber, b.sequenceNumber)
                && Objects.equals(partitionKey, b.partitionKey)
                && Objects.equals(dataBase64, b.dataBase64);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                reason, stream, shardId, sequenceNumber, subSequence, partitionKey, dataBase64);
    }

    @Override
    public String toString() {
        return "BadRecord{"
                + reason
                + " @"
                + shardId
                + "/"
                + sequenceNumber
                + "/"
                + subSequence
                + "}";
    }
}
