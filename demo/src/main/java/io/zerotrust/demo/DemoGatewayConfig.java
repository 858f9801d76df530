package io.zerotrust.demo;

import io.zerotrust.demo.services.DemoUpstreams;
import io.zerotrust.demo.sim.Service;
import io.zerotrust.demo.sim.SimEvents;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo gateway's configuration file: one HTTP route per demo service (by host name) to the demo's HTTP upstream,
 * one TCP listener per TCP service, the demo identity provider as the token issuer, and loopback as a trusted proxy
 * so that the simulator can name each simulated client.
 */
public final class DemoGatewayConfig {

    /** The TCP services of the demo, in the order their listeners are declared. */
    public static final List<String> TCP_SERVICES = Service.ALL.stream().filter(Service::tcp).map(Service::name)
            .toList();

    private DemoGatewayConfig() {
    }

    /** Writes {@code gateway.yaml} into {@code dir} (next to the issuer's public key {@code idp.pem}). */
    public static Path write(Path dir, String gatewayId, String kafkaBootstrap, String registryUrl,
                             DemoUpstreams upstreams, String adminToken) throws IOException {
        StringBuilder y = new StringBuilder();
        y.append("gatewayId: ").append(gatewayId).append('\n');
        y.append("kafka: {bootstrap: \"").append(kafkaBootstrap).append("\", registryUrl: \"").append(registryUrl)
                .append("\"}\n");
        y.append("http:\n  listen: \"127.0.0.1:0\"\n  trustedProxies: [\"127.0.0.1\"]\n  routes:\n");
        for (Service s : Service.ALL) {
            if (!s.tcp()) {
                y.append("    - {name: ").append(s.name()).append(", host: ").append(s.host())
                        .append(", upstream: \"127.0.0.1:").append(upstreams.httpPort()).append("\", service: ")
                        .append(s.name()).append("}\n");
            }
        }
        y.append("tcp:\n");
        for (int i = 0; i < TCP_SERVICES.size(); i++) {
            y.append("  - {name: ").append(TCP_SERVICES.get(i))
                    .append(", listen: \"127.0.0.1:0\", upstream: \"127.0.0.1:")
                    .append(upstreams.tcpPort(i)).append("\", service: ").append(TCP_SERVICES.get(i)).append("}\n");
        }
        y.append("admin: {listen: \"127.0.0.1:0\", token: \"").append(adminToken).append("\"}\n");
        y.append("identity: {jwtIssuers: [{issuer: \"").append(SimEvents.ISSUER)
                .append("\", publicKeyFile: idp.pem}]}\n");
        y.append("events: {spillDir: \"").append(dir.resolve("spill")).append("\"}\n");
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, y.toString());
        return file;
    }
}
