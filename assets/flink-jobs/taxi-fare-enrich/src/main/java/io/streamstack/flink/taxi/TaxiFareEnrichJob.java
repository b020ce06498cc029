package io.streamstack.flink.taxi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamstack.flink.common.BadRecords;
import io.streamstack.flink.common.DateHourBucketAssigner;
import io.streamstack.flink.common.JobProperties;
import io.streamstack.flink.common.JsonLines;
import io.streamstack.flink.common.KinesisSources;
import io.streamstack.flink.common.LocalRun;
import io.streamstack.flink.common.OutputPaths;
import io.streamstack.flink.common.Parsed;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pattern 4 ({@code kds-kda-apigw}): taxi rides from a Kinesis stream, a deterministic 1 in {@code
 * SampleEvery} of them enriched with the fare endpoint's prediction.
 *
 * <p>Kinesis (KPL de-aggregated, bad records to {@code errors/}) -> {@link TripSampler} -> {@link
 * FareEnrichFunction} (async I/O, {@code unorderedWait}) -> enriched rides as JSON lines under
 * {@code <OutputPath>/results/dt=YYYY-MM-DD/hr=HH/} by pickup time (UTC), failure records under
 * {@code <OutputPath>/errors/dt=.../hr=.../} by processing time; files are committed on
 * checkpoints.
 *
 * <p>Properties (group {@code FlinkApplicationProperties}):
 *
 * <ul>
 *   <li>{@code InputStreamArn} (required), {@code InitialPosition} (TRIM_HORIZON or LATEST) and the
 *       source's {@code aws.*} / {@code source.*} passthrough;
 *   <li>{@code OutputBucketName} (the job writes to {@code s3a://BUCKET}) or {@code OutputPath}
 *       ({@code s3a://bucket/prefix}; {@code s3://} is written as {@code s3a://}; or a local {@code
 *       file:} URI): see {@link OutputPaths};
 *   <li>{@code ApiEndpoint} (required): the full URL of {@code GET .../predictFare};
 *   <li>{@code ApiKeySecretArn} (required): the Secrets Manager secret whose SecretString is the
 *       API key (read once per subtask at start; {@code aws.endpoint} overrides its endpoint);
 *   <li>{@code Region}: the signing region; default: the stream ARN's;
 *   <li>{@code SampleEvery} (20), {@code AsyncTimeoutSeconds} (30), {@code AsyncCapacity} (20),
 *       {@code MaxRetries} (3), {@code RetryBaseMillis} (200), {@code RetryMaxBackoffMillis}
 *       (5000).
 * </ul>
 *
 * <p>Requests are signed (SigV4, {@code execute-api}) with the default credentials chain, resolved
 * again for each request.
 */
public final class TaxiFareEnrichJob {
    private static final Logger LOG = LoggerFactory.getLogger(TaxiFareEnrichJob.class);

    public static final String JOB_NAME = "taxi-fare-enrich";

    private TaxiFareEnrichJob() {}

    public static void main(String[] args) throws Exception {
        JobProperties props = JobProperties.load(args);
        LOG.info("{} with {}", JOB_NAME, props);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        LocalRun.configure(env, props);
        build(env, props);
        env.execute(JOB_NAME);
    }

    /**
     * The whole job on {@code env}, reading the Kinesis stream of {@code InputStreamArn}
     * (checkpointing and parallelism are {@link LocalRun}'s, set by {@link #main} for local runs
     * only).
     */
    public static void build(StreamExecutionEnvironment env, JobProperties props) {
        TypeInformation<TaxiRide> type = TypeInformation.of(TaxiRide.class);
        DataStream<Parsed<TaxiRide>> parsed =
                env.fromSource(
                                KinesisSources.parsed(props, new TaxiRides.Parser(), type),
                                WatermarkStrategy.noWatermarks(),
                                "Kinesis: taxi rides")
                        .uid("kinesis-source");
        pipeline(props, parsed, ApiKeySource.secretsManager(), CredentialsSource.defaultChain());
    }

    /**
     * The job after the source: over any stream of parsed rides, with the API key and the
     * credentials from the given places.
     */
    public static void pipeline(
            JobProperties props,
            DataStream<Parsed<TaxiRide>> parsed,
            ApiKeySource apiKey,
            CredentialsSource credentials) {
        String outputPath = OutputPaths.of(props);
        int sampleEvery = props.getInt("SampleEvery", 20);
        if (sampleEvery < 1) {
            throw new IllegalArgumentException(
                    "property SampleEvery must be at least 1, got " + sampleEvery);
        }
        FareSettings settings = fareSettings(props);

        SingleOutputStreamOperator<TaxiRide> rides =
                BadRecords.split(parsed, TypeInformation.of(TaxiRide.class));
        rides.getSideOutput(BadRecords.TAG)
                .sinkTo(JsonLines.errors(outputPath))
                .uid("bad-records-sink")
                .name("errors/: bad records");

        SingleOutputStreamOperator<TaxiRide> sampled =
                rides.filter(new TripSampler(sampleEvery))
                        .uid("sample-rides")
                        .name("Sample 1 in " + sampleEvery + " rides");

        SingleOutputStreamOperator<FareResult> results =
                AsyncDataStream.unorderedWait(
                                sampled,
                                new FareEnrichFunction(settings, apiKey, credentials),
                                settings.timeout().toMillis(),
                                TimeUnit.MILLISECONDS,
                                settings.capacity())
                        .uid("predict-fare")
                        .name("Predict fare (async I/O)");

        results.filter(r -> r.isEnriched())
                .uid("enriched-rides")
                .name("Enriched rides")
                .sinkTo(
                        JsonLines.results(
                                outputPath,
                                TaxiFareEnrichJob::line,
                                (DateHourBucketAssigner.EventTime<FareResult>)
                                        r -> r.getPickupMillis()))
                .uid("results-sink")
                .name("results/: enriched rides");
        results.filter(r -> !r.isEnriched())
                .uid("failed-requests")
                .name("Failed requests")
                .sinkTo(
                        JsonLines.sink(
                                outputPath,
                                "errors",
                                TaxiFareEnrichJob::line,
                                DateHourBucketAssigner.processingTime()))
                .uid("failed-requests-sink")
                .name("errors/: failed requests");
    }

    /** The fare settings from the properties. */
    public static FareSettings fareSettings(JobProperties props) {
        String region = props.get("Region", null);
        if (region == null) {
            region = regionOfArn(props.require("InputStreamArn"));
        }
        Duration timeout = props.getSeconds("AsyncTimeoutSeconds", 30);
        long base = props.getLong("RetryBaseMillis", 200);
        long max = props.getLong("RetryMaxBackoffMillis", 5000);
        return new FareSettings(
                props.require("ApiEndpoint"),
                region,
                props.require("ApiKeySecretArn"),
                props.endpointOverride().orElse(null),
                timeout,
                props.getInt("AsyncCapacity", 20),
                props.getInt("MaxRetries", 3),
                new Backoff(base, max));
    }

    /** The region of an ARN ({@code arn:partition:service:region:account:resource}). */
    static String regionOfArn(String arn) {
        String[] parts = arn.split(":", 6);
        if (parts.length < 6 || !parts[0].equals("arn") || parts[3].isEmpty()) {
            throw new IllegalArgumentException(
                    "not an ARN with a region: " + arn + " (set Region)");
        }
        return parts[3];
    }

    private static ObjectNode line(FareResult r) {
        try {
            return (ObjectNode) TaxiRides.MAPPER.readTree(r.getJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
