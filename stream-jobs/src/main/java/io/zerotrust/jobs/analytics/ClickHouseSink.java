package io.zerotrust.jobs.analytics;

import com.clickhouse.client.api.Client;
import io.zerotrust.clickhouse.Migrations;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
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
 * <p>{@link #exactlyOnce} instead inserts nothing until a checkpoint completes: each checkpoint's rows become one
 * {@link SinkBatch} per table (more when a table has over {@code batchRows} rows), kept in the checkpoint, and
 * Flink's committer inserts them once the checkpoint is complete ({@link BatchCommitter}). Every row carries its
 * batch's id in {@code sink_batch}; a batch that a restarted job commits again is first counted by that id and not
 * inserted when it is there, so no row is in ClickHouse twice, also without FINAL. Rows then appear a checkpoint
 * interval later.
 *
 * <p>Each writer applies the schema migrations at start (idempotent), then checks that the tables it writes in
 * RowBinary have exactly the columns it writes, in order ({@link #BINARY_TABLES}): RowBinary carries no column names,
 * so a table that differs would otherwise take misplaced values or refuse every insert ({@link Inserts}). Metrics:
 * {@code rowsWritten},
 * {@code batchesWritten}, {@code insertRetries}, {@code batchRows} and {@code insertLatencyMs} histograms.
 */
public class ClickHouseSink implements Sink<TableRow> {

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

    /** A sink whose rows are inserted when their checkpoint completes, each exactly once (see the class comment). */
    public static Sink<TableRow> exactlyOnce(String url, String database, int batchRows) {
        return new Committing(url, database, batchRows);
    }

    private static final class Committing extends ClickHouseSink implements SupportsCommitter<SinkBatch> {
        private static final long serialVersionUID = 1L;

        Committing(String url, String database, int batchRows) {
            super(url, database, batchRows, Duration.ZERO); // no interval: batches go at checkpoints
        }

        @Override
        public SinkWriter<TableRow> createWriter(WriterInitContext context) {
            return new Writer(context, true);
        }

        @Override
        public Committer<SinkBatch> createCommitter(CommitterInitContext context) {
            return new BatchCommitter(context);
        }

        @Override
        public SimpleVersionedSerializer<SinkBatch> getCommittableSerializer() {
            return new SinkBatch.Serializer();
        }
    }

    /** A client for the ClickHouse HTTP interface; server compression off (18.16 breaks it, silently). */
    public static Client client(String url) {
        return new Client.Builder().addEndpoint(url).setUsername("default").setPassword("")
                .compressServerResponse(false).build();
    }

    @Override
    public SinkWriter<TableRow> createWriter(WriterInitContext context) {
        return new Writer(context, false);
    }

    /**
     * Batches rows per table. At least once it inserts them itself (full, due, or at a checkpoint); committing, it
     * hands them to the committer at each checkpoint instead ({@link #prepareCommit}).
     */
    final class Writer implements CommittingSinkWriter<TableRow, SinkBatch> {
        private final boolean committing;
        /** The checkpoint this writer started from, -1 for none: committables made before it are told apart. */
        private final long origin;
        private final List<SinkBatch> sealed = new ArrayList<>();
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

        Writer(WriterInitContext context, boolean committing) {
            this.committing = committing;
            this.origin = context.getRestoredCheckpointId().orElse(-1);
            this.client = client(url);
            this.time = context.getProcessingTimeService();
            this.written = context.metricGroup().counter("rowsWritten");
            this.batches = context.metricGroup().counter("batchesWritten");
            this.retries = context.metricGroup().counter("insertRetries");
            this.batchSize = context.metricGroup().histogram("batchRows", new DescriptiveStatisticsHistogram(500));
            this.latency = context.metricGroup().histogram("insertLatencyMs",
                    new DescriptiveStatisticsHistogram(500));
            retrying(retries, () -> Migrations.apply(client, database), "applying the schema migrations");
            Inserts.checkBinaryTables(client, database);
        }

        @Override
        public void write(TableRow row, Context context) throws IOException, InterruptedException {
            pending.computeIfAbsent(row.table, t -> new Inserts.Batch(committing ? UUID.randomUUID().toString() : ""))
                    .add(row);
            rows++;
            if (committing) {
                if (rows >= batchRows) {
                    seal();
                }
                return;
            }
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
            if (!committing) {
                flushAll();
            }
        }

        @Override
        public Collection<SinkBatch> prepareCommit() {
            if (!committing) {
                return List.of();
            }
            seal();
            List<SinkBatch> out = List.copyOf(sealed);
            sealed.clear();
            return out;
        }

        /** The pending batches, each one committable for the next checkpoint; new rows start new batches. */
        private void seal() {
            for (Map.Entry<String, Inserts.Batch> e : pending.entrySet()) {
                Inserts.Batch b = e.getValue();
                if (b.rows > 0) {
                    sealed.add(new SinkBatch(e.getKey(), b.id(), origin, b.format().name(), b.rows, b.body()));
                }
            }
            pending.clear();
            rows = 0;
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
                retrying(retries, () -> {
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

        @Override
        public void close() throws Exception {
            client.close();
        }
    }

    /**
     * Inserts the batches of completed checkpoints. A batch made before the checkpoint this committer started from
     * may have been inserted before the restart: it is counted by its id first and inserted only when absent (an
     * insert of fewer than a million rows is one block, there whole or not at all).
     */
    final class BatchCommitter implements Committer<SinkBatch> {
        private final Client client;
        private final long restored;
        private final Counter written;
        private final Counter batches;
        private final Counter retries;
        private final Counter alreadyThere;

        BatchCommitter(CommitterInitContext context) {
            this.client = client(url);
            this.restored = context.getRestoredCheckpointId().orElse(-1);
            this.written = context.metricGroup().counter("rowsWritten");
            this.batches = context.metricGroup().counter("batchesWritten");
            this.retries = context.metricGroup().counter("insertRetries");
            this.alreadyThere = context.metricGroup().counter("batchesAlreadyCommitted");
        }

        @Override
        public void commit(Collection<CommitRequest<SinkBatch>> requests) {
            for (CommitRequest<SinkBatch> r : requests) {
                SinkBatch b = r.getCommittable();
                String table = database + "." + b.table();
                if (b.origin() != restored) {
                    long there = retrying(retries, () -> Inserts.count(client, "SELECT count() FROM " + table
                            + " WHERE " + Inserts.SINK_BATCH + " = '" + b.id() + "'"), "looking up batch " + b.id());
                    if (there == b.rows()) {
                        alreadyThere.inc();
                        r.signalAlreadyCommitted();
                        continue;
                    }
                    if (there > 0) {
                        LOG.warn("batch {} of {} is in {} with {} of its {} rows; inserting it whole again (FINAL "
                                + "reads one of each)", b.id(), b.table(), table, there, b.rows());
                    }
                }
                retrying(retries, () -> {
                    Inserts.insert(client, table, b.body(), b.body().length,
                            com.clickhouse.data.ClickHouseFormat.valueOf(b.format()));
                    return null;
                }, "inserting " + b.rows() + " rows into " + table);
                batches.inc();
                written.inc(b.rows());
            }
        }

        @Override
        public void close() throws Exception {
            client.close();
        }
    }

    private <T> T retrying(Counter retries, Attempt<T> attempt, String what) {
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

    @FunctionalInterface
    private interface Attempt<T> {
        T run() throws Exception;
    }
}
