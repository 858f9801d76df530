package io.zerotrust.jobs.risk.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.jobs.risk.score.RiskScoring;
import io.zerotrust.jobs.state.Contribution;
import io.zerotrust.jobs.state.DecisionState;
import io.zerotrust.schemas.policy.Policy;
import io.zerotrust.schemas.policy.PolicyFiles;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyEngineTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final long MIN = 60_000L;
    private final PolicyEngine engine = new PolicyEngine();
    private final Policy defaults = Policy.of(PolicyFiles.defaults(T0));

    private static PolicyEngine.Subject subject(String entity, double score, long t, String... detectors) {
        List<RiskScoring.DetectorShare> shares = new ArrayList<>();
        for (String d : detectors) {
            shares.add(new RiskScoring.DetectorShare(d, score / detectors.length, Contribution.newBuilder()
                    .setDetector(d).setPoints(score).setTime(t).setAnomalyId("a-" + d).setExplanation(d + " fired")
                    .setEvidenceEventIds(List.of("e-1", "e-2")).build()));
        }
        return new PolicyEngine.Subject(entity, io.zerotrust.jobs.risk.detect.Entities.typeOf(entity), score,
                RiskScoring.levelOf(score), shares, t, "e-2");
    }

    private static DecisionState fresh() {
        return DecisionState.newBuilder().build();
    }

    @Test
    void criticalRiskIsBlockedWithItsReasonsAndARepeatableId() {
        DecisionState state = fresh();
        List<EnforcementDecision> out = engine.decide(defaults, subject("user:ann", 82, T0, "exfiltration",
                "new_device"), state, T0 + 5);
        assertThat(out).singleElement().satisfies(d -> {
            assertThat(d.getAction()).isEqualTo(Action.BLOCK);
            assertThat(d.getMode()).isEqualTo(DecisionMode.ENFORCE);
            assertThat(d.getIssuer()).isEqualTo(DecisionIssuer.ENGINE);
            assertThat(d.getExpiresAt()).isEqualTo(T0 + 30 * MIN);
            assertThat(d.getPolicyVersion()).isEqualTo(defaults.version());
            assertThat(d.getReasons()).extracting(r -> r.getDetector()).containsExactly("exfiltration", "new_device");
            assertThat(d.getReasons().get(0).getEvidenceEventIds()).containsExactly("e-1", "e-2");
            assertThat(d.getSummary()).contains("BLOCK user:ann for 30 min", "risk 82 (critical)", "exfiltration");
            assertThat(d.getDecisionId()).isEqualTo(PolicyEngine.decisionId("user:ann", DecisionMode.ENFORCE,
                    Action.BLOCK, d.getRuleId(), T0));
        });
        assertThat(state.getEnforce().getAction()).isEqualTo("BLOCK");
    }

    @Test
    void detectorRulesApplyToTheirEntityTypesOnly() {
        assertThat(engine.decide(defaults, subject("ip:198.18.6.6", 60, T0, "password_spray"), fresh(), T0))
                .singleElement().satisfies(d -> {
                    assertThat(d.getAction()).isEqualTo(Action.BLOCK);
                    assertThat(d.getRuleId()).isEqualTo("spray-block-source");
                });
        // brute force on a source throttles (1/s); on a user it steps up
        assertThat(engine.decide(defaults, subject("ip:198.18.6.7", 40, T0, "brute_force"), fresh(), T0))
                .singleElement().satisfies(d -> {
                    assertThat(d.getAction()).isEqualTo(Action.THROTTLE);
                    assertThat(d.getThrottleRatePerSecond()).isEqualTo(1.0);
                });
        assertThat(engine.decide(defaults, subject("user:bo", 40, T0, "brute_force"), fresh(), T0))
                .singleElement().extracting(EnforcementDecision::getAction).isEqualTo(Action.STEP_UP);
        assertThat(engine.decide(defaults, subject("user:cy", 15, T0, "rare_destination"), fresh(), T0)).isEmpty();
    }

    @Test
    void slowFindingsStepUpForAnHourScansAreBlockedAndServicesAreLeftToAnalysts() {
        for (String entity : List.of("user:dee", "ip:198.18.6.8")) {
            assertThat(engine.decide(defaults, subject(entity, 30, T0, "brute_force_slow"), fresh(), T0))
                    .as(entity).singleElement().satisfies(d -> {
                        assertThat(d.getAction()).isEqualTo(Action.STEP_UP);
                        assertThat(d.getRuleId()).isEqualTo("slow-brute-force");
                        assertThat(d.getExpiresAt()).isEqualTo(T0 + 60 * MIN);
                    });
        }
        assertThat(engine.decide(defaults, subject("ip:198.18.6.9", 45, T0, "password_spray_slow"), fresh(), T0))
                .singleElement().extracting(EnforcementDecision::getAction).isEqualTo(Action.STEP_UP);
        assertThat(engine.decide(defaults, subject("ip:198.18.6.10", 40, T0, "port_scan_slow"), fresh(), T0))
                .singleElement().extracting(EnforcementDecision::getAction).isEqualTo(Action.BLOCK);
        assertThat(engine.decide(defaults, subject("user:eve", 35, T0, "fan_out_slow"), fresh(), T0))
                .singleElement().extracting(EnforcementDecision::getAction).isEqualTo(Action.STEP_UP);
        assertThat(engine.decide(defaults, subject("service:portal", 40, T0, "distributed_brute_force"), fresh(),
                T0)).isEmpty();
    }

    @Test
    void aBlockHoldsUntilItsRiskIsLowAndItsHoldTimePassedThenIsReleased() {
        DecisionState state = fresh();
        EnforcementDecision block = engine.decide(defaults, subject("user:dee", 80, T0, "exfiltration"), state, T0)
                .get(0);
        // lower, but not below 40, and within the 10 minutes' hold: nothing changes
        assertThat(engine.decide(defaults, subject("user:dee", 55, T0 + 2 * MIN), state, T0)).isEmpty();
        assertThat(engine.decide(defaults, subject("user:dee", 35, T0 + 5 * MIN), state, T0)).isEmpty();
        List<EnforcementDecision> release = engine.decide(defaults, subject("user:dee", 35, T0 + 11 * MIN), state,
                T0);
        assertThat(release).singleElement().satisfies(d -> {
            assertThat(d.getAction()).isEqualTo(Action.ALLOW);
            assertThat(d.getSupersedes()).isEqualTo(block.getDecisionId());
            assertThat(d.getSummary()).contains("released from BLOCK");
        });
        assertThat(engine.decide(defaults, subject("user:dee", 30, T0 + 12 * MIN), state, T0)).isEmpty();
    }

    @Test
    void aDecisionEscalatesAndIsRenewedNearItsExpiryWithoutFlapping() {
        DecisionState state = fresh();
        assertThat(engine.decide(defaults, subject("user:eve", 55, T0), state, T0)).singleElement()
                .extracting(EnforcementDecision::getAction).isEqualTo(Action.STEP_UP);
        for (int m = 1; m < 10; m++) {
            assertThat(engine.decide(defaults, subject("user:eve", 56, T0 + m * MIN), state, T0)).isEmpty();
        }
        // 15-minute STEP_UP with less than 5 minutes left: renewed
        EnforcementDecision renewed = engine.decide(defaults, subject("user:eve", 56, T0 + 11 * MIN), state, T0)
                .get(0);
        assertThat(renewed.getAction()).isEqualTo(Action.STEP_UP);
        assertThat(renewed.getExpiresAt()).isEqualTo(T0 + 26 * MIN);
        assertThat(state.getEnforce().getHeldSince()).as("the same episode").isEqualTo(T0);
        assertThat(engine.decide(defaults, subject("user:eve", 90, T0 + 12 * MIN), state, T0)).singleElement()
                .extracting(EnforcementDecision::getAction).isEqualTo(Action.BLOCK);
    }

    @Test
    void allowListedEntitiesAreNeverActedOnAndAreReleased() {
        DecisionState state = fresh();
        engine.decide(defaults, subject("ip:10.20.30.40", 90, T0, "port_scan"), state, T0);
        PolicyRule allow = PolicyRule.newBuilder().setRuleId("scanners").setVersion(1)
                .setKind(io.zerotrust.avro.RuleKind.ALLOW_LIST).setEntities(List.of("ip:10.20.0.0/16"))
                .setAction(Action.ALLOW).setMode(DecisionMode.ENFORCE).setUpdatedAt(T0).build();
        Policy p = defaults.with(allow);
        assertThat(p.version()).isNotEqualTo(defaults.version());
        assertThat(engine.decide(p, subject("ip:10.20.30.40", 95, T0 + MIN, "port_scan"), state, T0))
                .singleElement().satisfies(d -> {
                    assertThat(d.getAction()).isEqualTo(Action.ALLOW);
                    assertThat(d.getSummary()).contains("allow-listed");
                });
        assertThat(engine.decide(p, subject("ip:10.21.0.1", 95, T0 + MIN, "port_scan"), fresh(), T0))
                .singleElement().extracting(EnforcementDecision::getAction).isEqualTo(Action.BLOCK);
    }

    @Test
    void shadowRulesGiveShadowDecisionsOnly() {
        DecisionState state = fresh();
        assertThat(engine.decide(defaults, subject("user:fin", 15, T0, "off_hours"), state, T0)).singleElement()
                .satisfies(d -> {
                    assertThat(d.getMode()).isEqualTo(DecisionMode.SHADOW);
                    assertThat(d.getAction()).isEqualTo(Action.STEP_UP);
                    assertThat(d.getSummary()).endsWith("[shadow]");
                });
        assertThat(state.getEnforce()).isNull();
        assertThat(state.getShadow()).isNotNull();
    }

    @Test
    void aLiveManualDecisionSilencesTheEngineUntilItExpires() {
        DecisionState state = fresh();
        PolicyEngine.manual(state, EnforcementDecision.newBuilder().setDecisionId("m-1").setEntity("user:gus")
                .setEntityType(EntityType.USER).setAction(Action.ALLOW).setMode(DecisionMode.ENFORCE)
                .setIssuedAt(T0).setExpiresAt(T0 + 60 * MIN).setIssuer(DecisionIssuer.MANUAL).setPolicyVersion("m")
                .setSummary("known good").build());
        assertThat(engine.decide(defaults, subject("user:gus", 90, T0 + MIN, "exfiltration"), state, T0)).isEmpty();
        assertThat(engine.decide(defaults, subject("user:gus", 90, T0 + 61 * MIN, "exfiltration"), state, T0))
                .singleElement().extracting(EnforcementDecision::getAction).isEqualTo(Action.BLOCK);
    }

    @Test
    void aLiftedOverrideHandsTheEntityBackToTheEngineASecondLater() {
        // the console lifts an override with a MANUAL ALLOW that supersedes it and expires a second after it is issued
        DecisionState state = fresh();
        PolicyEngine.manual(state, EnforcementDecision.newBuilder().setDecisionId("m-2").setEntity("user:hal")
                .setEntityType(EntityType.USER).setAction(Action.ALLOW).setMode(DecisionMode.ENFORCE)
                .setIssuedAt(T0).setExpiresAt(T0 + 60 * MIN).setIssuer(DecisionIssuer.MANUAL).setPolicyVersion("m")
                .setSummary("allowed for the audit").build());
        assertThat(engine.decide(defaults, subject("user:hal", 90, T0 + MIN, "exfiltration"), state, T0)).isEmpty();
        long liftedAt = T0 + 2 * MIN;
        PolicyEngine.manual(state, EnforcementDecision.newBuilder().setDecisionId("m-3").setEntity("user:hal")
                .setEntityType(EntityType.USER).setAction(Action.ALLOW).setMode(DecisionMode.ENFORCE)
                .setIssuedAt(liftedAt).setExpiresAt(liftedAt + 1_000).setIssuer(DecisionIssuer.MANUAL)
                .setPolicyVersion("manual").setSupersedes("m-2").setSummary("override lifted: audit over").build());
        assertThat(engine.decide(defaults, subject("user:hal", 90, liftedAt + 2_000, "exfiltration"), state,
                liftedAt + 2_000)).singleElement().extracting(EnforcementDecision::getAction).isEqualTo(Action.BLOCK);
    }

    @Test
    void olderRuleVersionsDoNotReplaceNewerOnesAndBadRulesAreNamed() {
        PolicyRule v2 = PolicyRule.newBuilder(defaults.rules().iterator().next()).setVersion(2).setEnabled(false)
                .build();
        Policy p = defaults.with(v2);
        PolicyRule v1 = PolicyRule.newBuilder(v2).setVersion(1).setEnabled(true).build();
        assertThat(p.with(v1)).isSameAs(p);
        assertThat(p.without(v2.getRuleId()).rules()).hasSize(defaults.rules().size() - 1);
        assertThatThrownBy(() -> PolicyFiles.parse("[{\"ruleId\": \"x\", \"action\": \"BLOCK\", \"ttlMinute\": 5}]",
                "rules.json", T0)).hasMessageContaining("rules.json rule 0 ('x'): unknown field 'ttlMinute'");
        assertThatThrownBy(() -> PolicyFiles.parse("[{\"ruleId\": \"y\", \"kind\": \"THRESHOLD\", "
                + "\"action\": \"BLOCK\"}]", "rules.json", T0)).hasMessageContaining("needs minLevel or minScore");
        assertThatThrownBy(() -> PolicyFiles.parse("[{\"ruleId\": \"z\", \"kind\": \"ALLOW_LIST\", "
                + "\"entities\": [\"ip:10.0.0.0/40\"], \"action\": \"ALLOW\"}]", "rules.json", T0))
                .hasMessageContaining("bad address range 'ip:10.0.0.0/40'");
    }
}
