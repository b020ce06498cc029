package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import io.streamstack.flink.common.BadRecord;
import io.streamstack.flink.common.BadRecordException;
import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.Parsed;
import io.streamstack.flink.common.testing.MiniClusters;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.codelibs.opensearch.runner.OpenSearchRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenSearch sink against a real node (OpenSearch 2.19 in this JVM, single-node): taxi trips
 * indexed by id into an index taken from each record, the same records sent again (a replay after a
 * restore) rewrite the same documents, and a document the node rejects for good (a mapping
 * conflict) is counted and dropped while the job goes on; a job stopped with a savepoint mid-stream
 * and restored from it leaves every document once. (Forcing a 429 from a node is not deterministic:
 * the retry of such items is tested on recorded answers.)
 */
class OpenSearchPipelineIT {
    static final int TRIPS = 300;
    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.withReporter(REPORTER);

    static OpenSearchRunner runner;
    static Path base;
    static String endpoint;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startNode() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        base = Files.createTempDirectory("opensearch");
        runner = new OpenSearchRunner();
        runner.setMaxHttpPort(
                port + 50); // the runner takes the first free port above the base, up to this
        runner.onBuild((number, settings) -> settings.put("discovery.type", "single-node"))
                .build(
                        OpenSearchRunner.newConfigs()
                                .basePath(base.toString())
                                .clusterName("etl")
                                .numOfNode(1)
                                .baseHttpPort(port - 1));
        runner.ensureYellow();
        endpoint = "http://127.0.0.1:" + runner.node().settings().get("http.port");
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (runner != null) {
            runner.close();
            runner.clean();
        }
    }

    static JsonNode call(String method, String path, String body) throws Exception {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(endpoint + path))
                                .method(
                                        method,
                                        body == null
                                                ? HttpRequest.BodyPublishers.noBody()
                                                : HttpRequest.BodyPublishers.ofString(body))
                                .header("Content-Type", "application/json")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isLessThan(300);
        return Json.MAPPER.readTree(r.body());
    }

    /** Parses like the sources do. */
    static final class Parse implements MapFunction<String, Parsed<EtlRecord>> {
        private static final long serialVersionUID = 1L;
        private final EtlParser parser;

        Parse(EtlParser parser) {
            this.parser = parser;
        }

        @Override
        public Parsed<EtlRecord> map(String json) {
            try {
                return Parsed.ok(parser.parse(json.getBytes(StandardCharsets.UTF_8)));
            } catch (BadRecordException e) {
                return Parsed.bad(BadRecord.of(e.reason(), "test", "0", "0", 0, null, null));
            }
        }
    }

    JobExecutionResult run(EtlSettings s, List<String> records) throws Exception {
        StreamExecutionEnvironment env = MiniClusters.environment(null);
        env.setParallelism(2);
        DataStream<Parsed<EtlRecord>> parsed =
                env.fromData(records)
                        .map(
                                new Parse(new EtlParser(s)),
                                Parsed.typeInfo(Types.POJO(EtlRecord.class)))
                        .assignTimestampsAndWatermarks(StreamingEtlJob.watermarks(s));
        StreamingEtlJob.sinks(StreamingEtlJob.pipeline(parsed), s);
        return env.execute("streaming-etl-opensearch-it");
    }

    /**
     * The OpenSearch sink alone, documents keyed by {@code trip_id}, and the index setting {@code
     * indexKey} = {@code indexValue}. The Kafka source is never built: the tests feed the pipeline
     * from local data.
     */
    static EtlSettings settings(String indexKey, String indexValue) {
        return EtlSettings.from(
                JobProperties.of(
                        Map.of(
                                "InputKafkaBootstrapServers",
                                "unused:9092",
                                "InputKafkaTopic",
                                "unused",
                                "OutputOpenSearchEndpoint",
                                endpoint,
                                indexKey,
                                indexValue,
                                "OutputOpenSearchIdField",
                                "trip_id"),
                        false));
    }

    @Test
    void documentsByIdIntoTheirIndexAReplayRewritesThemARejectedOneIsCounted() throws Exception {
        call(
                "PUT",
                "/trips-crd",
                "{\"mappings\":{\"properties\":{\"fare_amount\":{\"type\":\"double\"}}}}");
        Map<String, String> expected = new HashMap<>();
        List<String> records = new ArrayList<>();
        long t0 = System.currentTimeMillis() - 3_600_000L;
        for (long i = 0; i < TRIPS; i++) {
            TaxiTrips.Trip t = TaxiTrips.trip(i, t0, 1000);
            String json =
                    "{\"idx\":\"trips-" + t.payment().toLowerCase() + "\"," + t.json().substring(1);
            expected.put(t.tripId(), json);
            records.add(json);
        }
        // A mapping conflict: the fare as text in an index that maps it as a double.
        records.add(
                TaxiTrips.trip(9_999, t0, 1000)
                        .json()
                        .replaceFirst("^\\{", "{\"idx\":\"trips-crd\",")
                        .replaceFirst("\"fare_amount\":[0-9.]+", "\"fare_amount\":\"n/a\""));
        EtlSettings s = settings("OutputOpenSearchIndexField", "idx");

        JobExecutionResult first = run(s, records);
        call("POST", "/trips-*/_refresh", null);
        assertThat(call("GET", "/trips-*/_count", null).get("count").asLong()).isEqualTo(TRIPS);
        long rejected =
                REPORTER.findMetrics(first.getJobID(), "openSearchRejected").values().stream()
                        .mapToLong(m -> ((Counter) m).getCount())
                        .sum();
        assertThat(rejected)
                .as("the mapping conflict, counted (and logged), not retried")
                .isEqualTo(1);

        run(s, records); // the same records again, as after a restore
        call("POST", "/trips-*/_refresh", null);
        assertThat(call("GET", "/trips-*/_count", null).get("count").asLong())
                .as("documents by id: a replay rewrites them instead of adding copies")
                .isEqualTo(TRIPS);
        for (String id :
                List.of("0000002a-0000000000", "0000002a-0000000007", "0000002a-0000000299")) {
            JsonNode source = Json.MAPPER.readTree(expected.get(id));
            JsonNode doc = call("GET", "/" + source.get("idx").asText() + "/_doc/" + id, null);
            assertThat(doc.get("_source")).isEqualTo(source);
        }
        assertThat(
                        call("GET", "/trips-csh/_count", null).get("count").asLong()
                                + call("GET", "/trips-crd/_count", null).get("count").asLong())
                .isEqualTo(TRIPS);
    }

    /**
     * Trip {@code i} as the sources parse it, slowly (a few ms a record), so that the job can be
     * stopped mid-stream.
     */
    static final class SlowTrips implements MapFunction<Long, Parsed<EtlRecord>> {
        private static final long serialVersionUID = 1L;
        private final EtlParser parser;
        private final long t0;

        SlowTrips(EtlParser parser, long t0) {
            this.parser = parser;
            this.t0 = t0;
        }

        @Override
        public Parsed<EtlRecord> map(Long i) throws Exception {
            Thread.sleep(4);
            return Parsed.ok(
                    parser.parse(
                            TaxiTrips.trip(i, t0, 1000).json().getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** The job's pipeline and sinks over a checkpointed source of trips 0 .. n-1. */
    static StreamExecutionEnvironment slowJob(EtlSettings s, long n, long t0, String savepoint) {
        StreamExecutionEnvironment env = MiniClusters.environment(savepoint);
        env.setParallelism(2);
        DataStream<Parsed<EtlRecord>> parsed =
                env.fromSource(
                                new NumberSequenceSource(0, n - 1),
                                WatermarkStrategy.noWatermarks(),
                                "trip numbers")
                        .uid("trip-numbers")
                        .map(
                                new SlowTrips(new EtlParser(s), t0),
                                Parsed.typeInfo(Types.POJO(EtlRecord.class)))
                        .uid("slow-trips")
                        .assignTimestampsAndWatermarks(StreamingEtlJob.watermarks(s))
                        .uid("watermarks");
        StreamingEtlJob.sinks(StreamingEtlJob.pipeline(parsed), s);
        return env;
    }

    /**
     * Issue #20: stopped with a savepoint mid-stream and restarted from it, the sink (its buffered
     * requests in the savepoint) leaves every trip once: count == distinct ids == produced.
     */
    @Test
    void aRestartFromASavepointMidStreamLeavesEveryDocumentOnce(@TempDir Path savepoints)
            throws Exception {
        final long n = 1500;
        long t0 = System.currentTimeMillis() - 3_600_000L;
        EtlSettings s = settings("OutputOpenSearchIndex", "savepoint-trips");
        call("PUT", "/savepoint-trips", "{}");
        JobClient first = slowJob(s, n, t0, null).executeAsync("opensearch-savepoint-1");
        String savepoint;
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            long seen = 0;
            while (seen < n / 5) {
                assertThat(System.nanoTime()).as("documents before the stop").isLessThan(deadline);
                Thread.sleep(200);
                seen = count("savepoint-trips");
            }
            savepoint =
                    first.stopWithSavepoint(
                                    false,
                                    savepoints.toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get();
        } finally {
            if (!first.getJobStatus().get().isGloballyTerminalState()) {
                first.cancel().get();
            }
        }
        long atStop = count("savepoint-trips");
        assertThat(atStop).as("stopped mid-stream").isGreaterThan(0).isLessThan(n);

        slowJob(s, n, t0, savepoint).execute("opensearch-savepoint-2");
        call("POST", "/savepoint-trips/_refresh", null);
        JsonNode r =
                call(
                        "POST",
                        "/savepoint-trips/_search",
                        "{\"size\":0,\"track_total_hits\":true,\"aggs\":{\"ids\":"
                                + "{\"cardinality\":{\"field\":\"trip_id.keyword\","
                                + "\"precision_threshold\":40000}}}}");
        long total = r.get("hits").get("total").get("value").asLong();
        long distinct = r.get("aggregations").get("ids").get("value").asLong();
        System.out.printf(
                "OpenSearchPipelineIT: %d documents at the stop, %d after the restore, %d distinct"
                        + " ids, %d produced%n",
                atStop, total, distinct, n);
        assertThat(total).as("documents after the restore").isEqualTo(n);
        assertThat(distinct).as("distinct trip ids").isEqualTo(n);
        assertThat(call("GET", "/savepoint-trips/_doc/0000002a-0000001499", null).get("found"))
                .isEqualTo(BooleanNode.TRUE);
    }

    static long count(String index) throws Exception {
        call("POST", "/" + index + "/_refresh", null);
        return call("GET", "/" + index + "/_count", null).get("count").asLong();
    }
}
