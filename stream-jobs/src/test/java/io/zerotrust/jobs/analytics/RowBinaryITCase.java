package io.zerotrust.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.AppliedDecisionRef;
import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.HttpInfo;
import io.zerotrust.avro.SourceEndpoint;
import io.zerotrust.clickhouse.Migrations;
import io.zerotrust.clickhouse.MigrationsAccess;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The RowBinary rows of conn_events and rollup_1m against the real ClickHouse: every column reads back as written,
 * and a table whose columns differ from what the sink writes is refused at start, naming the difference.
 */
@ExtendWith(PlatformExtension.class)
class RowBinaryITCase {

    private static String q(Client ch, String sql) {
        return String.join("\n", MigrationsAccess.lines(ch, sql));
    }

    @Test
    void everyColumnReadsBackAsWritten(TestPlatform platform) throws Exception {
        String db = "it_rb_" + UUID.randomUUID().toString().substring(0, 6);
        try (Client ch = platform.clickhouse()) {
            Migrations.apply(ch, db);
            Inserts.checkBinaryTables(ch, db);
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("revokedBy", "dec-1");
            attrs.put("note", "naïve café ✓");
            ConnectionEvent full = ConnectionEvent.newBuilder().setEventId("ev-1").setEventTime(1_795_341_612_345L)
                    .setOrigin("gateway").setGatewayId("gw-1").setConnectionId("c-9").setPhase(ConnectionPhase.CLOSE)
                    .setUser("zoë").setDeviceId("laptop-7")
                    .setAuth(new AuthInfo(AuthMethod.JWT, AuthResult.FAILURE, "expired", "https://idp"))
                    .setSrc(new SourceEndpoint("10.1.2.3", 65535, "DE", null, null))
                    .setDst(new DestinationEndpoint("portal", "portal.internal", "10.9.9.9", 443))
                    .setProtocol("https")
                    .setHttp(new HttpInfo("POST", "/a/b", 403, "curl/8"))
                    .setBytesIn(5_000_000_000L).setBytesOut(7).setDurationMs(1234).setRequestCount(42)
                    .setCloseReason("revoked").setRejectReason(null)
                    .setDecision(new AppliedDecisionRef("dec-1", "user:zoë", Action.BLOCK, DecisionMode.ENFORCE))
                    .setAttributes(attrs).build();
            ConnectionEvent bare = ConnectionEvent.newBuilder().setEventId("ev-2").setEventTime(1_795_341_600_000L)
                    .setOrigin("zeek").setGatewayId("").setConnectionId("c-10").setPhase(ConnectionPhase.REJECT)
                    .setAuth(new AuthInfo(AuthMethod.NONE, AuthResult.NOT_ATTEMPTED, null, null))
                    .setSrc(new SourceEndpoint("192.0.2.1", 0, null, null, null))
                    .setDst(new DestinationEndpoint(null, null, null, 0)).setProtocol("tcp")
                    .setAttributes(Map.of()).build();
            Rollups.Counts counts = new Rollups.Counts();
            counts.connections = 3;
            counts.failures = 1;
            counts.rejects = 2;
            counts.bytesIn = 10;
            counts.bytesOut = 20;
            counts.events = 6;
            counts.destinations = new HashSet<>(List.of("a:1", "b:2"));
            Inserts.insert(ch, db, List.of(Rows.event(full), Rows.event(bare),
                    Rollups.row("src_ip|10.1.2.3", 1_795_341_600_000L, counts)));

            assertThat(q(ch, "SELECT event_id, event_time_ms, toString(event_time), event_date, origin, gateway_id,"
                    + " connection_id, phase, user, device_id, auth_method, auth_outcome, auth_failure_reason, src_ip,"
                    + " src_port, src_country, dst_service, dst_host, dst_ip, dst_port, protocol, http_method,"
                    + " http_path, http_status, user_agent, bytes_in, bytes_out, duration_ms, request_count,"
                    + " close_reason, reject_reason, decision_id, decision_action, decision_mode, attr_keys,"
                    + " attr_values FROM " + db + ".conn_events ORDER BY event_id")).isEqualTo(String.join("\n",
                    String.join("\t", "ev-1", "1795341612345", "2026-11-22 10:00:12", "2026-11-22", "gateway",
                            "gw-1", "c-9", "CLOSE", "zoë", "laptop-7", "JWT", "FAILURE", "expired", "10.1.2.3",
                            "65535", "DE", "portal", "portal.internal", "10.9.9.9", "443", "https", "POST", "/a/b",
                            "403", "curl/8", "5000000000", "7", "1234", "42", "revoked", "", "dec-1", "BLOCK",
                            "ENFORCE", "['revokedBy','note']", "['dec-1','naïve café ✓']"),
                    String.join("\t", "ev-2", "1795341600000", "2026-11-22 10:00:00", "2026-11-22", "zeek", "",
                            "c-10", "REJECT", "", "", "NONE", "NOT_ATTEMPTED", "", "192.0.2.1", "0", "", "", "", "", "0", "tcp", "", "",
                            "0", "", "0", "0", "0", "0", "", "", "", "", "", "[]", "[]")));
            assertThat(q(ch, "SELECT dimension, key, toString(minute), connections, failures, rejects, bytes_in,"
                    + " bytes_out, distinct_destinations, events, version FROM " + db + ".rollup_1m"))
                    .isEqualTo("src_ip\t10.1.2.3\t2026-11-22 10:00:00\t3\t1\t2\t10\t20\t2\t6\t6");
            q(ch, "DROP DATABASE " + db);
        }
    }

    @Test
    void aTableWithOtherColumnsIsRefusedAtStart(TestPlatform platform) throws Exception {
        String db = "it_rb_" + UUID.randomUUID().toString().substring(0, 6);
        try (Client ch = platform.clickhouse()) {
            Migrations.apply(ch, db);
            q(ch, "ALTER TABLE " + db + ".conn_events ADD COLUMN extra String AFTER user");
            assertThatThrownBy(() -> Inserts.checkBinaryTables(ch, db))
                    .hasMessageContaining(db + ".conn_events does not have the columns this sink writes")
                    .hasMessageContaining("extra String");
            q(ch, "DROP DATABASE " + db);
        }
    }

    @Test
    void theEventPhasesMatchTheTablesEnum() {
        // Rows.event writes the phase as its ordinal + 1: the Avro enum's order must be the Enum8's
        StringBuilder enumType = new StringBuilder("phase Enum8(");
        for (ConnectionPhase p : ConnectionPhase.values()) {
            enumType.append(p.ordinal() == 0 ? "" : ", ").append('\'').append(p.name()).append("' = ")
                    .append(p.ordinal() + 1);
        }
        assertThat(Rows.EVENT_COLUMNS).contains(enumType.append(')').toString());
    }
}
