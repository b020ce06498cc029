package io.streamstack.flink.stock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamstack.flink.common.BadRecord;
import io.streamstack.flink.common.BadRecords;
import io.streamstack.flink.common.JobMetrics;
import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.JsonLines;
import io.streamstack.flink.common.KinesisSources;
import io.streamstack.flink.common.LocalRun;
import io.streamstack.flink.common.OutputPaths;
import io.streamstack.flink.common.Parsed;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Pattern 2 ({@code kpl-kds-kda}): the maximum PRICE per TICKER over sliding event-time windows (10
 * s every 5 s by default) of the KPL-aggregated stock records of a Kinesis stream, one JSON line
 * per window and ticker under {@code <OutputPath>/results/dt=.../hr=.../} (by window start),
 * committed on checkpoints. Bad records (malformed, mistyped, oversized, garbage) and late records
 * are counted ({@code badRecords}, {@code lateRecords} in the metric group {@code
 * kinesisanalytics}, which Managed Flink exports) and written under {@code <OutputPath>/errors/};
 * none of them fails the job.
 */
public final class StockMaxPriceJob {
    private StockMaxPriceJob() {}

    public static final String JOB_NAME = "stock-max-price";

    /** Records behind the watermark for all of their windows. */
    public static final OutputTag<Stock> LATE =
            new OutputTag<>("late-stocks", Types.POJO(Stock.class));

    static final TypeInformation<Stock> STOCK = Types.POJO(Stock.class);
    static final TypeInformation<WindowMax> WINDOW_MAX = Types.POJO(WindowMax.class);

    /**
     * The job's settings from its properties.
     *
     * @param outputPath the folder URI results and errors are written under
     * @param maxOutOfOrderness the watermark's bound
     * @param idleTimeout a split without records for this long stops holding the watermark back
     * @param windowSize the sliding windows' size
     * @param windowSlide the sliding windows' slide
     */
    public record Settings(
            String outputPath,
            Duration maxOutOfOrderness,
            Duration idleTimeout,
            Duration windowSize,
            Duration windowSlide)
            implements Serializable {
        public Settings {
            if (windowSize.isZero()
                    || windowSlide.isZero()
                    || windowSlide.compareTo(windowSize) > 0) {
                throw new IllegalArgumentException(
                        "properties WindowSizeSeconds and WindowSlideSeconds must be > 0 "
                                + "with the slide at most the size, got "
                                + windowSize.toSeconds()
                                + " and "
                                + windowSlide.toSeconds());
            }
        }

        /** Reads and checks the settings; the message of the exception is the one line to show. */
        public static Settings from(JobProperties p) {
            return new Settings(
                    OutputPaths.of(p),
                    p.getSeconds("MaxOutOfOrdernessSeconds", 5),
                    p.getSeconds("IdleTimeoutSeconds", 60),
                    p.getSeconds("WindowSizeSeconds", 10),
                    p.getSeconds("WindowSlideSeconds", 5));
        }
    }

    public static void main(String[] args) throws Exception {
        JobProperties props = JobProperties.load(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        LocalRun.configure(env, props);
        build(env, props);
        env.execute(JOB_NAME);
    }

    /**
     * The whole job from its properties: Kinesis source, pipeline, sinks (checkpointing and
     * parallelism are {@link LocalRun}'s, set by {@link #main} for local runs only).
     */
    public static void build(StreamExecutionEnvironment env, JobProperties props) {
        Settings settings = Settings.from(props);
        DataStream<Parsed<Stock>> parsed =
                env.fromSource(
                                KinesisSources.parsed(props, new StockParser(), STOCK),
                                watermarks(settings),
                                "Kinesis source")
                        .uid("kinesis-source");
        sinks(pipeline(parsed, settings), settings.outputPath());
    }

    /**
     * Event time from EVENT_TIME, watermarks max seen - out-of-orderness - 1 ms, idle after the
     * idle timeout. Bad records carry no event time and do not move the watermark.
     */
    public static WatermarkStrategy<Parsed<Stock>> watermarks(Settings s) {
        return WatermarkStrategy.<Parsed<Stock>>forBoundedOutOfOrderness(s.maxOutOfOrderness())
                .withTimestampAssigner(
                        (p, ts) -> p.isOk() ? p.getValue().getEventTimeMillis() : Long.MIN_VALUE)
                .withIdleness(s.idleTimeout());
    }

    /**
     * The job's two outputs.
     *
     * @param results one maximum per window and ticker
     * @param errors bad and late records
     */
    public record Outputs(DataStream<WindowMax> results, DataStream<BadRecord> errors) {}

    /** The whole pipeline after the source (timestamps and watermarks already assigned). */
    public static Outputs pipeline(DataStream<Parsed<Stock>> parsed, Settings s) {
        SingleOutputStreamOperator<Stock> stocks = BadRecords.split(parsed, STOCK);
        SingleOutputStreamOperator<WindowMax> maxima = windowMaxima(stocks, s);
        DataStream<BadRecord> late =
                maxima.getSideOutput(LATE)
                        .process(new LateRecords(), Types.POJO(BadRecord.class))
                        .uid("late-records")
                        .name("Count late records");
        return new Outputs(maxima, stocks.getSideOutput(BadRecords.TAG).union(late));
    }

    /**
     * The window operator: max PRICE per TICKER over sliding event-time windows; late records to
     * {@link #LATE}.
     */
    public static SingleOutputStreamOperator<WindowMax> windowMaxima(
            DataStream<Stock> stocks, Settings s) {
        return stocks.keyBy(Stock::getTicker, Types.STRING)
                .window(SlidingEventTimeWindows.of(s.windowSize(), s.windowSlide()))
                .sideOutputLateData(LATE)
                .aggregate(new MaxPrice(), new EmitWindow(), Types.DOUBLE, Types.DOUBLE, WINDOW_MAX)
                .uid("max-price-window")
                .name("Max price per ticker and window");
    }

    /** Writes the results and errors sinks. */
    public static void sinks(Outputs o, String outputPath) {
        o.results()
                .sinkTo(
                        JsonLines.results(
                                outputPath,
                                StockMaxPriceJob::resultJson,
                                WindowMax::getWindowStart))
                .uid("results-sink")
                .name("Results");
        o.errors().sinkTo(JsonLines.errors(outputPath)).uid("errors-sink").name("Errors");
    }

    /** {@code {"ticker":"AMZN","max_price":99.12,"window_start":"...Z","window_end":"...Z"}}. */
    public static ObjectNode resultJson(WindowMax w) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("ticker", w.getTicker());
        n.put("max_price", w.getMaxPrice());
        n.put("window_start", Json.isoMillis(w.getWindowStart()));
        n.put("window_end", Json.isoMillis(w.getWindowEnd()));
        return n;
    }

    /** The maximum of the prices: one double of state per window and key. */
    static final class MaxPrice implements AggregateFunction<Stock, Double, Double> {
        private static final long serialVersionUID = 1L;

        @Override
        public Double createAccumulator() {
            return Double.NEGATIVE_INFINITY;
        }

        @Override
        public Double add(Stock value, Double max) {
            return Math.max(max, value.getPrice());
        }

        @Override
        public Double getResult(Double max) {
            return max;
        }

        @Override
        public Double merge(Double a, Double b) {
            return Math.max(a, b);
        }
    }

    /** Adds the key and the window to the maximum. */
    static final class EmitWindow
            extends ProcessWindowFunction<Double, WindowMax, String, TimeWindow> {
        private static final long serialVersionUID = 1L;

        @Override
        public void process(
                String ticker, Context context, Iterable<Double> maxima, Collector<WindowMax> out) {
            for (Double max : maxima) {
                out.collect(
                        new WindowMax(
                                ticker,
                                max,
                                context.window().getStart(),
                                context.window().getEnd()));
            }
        }
    }

    /**
     * Counts late records ({@code lateRecords}) and turns them into errors lines with reason {@code
     * late}, the record (as JSON) in {@code data_base64} and its ticker as the partition key.
     */
    static final class LateRecords extends ProcessFunction<Stock, BadRecord> {
        private static final long serialVersionUID = 1L;
        private transient Counter late;

        @Override
        public void open(OpenContext openContext) {
            late = JobMetrics.group(getRuntimeContext()).counter("lateRecords");
        }

        @Override
        public void processElement(Stock s, Context ctx, Collector<BadRecord> out) {
            late.inc();
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("EVENT_TIME", Json.isoMillis(s.getEventTimeMillis()));
            n.put("TICKER", s.getTicker());
            n.put("PRICE", s.getPrice());
            out.collect(
                    BadRecord.of(
                            "late",
                            null,
                            null,
                            null,
                            0,
                            s.getTicker(),
                            n.toString().getBytes(StandardCharsets.UTF_8)));
        }
    }
}
