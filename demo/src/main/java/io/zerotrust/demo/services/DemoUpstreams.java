package io.zerotrust.demo.services;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The small services behind the demo gateway, on loopback: one HTTP server for every HTTP route (it answers any
 * path; {@code ?bytes=N} sets the size of the response body, so the simulator decides how much a visit moves) and
 * one TCP server per pass-through service (it sends a banner, then echoes what it reads).
 */
public final class DemoUpstreams implements AutoCloseable {

    /** Largest response body a request may ask for. */
    public static final long MAX_BYTES = 1L << 30;
    private static final byte[] CHUNK = new byte[64 * 1024];

    private final HttpServer http;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "demo-upstream");
        t.setDaemon(true);
        return t;
    });
    private final List<ServerSocket> tcp = new ArrayList<>();

    private DemoUpstreams(HttpServer http) {
        this.http = http;
    }

    /** Starts the HTTP server and one TCP server for each of {@code tcpServices} (their banners name them). */
    public static DemoUpstreams start(List<String> tcpServices) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        DemoUpstreams u = new DemoUpstreams(server);
        server.setExecutor(u.pool);
        server.createContext("/", ex -> {
            long bytes = requestedBytes(ex.getRequestURI().getRawQuery());
            try (InputStream in = ex.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(200, bytes == 0 ? -1 : bytes);
            try (OutputStream out = ex.getResponseBody()) {
                for (long left = bytes; left > 0; left -= CHUNK.length) {
                    out.write(CHUNK, 0, (int) Math.min(CHUNK.length, left));
                }
            }
        });
        server.start();
        try {
            for (String name : tcpServices) {
                ServerSocket s = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
                u.tcp.add(s);
                u.pool.execute(() -> u.accept(s, name));
            }
        } catch (IOException e) {
            u.close();
            throw e;
        }
        return u;
    }

    static long requestedBytes(String query) {
        if (query == null) {
            return 0;
        }
        for (String kv : query.split("&")) {
            if (kv.startsWith("bytes=")) {
                try {
                    return Math.max(0, Math.min(MAX_BYTES, Long.parseLong(kv.substring(6))));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    private void accept(ServerSocket server, String name) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                pool.execute(() -> echo(s, name));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void echo(Socket s, String name) {
        try (s) {
            OutputStream out = s.getOutputStream();
            out.write(("demo " + name + " ready\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.getInputStream().transferTo(out);
        } catch (IOException e) {
            // the client went away
        }
    }

    public int httpPort() {
        return http.getAddress().getPort();
    }

    /** The port of the {@code i}-th TCP service, in the order given to {@link #start}. */
    public int tcpPort(int i) {
        return tcp.get(i).getLocalPort();
    }

    @Override
    public void close() {
        http.stop(0);
        for (ServerSocket s : tcp) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        pool.shutdownNow();
    }
}
