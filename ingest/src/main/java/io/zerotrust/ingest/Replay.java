package io.zerotrust.ingest;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.ingest.parse.BadRecord;
import io.zerotrust.ingest.parse.FlowCsv;
import io.zerotrust.ingest.parse.Memory;
import io.zerotrust.ingest.parse.SourceParser;
import io.zerotrust.ingest.parse.ZeekTsv;
import io.zerotrust.schemas.topics.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * File replay: pushes telemetry files into {@code telemetry.raw.<source>}, one record per non-empty line, exactly
 * as written, with progress every two seconds, then reports what the ingest made of them. Files may be plain, gzip
 * ({@code .gz}) or zip ({@code .zip}: every entry). This is how datasets, tests and users feed history in.
 *
 * <p><b>Order.</b> By default the records of all files are sent in the order of their own time stamps (each
 * record's earliest event time, as the ingest's parser reads it; a record that gives no event, such as a Kerberos
 * success or a dead letter, goes with the record before it in its file), merged in bounded memory
 * ({@link RecordMerge}: sorted runs spilled to temporary files), and all to one partition, so that the ingest
 * writes each sensor's history into {@code conn.events} in time order and the risk engine drops nothing as late.
 * {@code --file-order} sends file after file as written, spread over the partitions (faster, for live-like data).
 *
 * <p><b>Report.</b> Each record carries a header ({@link #HEADER}: run, file and record number) that the ingest
 * passes on to the events and dead letters it makes of it. After sending, replay waits until the ingest's consumer
 * group has consumed every record sent (giving up when it makes no progress for {@code --wait} seconds), then reads
 * what the run wrote to {@code conn.events} and {@code telemetry.dlq} and prints per file and in total: records sent,
 * events written, records that gave no event (duplicates of records the ingest had seen, or records that only
 * inform others), dead letters by reason with one example each, and the time range of the events. The exit status
 * is 1 when more than {@code --max-dead-letter-share} of the records were dead-lettered, 3 when the ingest did not
 * consume what was sent.
 *
 * <p>Flow CSV rows, likewise, are sent as JSON objects keyed by their file's header ({@link FlowCsv}).
 *
 * <p>Zeek's default TSV logs are converted here: a row means nothing without its file's header, so for
 * {@code --source zeek} a file (or zip entry) whose lines start with a {@code #separator} header is converted, each
 * data row sent as the equivalent Zeek JSON object ({@link ZeekTsv}); headers and footers are not sent. A row that
 * does not fit its header is sent as written, and the ingest dead-letters it.
 *
 * <pre>./pipeline replay --source windows [--bootstrap 127.0.0.1:9092] FILE...</pre>
 */
public final class Replay {

    /** The header that marks a replayed record and what the ingest makes of it: {@code <run>/<file>/<record>}. */
    public static final String HEADER = "zt.replay";
    /** Exit status when the ingest did not consume what was sent. */
    static final int NOT_CONSUMED = 3;

    /** A replay's settings. */
    public record Options(String source, String bootstrap, String registryUrl, String ingestApp, List<Path> files,
                          boolean fileOrder, Duration patience, Properties parserSettings) {

        /** Sends in time order and waits up to two minutes without progress; registry and ingest as the defaults. */
        public static Options of(String source, String bootstrap, List<Path> files) {
            return new Options(source, bootstrap, System.getenv().getOrDefault("ZT_REGISTRY_URL",
                    "http://127.0.0.1:8081"), "zt-ingest", files, false, Duration.ofSeconds(120), new Properties());
        }

        public Options fileOrder(boolean f) {
            return new Options(source, bootstrap, registryUrl, ingestApp, files, f, patience, parserSettings);
        }

        public Options ingest(String registry, String app) {
            return new Options(source, bootstrap, registry, app, files, fileOrder, patience, parserSettings);
        }

        public Options waiting(Duration w) {
            return new Options(source, bootstrap, registryUrl, ingestApp, files, fileOrder, w, parserSettings);
        }
    }

    /**
     * What a replay sent: its run id, the records sent per file, and per partition of the raw topic the first and
     * the next offset it wrote; and where {@code conn.events} and {@code telemetry.dlq} ended before it started.
     */
    public record Sent(String runId, String topic, long[] perFile, Map<Integer, long[]> offsets,
                       Map<TopicPartition, Long> outputsBefore) {

        public long records() {
            return java.util.Arrays.stream(perFile).sum();
        }
    }

    private Replay() {
    }

    public static void main(String[] args) throws Exception {
        String source = null;
        String bootstrap = System.getenv().getOrDefault("ZT_KAFKA_BOOTSTRAP", "127.0.0.1:9092");
        String registry = System.getenv().getOrDefault("ZT_REGISTRY_URL", "http://127.0.0.1:8081");
        String ingestApp = "zt-ingest";
        List<Path> files = new ArrayList<>();
        boolean dryRun = false;
        boolean fileOrder = false;
        boolean noWait = false;
        Duration wait = Duration.ofSeconds(120);
        double maxShare = 0.05;
        Properties parserSettings = new Properties();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : null;
            try {
                if (a.startsWith("--max-dead-letter-share=")) {
                    maxShare = share(value);
                } else if (a.startsWith("--wait=")) {
                    wait = Duration.ofSeconds(seconds(value));
                } else if (a.startsWith("--registry=")) {
                    registry = value;
                } else if (a.startsWith("--ingest.") && value != null) {
                    parserSettings.put(a.substring(2, a.indexOf('=')), value);
                } else if (a.startsWith("--ingest-app=")) {
                    ingestApp = value;
                } else if (a.startsWith("--bootstrap=")) {
                    bootstrap = value;
                } else {
                    switch (a) {
                        case "--source" -> source = i + 1 < args.length ? args[++i] : null;
                        case "--bootstrap" -> bootstrap = i + 1 < args.length ? args[++i] : null;
                        case "--dry-run" -> dryRun = true;
                        case "--file-order" -> fileOrder = true;
                        case "--no-wait" -> noWait = true;
                        case "-h", "--help" -> {
                            usage();
                            return;
                        }
                        default -> {
                            if (a.startsWith("--source=")) {
                                source = value;
                            } else if (a.startsWith("--")) {
                                throw new IllegalArgumentException("unknown option " + a);
                            } else {
                                files.add(Path.of(a));
                            }
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                System.err.println("replay: " + e.getMessage());
                usage();
                System.exit(2);
                return;
            }
        }
        if (source == null || files.isEmpty() || bootstrap == null) {
            usage();
            System.exit(2);
            return;
        }
        String sourceName = source;
        if (!Topics.RAW_SOURCES.contains(source)) {
            System.err.println("replay: unknown source '" + source + "'; known sources: " + Topics.RAW_SOURCES);
            System.exit(2);
            return;
        }
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                System.err.println("replay: cannot read " + f);
                System.exit(2);
                return;
            }
        }
        if (dryRun) {
            SourceParser parser;
            try {
                parser = parser(sourceName, parserSettings);
            } catch (IllegalArgumentException e) {
                System.err.println("replay: " + e.getMessage());
                System.exit(2);
                return;
            }
            List<DryRun.Tally> tallies = DryRun.run(parser, files, System.currentTimeMillis());
            System.out.print(DryRun.report(tallies, false));
            System.exit(verdict(tallies.get(tallies.size() - 1), maxShare, false, System.out));
            return;
        }
        Options o = new Options(source, bootstrap, registry, ingestApp, files, fileOrder, wait, parserSettings);
        Sent sent = send(o, !noWait, System.err);
        System.out.println("replay: " + sent.records() + " records from " + files.size() + " file(s) into "
                + sent.topic() + (fileOrder ? ", file by file" : ", in time order"));
        if (noWait) {
            return;
        }
        ReplayReport.Result r = ReplayReport.collect(o, sent, System.err);
        if (!r.consumed()) {
            DryRun.Tally total = r.tallies().get(r.tallies().size() - 1);
            System.out.printf(java.util.Locale.ROOT, "replay: so far %,d events written to conn.events and %,d dead"
                    + " letters %s%n", total.events(), total.deadLettered(), total.deadLetters());
            System.out.println(r.problem());
            System.exit(NOT_CONSUMED);
            return;
        }
        System.out.print(DryRun.report(r.tallies(), true));
        System.exit(verdict(r.tallies().get(r.tallies().size() - 1), maxShare, true, System.out));
    }

    /**
     * The ingest's parser of {@code source}, with the ingest's settings {@code settings} ({@code ingest.*} keys, such
     * as a flow column map or a time zone; defaults for the others).
     */
    static SourceParser parser(String source, Properties settings) {
        return IngestTopology.parsers(IngestSettings.from(settings)).stream()
                .filter(p -> p.source().equals(source)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                        "no parser for source '" + source + "'"));
    }

    static long seconds(String v) {
        try {
            long s = Long.parseLong(v);
            if (s < 1) {
                throw new NumberFormatException();
            }
            return s;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--wait must be a whole number of seconds of at least 1, got '" + v
                    + "'");
        }
    }

    /** A share from {@code 0.05} or {@code 5%}. */
    static double share(String v) {
        try {
            double d = v.endsWith("%") ? Double.parseDouble(v.substring(0, v.length() - 1)) / 100
                    : Double.parseDouble(v);
            if (d < 0 || d > 1) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--max-dead-letter-share must be a share from 0 to 1 or a percentage, "
                    + "e.g. 0.05 or 5%; got '" + v + "'");
        }
    }

    /**
     * The exit status of a replay or a dry run: 0 when at most {@code maxShare} of the records are dead letters, else
     * 1 with a line that says so.
     */
    static int verdict(DryRun.Tally total, double maxShare, boolean sent, java.io.PrintStream out) {
        if (total.deadLetterShare() <= maxShare) {
            return 0;
        }
        out.printf(java.util.Locale.ROOT, "replay: %.1f %% of the records %s, more than the %.1f %%"
                + " allowed (--max-dead-letter-share): the ingest does not understand this format as written; the"
                + " examples above say why%n", 100 * total.deadLetterShare(),
                sent ? "were dead-lettered" : "would be dead letters", 100 * maxShare);
        return 1;
    }

    private static void usage() {
        System.err.println("usage: ./pipeline replay --source <" + String.join("|", Topics.RAW_SOURCES)
                + "> [--bootstrap HOST:PORT] [--file-order] [--wait=120 | --no-wait]\n"
                + "                       [--max-dead-letter-share=0.05] [--dry-run] FILE...\n"
                + "  plain, .gz or .zip files; one record per line; Zeek TSV logs are sent as Zeek JSON, flow CSV rows"
                + " as JSON\n  keyed by their header. --ingest.<key>=<value>: an ingest setting the parser reads, e.g."
                + " --ingest.flow.column.map=FILE\n  or --ingest.sshd.zone=+02:00 (the ingest itself must have the"
                + " same).\n"
                + "  Records of all files are sent merged in the order of their time stamps (--file-order: file after"
                + " file),\n  then replay waits for the ingest (--ingest-app=zt-ingest; gives up after --wait seconds"
                + " without progress)\n  and prints per file and in total the records sent, events written, records"
                + " without an event, dead\n  letters by reason with an example each and the time range. Exit status"
                + " 1 when more than the share\n  (default 5 %) was dead-lettered, 3 when the ingest did not consume"
                + " what was sent.\n"
                + "  --dry-run: parse the files here and send nothing; the same summary, without Kafka.");
    }

    /**
     * Sends every record of {@code files} in file order, without waiting for the ingest; returns how many records
     * Kafka acknowledged. Fails on the first error.
     */
    public static long replay(String source, String bootstrap, List<Path> files, java.io.PrintStream progress)
            throws Exception {
        return send(Options.of(source, bootstrap, files).fileOrder(true), false, progress).records();
    }

    /**
     * Sends every record of the files, in time order unless {@link Options#fileOrder}, each marked with
     * {@link #HEADER}. With {@code snapshot}, first notes where the ingest's output topics end, for
     * {@link ReplayReport}. Fails on the first record Kafka refuses.
     */
    public static Sent send(Options o, boolean snapshot, java.io.PrintStream progress) throws Exception {
        String topic = Topics.telemetryRaw(o.source()).name();
        String runId = java.util.UUID.randomUUID().toString().substring(0, 8);
        Map<TopicPartition, Long> before = snapshot ? ReplayReport.endOffsets(o.bootstrap()) : Map.of();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong acked = new AtomicLong();
        AtomicLong lines = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        long[] perFile = new long[o.files().size()];
        Map<Integer, long[]> offsets = new java.util.concurrent.ConcurrentHashMap<>();
        long start = System.nanoTime();
        AtomicLong lastReport = new AtomicLong(start);
        // time order: one partition, so that one ingest task reads (and writes) the records in the order sent
        Integer partition = o.fileOrder() ? null : 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            RecordSender sender = (file, seq, record, where) -> {
                if (failure.get() != null) {
                    throw failure.get();
                }
                byte[] value = record.getBytes(StandardCharsets.UTF_8);
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition, null, value);
                r.headers().add(HEADER, (runId + "/" + file + "/" + seq).getBytes(StandardCharsets.US_ASCII));
                producer.send(r, (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        acked.incrementAndGet();
                        offsets.merge(md.partition(), new long[] {md.offset(), md.offset() + 1},
                                (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                    }
                });
                perFile[file]++;
                long n = lines.incrementAndGet();
                long size = bytes.addAndGet(value.length);
                long now = System.nanoTime();
                if (now - lastReport.get() > 2_000_000_000L) {
                    lastReport.set(now);
                    progress.printf("replay: %,d records (%.1f MB) sent, %,d acknowledged, %,.0f records/s,"
                            + " now %s%n", n, size / 1e6, acked.get(), n / ((now - start) / 1e9), where);
                }
            };
            if (o.fileOrder()) {
                for (int i = 0; i < o.files().size(); i++) {
                    int file = i;
                    Path f = o.files().get(i);
                    long[] seq = {0};
                    eachRecord(o.source(), f, record -> sender.send(file, seq[0]++, record, "in "
                            + f.getFileName()));
                }
            } else {
                try (RecordMerge merge = inTimeOrder(o.source(), o.files(), o.parserSettings(), progress)) {
                    for (java.util.Iterator<RecordMerge.Item> it = merge.merged(); it.hasNext(); ) {
                        RecordMerge.Item item = it.next();
                        sender.send(item.file(), item.seq(), item.record(), "at "
                                + java.time.Instant.ofEpochMilli(Math.max(0, item.time())));
                    }
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IOException("Kafka refused a record: " + failure.get().getMessage(), failure.get());
        }
        progress.printf("replay: %,d records (%.1f MB) sent in %.1f s%n", lines.get(), bytes.get() / 1e6,
                (System.nanoTime() - start) / 1e9);
        return new Sent(runId, topic, perFile, Map.copyOf(offsets), before);
    }

    /** What sends a record: its file, its number in the file, the record, and where the replay is (for progress). */
    @FunctionalInterface
    private interface RecordSender {
        void send(int file, long seq, String record, String where) throws Exception;
    }

    /**
     * The records of {@code files}, each with its time as the ingest's parser reads it (the earliest of its events;
     * a record without one takes the time of the record before it in its file), ready to be merged.
     */
    static RecordMerge inTimeOrder(String source, List<Path> files, Properties parserSettings,
                                   java.io.PrintStream progress) throws Exception {
        SourceParser parser = parser(source, parserSettings);
        Memory memory = Memory.inMap(100_000);
        long received = System.currentTimeMillis();
        RecordMerge merge = new RecordMerge();
        long start = System.nanoTime();
        long[] lastReport = {start};
        try {
            for (int i = 0; i < files.size(); i++) {
                int file = i;
                long[] seq = {0};
                long[] time = {Long.MIN_VALUE};
                Path f = files.get(i);
                eachRecord(source, f, record -> {
                    time[0] = timeOf(parser, record, received, memory, time[0]);
                    merge.add(time[0], file, seq[0]++, record);
                    long now = System.nanoTime();
                    if (now - lastReport[0] > 2_000_000_000L) {
                        lastReport[0] = now;
                        progress.printf("replay: ordering by time: %,d records read, now in %s%n", merge.size(),
                                f.getFileName());
                    }
                });
            }
        } catch (Exception e) {
            merge.close();
            throw e;
        }
        if (merge.spilledRuns() > 0) {
            progress.printf("replay: %,d records read in %.1f s, merging %d sorted runs%n", merge.size(),
                    (System.nanoTime() - start) / 1e9, merge.spilledRuns() + 1);
        }
        return merge;
    }

    /** The earliest event time of {@code record}, or {@code previous} when it gives no event or does not parse. */
    static long timeOf(SourceParser parser, String record, long received, Memory memory, long previous) {
        try {
            long t = Long.MAX_VALUE;
            for (ConnectionEvent e : parser.parse(record.getBytes(StandardCharsets.UTF_8), received, memory)) {
                t = Math.min(t, e.getEventTime());
            }
            return t == Long.MAX_VALUE ? previous : t;
        } catch (BadRecord | RuntimeException notParsed) {
            return previous;
        }
    }

    /** What a replay does with each record of a file. */
    @FunctionalInterface
    interface RecordSink {
        void accept(String record) throws Exception;
    }

    /**
     * Hands {@code sink} every record of file {@code f} of {@code source}: each non-blank line, but for Zeek TSV logs,
     * whose rows become Zeek JSON and whose headers are not records ({@link #zeekRecord}), and flow CSV files, whose
     * rows become JSON objects keyed by their header ({@link FlowCsv}).
     */
    static void eachRecord(String source, Path f, RecordSink sink) throws Exception {
        ZeekTsv tsv = source.equals("zeek") ? new ZeekTsv() : null;
        FlowCsv csv = source.equals("flow") ? new FlowCsv() : null; // CSV rows as JSON keyed by the header
        try (InputStream in = open(f); BufferedReader r = new BufferedReader(new InputStreamReader(in,
                StandardCharsets.UTF_8), 1 << 16)) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String record = tsv != null ? zeekRecord(tsv, line) : csv != null ? csv.record(line) : line;
                if (record != null) {
                    sink.accept(record);
                }
            }
        }
    }

    /**
     * What to send for a line of a Zeek file: a JSON line as it is; for a TSV log (once its header is seen) a row as
     * Zeek JSON, or null for a header or footer line. A row that does not fit its header is sent as it is.
     */
    static String zeekRecord(ZeekTsv tsv, String line) {
        if (!tsv.active() && !line.startsWith("#")) {
            return line;
        }
        try {
            return tsv.toJson(line);
        } catch (IllegalArgumentException notARow) {
            return line;
        }
    }

    /** The file's lines: plain, gzip, or every entry of a zip one after the other. */
    static InputStream open(Path f) throws IOException {
        String name = f.getFileName().toString();
        InputStream raw = Files.newInputStream(f);
        if (name.endsWith(".gz")) {
            return new GZIPInputStream(raw, 1 << 16);
        }
        if (name.endsWith(".zip")) {
            ZipInputStream zip = new ZipInputStream(raw);
            return new InputStream() {
                private boolean inEntry = nextEntry();

                private boolean nextEntry() throws IOException {
                    for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                        if (!e.isDirectory()) {
                            return true;
                        }
                    }
                    return false;
                }

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    while (inEntry) {
                        int n = zip.read(b, off, len);
                        if (n >= 0) {
                            return n;
                        }
                        inEntry = nextEntry(); // entries are joined; a missing final newline would glue two lines
                        if (inEntry) {
                            b[off] = '\n';
                            return 1;
                        }
                    }
                    return -1;
                }

                @Override
                public void close() throws IOException {
                    zip.close();
                }
            };
        }
        return raw;
    }
}
