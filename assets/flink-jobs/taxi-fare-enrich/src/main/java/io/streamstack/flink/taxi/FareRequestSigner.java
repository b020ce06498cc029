package io.streamstack.flink.taxi;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;

/**
 * Builds the {@code GET <ApiEndpoint>?id=..&pickup_lat=..} request for a ride, with the API key
 * header, and signs it with SigV4 (service {@code execute-api}) using the SDK's {@link
 * AwsV4HttpSigner}.
 *
 * <p>The credentials are resolved from the provider for every request, never cached here: the
 * default provider on Managed Service for Apache Flink serves the application role's temporary
 * credentials and refreshes them before they expire.
 */
public final class FareRequestSigner {
    public static final String SERVICE = "execute-api";
    public static final String API_KEY_HEADER = "x-api-key";

    private final URI endpoint;
    private final String region;
    private final String apiKey;
    private final IdentityProvider<? extends AwsCredentialsIdentity> credentials;
    private final Clock clock;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    public FareRequestSigner(
            URI endpoint,
            String region,
            String apiKey,
            IdentityProvider<? extends AwsCredentialsIdentity> credentials,
            Clock clock) {
        String scheme = endpoint.getScheme();
        if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("ApiEndpoint must be an http(s) URL: " + endpoint);
        }
        if (endpoint.getHost() == null
                || endpoint.getRawQuery() != null
                || endpoint.getRawFragment() != null) {
            throw new IllegalArgumentException(
                    "ApiEndpoint must be a URL with a host and no query or fragment: " + endpoint);
        }
        this.endpoint = endpoint;
        this.region = region;
        this.apiKey = apiKey;
        this.credentials = credentials;
        this.clock = clock;
    }

    /** The unsigned request for a ride: the endpoint's query fields taken from the ride. */
    public SdkHttpRequest request(TaxiRide ride) {
        String path = endpoint.getRawPath();
        return SdkHttpRequest.builder()
                .method(SdkHttpMethod.GET)
                .protocol(endpoint.getScheme().toLowerCase(java.util.Locale.ROOT))
                .host(endpoint.getHost())
                .port(endpoint.getPort())
                .encodedPath(path == null || path.isEmpty() ? "/" : path)
                .putRawQueryParameter("id", ride.getTripId())
                .putRawQueryParameter("pickup_lat", plain(ride.getPickupLatitude()))
                .putRawQueryParameter("pickup_lon", plain(ride.getPickupLongitude()))
                .putRawQueryParameter("dropoff_lat", plain(ride.getDropoffLatitude()))
                .putRawQueryParameter("dropoff_lon", plain(ride.getDropoffLongitude()))
                .putRawQueryParameter("passengers", Integer.toString(ride.getPassengerCount()))
                .putRawQueryParameter("pickup_time", ride.getPickupDatetime())
                .putHeader(API_KEY_HEADER, apiKey)
                .build();
    }

    /** Signs {@code request} with the provider's current credentials. */
    public CompletableFuture<SdkHttpRequest> sign(SdkHttpRequest request) {
        return credentials.resolveIdentity().thenApply(identity -> sign(request, identity));
    }

    /** Signs {@code request} with the given credentials (the clock gives the signing time). */
    public SdkHttpRequest sign(SdkHttpRequest request, AwsCredentialsIdentity identity) {
        return signer.sign(
                        r ->
                                r.identity(identity)
                                        .request(request)
                                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                                        .putProperty(HttpSigner.SIGNING_CLOCK, clock))
                .request();
    }

    /**
     * The signed request as a {@link java.net.http.HttpRequest}: same URI (the SDK's encoding of
     * the query, which is what was signed) and every signed header except {@code Host}, which the
     * JDK client derives from the URI exactly as the signer did (the port only when not the
     * scheme's default).
     */
    public static HttpRequest toJdkRequest(SdkHttpRequest signed, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(signed.getUri()).GET().timeout(timeout);
        for (Map.Entry<String, List<String>> h : signed.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase("host")) {
                continue;
            }
            for (String v : h.getValue()) {
                b.header(h.getKey(), v);
            }
        }
        return b.build();
    }

    /** A decimal without exponent ({@code 1.0E-4} would be refused by the endpoint). */
    static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
