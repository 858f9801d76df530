package io.zerotrust.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Writes and reads a ClickHouse table of the platform through client-v2 with text formats. */
@ExtendWith(PlatformExtension.class)
class ClickHouseITCase {

    @Test
    void writesAndReadsATable(TestPlatform platform) throws Exception {
        try (Client ch = platform.clickhouse()) {
            query(ch, "DROP TABLE IF EXISTS it_conn");
            query(ch, "CREATE TABLE it_conn (event_id String, event_date Date, event_time DateTime,"
                    + " event_time_ms UInt64, user String, bytes_out UInt64, version UInt64)"
                    + " ENGINE = ReplacingMergeTree(version) PARTITION BY event_date ORDER BY (user, event_id)");
            String rows = String.join("\n",
                    row("e1", "alice", 100, 1), row("e2", "alice", 250, 1), row("e3", "bob", 7, 1),
                    row("e1", "alice", 100, 2)); // a replayed duplicate of e1
            // 18.16 sends no X-ClickHouse-Summary, so the response cannot count rows: the reads below do.
            try (InsertResponse r = ch.insert("it_conn",
                    new ByteArrayInputStream(rows.getBytes(StandardCharsets.UTF_8)), ClickHouseFormat.JSONEachRow)
                    .get(30, TimeUnit.SECONDS)) {
                assertThat(r).isNotNull();
            }
            assertThat(query(ch, "SELECT event_id FROM it_conn FINAL ORDER BY event_id"))
                    .containsExactly("e1", "e2", "e3");
            assertThat(query(ch, "SELECT user, count(), sum(bytes_out) FROM it_conn FINAL GROUP BY user ORDER BY user"))
                    .containsExactly("alice\t2\t350", "bob\t1\t7");
            assertThat(query(ch, "SELECT toString(event_time), event_time_ms FROM it_conn FINAL WHERE event_id = 'e3'"))
                    .containsExactly("2026-11-22 10:00:00\t1795341600123");
            query(ch, "DROP TABLE it_conn");
        }
    }

    private static String row(String id, String user, long bytesOut, long version) {
        long ms = 1_795_341_600_123L; // 2026-11-22 10:00:00.123 UTC
        return "{\"event_id\":\"" + id + "\",\"event_date\":\"2026-11-22\",\"event_time\":" + ms / 1000
                + ",\"event_time_ms\":" + ms + ",\"user\":\"" + user + "\",\"bytes_out\":" + bytesOut
                + ",\"version\":" + version + "}";
    }

    private static List<String> query(Client ch, String sql) throws Exception {
        try (QueryResponse r = ch.query(sql, new QuerySettings().setFormat(ClickHouseFormat.TabSeparated))
                .get(30, TimeUnit.SECONDS)) {
            String body = new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return body.isEmpty() ? List.of() : List.of(body.split("\n"));
        }
    }
}
