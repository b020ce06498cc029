package io.streamstack.flink.stock;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.KplDeserializationSchema;
import io.streamstack.flink.common.Parsed;
import io.streamstack.flink.common.testing.KplAggregates;
import io.streamstack.flink.common.testing.MiniClusters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * Throughput of the pattern 2 pipeline on a MiniCluster: 1,000,000 stock records in KPL aggregates
 * of 100 (as the producer sends them), de-aggregated and parsed by the job's deserialization
 * schema, windowed and written by the job's sinks, from a bounded local source. Excluded by
 * default; run with {@code mvn -B -o verify -Pbench -DskipITs -pl common,stock-max-price -am}.
 */
@Tag("bench")
class StockMaxPriceBenchTest {
    static final int RECORDS = 1_000_000;
    static final int PER_AGGREGATE = 100;
    static final String[] TICKERS = {"AAPL", "AMZN", "MSFT", "INTC", "TBV"};

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = MiniClusters.oneTaskManager(2);

    @TempDir Path out;

    /** Aggregate number i: records i*100 .. i*100+99, 100 records per second of event time. */
    static final class MakeAggregate implements MapFunction<Long, Record> {
        private static final long serialVersionUID = 1L;
        static final long T0 = Instant.parse("2026-11-24T13:00:00Z").toEpochMilli();

        @Override
        public Record map(Long i) {
            List<byte[]> records = new ArrayList<>(PER_AGGREGATE);
            for (long n = i * PER_AGGREGATE; n < (i + 1) * PER_AGGREGATE; n++) {
                records.add(
                        ("{\"EVENT_TIME\": \""
                                        + Json.isoMillis(T0 + n * 10)
                                        + "\", \"TICKER\": \""
                                        + TICKERS[(int) (n % TICKERS.length)]
                                        + "\", \"PRICE\": "
                                        + (n * 7919 % 10000) / 100.0
                                        + "}")
                                .getBytes(StandardCharsets.UTF_8));
            }
            return Record.builder()
                    .partitionKey("pk")
                    .sequenceNumber(Long.toString(i))
                    .data(SdkBytes.fromByteArrayUnsafe(KplAggregates.aggregate("pk", records)))
                    .build();
        }
    }

    /** What the Kinesis source does with each record. */
    static final class Deserialize implements FlatMapFunction<Record, Parsed<Stock>> {
        private static final long serialVersionUID = 1L;
        private final KplDeserializationSchema<Stock> schema =
                new KplDeserializationSchema<>(new StockParser(), StockMaxPriceJob.STOCK, 1 << 20);

        @Override
        public void flatMap(Record r, Collector<Parsed<Stock>> out) {
            schema.deserialize(r, "bench", "shardId-000000000000", out);
        }
    }

    @org.junit.jupiter.api.BeforeAll
    static void warmUp(@TempDir Path dir) throws Exception {
        run(2, dir, RECORDS / 5); // JIT and class loading, not measured
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 2})
    void throughput(int parallelism) throws Exception {
        double seconds = run(parallelism, out, RECORDS);
        double rate = RECORDS / seconds;
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(
                "BENCH parallelism %d on %d cores: %,d records in %.2f s = %,.0f records/s, %,.0f records/s per"
                        + " busy core (%.0fx one shard's 1,000 records/s write limit)%n",
                parallelism,
                cores,
                RECORDS,
                seconds,
                rate,
                rate / Math.min(parallelism, cores),
                rate / 1000);
        assertThat(ExpectedWindows.readResults(Path.of(out.toUri())))
                .hasSize(5 * (RECORDS / 100 / 5 + 1));
    }

    /**
     * Runs the pipeline over {@code records} records; returns the job's net run time in seconds.
     */
    static double run(int parallelism, Path out, int records) throws Exception {
        StockMaxPriceJob.Settings settings =
                new StockMaxPriceJob.Settings(
                        out.toUri().toString(),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(5));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.enableCheckpointing(1000);
        env.configure(new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none"));
        DataStream<Parsed<Stock>> parsed =
                env.fromSequence(0, records / PER_AGGREGATE - 1)
                        .map(
                                new MakeAggregate(),
                                org.apache.flink.api.common.typeinfo.TypeInformation.of(
                                        Record.class))
                        .flatMap(new Deserialize(), Parsed.typeInfo(StockMaxPriceJob.STOCK))
                        .assignTimestampsAndWatermarks(StockMaxPriceJob.watermarks(settings));
        StockMaxPriceJob.sinks(StockMaxPriceJob.pipeline(parsed, settings), settings.outputPath());
        JobExecutionResult result = env.execute("stock-max-price-bench-p" + parallelism);
        return result.getNetRuntime() / 1000.0;
    }
}
