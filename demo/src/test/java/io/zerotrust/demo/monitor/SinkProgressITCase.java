package io.zerotrust.demo.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.clickhouse.Migrations;
import io.zerotrust.demo.sim.Attempt;
import io.zerotrust.demo.sim.SimEvents;
import io.zerotrust.jobs.analytics.Inserts;
import io.zerotrust.jobs.analytics.Rows;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The sink's lag by what has landed, on a real broker and a real ClickHouse. */
@ExtendWith(PlatformExtension.class)
class SinkProgressITCase {

    private static List<ConnectionEvent> probes(String run, int n, long time) {
        List<ConnectionEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String ip = "100.99." + Math.floorMod(run.hashCode(), 200) + "." + i;
            Attempt a = new Attempt(time + i, Attempt.Kind.PROBE, null, null, ip, null, 1_000 + i, 0, 0, run);
            events.addAll(SimEvents.of(a, time + i, "zeek"));
        }
        return events;
    }

    private static void send(TestPlatform p, List<ConnectionEvent> events, long timestamp) {
        try (KafkaProducer<String, ConnectionEvent> producer = p.producer(Topics.CONN_EVENTS)) {
            for (ConnectionEvent e : events) {
                producer.send(new ProducerRecord<>(Topics.CONN_EVENTS.name(), null, timestamp,
                        "ip:" + e.getSrc().getIp(), e));
            }
            producer.flush();
        }
    }

    private static long endOffsets(Admin admin) throws Exception {
        return Monitor.endOffsets(admin, List.of(Topics.CONN_EVENTS.name())).values().stream()
                .mapToLong(Long::longValue).sum();
    }

    @Test
    void countsWhatTheSinkWouldReadLessTheRowsClickHouseGained(TestPlatform p) throws Exception {
        String run = "sp" + UUID.randomUUID().toString().substring(0, 6);
        String db = "it_" + run;
        long fromMs = System.currentTimeMillis();
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                p.kafkaBootstrap()));
             Client ch = p.clickhouse()) {
            assertThat(SinkProgress.rows(p.clickhouseUrl(), db)).as("no table yet").isZero();
            Migrations.apply(ch, db);
            // rows of an earlier run, and records from before the sink's start time: neither counts
            List<ConnectionEvent> earlier = probes(run + "-old", 4, fromMs - 60_000);
            Inserts.insert(ch, db, earlier.stream().map(Rows::event).toList());
            send(p, earlier, fromMs - 60_000);
            List<ConnectionEvent> live = probes(run, 12, fromMs);
            send(p, live, fromMs + 1);

            SinkProgress progress = SinkProgress.before(admin, p.clickhouseUrl(), db, fromMs);
            assertThat(progress.behind(endOffsets(admin))).as("the sink would read the 12 live records")
                    .isEqualTo(12);

            Inserts.insert(ch, db, live.subList(0, 5).stream().map(Rows::event).toList());
            assertThat(progress.behind(endOffsets(admin))).as("5 of them landed").isEqualTo(7);

            Inserts.insert(ch, db, live.subList(5, 12).stream().map(Rows::event).toList());
            assertThat(progress.behind(endOffsets(admin))).as("all landed").isZero();
        } finally {
            try (Client ch = p.clickhouse()) {
                ch.query("DROP DATABASE IF EXISTS " + db).get(30, TimeUnit.SECONDS).close();
            }
        }
    }

    @Test
    void refusesADatabaseNameItWouldHaveToQuote(TestPlatform p) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                p.kafkaBootstrap()))) {
            assertThatThrownBy(() ->
                            SinkProgress.before(admin, p.clickhouseUrl(), "zt' OR 1", 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zt' OR 1");
        }
    }
}
