package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.gateway.admin.ManualOverride;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation and authorization of manual decisions; the publishing itself is covered by GatewayITCase. */
class ManualOverrideTest {

    private final List<EnforcementDecision> published = new ArrayList<>();
    private final ManualOverride override = new ManualOverride("s3cret", published::add, "gw-1",
            Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC));

    private ManualOverride.Result post(String auth, String json) {
        return override.handle(auth, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void publishesAValidDecisionThatExplainsItself() {
        ManualOverride.Result r = post("Bearer s3cret", "{\"entity\":\"user:mallory\",\"action\":\"block\","
                + "\"ttlSeconds\":600,\"reason\":\"phished credentials, ticket SEC-42\",\"operator\":\"jdoe\"}");
        assertThat(r.status()).isEqualTo(202);
        assertThat(published).singleElement().satisfies(d -> {
            assertThat(r.body()).contains(d.getDecisionId());
            assertThat(d.getAction()).isEqualTo(Action.BLOCK);
            assertThat(d.getIssuer()).isEqualTo(DecisionIssuer.MANUAL);
            assertThat(d.getExpiresAt()).isEqualTo(1_000_000 + 600_000);
            assertThat(d.getIssuedBy()).contains("jdoe");
            assertThat(d.getReasons().get(0).getExplanation()).contains("SEC-42");
        });
    }

    @Test
    void refusesWithoutTheTokenOrWithABadBody() {
        assertThat(post(null, "{}").status()).isEqualTo(401);
        assertThat(post("Bearer wrong", "{}").status()).isEqualTo(401);
        assertThat(post("Bearer s3cret", "not json").status()).isEqualTo(400);
        assertThat(post("Bearer s3cret", "{\"entity\":\"mallory\",\"action\":\"BLOCK\",\"ttlSeconds\":60,"
                + "\"reason\":\"r\",\"operator\":\"o\"}").body()).contains("typed key");
        assertThat(post("Bearer s3cret", "{\"entity\":\"user:m\",\"action\":\"NUKE\",\"ttlSeconds\":60,"
                + "\"reason\":\"r\",\"operator\":\"o\"}").body()).contains("action must be");
        assertThat(post("Bearer s3cret", "{\"entity\":\"user:m\",\"action\":\"BLOCK\",\"ttlSeconds\":0,"
                + "\"reason\":\"r\",\"operator\":\"o\"}").body()).contains("ttlSeconds");
        assertThat(post("Bearer s3cret", "{\"entity\":\"user:m\",\"action\":\"BLOCK\",\"ttlSeconds\":60}").body())
                .contains("reason and operator");
        assertThat(published).isEmpty();
        ManualOverride disabled = new ManualOverride(null, published::add, "gw-1", Clock.systemUTC());
        assertThat(disabled.handle("Bearer x", new byte[0]).status()).isEqualTo(403);
    }
}
