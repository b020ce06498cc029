package io.streamstack.flink.stock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.LocalRun;
import io.streamstack.flink.common.testing.MiniClusters;
import io.streamstack.flink.common.testing.MotoEmulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * End to end on the emulator: the Rust producer (KPL aggregation on) writes stock records to a
 * Kinesis stream of the project's moto server; the job's real pipeline reads it with the real
 * Kinesis source (endpoint override, BASIC dummy credentials, HTTP/1.1, TRIM_HORIZON) in a
 * MiniCluster and writes to a local folder. Every expected window maximum is computed from the
 * produced records alone ({@link ExpectedWindows}).
 *
 * <p>Inputs (system properties, all required, a missing one fails the test): {@code
 * streamstack.repo}, {@code streamstack.venv} (default {@code <repo>/.venv}), {@code
 * streamstack.producer}.
 *
 * <p>The producer runs with {@code --max-in-flight 1}: with several PutRecords calls in flight,
 * records of different calls can reach the shard in either order, and which records are late
 * depends on that order; one call at a time keeps the shard's order the file's order, so that the
 * expected late records are exact.
 */
class StockMaxPriceIT {
    static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.withReporter(REPORTER);

    static final String[] TICKERS = {"AAPL", "AMZN", "MSFT", "INTC", "TBV"};
    static final Duration TIMEOUT = Duration.ofSeconds(120);

    static MotoEmulator moto;
    static Path producer;
    static Path work;

    @BeforeAll
    static void start() throws Exception {
        producer = MotoEmulator.requiredPath("streamstack.producer", null);
        assertThat(Files.isExecutable(producer)).as("%s is executable", producer).isTrue();
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "it-");
        moto = MotoEmulator.start(work);
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    static String line(long ts, String ticker, double price) {
        return Json.MAPPER
                .createObjectNode()
                .put("EVENT_TIME", Json.isoMillis(ts))
                .put("TICKER", ticker)
                .put("PRICE", price)
                .toString();
    }

    /** Runs the producer over the stocks' lines; returns its JSON summary. */
    static JsonNode produceStocks(String streamArn, List<Stock> stocks, String name)
            throws IOException, InterruptedException {
        return produce(
                streamArn,
                stocks.stream()
                        .map(s -> line(s.getEventTimeMillis(), s.getTicker(), s.getPrice()))
                        .collect(Collectors.toList()),
                name);
    }

    /** Runs the producer over the lines; returns its JSON summary. */
    static JsonNode produce(String streamArn, List<String> lines, String name)
            throws IOException, InterruptedException {
        Path file = work.resolve(name + ".jsonl");
        Files.write(file, lines, StandardCharsets.UTF_8);
        ProcessBuilder pb =
                new ProcessBuilder(
                                producer.toString(),
                                "--stream",
                                streamArn,
                                "--generator",
                                "file:" + file,
                                "--rate",
                                "max",
                                "--seed",
                                "7",
                                "--output",
                                "json",
                                "--max-in-flight",
                                "1",
                                "--failure-file",
                                work.resolve(name + "-failures.jsonl").toString())
                        .redirectError(work.resolve(name + "-producer.log").toFile());
        pb.environment().putAll(moto.clientEnvironment());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor())
                .as("producer exit; stderr in %s", work.resolve(name + "-producer.log"))
                .isZero();
        JsonNode summary = Json.MAPPER.readTree(out);
        assertThat(summary.get("failed_records").asLong()).isZero();
        return summary;
    }

    /**
     * Starts the job's real pipeline with the real Kinesis source; restarts off, so any exception
     * fails the job.
     */
    static JobClient startJob(String streamArn, Path output, Map<String, String> extra)
            throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("InputStreamArn", streamArn);
        props.put("OutputPath", output.toUri().toString());
        props.put("InitialPosition", "TRIM_HORIZON");
        props.put("CheckpointIntervalMillis", "500");
        props.put("Parallelism", "1");
        props.put("source.reader.empty-records-fetch-interval", "100 ms");
        moto.sourceOptions().forEach((k, v) -> props.put((String) k, (String) v));
        props.putAll(extra);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none"));
        JobProperties jobProps = JobProperties.of(props, true);
        LocalRun.configure(env, jobProps); // what main() runs, on properties of a local run
        StockMaxPriceJob.build(env, jobProps);
        return env.executeAsync("stock-max-price-it");
    }

    static void await(String what, JobClient job, BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!done.getAsBoolean()) {
            JobStatus status = job.getJobStatus().get();
            assertThat(status)
                    .as("job status while waiting for %s", what)
                    .isIn(JobStatus.RUNNING, JobStatus.CREATED, JobStatus.INITIALIZING);
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out after " + TIMEOUT.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    static long counter(JobClient job, String name) {
        // Issue 19, defect 5: the group Managed Flink exports.
        return REPORTER.findMetrics(job.getJobID(), "kinesisanalytics." + name).values().stream()
                .mapToLong(m -> ((Counter) m).getCount())
                .sum();
    }

    static List<JsonNode> errors(Path output) {
        return ExpectedWindows.readLines(output.resolve("errors"));
    }

    static void cancel(JobClient job) throws Exception {
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        job.cancel().get();
    }

    /**
     * Several tickers over many windows, then late records: every window's maximum and every late
     * record.
     */
    @Test
    void everyWindowMaximumAndEveryLateRecord() throws Exception {
        String arn = moto.createStream("stocks-windows", 1);
        Path output = work.resolve("out-windows");
        Random rnd = new Random(7);
        long t0 = Instant.parse("2026-11-24T13:59:20Z").toEpochMilli();

        // Phase 1: 40 s of records, 20 a second, up to 2 s out of order (within the 5 s bound: none
        // late).
        List<Stock> phase1 = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            long ts = t0 + i * 50L - (rnd.nextInt(5) == 0 ? rnd.nextInt(2000) : 0);
            phase1.add(
                    new Stock(
                            TICKERS[rnd.nextInt(TICKERS.length)], rnd.nextInt(10001) / 100.0, ts));
        }
        long max1 = phase1.stream().mapToLong(Stock::getEventTimeMillis).max().orElseThrow();
        ExpectedWindows afterPhase1 =
                ExpectedWindows.compute(phase1, 5000, 10000, 5000, max1 - 5001);
        assertThat(afterPhase1.late).isEmpty();

        JobClient job = startJob(arn, output, Map.of());
        produceStocks(arn, phase1, "phase1");
        // Once phase 1's windows are committed, the watermark has passed the last of them for sure.
        await(
                "phase 1 windows",
                job,
                () ->
                        ExpectedWindows.readResults(output)
                                .keySet()
                                .containsAll(afterPhase1.maxima.keySet()));
        long lastFired =
                afterPhase1.maxima.keySet().stream()
                        .mapToLong(k -> Instant.parse(k.split(" ")[2]).toEpochMilli() - 1)
                        .max()
                        .orElseThrow();

        // Phase 2: records all of whose windows have fired (late, with prices that would otherwise
        // win),
        // then on-time records after phase 1, then a sentinel an hour later so that every window
        // fires.
        List<Stock> phase2 = new ArrayList<>();
        List<Stock> designedLate = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            long ts = t0 + rnd.nextInt((int) (lastFired - 10000 - t0));
            Stock s = new Stock(TICKERS[i % TICKERS.length], 1000 + i, ts);
            designedLate.add(s);
            phase2.add(s);
        }
        for (int i = 1; i <= 400; i++) {
            phase2.add(
                    new Stock(
                            TICKERS[rnd.nextInt(TICKERS.length)],
                            rnd.nextInt(10001) / 100.0,
                            max1 + i * 50L));
        }
        long sentinel = max1 + 3_600_000;
        phase2.add(new Stock("AMZN", 1, sentinel));

        List<Stock> all = new ArrayList<>(phase1);
        all.addAll(phase2);
        ExpectedWindows expected = ExpectedWindows.compute(all, 5000, 10000, 5000, sentinel - 5001);
        assertThat(expected.late).containsExactlyElementsOf(designedLate);

        produceStocks(arn, phase2, "phase2");
        await(
                "all windows",
                job,
                () -> ExpectedWindows.readResults(output).size() >= expected.maxima.size());
        await("late records in errors/", job, () -> errors(output).size() >= designedLate.size());
        Thread.sleep(1500); // two more checkpoints: nothing else may show up
        cancel(job);

        Map<String, Double> found = ExpectedWindows.readResults(output);
        assertThat(found).as("every window of every ticker").isEqualTo(expected.maxima);
        List<JsonNode> late = errors(output);
        assertThat(late)
                .hasSize(designedLate.size())
                .allSatisfy(n -> assertThat(n.get("reason").asText()).isEqualTo("late"));
        assertThat(
                        late.stream()
                                .map(
                                        n ->
                                                new String(
                                                        java.util.Base64.getDecoder()
                                                                .decode(
                                                                        n.get("data_base64")
                                                                                .asText()),
                                                        StandardCharsets.UTF_8))
                                .collect(Collectors.toSet()))
                .isEqualTo(
                        designedLate.stream()
                                .map(s -> line(s.getEventTimeMillis(), s.getTicker(), s.getPrice()))
                                .collect(Collectors.toSet()));
        assertThat(counter(job, "lateRecords")).isEqualTo(designedLate.size());
        System.out.printf(
                "windows: %d windows of %d tickers from %d records, %d late%n",
                found.size(), TICKERS.length, all.size(), late.size());
        assertThat(counter(job, "badRecords")).isZero();
    }

    /**
     * Malformed records of every kind are counted, written to errors/ and never fail the
     * (restart-less) job.
     */
    @Test
    void badRecordsAreCountedAndKeptAndTheJobKeepsRunning() throws Exception {
        String arn = moto.createStream("stocks-bad", 1);
        Path output = work.resolve("out-bad");
        long t0 = Instant.parse("2026-11-24T08:00:00Z").toEpochMilli();
        Random rnd = new Random(8);
        List<String> lines = new ArrayList<>();
        List<Stock> good = new ArrayList<>();
        int bad = 0;
        for (int i = 0; i < 600; i++) {
            Stock s =
                    new Stock(
                            TICKERS[rnd.nextInt(TICKERS.length)],
                            rnd.nextInt(10001) / 100.0,
                            t0 + i * 50L);
            good.add(s);
            lines.add(line(s.getEventTimeMillis(), s.getTicker(), s.getPrice()));
            if (i % 50 == 25) {
                // Inside the producer's KPL aggregates, among good records.
                lines.add(
                        "{\"EVENT_TIME\": \"2026-11-24T08:00:00Z\", \"TICKER\": \"AMZN\", \"PRICE\": 1");
                lines.add("{\"EVENT_TIME\": 1764000000, \"TICKER\": \"AMZN\", \"PRICE\": 1}");
                lines.add(
                        "{\"EVENT_TIME\": \"2026-11-24T08:00:00Z\", \"TICKER\": \"\", \"PRICE\": 1}");
                lines.add(
                        "{\"EVENT_TIME\": \"2026-11-24T08:00:00Z\", \"TICKER\": \"AMZN\", \"PRICE\": \"12\"}");
                lines.add("[\"not\", \"an\", \"object\"]");
                bad += 5;
            }
        }
        long sentinel = t0 + 3_600_000;
        good.add(new Stock("AMZN", 1, sentinel));
        lines.add(line(sentinel, "AMZN", 1));

        JobClient job = startJob(arn, output, Map.of("MaxRecordBytes", "2000"));
        byte[] big = line(t0, "AMZN", 99).concat(" ".repeat(2500)).getBytes(StandardCharsets.UTF_8);
        // Records the producer would not make: raw binary, a broken KPL aggregate, one over
        // MaxRecordBytes.
        try (KinesisClient k = moto.kinesis()) {
            byte[] binary = new byte[300];
            rnd.nextBytes(binary);
            byte[] brokenAggregate = new byte[64];
            rnd.nextBytes(brokenAggregate);
            System.arraycopy(
                    new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2},
                    0,
                    brokenAggregate,
                    0,
                    4);
            for (byte[] data : List.of(binary, brokenAggregate, big)) {
                k.putRecord(
                        b ->
                                b.streamARN(arn)
                                        .partitionKey("raw")
                                        .data(SdkBytes.fromByteArray(data)));
                bad++;
            }
        }
        produce(arn, lines, "mixed");
        ExpectedWindows expected =
                ExpectedWindows.compute(good, 5000, 10000, 5000, sentinel - 5001);
        int expectedBad = bad;
        await(
                "all windows",
                job,
                () -> ExpectedWindows.readResults(output).size() >= expected.maxima.size());
        await("bad records in errors/", job, () -> errors(output).size() >= expectedBad);
        Thread.sleep(1500);
        cancel(job);

        assertThat(ExpectedWindows.readResults(output)).isEqualTo(expected.maxima);
        List<JsonNode> errors = errors(output);
        assertThat(errors).hasSize(expectedBad);
        Map<String, Long> reasons =
                errors.stream()
                        .collect(
                                Collectors.groupingBy(
                                        n ->
                                                n.get("reason")
                                                        .asText()
                                                        .replaceAll("[:(].*", "")
                                                        .trim(),
                                        Collectors.counting()));
        assertThat(reasons)
                .isEqualTo(
                        Map.of(
                                "not JSON",
                                12L + 2, // the cut lines, the raw binary and the broken
                                // aggregate (a plain record)
                                "EVENT_TIME must be an ISO-8601 string",
                                12L,
                                "TICKER must be a non-empty string",
                                12L,
                                "PRICE must be a number",
                                12L,
                                "not a JSON object",
                                12L,
                                "record of " + big.length + " bytes is over MaxRecordBytes 2000",
                                1L));
        System.out.printf(
                "bad records: %d windows, %d bad records counted and written to errors/%n",
                expected.maxima.size(), expectedBad);
        assertThat(counter(job, "badRecords")).isEqualTo(expectedBad);
        assertThat(counter(job, "lateRecords")).isZero();
    }
}
