package io.streamstack.flink.taxi;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How one fare request ended: the endpoint's prediction, or why there is none.
 *
 * @param prediction the endpoint's response object (success only)
 * @param reason null on success; else {@code http_status} (an answer that is not retried), {@code
 *     retries_exhausted} (still 429/5xx or unreachable after the last retry), {@code bad_response}
 *     (2xx whose body is not a fare) or {@code timeout}
 * @param status the last HTTP status, 0 when no answer was received
 * @param attempts requests sent, retries included
 * @param detail the last error or the endpoint's error body, abbreviated (failure only)
 */
public record FareOutcome(
        JsonNode prediction, String reason, int status, int attempts, String detail) {
    public static final String HTTP_STATUS = "http_status";
    public static final String RETRIES_EXHAUSTED = "retries_exhausted";
    public static final String BAD_RESPONSE = "bad_response";
    public static final String TIMEOUT = "timeout";

    public static FareOutcome success(JsonNode prediction, int status, int attempts) {
        return new FareOutcome(prediction, null, status, attempts, null);
    }

    public static FareOutcome failure(String reason, int status, int attempts, String detail) {
        return new FareOutcome(null, reason, status, attempts, detail);
    }

    public boolean ok() {
        return reason == null;
    }
}
