package io.streamstack.flink.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobPropertiesTest {
    @TempDir Path dir;

    private Path write(String json) throws Exception {
        Path f = dir.resolve("application_properties.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void readsTheServiceFormatFromTheFileGivenWithProperties() throws Exception {
        Path f =
                write(
                        "[{\"PropertyGroupId\": \"Other\", \"PropertyMap\": {\"InputStreamArn\": \"no\"}},"
                                + "{\"PropertyGroupId\": \"FlinkApplicationProperties\", \"PropertyMap\": {"
                                + "\"InputStreamArn\": \"arn:aws:kinesis:us-east-1:000000000000:stream/s\", \"WindowSizeSeconds\": 10,"
                                + "\"aws.endpoint\": \"http://127.0.0.1:5000\", \"source.x\": \"y\", \"Other\": \"z\"}}]");
        JobProperties p = JobProperties.load(new String[] {"--properties", f.toString()});
        assertThat(p.isLocal()).isTrue();
        assertThat(p.require("InputStreamArn"))
                .isEqualTo("arn:aws:kinesis:us-east-1:000000000000:stream/s");
        assertThat(p.getInt("WindowSizeSeconds", 1)).isEqualTo(10);
        assertThat(p.getLong("Missing", 7)).isEqualTo(7);
        assertThat(p.getSeconds("WindowSizeSeconds", 1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.get("Missing", "d")).isEqualTo("d");
        assertThat(p.endpointOverride()).contains("http://127.0.0.1:5000");
        assertThat(p.sourceConfig()).containsOnlyKeys("aws.endpoint", "source.x");
        assertThat(p.sourceConfiguration().toMap())
                .containsEntry("source.x", "y")
                .doesNotContainKey("Other");
        assertThat(JobProperties.load(new String[] {"--properties=" + f}).asMap())
                .isEqualTo(p.asMap());
    }

    @Test
    void aMissingKeyIsNamedInOneLine() {
        JobProperties p = JobProperties.of(Map.of("A", "1", "Blank", " "), true);
        assertThatThrownBy(() -> p.require("OutputPath"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "missing required property OutputPath in property group FlinkApplicationProperties");
        assertThatThrownBy(() -> p.require("Blank")).hasMessageContaining("Blank");
        assertThat(p.endpointOverride()).isEmpty();
    }

    @Test
    void aBadNumberNamesTheKeyAndTheValue() {
        JobProperties p =
                JobProperties.of(Map.of("N", "ten", "Big", "99999999999", "Neg", "-1"), true);
        assertThatThrownBy(() -> p.getInt("N", 1))
                .hasMessage("property N must be an integer, got 'ten'");
        assertThatThrownBy(() -> p.getLong("N", 1))
                .hasMessage("property N must be an integer, got 'ten'");
        assertThatThrownBy(() -> p.getInt("Big", 1))
                .hasMessage("property Big must be an integer, got '99999999999'");
        assertThat(p.getLong("Big", 1)).isEqualTo(99999999999L);
        assertThatThrownBy(() -> p.getSeconds("Neg", 1))
                .hasMessage("property Neg must be a number of seconds >= 0, got '-1'");
    }

    @Test
    void badFilesAndArgumentsAreExplained() throws Exception {
        assertThatThrownBy(() -> JobProperties.fromFile(write("{\"a\": 1}")))
                .hasMessageContaining("expected a JSON array");
        assertThatThrownBy(() -> JobProperties.fromFile(write("[{\"PropertyGroupId\": 1}]")))
                .hasMessageContaining("PropertyGroupId");
        assertThatThrownBy(
                        () ->
                                JobProperties.fromFile(
                                        write(
                                                "[{\"PropertyGroupId\": \"FlinkApplicationProperties\","
                                                        + " \"PropertyMap\": {\"A\": {\"b\": 1}}}]")))
                .hasMessageContaining("property A");
        assertThatThrownBy(() -> JobProperties.fromFile(write("not json")))
                .hasMessageContaining("cannot read properties file");
        assertThatThrownBy(() -> JobProperties.fromFile(dir.resolve("absent.json")))
                .hasMessageContaining("absent.json");
        assertThatThrownBy(() -> JobProperties.load(new String[] {"--properties"}))
                .hasMessageContaining("needs a file");
        assertThatThrownBy(() -> JobProperties.load(new String[] {"--other"}))
                .hasMessageContaining("unknown argument --other");
        assertThat(JobProperties.fromFile(write("[]")).asMap()).isEmpty();
    }

    @Test
    void withoutPropertiesTheServiceFileIsReadAndTheRunIsNotLocal() {
        // /etc/flink/application_properties.json does not exist here: the runtime library gives no
        // groups.
        JobProperties p = JobProperties.load(new String[0]);
        assertThat(p.isLocal()).isFalse();
        assertThat(p.asMap()).isEmpty();
        assertThatThrownBy(() -> p.require("InputStreamArn"))
                .hasMessageContaining("InputStreamArn");
    }

    @Test
    void secretsAreNotPrinted() {
        JobProperties p =
                JobProperties.of(
                        Map.of("aws.credentials.provider.basic.secretkey", "s3cr3t"), true);
        assertThat(p.toString()).doesNotContain("s3cr3t");
    }
}
