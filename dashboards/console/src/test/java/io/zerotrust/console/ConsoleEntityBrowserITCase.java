package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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

    private static final Path TESTS = Path.of("browser-tests");

    @Test
    void anAnalystInvestigatesAnEntityInChromium(TestPlatform platform, @TempDir Path dir) throws Exception {
        String chromium = System.getenv().getOrDefault("ZT_CHROMIUM", "/usr/bin/chromium");
        assertThat(Files.isExecutable(Path.of(chromium)) && Files.isDirectory(TESTS.resolve(
                "node_modules/playwright-core"))).as("chromium (%s) and npm playwright-core in %s/node_modules: "
                + "run ./pipeline browser-check, which installs both (./pipeline test does)", chromium,
                TESTS.toAbsolutePath()).isTrue();
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
                    ProcessBuilder pb = new ProcessBuilder("node", "entity.mjs").directory(TESTS.toFile())
                            .redirectErrorStream(true);
                    pb.environment().putAll(Map.of("ZT_CONSOLE_URL", console.url(), "ZT_USER", "ana",
                            "ZT_PASSWORD", "analyst password 123", "ZT_ENTITY", "user:alice",
                            "ZT_EXPLANATION", EntityApiITCase.EXPLANATION,
                            "ZT_HOSTILE_ENTITY", EntityApiITCase.HOSTILE_ENTITY,
                            "ZT_HOSTILE", EntityApiITCase.HOSTILE, "ZT_BROWSER_TIMEOUT", "10000"));
                    Process node = pb.start();
                    List<String> out = new ArrayList<>();
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            System.out.println("[browser] " + line);
                            out.add(line);
                        }
                    }
                    assertThat(node.waitFor(180, TimeUnit.SECONDS)).isTrue();
                    assertThat(node.exitValue()).as(String.join("\n", out)).isZero();
                    assertThat(out).anyMatch(l -> l.matches("\\d+ passed, 0 failed"));
                }
            } finally {
                EntityApiITCase.sql(ch, "DROP DATABASE IF EXISTS " + db);
            }
        }
        assertThat(Path.of("target/screenshots/console-entity-desktop.png")).isRegularFile();
        assertThat(Path.of("target/screenshots/console-entity-phone.png")).isRegularFile();
    }
}
