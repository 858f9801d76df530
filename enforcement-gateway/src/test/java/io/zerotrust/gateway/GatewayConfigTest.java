package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.gateway.routing.Route;
import io.zerotrust.gateway.routing.RouteTable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {

    @TempDir
    Path dir;

    private static final String GOOD = """
            gatewayId: gw-1
            kafka: {bootstrap: "127.0.0.1:9092", registryUrl: "http://127.0.0.1:8081"}
            http:
              listen: "127.0.0.1:8080"
              routes:
                - {name: payments-api, host: payments.internal, pathPrefix: /api/, upstream: "127.0.0.1:9001"}
                - {name: payments, host: payments.internal, upstream: "127.0.0.1:9002", onStaleDecisions: fail-open}
                - {name: wiki, pathPrefix: /wiki, upstream: "127.0.0.1:9003", requireAuth: false}
            admin: {listen: "127.0.0.1:9100"}
            """;

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("gateway.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void loadsAndRoutesByHostThenLongestPrefix() throws Exception {
        GatewayConfig c = GatewayConfig.load(write(GOOD));
        RouteTable routes = RouteTable.from(c);
        assertThat(routes.match("payments.internal:8080", "/api/v1/pay")).map(Route::name).contains("payments-api");
        assertThat(routes.match("PAYMENTS.internal", "/health")).map(Route::name).contains("payments");
        assertThat(routes.match("payments.internal", "/wiki/x")).map(Route::name).contains("payments");
        assertThat(routes.match("other.internal", "/wiki/page")).map(Route::name).contains("wiki");
        assertThat(routes.match("other.internal", "/api/x")).as("deny by default").isEmpty();
        assertThat(routes.match(null, "/wiki")).map(Route::name).contains("wiki");
        Route payments = routes.match("payments.internal", "/").orElseThrow();
        assertThat(payments.failClosed()).isFalse();
        assertThat(payments.requireAuth()).isTrue();
        assertThat(routes.match("x", "/wiki").orElseThrow().failClosed()).as("fail-closed by default").isTrue();
        assertThat(c.maxDecisionStaleness().toSeconds()).isEqualTo(30);
    }

    @Test
    void badConfigurationNamesTheKey() throws Exception {
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD.replace("gatewayId: gw-1", "gatewayId: gw 1"))))
                .hasMessageContaining("gatewayId");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD.replace("listen: \"127.0.0.1:8080\"",
                "listen: \"127.0.0.1\"")))).hasMessageContaining("http.listen").hasMessageContaining("host:port");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD.replace("pathPrefix: /wiki", "pathPrefix: wiki"))))
                .hasMessageContaining("http.routes[2].pathPrefix");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD.replace("fail-open", "fail-sideways"))))
                .hasMessageContaining("http.routes[1].onStaleDecisions");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD.replace("name: wiki", "name: payments"))))
                .hasMessageContaining("used twice");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD.replace("admin:", "admn:"))))
                .hasMessageContaining("unknown key 'admn'");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD + "decisions: {maxStalenessSeconds: many}\n")))
                .hasMessageContaining("decisions.maxStalenessSeconds");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD
                + "identity: {jwtIssuers: [{issuer: x, publicKeyFile: missing.pem}]}\n")))
                .hasMessageContaining("identity.jwtIssuers[0].publicKeyFile").hasMessageContaining("missing.pem");
        assertThatThrownBy(() -> GatewayConfig.load(dir.resolve("nope.yaml"))).hasMessageContaining("nope.yaml");
        Files.writeString(dir.resolve("s.pem"), "x");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD.replace("  routes:\n",
                "  tls: {certFile: s.pem, keyFile: s.pem, clientAuth: require}\n  routes:\n"))))
                .hasMessageContaining("http.tls.clientAuth").hasMessageContaining("clientCaFile");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD.replace("  routes:\n",
                "  tls: {certFile: s.pem, keyFile: missing.key}\n  routes:\n"))))
                .hasMessageContaining("http.tls.keyFile").hasMessageContaining("missing.key");
        assertThatThrownBy(() -> GatewayConfig.load(write(GOOD
                + "tcp: [{name: wiki, listen: \"127.0.0.1:2222\", upstream: \"127.0.0.1:22\"}]\n")))
                .hasMessageContaining("tcp[0].name").hasMessageContaining("used twice");
    }
}
