package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar carries what the runtime lacks: Parquet's writer runs with the jar and Flink's own
 * jars only (the test class path has much more, e.g. Hadoop's test dependencies, which would hide a
 * class the jar leaves out).
 */
class ShadedJarIT {
    @Test
    void parquetAndKafkaWorkFromTheJarOnFlinksClassPath(@TempDir Path dir) throws Exception {
        Path jar = Path.of("target", "streaming-etl-0.1.0.jar").toAbsolutePath();
        assertThat(jar).as("the shaded jar (package runs before the ITs)").exists();
        List<String> cp =
                new ArrayList<>(
                        List.of(
                                jar.toString(),
                                Path.of("target", "test-classes").toAbsolutePath().toString()));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            // Flink's modules (as the runtime has them) and their own third-party jars; none of the
            // job's.
            boolean flink =
                    name.startsWith("flink-")
                            && !name.startsWith("flink-connector-kafka")
                            && !name.startsWith("flink-parquet")
                            && !name.startsWith("flink-hadoop-fs")
                            && !name.contains("test")
                            && !name.contains("tests");
            boolean flinkDeps =
                    name.startsWith("slf4j-api")
                            || name.startsWith("kryo")
                            || name.startsWith("objenesis")
                            || name.startsWith("minlog")
                            || name.startsWith("commons-lang3")
                            || name.startsWith("commons-text")
                            || name.startsWith("commons-math3")
                            || name.startsWith("commons-collections");
            if (flink || flinkDeps) {
                cp.add(e);
            }
        }
        Path out = dir.resolve("check.parquet");
        Path log = dir.resolve("check.log");
        Process p =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                String.join(File.pathSeparator, cp),
                                ShadedJarCheck.class.getName(),
                                out.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the check finished").isTrue();
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("the check's output:%n%s", output).isZero();
        assertThat(output).contains("OK ");
    }
}
