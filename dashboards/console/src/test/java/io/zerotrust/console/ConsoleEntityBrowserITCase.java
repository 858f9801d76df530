package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The entity page in a real browser: Debian's chromium driven by npm playwright-core ({@code browser-tests/entity.mjs})
 * against a console reading a real ClickHouse seeded as {@link EntityApiITCase#seed} does. Screenshots go to
 * {@code target/screenshots}.
 */
@ExtendWith(PlatformExtension.class)
class ConsoleEntityBrowserITCase {

    @Test
    void anAnalystInvestigatesAnEntityInChromium(TestPlatform platform, @TempDir Path dir) throws Exception {
        BrowserTests.requireToolchain();
        String db = "console_entity_ui_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Client ch = platform.clickhouse()) {
            EntityApiITCase.seed(ch, db, System.currentTimeMillis());
            try {
                Path users = dir.resolve("users.json");
                Users.load(users).put("ana", Role.ANALYST, "analyst password 123".toCharArray());
                try (Console console = Console.start(ConsoleSettings.of(Map.of("console.port", "0",
                        "console.users.file", users.toString(), "console.audit.file",
                        dir.resolve("audit.jsonl").toString(), "kafka.bootstrap", platform.kafkaBootstrap(),
                        "registry.url", platform.registryUrl(), "clickhouse.url", platform.clickhouseUrl(),
                        "clickhouse.database", db)))) {
                    BrowserTests.run("entity.mjs", Map.of("ZT_CONSOLE_URL", console.url(), "ZT_USER", "ana",
                            "ZT_PASSWORD", "analyst password 123", "ZT_ENTITY", "user:alice",
                            "ZT_EXPLANATION", EntityApiITCase.EXPLANATION,
                            "ZT_HOSTILE_ENTITY", EntityApiITCase.HOSTILE_ENTITY,
                            "ZT_HOSTILE", EntityApiITCase.HOSTILE));
                }
            } finally {
                EntityApiITCase.sql(ch, "DROP DATABASE IF EXISTS " + db);
            }
        }
        assertThat(Path.of("target/screenshots/console-entity-desktop.png")).isRegularFile();
        assertThat(Path.of("target/screenshots/console-entity-phone.png")).isRegularFile();
    }
}
