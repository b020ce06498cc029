package io.streamstack.flink.common;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Settings for local runs only: Managed Service for Apache Flink rejects jobs that set
 * checkpointing or parallelism themselves, so on the service this does nothing.
 */
public final class LocalRun {
    private LocalRun() {}

    /**
     * With {@link JobProperties#isLocal()}: checkpoints every {@code CheckpointIntervalMillis}
     * (1000), {@code Parallelism} (1).
     */
    public static void configure(StreamExecutionEnvironment env, JobProperties props) {
        if (!props.isLocal()) {
            return;
        }
        long interval = props.getLong("CheckpointIntervalMillis", 1000);
        int parallelism = props.getInt("Parallelism", 1);
        if (interval < 10) {
            throw new IllegalArgumentException(
                    "property CheckpointIntervalMillis must be >= 10, got " + interval);
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException(
                    "property Parallelism must be >= 1, got " + parallelism);
        }
        env.enableCheckpointing(interval);
        env.setParallelism(parallelism);
    }
}
