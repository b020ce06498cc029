package io.streamstack.flink.taxi;

import java.io.Serializable;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;

/** Where the operator gets the endpoint's API key when it opens. */
@FunctionalInterface
public interface ApiKeySource extends Serializable {
    String load(FareSettings settings) throws Exception;

    /**
     * The stack's secret: the whole {@code SecretString} of {@code ApiKeySecretArn} (the template
     * generates a plain 40-character key), read with the default credentials and, when set, the
     * {@code aws.endpoint} override.
     */
    static ApiKeySource secretsManager() {
        return settings -> {
            try (DefaultCredentialsProvider credentials =
                    DefaultCredentialsProvider.builder().build()) {
                SecretsManagerClientBuilder b =
                        SecretsManagerClient.builder()
                                .region(Region.of(settings.region()))
                                .credentialsProvider(credentials)
                                .httpClientBuilder(Apache5HttpClient.builder());
                if (settings.awsEndpointOverride() != null) {
                    b.endpointOverride(URI.create(settings.awsEndpointOverride()));
                }
                try (SecretsManagerClient sm = b.build()) {
                    String key =
                            sm.getSecretValue(r -> r.secretId(settings.apiKeySecretArn()))
                                    .secretString();
                    if (key == null || key.isBlank()) {
                        throw new IllegalStateException(
                                "secret " + settings.apiKeySecretArn() + " has no SecretString");
                    }
                    return key.strip();
                }
            }
        };
    }
}
