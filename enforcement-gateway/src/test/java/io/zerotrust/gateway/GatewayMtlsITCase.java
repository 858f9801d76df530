package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.gateway.config.GatewayConfig;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** mTLS on the HTTP listener: the client certificate names the user and the device; no certificate, no entry. */
@ExtendWith(PlatformExtension.class)
class GatewayMtlsITCase {

    @Test
    void theClientCertificateIdentifiesUserAndDevice(TestPlatform platform, @TempDir Path dir) throws Exception {
        TestCertificates pki = new TestCertificates();
        TestCertificates.Issued server = pki.server();
        TestCertificates.writeCert(dir.resolve("server.pem"), server.cert());
        TestCertificates.writePkcs8Key(dir.resolve("server.key"), server.keys());
        TestCertificates.writeCert(dir.resolve("ca.pem"), pki.ca.cert());
        HttpServer upstream = TestUpstream.start(ex -> "hi " + ex.getRequestHeaders().getFirst("X-Authenticated-User"));
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, """
                gatewayId: gw-mtls
                kafka: {bootstrap: "%s", registryUrl: "%s"}
                http:
                  listen: "127.0.0.1:0"
                  tls: {certFile: server.pem, keyFile: server.key, clientCaFile: ca.pem, clientAuth: require}
                  routes: [{name: api, upstream: "127.0.0.1:%d"}]
                events: {spillDir: "%s"}
                """.formatted(platform.kafkaBootstrap(), platform.registryUrl(), upstream.getAddress().getPort(),
                dir.resolve("spill")));
        String user = "alice-" + UUID.randomUUID();
        String device = "urn:device:laptop-" + UUID.randomUUID();
        try (Gateway gateway = Gateway.start(GatewayConfig.load(config), dir, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.notReady() == null);

            String response = get(pki.clientContext(pki.client(user, device)), gateway.httpPort());
            assertThat(response).startsWith("HTTP/1.1 200").endsWith("hi " + user);

            assertThatThrownBy(() -> get(pki.clientContext(null), gateway.httpPort()))
                    .as("no client certificate, no entry").isInstanceOf(IOException.class);

            List<ConsumerRecord<String, ConnectionEvent>> open = platform.consume(Topics.CONN_EVENTS, 1,
                    Duration.ofSeconds(10), r -> user.equals(r.value().getUser())
                            && r.value().getPhase() == ConnectionPhase.OPEN);
            assertThat(open).singleElement().satisfies(o -> {
                ConnectionEvent e = o.value();
                assertThat(e.getAuth().getMethod()).isEqualTo(AuthMethod.MTLS);
                assertThat(e.getDeviceId()).isEqualTo(device);
                assertThat(e.getProtocol()).isEqualTo("https");
                assertThat(e.getTls().getVersion()).startsWith("TLSv1.");
                assertThat(e.getTls().getClientCertSubject()).contains("CN=" + user);
                assertThat(e.getTls().getClientCertFingerprint()).hasSize(64);
            });
        } finally {
            upstream.stop(0);
        }
    }

    private static String get(SSLContext tls, int port) throws IOException {
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write("GET /x HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (response.isEmpty()) {
                throw new IOException("the gateway closed the connection without a response");
            }
            return response;
        }
    }
}
