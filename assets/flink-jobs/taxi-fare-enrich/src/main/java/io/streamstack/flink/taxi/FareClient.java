package io.streamstack.flink.taxi;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Calls the fare endpoint for one ride at a time, asynchronously, with bounded retries.
 *
 * <p>429, 5xx and errors without an answer (refused connection, reset, per-attempt timeout) are
 * retried at most {@code maxRetries} times after a {@link Backoff} wait that is <em>scheduled</em>
 * on this client's own scheduler: no thread ever sleeps, least of all the HTTP client's callback
 * threads or the Flink task thread. Every attempt is signed anew (fresh credentials, fresh {@code
 * X-Amz-Date}). Any other answer ends the call: 2xx with a fare object is a prediction, anything
 * else a failure. A call never fails its future exceptionally: every end is a {@link FareOutcome}.
 *
 * <p>The time budget of a call (the async operator's timeout) is shared by its attempts: each
 * attempt may take the time left, less the backoff ceilings still ahead, divided by the attempts
 * left (itself included), and at least {@value #MIN_ATTEMPT_MILLIS} ms. With the defaults (30 s, 3
 * retries) a hanging first attempt is given up after about 7 s and retried, instead of using the
 * whole 30 s so that the operator's timeout ends the ride before any retry (issue 19, item 9).
 */
public final class FareClient implements AutoCloseable {
    /** Told of each retry as it is scheduled. */
    public interface RetryListener {
        void retrying(int retry, int status, String error);
    }

    private static final int MAX_DETAIL = 300;

    /** The least time an attempt is given, however little of the budget is left. */
    static final long MIN_ATTEMPT_MILLIS = 100;

    private final FareRequestSigner signer;
    private final Backoff backoff;
    private final int maxRetries;
    private final Duration budget;
    private final RetryListener listener;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService httpExecutor;
    private final HttpClient http;

    public FareClient(
            FareRequestSigner signer,
            Backoff backoff,
            int maxRetries,
            Duration budget,
            RetryListener listener) {
        this.signer = signer;
        this.backoff = backoff;
        this.maxRetries = maxRetries;
        this.budget = budget;
        this.listener = listener;
        this.scheduler =
                Executors.newSingleThreadScheduledExecutor(daemon("fare-client-scheduler"));
        this.httpExecutor = Executors.newCachedThreadPool(daemon("fare-client-http"));
        this.http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(
                                Duration.ofMillis(
                                        Math.max(
                                                MIN_ATTEMPT_MILLIS,
                                                budget.toMillis() / (maxRetries + 1))))
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .executor(httpExecutor)
                        .build();
    }

    /** One ride's request, in flight until its {@link #result()} completes or it is cancelled. */
    public final class Call {
        private final TaxiRide ride;
        private final CompletableFuture<FareOutcome> result = new CompletableFuture<>();
        private final AtomicBoolean ended = new AtomicBoolean();
        private final AtomicInteger attempts = new AtomicInteger();
        private volatile int lastStatus;
        private volatile String lastError;
        private volatile Future<?> pending;
        private final long deadlineNanos;

        private Call(TaxiRide ride) {
            this.ride = ride;
            this.deadlineNanos = System.nanoTime() + budget.toNanos();
        }

        /**
         * The timeout of attempt {@code n} (1-based): the budget left, less the backoff ceilings of
         * the retries still possible after it, shared by the attempts left (this one included).
         */
        Duration attemptTimeout(int n) {
            long leftMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
            int attemptsLeft = Math.max(1, maxRetries + 2 - n);
            long backoffAhead = 0;
            for (int retry = n; retry <= maxRetries; retry++) {
                backoffAhead += backoff.ceilingMillis(retry);
            }
            return Duration.ofMillis(
                    Math.max(MIN_ATTEMPT_MILLIS, (leftMillis - backoffAhead) / attemptsLeft));
        }

        public CompletableFuture<FareOutcome> result() {
            return result;
        }

        public int attempts() {
            return attempts.get();
        }

        public int lastStatus() {
            return lastStatus;
        }

        public String lastError() {
            return lastError;
        }

        /**
         * Ends the call from outside (the operator's timeout), with no further attempt; returns
         * false when it had already ended. The result future is completed with {@code outcome}.
         */
        public boolean endWith(FareOutcome outcome) {
            if (!finish(outcome)) {
                return false;
            }
            Future<?> p = pending;
            if (p != null) {
                p.cancel(true);
            }
            return true;
        }

        private boolean finish(FareOutcome outcome) {
            if (!ended.compareAndSet(false, true)) {
                return false;
            }
            result.complete(outcome);
            return true;
        }

        private void attempt() {
            if (ended.get()) {
                return;
            }
            int n = attempts.incrementAndGet();
            Duration timeout = attemptTimeout(n);
            SdkHttpRequest unsigned = signer.request(ride);
            signer.sign(unsigned)
                    .thenCompose(
                            signed -> {
                                CompletableFuture<HttpResponse<String>> exchange =
                                        http.sendAsync(
                                                FareRequestSigner.toJdkRequest(signed, timeout),
                                                HttpResponse.BodyHandlers.ofString());
                                // Kept so that endWith() can abort the exchange itself.
                                pending = exchange;
                                return exchange;
                            })
                    .whenComplete((response, error) -> onAnswer(n, response, error));
        }

        private void onAnswer(int n, HttpResponse<String> response, Throwable error) {
            if (ended.get()) {
                return;
            }
            if (error != null) {
                Throwable cause = unwrap(error);
                if (cause instanceof CancellationException) {
                    return;
                }
                lastStatus = 0;
                lastError = describe(cause);
                retryOrFail(n, 0, lastError);
                return;
            }
            int status = response.statusCode();
            lastStatus = status;
            String body = response.body() == null ? "" : response.body();
            if (status >= 200 && status < 300) {
                JsonNode fare = parseFare(body);
                if (fare != null) {
                    finish(FareOutcome.success(fare, status, n));
                } else {
                    finish(
                            FareOutcome.failure(
                                    FareOutcome.BAD_RESPONSE, status, n, abbreviate(body)));
                }
            } else if (status == 429 || status >= 500) {
                lastError = "HTTP " + status + ": " + abbreviate(body);
                retryOrFail(n, status, lastError);
            } else {
                finish(FareOutcome.failure(FareOutcome.HTTP_STATUS, status, n, abbreviate(body)));
            }
        }

        private void retryOrFail(int n, int status, String error) {
            if (n > maxRetries) {
                finish(FareOutcome.failure(FareOutcome.RETRIES_EXHAUSTED, status, n, error));
                return;
            }
            long delay = backoff.delayMillis(n);
            long leftMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (delay + MIN_ATTEMPT_MILLIS > leftMillis) {
                finish(
                        FareOutcome.failure(
                                FareOutcome.TIMEOUT,
                                status,
                                n,
                                "no time left within "
                                        + budget
                                        + " for another attempt; last error: "
                                        + error));
                return;
            }
            try {
                pending = scheduler.schedule(this::attemptSafely, delay, TimeUnit.MILLISECONDS);
                listener.retrying(n, status, error);
            } catch (RejectedExecutionException closed) {
                finish(
                        FareOutcome.failure(
                                FareOutcome.RETRIES_EXHAUSTED, status, n, "client closed"));
            }
        }

        private void attemptSafely() {
            try {
                attempt();
            } catch (RuntimeException e) {
                // Signing or building the request failed (e.g. no credentials): a failed attempt.
                lastError = describe(e);
                retryOrFail(attempts.get(), 0, lastError);
            }
        }
    }

    /** Starts the request for {@code ride}; the first attempt runs on the client's scheduler. */
    public Call call(TaxiRide ride) {
        Call c = new Call(ride);
        try {
            c.pending = scheduler.submit(c::attemptSafely);
        } catch (RejectedExecutionException closed) {
            c.finish(FareOutcome.failure(FareOutcome.RETRIES_EXHAUSTED, 0, 0, "client closed"));
        }
        return c;
    }

    /** The endpoint's body when it is a JSON object with a numeric {@code fare}, else null. */
    static JsonNode parseFare(String body) {
        try {
            JsonNode n = TaxiRides.MAPPER.readTree(body);
            return n != null && n.isObject() && n.path("fare").isNumber() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        httpExecutor.shutdownNow();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException
                        || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable t) {
        return abbreviate(
                t.getClass().getSimpleName()
                        + (t.getMessage() == null ? "" : ": " + t.getMessage()));
    }

    static String abbreviate(String s) {
        return s.length() <= MAX_DETAIL ? s : s.substring(0, MAX_DETAIL) + "...";
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
