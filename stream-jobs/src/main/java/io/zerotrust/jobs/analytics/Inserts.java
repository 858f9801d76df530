package io.zerotrust.jobs.analytics;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Inserts {@link TableRow}s into ClickHouse, each table's rows in their own format (RowBinary or JSONEachRow), and
 * checks that the tables written in RowBinary have the columns the rows carry. What the sink job uses, without Flink.
 */
public final class Inserts {

    /** The column every table has last: which sink batch wrote the row ('' when the sink runs at least once). */
    static final String SINK_BATCH = "sink_batch";

    /** The tables written in RowBinary and their insertable columns, in order (the rows', then the batch id). */
    static final Map<String, List<String>> BINARY_TABLES = Map.of(
            "conn_events", withBatch(Rows.EVENT_COLUMNS), "rollup_1m", withBatch(Rollups.COLUMNS));

    private static List<String> withBatch(List<String> columns) {
        List<String> all = new ArrayList<>(columns);
        all.add(SINK_BATCH + " String");
        return List.copyOf(all);
    }

    private Inserts() {
    }

    /**
     * Rows of one table in one format, as the bytes of an insert's body, each row carrying the batch's id in its
     * {@code sink_batch} column.
     */
    static final class Batch {
        private byte[] bytes = new byte[64 * 1024];
        private int size;
        int rows;
        private ClickHouseFormat format;
        private final String id;
        /** The id as RowBinary appends it to each binary row (a varint length, then UTF-8); JSON as a member. */
        private final byte[] idBinary;
        private final byte[] idJson;

        Batch() {
            this("");
        }

        /** @param id letters, digits and dashes (written into JSON as they are) */
        Batch(String id) {
            if (!id.matches("[A-Za-z0-9-]*")) {
                throw new IllegalArgumentException("a batch id is letters, digits and dashes: " + id);
            }
            this.id = id;
            byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > 127) {
                throw new IllegalArgumentException("a batch id has at most 127 characters: " + id);
            }
            idBinary = new byte[utf8.length + 1];
            idBinary[0] = (byte) utf8.length; // a one-byte LEB128 length
            System.arraycopy(utf8, 0, idBinary, 1, utf8.length);
            idJson = id.isEmpty() ? new byte[0]
                    : ("\"" + SINK_BATCH + "\":\"" + id + "\"").getBytes(StandardCharsets.UTF_8);
        }

        String id() {
            return id;
        }

        ClickHouseFormat format() {
            return format;
        }

        /** The insert's body as it stands (a copy). */
        byte[] body() {
            return Arrays.copyOf(bytes, size);
        }

        void add(TableRow row) {
            ClickHouseFormat f = row.binary != null ? ClickHouseFormat.RowBinary : ClickHouseFormat.JSONEachRow;
            if (format != null && format != f) {
                throw new IllegalArgumentException("rows of " + row.table + " come in both RowBinary and JSON");
            }
            format = f;
            if (row.binary != null) {
                append(row.binary, row.binary.length);
                append(idBinary, idBinary.length);
            } else {
                byte[] line = row.json.getBytes(StandardCharsets.UTF_8);
                if (idJson.length > 0 && line.length > 1 && line[0] == '{') {
                    append(line, 1);
                    append(idJson, idJson.length);
                    if (line[1] != '}') {
                        append(COMMA, 1);
                    }
                    append(line, 1, line.length - 1);
                } else {
                    append(line, line.length);
                }
                append(NEWLINE, 1);
            }
            rows++;
        }

        private void append(byte[] b, int n) {
            append(b, 0, n);
        }

        private void append(byte[] b, int from, int n) {
            if (size + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
            }
            System.arraycopy(b, from, bytes, size, n);
            size += n;
        }

        void clear() {
            size = 0;
            rows = 0;
            format = null;
        }
    }

    private static final byte[] NEWLINE = {'\n'};
    private static final byte[] COMMA = {','};

    static void insert(Client client, String qualifiedTable, Batch batch) throws Exception {
        insert(client, qualifiedTable, batch.bytes, batch.size, batch.format);
    }

    /** Inserts an insert body of {@code size} bytes in {@code format}. */
    static void insert(Client client, String qualifiedTable, byte[] body, int size, ClickHouseFormat format)
            throws Exception {
        try (InsertResponse r = client.insert(qualifiedTable, new ByteArrayInputStream(body, 0, size),
                format).get(60, TimeUnit.SECONDS)) {
            if (r == null) {
                throw new IllegalStateException("no answer to an insert into " + qualifiedTable);
            }
        }
    }

    /** The number a query answers (one value, TabSeparated; 0 for an empty answer). */
    static long count(Client ch, String sql) {
        try (QueryResponse r = ch.query(sql, new QuerySettings().setFormat(ClickHouseFormat.TabSeparated))
                .get(60, TimeUnit.SECONDS)) {
            String body = new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return body.isEmpty() ? 0 : Long.parseLong(body);
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Inserts rows as the sink does (grouped by table, each in its format). */
    public static void insert(Client client, String database, List<TableRow> rows) throws Exception {
        Map<String, Batch> byTable = new LinkedHashMap<>();
        for (TableRow r : rows) {
            byTable.computeIfAbsent(r.table, t -> new Batch()).add(r);
        }
        for (Map.Entry<String, Batch> e : byTable.entrySet()) {
            insert(client, database + "." + e.getKey(), e.getValue());
        }
    }

    /**
     * Fails, naming the table and the difference, when a table written in RowBinary does not have exactly the
     * columns the sink writes (MATERIALIZED and ALIAS columns aside), in that order.
     */
    public static void checkBinaryTables(Client client, String database) {
        for (Map.Entry<String, List<String>> t : BINARY_TABLES.entrySet()) {
            List<String> actual = new ArrayList<>();
            String sql = "DESCRIBE TABLE " + database + "." + t.getKey();
            try (QueryResponse r = client.query(sql, new QuerySettings().setFormat(ClickHouseFormat.TabSeparated))
                    .get(60, TimeUnit.SECONDS)) {
                for (String line : new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                        .split("\n")) {
                    String[] cols = line.split("\t", -1);
                    if (cols.length >= 2 && !(cols.length > 2 && (cols[2].equals("MATERIALIZED")
                            || cols[2].equals("ALIAS")))) {
                        actual.add(unescape(cols[0]) + " " + unescape(cols[1]).replace(" ", ""));
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot describe " + database + "." + t.getKey() + ": "
                        + e.getMessage(), e);
            }
            List<String> expected = t.getValue().stream().map(c -> {
                int sp = c.indexOf(' ');
                return c.substring(0, sp) + " " + c.substring(sp + 1).replace(" ", "");
            }).toList();
            if (!actual.equals(expected)) {
                throw new IllegalStateException("ClickHouse table " + database + "." + t.getKey()
                        + " does not have the columns this sink writes in RowBinary; expected " + expected
                        + " but the server has " + actual + ". The table was changed outside the migrations of this"
                        + " version: migrate it (clickhouse-schema) or use a database of its own (analytics.database).");
            }
        }
    }


    /** A TabSeparated value as text: backslash escapes resolved. */
    static String unescape(String tsv) {
        if (tsv.indexOf('\\') < 0) {
            return tsv;
        }
        StringBuilder out = new StringBuilder(tsv.length());
        for (int i = 0; i < tsv.length(); i++) {
            char c = tsv.charAt(i);
            if (c == '\\' && i + 1 < tsv.length()) {
                char n = tsv.charAt(++i);
                out.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    default -> n;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
