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

    /** The tables written in RowBinary and their insertable columns, in order. */
    static final Map<String, List<String>> BINARY_TABLES = Map.of(
            "conn_events", Rows.EVENT_COLUMNS, "rollup_1m", Rollups.COLUMNS);

    private Inserts() {
    }

    /** Rows of one table in one format, as the bytes of an insert's body. */
    static final class Batch {
        private byte[] bytes = new byte[64 * 1024];
        private int size;
        int rows;
        private ClickHouseFormat format;

        void add(TableRow row) {
            ClickHouseFormat f = row.binary != null ? ClickHouseFormat.RowBinary : ClickHouseFormat.JSONEachRow;
            if (format != null && format != f) {
                throw new IllegalArgumentException("rows of " + row.table + " come in both RowBinary and JSON");
            }
            format = f;
            if (row.binary != null) {
                append(row.binary, row.binary.length);
            } else {
                byte[] line = row.json.getBytes(StandardCharsets.UTF_8);
                append(line, line.length);
                append(NEWLINE, 1);
            }
            rows++;
        }

        private void append(byte[] b, int n) {
            if (size + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
            }
            System.arraycopy(b, 0, bytes, size, n);
            size += n;
        }

        void clear() {
            size = 0;
            rows = 0;
            format = null;
        }
    }

    private static final byte[] NEWLINE = {'\n'};

    static void insert(Client client, String qualifiedTable, Batch batch) throws Exception {
        try (InsertResponse r = client.insert(qualifiedTable, new ByteArrayInputStream(batch.bytes, 0, batch.size),
                batch.format).get(60, TimeUnit.SECONDS)) {
            if (r == null) {
                throw new IllegalStateException("no answer to an insert into " + qualifiedTable);
            }
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
