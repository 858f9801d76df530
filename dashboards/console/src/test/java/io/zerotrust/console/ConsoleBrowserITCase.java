package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in a real browser: Debian's chromium driven by npm playwright-core ({@code browser-tests/console.mjs})
 * against a console on the real broker and registry. {@code ./pipeline test} installs both first
 * ({@code ensure_browser}); without them this test fails saying so. Screenshots go to {@code target/screenshots}.
 */
@ExtendWith(PlatformExtension.class)
class ConsoleBrowserITCase {

    private static final Path TESTS = Path.of("browser-tests");

    @Test
    void signInLiveViewOverridesRolesCsrfAndThePhoneLayoutInChromium(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        String chromium = System.getenv().getOrDefault("ZT_CHROMIUM", "/usr/bin/chromium");
        assertThat(Files.isExecutable(Path.of(chromium)) && Files.isDirectory(TESTS.resolve(
                "node_modules/playwright-core"))).as("chromium (%s) and npm playwright-core in %s/node_modules: "
                + "run ./pipeline browser-check, which installs both (./pipeline test does)", chromium,
                TESTS.toAbsolutePath()).isTrue();
        Path users = dir.resolve("users.json");
        Users u = Users.load(users);
        u.put("ada", Role.ADMIN, "admin password 123".toCharArray());
        u.put("vic", Role.VIEWER, "viewer password 123".toCharArray());
        try (Console console = Console.start(ConsoleSettings.of(Map.of("console.port", "0", "console.users.file",
                users.toString(), "console.audit.file", dir.resolve("audit.jsonl").toString(), "kafka.bootstrap",
                platform.kafkaBootstrap(), "registry.url", platform.registryUrl())))) {
            ProcessBuilder pb = new ProcessBuilder("node", "console.mjs").directory(TESTS.toFile())
                    .redirectErrorStream(true);
            pb.environment().putAll(Map.of("ZT_CONSOLE_URL", console.url(), "ZT_ADMIN", "ada",
                    "ZT_ADMIN_PASSWORD", "admin password 123", "ZT_VIEWER", "vic",
                    "ZT_VIEWER_PASSWORD", "viewer password 123", "ZT_BROWSER_TIMEOUT", "10000"));
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
        assertThat(Path.of("target/screenshots/console-live-desktop.png")).isRegularFile();
        assertThat(Path.of("target/screenshots/console-live-phone.png")).isRegularFile();
    }
}
