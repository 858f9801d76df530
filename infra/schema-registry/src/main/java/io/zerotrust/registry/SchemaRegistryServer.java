package io.zerotrust.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry that speaks the part of the Confluent Schema Registry REST API that the Confluent client and
 * our tools use: register, look up, get by id, list subjects and versions, test compatibility, and read or set the
 * compatibility level. Avro only. It binds to loopback, keeps its state in one file ({@link SchemaStore}), and is
 * meant for local runs and tests; production points the pipeline at a Confluent Schema Registry or a compatible one.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer http;
    private final ExecutorService executor;
    private final SchemaStore store;

    private SchemaRegistryServer(HttpServer http, ExecutorService executor, SchemaStore store) {
        this.http = http;
        this.executor = executor;
        this.store = store;
    }

    /**
     * Starts the registry on {@code host:port} (port 0 picks a free one), persisting to {@code dataFile} (null keeps
     * everything in memory). Fails with a message naming the port when it is taken.
     */
    public static SchemaRegistryServer start(String host, int port, Path dataFile, CompatibilityLevel defaultLevel)
            throws IOException {
        SchemaStore store = new SchemaStore(dataFile, defaultLevel);
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (BindException e) {
            throw new BindException("schema registry: port " + port + " on " + host + " is already in use");
        }
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "schema-registry-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        SchemaRegistryServer server = new SchemaRegistryServer(http, executor, store);
        http.createContext("/", server::handle);
        http.start();
        LOG.info("schema registry listening on {}", server.url());
        return server;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public String url() {
        return "http://" + http.getAddress().getHostString() + ":" + port();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            Object body;
            try {
                body = route(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        query(exchange.getRequestURI().getRawQuery()), exchange.getRequestBody());
            } catch (RegistryException e) {
                status = e.status;
                body = JSON.createObjectNode().put("error_code", e.errorCode).put("message", e.getMessage());
            } catch (IllegalArgumentException e) {
                status = 422;
                body = JSON.createObjectNode().put("error_code", 42201).put("message", e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("schema registry failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 500;
                body = JSON.createObjectNode().put("error_code", 50001).put("message", "Error in the backend data store: "
                        + e.getMessage());
            }
            byte[] bytes = body instanceof String s
                    ? s.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", body instanceof String ? "text/plain" : CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Object route(String method, String rawPath, Map<String, String> query, InputStream body)
            throws IOException {
        String[] p = segments(rawPath);
        // GET / and the few discovery endpoints the client probes
        if (p.length == 0) {
            return JSON.createObjectNode();
        }
        switch (p[0]) {
            case "subjects":
                return subjects(method, p, query, body);
            case "schemas":
                return schemas(method, p);
            case "compatibility":
                if (method.equals("POST") && p.length == 5 && p[1].equals("subjects") && p[3].equals("versions")) {
                    List<String> messages = store.testCompatibility(p[2], p[4], schemaOf(body));
                    ObjectNode out = JSON.createObjectNode().put("is_compatible", messages.isEmpty());
                    if (Boolean.parseBoolean(query.getOrDefault("verbose", "false"))) {
                        ArrayNode arr = out.putArray("messages");
                        messages.forEach(arr::add);
                    }
                    return out;
                }
                break;
            case "config":
                return config(method, p, query, body);
            case "mode":
                return JSON.createObjectNode().put("mode", "READWRITE");
            default:
                break;
        }
        throw new RegistryException(404, 404, "HTTP 404 Not Found: " + method + " " + rawPath);
    }

    private Object subjects(String method, String[] p, Map<String, String> query, InputStream body)
            throws IOException {
        if (p.length == 1 && method.equals("GET")) {
            return store.subjects();
        }
        String subject = p[1];
        if (p.length == 2 && method.equals("POST")) {
            return versionNode(store.lookup(subject, schemaOf(body)));
        }
        if (p.length == 2 && method.equals("DELETE")) {
            return store.deleteSubject(subject);
        }
        if (p.length >= 3 && p[2].equals("versions")) {
            if (p.length == 3 && method.equals("GET")) {
                return store.versions(subject);
            }
            if (p.length == 3 && method.equals("POST")) {
                return JSON.createObjectNode().put("id", store.register(subject, schemaOf(body)));
            }
            if (p.length == 4 && method.equals("GET")) {
                return versionNode(store.version(subject, p[3]));
            }
            if (p.length == 5 && method.equals("GET") && p[4].equals("schema")) {
                return store.version(subject, p[3]).schema();
            }
        }
        throw new RegistryException(405, 405, "HTTP 405 Method Not Allowed: " + method + " /" + String.join("/", p));
    }

    private Object schemas(String method, String[] p) {
        if (p.length == 2 && p[1].equals("types")) {
            return List.of("AVRO");
        }
        if (method.equals("GET") && p.length >= 3 && p[1].equals("ids")) {
            int id;
            try {
                id = Integer.parseInt(p[2]);
            } catch (NumberFormatException e) {
                throw RegistryException.schemaNotFound("'" + p[2] + "' is not a schema id");
            }
            if (p.length == 3) {
                return JSON.createObjectNode().put("schema", store.schemaById(id));
            }
            if (p.length == 4 && p[3].equals("schema")) {
                return store.schemaById(id);
            }
            if (p.length == 4 && p[3].equals("versions")) {
                ArrayNode arr = JSON.createArrayNode();
                store.versionsById(id).forEach(v -> arr.addObject().put("subject", v.subject())
                        .put("version", v.version()));
                return arr;
            }
            if (p.length == 4 && p[3].equals("subjects")) {
                return store.versionsById(id).stream().map(SchemaStore.Version::subject).distinct().toList();
            }
        }
        throw new RegistryException(404, 404, "HTTP 404 Not Found: " + method + " /" + String.join("/", p));
    }

    private Object config(String method, String[] p, Map<String, String> query, InputStream body)
            throws IOException {
        if (p.length == 1) {
            if (method.equals("PUT")) {
                store.setGlobalLevel(levelOf(body));
            }
            return JSON.createObjectNode().put(method.equals("PUT") ? "compatibility" : "compatibilityLevel",
                    store.globalLevel().name());
        }
        String subject = p[1];
        switch (method) {
            case "PUT": {
                CompatibilityLevel level = levelOf(body);
                store.setSubjectLevel(subject, level);
                return JSON.createObjectNode().put("compatibility", level.name());
            }
            case "DELETE": {
                CompatibilityLevel previous = store.subjectLevel(subject).orElse(store.globalLevel());
                store.clearSubjectLevel(subject);
                return JSON.createObjectNode().put("compatibilityLevel", previous.name());
            }
            default: {
                boolean defaultToGlobal = Boolean.parseBoolean(query.getOrDefault("defaultToGlobal", "false"));
                CompatibilityLevel level = store.subjectLevel(subject)
                        .or(() -> defaultToGlobal ? java.util.Optional.of(store.globalLevel())
                                : java.util.Optional.empty())
                        .orElseThrow(() -> new RegistryException(404, 40408,
                                "Subject '" + subject + "' does not have subject-level compatibility configured"));
                return JSON.createObjectNode().put("compatibilityLevel", level.name());
            }
        }
    }

    private static ObjectNode versionNode(SchemaStore.Version v) {
        return JSON.createObjectNode().put("subject", v.subject()).put("version", v.version()).put("id", v.id())
                .put("schema", v.schema());
    }

    private static String schemaOf(InputStream body) throws IOException {
        JsonNode node = readBody(body);
        String type = node.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw RegistryException.invalidSchema("schemaType " + type + " is not supported; this registry holds AVRO");
        }
        if (node.path("references").size() > 0) {
            throw RegistryException.invalidSchema("schema references are not supported; inline the referenced types");
        }
        return node.path("schema").asText(null);
    }

    private static CompatibilityLevel levelOf(InputStream body) throws IOException {
        try {
            return CompatibilityLevel.parse(readBody(body).path("compatibility").asText(null));
        } catch (IllegalArgumentException e) {
            throw RegistryException.invalidCompatibility("Invalid compatibility level: " + e.getMessage());
        }
    }

    private static JsonNode readBody(InputStream body) throws IOException {
        byte[] bytes = body.readAllBytes();
        if (bytes.length == 0) {
            throw new RegistryException(422, 42201, "the request has no JSON body");
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new RegistryException(400, 400, "the request body is not JSON: " + e.getMessage());
        }
    }

    private static String[] segments(String rawPath) {
        return java.util.Arrays.stream(rawPath.split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toArray(String[]::new);
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> out = new HashMap<>();
        if (rawQuery == null) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return out;
    }
}
