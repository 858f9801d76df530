package io.zerotrust.demo.monitor;

import io.zerotrust.demo.ClickHouseHttp;
import io.zerotrust.schemas.topics.Topics;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * How far the ClickHouse sink is behind on {@code conn.events}, by what has landed: the records of the topic from
 * where the sink started reading, less the rows {@code conn_events} has gained since. Not its committed offsets: the
 * sink commits those on its checkpoints (every 30 s), while its rows land in batches every 5 s
 * ({@code analytics.batch.interval.ms}), so what analysts can query is what this measures.
 *
 * <p>Take it with {@link #before} before the sink starts. Records are counted by offsets, so a transaction's commit
 * marker counts as one too: the ingest writes exactly once, in transactions, and each of its commits that wrote to a
 * partition adds one to what this reports (in the demo, the port scan's Zeek records: a few dozen). A sink that
 * restarts from its last checkpoint inserts again what it wrote after it; until ClickHouse merges those rows away (the
 * tables keep one row per key), they make the sink look further ahead than it is.
 */
public final class SinkProgress {

    private final String clickhouseUrl;
    private final String database;
    private final long startOffsets;
    private final long rowsBefore;

    private SinkProgress(String clickhouseUrl, String database, long startOffsets, long rowsBefore) {
        this.clickhouseUrl = clickhouseUrl;
        this.database = database;
        this.startOffsets = startOffsets;
        this.rowsBefore = rowsBefore;
    }

    /**
     * Where a sink that reads {@code conn.events} from {@code fromMs} on starts, and how many rows
     * {@code database.conn_events} has now (none if it does not exist yet).
     */
    public static SinkProgress before(Admin admin, String clickhouseUrl, String database, long fromMs)
            throws Exception {
        if (!database.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("database must be a plain identifier, got '" + database + "'");
        }
        Map<TopicPartition, Long> end = Monitor.endOffsets(admin, List.of(Topics.CONN_EVENTS.name()));
        Map<TopicPartition, OffsetSpec> at = new HashMap<>();
        end.keySet().forEach(tp -> at.put(tp, OffsetSpec.forTimestamp(fromMs)));
        Map<TopicPartition, ListOffsetsResultInfo> found = admin.listOffsets(at).all().get(10, TimeUnit.SECONDS);
        long start = 0;
        for (TopicPartition tp : at.keySet()) {
            // as the sink's source: a partition with no record from fromMs on is read from its end
            long offset = found.get(tp).offset();
            start += offset >= 0 ? offset : end.get(tp);
        }
        return new SinkProgress(clickhouseUrl, database, start, rows(clickhouseUrl, database));
    }

    /** Rows of {@code conn_events} in ClickHouse's active parts (0 while the table does not exist). */
    static long rows(String clickhouseUrl, String database) throws IOException, InterruptedException {
        String answer = ClickHouseHttp.query(clickhouseUrl, "SELECT sum(rows) FROM system.parts WHERE active AND "
                + "database = '" + database + "' AND table = 'conn_events'").trim();
        try {
            return Long.parseLong(answer);
        } catch (NumberFormatException e) {
            throw new IOException("ClickHouse answered '" + answer + "' for the rows of " + database
                    + ".conn_events");
        }
    }

    /**
     * Records of {@code conn.events} not in ClickHouse yet, given the topic's {@code endOffsets} summed over its
     * partitions; -1 while ClickHouse does not answer.
     */
    public long behind(long endOffsets) {
        try {
            return Math.max(0, endOffsets - startOffsets - (rows(clickhouseUrl, database) - rowsBefore));
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
