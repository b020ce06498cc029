package io.streamstack.flink.common.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code tests/support/fault_proxy.py} in front of the emulator: forwards every request, and
 * answers a share of the GetRecords requests with ProvisionedThroughputExceededException as the
 * service does (and a share of the PutRecords entries with failures). Exits when its stdin closes
 * ({@link #close()}).
 */
public final class FaultProxy implements AutoCloseable {
    private final Process process;
    private final OutputStream stdin;
    private final int port;

    private FaultProxy(Process process, int port) {
        this.process = process;
        this.stdin = process.getOutputStream();
        this.port = port;
    }

    /**
     * A proxy to {@code upstream} that throttles {@code getRecordsThrottle} of the GetRecords
     * requests.
     */
    public static FaultProxy start(String upstream, double getRecordsThrottle, long seed)
            throws IOException {
        Path repo = MotoEmulator.repo();
        Path python =
                MotoEmulator.requiredPath("streamstack.venv", repo.resolve(".venv").toString())
                        .resolve("bin/python");
        Path script = repo.resolve("tests/support/fault_proxy.py");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process p =
                new ProcessBuilder(
                                python.toString(),
                                script.toString(),
                                upstream,
                                "0",
                                Long.toString(seed),
                                Integer.toString(port),
                                Double.toString(getRecordsThrottle))
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        FaultProxy proxy = new FaultProxy(p, port);
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        if (!"READY".equals(ready)) {
            proxy.close();
            throw new AssertionError("the fault proxy did not start: " + ready);
        }
        return proxy;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** {@code GET /fault-proxy/stats}. */
    public JsonNode stats() throws IOException {
        try (java.io.InputStream in =
                URI.create(endpoint() + "/fault-proxy/stats").toURL().openStream()) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Override
    public void close() {
        ChildProcesses.stop(process, stdin, 10);
    }
}
