package io.streamstack.flink.common.testing;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The MiniCluster the jobs' tests run on: one task manager, as the service's smallest application
 * has, with a given number of slots. Register the result as a static {@code @RegisterExtension}
 * field.
 */
public final class MiniClusters {
    private MiniClusters() {}

    /**
     * One task manager with two slots whose metrics {@code reporter} keeps for the test to read.
     */
    public static MiniClusterExtension withReporter(InMemoryReporter reporter) {
        return withConfiguration(reporter.addToConfiguration(new Configuration()));
    }

    /** One task manager with two slots and the given cluster configuration. */
    public static MiniClusterExtension withConfiguration(Configuration configuration) {
        return oneTaskManager(2, configuration);
    }

    /** One task manager with {@code slots} slots and the default configuration. */
    public static MiniClusterExtension oneTaskManager(int slots) {
        return oneTaskManager(slots, new Configuration());
    }

    private static MiniClusterExtension oneTaskManager(int slots, Configuration configuration) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(configuration)
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    /**
     * A job's environment on the test's MiniCluster that never restarts (a failure fails the job,
     * and the test with it), restored from {@code savepoint} unless it is null.
     */
    public static StreamExecutionEnvironment environment(String savepoint) {
        Configuration conf =
                new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }
}
