package io.streamstack.flink.etl;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Kafka sink: the records' JSON to {@code OutputKafkaTopic}, keyed by {@code
 * OutputKafkaKeyField} (no key without it), in transactions committed on checkpoints ({@code
 * EXACTLY_ONCE}, the default) or flushed on checkpoints ({@code AT_LEAST_ONCE}).
 */
public final class KafkaOutput {
    private KafkaOutput() {}

    public static KafkaSink<EtlRecord> sink(EtlSettings s) {
        DeliveryGuarantee guarantee =
                s.outputKafkaGuarantee() == EtlSettings.Guarantee.EXACTLY_ONCE
                        ? DeliveryGuarantee.EXACTLY_ONCE
                        : DeliveryGuarantee.AT_LEAST_ONCE;
        return KafkaSink.<EtlRecord>builder()
                .setBootstrapServers(s.outputKafkaBootstrapServers())
                .setKafkaProducerConfig(s.kafkaProperties())
                .setRecordSerializer(new Serializer(s.outputKafkaTopic()))
                .setDeliveryGuarantee(guarantee)
                .setTransactionalIdPrefix(s.outputKafkaTransactionalIdPrefix())
                .setProperty(
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                        Long.toString(s.outputKafkaTransactionTimeoutMillis()))
                .build();
    }

    /**
     * The record's JSON as the value, its key field's text as the key, its event time as the Kafka
     * timestamp unless that lies in the future: brokers reject timestamps more than {@code
     * message.timestamp.after.max.ms} (one hour by default since Kafka 4.0) ahead, and one such
     * record would fail the job over and over; then the producer's clock stamps it.
     */
    public static final class Serializer implements KafkaRecordSerializationSchema<EtlRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                EtlRecord r, KafkaSinkContext context, Long timestamp) {
            byte[] key =
                    r.getKafkaKey() == null
                            ? null
                            : r.getKafkaKey().getBytes(StandardCharsets.UTF_8);
            Long stamp =
                    r.getEventTimeMillis() <= System.currentTimeMillis()
                            ? Long.valueOf(r.getEventTimeMillis())
                            : null;
            return new ProducerRecord<>(
                    topic, null, stamp, key, r.getJson().getBytes(StandardCharsets.UTF_8));
        }
    }
}
