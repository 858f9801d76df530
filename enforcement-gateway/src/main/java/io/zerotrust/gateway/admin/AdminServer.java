package io.zerotrust.gateway.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The gateway's admin endpoints, on their own port: {@code /healthz} (the process is up), {@code /readyz} (ready to
 * serve: the decision cache has caught up and is fresh; otherwise 503 with the reason) and {@code /metrics}
 * (Prometheus text format), and {@code POST /decisions} for an operator's manual decision ({@link ManualOverride}).
 */
public final class AdminServer implements AutoCloseable {

    private final HttpServer http;

    private AdminServer(HttpServer http) {
        this.http = http;
    }

    /** {@code notReadyReason} returns null when ready, else why not. */
    public static AdminServer start(InetSocketAddress listen, PrometheusMeterRegistry metrics,
                                    Supplier<String> notReadyReason, ManualOverride override) throws IOException {
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(listen.getHostString(), listen.getPort()), 16);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + listen.getHostString() + ":" + listen.getPort()
                    + " (admin.listen): " + e.getMessage(), e);
        }
        http.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gateway-admin");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/healthz", ex -> respond(ex, 200, "ok\n", "text/plain"));
        http.createContext("/readyz", ex -> {
            String reason = notReadyReason.get();
            respond(ex, reason == null ? 200 : 503, reason == null ? "ready\n" : "not ready: " + reason + "\n",
                    "text/plain");
        });
        http.createContext("/metrics", ex -> respond(ex, 200, metrics.scrape(),
                "text/plain; version=0.0.4; charset=utf-8"));
        http.createContext("/decisions", ex -> {
            if (!ex.getRequestMethod().equals("POST")) {
                respond(ex, 405, "{\"error\":\"POST a decision here\"}", "application/json");
                return;
            }
            byte[] body = ex.getRequestBody().readNBytes(64 * 1024);
            ManualOverride.Result r = override.handle(ex.getRequestHeaders().getFirst("Authorization"), body);
            respond(ex, r.status(), r.body() + "\n", "application/json");
        });
        http.start();
        return new AdminServer(http);
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String body, String type) throws IOException {
        try (ex) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
