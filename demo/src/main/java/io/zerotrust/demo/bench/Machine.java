package io.zerotrust.demo.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** A one-line description of this machine for benchmark results: CPUs, memory, OS, Java. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        String cpu = "unknown CPU";
        long memKb = 0;
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version");
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
            Path release = Path.of("/etc/os-release");
            if (Files.exists(release)) {
                List<String> lines = Files.readAllLines(release);
                for (String l : lines) {
                    if (l.startsWith("PRETTY_NAME=")) {
                        os = l.substring(12).replace("\"", "") + ", kernel " + System.getProperty("os.version");
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: keep what the JVM says
        }
        return String.format(Locale.ROOT, "%d vCPU (%s), %.0f GiB RAM, %s, Java %s",
                Runtime.getRuntime().availableProcessors(), cpu, memKb / 1024.0 / 1024.0, os,
                System.getProperty("java.version"));
    }
}
