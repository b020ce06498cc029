package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamstack.flink.common.JobProperties;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The properties {@code KafkaAuth IAM} produces are ones the Kafka 4.2 clients accept: building a
 * producer and a consumer parses the JAAS configuration, loads and logs in with {@code
 * IAMLoginModule} and instantiates {@code IAMClientCallbackHandler} (a wrong class name or JAAS
 * text fails the constructor). No MSK cluster runs here, so the SASL exchange itself (signed with
 * the role's credentials) is not exercised: nothing connects (the bootstrap is a closed port).
 */
class KafkaAuthClientsTest {
    static EtlSettings iam() {
        return EtlSettings.from(
                JobProperties.of(
                        Map.of(
                                "InputKafkaBootstrapServers", "127.0.0.1:9",
                                "InputKafkaTopic", "in",
                                "OutputKafkaBootstrapServers", "127.0.0.1:9",
                                "OutputKafkaTopic", "out",
                                "KafkaAuth", "IAM"),
                        false));
    }

    @Test
    void producerAndConsumerAcceptTheMskIamProperties() {
        Properties p = iam().kafkaProperties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        try (var producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            assertThat(producer.metrics()).isNotEmpty();
            producer.close(Duration.ZERO);
        }
        Properties c = iam().kafkaProperties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "streaming-etl");
        try (var consumer =
                new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            assertThat(consumer.metrics()).isNotEmpty();
        }
    }
}
