package io.streamstack.flink.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class LocalRunTest {
    @Test
    void onTheServiceNothingIsSet() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        int parallelism = env.getParallelism();
        LocalRun.configure(
                env,
                JobProperties.of(
                        Map.of("Parallelism", "7", "CheckpointIntervalMillis", "50"), false));
        assertThat(env.getCheckpointConfig().isCheckpointingEnabled()).isFalse();
        assertThat(env.getParallelism()).isEqualTo(parallelism);
    }

    @Test
    void locallyCheckpointsAndParallelismAreSet() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        LocalRun.configure(env, JobProperties.of(Map.of(), true));
        assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(1000);
        assertThat(env.getParallelism()).isEqualTo(1);
        StreamExecutionEnvironment env2 = StreamExecutionEnvironment.getExecutionEnvironment();
        LocalRun.configure(
                env2,
                JobProperties.of(
                        Map.of("Parallelism", "2", "CheckpointIntervalMillis", "250"), true));
        assertThat(env2.getCheckpointConfig().getCheckpointInterval()).isEqualTo(250);
        assertThat(env2.getParallelism()).isEqualTo(2);
        assertThatThrownBy(
                        () ->
                                LocalRun.configure(
                                        env2, JobProperties.of(Map.of("Parallelism", "0"), true)))
                .hasMessageContaining("Parallelism");
    }
}
