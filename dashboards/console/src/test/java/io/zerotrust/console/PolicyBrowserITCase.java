package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import io.zerotrust.clickhouse.Migrations;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy page in a real browser ({@code browser-tests/policy.mjs}, headless chromium through playwright-core)
 * against a console on the real broker, registry and ClickHouse: a threshold edited and published, a bad field named,
 * shadow mode with its would-have-fired count (one CRITICAL risk score seeded in a fresh database), history and
 * rollback, hostile text, a viewer refused, the 390 px layout. Screenshots go to {@code target/screenshots}.
 */
@ExtendWith(PlatformExtension.class)
class PolicyBrowserITCase {

    @Test
    void editShadowCountHistoryRollbackRolesAndThePhoneLayoutInChromium(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        BrowserTests.requireToolchain();
        String db = "policy_ui_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        long now = System.currentTimeMillis() / 1000 - 300;
        try (Client ch = platform.clickhouse()) {
            Migrations.apply(ch, db);
            try (QueryResponse r = ch.query("INSERT INTO " + db + ".risk_scores (entity, entity_type, score, level,"
                    + " event_time, event_time_ms, computed_at_ms, trigger_event_id, half_life_ms) VALUES ('user:pat',"
                    + "'USER',85,'CRITICAL'," + now + "," + now * 1000 + "," + now * 1000 + ",'t1',1800000)")
                    .get(30, TimeUnit.SECONDS)) {
                r.getInputStream().readAllBytes();
            }
        }
        Path users = dir.resolve("users.json");
        Users u = Users.load(users);
        u.put("ada", Role.ADMIN, "admin password 123".toCharArray());
        u.put("vic", Role.VIEWER, "viewer password 123".toCharArray());
        try (Console console = Console.start(ConsoleSettings.of(Map.of("console.port", "0", "console.users.file",
                users.toString(), "console.audit.file", dir.resolve("audit.jsonl").toString(), "kafka.bootstrap",
                platform.kafkaBootstrap(), "registry.url", platform.registryUrl(), "clickhouse.url",
                platform.clickhouseUrl(), "clickhouse.database", db)))) {
            BrowserTests.run("policy.mjs", Map.of("ZT_CONSOLE_URL", console.url(), "ZT_ADMIN", "ada",
                    "ZT_ADMIN_PASSWORD", "admin password 123", "ZT_VIEWER", "vic",
                    "ZT_VIEWER_PASSWORD", "viewer password 123"));
        }
        assertThat(Path.of("target/screenshots/console-policy-desktop.png")).isRegularFile();
        assertThat(Path.of("target/screenshots/console-policy-phone.png")).isRegularFile();
    }
}
