package io.streamstack.flink.stock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The job's own window operator (taken from its pipeline) in Flink's keyed operator test harness.
 */
@SuppressWarnings("try") // the harness's close() throws Exception
class WindowMaximaHarnessTest {
    private static final StockMaxPriceJob.Settings SETTINGS =
            new StockMaxPriceJob.Settings(
                    "file:///unused",
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(5));

    @SuppressWarnings("unchecked")
    private static KeyedOneInputStreamOperatorTestHarness<String, Stock, WindowMax> harness()
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<Stock> in = env.fromData(List.of(new Stock("X", 1, 0)), StockMaxPriceJob.STOCK);
        SingleOutputStreamOperator<WindowMax> out = StockMaxPriceJob.windowMaxima(in, SETTINGS);
        OneInputTransformation<Stock, WindowMax> t =
                (OneInputTransformation<Stock, WindowMax>) out.getTransformation();
        assertThat(t.getUid()).isEqualTo("max-price-window");
        WindowOperator<?, ?, ?, ?, ?> op = (WindowOperator<?, ?, ?, ?, ?>) t.getOperator();
        // One value per window and key: an aggregating state, not the window's elements.
        assertThat(op.getStateDescriptor()).isInstanceOf(AggregatingStateDescriptor.class);
        KeyedOneInputStreamOperatorTestHarness<String, Stock, WindowMax> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        t.getOperator(),
                        (KeySelector<Stock, String>) t.getStateKeySelector(),
                        Types.STRING);
        h.open();
        return h;
    }

    private static void add(
            KeyedOneInputStreamOperatorTestHarness<String, Stock, WindowMax> h,
            String ticker,
            double price,
            long ts)
            throws Exception {
        h.processElement(new Stock(ticker, price, ts), ts);
    }

    private static List<WindowMax> drain(
            KeyedOneInputStreamOperatorTestHarness<String, Stock, WindowMax> h) {
        List<WindowMax> out =
                h.extractOutputValues().stream()
                        .sorted((a, b) -> a.getTicker().compareTo(b.getTicker()))
                        .collect(Collectors.toList());
        h.getOutput().clear();
        return out;
    }

    @Test
    void maximaPerTickerAndSlidingWindowWithLateRecordsToTheSideOutput() throws Exception {
        try (var h = harness()) {
            add(h, "A", 5, 1000);
            add(h, "B", 3, 2000);
            add(h, "A", 9, 4999);
            add(h, "A", 7, 6000);
            assertThat(h.numKeyedStateEntries()).isEqualTo(5); // A in 3 windows, B in 2
            assertThat(drain(h)).isEmpty();

            h.processWatermark(4998);
            assertThat(drain(h)).isEmpty(); // [-5 s, 5 s) fires at 4999, its last millisecond
            h.processWatermark(4999);
            assertThat(drain(h))
                    .containsExactly(
                            new WindowMax("A", 9, -5000, 5000), new WindowMax("B", 3, -5000, 5000));

            // Behind the watermark for [-5 s, 5 s) but not for [0, 10 s): counted there, not late.
            add(h, "A", 100, 4000);
            h.processWatermark(9999);
            assertThat(drain(h))
                    .containsExactly(
                            new WindowMax("A", 100, 0, 10000), new WindowMax("B", 3, 0, 10000));

            add(h, "A", 1, 9999); // [0, 10 s) is gone; [5 s, 15 s) takes it
            add(h, "A", 200, 7000); // likewise
            add(h, "A", 300, 4999); // every window of it has fired: late
            assertThat(h.getSideOutput(StockMaxPriceJob.LATE))
                    .extracting(StreamRecord::getValue)
                    .containsExactly(new Stock("A", 300, 4999));

            h.processWatermark(14999);
            assertThat(drain(h)).containsExactly(new WindowMax("A", 200, 5000, 15000));
            h.processWatermark(Long.MAX_VALUE);
            assertThat(drain(h)).isEmpty();
            assertThat(h.getSideOutput(StockMaxPriceJob.LATE)).hasSize(1);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void equalPricesAndNegativeTimesAreExact() throws Exception {
        try (var h = harness()) {
            add(h, "A", 0.1 + 0.2, -1);
            add(h, "A", 0.3, -2);
            h.processWatermark(Long.MAX_VALUE);
            assertThat(drain(h))
                    .containsExactly(
                            new WindowMax("A", 0.1 + 0.2, -10000, 0),
                            new WindowMax("A", 0.1 + 0.2, -5000, 5000));
        }
    }
}
