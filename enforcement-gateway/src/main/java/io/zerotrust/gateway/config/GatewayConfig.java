package io.zerotrust.gateway.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The gateway's whole configuration, read from one YAML file and validated at start: every problem is reported with
 * the key that holds it and what to do. Unknown keys are errors (a typo must not silently fall back to a default).
 * See {@code docs/gateway.md} for the reference.
 */
public record GatewayConfig(
        String gatewayId,
        Kafka kafka,
        Http http,
        List<TcpRoute> tcp,
        Admin admin,
        Identity identity,
        Decisions decisions,
        Events events) {

    public record Kafka(String bootstrap, String registryUrl) {
    }

    /**
     * The HTTP listener. {@code trustedProxies}: address ranges of proxies (load balancers) whose
     * {@code X-Forwarded-For} names the client; from anyone else the header is not believed.
     */
    public record Http(String listen, List<Route> routes, Integer maxRequestBytes, Integer idleTimeoutSeconds,
                       Tls tls, List<String> trustedProxies) {
    }

    /**
     * TLS on the HTTP listener: the server's certificate chain and PKCS#8 key (PEM), and, for client certificates
     * (mTLS), the CAs that issue them and whether one is required.
     */
    public record Tls(String certFile, String keyFile, String clientCaFile, String clientAuth) {
    }

    /** A route: requests whose Host matches {@code host} (or any host when absent) and whose path starts with
     * {@code pathPrefix} go to {@code upstream}. */
    public record Route(String name, String host, String pathPrefix, String upstream, String service,
                        Boolean requireAuth, String onStaleDecisions) {
    }

    /** A TCP pass-through listener: connections to {@code listen} are relayed to {@code upstream}. */
    public record TcpRoute(String name, String listen, String upstream, String service, String onStaleDecisions) {
    }

    public record Admin(String listen, String token) {
    }

    public record Identity(List<JwtIssuer> jwtIssuers, Integer clockSkewSeconds) {
    }

    /** A token issuer: its {@code iss} value and the public key (PEM file) its tokens are signed with. */
    public record JwtIssuer(String issuer, String publicKeyFile, String audience, String userClaim,
                            String deviceClaim) {
    }

    public record Decisions(Integer maxStalenessSeconds) {
    }

    public record Events(Integer queueCapacity, String spillDir) {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Reads and validates the file; throws {@link ConfigException} naming the file, the key and the fix. */
    public static GatewayConfig load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + ": no such configuration file; pass the path of the gateway's YAML"
                    + " configuration (see docs/gateway.md)");
        }
        GatewayConfig config;
        try {
            config = YAML.readValue(file.toFile(), GatewayConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(file + ": unknown key '" + path(e) + "'; known keys here: "
                    + e.getKnownPropertyIds());
        } catch (JsonMappingException e) {
            throw new ConfigException(file + ": key '" + path(e) + "': " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage());
        }
        if (config == null) {
            throw new ConfigException(file + ": the file is empty");
        }
        return config.validated(file);
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private GatewayConfig validated(Path file) {
        String where = file + ": ";
        require(gatewayId != null && gatewayId.matches("[A-Za-z0-9._-]{1,64}"), where + "gatewayId must be 1-64"
                + " letters, digits, '.', '_' or '-' (it names this gateway in every event), got '" + gatewayId + "'");
        require(kafka != null, where + "kafka is missing; give kafka.bootstrap and kafka.registryUrl");
        require(kafka.bootstrap() != null && !kafka.bootstrap().isBlank(),
                where + "kafka.bootstrap is missing; e.g. 127.0.0.1:9092");
        require(kafka.registryUrl() != null && kafka.registryUrl().startsWith("http"),
                where + "kafka.registryUrl must be the schema registry's http(s) URL, got '" + kafka.registryUrl()
                        + "'");
        require(http != null, where + "http is missing; give http.listen and http.routes");
        address(where + "http.listen", http.listen());
        require(http.routes() != null && !http.routes().isEmpty(), where + "http.routes is empty: with deny by"
                + " default nothing would pass; add at least one route");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < http.routes().size(); i++) {
            Route r = http.routes().get(i);
            String key = where + "http.routes[" + i + "]";
            require(r.name() != null && !r.name().isBlank(), key + ".name is missing");
            require(names.add(r.name()), key + ".name '" + r.name() + "' is used twice; route names are unique");
            require(r.pathPrefix() == null || r.pathPrefix().startsWith("/"),
                    key + ".pathPrefix must start with '/', got '" + r.pathPrefix() + "'");
            address(key + ".upstream", r.upstream());
            require(r.onStaleDecisions() == null || List.of("fail-open", "fail-closed")
                            .contains(r.onStaleDecisions().toLowerCase(Locale.ROOT)),
                    key + ".onStaleDecisions must be fail-open or fail-closed, got '" + r.onStaleDecisions() + "'");
        }
        if (tcp != null) {
            for (int i = 0; i < tcp.size(); i++) {
                TcpRoute t = tcp.get(i);
                String key = where + "tcp[" + i + "]";
                require(t.name() != null && !t.name().isBlank(), key + ".name is missing");
                require(names.add(t.name()), key + ".name '" + t.name() + "' is used twice; route names are unique");
                address(key + ".listen", t.listen());
                address(key + ".upstream", t.upstream());
                require(t.onStaleDecisions() == null || List.of("fail-open", "fail-closed")
                                .contains(t.onStaleDecisions().toLowerCase(Locale.ROOT)),
                        key + ".onStaleDecisions must be fail-open or fail-closed, got '" + t.onStaleDecisions()
                                + "'");
            }
        }
        if (http.tls() != null) {
            Tls t = http.tls();
            for (String[] f : new String[][] {{"certFile", t.certFile()}, {"keyFile", t.keyFile()},
                    {"clientCaFile", t.clientCaFile()}}) {
                if (f[1] == null) {
                    require(!f[0].equals("certFile") && !f[0].equals("keyFile"),
                            where + "http.tls." + f[0] + " is missing");
                    continue;
                }
                Path p = file.toAbsolutePath().getParent().resolve(f[1]);
                require(Files.isReadable(p), where + "http.tls." + f[0] + " " + p + " cannot be read");
            }
            require(t.clientAuth() == null || List.of("require", "optional", "none")
                            .contains(t.clientAuth().toLowerCase(Locale.ROOT)),
                    where + "http.tls.clientAuth must be require, optional or none, got '" + t.clientAuth() + "'");
            require(t.clientAuth() == null || t.clientAuth().equalsIgnoreCase("none") || t.clientCaFile() != null,
                    where + "http.tls.clientAuth " + t.clientAuth() + " needs http.tls.clientCaFile (the CAs that"
                            + " issue client certificates)");
        }
        require(http.maxRequestBytes() == null || http.maxRequestBytes() >= 1024,
                where + "http.maxRequestBytes must be at least 1024");
        require(http.idleTimeoutSeconds() == null || http.idleTimeoutSeconds() >= 1,
                where + "http.idleTimeoutSeconds must be at least 1");
        if (http.trustedProxies() != null) {
            for (int i = 0; i < http.trustedProxies().size(); i++) {
                try {
                    io.zerotrust.gateway.proxy.ForwardedFor.rule(http.trustedProxies().get(i));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + "http.trustedProxies[" + i + "]: " + e.getMessage());
                }
            }
        }
        if (admin != null) {
            address(where + "admin.listen", admin.listen());
        }
        if (identity != null && identity.jwtIssuers() != null) {
            for (int i = 0; i < identity.jwtIssuers().size(); i++) {
                JwtIssuer j = identity.jwtIssuers().get(i);
                String key = where + "identity.jwtIssuers[" + i + "]";
                require(j.issuer() != null && !j.issuer().isBlank(), key + ".issuer is missing");
                require(j.publicKeyFile() != null, key + ".publicKeyFile is missing");
                Path keyFile = file.toAbsolutePath().getParent().resolve(j.publicKeyFile());
                require(Files.isReadable(keyFile), key + ".publicKeyFile " + keyFile + " cannot be read");
            }
            require(identity.clockSkewSeconds() == null || identity.clockSkewSeconds() >= 0,
                    where + "identity.clockSkewSeconds must be 0 or more");
        }
        require(decisions == null || decisions.maxStalenessSeconds() == null || decisions.maxStalenessSeconds() >= 1,
                where + "decisions.maxStalenessSeconds must be at least 1");
        require(events == null || events.queueCapacity() == null || events.queueCapacity() >= 16,
                where + "events.queueCapacity must be at least 16");
        return this;
    }

    private static void address(String key, String value) {
        require(value != null, key + " is missing; give host:port, e.g. 127.0.0.1:8080");
        parseAddress(key, value);
    }

    /** Parses {@code host:port}; throws a {@link ConfigException} naming {@code key} when it is not one. */
    public static InetSocketAddress parseAddress(String key, String value) {
        int colon = value.lastIndexOf(':');
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            require(colon > 0 && port >= 0 && port <= 65535, key + " must be host:port, got '" + value + "'");
            return InetSocketAddress.createUnresolved(value.substring(0, colon), port);
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new ConfigException(key + " must be host:port, got '" + value + "'");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new ConfigException(message);
        }
    }

    public Duration maxDecisionStaleness() {
        return Duration.ofSeconds(decisions == null || decisions.maxStalenessSeconds() == null ? 30
                : decisions.maxStalenessSeconds());
    }

    public int eventQueueCapacity() {
        return events == null || events.queueCapacity() == null ? 65_536 : events.queueCapacity();
    }

    public Path spillDir() {
        return Path.of(events == null || events.spillDir() == null ? "var/gateway/spill" : events.spillDir());
    }

    /** Who may name the client in {@code X-Forwarded-For} (nobody unless {@code http.trustedProxies} says). */
    public io.zerotrust.gateway.proxy.ForwardedFor forwardedFor() {
        return http.trustedProxies() == null ? io.zerotrust.gateway.proxy.ForwardedFor.none()
                : io.zerotrust.gateway.proxy.ForwardedFor.trusting(http.trustedProxies());
    }

    public int maxRequestBytes() {
        return http.maxRequestBytes() == null ? 10 * 1024 * 1024 : http.maxRequestBytes();
    }

    public Duration idleTimeout() {
        return Duration.ofSeconds(http.idleTimeoutSeconds() == null ? 300 : http.idleTimeoutSeconds());
    }

    public Duration clockSkew() {
        return Duration.ofSeconds(identity == null || identity.clockSkewSeconds() == null ? 60
                : identity.clockSkewSeconds());
    }

    public List<TcpRoute> tcpRoutes() {
        return tcp == null ? List.of() : tcp;
    }

    public List<JwtIssuer> jwtIssuers() {
        return identity == null || identity.jwtIssuers() == null ? List.of() : identity.jwtIssuers();
    }

    /** A configuration problem; the message names the file, the key and what to do. */
    public static final class ConfigException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }
}
