package io.streamstack.flink.common.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The project's Kinesis emulator for end-to-end tests: {@code <venv>/bin/python
 * <repo>/tests/support/moto_server.py --exit-with-stdin -H 127.0.0.1 -p PORT}, from the system
 * properties {@code streamstack.repo} and {@code streamstack.venv} (default {@code <repo>/.venv}).
 * A missing input is a failure, never a skip. The server exits when its stdin closes ({@link
 * #close()}, or this JVM's end).
 */
public final class MotoEmulator implements AutoCloseable {
    public static final String ACCESS_KEY = "testing";
    public static final String SECRET_KEY = "testing";
    public static final String REGION = "us-east-1";

    private final Process process;
    private final OutputStream stdin;
    private final int port;
    private final Path log;

    private MotoEmulator(Process process, int port, Path log) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.port = port;
        this.log = log;
    }

    /** A required system property naming an existing path. */
    public static Path requiredPath(String property, String dflt) {
        String v = System.getProperty(property, dflt);
        if (v == null || v.isBlank()) {
            throw new AssertionError("system property " + property + " is not set");
        }
        Path p = Path.of(v).toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            throw new AssertionError(
                    "system property " + property + " names " + p + ", which does not exist");
        }
        return p;
    }

    public static Path repo() {
        return requiredPath("streamstack.repo", null);
    }

    public static MotoEmulator start(Path logDir) throws IOException, InterruptedException {
        System.setProperty("aws.cborEnabled", "false");
        Path repo = repo();
        Path venv = requiredPath("streamstack.venv", repo.resolve(".venv").toString());
        Path python = venv.resolve("bin/python");
        Path script = repo.resolve("tests/support/moto_server.py");
        for (Path p : List.of(python, script)) {
            if (!Files.isRegularFile(p)) {
                throw new AssertionError("the emulator needs " + p + ", which does not exist");
            }
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.createDirectories(logDir);
        Path log = logDir.resolve("moto-" + port + ".log");
        ProcessBuilder pb =
                new ProcessBuilder(
                                python.toString(),
                                script.toString(),
                                "--exit-with-stdin",
                                "-H",
                                "127.0.0.1",
                                "-p",
                                Integer.toString(port))
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        MotoEmulator m = new MotoEmulator(pb.start(), port, log);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            if (!m.process.isAlive()) {
                throw new AssertionError(
                        "the emulator exited with "
                                + m.process.exitValue()
                                + "; its log: "
                                + Files.readString(log));
            }
            if (m.status("GET", "/moto-api/") == 200) {
                return m;
            }
            if (System.nanoTime() > deadline) {
                m.close();
                throw new AssertionError(
                        "the emulator did not answer in 90 s; its log: " + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }

    private int status(String method, String path) {
        try {
            HttpURLConnection c =
                    (HttpURLConnection) URI.create(endpoint() + path).toURL().openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(1000);
            c.setReadTimeout(5000);
            int code = c.getResponseCode();
            c.disconnect();
            return code;
        } catch (IOException e) {
            return -1;
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    /** Forgets every resource. */
    public void reset() {
        int code = status("POST", "/moto-api/reset");
        if (code != 200) {
            throw new AssertionError("POST /moto-api/reset answered " + code);
        }
    }

    /** The environment of a client process (the Rust producer) that talks to this emulator. */
    public Map<String, String> clientEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_ENDPOINT_URL", endpoint());
        env.put("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        env.put("AWS_REGION", REGION);
        env.put("CBOR_ENABLED", "false");
        return env;
    }

    /** The {@code aws.*} options of the Kinesis source for this emulator. */
    public Properties sourceOptions() {
        Properties p = new Properties();
        p.setProperty("aws.endpoint", endpoint());
        p.setProperty("aws.region", REGION);
        p.setProperty("aws.credentials.provider", "BASIC");
        p.setProperty("aws.credentials.provider.basic.accesskeyid", ACCESS_KEY);
        p.setProperty("aws.credentials.provider.basic.secretkey", SECRET_KEY);
        p.setProperty("aws.http.protocol.version", "HTTP1_1");
        return p;
    }

    /** A Kinesis client (HTTP/1.1, CBOR off) for this emulator. */
    public KinesisClient kinesis() {
        return KinesisClient.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.of(REGION))
                .credentialsProvider(
                        StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClient(Apache5HttpClient.builder().build())
                .build();
    }

    /** Creates a provisioned stream and waits until it is active; returns its ARN. */
    public String createStream(String name, int shards) throws InterruptedException {
        try (KinesisClient k = kinesis()) {
            k.createStream(b -> b.streamName(name).shardCount(shards));
            for (int i = 0; i < 100; i++) {
                var d = k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary();
                if (d.streamStatus() == StreamStatus.ACTIVE) {
                    return d.streamARN();
                }
                Thread.sleep(100);
            }
            throw new AssertionError("stream " + name + " did not become ACTIVE");
        }
    }

    @Override
    public void close() {
        ChildProcesses.stop(process, stdin, 10);
    }
}
