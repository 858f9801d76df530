package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** HTTP batch ingest into the raw topics, against the real broker, and on through the normalizer. */
@ExtendWith(PlatformExtension.class)
class HttpIngestITCase {

    private static final String TOKEN = "test-token-" + UUID.randomUUID();

    @Test
    void batchesLandOnTheRawTopicAndRefusalsSayWhy(TestPlatform platform, @TempDir Path dir) throws Exception {
        Properties p = IngestMain.properties(new String[0]);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "http-ingest-it-" + UUID.randomUUID());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        p.put(IngestSettings.REGISTRY_URL, platform.registryUrl());
        p.put(IngestMain.HTTP_PORT, "0");
        p.put(IngestMain.HTTP_TOKEN, TOKEN);
        p.put(IngestMain.HTTP_MAX_BYTES, "4096");
        p.put(IngestMain.HTTP_MAX_LINE, "512");
        String user = "http" + UUID.randomUUID().toString().substring(0, 6);
        String batch = "Nov 22 10:00:01 bastion sshd[7001]: Accepted password for " + user
                + " from 10.30.0.5 port 50001 ssh2\r\n\r\n"
                + "Nov 22 10:00:02 bastion sshd[7002]: Failed password for " + user + " from 10.30.0.6 port 50002 ssh2\n"
                + "Nov 22 10:00:03 bastion sshd[7003]: Invalid user " + user + " from 10.30.0.7 port 50003\n";
        HttpClient http = HttpClient.newHttpClient();
        try (IngestMain.Running running = IngestMain.start(p)) {
            String base = "http://127.0.0.1:" + running.port();
            HttpResponse<String> ok = post(http, base + "/ingest/sshd", TOKEN, batch.getBytes(StandardCharsets.UTF_8));
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("\"accepted\":3").contains("telemetry.raw.sshd");

            List<ConsumerRecord<String, byte[]>> raw = platform.consume(Topics.telemetryRaw("sshd"), 3,
                    Duration.ofSeconds(20), r -> new String(r.value(), StandardCharsets.UTF_8).contains(user));
            assertThat(raw).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .as("each line as sent, without its line end").containsExactly(batch.lines()
                            .filter(l -> !l.isBlank()).toArray(String[]::new));
            List<ConsumerRecord<String, ConnectionEvent>> events = platform.consume(Topics.CONN_EVENTS, 3,
                    Duration.ofSeconds(60), r -> user.equals(r.value().getUser()));
            assertThat(events).as("and on through the normalizer").hasSize(3);

            assertThat(post(http, base + "/ingest/sshd", "wrong-token-0000000", "x\n".getBytes()))
                    .satisfies(r -> assertThat(r.statusCode()).isEqualTo(401))
                    .satisfies(r -> assertThat(r.body()).contains("\"error\":\"unauthorized\""));
            assertThat(post(http, base + "/ingest/netflow", TOKEN, "x\n".getBytes()))
                    .satisfies(r -> assertThat(r.statusCode()).isEqualTo(404))
                    .satisfies(r -> assertThat(r.body()).contains("known sources"));
            assertThat(post(http, base + "/ingest/sshd", TOKEN, "\n \n".getBytes()))
                    .satisfies(r -> assertThat(r.statusCode()).isEqualTo(400))
                    .satisfies(r -> assertThat(r.body()).contains("\"error\":\"empty\""));
            assertThat(post(http, base + "/ingest/sshd", TOKEN, new byte[] {'a', (byte) 0xC3, '\n'}))
                    .satisfies(r -> assertThat(r.statusCode()).isEqualTo(400))
                    .satisfies(r -> assertThat(r.body()).contains("not UTF-8"));
            assertThat(post(http, base + "/ingest/sshd", TOKEN, ("x".repeat(600) + "\n").getBytes()))
                    .satisfies(r -> assertThat(r.statusCode()).isEqualTo(413))
                    .satisfies(r -> assertThat(r.body()).contains("line 1 is over 512 bytes"));
            assertThat(post(http, base + "/ingest/sshd", TOKEN, ("y".repeat(100) + "\n").repeat(50).getBytes()))
                    .satisfies(r -> assertThat(r.statusCode()).isEqualTo(413))
                    .satisfies(r -> assertThat(r.body()).contains("over 4096 bytes"));
            HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(base + "/ingest/sshd"))
                    .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(405);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("zt_ingest_http_records_accepted_total 3")
                    .contains("zt_ingest_http_requests_refused_total 7");
        }
    }

    private static HttpResponse<String> post(HttpClient http, String url, String token, byte[] body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
