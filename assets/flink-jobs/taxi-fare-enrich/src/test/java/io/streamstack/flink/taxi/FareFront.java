package io.streamstack.flink.taxi;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.testing.ChildProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The lead's local stand-in for API Gateway in front of the real fare-endpoint bootstrap: {@code
 * <xtask> fare-front --bootstrap PATH --api-key KEY --secret-key SECRET [faults]}. It prints {@code
 * LISTENING http://127.0.0.1:PORT} first, answers 403 unless both the API key and the SigV4
 * signature (verified with SECRET) are right, runs the real bootstrap on a local Lambda Runtime API
 * for the rest, serves {@code GET /stats}, and exits when its stdin closes.
 */
final class FareFront implements AutoCloseable {
    private final Process process;
    private final OutputStream stdin;
    private final URI base;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private FareFront(Process process, URI base, Path log) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.base = base;
        this.log = log;
    }

    static FareFront start(
            Path xtask,
            Path bootstrap,
            String apiKey,
            String secretKey,
            Path logDir,
            String... faults)
            throws Exception {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                xtask.toString(),
                                "fare-front",
                                "--bootstrap",
                                bootstrap.toString(),
                                "--api-key",
                                apiKey,
                                "--secret-key",
                                secretKey));
        cmd.addAll(List.of(faults));
        Files.createDirectories(logDir);
        Path log = Files.createTempFile(logDir, "fare-front-", ".log");
        Path err = Path.of(log + ".stderr");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> first =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return out.readLine();
                            } catch (IOException e) {
                                return null;
                            }
                        });
        String line;
        try {
            line = first.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            p.destroyForcibly();
            throw new AssertionError(
                    "fare front printed nothing in 60 s: " + cmd + "; stderr: " + read(err));
        }
        if (line == null || !line.startsWith("LISTENING http://")) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(
                    "fare front did not start ("
                            + cmd
                            + "): first line "
                            + line
                            + "; stderr: "
                            + read(err));
        }
        // Keep draining its stdout into the log so that it never blocks on a full pipe.
        Thread drain =
                new Thread(
                        () -> {
                            try {
                                String l;
                                while ((l = out.readLine()) != null) {
                                    Files.writeString(log, l + "\n", StandardOpenOption.APPEND);
                                }
                            } catch (IOException e) {
                                // the process ended
                            }
                        },
                        "fare-front-stdout");
        drain.setDaemon(true);
        drain.start();
        return new FareFront(p, URI.create(line.substring("LISTENING ".length()).strip()), log);
    }

    /** The {@code ApiEndpoint} of the job. */
    String apiEndpoint() {
        return base.resolve("/prod/predictFare").toString();
    }

    /** {@code GET /stats}: requests, ok, forbidden, injected_failures, injected_slow. */
    JsonNode stats() throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(base.resolve("/stats"))
                                .timeout(Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /stats answered " + r.statusCode() + ": " + r.body());
        }
        return TaxiRides.MAPPER.readTree(r.body());
    }

    /** Sends one unsigned request with the given key (to show that the front enforces both). */
    int unsignedStatus(String apiKey) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(
                                URI.create(
                                        apiEndpoint()
                                                + "?id=x&pickup_lat=40.7&pickup_lon=-73.9"
                                                + "&dropoff_lat=40.8&dropoff_lon=-73.95&passengers=1&pickup_time=2026-11-24T08%3A30%3A00Z"))
                        .timeout(Duration.ofSeconds(10))
                        .GET();
        if (apiKey != null) {
            b.header("x-api-key", apiKey);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    Path log() {
        return log;
    }

    @Override
    public void close() {
        ChildProcesses.stop(process, stdin, 15);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
