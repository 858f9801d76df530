package io.zerotrust.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.jobs.risk.TestEvents;
import io.zerotrust.platform.ClickHouseServer;
import io.zerotrust.platform.PortCheck;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * ClickHouse stopped for 30 s while events flow into the sink job: once it is back, every event is in
 * {@code conn_events}, none twice as analysts read it. Its own ClickHouse server, so the shared one stays up.
 */
@ExtendWith(PlatformExtension.class)
class ClickHouseOutageITCase {

    @Test
    void everyRowArrivesOnceAfterClickHouseReturns(TestPlatform platform, @TempDir Path dir) throws Exception {
        int http = PortCheck.freePort();
        int tcp = PortCheck.freePort();
        ClickHouseServer clickhouse = ClickHouseServer.start(dir.resolve("ch"), http, tcp, Duration.ofSeconds(60));
        String run = "out" + UUID.randomUUID().toString().substring(0, 6);
        String db = "it_" + run;
        AtomicBoolean flowing = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger failedSends = new AtomicInteger();
        JobClient job = AnalyticsSinkITCase.start(platform, clickhouse.httpUrl(), db, "it-" + run,
                System.currentTimeMillis());
        Thread traffic = new Thread(() -> {
            try (KafkaProducer<String, ConnectionEvent> p = platform.producer(Topics.CONN_EVENTS)) {
                long t = AnalyticsSinkITCase.T0;
                while (flowing.get()) {
                    for (int i = 0; i < 20; i++) {
                        ConnectionEvent e = TestEvents.login(run + "-u" + (i % 7), "laptop", "10.8.0." + i, "svc",
                                t += 10);
                        p.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), "user:" + e.getUser(), e),
                                (md, ex) -> (ex == null ? sent : failedSends).incrementAndGet());
                    }
                    Thread.sleep(100);
                }
                p.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "traffic");
        Client ch = null;
        try {
            traffic.start();
            Thread.sleep(4_000);
            clickhouse.close();
            int beforeOutage = sent.get();
            Thread.sleep(30_000);
            int duringOutage = sent.get() - beforeOutage;
            clickhouse = ClickHouseServer.start(dir.resolve("ch"), http, tcp, Duration.ofSeconds(60));
            Thread.sleep(3_000);
            flowing.set(false);
            traffic.join();
            assertThat(failedSends.get()).isZero();
            assertThat(duringOutage).as("events kept flowing while ClickHouse was down").isGreaterThan(1000);
            int expected = sent.get();
            ch = new Client.Builder().addEndpoint(clickhouse.httpUrl()).setUsername("default").setPassword("")
                    .compressServerResponse(false).build();
            Client c = ch;
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    AnalyticsSinkITCase.q(c, "SELECT uniqExact(event_id) FROM " + db + ".conn_events")
                            .equals(Integer.toString(expected)));
            assertThat(AnalyticsSinkITCase.q(c, "SELECT count() FROM " + db + ".conn_events FINAL"))
                    .as("none twice, as analysts read it").isEqualTo(Integer.toString(expected));
        } finally {
            flowing.set(false);
            job.cancel().get();
            if (ch != null) {
                ch.close();
            }
            clickhouse.close();
        }
    }
}
