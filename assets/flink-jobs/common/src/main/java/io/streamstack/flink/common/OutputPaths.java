package io.streamstack.flink.common;

import java.util.Locale;

/**
 * The jobs' output folder, from {@code OutputBucketName} (a bucket name: the job writes to {@code
 * s3a://BUCKET}) or {@code OutputPath} (a folder URI: {@code s3a://bucket/prefix}, {@code
 * s3://...}, which is written as {@code s3a://...}, or {@code file:///...} for local runs).
 *
 * <p>Why {@code s3a://}: the {@code FileSink} commits its part files on checkpoints (exactly once)
 * through Flink's recoverable writer, which only the Hadoop-based S3 file system ({@code
 * flink-s3-fs-hadoop}) has; the Presto-based one ({@code flink-s3-fs-presto}) does not, and both
 * register {@code s3://}, so that {@code s3://} may reach either. {@code s3a://} names the Hadoop
 * one. Sources: the Apache Flink documentation of the FileSink ("File Sink", Important Note for S3:
 * "the FileSink supports only the Hadoop-based FileSystem implementation ... use explicitly s3a://
 * (for Hadoop) as the scheme for the target path of the sink"), and the AWS sample for Managed
 * Service for Apache Flink, aws-samples/amazon-managed-service-for-apache-flink-examples
 * java/S3Sink/src/main/java/com/amazonaws/services/msf/StreamingJob.java (commit 2153f99d), {@code
 * FileSink} to {@code String.format("s3a://%s/output", bucket)}, as every FileSink sample of that
 * repository (S3AvroSink, S3ParquetSink) does. The Managed Flink troubleshooting page "S3
 * StreamingFileSink FileNotFoundExceptions" shows the service's FileSink recovering its S3 part
 * files through {@code org.apache.flink.fs.s3hadoop} and {@code
 * org.apache.hadoop.fs.s3a.S3AFileSystem}: the Hadoop file system, which registers both {@code
 * s3://} and {@code s3a://}. (Those samples also shade {@code flink-s3-fs-hadoop} into their jars,
 * which their local runs need; these jobs leave every Flink artifact to the runtime, because the
 * service already has the file system: "Flink S3 File System is installed in the cluster to support
 * checkpointing", the same repository's java/S3ParquetSource/README.md, "Important note about
 * reading Parquet". A local run writes to a {@code file:} folder instead.)
 */
public final class OutputPaths {
    private OutputPaths() {}

    /** The scheme of the FileSink's S3 paths. */
    public static final String S3_SCHEME = "s3a://";

    /**
     * The output folder of the job's properties: exactly one of {@code OutputBucketName} and {@code
     * OutputPath}.
     */
    public static String of(JobProperties props) {
        String bucket = props.get("OutputBucketName", null);
        String path = props.get("OutputPath", null);
        if (bucket != null && path != null) {
            throw new IllegalArgumentException(
                    "set one of the properties OutputBucketName and OutputPath, not both");
        }
        if (bucket != null) {
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException(
                        "property OutputBucketName must be an S3 bucket name (3-63 "
                                + "characters: a-z, 0-9, '.', '-'), got '"
                                + bucket
                                + "'");
            }
            return S3_SCHEME + bucket;
        }
        if (path == null) {
            throw new IllegalArgumentException(
                    "missing required property OutputBucketName (or OutputPath) in "
                            + "property group "
                            + JobProperties.GROUP);
        }
        return fromPath(path);
    }

    /**
     * {@code s3://} and {@code s3a://} become {@code s3a://}; {@code file:} stays; any other scheme
     * is refused.
     */
    static String fromPath(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.startsWith("s3://")) {
            return S3_SCHEME + path.substring("s3://".length());
        }
        if (lower.startsWith(S3_SCHEME) || lower.startsWith("file:")) {
            return path;
        }
        throw new IllegalArgumentException(
                "property OutputPath must start with s3a://, s3:// (written as s3a://) "
                        + "or file: (local runs), got '"
                        + path
                        + "'");
    }
}
