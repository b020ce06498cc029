package io.streamstack.flink.taxi;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamstack.flink.taxi.ScriptedFareServer.Reply;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

class FareClientTest {
    static final String SECRET = "test-secret";

    private ScriptedFareServer server;
    private FareClient client;
    private final List<Integer> retries = new CopyOnWriteArrayList<>();

    private FareClient start(IntFunction<Reply> script, int maxRetries) throws Exception {
        server = new ScriptedFareServer(SECRET, script);
        return client(server.endpoint(), maxRetries, Duration.ofSeconds(5));
    }

    private FareClient client(URI endpoint, int maxRetries, Duration attemptTimeout) {
        FareRequestSigner signer =
                new FareRequestSigner(
                        endpoint,
                        "us-east-1",
                        "key-1",
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create("AKID", SECRET)),
                        Clock.systemUTC());
        client =
                new FareClient(
                        signer,
                        new Backoff(20, 200),
                        maxRetries,
                        attemptTimeout,
                        (retry, status, error) -> retries.add(status));
        return client;
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static FareOutcome await(FareClient.Call c) throws Exception {
        return c.result().get(20, TimeUnit.SECONDS);
    }

    @Test
    void succeedsFirstTimeWithASignedRequestAndTheKey() throws Exception {
        FareClient c = start(n -> Reply.fare(), 3);
        FareOutcome o = await(c.call(FareRequestSignerTest.ride()));

        assertThat(o.ok()).isTrue();
        assertThat(o.attempts()).isEqualTo(1);
        assertThat(o.prediction().get("id").asText()).isEqualTo("0000002a-0000000120");
        assertThat(o.prediction().get("fare").asDouble()).isPositive();
        ScriptedFareServer.Seen seen = server.seen().get(0);
        assertThat(seen.signatureValid()).as("signature as received verifies").isTrue();
        assertThat(seen.header("x-api-key")).isEqualTo("key-1");
        assertThat(seen.rawPath()).isEqualTo("/prod/predictFare");
        assertThat(ScriptedFareServer.idOf(seen.rawQuery())).isEqualTo("0000002a-0000000120");
        assertThat(retries).isEmpty();
    }

    @Test
    void retries503TwiceThenSucceeds() throws Exception {
        FareClient c = start(n -> n <= 2 ? Reply.status(503) : Reply.fare(), 3);
        FareOutcome o = await(c.call(FareRequestSignerTest.ride()));

        assertThat(o.ok()).isTrue();
        assertThat(o.attempts()).isEqualTo(3);
        assertThat(retries).containsExactly(503, 503);
        assertThat(server.requests()).isEqualTo(3);
        // Every attempt is signed anew, and every signature verifies.
        assertThat(server.seen()).allMatch(ScriptedFareServer.Seen::signatureValid);
        assertThat(server.seen()).extracting(s -> s.header("authorization")).doesNotContainNull();
    }

    @Test
    void retries429() throws Exception {
        FareClient c = start(n -> n == 1 ? Reply.status(429) : Reply.fare(), 3);
        FareOutcome o = await(c.call(FareRequestSignerTest.ride()));

        assertThat(o.ok()).isTrue();
        assertThat(o.attempts()).isEqualTo(2);
        assertThat(retries).containsExactly(429);
    }

    @Test
    void givesUpAfterMaxRetries() throws Exception {
        FareClient c = start(n -> Reply.status(500), 3);
        FareOutcome o = await(c.call(FareRequestSignerTest.ride()));

        assertThat(o.ok()).isFalse();
        assertThat(o.reason()).isEqualTo(FareOutcome.RETRIES_EXHAUSTED);
        assertThat(o.status()).isEqualTo(500);
        assertThat(o.attempts()).isEqualTo(4);
        assertThat(server.requests()).isEqualTo(4);
        assertThat(retries).hasSize(3);
    }

    @Test
    void doesNotRetry400() throws Exception {
        String body = "{\"error\":\"passengers: 12 is out of range\",\"field\":\"passengers\"}";
        FareClient c = start(n -> new Reply(400, body, 0), 3);
        FareOutcome o = await(c.call(FareRequestSignerTest.ride()));

        assertThat(o.ok()).isFalse();
        assertThat(o.reason()).isEqualTo(FareOutcome.HTTP_STATUS);
        assertThat(o.status()).isEqualTo(400);
        assertThat(o.attempts()).isEqualTo(1);
        assertThat(o.detail()).contains("\"field\":\"passengers\"");
        assertThat(server.requests()).isEqualTo(1);
        assertThat(retries).isEmpty();
    }

    @Test
    void doesNotRetry403() throws Exception {
        FareClient c = start(n -> Reply.status(403), 3);
        FareOutcome o = await(c.call(FareRequestSignerTest.ride()));
        assertThat(o.reason()).isEqualTo(FareOutcome.HTTP_STATUS);
        assertThat(o.attempts()).isEqualTo(1);
    }

    @Test
    void anAnswerThatIsNoFareIsABadResponse() throws Exception {
        FareClient c = start(n -> new Reply(200, "<html>hello</html>", 0), 3);
        FareOutcome o = await(c.call(FareRequestSignerTest.ride()));
        assertThat(o.reason()).isEqualTo(FareOutcome.BAD_RESPONSE);
        assertThat(o.attempts()).isEqualTo(1);
    }

    @Test
    void retriesConnectionErrors() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        FareClient c =
                client(
                        URI.create("http://127.0.0.1:" + port + "/prod/predictFare"),
                        2,
                        Duration.ofSeconds(2));
        FareOutcome o = await(c.call(FareRequestSignerTest.ride()));

        assertThat(o.reason()).isEqualTo(FareOutcome.RETRIES_EXHAUSTED);
        assertThat(o.status()).isZero();
        assertThat(o.attempts()).isEqualTo(3);
        assertThat(o.detail()).contains("ConnectException");
        assertThat(retries).containsExactly(0, 0);
    }

    @Test
    void aHangingServerIsEndedFromOutside() throws Exception {
        FareClient c = start(n -> ScriptedFareServer.HANG, 3);
        FareClient.Call call = c.call(FareRequestSignerTest.ride());
        Thread.sleep(300);
        assertThat(call.result()).isNotDone();

        FareOutcome timeout =
                FareOutcome.failure(FareOutcome.TIMEOUT, call.lastStatus(), call.attempts(), "t");
        assertThat(call.endWith(timeout)).isTrue();
        assertThat(await(call)).isSameAs(timeout);
        assertThat(call.endWith(timeout)).as("only once").isFalse();
        assertThat(server.requests()).isEqualTo(1);
        assertThat(retries).isEmpty();
    }

    @Test
    void aPerAttemptTimeoutIsRetriedLikeAConnectionError() throws Exception {
        server =
                new ScriptedFareServer(
                        SECRET, n -> n == 1 ? ScriptedFareServer.HANG : Reply.fare());
        FareClient c = client(server.endpoint(), 3, Duration.ofMillis(500));
        FareOutcome o = await(c.call(FareRequestSignerTest.ride()));

        assertThat(o.ok()).isTrue();
        assertThat(o.attempts()).isEqualTo(2);
        assertThat(retries).containsExactly(0);
    }

    @Test
    void theBudgetIsSharedByTheAttempts() throws Exception {
        server = new ScriptedFareServer(SECRET, n -> Reply.fare());
        FareClient c = client(server.endpoint(), 3, Duration.ofSeconds(30));
        FareClient.Call call = c.call(FareRequestSignerTest.ride());
        // Backoff(20, 200): ceilings 20 + 40 + 80 ms still ahead of the first of 4 attempts.
        assertThat(call.attemptTimeout(1).toMillis())
                .as("item 9: the first attempt's share of 30 s")
                .isBetween(7_000L, (30_000L - 140) / 4);
        assertThat(call.attemptTimeout(4).toMillis())
                .as("the last attempt may use what is left")
                .isGreaterThan(29_000L);
        await(call);
    }
}
