package io.streamstack.flink.etl;

import io.streamstack.flink.common.BadRecord;
import io.streamstack.flink.common.BadRecords;
import io.streamstack.flink.common.JobMetrics;
import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.JsonLines;
import io.streamstack.flink.common.KinesisSources;
import io.streamstack.flink.common.LocalRun;
import io.streamstack.flink.common.Parsed;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pattern 5 ({@code streaming-etl}): JSON records from a Kinesis stream (KPL de-aggregated) or a
 * Kafka topic (read-committed) to any of: files under {@code OutputPath} (Parquet or JSON lines,
 * partitioned by event time and payload fields, exactly once) a Kafka topic (exactly once by
 * default), a Kinesis stream and an OpenSearch cluster (at least once; documents by id when an id
 * field is given). Bad records (malformed JSON, a missing or mistyped event time, a schema misfit,
 * oversized) never fail the job: they are counted ({@code badRecords} in the metric group {@code
 * kinesisanalytics}, the one Managed Service for Apache Flink exports to CloudWatch) and written
 * under {@code <OutputPath>/errors/}, or logged when there is no OutputPath.
 */
public final class StreamingEtlJob {
    private StreamingEtlJob() {}

    static final TypeInformation<EtlRecord> RECORD = Types.POJO(EtlRecord.class);

    public static final String JOB_NAME = "streaming-etl";

    public static void main(String[] args) throws Exception {
        JobProperties props = JobProperties.load(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        LocalRun.configure(env, props);
        build(env, props);
        env.execute(JOB_NAME);
    }

    /**
     * The whole job from its properties: source, pipeline, sinks (checkpointing and parallelism are
     * {@link LocalRun}'s, set by {@link #main} for local runs only).
     */
    public static void build(StreamExecutionEnvironment env, JobProperties props) {
        EtlSettings settings = EtlSettings.from(props);
        sinks(pipeline(source(env, settings, props)), settings);
    }

    /** The source of the settings, timestamps and watermarks assigned. */
    public static DataStream<Parsed<EtlRecord>> source(
            StreamExecutionEnvironment env, EtlSettings s, JobProperties props) {
        EtlParser parser = new EtlParser(s);
        if (s.source() == EtlSettings.SourceKind.KINESIS) {
            return env.fromSource(
                            KinesisSources.parsed(props, parser, RECORD),
                            watermarks(s),
                            "Kinesis source")
                    .uid("kinesis-source");
        }
        return env.fromSource(KafkaInput.source(s, parser), watermarks(s), "Kafka source")
                .uid("kafka-source");
    }

    /**
     * Event time from the records' {@code EventTimeField}, watermarks max seen - out-of-orderness -
     * 1 ms, idle after the idle timeout. Bad records do not move the watermark.
     */
    public static WatermarkStrategy<Parsed<EtlRecord>> watermarks(EtlSettings s) {
        return watermarks(s.maxOutOfOrderness(), s.idleTimeout());
    }

    static WatermarkStrategy<Parsed<EtlRecord>> watermarks(Duration outOfOrderness, Duration idle) {
        return WatermarkStrategy.<Parsed<EtlRecord>>forBoundedOutOfOrderness(outOfOrderness)
                .withTimestampAssigner(
                        (p, ts) -> p.isOk() ? p.getValue().getEventTimeMillis() : Long.MIN_VALUE)
                .withIdleness(idle);
    }

    /**
     * The job's two outputs.
     *
     * @param records the good records, to every sink
     * @param errors the bad records
     */
    public record Outputs(DataStream<EtlRecord> records, DataStream<BadRecord> errors) {}

    /** Splits good records from bad ones, counting the bad ones. */
    public static Outputs pipeline(DataStream<Parsed<EtlRecord>> parsed) {
        SingleOutputStreamOperator<EtlRecord> records =
                parsed.process(new Splitter(), RECORD)
                        .uid("split-bad-records")
                        .name("Split bad records");
        return new Outputs(records, records.getSideOutput(BadRecords.TAG));
    }

    /** The sinks the settings enable, and the errors output. */
    public static void sinks(Outputs o, EtlSettings s) {
        if (s.hasFileSink()) {
            o.records()
                    .sinkTo(FileOutput.sink(s))
                    .uid("file-sink")
                    .name("Files " + s.outputFormat().name().toLowerCase());
            o.errors().sinkTo(JsonLines.errors(s.outputPath())).uid("errors-sink").name("Errors");
        } else {
            o.errors()
                    .process(new LogBadRecords(), Types.VOID)
                    .uid("errors-log")
                    .name("Log errors")
                    .sinkTo(new DiscardingSink<>())
                    .uid("errors-discard")
                    .name("Errors logged");
        }
        if (s.hasKafkaSink()) {
            o.records()
                    .sinkTo(KafkaOutput.sink(s))
                    .uid("kafka-sink")
                    .name("Kafka " + s.outputKafkaTopic());
        }
        if (s.hasKinesisSink()) {
            o.records()
                    .sinkTo(new KinesisOutput(s.outputStreamArn(), s.awsProperties()))
                    .uid("kinesis-sink")
                    .name(
                            "Kinesis "
                                    + s.outputStreamArn()
                                            .substring(s.outputStreamArn().lastIndexOf('/') + 1));
        }
        if (s.hasOpenSearchSink()) {
            o.records()
                    .sinkTo(
                            new OpenSearchOutput(
                                    s.outputOpenSearchEndpoint(),
                                    s.outputOpenSearchIndex(),
                                    s.outputOpenSearchAuth(),
                                    s.outputOpenSearchRegion(),
                                    s.outputOpenSearchUsername(),
                                    s.outputOpenSearchPassword()))
                    .uid("opensearch-sink")
                    .name("OpenSearch " + s.outputOpenSearchEndpoint().getHost());
        }
    }

    /**
     * Good records out, bad ones to {@link BadRecords#TAG}, counted in {@code
     * kinesisanalytics.badRecords}.
     */
    public static final class Splitter extends ProcessFunction<Parsed<EtlRecord>, EtlRecord> {
        private static final long serialVersionUID = 1L;
        private transient Counter bad;

        @Override
        public void open(OpenContext openContext) {
            bad = JobMetrics.group(getRuntimeContext()).counter("badRecords");
        }

        @Override
        public void processElement(Parsed<EtlRecord> p, Context ctx, Collector<EtlRecord> out) {
            if (p.isOk()) {
                out.collect(p.getValue());
            } else {
                bad.inc();
                ctx.output(BadRecords.TAG, p.getBad());
            }
        }
    }

    /**
     * Without an OutputPath: each bad record is one WARN line (reason and origin, not the data),
     * the first 100 of each subtask and then one in every 1,000, so that a flood of garbage cannot
     * flood the log.
     */
    static final class LogBadRecords extends ProcessFunction<BadRecord, Void> {
        private static final long serialVersionUID = 1L;
        private static final Logger LOG = LoggerFactory.getLogger(LogBadRecords.class);
        private transient long seen;

        @Override
        public void processElement(BadRecord b, Context ctx, Collector<Void> out) {
            seen++;
            if (seen <= 100 || seen % 1000 == 0) {
                LOG.warn(
                        "bad record #{} of this subtask: {} (stream {}, shard {}, sequence {}, sub-sequence {})",
                        seen,
                        b.getReason(),
                        b.getStream(),
                        b.getShardId(),
                        b.getSequenceNumber(),
                        b.getSubSequence());
            }
        }
    }
}
