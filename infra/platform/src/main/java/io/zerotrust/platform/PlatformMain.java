package io.zerotrust.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Command line of the local platform, used by {@code ./pipeline demo|up}: starts the platform, prints where each
 * server listens, and runs until interrupted (Ctrl-C or SIGTERM), then stops everything it started.
 *
 * <p>Usage: {@code PlatformMain [--state-file=PATH] [--key=value ...]}; see {@link PlatformConfig} for the keys.
 * With {@code --state-file}, it writes the endpoints and process ids there once ready and removes the file when it
 * has stopped; {@code ./pipeline up} waits for that file and {@code ./pipeline down} reads it. Its keys:
 * {@code pid} (this JVM), {@code <server>.pid} per child process ({@code kafka} or {@code kafka-1}, {@code kafka-2},
 * ..., and {@code clickhouse}), {@code kafka.pids} (every broker's pid, comma-separated, in the order of the addresses
 * in {@code kafka.bootstrap}), {@code kafka.bootstrap}, {@code registry.url}, {@code clickhouse.url}, {@code status}.
 *
 * <p>Exit codes: 0 after a clean stop, 2 for a bad setting, 1 when a server could not start.
 */
public final class PlatformMain {

    private PlatformMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path stateFile = null;
        List<String> settings = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println("usage: PlatformMain [--state-file=PATH] [--key=value ...]\n"
                        + PlatformConfig.usage());
                return;
            }
            if (arg.startsWith("--state-file=")) {
                stateFile = Path.of(arg.substring("--state-file=".length()));
            } else {
                settings.add(arg);
            }
        }
        PlatformConfig config;
        try {
            config = PlatformConfig.fromArgs(settings, System.getenv());
        } catch (PlatformConfig.ConfigException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }

        long t0 = System.nanoTime();
        Platform platform;
        try {
            platform = Platform.start(config, line -> System.out.println("  " + line));
        } catch (PlatformException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Path state = stateFile;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping the platform ...");
            platform.close();
            if (state != null) {
                try {
                    Files.deleteIfExists(state);
                } catch (IOException e) {
                    System.err.println("warning: cannot remove " + state + ": " + e.getMessage());
                }
            }
            System.out.println("platform stopped");
            stopped.countDown();
        }, "platform-shutdown"));

        Platform.Endpoints e = platform.endpoints();
        Map<String, String> d = platform.details();
        System.out.printf("%nplatform ready in %.1f s (data and logs in %s)%n", (System.nanoTime() - t0) / 1e9,
                config.dataDir());
        System.out.printf("  Kafka bootstrap   %-28s %s%n", e.kafkaBootstrap(), d.get("kafka"));
        if (platform.kafkaBrokers().size() > 1) {
            for (Platform.Broker b : platform.kafkaBrokers()) {
                System.out.printf("    broker %d        %-28s controller :%d, pid %d, log %s%n", b.nodeId(), b.address(),
                        b.controllerPort(), b.pid(), b.logFile());
            }
        }
        System.out.printf("  Schema registry   %-28s %s  (try: curl %s/subjects)%n", e.registryUrl(),
                d.get("registry"), e.registryUrl());
        System.out.printf("  ClickHouse HTTP   %-28s %s%n", e.clickhouseUrl(), d.get("clickhouse"));
        System.out.println("press Ctrl-C to stop");
        System.out.flush();

        if (stateFile != null) {
            writeState(stateFile, platform);
        }
        stopped.await();
    }

    private static void writeState(Path file, Platform platform) {
        Map<String, String> state = new LinkedHashMap<>();
        state.put("pid", Long.toString(ProcessHandle.current().pid()));
        platform.childPids().forEach((name, pid) -> state.put(name + ".pid", String.valueOf(pid)));
        state.put("kafka.pids", platform.kafkaBrokers().stream().map(b -> Long.toString(b.pid()))
                .collect(java.util.stream.Collectors.joining(",")));
        Platform.Endpoints e = platform.endpoints();
        state.put("kafka.bootstrap", e.kafkaBootstrap());
        state.put("registry.url", e.registryUrl());
        state.put("clickhouse.url", e.clickhouseUrl());
        state.put("status", "ready");
        try {
            StateFile.write(file, state);
        } catch (IOException ex) {
            System.err.println("warning: cannot write the state file " + file + ": " + ex.getMessage());
        }
    }
}
