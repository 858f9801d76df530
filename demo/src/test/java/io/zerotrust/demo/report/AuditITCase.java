package io.zerotrust.demo.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.clickhouse.Migrations;
import io.zerotrust.jobs.analytics.Inserts;
import io.zerotrust.jobs.analytics.Rows;
import io.zerotrust.jobs.analytics.TableRow;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The report's cross-check against the query pack's decision audit, on a real ClickHouse. */
@ExtendWith(PlatformExtension.class)
class AuditITCase {

    private static final String DB = "audit_" + UUID.randomUUID().toString().substring(0, 8);
    private static final Path QUERIES = Path.of("../dashboards/queries");
    private static final long RUN = System.currentTimeMillis() / 1000 * 1000 - 10 * 60_000;
    private static TestPlatform platform;
    private static final List<EnforcementDecision> RUN_DECISIONS = new ArrayList<>();

    static EnforcementDecision decision(String id, String entity, Action action, DecisionMode mode, long issuedAt) {
        return EnforcementDecision.newBuilder().setDecisionId(id).setEntity(entity).setEntityType(EntityType.IP)
                .setAction(action).setMode(mode).setIssuedAt(issuedAt).setExpiresAt(issuedAt + 1_800_000)
                .setEventTime(issuedAt - 40).setIssuer(DecisionIssuer.ENGINE).setPolicyVersion("v1")
                .setRuleId("scan-block-source").setSummary(action + " " + entity).setReasons(List.of()).build();
    }

    @BeforeAll
    static void seed(TestPlatform p) throws Exception {
        platform = p;
        try (Client ch = p.clickhouse()) {
            Migrations.apply(ch, DB);
        RUN_DECISIONS.add(decision("d-1", "ip:198.18.7.1", Action.BLOCK, DecisionMode.ENFORCE, RUN + 60_123));
        RUN_DECISIONS.add(decision("d-2", "user:u0001-ab", Action.STEP_UP, DecisionMode.SHADOW, RUN + 61_999));
        RUN_DECISIONS.add(decision("d-3", "ip:198.18.7.2", Action.BLOCK, DecisionMode.ENFORCE, RUN + 62_000));
            List<TableRow> rows = new ArrayList<>();
            RUN_DECISIONS.forEach(d -> rows.add(Rows.decision(d)));
            rows.add(Rows.decision(RUN_DECISIONS.get(0))); // delivered twice: the table keeps one
            rows.add(Rows.decision(decision("old", "ip:198.18.7.9", Action.BLOCK, DecisionMode.ENFORCE,
                    RUN - 120_000))); // an earlier run's
            Inserts.insert(ch, DB, rows);
        }
    }

    @AfterAll
    static void drop() throws Exception {
        try (Client ch = platform.clickhouse()) {
            ch.query("DROP DATABASE IF EXISTS " + DB).get(30, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void theAuditReturnsExactlyTheRunsDecisions() throws Exception {
        Audit a = Audit.check(platform.clickhouseUrl(), DB, QUERIES, RUN, RUN_DECISIONS, 0);
        assertThat(a.same()).as("%s", a).isTrue();
        assertThat(a.found()).isEqualTo(3);
        assertThat(a.query()).contains("FROM " + DB + ".decisions FINAL");
    }

    @Test
    void aDecisionClickHouseLacksAndOneKafkaLacksAreBothNamed() throws Exception {
        List<EnforcementDecision> kafka = new ArrayList<>(RUN_DECISIONS.subList(0, 2));
        kafka.add(decision("d-4", "ip:198.18.7.4", Action.THROTTLE, DecisionMode.ENFORCE, RUN + 63_000));
        Audit a = Audit.check(platform.clickhouseUrl(), DB, QUERIES, RUN, kafka, 0);
        assertThat(a.same()).isFalse();
        assertThat(a.missing()).singleElement().asString().contains("THROTTLE ip:198.18.7.4");
        assertThat(a.unexpected()).singleElement().asString().contains("BLOCK ip:198.18.7.2");
    }
}
