package io.zerotrust.jobs.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The backfill setting and the defaults it changes, unless they are given. */
class RiskJobConfigTest {

    @Test
    void liveByDefault() {
        RiskJobConfig c = RiskJobConfig.of(Map.of());
        assertThat(c.backfill()).isFalse();
        assertThat(c.outOfOrderness()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.eventsStart()).isEqualTo("committed");
        assertThat(c.groupId()).isEqualTo("zt-risk-engine");
        assertThat(c.checkpointDir()).isEqualTo("var/checkpoints/risk");
    }

    @Test
    void backfillReadsFromTheBeginningWithAnHourOfDisorderInItsOwnGroup() {
        RiskJobConfig c = RiskJobConfig.fromArgs(List.of("--risk.backfill=true"), Map.of());
        assertThat(c.backfill()).isTrue();
        assertThat(c.outOfOrderness()).isEqualTo(Duration.ofHours(1));
        assertThat(c.eventsStart()).isEqualTo("earliest");
        assertThat(c.groupId()).as("not the live engine's offsets").isEqualTo("zt-risk-backfill");
        assertThat(c.checkpointDir()).isEqualTo("var/checkpoints/risk-backfill");
    }

    @Test
    void whatIsGivenWinsOverTheBackfillDefaults() {
        RiskJobConfig c = RiskJobConfig.fromArgs(List.of("--risk.backfill=true", "--risk.events.start=1700000000000",
                "--risk.group.id=history-2026-11"), Map.of("ZT_RISK_OUT_OF_ORDERNESS_MS", "86400000"));
        assertThat(c.outOfOrderness()).isEqualTo(Duration.ofDays(1));
        assertThat(c.eventsStart()).isEqualTo("1700000000000");
        assertThat(c.groupId()).isEqualTo("history-2026-11");
    }

    @Test
    void aBadBackfillValueNamesTheKey() {
        assertThatThrownBy(() -> RiskJobConfig.fromArgs(List.of("--risk.backfill=yes"), Map.of()))
                .hasMessageContaining("risk.backfill").hasMessageContaining("true, false");
    }

    @Test
    void aBackfillDecisionIsShadowAndSaysItIsAboutHistory() {
        EnforcementDecision d = EnforcementDecision.newBuilder().setDecisionId("d1").setEntity("user:alice")
                .setEntityType(EntityType.USER).setAction(Action.BLOCK).setMode(DecisionMode.ENFORCE)
                .setIssuer(DecisionIssuer.ENGINE).setIssuedAt(1L).setExpiresAt(2L).setPolicyVersion("v1")
                .setSummary("critical risk").setReasons(List.of()).build();
        EnforcementDecision shadow = new RiskJob.AsShadow().map(d);
        assertThat(shadow.getMode()).isEqualTo(DecisionMode.SHADOW);
        assertThat(shadow.getSummary()).startsWith("backfill").endsWith("critical risk");
        assertThat(shadow.getAction()).isEqualTo(Action.BLOCK);
    }
}
