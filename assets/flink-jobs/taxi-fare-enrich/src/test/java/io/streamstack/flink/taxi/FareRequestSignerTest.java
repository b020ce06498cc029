package io.streamstack.flink.taxi;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpRequest;

class FareRequestSignerTest {
    static final Clock FIXED = Clock.fixed(Instant.parse("2026-11-24T08:30:05Z"), ZoneOffset.UTC);
    static final URI ENDPOINT =
            URI.create("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/predictFare");

    static TaxiRide ride() throws Exception {
        return TaxiRides.parse(TaxiRidesTest.RIDE.getBytes(StandardCharsets.UTF_8));
    }

    /** Hands out the given credentials in turn, as a refreshing provider would after a rotation. */
    static final class RotatingProvider implements AwsCredentialsProvider {
        final List<AwsCredentials> keys;
        final AtomicInteger calls = new AtomicInteger();

        RotatingProvider(AwsCredentials... keys) {
            this.keys = List.of(keys);
        }

        @Override
        public AwsCredentials resolveCredentials() {
            return keys.get(Math.min(calls.getAndIncrement(), keys.size() - 1));
        }
    }

    @Test
    void buildsTheEndpointsQueryFromTheRide() throws Exception {
        FareRequestSigner s =
                new FareRequestSigner(
                        ENDPOINT,
                        "eu-west-1",
                        "the-key",
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create("AKID", "SECRET")),
                        FIXED);
        SdkHttpRequest r = s.request(ride());
        assertThat(r.rawQueryParameters())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                "id", List.of("0000002a-0000000120"),
                                "pickup_lat", List.of("40.751234"),
                                "pickup_lon", List.of("-73.981234"),
                                "dropoff_lat", List.of("40.780002"),
                                "dropoff_lon", List.of("-73.950001"),
                                "passengers", List.of("3"),
                                "pickup_time", List.of("2026-11-24T08:30:00.123Z")));
        assertThat(r.firstMatchingHeader("x-api-key")).contains("the-key");
        assertThat(r.getUri().getRawPath()).isEqualTo("/prod/predictFare");
        assertThat(FareRequestSigner.plain(1.0E-4)).isEqualTo("0.0001");
        assertThat(FareRequestSigner.plain(40.0)).isEqualTo("40");
    }

    @Test
    void signsWithSigV4ForExecuteApi() throws Exception {
        FareRequestSigner s =
                new FareRequestSigner(
                        ENDPOINT,
                        "eu-west-1",
                        "the-key",
                        new RotatingProvider(AwsBasicCredentials.create("AKID", "SECRET")),
                        FIXED);
        SdkHttpRequest signed = s.sign(s.request(ride())).get();

        String auth = signed.firstMatchingHeader("Authorization").orElseThrow();
        SigV4Check.Auth a = SigV4Check.parse(auth);
        assertThat(a).as(auth).isNotNull();
        assertThat(auth)
                .startsWith(
                        "AWS4-HMAC-SHA256 Credential=AKID/20261124/eu-west-1/execute-api/aws4_request, ");
        assertThat(a.signedHeaders()).contains("host", "x-amz-date", "x-api-key");
        assertThat(a.signature()).matches("[0-9a-f]{64}");
        assertThat(signed.firstMatchingHeader("X-Amz-Date")).contains("20261124T083005Z");
        assertThat(signed.firstMatchingHeader("X-Amz-Security-Token")).isEmpty();

        // Deterministic for a fixed clock and key; verifies independently.
        SdkHttpRequest again = s.sign(s.request(ride())).get();
        assertThat(again.firstMatchingHeader("Authorization")).contains(auth);
        assertThat(verify(signed, "SECRET")).isTrue();
        assertThat(verify(signed, "OTHER")).isFalse();
    }

    @Test
    void resolvesCredentialsForEveryRequest() throws Exception {
        RotatingProvider p =
                new RotatingProvider(
                        AwsSessionCredentials.create("AKID1", "SECRET1", "TOKEN1"),
                        AwsSessionCredentials.create("AKID2", "SECRET2", "TOKEN2"));
        FareRequestSigner s = new FareRequestSigner(ENDPOINT, "eu-west-1", "k", p, FIXED);

        SdkHttpRequest first = s.sign(s.request(ride())).get();
        SdkHttpRequest second = s.sign(s.request(ride())).get();

        assertThat(first.firstMatchingHeader("Authorization").orElseThrow())
                .contains("Credential=AKID1/");
        assertThat(first.firstMatchingHeader("X-Amz-Security-Token")).contains("TOKEN1");
        assertThat(second.firstMatchingHeader("Authorization").orElseThrow())
                .contains("Credential=AKID2/");
        assertThat(second.firstMatchingHeader("X-Amz-Security-Token")).contains("TOKEN2");
        assertThat(verify(second, "SECRET2")).isTrue();
        assertThat(p.calls.get()).isEqualTo(2);
    }

    @Test
    void theJdkRequestCarriesTheSignedUriAndHeaders() throws Exception {
        URI local = URI.create("http://127.0.0.1:8123/prod/predictFare");
        FareRequestSigner s =
                new FareRequestSigner(
                        local,
                        "us-east-1",
                        "k",
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create("AKID", "SECRET")),
                        FIXED);
        SdkHttpRequest signed = s.sign(s.request(ride())).get();
        HttpRequest jdk = FareRequestSigner.toJdkRequest(signed, Duration.ofSeconds(5));

        assertThat(jdk.uri()).isEqualTo(signed.getUri());
        assertThat(jdk.uri().getRawQuery()).contains("pickup_time=2026-11-24T08%3A30%3A00.123Z");
        assertThat(signed.firstMatchingHeader("Host")).contains("127.0.0.1:8123");
        assertThat(jdk.headers().firstValue("Host")).isEmpty();
        assertThat(jdk.headers().firstValue("Authorization"))
                .isEqualTo(signed.firstMatchingHeader("Authorization"));
        assertThat(jdk.headers().firstValue("x-api-key")).contains("k");
        assertThat(jdk.timeout()).contains(Duration.ofSeconds(5));
    }

    private static boolean verify(SdkHttpRequest signed, String secret) {
        Map<String, List<String>> headers = new TreeMap<>();
        signed.headers().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        URI uri = signed.getUri();
        return SigV4Check.verify("GET", uri.getRawPath(), uri.getRawQuery(), headers, secret);
    }
}
