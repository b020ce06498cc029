package io.streamstack.flink.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, defect 8: the FileSink's S3 paths use s3a://, the Hadoop S3 file system's exactly-once
 * scheme.
 */
class OutputPathsTest {
    static String of(Map<String, String> p) {
        return OutputPaths.of(JobProperties.of(p, false));
    }

    @Test
    void aBucketNameBecomesAnS3aPath() {
        assertThat(of(Map.of("OutputBucketName", "my-output-bucket")))
                .as("defect 8: the FileSink path of OutputBucketName")
                .isEqualTo("s3a://my-output-bucket");
        assertThat(JsonLines.join(of(Map.of("OutputBucketName", "b-1")), "results"))
                .isEqualTo("s3a://b-1/results");
    }

    @Test
    void anS3PathIsWrittenThroughS3a() {
        assertThat(of(Map.of("OutputPath", "s3://bucket/prefix")))
                .as("defect 8")
                .isEqualTo("s3a://bucket/prefix");
        assertThat(of(Map.of("OutputPath", "s3a://bucket"))).isEqualTo("s3a://bucket");
        assertThat(of(Map.of("OutputPath", "file:///tmp/out"))).isEqualTo("file:///tmp/out");
    }

    @Test
    void badOrAmbiguousOutputsAreRefusedWithOneLine() {
        assertThatThrownBy(() -> of(Map.of("OutputPath", "s3p://bucket")))
                .hasMessageContaining("OutputPath")
                .hasMessageContaining("s3p://bucket")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> of(Map.of("OutputBucketName", "Bad_Bucket")))
                .hasMessageContaining("OutputBucketName");
        assertThatThrownBy(() -> of(Map.of("OutputBucketName", "b12", "OutputPath", "s3://b12")))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> of(Map.of())).hasMessageContaining("OutputBucketName");
    }
}
