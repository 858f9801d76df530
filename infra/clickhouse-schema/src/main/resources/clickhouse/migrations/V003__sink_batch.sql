-- Which insert of the ClickHouse sink wrote each row: a batch id, '' when the sink runs at least once. With
-- analytics.clickhouse.delivery=exactly-once the sink inserts each batch when its checkpoint completes, and a batch
-- that a restart commits again is first looked up by this id, so that no row is written twice (docs/analytics.md).
-- Plain ADD COLUMN: 18.16 has no IF NOT EXISTS here; the migration runner skips a column that is there.
-- Added last: the sink writes it after the other columns, also in RowBinary.

ALTER TABLE {db}.conn_events ADD COLUMN sink_batch String DEFAULT '';
ALTER TABLE {db}.rollup_1m ADD COLUMN sink_batch String DEFAULT '';
ALTER TABLE {db}.risk_scores ADD COLUMN sink_batch String DEFAULT '';
ALTER TABLE {db}.anomalies ADD COLUMN sink_batch String DEFAULT '';
ALTER TABLE {db}.decisions ADD COLUMN sink_batch String DEFAULT '';
ALTER TABLE {db}.decision_acks ADD COLUMN sink_batch String DEFAULT '';
