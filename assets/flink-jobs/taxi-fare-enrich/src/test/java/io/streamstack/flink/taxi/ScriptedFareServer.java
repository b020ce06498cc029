package io.streamstack.flink.taxi;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A local stand-in for the fare endpoint (127.0.0.1, an ephemeral port): answers request {@code n}
 * (1-based) as a script says, and records every request with whether its SigV4 signature verifies
 * (by {@link SigV4Check}, with the secret key given).
 */
final class ScriptedFareServer implements AutoCloseable {
    /** One answer: a status and body, after a delay; {@link #HANG} never answers. */
    record Reply(int status, String body, long delayMillis) {
        /** 200 with a prediction echoing the request's id. */
        static Reply fare() {
            return new Reply(200, null, 0);
        }

        static Reply status(int status) {
            return new Reply(status, "{\"message\":\"status " + status + "\"}", 0);
        }
    }

    static final Reply HANG = new Reply(0, "", -1);

    /** One request as received. */
    record Seen(
            String rawPath,
            String rawQuery,
            Map<String, List<String>> headers,
            boolean signatureValid) {
        String header(String name) {
            return SigV4Check.first(headers, name);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicInteger count = new AtomicInteger();
    private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());

    /** Answers by request number (1-based) and raw query. */
    interface Script {
        Reply reply(int n, String rawQuery);
    }

    ScriptedFareServer(String secretKey, IntFunction<Reply> script) throws IOException {
        this(secretKey, (n, q) -> script.apply(n));
    }

    ScriptedFareServer(String secretKey, Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, secretKey, script));
        server.start();
    }

    /** A prediction such as the endpoint returns for the request's {@code id}. */
    static String prediction(String id) {
        return "{\"id\":\""
                + id
                + "\",\"fare\":17.25,\"currency\":\"USD\",\"distance_km\":4.1,"
                + "\"duration_min\":13.5,\"surge\":1.0}";
    }

    /** The {@code id} query parameter of a raw query. */
    static String idOf(String rawQuery) {
        for (String p : rawQuery.split("&")) {
            if (p.startsWith("id=")) {
                return SigV4Check.decode(p.substring(3));
            }
        }
        return "";
    }

    private void handle(HttpExchange exchange, String secretKey, Script script) throws IOException {
        int n = count.incrementAndGet();
        URI uri = exchange.getRequestURI();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders()
                .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        boolean valid =
                SigV4Check.verify(
                        exchange.getRequestMethod(),
                        uri.getRawPath(),
                        uri.getRawQuery(),
                        headers,
                        secretKey);
        seen.add(new Seen(uri.getRawPath(), uri.getRawQuery(), headers, valid));
        Reply r = script.reply(n, uri.getRawQuery());
        try {
            if (r.delayMillis() < 0) {
                closing.await(60, TimeUnit.SECONDS);
                return;
            }
            if (r.delayMillis() > 0) {
                Thread.sleep(r.delayMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } finally {
            if (r.delayMillis() < 0) {
                exchange.close();
            }
        }
        String body = r.body() == null ? prediction(idOf(uri.getRawQuery())) : r.body();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(r.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    URI endpoint() {
        return URI.create(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/prod/predictFare");
    }

    int requests() {
        return count.get();
    }

    List<Seen> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
