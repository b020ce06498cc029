package io.streamstack.flink.common;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.MetricGroup;

/**
 * The metric group of the jobs' own counters ({@code badRecords}, {@code lateRecords}, {@code
 * sampledRides}, {@code enrichedRides}, {@code failedRequests}, {@code retriedRequests}).
 *
 * <p>Managed Service for Apache Flink exports to CloudWatch (namespace {@code
 * AWS/KinesisAnalytics}, dimension {@code Application}) only the custom metrics registered under
 * the group key {@code kinesisanalytics}: AWS documentation "Use custom metrics with Amazon Managed
 * Service for Apache Flink", and the AWS sample
 * aws-samples/amazon-managed-service-for-apache-flink-examples, file
 * java/CustomMetrics/src/main/java/com/amazonaws/services/msf/MetricEmittingMapperFunction.java
 * (commit 2153f99d42f2e26d030adcfe296b0dfefca9898f): {@code
 * getRuntimeContext().getMetricGroup().addGroup("kinesisanalytics")}, with the comment "Managed
 * Service for Apache Flink publishes only metrics associated with "kinesisanalytics" metric group".
 * The metric's name in CloudWatch is the counter's name.
 */
public final class JobMetrics {
    private JobMetrics() {}

    /** The group key Managed Flink exports. */
    public static final String GROUP = "kinesisanalytics";

    /** The group to register the job's own metrics in. */
    public static MetricGroup group(RuntimeContext context) {
        return context.getMetricGroup().addGroup(GROUP);
    }
}
