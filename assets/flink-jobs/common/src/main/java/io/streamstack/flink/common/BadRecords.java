package io.streamstack.flink.common;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Splits parsed records into values (the main output) and bad records (the side output {@link
 * #TAG}), counting the bad ones in the counter {@code badRecords} of the metric group {@link
 * JobMetrics#GROUP} ({@code kinesisanalytics}, the group Managed Flink exports to CloudWatch).
 */
public final class BadRecords {
    private BadRecords() {}

    /** The side output of bad records. */
    public static final OutputTag<BadRecord> TAG =
            new OutputTag<>("bad-records", Types.POJO(BadRecord.class));

    /** The splitter: values out, bad records to {@link #TAG} and counted in {@code counterName}. */
    public static final class Splitter<T> extends ProcessFunction<Parsed<T>, T> {
        private static final long serialVersionUID = 1L;
        private final String counterName;
        private transient Counter counter;

        public Splitter(String counterName) {
            this.counterName = counterName;
        }

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
            counter = JobMetrics.group(getRuntimeContext()).counter(counterName);
        }

        @Override
        public void processElement(Parsed<T> p, Context ctx, Collector<T> out) {
            if (p.isOk()) {
                out.collect(p.getValue());
            } else {
                counter.inc();
                ctx.output(TAG, p.getBad());
            }
        }
    }

    /** Splits the stream; the bad records are {@code result.getSideOutput(BadRecords.TAG)}. */
    public static <T> SingleOutputStreamOperator<T> split(
            DataStream<Parsed<T>> parsed, TypeInformation<T> valueType) {
        return parsed.process(new Splitter<T>("badRecords"), valueType)
                .uid("split-bad-records")
                .name("Split bad records");
    }
}
