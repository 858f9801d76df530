package io.zerotrust.jobs.analytics;

import com.clickhouse.client.api.Client;
import io.zerotrust.clickhouse.Migrations;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link TableRow}s to ClickHouse through client-v2, one insert per table per batch, in the rows' own format
 * (RowBinary for connection events and rollups, JSONEachRow for the rest). A batch
 * goes out when it reaches {@code batchRows} rows, when {@code batchInterval} has passed since its first row, and on
 * every checkpoint (Flink calls {@link SinkWriter#flush} before it), so what a checkpoint acknowledges is in
 * ClickHouse. While ClickHouse does not answer, an insert is retried with backoff (100 ms doubling to 5 s) for as
 * long as it takes: the writer blocks, Flink's backpressure stops reading Kafka, and nothing is dropped. A batch
 * written twice (a retry whose first attempt did land, a restart from a checkpoint) is harmless: the tables are
 * ReplacingMergeTrees keyed by the rows' own ids.
 *
 * <p>Each writer applies the schema migrations at start (idempotent), then checks that the tables it writes in
 * RowBinary have exactly the columns it writes, in order ({@link #BINARY_TABLES}): RowBinary carries no column names,
 * so a table that differs would otherwise take misplaced values or refuse every insert ({@link Inserts}). Metrics:
 * {@code rowsWritten},
 * {@code batchesWritten}, {@code insertRetries}, {@code batchRows} and {@code insertLatencyMs} histograms.
 */
public final class ClickHouseSink implements Sink<TableRow> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSink.class);

    private final String url;
    private final String database;
    private final int batchRows;
    private final long batchIntervalMs;

    public ClickHouseSink(String url, String database, int batchRows, Duration batchInterval) {
        this.url = url;
        this.database = database;
        this.batchRows = batchRows;
        this.batchIntervalMs = batchInterval.toMillis();
    }

    /** A client for the ClickHouse HTTP interface; server compression off (18.16 breaks it, silently). */
    public static Client client(String url) {
        return new Client.Builder().addEndpoint(url).setUsername("default").setPassword("")
                .compressServerResponse(false).build();
    }

    @Override
    public SinkWriter<TableRow> createWriter(WriterInitContext context) {
        return new Writer(context);
    }

    private final class Writer implements SinkWriter<TableRow> {
        private final Client client;
        private final ProcessingTimeService time;
        private final Map<String, Inserts.Batch> pending = new LinkedHashMap<>();
        private int rows;
        private long firstRowAt = -1;
        private final Counter written;
        private final Counter batches;
        private final Counter retries;
        private final Histogram batchSize;
        private final Histogram latency;

        Writer(WriterInitContext context) {
            this.client = client(url);
            this.time = context.getProcessingTimeService();
            this.written = context.metricGroup().counter("rowsWritten");
            this.batches = context.metricGroup().counter("batchesWritten");
            this.retries = context.metricGroup().counter("insertRetries");
            this.batchSize = context.metricGroup().histogram("batchRows", new DescriptiveStatisticsHistogram(500));
            this.latency = context.metricGroup().histogram("insertLatencyMs",
                    new DescriptiveStatisticsHistogram(500));
            retrying(() -> Migrations.apply(client, database), "applying the schema migrations");
            Inserts.checkBinaryTables(client, database);
        }

        @Override
        public void write(TableRow row, Context context) throws IOException, InterruptedException {
            pending.computeIfAbsent(row.table, t -> new Inserts.Batch()).add(row);
            rows++;
            if (firstRowAt < 0) {
                firstRowAt = time.getCurrentProcessingTime();
                long at = firstRowAt + batchIntervalMs;
                time.registerTimer(at, t -> {
                    if (firstRowAt >= 0 && t >= firstRowAt + batchIntervalMs) {
                        flushAll();
                    }
                });
            }
            if (rows >= batchRows) {
                flushAll();
            }
        }

        @Override
        public void flush(boolean endOfInput) throws InterruptedException {
            flushAll();
        }

        private void flushAll() throws InterruptedException {
            if (rows == 0) {
                return;
            }
            for (Map.Entry<String, Inserts.Batch> e : pending.entrySet()) {
                Inserts.Batch batch = e.getValue();
                if (batch.rows == 0) {
                    continue;
                }
                String table = database + "." + e.getKey();
                long start = System.nanoTime();
                retrying(() -> {
                    Inserts.insert(client, table, batch);
                    return null;
                }, "inserting " + batch.rows + " rows into " + table);
                latency.update((System.nanoTime() - start) / 1_000_000);
                batchSize.update(batch.rows);
                batches.inc();
                written.inc(batch.rows);
                batch.clear();
            }
            rows = 0;
            firstRowAt = -1;
        }

        private <T> T retrying(Attempt<T> attempt, String what) {
            long backoff = 100;
            for (int tries = 1; ; tries++) {
                try {
                    T result = attempt.run();
                    if (tries > 1) {
                        LOG.info("ClickHouse answered again after {} attempts: {}", tries, what);
                    }
                    return result;
                } catch (Exception e) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new IllegalStateException("interrupted while " + what, e);
                    }
                    retries.inc();
                    if (tries == 1 || tries % 20 == 0) {
                        LOG.warn("ClickHouse at {} does not take the batch ({}; attempt {}): {}; retrying every {} ms"
                                + " at most, Kafka reading is held back meanwhile", url, what, tries, e.toString(),
                                backoff);
                    }
                    try {
                        Thread.sleep(backoff);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while " + what, ie);
                    }
                    backoff = Math.min(5_000, backoff * 2);
                }
            }
        }

        @Override
        public void close() throws Exception {
            client.close();
        }
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws Exception;
    }
}
