package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the console's browser ITCases share: the toolchain check (Debian's chromium and npm playwright-core, which
 * {@code ./pipeline test} installs) and running one {@code browser-tests/*.mjs} script with Node, its output echoed,
 * asserting it exited 0 with every test passed.
 */
final class BrowserTests {

    static final Path DIR = Path.of("browser-tests");

    private BrowserTests() {
    }

    /** Fails, saying what to run, unless chromium and playwright-core are installed. */
    static void requireToolchain() {
        String chromium = System.getenv().getOrDefault("ZT_CHROMIUM", "/usr/bin/chromium");
        assertThat(Files.isExecutable(Path.of(chromium)) && Files.isDirectory(DIR.resolve(
                "node_modules/playwright-core"))).as("chromium (%s) and npm playwright-core in %s/node_modules: "
                + "run ./pipeline browser-check, which installs both (./pipeline test does)", chromium,
                DIR.toAbsolutePath()).isTrue();
    }

    /** Runs {@code script} with {@code env} (and a 10 s page timeout); asserts that all its tests passed. */
    static void run(String script, Map<String, String> env) throws Exception {
        run(script, env, line -> { });
    }

    /**
     * Runs {@code script} as {@link #run(String, Map)} does, handing each line it prints to {@code onLine} as it comes
     * (a script asks the test to do something, e.g. publish a record, by printing a line).
     */
    static void run(String script, Map<String, String> env, Consumer<String> onLine) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("node", script).directory(DIR.toFile()).redirectErrorStream(true);
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("ZT_BROWSER_TIMEOUT", "10000");
        pb.environment().putAll(all);
        Process node = pb.start();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                System.out.println("[browser] " + line);
                out.add(line);
                onLine.accept(line);
            }
        }
        assertThat(node.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as(String.join("\n", out)).isZero();
        assertThat(out).anyMatch(l -> l.matches("\\d+ passed, 0 failed"));
    }
}
