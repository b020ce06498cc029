package io.streamstack.flink.stock;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the job must output, computed from the input alone, in arrival order: the watermark when a
 * record arrives is (max event time before it) - out-of-orderness - 1 ms; a record joins each of
 * its sliding windows whose last millisecond (end - 1) is after that watermark; a record none of
 * whose windows is left is late. A window is output once the final watermark reaches its end - 1.
 */
final class ExpectedWindows {
    /** Keys "TICKER start end", sorted. */
    final Map<String, Double> maxima = new TreeMap<>();

    final List<Stock> late = new ArrayList<>();

    static String key(String ticker, long start, long end) {
        return ticker + " " + Json.isoMillis(start) + " " + Json.isoMillis(end);
    }

    static ExpectedWindows compute(
            List<Stock> arrivalOrder,
            long outOfOrdernessMillis,
            long size,
            long slide,
            long finalWatermark) {
        ExpectedWindows e = new ExpectedWindows();
        Map<String, Double> all = new TreeMap<>();
        Map<String, Long> lastMilli = new TreeMap<>();
        long maxSeen = Long.MIN_VALUE;
        for (Stock s : arrivalOrder) {
            long watermark =
                    maxSeen == Long.MIN_VALUE ? Long.MIN_VALUE : maxSeen - outOfOrdernessMillis - 1;
            long ts = s.getEventTimeMillis();
            boolean joined = false;
            long lastStart = Math.floorDiv(ts, slide) * slide;
            for (long start = lastStart; start > ts - size; start -= slide) {
                long end = start + size;
                if (end - 1 > watermark) {
                    String k = key(s.getTicker(), start, end);
                    all.merge(k, s.getPrice(), Math::max);
                    lastMilli.put(k, end - 1);
                    joined = true;
                }
            }
            if (!joined) {
                e.late.add(s);
            }
            maxSeen = Math.max(maxSeen, ts);
        }
        all.forEach(
                (k, v) -> {
                    if (lastMilli.get(k) <= finalWatermark) {
                        e.maxima.put(k, v);
                    }
                });
        return e;
    }

    /**
     * The committed result lines under {@code <output>/results}: "TICKER start end" to max_price.
     */
    static Map<String, Double> readResults(Path output) {
        Map<String, Double> found = new TreeMap<>();
        for (JsonNode n : readLines(output.resolve("results"))) {
            String k =
                    n.get("ticker").asText()
                            + " "
                            + n.get("window_start").asText()
                            + " "
                            + n.get("window_end").asText();
            if (found.put(k, n.get("max_price").asDouble()) != null) {
                throw new AssertionError("window " + k + " written twice");
            }
        }
        return found;
    }

    /** Every line of the committed (not in-progress, not hidden) part files under a folder. */
    static List<JsonNode> readLines(Path folder) {
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return lines;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path f :
                    (Iterable<Path>)
                            files.filter(Files::isRegularFile)
                                            .filter(
                                                    p ->
                                                            !p.getFileName()
                                                                    .toString()
                                                                    .startsWith("."))
                                            .filter(
                                                    p ->
                                                            p.getFileName()
                                                                    .toString()
                                                                    .endsWith(".jsonl"))
                                            .sorted()
                                    ::iterator) {
                for (String line : Files.readAllLines(f)) {
                    lines.add(Json.MAPPER.readTree(line));
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return lines;
    }
}
