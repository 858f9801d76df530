package io.zerotrust.platform;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Process plumbing shared by the servers this package runs as child processes on 127.0.0.1: port checks, launching
 * with all output appended to a log file, stopping without leaving anything behind, and showing in an error message
 * only the log lines written since the current start.
 */
final class ChildProcesses {

    static final String LOOPBACK = "127.0.0.1";

    private static final System.Logger LOG = System.getLogger(ChildProcesses.class.getName());

    // A crash loop can fill a log quickly; reading only its end keeps error messages cheap and short.
    private static final int TAIL_MAX_BYTES = 64 * 1024;
    private static final Duration FORCED_STOP_WAIT = Duration.ofSeconds(60);
    private static final Duration HELPER_STOP_GRACE = Duration.ofSeconds(5);

    private ChildProcesses() {
    }

    /** Throws IllegalArgumentException unless both ports are valid and different. */
    static void checkPorts(String name, int port, String otherName, int otherPort) {
        checkPort(name, port);
        checkPort(otherName, otherPort);
        if (port == otherPort) {
            throw new IllegalArgumentException(name + " and " + otherName + " must differ, both are " + port);
        }
    }

    private static void checkPort(String name, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(name + " must be between 1 and 65535, got " + port);
        }
    }

    /**
     * Throws unless {@code port} can be bound on 127.0.0.1. Without this check a leftover server on the same port
     * would answer the readiness probe, and a process about to die with "Address already in use" would be reported
     * as ready.
     */
    static void requireFreePort(String server, String portName, int port) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            // Same option the servers set, so a port only held by TIME_WAIT connections counts as free.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(LOOPBACK, port));
        } catch (BindException e) {
            throw new IOException("cannot start " + server + ": " + portName + " " + port + " on " + LOOPBACK
                    + " is already in use (is another " + server + " from an earlier run still running?)", e);
        }
    }

    /**
     * The command prefix that starts a server at a lower CPU priority: {@code setsid nice -n <nice>} where both tools
     * exist (util-linux and coreutils; neither forks, so the server keeps the process id launched), else nothing.
     * {@code setsid} gives it a session of its own: where the kernel groups processes by session for scheduling
     * (autogroup), a process's nice value only ranks it within its group, so see also {@link #lowerSessionPriority}.
     */
    static List<String> atLowPriority(int nice) {
        if (nice <= 0 || !onPath("setsid") || !onPath("nice")) {
            return List.of();
        }
        return List.of("setsid", "nice", "-n", Integer.toString(nice));
    }

    /**
     * Lowers the scheduling weight of the session {@code process} leads, where the kernel schedules sessions as
     * groups ({@code /proc/<pid>/autogroup}, Linux with autogroup on); does nothing elsewhere or when refused.
     */
    static void lowerSessionPriority(Process process, int nice) {
        Path proc = Path.of("/proc", Long.toString(process.pid()));
        Path autogroup = proc.resolve("autogroup");
        if (nice <= 0 || !Files.isWritable(autogroup)) {
            return;
        }
        try {
            // Until setsid has run in the child, its autogroup is still the launcher's: lowering that would lower the
            // launcher and everything else it started (the broker), so wait for the session of its own.
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (!leadsSession(proc, process.pid())) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    return;
                }
                Thread.sleep(5);
            }
            Files.writeString(autogroup, Integer.toString(nice));
        } catch (IOException e) {
            // a lower priority is an optimisation: the server runs as well at the normal one
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the process is the leader of its session (field 6 of /proc/pid/stat is its own pid). */
    private static boolean leadsSession(Path proc, long pid) throws IOException {
        String stat = Files.readString(proc.resolve("stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return fields.length > 3 && fields[3].equals(Long.toString(pid));
    }

    private static boolean onPath(String tool) {
        return ClickHouseServer.findExecutable(tool, ClickHouseServer.pathDirectories()).isPresent();
    }

    /**
     * The jars listed in a classpath resource that Maven wrote into one of the runtime modules' jars
     * ({@code zt/kafka-runtime.classpath}, {@code zt/flink-runtime.classpath}), each checked to exist; {@code whose}
     * names the JVMs it is for in the messages ("the Kafka broker").
     */
    static List<String> classpathResource(String resource, String whose) {
        try (java.io.InputStream in = ChildProcesses.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new PlatformException(whose + "'s classpath (resource " + resource + ") is missing; build the"
                        + " project first: mvn -q -DskipTests package -pl infra/platform -am");
            }
            List<String> jars = java.util.Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim()
                    .split(java.io.File.pathSeparator)).filter(s -> !s.isBlank()).toList();
            for (String jar : jars) {
                if (!Files.exists(Path.of(jar))) {
                    throw new PlatformException(whose + "'s jar " + jar + " is missing from the local Maven"
                            + " repository; rebuild: mvn -q -DskipTests package -pl infra/platform -am");
                }
            }
            return jars;
        } catch (IOException e) {
            throw new PlatformException("cannot read " + whose + "'s classpath: " + e.getMessage(), e);
        }
    }

    /** Starts {@code builder}'s command in {@code workDir} with stdout and stderr appended to {@code outputLog}. */
    static Process launch(String name, ProcessBuilder builder, Path workDir, Path outputLog) throws IOException {
        builder.directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(outputLog.toFile()));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IOException("could not launch " + name + " (" + String.join(" ", builder.command()) + "): "
                    + e.getMessage(), e);
        }
        try {
            // The servers never read stdin; closing it avoids an idle pipe for the life of the process.
            process.getOutputStream().close();
        } catch (IOException e) {
            // Nothing was written to the pipe, so a failed close loses nothing.
        }
        return process;
    }

    /**
     * SIGTERM, up to {@code grace} for a controlled shutdown, then SIGKILL; returns only once the process and the
     * descendants it had are gone, even if the calling thread is interrupted, so the caller can restart on ports
     * and a data directory that are no longer held. The interrupt is re-asserted.
     */
    static void stop(Process process, Duration grace, String name) {
        // Servers may start helper processes (ClickHouse's ODBC / library bridges); capture them while they are
        // still reachable as descendants, since once the parent is gone they are reparented and out of sight.
        List<ProcessHandle> helpers = process.descendants().toList();
        process.destroy();
        if (!awaitExit(process.toHandle(), grace)) {
            LOG.log(System.Logger.Level.WARNING,
                    name + " pid " + process.pid() + " ignored SIGTERM for " + grace.toSeconds() + " s; killing it");
            process.destroyForcibly();
            while (!awaitExit(process.toHandle(), FORCED_STOP_WAIT)) {
                process.destroyForcibly();
            }
        }
        for (ProcessHandle helper : helpers) {
            if (helper.isAlive()) {
                helper.destroy();
                if (!awaitExit(helper, HELPER_STOP_GRACE)) {
                    helper.destroyForcibly();
                    awaitExit(helper, HELPER_STOP_GRACE);
                }
            }
        }
    }

    /**
     * Waits for a process to end, ignoring interrupts until the limit passes: stopping must not be cut short. The
     * interrupt is re-asserted.
     */
    private static boolean awaitExit(ProcessHandle handle, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return !handle.isAlive();
                }
                try {
                    handle.onExit().get(remaining, TimeUnit.NANOSECONDS);
                    return true;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException | ExecutionException e) {
                    return !handle.isAlive();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The last lines that a launch wrote to its log files. Logs are appended to across runs, so the size of each
     * is remembered before the launch and only what follows is shown.
     */
    static final class LogTails {

        private final int maxLines;
        private final Map<Path, Long> starts = new LinkedHashMap<>();

        private LogTails(int maxLines) {
            this.maxLines = maxLines;
        }

        /** Remembers where each log ends now; call right before the launch. */
        static LogTails since(int maxLines, Path... logs) {
            LogTails tails = new LogTails(maxLines);
            for (Path log : logs) {
                tails.starts.put(log, sizeOrZero(log));
            }
            return tails;
        }

        /** Up to {@code maxLines} lines per log, each log under a heading; starts with a line break. */
        String describe() {
            StringBuilder out = new StringBuilder();
            starts.forEach((log, start) -> appendTail(out, log, start));
            if (out.length() == 0) {
                out.append("\n(nothing was written to ")
                        .append(String.join(" or ", starts.keySet().stream().map(Path::toString).toList()))
                        .append(" during this start)");
            }
            return out.toString();
        }

        private void appendTail(StringBuilder out, Path log, long startOffset) {
            List<String> lines;
            try (FileChannel channel = FileChannel.open(log, StandardOpenOption.READ)) {
                long size = channel.size();
                // A rotated log is shorter than the remembered offset; then all of it belongs to this start.
                long start = startOffset > size ? 0 : startOffset;
                long from = Math.max(start, size - TAIL_MAX_BYTES);
                ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
                while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) > 0) {
                    // keep reading until the snapshot of the file is consumed
                }
                String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
                lines = new ArrayList<>(List.of(text.split("\\R")));
                if (from > start) {
                    // The read began in the middle of a line.
                    lines.remove(0);
                }
                lines.removeIf(String::isBlank);
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                out.append("\n--- cannot read ").append(log).append(": ").append(e).append(" ---");
                return;
            }
            if (lines.isEmpty()) {
                return;
            }
            out.append("\n--- last lines of ").append(log).append(" ---");
            for (String line : lines.subList(Math.max(0, lines.size() - maxLines), lines.size())) {
                out.append('\n').append(line);
            }
        }

        private static long sizeOrZero(Path file) {
            try {
                return Files.size(file);
            } catch (IOException e) {
                return 0;
            }
        }
    }
}
