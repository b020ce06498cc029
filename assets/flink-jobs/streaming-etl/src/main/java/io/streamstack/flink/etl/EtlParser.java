package io.streamstack.flink.etl;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.BadRecordException;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.RecordParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Parses one input record for every sink at once: a JSON object, its event time from {@code
 * EventTimeField}, its partition folders, its Kafka key, and (with a Parquet sink) its Avro
 * encoding. A record that fails any of these is bad as a whole ({@link BadRecordException} with the
 * reason) and goes to the errors output only, so that every sink gets the same records.
 */
public final class EtlParser implements RecordParser<EtlRecord> {
    private static final long serialVersionUID = 1L;

    private final String eventTimeField;
    private final List<String> partitionFields;
    private final String kafkaKeyField;
    private final String kinesisKeyField;
    private final long maxJsonBytes;
    private String openSearchIndexField;
    private String openSearchIdField;
    private final boolean keepJson;
    private final String avroSchema;

    private transient Schema schema;
    private transient GenericDatumWriter<GenericRecord> writer;
    private transient ByteArrayOutputStream buffer;
    private transient BinaryEncoder encoder;

    public EtlParser(EtlSettings s) {
        this(
                s.eventTimeField(),
                s.hasFileSink() ? s.partitionFields() : List.of(),
                s.hasKafkaSink() ? s.outputKafkaKeyField() : null,
                s.hasKinesisSink() ? s.outputPartitionKeyField() : null,
                s.hasKinesisSink()
                        ? KinesisOutput.MAX_RECORD_BYTES - 4 * KinesisOutput.MAX_KEY_CHARS
                        : Long.MAX_VALUE,
                s.needsJson(),
                s.hasFileSink() && s.outputFormat() == EtlSettings.Format.PARQUET
                        ? s.outputSchema()
                        : null);
        if (s.hasOpenSearchSink()) {
            openSearch(s.outputOpenSearchIndexField(), s.outputOpenSearchIdField());
        }
    }

    /** Takes the OpenSearch index and document id from these fields (either may be null). */
    public EtlParser openSearch(String indexField, String idField) {
        this.openSearchIndexField = indexField;
        this.openSearchIdField = idField;
        return this;
    }

    /** {@code avroSchema} null: no Avro encoding. */
    public EtlParser(
            String eventTimeField,
            List<String> partitionFields,
            String kafkaKeyField,
            boolean keepJson,
            String avroSchema) {
        this(
                eventTimeField,
                partitionFields,
                kafkaKeyField,
                null,
                Long.MAX_VALUE,
                keepJson,
                avroSchema);
    }

    /**
     * {@code maxJsonBytes}: a record whose compact JSON is longer is bad (a Kinesis record holds 1
     * MiB with its key, and the async sink fails the job on a longer one).
     */
    public EtlParser(
            String eventTimeField,
            List<String> partitionFields,
            String kafkaKeyField,
            String kinesisKeyField,
            long maxJsonBytes,
            boolean keepJson,
            String avroSchema) {
        this.eventTimeField = eventTimeField;
        this.partitionFields = List.copyOf(partitionFields);
        this.kafkaKeyField = kafkaKeyField;
        this.kinesisKeyField = kinesisKeyField;
        this.maxJsonBytes = maxJsonBytes;
        this.keepJson = keepJson;
        this.avroSchema = avroSchema;
    }

    @Override
    public EtlRecord parse(byte[] data) throws BadRecordException {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(data);
        } catch (JacksonException e) {
            throw new BadRecordException("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRecordException("unreadable JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new BadRecordException("not a JSON object");
        }
        long millis;
        try {
            millis = EventTimes.millis(node.get(eventTimeField));
        } catch (IllegalArgumentException e) {
            throw new BadRecordException(
                    "event time field " + eventTimeField + " " + e.getMessage());
        }
        String folders;
        try {
            folders = Partitions.fieldFolders(node, partitionFields);
        } catch (IllegalArgumentException e) {
            throw new BadRecordException(e.getMessage());
        }
        byte[] avro = avroSchema == null ? null : encode(AvroJson.toRecord(node, schema()));
        String json = keepJson ? node.toString() : null;
        if (json != null
                && maxJsonBytes < Long.MAX_VALUE
                && json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxJsonBytes) {
            throw new BadRecordException(
                    "record of "
                            + json.length()
                            + " characters as JSON is over the Kinesis sink's "
                            + maxJsonBytes
                            + " bytes");
        }
        EtlRecord r =
                new EtlRecord(
                        millis,
                        folders,
                        key(node, kafkaKeyField),
                        key(node, kinesisKeyField),
                        json,
                        avro);
        if (openSearchIndexField != null) {
            String index = key(node, openSearchIndexField);
            if (index != null && !EtlSettings.isIndexName(index)) {
                throw new BadRecordException(
                        "index field "
                                + openSearchIndexField
                                + " is not a valid OpenSearch index name"
                                + " (lowercase letters, digits, _ - + ., at most 255 bytes, not starting with _ - +): "
                                + (index.length() > 60 ? index.substring(0, 57) + "..." : index));
            }
            r.setOpenSearchIndex(index);
        }
        if (openSearchIdField != null) {
            String id = key(node, openSearchIdField);
            if (id != null && id.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 512) {
                throw new BadRecordException(
                        "id field " + openSearchIdField + " is longer than OpenSearch's 512 bytes");
            }
            r.setOpenSearchId(id);
        }
        return r;
    }

    /** The text of a scalar field, or null (absent, null, object or array). */
    private static String key(JsonNode node, String field) {
        if (field == null) {
            return null;
        }
        JsonNode k = node.get(field);
        return k == null || k.isNull() || !k.isValueNode() ? null : k.asText();
    }

    private Schema schema() {
        if (schema == null) {
            schema = new Schema.Parser().parse(avroSchema);
            writer = new GenericDatumWriter<>(schema);
            buffer = new ByteArrayOutputStream(512);
        }
        return schema;
    }

    private byte[] encode(GenericRecord record) throws BadRecordException {
        buffer.reset();
        encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new BadRecordException("schema misfit: " + e.getMessage());
        }
        return buffer.toByteArray();
    }
}
