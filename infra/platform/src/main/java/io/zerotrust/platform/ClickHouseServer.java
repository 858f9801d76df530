package io.zerotrust.platform;

import static io.zerotrust.platform.ChildProcesses.LOOPBACK;

import io.zerotrust.platform.ChildProcesses.LogTails;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a ClickHouse server as a child process, with its config, data and logs under one folder, listening on
 * 127.0.0.1 only.
 *
 * <p>The pipeline keeps its analytics store beside the rest of its state instead of relying on a system-wide
 * service: the packaged server would write to /var/lib and /var/log, listen on an interserver port and size its
 * caches for a dedicated machine. Here the config is regenerated on every start so it always matches the ports the
 * caller asked for, while {@code baseDir/data/} survives restarts.
 *
 * <p>The config uses only keys that ClickHouse 18.16 (the Debian package) understands; newer {@code clickhouse}
 * binaries still accept them, including the legacy {@code <yandex>} root element.
 *
 * <p>The caller owns the lifecycle: nothing is registered globally, so a caller that wants the server stopped when
 * the JVM exits must call {@link #close()} itself.
 */
public final class ClickHouseServer implements AutoCloseable {

    /**
     * The CPU priority the server runs at: below the broker and the jobs (nice 10, in a scheduling session of its own).
     * On a machine shared with the enforcement path, each batch the sink inserts sets ClickHouse's threads to work on
     * both cores for up to a second, while decisions are under way (docs/benchmarks.md); analytics can wait.
     */
    static final int ANALYTICS_NICE = 10;

    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final long POLL_INTERVAL_MILLIS = 100;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final int TAIL_LINES = 20;

    private static final long MARK_CACHE_BYTES = 256L * 1024 * 1024;
    private static final long UNCOMPRESSED_CACHE_BYTES = 64L * 1024 * 1024;
    private static final long MAX_QUERY_MEMORY_BYTES = 2L * 1024 * 1024 * 1024;

    private final Process process;
    private final List<String> command;
    private final int httpPort;
    private final int tcpPort;
    private final String httpUrl;
    private final String version;
    private final Path logFile;
    private boolean closed;

    private ClickHouseServer(Process process, List<String> command, int httpPort, int tcpPort, String version,
            Path logFile) {
        this.process = process;
        this.command = command;
        this.httpPort = httpPort;
        this.tcpPort = tcpPort;
        this.httpUrl = "http://" + LOOPBACK + ":" + httpPort;
        this.version = version;
        this.logFile = logFile;
    }

    /**
     * Starts the server and returns once {@code SELECT 1} over HTTP answers; throws IOException with a clear message
     * (including the tail of the server's error log) if it exits or does not answer within timeout.
     */
    public static ClickHouseServer start(Path baseDir, int httpPort, int tcpPort, Duration timeout)
            throws IOException {
        if (baseDir == null) {
            throw new IllegalArgumentException("baseDir is missing");
        }
        ChildProcesses.checkPorts("httpPort", httpPort, "tcpPort", tcpPort);
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }

        List<String> serverCommand = findServerCommand().orElseThrow(() -> new IOException(
                "ClickHouse is not installed: no `clickhouse` binary on the PATH and no `clickhouse-server` on the"
                        + " PATH, in /usr/sbin or in /usr/bin. `./pipeline` installs it with"
                        + " `apt-get install clickhouse-server`; alternatively put a `clickhouse` binary on the PATH."));

        Path base = baseDir.toAbsolutePath().normalize();
        Path dataDir = base.resolve("data");
        Path tmpDir = base.resolve("tmp");
        Path userFilesDir = base.resolve("user_files");
        Path formatSchemasDir = base.resolve("format_schemas");
        Path logDir = base.resolve("log");
        for (Path dir : List.of(dataDir, tmpDir, userFilesDir, formatSchemasDir, logDir)) {
            Files.createDirectories(dir);
        }
        Path configFile = base.resolve("config.xml");
        Path usersFile = base.resolve("users.xml");
        Path mainLog = logDir.resolve("clickhouse-server.log");
        Path errLog = logDir.resolve("clickhouse-server.err.log");
        Path stdoutLog = logDir.resolve("stdout.log");

        Files.writeString(configFile,
                configXml(httpPort, tcpPort, dataDir, tmpDir, userFilesDir, formatSchemasDir, mainLog, errLog,
                        usersFile),
                StandardCharsets.UTF_8);
        Files.writeString(usersFile, usersXml(), StandardCharsets.UTF_8);

        ChildProcesses.requireFreePort("ClickHouse server", "HTTP port", httpPort);
        ChildProcesses.requireFreePort("ClickHouse server", "native TCP port", tcpPort);

        List<String> fullCommand = new ArrayList<>(ChildProcesses.atLowPriority(ANALYTICS_NICE));
        fullCommand.addAll(serverCommand);
        fullCommand.add("--config-file=" + configFile);
        LogTails logs = LogTails.since(TAIL_LINES, errLog, stdoutLog);
        Process process =
                ChildProcesses.launch("ClickHouse server", new ProcessBuilder(fullCommand), base, stdoutLog);
        ChildProcesses.lowerSessionPriority(process, ANALYTICS_NICE);

        String httpUrl = "http://" + LOOPBACK + ":" + httpPort;
        // HTTP/1.1 because ClickHouse does not speak HTTP/2 and the upgrade attempt would only add noise.
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        try {
            awaitReady(process, client, httpUrl, timeout, fullCommand, logs);
            String version = query(client, httpUrl, "SELECT version()").trim();
            return new ClickHouseServer(process, List.copyOf(fullCommand), httpPort, tcpPort, version, mainLog);
        } catch (InterruptedException e) {
            ChildProcesses.stop(process, STOP_GRACE, "ClickHouse server");
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted =
                    new InterruptedIOException("interrupted while waiting for ClickHouse server to start");
            interrupted.initCause(e);
            throw interrupted;
        } catch (IOException | RuntimeException | Error e) {
            ChildProcesses.stop(process, STOP_GRACE, "ClickHouse server");
            throw e;
        }
    }

    /**
     * The server command found on this machine: a modern {@code clickhouse} binary on the PATH is preferred (run as
     * {@code clickhouse server --config-file=...}), otherwise {@code clickhouse-server} on PATH or in /usr/sbin or
     * /usr/bin; Optional.empty() if none.
     */
    public static Optional<List<String>> findServerCommand() {
        List<Path> pathDirs = pathDirectories();
        Optional<Path> modern = findExecutable("clickhouse", pathDirs);
        if (modern.isPresent()) {
            return Optional.of(List.of(modern.get().toString(), "server"));
        }
        // Debian puts clickhouse-server in /usr/sbin, which is often missing from a non-login PATH.
        List<Path> legacyDirs = new ArrayList<>(pathDirs);
        legacyDirs.add(Path.of("/usr/sbin"));
        legacyDirs.add(Path.of("/usr/bin"));
        return findExecutable("clickhouse-server", legacyDirs).map(p -> List.of(p.toString()));
    }

    public String httpUrl() {
        return httpUrl;
    }

    public int httpPort() {
        return httpPort;
    }

    public int tcpPort() {
        return tcpPort;
    }

    public long pid() {
        return process.pid();
    }

    /** The server's version as reported by {@code SELECT version()} at start. */
    public String version() {
        return version;
    }

    /** The server's main log. */
    public Path logFile() {
        return logFile;
    }

    /** SIGTERM, wait up to 20 s, then kill forcibly; waits until the process is gone. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        ChildProcesses.stop(process, STOP_GRACE, "ClickHouse server");
        closed = true;
    }

    @Override
    public String toString() {
        return "ClickHouseServer[pid=" + process.pid() + ", http=" + httpUrl + ", tcp=" + tcpPort + ", command="
                + command + "]";
    }

    private static void awaitReady(Process process, HttpClient client, String httpUrl, Duration timeout,
            List<String> command, LogTails logs) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "no attempt made";
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("ClickHouse server (" + String.join(" ", command) + ") exited with code "
                        + process.exitValue() + " before answering on " + httpUrl + "." + logs.describe());
            }
            try {
                String body = query(client, httpUrl, "SELECT 1");
                if (body.trim().equals("1")) {
                    return;
                }
                lastProblem = "unexpected answer '" + abbreviate(body.trim()) + "'";
            } catch (IOException e) {
                lastProblem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IOException("ClickHouse server (pid " + process.pid() + ") did not answer SELECT 1 on "
                        + httpUrl + " within " + timeout.toMillis() + " ms (last attempt: " + lastProblem
                        + ")." + logs.describe());
            }
            // Waiting on the process rather than sleeping lets an early crash be reported at once.
            process.waitFor(POLL_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static String query(HttpClient client, String httpUrl, String sql)
            throws IOException, InterruptedException {
        // URLEncoder produces '+' for spaces; %20 is unambiguous for every server version.
        String encoded = URLEncoder.encode(sql, StandardCharsets.UTF_8).replace("+", "%20");
        HttpRequest request = HttpRequest.newBuilder(URI.create(httpUrl + "/?query=" + encoded))
                .timeout(REQUEST_TIMEOUT)
                .GET()
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " for " + sql + ": "
                    + abbreviate(response.body().trim()));
        }
        return response.body();
    }

    /** The directories of the PATH, malformed entries left out. */
    static List<Path> pathDirectories() {
        String path = System.getenv("PATH");
        List<Path> dirs = new ArrayList<>();
        if (path == null) {
            return dirs;
        }
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                try {
                    dirs.add(Path.of(entry));
                } catch (RuntimeException e) {
                    // A malformed PATH entry cannot hold the binary; skip it rather than fail the lookup.
                }
            }
        }
        return dirs;
    }

    /** The first executable file {@code name} in {@code dirs}, as an absolute path. */
    static Optional<Path> findExecutable(String name, List<Path> dirs) {
        for (Path dir : dirs) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    private static String abbreviate(String text) {
        return text.length() <= 500 ? text : text.substring(0, 500) + "...";
    }

    private static String xml(Object value) {
        return value.toString()
                .replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&apos;");
    }

    private static String dir(Path dir) {
        // ClickHouse concatenates file names onto these paths, so they must end with a slash.
        return xml(dir.toString() + "/");
    }

    private static String configXml(int httpPort, int tcpPort, Path dataDir, Path tmpDir, Path userFilesDir,
            Path formatSchemasDir, Path mainLog, Path errLog, Path usersFile) {
        return """
                <?xml version="1.0"?>
                <!-- Generated by io.zerotrust.platform.ClickHouseServer on every start; edits are overwritten. -->
                <yandex>
                    <logger>
                        <level>information</level>
                        <log>%s</log>
                        <errorlog>%s</errorlog>
                        <size>10M</size>
                        <count>3</count>
                    </logger>

                    <!-- Loopback only, and only the two listeners the pipeline uses: no interserver, MySQL or
                         HTTPS ports, because this server is never replicated nor reached from outside. -->
                    <listen_host>%s</listen_host>
                    <http_port>%d</http_port>
                    <tcp_port>%d</tcp_port>
                    <!-- On shutdown the server waits for idle keep-alive connections to time out; the 18.x default
                         of 10 s would make every stop take that long while a client pool holds a connection. -->
                    <keep_alive_timeout>3</keep_alive_timeout>

                    <path>%s</path>
                    <tmp_path>%s</tmp_path>
                    <user_files_path>%s</user_files_path>
                    <format_schema_path>%s</format_schema_path>
                    <users_config>%s</users_config>
                    <default_profile>default</default_profile>
                    <default_database>default</default_database>

                    <!-- Stored DateTime values and their text form must not depend on the host's zone. -->
                    <timezone>UTC</timezone>

                    <!-- The stock sizes (5 GiB marks, 8 GiB uncompressed) assume a dedicated machine; this one is
                         shared with Kafka and several JVMs. -->
                    <mark_cache_size>%d</mark_cache_size>
                    <uncompressed_cache_size>%d</uncompressed_cache_size>
                    <mlock_executable>false</mlock_executable>
                </yandex>
                """.formatted(
                xml(mainLog), xml(errLog), LOOPBACK, httpPort, tcpPort,
                dir(dataDir), dir(tmpDir), dir(userFilesDir), dir(formatSchemasDir), xml(usersFile),
                MARK_CACHE_BYTES, UNCOMPRESSED_CACHE_BYTES);
    }

    private static String usersXml() {
        return """
                <?xml version="1.0"?>
                <!-- Generated by io.zerotrust.platform.ClickHouseServer on every start; edits are overwritten. -->
                <yandex>
                    <profiles>
                        <default>
                            <!-- One runaway query should fail rather than push Kafka or the JVMs out of memory. -->
                            <max_memory_usage>%d</max_memory_usage>
                            <use_uncompressed_cache>0</use_uncompressed_cache>
                            <load_balancing>random</load_balancing>
                        </default>
                    </profiles>

                    <users>
                        <!-- No password: the server is reachable from this machine only. -->
                        <default>
                            <password></password>
                            <networks>
                                <ip>127.0.0.1</ip>
                                <ip>::1</ip>
                            </networks>
                            <profile>default</profile>
                            <quota>default</quota>
                        </default>
                    </users>

                    <quotas>
                        <!-- Usage is only counted, never limited. -->
                        <default>
                            <interval>
                                <duration>3600</duration>
                                <queries>0</queries>
                                <errors>0</errors>
                                <result_rows>0</result_rows>
                                <read_rows>0</read_rows>
                                <execution_time>0</execution_time>
                            </interval>
                        </default>
                    </quotas>
                </yandex>
                """.formatted(MAX_QUERY_MEMORY_BYTES);
    }
}
