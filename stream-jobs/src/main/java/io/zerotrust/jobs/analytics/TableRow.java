package io.zerotrust.jobs.analytics;

/**
 * One row for ClickHouse: its table (without database), and either its RowBinary bytes (all insertable columns in
 * table order) or its JSONEachRow text. A Flink POJO.
 */
public class TableRow {

    public String table;
    /** The row in RowBinary, or null when it is JSON. */
    public byte[] binary;
    /** The row as one JSONEachRow line (no newline), or null when it is binary. */
    public String json;

    public TableRow() {
    }

    public TableRow(String table, String json) {
        this.table = table;
        this.json = json;
    }

    public static TableRow binary(String table, byte[] row) {
        TableRow r = new TableRow();
        r.table = table;
        r.binary = row;
        return r;
    }

    @Override
    public String toString() {
        return table + " " + (json != null ? json : binary.length + " bytes of RowBinary");
    }
}
