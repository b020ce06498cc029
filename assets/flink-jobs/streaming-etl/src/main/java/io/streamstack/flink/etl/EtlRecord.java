package io.streamstack.flink.etl;

import java.util.Arrays;
import java.util.Objects;

/**
 * One good input record, parsed once at the source: its event time, its partition folders and keys,
 * and what the sinks write (the compact JSON text and/or the Avro binary of the Parquet schema). A
 * Flink POJO.
 */
public class EtlRecord {
    private long eventTimeMillis;
    private String partition;
    private String kafkaKey;
    private String kinesisKey;
    private String json;
    private byte[] avro;
    private String openSearchIndex;
    private String openSearchId;

    public EtlRecord() {}

    public EtlRecord(
            long eventTimeMillis, String partition, String kafkaKey, String json, byte[] avro) {
        this(eventTimeMillis, partition, kafkaKey, null, json, avro);
    }

    public EtlRecord(
            long eventTimeMillis,
            String partition,
            String kafkaKey,
            String kinesisKey,
            String json,
            byte[] avro) {
        this.eventTimeMillis = eventTimeMillis;
        this.partition = partition;
        this.kafkaKey = kafkaKey;
        this.kinesisKey = kinesisKey;
        this.json = json;
        this.avro = avro;
    }

    /** The event time, epoch millis. */
    public long getEventTimeMillis() {
        return eventTimeMillis;
    }

    public void setEventTimeMillis(long eventTimeMillis) {
        this.eventTimeMillis = eventTimeMillis;
    }

    /**
     * The folders of the {@code PartitionFields} ({@code vendor_id=1/payment_type=CRD}), or ""
     * without them.
     */
    public String getPartition() {
        return partition;
    }

    public void setPartition(String partition) {
        this.partition = partition;
    }

    /** The Kafka record key (the {@code OutputKafkaKeyField} value as text), or null. */
    public String getKafkaKey() {
        return kafkaKey;
    }

    public void setKafkaKey(String kafkaKey) {
        this.kafkaKey = kafkaKey;
    }

    /**
     * The Kinesis partition key (the {@code OutputPartitionKeyField} value as text), or null: a
     * random key.
     */
    public String getKinesisKey() {
        return kinesisKey;
    }

    public void setKinesisKey(String kinesisKey) {
        this.kinesisKey = kinesisKey;
    }

    /** The OpenSearch index from {@code OutputOpenSearchIndexField}, or null: the fixed index. */
    public String getOpenSearchIndex() {
        return openSearchIndex;
    }

    public void setOpenSearchIndex(String openSearchIndex) {
        this.openSearchIndex = openSearchIndex;
    }

    /** The OpenSearch document id from {@code OutputOpenSearchIdField}, or null. */
    public String getOpenSearchId() {
        return openSearchId;
    }

    public void setOpenSearchId(String openSearchId) {
        this.openSearchId = openSearchId;
    }

    /** The record as compact JSON, or null when no sink needs it. */
    public String getJson() {
        return json;
    }

    public void setJson(String json) {
        this.json = json;
    }

    /**
     * The record in Avro binary encoding of the Parquet schema, or null when nothing writes
     * Parquet.
     */
    public byte[] getAvro() {
        return avro;
    }

    public void setAvro(byte[] avro) {
        this.avro = avro;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EtlRecord)) {
            return false;
        }
        EtlRecord r = (EtlRecord) o;
        return eventTimeMillis == r.eventTimeMillis
                && Objects.equals(partition, r.partition)
                && Objects.equals(kafkaKey, r.kafkaKey)
                && Objects.equals(kinesisKey, r.kinesisKey)
                && Objects.equals(json, r.json)
                && Arrays.equals(avro, r.avro)
                && Objects.equals(openSearchIndex, r.openSearchIndex)
                && Objects.equals(openSearchId, r.openSearchId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventTimeMillis, partition, kafkaKey, kinesisKey, json) * 31
                + Arrays.hashCode(avro);
    }

    @Override
    public String toString() {
        return "EtlRecord{"
                + eventTimeMillis
                + ", "
                + partition
                + ", key="
                + kafkaKey
                + ", "
                + json
                + "}";
    }
}
