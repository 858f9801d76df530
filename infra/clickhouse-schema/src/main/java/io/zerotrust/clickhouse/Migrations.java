package io.zerotrust.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analytics schema as versioned migrations ({@code clickhouse/migrations/V###__name.sql} on the classpath, listed
 * in {@code index.txt}), applied in order and recorded in {@code <db>.schema_migrations} with a checksum. Applying is
 * idempotent: recorded versions are skipped, and every statement is {@code IF NOT EXISTS} (an {@code ALTER TABLE
 * ... ADD COLUMN} whose column is there is skipped: 18.16 has no {@code ADD COLUMN IF NOT EXISTS}), so a migration
 * interrupted half way is simply applied again. A recorded migration whose text has changed is refused: add a new one instead.
 * Lines ending in {@code -- requires: <feature>} are kept only when the server has the feature (see
 * {@link ServerFeatures}); {@code {db}} is the database name.
 */
public final class Migrations {

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    private static final Pattern NAME = Pattern.compile("V(\\d{3,})__([a-z0-9_]+)\\.sql");
    private static final Pattern REQUIRES = Pattern.compile("^(.*?)\\s*--\\s*requires:\\s*([a-z0-9_]+)\\s*$");
    private static final Pattern DB = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern ADD_COLUMN = Pattern.compile(
            "(?is)ALTER\\s+TABLE\\s+(\\w+)\\.(\\w+)\\s+ADD\\s+COLUMN\\s+(\\w+)\\b.*");

    /** One migration file. */
    public record Migration(int version, String name, String text) {

        public String checksum() {
            try {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(d, 0, 8);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private Migrations() {
    }

    /** The migrations on the classpath, in version order. */
    public static List<Migration> bundled() {
        List<Migration> out = new ArrayList<>();
        for (String file : read("clickhouse/migrations/index.txt").split("\n")) {
            file = file.strip();
            if (file.isEmpty() || file.startsWith("#")) {
                continue;
            }
            Matcher m = NAME.matcher(file);
            if (!m.matches()) {
                throw new IllegalStateException("migration file name '" + file + "' is not V###__name.sql");
            }
            int version = Integer.parseInt(m.group(1));
            if (!out.isEmpty() && out.get(out.size() - 1).version() >= version) {
                throw new IllegalStateException("migrations must be listed in increasing version order: " + file);
            }
            out.add(new Migration(version, m.group(2), read("clickhouse/migrations/" + file)));
        }
        return out;
    }

    /** The statements of a migration for a server, in order: comments dropped, feature-gated lines filtered. */
    public static List<String> statements(Migration m, ServerFeatures server, String database) {
        if (!DB.matcher(database).matches()) {
            throw new IllegalArgumentException("database name '" + database + "' is not a plain identifier");
        }
        StringBuilder sql = new StringBuilder();
        for (String line : m.text().split("\n")) {
            Matcher req = REQUIRES.matcher(line);
            if (req.matches()) {
                if (!server.supports(req.group(2))) {
                    continue;
                }
                line = req.group(1);
            }
            String trimmed = line.strip();
            if (trimmed.startsWith("--") || trimmed.isEmpty()) {
                continue;
            }
            sql.append(line).append('\n');
        }
        List<String> out = new ArrayList<>();
        for (String s : sql.toString().split(";")) {
            if (!s.isBlank()) {
                out.add(s.strip().replace("{db}", database));
            }
        }
        return out;
    }

    /**
     * Brings {@code database} up to date: creates it and the bookkeeping table if needed, then applies every bundled
     * migration not recorded yet. Returns the versions applied now (empty when already up to date).
     */
    public static List<Integer> apply(Client ch, String database) {
        ServerFeatures server = ServerFeatures.of(single(ch, "SELECT version()"));
        run(ch, "CREATE DATABASE IF NOT EXISTS " + database);
        run(ch, "CREATE TABLE IF NOT EXISTS " + database + ".schema_migrations (version UInt32, name String,"
                + " checksum String, applied_at DateTime, server_version String) ENGINE = ReplacingMergeTree"
                + " ORDER BY version");
        Map<Integer, String> applied = new LinkedHashMap<>();
        for (String row : lines(ch, "SELECT version, any(checksum) FROM " + database
                + ".schema_migrations GROUP BY version ORDER BY version")) {
            String[] f = row.split("\t");
            applied.put(Integer.parseInt(f[0]), f[1]);
        }
        List<Integer> now = new ArrayList<>();
        for (Migration m : bundled()) {
            String recorded = applied.get(m.version());
            if (recorded != null) {
                if (!recorded.equals(m.checksum())) {
                    throw new IllegalStateException("ClickHouse migration V" + m.version() + " (" + m.name()
                            + ") was changed after it was applied to " + database + " (checksum " + recorded
                            + ", now " + m.checksum() + "); put the change in a new migration instead");
                }
                continue;
            }
            for (String statement : statements(m, server, database)) {
                if (!addsAColumnThatIsThere(ch, statement)) {
                    run(ch, statement);
                }
            }
            run(ch, "INSERT INTO " + database + ".schema_migrations VALUES (" + m.version() + ", '" + m.name()
                    + "', '" + m.checksum() + "', now(), '" + server.version() + "')");
            LOG.info("applied ClickHouse migration V{} {} to {} (server {}, features {})", m.version(), m.name(),
                    database, server.version(), server.supported());
            now.add(m.version());
        }
        return now;
    }

    private static boolean addsAColumnThatIsThere(Client ch, String statement) {
        Matcher m = ADD_COLUMN.matcher(statement);
        return m.matches() && !single(ch, "SELECT count() FROM system.columns WHERE database = '" + m.group(1)
                + "' AND table = '" + m.group(2) + "' AND name = '" + m.group(3) + "'").equals("0");
    }

    static void run(Client ch, String sql) {
        try (QueryResponse r = ch.query(sql).get(60, TimeUnit.SECONDS)) {
            r.getInputStream().readAllBytes();
        } catch (Exception e) {
            throw new IllegalStateException("ClickHouse refused: " + firstLine(sql) + " ... : " + e.getMessage(), e);
        }
    }

    static List<String> lines(Client ch, String sql) {
        try (QueryResponse r = ch.query(sql, new QuerySettings().setFormat(ClickHouseFormat.TabSeparated))
                .get(60, TimeUnit.SECONDS)) {
            String body = new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return body.isEmpty() ? List.of() : List.of(body.split("\n"));
        } catch (Exception e) {
            throw new IllegalStateException("ClickHouse query failed: " + firstLine(sql) + ": " + e.getMessage(), e);
        }
    }

    static String single(Client ch, String sql) {
        List<String> l = lines(ch, sql);
        if (l.size() != 1) {
            throw new IllegalStateException("expected one row from " + sql + ", got " + l.size()
                    + " (a ClickHouse 18.16 client needs compressServerResponse(false), or it reads nothing)");
        }
        return l.get(0);
    }

    private static String firstLine(String sql) {
        int nl = sql.indexOf('\n');
        return nl < 0 ? sql : sql.substring(0, nl);
    }

    private static String read(String resource) {
        try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
