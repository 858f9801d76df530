package io.zerotrust.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.schemas.topics.CleanupPolicy;
import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void namesAreUniqueAndMatchTheContracts() {
        assertThat(Topics.all()).extracting(Topic::name).doesNotHaveDuplicates().contains(
                "conn.events", "telemetry.dlq", "risk.scores", "anomalies", "enforcement.decisions",
                "enforcement.acks", "policy.rules", "telemetry.raw.zeek", "telemetry.raw.windows",
                "telemetry.raw.sshd", "telemetry.raw.envoy", "telemetry.raw.flow", "inventory.devices", "inventory.identities");
        assertThat(Topics.avroTopics()).hasSize(9);
    }

    @Test
    void cleanupPoliciesFollowTheDesign() {
        assertThat(Topics.RISK_SCORES.cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
        assertThat(Topics.ENFORCEMENT_DECISIONS.configs()).containsEntry("cleanup.policy", "compact")
                .doesNotContainKey("retention.ms");
        assertThat(Topics.POLICY_RULES.cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
        assertThat(Topics.CONN_EVENTS.configs()).containsEntry("cleanup.policy", "delete")
                .containsEntry("retention.ms", Long.toString(7L * 24 * 3600 * 1000));
        assertThat(Topics.TELEMETRY_DLQ.retention()).hasValueSatisfying(d -> assertThat(d.toDays()).isEqualTo(30));
        assertThat(Topics.telemetryRaw("zeek").retention()).hasValueSatisfying(d -> assertThat(d.toDays()).isEqualTo(3));
        assertThat(Topics.telemetryRaw("zeek").isAvro()).isFalse();
    }

    @Test
    void subjectsFollowTheTopicNameStrategy() {
        assertThat(Topics.CONN_EVENTS.valueSubject()).isEqualTo("conn.events-value");
        assertThat(Topics.CONN_EVENTS.valueSchema()).hasValueSatisfying(
                s -> assertThat(s.getFullName()).isEqualTo("io.zerotrust.avro.ConnectionEvent"));
    }

    @Test
    void unknownNamesFailWithTheKnownOnes() {
        assertThatThrownBy(() -> Topics.telemetryRaw("netflow"))
                .hasMessageContaining("netflow").hasMessageContaining("zeek");
        assertThat(Topics.byName("nope")).isEmpty();
        assertThat(Topics.byName("anomalies")).contains(Topics.ANOMALIES);
    }

    @Test
    void rawTopicsPassBytesThrough() {
        byte[] raw = "{\"ts\":1}".getBytes();
        Topic<String, byte[]> zeek = Topics.telemetryRaw("zeek");
        assertThat(zeek.valueSerde(null).deserializer().deserialize(zeek.name(),
                zeek.valueSerde(null).serializer().serialize(zeek.name(), raw))).isEqualTo(raw);
    }
}
