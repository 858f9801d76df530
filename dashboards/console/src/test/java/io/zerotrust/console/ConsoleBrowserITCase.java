package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.util.Map;
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

    @Test
    void signInLiveViewOverridesRolesCsrfAndThePhoneLayoutInChromium(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        BrowserTests.requireToolchain();
        Path users = dir.resolve("users.json");
        Users u = Users.load(users);
        u.put("ada", Role.ADMIN, "admin password 123".toCharArray());
        u.put("vic", Role.VIEWER, "viewer password 123".toCharArray());
        try (Console console = Console.start(ConsoleSettings.of(Map.of("console.port", "0", "console.users.file",
                users.toString(), "console.audit.file", dir.resolve("audit.jsonl").toString(), "kafka.bootstrap",
                platform.kafkaBootstrap(), "registry.url", platform.registryUrl())))) {
            BrowserTests.run("console.mjs", Map.of("ZT_CONSOLE_URL", console.url(), "ZT_ADMIN", "ada",
                    "ZT_ADMIN_PASSWORD", "admin password 123", "ZT_VIEWER", "vic",
                    "ZT_VIEWER_PASSWORD", "viewer password 123"));
        }
        assertThat(Path.of("target/screenshots/console-live-desktop.png")).isRegularFile();
        assertThat(Path.of("target/screenshots/console-live-phone.png")).isRegularFile();
    }
}
