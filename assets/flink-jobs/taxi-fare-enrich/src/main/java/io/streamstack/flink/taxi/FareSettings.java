package io.streamstack.flink.taxi;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;

/**
 * Settings of the fare calls, read once from the application properties by the job's main and
 * shipped to the operators.
 *
 * @param apiEndpoint the full URL of {@code GET predictFare}
 * @param region the signing region (and the Secrets Manager region)
 * @param apiKeySecretArn the secret holding the API key (the whole SecretString)
 * @param awsEndpointOverride the {@code aws.endpoint} override for Secrets Manager, or null
 * @param timeout the async operator's timeout per ride (all attempts together)
 * @param capacity the async operator's capacity (requests in flight per subtask)
 * @param maxRetries retries after the first attempt
 * @param backoff the waits between attempts
 */
public record FareSettings(
        String apiEndpoint,
        String region,
        String apiKeySecretArn,
        String awsEndpointOverride,
        Duration timeout,
        int capacity,
        int maxRetries,
        Backoff backoff)
        implements Serializable {

    public FareSettings {
        if (apiEndpoint == null || apiEndpoint.isBlank()) {
            throw new IllegalArgumentException("ApiEndpoint is required");
        }
        URI.create(apiEndpoint);
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("no region: set Region or use a stream ARN");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("AsyncTimeoutSeconds must be positive");
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("AsyncCapacity must be at least 1");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("MaxRetries must not be negative");
        }
    }
}
