package io.streamstack.flink.taxi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.taxi.ScriptedFareServer.Reply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The async function inside Flink's own {@code AsyncWaitOperator}, through its test harness. */
class FareEnrichFunctionTest {
    static final String SECRET = "harness-secret";
    static final long TIMEOUT_MS = 2_000;

    private ScriptedFareServer server;
    private FareEnrichFunction function;
    private OneInputStreamOperatorTestHarness<TaxiRide, FareResult> harness;

    private void start(ScriptedFareServer.Script script) throws Exception {
        server = new ScriptedFareServer(SECRET, script);
        FareSettings settings =
                new FareSettings(
                        server.endpoint().toString(),
                        "us-east-1",
                        "arn:aws:secretsmanager:us-east-1:123456789012:secret:fare-key",
                        null,
                        Duration.ofMillis(TIMEOUT_MS),
                        20,
                        3,
                        new Backoff(20, 100));
        function =
                new FareEnrichFunction(
                        settings,
                        s -> "key-from-secret",
                        () ->
                                StaticCredentialsProvider.create(
                                        AwsBasicCredentials.create("AKID", SECRET)));
        AsyncWaitOperatorFactory<TaxiRide, FareResult> factory =
                new AsyncWaitOperatorFactory<>(
                        function, TIMEOUT_MS, 20, AsyncDataStream.OutputMode.UNORDERED);
        harness =
                new OneInputStreamOperatorTestHarness<>(
                        factory,
                        TypeInformation.of(TaxiRide.class)
                                .createSerializer(new SerializerConfigImpl()));
        harness.open();
    }

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static TaxiRide ride(int counter, int passengers) throws Exception {
        TaxiRide r = FareRequestSignerTest.ride();
        r.setTripId(String.format("0000002a-%010d", counter));
        r.setPassengerCount(passengers);
        return r;
    }

    @Test
    void enrichesRetriesAndRecordsFailures() throws Exception {
        // Per trip: 20 succeeds at once, 40 after two 503s, 60 gets a 400, 80 always 503.
        AtomicInteger failures40 = new AtomicInteger();
        start(
                (n, query) -> {
                    String id = ScriptedFareServer.idOf(query);
                    if (id.endsWith("40") && failures40.getAndIncrement() < 2) {
                        return Reply.status(503);
                    }
                    if (id.endsWith("60")) {
                        return new Reply(400, "{\"error\":\"bad\",\"field\":\"passengers\"}", 0);
                    }
                    return id.endsWith("80") ? Reply.status(503) : Reply.fare();
                });
        harness.processElement(new StreamRecord<>(ride(20, 2), 1));
        harness.processElement(new StreamRecord<>(ride(40, 2), 2));
        harness.processElement(new StreamRecord<>(ride(60, 12), 3));
        harness.processElement(new StreamRecord<>(ride(80, 2), 4));
        harness.endInput();

        List<FareResult> out = harness.extractOutputValues();
        assertThat(out).hasSize(4);
        assertThat(out)
                .filteredOn(r -> r.isEnriched())
                .extracting(r -> r.getTripId())
                .containsExactlyInAnyOrder("0000002a-0000000020", "0000002a-0000000040");
        for (FareResult r : out) {
            JsonNode j = TaxiRides.MAPPER.readTree(r.getJson());
            assertThat(r.getPickupMillis())
                    .isEqualTo(FareRequestSignerTest.ride().getPickupMillis());
            if (r.isEnriched()) {
                assertThat(j.get("trip_id").asText()).isEqualTo(r.getTripId());
                assertThat(j.get("prediction").get("id").asText()).isEqualTo(r.getTripId());
                assertThat(j.get("prediction").get("fare").asDouble()).isPositive();
                assertThat(j.get("fare_amount").asDouble()).isEqualTo(14.36);
            } else {
                assertThat(j.get("trip_id").asText()).isEqualTo(r.getTripId());
                assertThat(j.get("ride").get("trip_id").asText()).isEqualTo(r.getTripId());
                if (r.getTripId().endsWith("60")) {
                    assertThat(j.get("reason").asText()).isEqualTo("http_status");
                    assertThat(j.get("status").asInt()).isEqualTo(400);
                    assertThat(j.get("attempts").asInt()).isEqualTo(1);
                } else {
                    assertThat(j.get("reason").asText()).isEqualTo("retries_exhausted");
                    assertThat(j.get("status").asInt()).isEqualTo(503);
                    assertThat(j.get("attempts").asInt()).isEqualTo(4);
                }
            }
        }
        // enriched, failed, retried: 40 was retried twice, 80 three times.
        assertThat(function.counts()).containsExactly(2, 2, 5);
        assertThat(server.requests()).isEqualTo(1 + 3 + 1 + 4);
        assertThat(server.seen()).allMatch(ScriptedFareServer.Seen::signatureValid);
        assertThat(server.seen()).allMatch(s -> "key-from-secret".equals(s.header("x-api-key")));
    }

    @Test
    void aRideWithoutAnswerTimesOutIntoAFailureRecord() throws Exception {
        start((n, q) -> ScriptedFareServer.HANG);
        harness.processElement(new StreamRecord<>(ride(20, 2), 1));
        Thread.sleep(200);
        assertThat(harness.extractOutputValues()).isEmpty();
        // The operator's timeout runs on processing time, which the harness moves by hand.
        harness.setProcessingTime(TIMEOUT_MS + 1);
        harness.endInput();

        List<FareResult> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        JsonNode j = TaxiRides.MAPPER.readTree(out.get(0).getJson());
        assertThat(out.get(0).isEnriched()).isFalse();
        assertThat(j.get("reason").asText()).isEqualTo("timeout");
        assertThat(j.get("attempts").asInt()).isEqualTo(1);
        assertThat(j.get("status").isNull()).isTrue();
        assertThat(function.counts()).containsExactly(0, 1, 0);
    }

    @Test
    void aHangingFirstAttemptIsRetriedWithinTheAsyncTimeout() throws Exception {
        // Issue 19, item 9: the first request never answers, the second does. The attempts share
        // the
        // operator's timeout, so the first is given up early enough for a retry to succeed. When an
        // attempt
        // could take the whole timeout, the operator's timeout (moved below once that much real
        // time has
        // passed) ended the ride first, with reason "timeout".
        start((n, q) -> n == 1 ? ScriptedFareServer.HANG : Reply.fare());
        long started = System.nanoTime();
        harness.processElement(new StreamRecord<>(ride(20, 2), 1));
        long waited = (System.nanoTime() - started) / 1_000_000;
        if (waited < TIMEOUT_MS) {
            Thread.sleep(TIMEOUT_MS - waited);
        }
        harness.setProcessingTime(TIMEOUT_MS + 1);
        harness.endInput();

        List<FareResult> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).isEnriched())
                .as(
                        "item 9: a timed-out first attempt is retried within the async timeout: %s",
                        out.get(0).getJson())
                .isTrue();
        assertThat(server.requests()).isEqualTo(2);
        assertThat(function.counts()).containsExactly(1, 0, 1);
    }
}
