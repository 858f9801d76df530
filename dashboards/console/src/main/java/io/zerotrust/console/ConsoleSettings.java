package io.zerotrust.console;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The console's settings: flags {@code --key=value} over environment variables {@code ZT_KEY} over defaults. A bad
 * value stops it at start with a message naming the key.
 */
public record ConsoleSettings(String host, int port, Path usersFile, Path auditFile, boolean secureCookies,
                              Duration sessionIdle, String kafkaBootstrap, String registryUrl, String clickhouseUrl,
                              String clickhouseDatabase, List<StageLag.Stage> stages) {

    static final Map<String, String[]> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("console.host", new String[] {"127.0.0.1", "address to listen on (loopback unless you change it)"});
        KEYS.put("console.port", new String[] {"8090", "port to listen on (0: any free port)"});
        KEYS.put("console.users.file", new String[] {"var/console/users.json", "users and their password hashes"});
        KEYS.put("console.audit.file", new String[] {"var/console/audit.jsonl", "every change made in the console"});
        KEYS.put("console.secure.cookies", new String[] {"false", "true when the console is reached over TLS (a "
                + "proxy in front of it): the session cookie is then marked Secure"});
        KEYS.put("console.session.idle.minutes", new String[] {"30", "a session without a request for this long ends"});
        KEYS.put("kafka.bootstrap", new String[] {"127.0.0.1:9092", "Kafka bootstrap servers"});
        KEYS.put("registry.url", new String[] {"http://127.0.0.1:8081", "schema registry URL"});
        KEYS.put("clickhouse.url", new String[] {"http://127.0.0.1:8123", "ClickHouse HTTP URL"});
        KEYS.put("clickhouse.database", new String[] {"zt", "the analytics database (the sink's)"});
        KEYS.put("console.stages", new String[] {StageLag.DEFAULT, "the stages whose lag the live view shows: "
                + "name=consumer group[|group...], a group may end in * (the one furthest along is shown)"});
    }

    public static String envName(String key) {
        return "ZT_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** Flags over the environment over the defaults. */
    public static ConsoleSettings parse(List<String> args, Map<String, String> env) {
        Map<String, String> v = new LinkedHashMap<>();
        KEYS.forEach((k, d) -> v.put(k, env.getOrDefault(envName(k), d[0])));
        if (env.containsKey("ZT_KAFKA_BOOTSTRAP")) {
            v.put("kafka.bootstrap", env.get("ZT_KAFKA_BOOTSTRAP"));
        }
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("settings are --key=value, got '" + a + "'\n" + usage());
            }
            String key = a.substring(2, eq);
            if (!KEYS.containsKey(key)) {
                throw new IllegalArgumentException("unknown setting '" + key + "'\n" + usage());
            }
            v.put(key, a.substring(eq + 1).trim());
        }
        return of(v);
    }

    /** Explicit values over the defaults. */
    public static ConsoleSettings of(Map<String, String> values) {
        Map<String, String> v = new LinkedHashMap<>();
        KEYS.forEach((k, d) -> v.put(k, d[0]));
        values.forEach((k, x) -> {
            if (!KEYS.containsKey(k)) {
                throw new IllegalArgumentException("unknown setting '" + k + "'\n" + usage());
            }
            v.put(k, x);
        });
        int port = number(v, "console.port", 0, 65_535);
        long idle = number(v, "console.session.idle.minutes", 1, 24 * 60);
        String secure = v.get("console.secure.cookies");
        if (!secure.equals("true") && !secure.equals("false")) {
            throw new IllegalArgumentException("console.secure.cookies must be true or false, got '" + secure + "'");
        }
        for (String url : List.of("registry.url", "clickhouse.url")) {
            if (!v.get(url).startsWith("http://") && !v.get(url).startsWith("https://")) {
                throw new IllegalArgumentException(url + " must be an http(s) URL, got '" + v.get(url) + "'");
            }
        }
        if (v.get("console.host").isBlank()) {
            throw new IllegalArgumentException("console.host must be an address to listen on, e.g. 127.0.0.1");
        }
        List<StageLag.Stage> stages;
        try {
            stages = StageLag.parse(v.get("console.stages"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("console.stages: " + e.getMessage() + "; e.g. " + StageLag.DEFAULT);
        }
        return new ConsoleSettings(v.get("console.host"), port, Path.of(v.get("console.users.file")),
                Path.of(v.get("console.audit.file")), secure.equals("true"), Duration.ofMinutes(idle),
                v.get("kafka.bootstrap"), v.get("registry.url"), v.get("clickhouse.url").replaceAll("/+$", ""),
                database(v.get("clickhouse.database")), stages);
    }

    private static String database(String db) {
        if (!db.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
            throw new IllegalArgumentException("clickhouse.database must be a plain database name (letters, digits, "
                    + "'_'), got '" + db + "'");
        }
        return db;
    }

    private static int number(Map<String, String> v, String key, int min, int max) {
        try {
            int n = Integer.parseInt(v.get(key).trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number from " + min + " to " + max + ", got '"
                    + v.get(key) + "'");
        }
    }

    public static String usage() {
        StringBuilder b = new StringBuilder("console settings (flag --key=value, or environment variable):\n");
        KEYS.forEach((k, d) -> b.append(String.format(Locale.ROOT, "  --%-30s %-32s %s (default: %s)%n", k, envName(k),
                d[1], d[0])));
        return b.toString();
    }
}
