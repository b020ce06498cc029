package io.streamstack.flink.taxi;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads what the job's file sinks committed: visible part files only, never in-progress ones. */
final class OutputFiles {
    private OutputFiles() {}

    /** One committed JSON line and the bucket ({@code dt=.../hr=...}) it is in. */
    record Line(String bucket, JsonNode json) {}

    static List<Line> committed(Path output, String folder) {
        Path root = output.resolve(folder);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Line> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (!name.startsWith("part-")) {
                    continue; // .part-*.inprogress.* and the like are not committed yet
                }
                String bucket = root.relativize(f.getParent()).toString();
                for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!l.isEmpty()) {
                        lines.add(new Line(bucket, TaxiRides.MAPPER.readTree(l)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }
}
