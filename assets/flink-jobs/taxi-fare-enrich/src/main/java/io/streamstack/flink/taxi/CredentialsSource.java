package io.streamstack.flink.taxi;

import java.io.Serializable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * Makes the credentials provider the operator signs with, once per subtask when it opens. The
 * provider is asked for credentials on every request, so it must refresh them itself: the default
 * chain does (on Managed Service for Apache Flink it serves the application role's credentials).
 */
@FunctionalInterface
public interface CredentialsSource extends Serializable {
    AwsCredentialsProvider create();

    static CredentialsSource defaultChain() {
        return () -> DefaultCredentialsProvider.builder().build();
    }
}
