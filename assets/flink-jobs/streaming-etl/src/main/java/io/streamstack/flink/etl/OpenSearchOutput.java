package io.streamstack.flink.etl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamstack.flink.common.JobMetrics;
import io.streamstack.flink.common.Json;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriterStateSerializer;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;

/**
 * The OpenSearch sink (no Flink 2.x OpenSearch connector is released): {@code _bulk} requests of
 * {@code index} actions on the async sink base, the index fixed or from a payload field, the
 * document id from a payload field (a replay after a restore rewrites the same documents instead of
 * adding copies), requests signed with SigV4 (service {@code es}, credentials from the default
 * provider chain, refreshed) for Amazon OpenSearch Service, or plain with optional basic auth.
 * Items the cluster rejects for a transient reason (429, 5xx) are retried; items it rejects for
 * good (a mapping conflict: 4xx) are logged and counted ({@code openSearchRejected}), since
 * retrying them would stop the job. At least once.
 */
public final class OpenSearchOutput extends EtlAsyncSink<OpenSearchOutput.Item> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(OpenSearchOutput.class);

    /** How requests authenticate. */
    public enum Auth {
        SIGV4,
        BASIC,
        NONE
    }

    /** One document to index. */
    public static final class Item implements Serializable {
        private static final long serialVersionUID = 1L;
        public final String index;

        /** The document id, or null: the cluster picks one. */
        public final String id;

        public final String json;

        public Item(String index, String id, String json) {
            this.index = Objects.requireNonNull(index);
            this.id = id;
            this.json = Objects.requireNonNull(json);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Item
                    && index.equals(((Item) o).index)
                    && Objects.equals(id, ((Item) o).id)
                    && json.equals(((Item) o).json);
        }

        @Override
        public int hashCode() {
            return Objects.hash(index, id, json);
        }

        @Override
        public String toString() {
            return "Item{" + index + "/" + id + "}";
        }
    }

    private final URI endpoint;
    private final Auth auth;
    private final String region;
    private final String basicAuthHeader;

    public OpenSearchOutput(
            URI endpoint,
            String defaultIndex,
            Auth auth,
            String region,
            String user,
            String password) {
        super(
                new Converter(defaultIndex),
                1000,
                4,
                10_000,
                5L * 1024 * 1024,
                1000,
                5L * 1024 * 1024);
        this.endpoint = endpoint;
        this.auth = auth;
        this.region = region;
        this.basicAuthHeader =
                auth == Auth.BASIC
                        ? "Basic "
                                + Base64.getEncoder()
                                        .encodeToString(
                                                (user + ":" + password)
                                                        .getBytes(StandardCharsets.UTF_8))
                        : null;
    }

    /**
     * The index from the record (its index field), else the fixed one; the id from its id field.
     */
    public static final class Converter implements ElementConverter<EtlRecord, Item> {
        private static final long serialVersionUID = 1L;
        private final String defaultIndex;

        public Converter(String defaultIndex) {
            this.defaultIndex = defaultIndex;
        }

        @Override
        public Item apply(EtlRecord r, SinkWriter.Context context) {
            String index = r.getOpenSearchIndex() == null ? defaultIndex : r.getOpenSearchIndex();
            return new Item(index, r.getOpenSearchId(), r.getJson());
        }
    }

    /**
     * The {@code _bulk} body: an {@code index} action line and the document line per item, each
     * ending in a newline.
     */
    public static byte[] bulkBody(List<Item> items) {
        StringBuilder sb = new StringBuilder();
        for (Item i : items) {
            ObjectNode meta = Json.MAPPER.createObjectNode();
            ObjectNode action = meta.putObject("index");
            action.put("_index", i.index);
            if (i.id != null) {
                action.put("_id", i.id);
            }
            sb.append(meta).append('\n').append(i.json).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What a {@code _bulk} answer means for its items. */
    public static final class Outcome {
        public final List<Item> retry = new ArrayList<>();
        public final List<String> rejected = new ArrayList<>();
    }

    /**
     * Sorts the items of a 200 answer: those with a 429 or 5xx status are retried, other errors
     * rejected for good (with their reason); an answer that does not list every item sends them all
     * again.
     */
    public static Outcome outcome(List<Item> items, JsonNode answer) {
        Outcome o = new Outcome();
        if (!answer.path("errors").asBoolean(false)) {
            return o;
        }
        JsonNode results = answer.path("items");
        if (!results.isArray() || results.size() != items.size()) {
            o.retry.addAll(items);
            return o;
        }
        for (int i = 0; i < items.size(); i++) {
            JsonNode r =
                    results.get(i).elements().hasNext() ? results.get(i).elements().next() : null;
            int status = r == null ? 500 : r.path("status").asInt(500);
            if (status < 300) {
                continue;
            }
            if (status == 429 || status >= 500) {
                o.retry.add(items.get(i));
            } else {
                JsonNode error = r.path("error");
                o.rejected.add(
                        items.get(i)
                                + ": "
                                + status
                                + " "
                                + error.path("type").asText("")
                                + " "
                                + error.path("reason").asText(""));
            }
        }
        return o;
    }

    /** The unsigned {@code POST /_bulk} request. */
    SdkHttpRequest request(byte[] body) {
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        SdkHttpRequest.Builder b =
                SdkHttpRequest.builder()
                        .method(SdkHttpMethod.POST)
                        .protocol(endpoint.getScheme())
                        .host(endpoint.getHost())
                        .port(endpoint.getPort())
                        .encodedPath(
                                (path.endsWith("/") ? path.substring(0, path.length() - 1) : path)
                                        + "/_bulk")
                        .putHeader("Content-Type", "application/x-ndjson");
        if (auth == Auth.SIGV4) {
            b.putHeader("x-amz-content-sha256", sha256(body));
        } else if (auth == Auth.BASIC) {
            b.putHeader("Authorization", basicAuthHeader);
        }
        return b.build();
    }

    /** Signs with SigV4 for the service {@code es}. */
    SdkHttpRequest sign(SdkHttpRequest request, byte[] body, AwsCredentialsIdentity identity) {
        return AwsV4HttpSigner.create()
                .sign(
                        r ->
                                r.identity(identity)
                                        .request(request)
                                        .payload(ContentStreamProvider.fromByteArray(body))
                                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "es")
                                        .putProperty(AwsV4HttpSigner.REGION_NAME, region))
                .request();
    }

    static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The request for the JDK client: every header but those it sets itself (Host is derived from
     * the URI as signed).
     */
    static HttpRequest toJdk(SdkHttpRequest r, byte[] body) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(r.getUri())
                        .timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> h : r.headers().entrySet()) {
            if (!h.getKey().equalsIgnoreCase("host")
                    && !h.getKey().equalsIgnoreCase("content-length")) {
                h.getValue().forEach(v -> b.header(h.getKey(), v));
            }
        }
        return b.build();
    }

    @Override
    public StatefulSinkWriter<EtlRecord, BufferedRequestState<Item>> restoreWriter(
            WriterInitContext context, Collection<BufferedRequestState<Item>> state) {
        return new Writer(this, context, state);
    }

    @Override
    public SimpleVersionedSerializer<BufferedRequestState<Item>> getWriterStateSerializer() {
        return new StateSerializer();
    }

    static final class Writer extends EtlWriter<Item> {
        private final OpenSearchOutput sink;
        private final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        private final IdentityProvider<? extends AwsCredentialsIdentity> credentials;
        private final Counter rejected;

        Writer(
                OpenSearchOutput sink,
                WriterInitContext context,
                Collection<BufferedRequestState<Item>> state) {
            super(sink, context, state);
            this.sink = sink;
            this.credentials =
                    sink.auth == Auth.SIGV4 ? DefaultCredentialsProvider.builder().build() : null;
            this.rejected =
                    context.metricGroup().addGroup(JobMetrics.GROUP).counter("openSearchRejected");
        }

        @Override
        protected void submitRequestEntries(List<Item> items, ResultHandler<Item> handler) {
            byte[] body = bulkBody(items);
            SdkHttpRequest unsigned = sink.request(body);
            java.util.concurrent.CompletableFuture<SdkHttpRequest> request =
                    credentials == null
                            ? java.util.concurrent.CompletableFuture.completedFuture(unsigned)
                            : credentials
                                    .resolveIdentity()
                                    .thenApply(id -> sink.sign(unsigned, body, id));
            request.thenCompose(
                            r ->
                                    http.sendAsync(
                                            toJdk(r, body),
                                            HttpResponse.BodyHandlers.ofByteArray()))
                    .whenComplete((response, error) -> handle(items, response, error, handler));
        }

        void handle(
                List<Item> items,
                HttpResponse<byte[]> response,
                Throwable error,
                ResultHandler<Item> handler) {
            if (error != null) {
                handler.retryForEntries(items); // connection trouble: the cluster may be back soon
                return;
            }
            int status = response.statusCode();
            if (status == 429 || status >= 500) {
                handler.retryForEntries(items);
                return;
            }
            if (status != 200) {
                handler.completeExceptionally(
                        new IOException(
                                "OpenSearch answered "
                                        + status
                                        + " to _bulk: "
                                        + new String(response.body(), StandardCharsets.UTF_8)));
                return;
            }
            Outcome o;
            try {
                o = outcome(items, Json.MAPPER.readTree(response.body()));
            } catch (IOException e) {
                handler.retryForEntries(items);
                return;
            }
            for (String why : o.rejected) {
                rejected.inc();
                LOG.warn("OpenSearch rejected {}", why);
            }
            if (o.retry.isEmpty()) {
                handler.complete();
            } else {
                handler.retryForEntries(o.retry);
            }
        }

        @Override
        protected long getSizeInBytes(Item i) {
            return i.json.length() + i.index.length() + (i.id == null ? 0 : i.id.length()) + 40;
        }
    }

    static final class StateSerializer extends AsyncSinkWriterStateSerializer<Item> {
        @Override
        protected void serializeRequestToStream(Item i, DataOutputStream out) throws IOException {
            out.writeUTF(i.index);
            out.writeBoolean(i.id != null);
            if (i.id != null) {
                out.writeUTF(i.id);
            }
            byte[] json = i.json.getBytes(StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
        }

        @Override
        protected Item deserializeRequestFromStream(long size, DataInputStream in)
                throws IOException {
            String index = in.readUTF();
            String id = in.readBoolean() ? in.readUTF() : null;
            byte[] json = new byte[in.readInt()];
            in.readFully(json);
            return new Item(index, id, new String(json, StandardCharsets.UTF_8));
        }

        @Override
        public int getVersion() {
            return 1;
        }
    }
}
