package io.zerotrust.ingest;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.ingest.parse.BadRecord;
import io.zerotrust.ingest.parse.Memory;
import io.zerotrust.ingest.parse.SourceParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./pipeline replay --dry-run}: the records of telemetry files parsed here, with the parser the ingest uses for
 * their source, and nothing sent: per file and in total, the records read, the events they give, the duplicates (an
 * event id seen before, as the ingest's dedup would drop it), the dead letters by class with one example each, and the
 * time range the events cover. A user learns before a replay whether a format is understood.
 */
public final class DryRun {

    /** What became of one file's records (or of all files', for the total). */
    public static final class Tally {
        final String name;
        long records;
        long events;
        long duplicates;
        final Map<String, Long> deadLetters = new LinkedHashMap<>();
        final Map<String, String> examples = new LinkedHashMap<>();
        long firstMs = Long.MAX_VALUE;
        long lastMs = Long.MIN_VALUE;

        Tally(String name) {
            this.name = name;
        }

        /** The file's name as given, or {@code total}. */
        public String name() {
            return name;
        }

        /** Records read (a dry run) or sent (a replay). */
        public long records() {
            return records;
        }

        /** Events the records give (a dry run) or gave on {@code conn.events} (a replay). */
        public long events() {
            return events;
        }

        /**
         * Records without an event of their own: duplicates (a dry run), or after a replay duplicates of records the
         * ingest had seen and records that only inform others.
         */
        public long withoutEvent() {
            return duplicates;
        }

        /** Dead letters by class. */
        public Map<String, Long> deadLetters() {
            return Map.copyOf(deadLetters);
        }

        public long deadLettered() {
            return deadLetters.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Dead letters as a share of the records, 0 for none read. */
        public double deadLetterShare() {
            return records == 0 ? 0 : (double) deadLettered() / records;
        }

        void add(Tally t) {
            records += t.records;
            events += t.events;
            duplicates += t.duplicates;
            t.deadLetters.forEach((k, v) -> deadLetters.merge(k, v, Long::sum));
            t.examples.forEach(examples::putIfAbsent);
            firstMs = Math.min(firstMs, t.firstMs);
            lastMs = Math.max(lastMs, t.lastMs);
        }
    }

    private DryRun() {
    }

    /** Parses every record of {@code files}; returns one tally per file, then the total. */
    static List<Tally> run(SourceParser parser, List<Path> files, long receivedMs) throws Exception {
        Memory memory = Memory.inMap(100_000);
        Set<String> seen = new HashSet<>();
        Tally total = new Tally("total");
        List<Tally> out = new ArrayList<>();
        for (Path f : files) {
            Tally t = new Tally(f.toString());
            Replay.eachRecord(parser.source(), f, record -> {
                t.records++;
                try {
                    for (ConnectionEvent e : parser.parse(record.getBytes(StandardCharsets.UTF_8), receivedMs,
                            memory)) {
                        if (!seen.add(e.getEventId())) {
                            t.duplicates++;
                            continue;
                        }
                        t.events++;
                        t.firstMs = Math.min(t.firstMs, e.getEventTime());
                        t.lastMs = Math.max(t.lastMs, e.getEventTime());
                    }
                } catch (BadRecord bad) {
                    t.deadLetters.merge(bad.errorType(), 1L, Long::sum);
                    t.examples.putIfAbsent(bad.errorType(), bad.getMessage() + " — in: "
                            + (record.length() > 160 ? record.substring(0, 160) + "…" : record));
                } catch (RuntimeException defect) {
                    t.deadLetters.merge("internal_error", 1L, Long::sum);
                    t.examples.putIfAbsent("internal_error", defect.toString());
                }
            });
            total.add(t);
            out.add(t);
        }
        out.add(total);
        return out;
    }

    /**
     * The summary a person reads: a block per tally. After a replay ({@code sent}), what the ingest wrote: the
     * records that gave no event are duplicates of records it had seen, or records that only inform others.
     */
    static String report(List<Tally> tallies, boolean sent) {
        StringBuilder b = new StringBuilder();
        for (Tally t : tallies) {
            if (sent) {
                b.append(String.format(Locale.ROOT, "%s: %,d records sent -> %,d events written to conn.events, %,d"
                        + " records without an event (duplicates, or records that only inform others), %,d dead"
                        + " letters (%.1f %%)%n", t.name, t.records, t.events, t.duplicates, t.deadLettered(),
                        100 * t.deadLetterShare()));
            } else {
                b.append(String.format(Locale.ROOT, "%s: %,d records -> %,d events, %,d duplicates, %,d dead letters"
                        + " (%.1f %%)%n", t.name, t.records, t.events, t.duplicates, t.deadLettered(),
                        100 * t.deadLetterShare()));
            }
            if (t.events > 0) {
                b.append("  events from ").append(Instant.ofEpochMilli(t.firstMs)).append(" to ")
                        .append(Instant.ofEpochMilli(t.lastMs)).append('\n');
            }
            t.deadLetters.forEach((type, n) -> b.append(String.format(Locale.ROOT, "  %-18s %,d, e.g. %s%n", type, n,
                    t.examples.get(type))));
        }
        return b.toString();
    }
}
