package io.streamstack.flink.taxi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamstack.flink.common.JobMetrics;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Enriches each sampled ride with the fare endpoint's prediction (Flink async I/O).
 *
 * <p>Opens with the API key read once from Secrets Manager and a credentials provider that is asked
 * again for every request. Every ride ends as exactly one {@link FareResult}: the enriched ride, or
 * a failure record when the endpoint refused it (4xx), kept failing after {@code MaxRetries}
 * retries, answered nonsense, or did not answer within the operator's timeout. Nothing here fails
 * the job.
 *
 * <p>Counters (group {@code kinesisanalytics}, which Managed Flink exports to CloudWatch): {@code
 * enrichedRides}, {@code failedRequests}, {@code retriedRequests}; they are incremented from the
 * HTTP client's threads, so they are thread-safe.
 */
public class FareEnrichFunction extends RichAsyncFunction<TaxiRide, FareResult> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FareEnrichFunction.class);

    private final FareSettings settings;
    private final ApiKeySource apiKeySource;
    private final CredentialsSource credentialsSource;

    private transient AwsCredentialsProvider credentials;
    private transient FareClient client;
    private transient Map<ResultFuture<FareResult>, FareClient.Call> inFlight;
    private transient Counter enriched;
    private transient Counter failed;
    private transient Counter retried;

    public FareEnrichFunction(FareSettings settings) {
        this(settings, ApiKeySource.secretsManager(), CredentialsSource.defaultChain());
    }

    public FareEnrichFunction(
            FareSettings settings, ApiKeySource apiKeySource, CredentialsSource credentialsSource) {
        this.settings = settings;
        this.apiKeySource = apiKeySource;
        this.credentialsSource = credentialsSource;
    }

    @Override
    public void open(OpenContext ctx) throws Exception {
        MetricGroup group = JobMetrics.group(getRuntimeContext());
        enriched = group.counter("enrichedRides", new ThreadSafeSimpleCounter());
        failed = group.counter("failedRequests", new ThreadSafeSimpleCounter());
        retried = group.counter("retriedRequests", new ThreadSafeSimpleCounter());
        inFlight = new ConcurrentHashMap<>();

        String apiKey = apiKeySource.load(settings);
        credentials = credentialsSource.create();
        FareRequestSigner signer =
                new FareRequestSigner(
                        URI.create(settings.apiEndpoint()),
                        settings.region(),
                        apiKey,
                        credentials,
                        Clock.systemUTC());
        client =
                new FareClient(
                        signer,
                        settings.backoff(),
                        settings.maxRetries(),
                        settings.timeout(),
                        (retry, status, error) -> {
                            retried.inc();
                            LOG.debug("fare request retry {} after {}", retry, error);
                        });
        LOG.info(
                "fare endpoint {} (region {}), timeout {}, {} retries at most",
                settings.apiEndpoint(),
                settings.region(),
                settings.timeout(),
                settings.maxRetries());
    }

    @Override
    public void asyncInvoke(TaxiRide ride, ResultFuture<FareResult> resultFuture) {
        FareClient.Call call = client.call(ride);
        inFlight.put(resultFuture, call);
        call.result()
                .thenAccept(
                        outcome -> {
                            // Complete first, then forget: timeout() finding the call still here
                            // sees it ended.
                            resultFuture.complete(List.of(toResult(ride, outcome)));
                            inFlight.remove(resultFuture);
                        });
    }

    @Override
    public void timeout(TaxiRide ride, ResultFuture<FareResult> resultFuture) {
        FareClient.Call call = inFlight.remove(resultFuture);
        if (call == null) {
            // The call ended and completed resultFuture before it left the map: nothing to do.
            return;
        }
        String last = call.lastError() == null ? "" : "; last error: " + call.lastError();
        // Completes call.result(), whose callback completes resultFuture; false when the call
        // ended on its own first (then that outcome is the one already sent).
        call.endWith(
                FareOutcome.failure(
                        FareOutcome.TIMEOUT,
                        call.lastStatus(),
                        call.attempts(),
                        "no answer within " + settings.timeout() + last));
    }

    @Override
    public void close() throws Exception {
        if (client != null) {
            client.close();
        }
        if (credentials instanceof SdkAutoCloseable c) {
            c.close();
        }
    }

    /** The counters' values, for tests: enriched, failed, retried. */
    long[] counts() {
        return new long[] {enriched.getCount(), failed.getCount(), retried.getCount()};
    }

    private FareResult toResult(TaxiRide ride, FareOutcome outcome) {
        ObjectNode rideJson = TaxiRides.toJson(ride);
        if (outcome.ok()) {
            enriched.inc();
            rideJson.set("prediction", outcome.prediction());
            return new FareResult(
                    ride.getTripId(), true, ride.getPickupMillis(), TaxiRides.write(rideJson));
        }
        failed.inc();
        ObjectNode f = TaxiRides.MAPPER.createObjectNode();
        f.put("kind", "failedRequest");
        f.put("trip_id", ride.getTripId());
        f.put("reason", outcome.reason());
        if (outcome.status() > 0) {
            f.put("status", outcome.status());
        } else {
            f.putNull("status");
        }
        f.put("attempts", outcome.attempts());
        f.put("detail", outcome.detail());
        f.put("failed_at", Instant.now().toString());
        f.set("ride", rideJson);
        return new FareResult(ride.getTripId(), false, ride.getPickupMillis(), TaxiRides.write(f));
    }
}
