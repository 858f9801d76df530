package io.zerotrust.jobs.risk.flink;

import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.RiskScore;

/** What the policy operator reads per entity: a new risk score, or a manual decision to honour. A Flink POJO. */
public class PolicyInput {

    public RiskScore score;
    public EnforcementDecision manual;

    public PolicyInput() {
    }

    public static PolicyInput of(RiskScore score) {
        PolicyInput in = new PolicyInput();
        in.score = score;
        return in;
    }

    public static PolicyInput of(EnforcementDecision manual) {
        PolicyInput in = new PolicyInput();
        in.manual = manual;
        return in;
    }

    public String entity() {
        return score != null ? score.getEntity() : manual.getEntity();
    }
}
