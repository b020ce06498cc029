package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.streamstack.flink.common.Json;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The OpenSearch sink's requests and its reading of {@code _bulk} answers. {@link
 * OpenSearchPipelineIT} runs the sink against a real node, which cannot be made to answer 429 or
 * 5xx for some items on demand: those answers are the documented {@code _bulk} response shapes
 * (OpenSearch "Bulk" API reference: {@code errors}, {@code items[].index .status/error}), and
 * signed requests go to a local HTTP server that records what arrives.
 */
class OpenSearchOutputTest {
    static final OpenSearchOutput.Item A = new OpenSearchOutput.Item("trips", "t-1", "{\"a\":1}");
    static final OpenSearchOutput.Item B =
            new OpenSearchOutput.Item("trips-csh", null, "{\"b\":\"x\"}");
    static final OpenSearchOutput.Item C = new OpenSearchOutput.Item("trips", "t-3", "{\"c\":3}");

    @Test
    void bulkBodyIsAnIndexActionAndTheDocumentPerItem() {
        assertThat(new String(OpenSearchOutput.bulkBody(List.of(A, B)), StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"index\":{\"_index\":\"trips\",\"_id\":\"t-1\"}}\n{\"a\":1}\n"
                                + "{\"index\":{\"_index\":\"trips-csh\"}}\n{\"b\":\"x\"}\n");
    }

    @Test
    void indexAndIdComeFromTheRecordElseTheFixedIndex() throws Exception {
        EtlParser p =
                new EtlParser("t", List.of(), null, null, Long.MAX_VALUE, true, null)
                        .openSearch("kind", "id");
        OpenSearchOutput.Converter c = new OpenSearchOutput.Converter("fallback");
        OpenSearchOutput.Item keyed =
                c.apply(
                        p.parse(
                                "{\"t\":1,\"kind\":\"rides\",\"id\":42}"
                                        .getBytes(StandardCharsets.UTF_8)),
                        null);
        assertThat(keyed)
                .isEqualTo(
                        new OpenSearchOutput.Item(
                                "rides", "42", "{\"t\":1,\"kind\":\"rides\",\"id\":42}"));
        OpenSearchOutput.Item plain =
                c.apply(p.parse("{\"t\":1}".getBytes(StandardCharsets.UTF_8)), null);
        assertThat(plain.index).isEqualTo("fallback");
        assertThat(plain.id).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () ->
                                p.parse(
                                        "{\"t\":1,\"kind\":\"Bad Index\"}"
                                                .getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("index field kind is not a valid OpenSearch index name");
    }

    @Test
    void rejectedItemsAreRetriedWhenTransientAndDroppedWithAReasonWhenNot() throws Exception {
        List<OpenSearchOutput.Item> items = List.of(A, B, C);
        OpenSearchOutput.Outcome ok =
                OpenSearchOutput.outcome(
                        items,
                        Json.MAPPER.readTree(
                                "{\"took\":3,\"errors\":false,\"items\":[{\"index\":{\"status\":201}},{\"index\":{\"status\":201}},"
                                        + "{\"index\":{\"status\":200}}]}"));
        assertThat(ok.retry).isEmpty();
        assertThat(ok.rejected).isEmpty();
        OpenSearchOutput.Outcome mixed =
                OpenSearchOutput.outcome(
                        items,
                        Json.MAPPER.readTree(
                                "{\"took\":3,\"errors\":true,\"items\":["
                                        + "{\"index\":{\"_index\":\"trips\",\"status\":429,\"error\":{\"type\":\"es_rejected_execution_exception\","
                                        + "\"reason\":\"rejected execution\"}}},"
                                        + "{\"index\":{\"_index\":\"trips-csh\",\"status\":400,\"error\":{\"type\":\"mapper_parsing_exception\","
                                        + "\"reason\":\"failed to parse field [b]\"}}},"
                                        + "{\"index\":{\"_index\":\"trips\",\"status\":503,\"error\":{\"type\":\"unavailable_shards_exception\"}}}]}"));
        assertThat(mixed.retry).as("429 and 5xx items again, in order").containsExactly(A, C);
        assertThat(mixed.rejected)
                .containsExactly(
                        "Item{trips-csh/null}: 400 mapper_parsing_exception failed to parse field [b]");
        assertThat(
                        OpenSearchOutput.outcome(
                                        items,
                                        Json.MAPPER.readTree("{\"errors\":true,\"items\":[]}"))
                                .retry)
                .as("an answer that does not list every item: all again")
                .containsExactly(A, B, C);
    }

    @Test
    void sigV4SignedBulkRequestsArriveWithTheirSignatureAndPayloadHash() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(
                "/",
                exchange -> {
                    seen.put("path", exchange.getRequestURI().getPath());
                    exchange.getRequestHeaders()
                            .forEach((k, v) -> seen.put(k.toLowerCase(), String.join(",", v)));
                    seen.put(
                            "body",
                            new String(
                                    exchange.getRequestBody().readAllBytes(),
                                    StandardCharsets.UTF_8));
                    byte[] answer =
                            "{\"errors\":false,\"items\":[]}".getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, answer.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(answer);
                    }
                });
        server.start();
        try {
            URI endpoint =
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/prefix/");
            OpenSearchOutput sink =
                    new OpenSearchOutput(
                            endpoint,
                            "trips",
                            OpenSearchOutput.Auth.SIGV4,
                            "eu-west-1",
                            null,
                            null);
            byte[] body = OpenSearchOutput.bulkBody(List.of(A));
            SdkHttpRequest signed =
                    sink.sign(
                            sink.request(body),
                            body,
                            AwsCredentialsIdentity.create("AKIDEXAMPLE", "secret"));
            HttpResponse<String> r =
                    HttpClient.newHttpClient()
                            .send(
                                    OpenSearchOutput.toJdk(signed, body),
                                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(seen.get("path")).isEqualTo("/prefix/_bulk");
            assertThat(seen.get("content-type")).isEqualTo("application/x-ndjson");
            assertThat(seen.get("body")).isEqualTo(new String(body, StandardCharsets.UTF_8));
            assertThat(seen.get("x-amz-content-sha256")).isEqualTo(OpenSearchOutput.sha256(body));
            assertThat(seen.get("x-amz-date")).matches("\\d{8}T\\d{6}Z");
            assertThat(seen.get("authorization"))
                    .matches(
                            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\\d{8}/eu-west-1/es/aws4_request, "
                                    + "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}");
            assertThat(seen.get("host"))
                    .as("the Host the signature covers")
                    .isEqualTo("127.0.0.1:" + server.getAddress().getPort());

            OpenSearchOutput basic =
                    new OpenSearchOutput(
                            endpoint, "trips", OpenSearchOutput.Auth.BASIC, null, "user", "p@ss");
            assertThat(basic.request(body).firstMatchingHeader("Authorization"))
                    .hasValue("Basic dXNlcjpwQHNz");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void bufferedItemsSurviveTheCheckpoint() throws Exception {
        OpenSearchOutput.StateSerializer serializer = new OpenSearchOutput.StateSerializer();
        BufferedRequestState<OpenSearchOutput.Item> state =
                new BufferedRequestState<>(
                        List.of(
                                new RequestEntryWrapper<>(A, 10),
                                new RequestEntryWrapper<>(B, 10)));
        assertThat(
                        serializer
                                .deserialize(1, serializer.serialize(state))
                                .getBufferedRequestEntries())
                .extracting(RequestEntryWrapper::getRequestEntry)
                .containsExactly(A, B);
    }
}
