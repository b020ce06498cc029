package io.streamstack.flink.etl;

import java.util.Map;

/**
 * How the job's Kafka clients (source and sink) authenticate: the property {@code KafkaAuth}.
 *
 * <p>{@link #IAM} is Amazon MSK IAM access control (the cluster's IAM bootstrap string, port 9098):
 * SASL over TLS with the {@code AWS_MSK_IAM} mechanism of {@code
 * software.amazon.msk:aws-msk-iam-auth}, which signs with the default credential chain (on the
 * service, the application's role, refreshed). The role then needs the {@code kafka-cluster:*}
 * actions of the cluster, topics and group (the pattern's template grants them). Settings from "Use
 * IAM access control" in the Amazon MSK developer guide and the library's README.
 */
public enum KafkaAuth {
    /**
     * The Kafka clients' own settings ({@code kafka.security.protocol}, ...; PLAINTEXT by default).
     */
    NONE,
    /** Amazon MSK IAM access control. */
    IAM;

    /** The client properties {@link #IAM} sets; none of them may also be set as {@code kafka.*}. */
    static final Map<String, String> IAM_CLIENT_PROPERTIES =
            Map.of(
                    "security.protocol", "SASL_SSL",
                    "sasl.mechanism", "AWS_MSK_IAM",
                    "sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;",
                    "sasl.client.callback.handler.class",
                            "software.amazon.msk.auth.iam.IAMClientCallbackHandler");

    /** The client properties this mode adds to the {@code kafka.*} ones. */
    public Map<String, String> clientProperties() {
        return this == IAM ? IAM_CLIENT_PROPERTIES : Map.of();
    }
}
