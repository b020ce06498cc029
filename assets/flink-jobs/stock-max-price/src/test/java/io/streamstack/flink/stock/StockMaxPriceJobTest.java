package io.streamstack.flink.stock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.DateHourBucketAssigner;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.KplDeserializationSchema;
import io.streamstack.flink.common.Parsed;
import io.streamstack.flink.common.UserRecord;
import io.streamstack.flink.common.testing.MiniClusters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's whole pipeline and sinks on a MiniCluster, from a bounded local source instead of
 * Kinesis.
 */
class StockMaxPriceJobTest {
    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.withReporter(REPORTER);

    static final StockMaxPriceJob.Settings SETTINGS =
            new StockMaxPriceJob.Settings(
                    "unused",
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(5));
    static final String[] TICKERS = {"AAPL", "AMZN", "MSFT", "INTC", "TBV"};
    static final long T0 = Instant.parse("2026-11-24T13:59:30Z").toEpochMilli();

    @TempDir Path out;

    static String json(Stock s) {
        return Json.MAPPER
                .createObjectNode()
                .put("EVENT_TIME", Json.isoMillis(s.getEventTimeMillis()))
                .put("TICKER", s.getTicker())
                .put("PRICE", s.getPrice())
                .toString();
    }

    @Test
    void windowsBadRecordsAndPartitionsFromTheWholePipeline() throws Exception {
        Random rnd = new Random(7);
        List<Stock> stocks = new ArrayList<>();
        List<byte[]> records = new ArrayList<>();
        int bad = 0;
        for (int i = 0; i < 3000; i++) {
            // 20 ms apart with up to 3 s of disorder (within the 5 s bound), across an hour
            // boundary.
            long ts = T0 + i * 20L + (rnd.nextInt(4) == 0 ? -rnd.nextInt(3000) : 0);
            Stock s =
                    new Stock(TICKERS[rnd.nextInt(TICKERS.length)], rnd.nextInt(10001) / 100.0, ts);
            stocks.add(s);
            records.add(json(s).getBytes(StandardCharsets.UTF_8));
            if (i % 100 == 0) {
                records.add(new byte[] {(byte) 0xF3, (byte) 0x89, 0, 1, 2});
                records.add(
                        "{\"EVENT_TIME\": \"soon\", \"TICKER\": \"AMZN\", \"PRICE\": 1}"
                                .getBytes(StandardCharsets.UTF_8));
                records.add(
                        "{\"EVENT_TIME\": \"2026-11-24T13:00:00Z\", \"TICKER\": \"AMZN\", \"PRICE\": \"1\"}"
                                .getBytes(StandardCharsets.UTF_8));
                bad += 3;
            }
        }
        KplDeserializationSchema<Stock> schema =
                new KplDeserializationSchema<>(new StockParser(), StockMaxPriceJob.STOCK, 1 << 20);
        List<Parsed<Stock>> parsed = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            parsed.add(
                    schema.parse(
                            new UserRecord("pk", null, records.get(i), 0, false),
                            "test",
                            "shardId-0",
                            Integer.toString(i)));
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(200);
        env.configure(new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none"));
        DataStream<Parsed<Stock>> in =
                env.fromData(parsed, Parsed.typeInfo(StockMaxPriceJob.STOCK))
                        .setParallelism(1)
                        .assignTimestampsAndWatermarks(StockMaxPriceJob.watermarks(SETTINGS))
                        .setParallelism(1);
        StockMaxPriceJob.sinks(StockMaxPriceJob.pipeline(in, SETTINGS), out.toUri().toString());
        JobExecutionResult result = env.execute("stock-max-price-test");

        // The bounded input ends with the final watermark at +inf: every window is output.
        ExpectedWindows expected =
                ExpectedWindows.compute(stocks, 5000, 10000, 5000, Long.MAX_VALUE);
        assertThat(expected.late).isEmpty();
        Map<String, Double> found = ExpectedWindows.readResults(out);
        assertThat(found).hasSize(expected.maxima.size()).isEqualTo(expected.maxima);

        // Result lines sit in the hour of their window start.
        try (Stream<Path> files = Files.walk(out.resolve("results"))) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".jsonl"))
                            .collect(Collectors.toList())) {
                String bucket = out.resolve("results").relativize(f.getParent()).toString();
                assertThat(f.getFileName().toString()).startsWith("part-");
                for (String line : Files.readAllLines(f)) {
                    JsonNode n = Json.MAPPER.readTree(line);
                    assertThat(n.fieldNames())
                            .toIterable()
                            .containsExactly("ticker", "max_price", "window_start", "window_end");
                    assertThat(bucket)
                            .isEqualTo(
                                    DateHourBucketAssigner.bucketOf(
                                            Instant.parse(n.get("window_start").asText())
                                                    .toEpochMilli()));
                }
            }
        }
        assertThat(Files.list(out.resolve("results")).map(p -> p.getFileName().toString()))
                .contains("dt=2026-11-24/hr=13".split("/")[0]);
        assertThat(ExpectedWindows.readLines(out.resolve("errors")))
                .hasSize(bad)
                .allSatisfy(n -> assertThat(n.get("reason").asText()).isNotBlank());
        long counted =
                REPORTER
                        .findMetrics(result.getJobID(), "kinesisanalytics.badRecords")
                        .values()
                        .stream()
                        .mapToLong(m -> ((Counter) m).getCount())
                        .sum();
        assertThat(counted)
                .as(
                        "defect 5: badRecords in the kinesisanalytics group, which Managed Flink exports")
                .isEqualTo(bad);
    }

    @Test
    void lateAndBadRecordCountersAreInTheGroupManagedFlinkExports() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.configure(new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none"));
        env.fromData(
                        List.of(new Stock("AMZN", 1.0, T0), new Stock("INTC", 2.0, T0 + 1)),
                        StockMaxPriceJob.STOCK)
                .process(
                        new StockMaxPriceJob.LateRecords(),
                        org.apache.flink.api.common.typeinfo.Types.POJO(
                                io.streamstack.flink.common.BadRecord.class))
                .sinkTo(new org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink<>());
        JobExecutionResult result = env.execute("late-records-metric");
        // Issue 19, defect 5: Managed Flink exports only the group "kinesisanalytics" (AWS "Use
        // custom metrics").
        assertThat(REPORTER.findMetrics(result.getJobID(), "kinesisanalytics.lateRecords").values())
                .as("defect 5: lateRecords registered under the kinesisanalytics group")
                .singleElement()
                .satisfies(m -> assertThat(((Counter) m).getCount()).isEqualTo(2));
        assertThat(REPORTER.findMetrics(result.getJobID(), "streamstack.lateRecords")).isEmpty();
    }

    /** The settings of the one property {@code key} = {@code value}. */
    static StockMaxPriceJob.Settings settingsOf(String key, String value) {
        return StockMaxPriceJob.Settings.from(
                io.streamstack.flink.common.JobProperties.of(Map.of(key, value), false));
    }

    @Test
    void theOutputBucketIsWrittenThroughS3a() {
        // Issue 19, defect 8: the FileSink's exactly-once commit needs the Hadoop S3 file system
        // (s3a://).
        StockMaxPriceJob.Settings s = settingsOf("OutputBucketName", "stock-output-123");
        assertThat(s.outputPath())
                .as("defect 8: the FileSink path built from OutputBucketName")
                .isEqualTo("s3a://stock-output-123");
        StockMaxPriceJob.Settings p = settingsOf("OutputPath", "s3://stock-output-123");
        assertThat(p.outputPath())
                .as("defect 8: an s3:// OutputPath is written as s3a://")
                .isEqualTo("s3a://stock-output-123");
    }
}
