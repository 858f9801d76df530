package io.zerotrust.jobs.analytics;

/** One row for ClickHouse: its table (without database) and its JSONEachRow text. A Flink POJO. */
public class TableRow {

    public String table;
    public String json;

    public TableRow() {
    }

    public TableRow(String table, String json) {
        this.table = table;
        this.json = json;
    }

    @Override
    public String toString() {
        return table + " " + json;
    }
}
