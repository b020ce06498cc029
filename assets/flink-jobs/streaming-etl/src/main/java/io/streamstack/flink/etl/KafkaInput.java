package io.streamstack.flink.etl;

import io.streamstack.flink.common.BadRecord;
import io.streamstack.flink.common.BadRecordException;
import io.streamstack.flink.common.Parsed;
import io.streamstack.flink.common.RecordParser;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The Kafka source: read-committed, offsets in the checkpoints (and committed to the group on each
 * checkpoint).
 */
public final class KafkaInput {
    private KafkaInput() {}

    /** The source over {@code InputKafkaTopic}. */
    public static KafkaSource<Parsed<EtlRecord>> source(
            EtlSettings s, RecordParser<EtlRecord> parser) {
        return builder(s, parser).build();
    }

    /** The source's builder, for a bounded read in the benchmark. */
    static KafkaSourceBuilder<Parsed<EtlRecord>> builder(
            EtlSettings s, RecordParser<EtlRecord> parser) {
        return KafkaSource.<Parsed<EtlRecord>>builder()
                .setBootstrapServers(s.inputKafkaBootstrapServers())
                .setTopics(s.inputKafkaTopic())
                .setGroupId(s.inputKafkaGroupId())
                .setStartingOffsets(startingOffsets(s))
                .setDeserializer(new Deserializer(parser, s.maxRecordBytes()))
                .setProperties(s.kafkaProperties())
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .setProperty("commit.offsets.on.checkpoint", "true");
    }

    static OffsetsInitializer startingOffsets(EtlSettings s) {
        if (s.inputKafkaStartingTimestamp() >= 0) {
            return OffsetsInitializer.timestamp(s.inputKafkaStartingTimestamp());
        }
        return s.inputKafkaStartingOffsets().equals("latest")
                ? OffsetsInitializer.latest()
                : OffsetsInitializer.earliest();
    }

    /**
     * Parses each Kafka record; never throws. A bad record keeps the topic (as the stream), {@code
     * partition-N} (as the shard), the offset (as the sequence number) and the key (as the
     * partition key).
     */
    public static final class Deserializer
            implements KafkaRecordDeserializationSchema<Parsed<EtlRecord>> {
        private static final long serialVersionUID = 1L;
        private final RecordParser<EtlRecord> parser;
        private final int maxRecordBytes;

        public Deserializer(RecordParser<EtlRecord> parser, int maxRecordBytes) {
            this.parser = parser;
            this.maxRecordBytes = maxRecordBytes;
        }

        @Override
        public void deserialize(
                ConsumerRecord<byte[], byte[]> r, Collector<Parsed<EtlRecord>> out) {
            out.collect(parse(r));
        }

        /** The parsed record or why it is bad. */
        public Parsed<EtlRecord> parse(ConsumerRecord<byte[], byte[]> r) {
            byte[] data = r.value();
            String why;
            if (data == null) {
                why = "empty record (no value)";
            } else if (data.length > maxRecordBytes) {
                why =
                        "record of "
                                + data.length
                                + " bytes is over MaxRecordBytes "
                                + maxRecordBytes;
            } else {
                try {
                    EtlRecord e = parser.parse(data);
                    if (e != null) {
                        return Parsed.ok(e);
                    }
                    why = "parser returned nothing";
                } catch (BadRecordException e) {
                    why = e.reason();
                } catch (RuntimeException | StackOverflowError e) {
                    why = "parser failed: " + e;
                }
            }
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            return Parsed.bad(
                    BadRecord.of(
                            why,
                            r.topic(),
                            "partition-" + r.partition(),
                            Long.toString(r.offset()),
                            0,
                            key,
                            data));
        }

        @Override
        public TypeInformation<Parsed<EtlRecord>> getProducedType() {
            return Parsed.typeInfo(Types.POJO(EtlRecord.class));
        }
    }
}
