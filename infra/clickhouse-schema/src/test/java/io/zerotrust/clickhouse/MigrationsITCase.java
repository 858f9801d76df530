package io.zerotrust.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import com.clickhouse.data.ClickHouseFormat;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The migrations against the platform's real ClickHouse. */
@ExtendWith(PlatformExtension.class)
class MigrationsITCase {

    private static String db() {
        return "mig_" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void applyingTwiceCreatesEveryTableOnceAndRecordsIt(TestPlatform platform) throws Exception {
        String db = db();
        try (Client ch = platform.clickhouse()) {
            assertThat(Migrations.apply(ch, db)).containsExactly(1, 2, 3);
            assertThat(Migrations.apply(ch, db)).as("already up to date").isEmpty();
            assertThat(Migrations.lines(ch, "SELECT name FROM system.tables WHERE database = '" + db
                    + "' ORDER BY name")).containsExactly(".inner.device_first_seen", "anomalies", "conn_events",
                    "decision_acks", "decisions", "device_first_seen", "risk_scores", "rollup_1m",
                    "schema_migrations");
            assertThat(Migrations.lines(ch, "SELECT version, name, server_version FROM " + db
                    + ".schema_migrations ORDER BY version")).first().asString()
                    .startsWith("1\tanalytics_tables\t" + Migrations.single(ch, "SELECT version()"));
            Migrations.run(ch, "DROP DATABASE " + db);
        }
    }

    @Test
    void aReplayedEventIsOneRowAsAnalystsReadIt(TestPlatform platform) throws Exception {
        String db = db();
        try (Client ch = platform.clickhouse()) {
            Migrations.apply(ch, db);
            String row = "{\"event_id\":\"e-1\",\"event_time\":1795341600,\"event_time_ms\":1795341600123,"
                    + "\"phase\":\"OPEN\",\"user\":\"alice\",\"src_ip\":\"10.0.0.1\",\"bytes_out\":10}";
            for (int i = 0; i < 2; i++) { // the same event written twice, in two inserts (a replay)
                try (var r = ch.insert(db + ".conn_events", new ByteArrayInputStream(row.getBytes(
                        StandardCharsets.UTF_8)), ClickHouseFormat.JSONEachRow).get(30, TimeUnit.SECONDS)) {
                    assertThat(r).isNotNull();
                }
            }
            assertThat(Migrations.single(ch, "SELECT count() FROM " + db + ".conn_events FINAL")).isEqualTo("1");
            assertThat(Migrations.single(ch, "SELECT toString(event_date), phase FROM " + db + ".conn_events FINAL"))
                    .isEqualTo("2026-11-22\tOPEN");
            Migrations.run(ch, "DROP DATABASE " + db);
        }
    }

    @Test
    void aMigrationChangedAfterItWasAppliedIsRefused(TestPlatform platform) throws Exception {
        String db = db();
        try (Client ch = platform.clickhouse()) {
            Migrations.run(ch, "CREATE DATABASE " + db);
            Migrations.run(ch, "CREATE TABLE " + db + ".schema_migrations (version UInt32, name String,"
                    + " checksum String, applied_at DateTime, server_version String) ENGINE = ReplacingMergeTree"
                    + " ORDER BY version");
            Migrations.run(ch, "INSERT INTO " + db + ".schema_migrations VALUES (1, 'analytics_tables',"
                    + " 'not-the-same', now(), 'x')");
            assertThatThrownBy(() -> Migrations.apply(ch, db)).hasMessageContaining("V1 (analytics_tables) was "
                    + "changed after it was applied").hasMessageContaining("new migration");
            Migrations.run(ch, "DROP DATABASE " + db);
        }
    }
}
