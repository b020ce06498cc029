package io.streamstack.flink.etl;

import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** The in-JVM KRaft broker of the job's Kafka tests: one node, broker and controller in one. */
final class KafkaBroker {
    private KafkaBroker() {}

    /**
     * Formats and starts the broker, waits until it is ready and creates {@code topics}. Its
     * internal topics (consumer offsets, transaction state) have one replica, all one broker can
     * hold.
     */
    static KafkaClusterTestKit start(NewTopic... topics) throws Exception {
        KafkaClusterTestKit kafka =
                new KafkaClusterTestKit.Builder(
                                new TestKitNodes.Builder()
                                        .setCombined(true)
                                        .setNumBrokerNodes(1)
                                        .setNumControllerNodes(1)
                                        .build())
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(topics)).all().get();
        }
        return kafka;
    }
}
