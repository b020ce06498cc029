package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class KafkaOutputTest {
    final KafkaOutput.Serializer serializer = new KafkaOutput.Serializer("out");

    @Test
    void valueIsTheJsonKeyIsTheKeyFieldTimestampIsTheEventTime() {
        ProducerRecord<byte[], byte[]> r =
                serializer.serialize(
                        new EtlRecord(1_700_000_000_000L, "", "trip-1", "{\"a\":1}", null),
                        null,
                        5L);
        assertThat(r.topic()).isEqualTo("out");
        assertThat(r.partition()).as("the producer's partitioner spreads by key").isNull();
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("trip-1");
        assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
        assertThat(r.timestamp()).isEqualTo(1_700_000_000_000L);
    }

    @Test
    void noKeyFieldNoKeyAndAFutureEventTimeIsNotTheKafkaTimestamp() {
        long future = System.currentTimeMillis() + 2 * 3_600_000L;
        ProducerRecord<byte[], byte[]> r =
                serializer.serialize(new EtlRecord(future, "", null, "{}", null), null, future);
        assertThat(r.key()).isNull();
        assertThat(r.timestamp())
                .as(
                        "brokers reject timestamps over message.timestamp.after.max.ms ahead: the"
                                + " producer's clock stamps such records")
                .isNull();
    }
}
