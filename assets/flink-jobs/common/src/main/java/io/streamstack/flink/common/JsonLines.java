package io.streamstack.flink.common;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.Encoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * JSON-lines file sinks: {@code <OutputPath>/results/dt=YYYY-MM-DD/hr=HH/part-*.jsonl} by event
 * time and {@code <OutputPath>/errors/dt=.../hr=.../part-*.jsonl} by processing time, files
 * committed on checkpoints (exactly once), one UTF-8 JSON object per line ending in {@code \n}.
 */
public final class JsonLines {
    private JsonLines() {}

    /** Turns an element into one JSON object. */
    @FunctionalInterface
    public interface ToJson<T> extends Serializable {
        ObjectNode toJson(T element);
    }

    /** Writes each element as one JSON line. */
    public static final class JsonLineEncoder<T> implements Encoder<T> {
        private static final long serialVersionUID = 1L;
        private final ToJson<T> toJson;

        public JsonLineEncoder(ToJson<T> toJson) {
            this.toJson = toJson;
        }

        /** The line of an element, without its newline. */
        public String line(T element) {
            try {
                return Json.MAPPER.writeValueAsString(toJson.toJson(element));
            } catch (IOException e) {
                throw new IllegalStateException("cannot write JSON", e);
            }
        }

        @Override
        public void encode(T element, OutputStream stream) throws IOException {
            stream.write(line(element).getBytes(StandardCharsets.UTF_8));
            stream.write('\n');
        }
    }

    /**
     * The results sink under {@code <outputPath>/results}, bucketed by the elements' event time.
     */
    public static <T> FileSink<T> results(
            String outputPath, ToJson<T> toJson, DateHourBucketAssigner.EventTime<T> eventTime) {
        return sink(outputPath, "results", toJson, DateHourBucketAssigner.eventTime(eventTime));
    }

    /** The errors sink under {@code <outputPath>/errors}, bucketed by processing time. */
    public static FileSink<BadRecord> errors(String outputPath) {
        return sink(
                outputPath,
                "errors",
                JsonLines::badRecordJson,
                DateHourBucketAssigner.processingTime());
    }

    /** A JSON-lines sink under {@code <outputPath>/<folder>}. */
    public static <T> FileSink<T> sink(
            String outputPath, String folder, ToJson<T> toJson, DateHourBucketAssigner<T> buckets) {
        return FileSink.forRowFormat(
                        new Path(join(outputPath, folder)), new JsonLineEncoder<>(toJson))
                .withBucketAssigner(buckets)
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(
                        OutputFileConfig.builder()
                                .withPartPrefix("part")
                                .withPartSuffix(".jsonl")
                                .build())
                .build();
    }

    static String join(String base, String folder) {
        return base.endsWith("/") ? base + folder : base + "/" + folder;
    }

    /** The errors line of a bad record. */
    public static ObjectNode badRecordJson(BadRecord b) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("reason", b.getReason());
        n.put("stream", b.getStream());
        n.put("shard_id", b.getShardId());
        n.put("sequence_number", b.getSequenceNumber());
        n.put("sub_sequence", b.getSubSequence());
        n.put("partition_key", b.getPartitionKey());
        n.put("data_base64", b.getDataBase64());
        if (b.isDataTruncated()) {
            n.put("data_truncated", true);
        }
        return n;
    }
}
