package io.zerotrust.gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** A real HTTP upstream on a free loopback port, answering 200 with a body made from each request. */
final class TestUpstream {

    private TestUpstream() {
    }

    static HttpServer start(Function<com.sun.net.httpserver.HttpExchange, String> body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", ex -> {
            byte[] bytes = body.apply(ex).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        server.start();
        return server;
    }
}
