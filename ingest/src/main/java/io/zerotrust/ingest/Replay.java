package io.zerotrust.ingest;

import io.zerotrust.ingest.parse.FlowCsv;
import io.zerotrust.ingest.parse.ZeekTsv;
import io.zerotrust.schemas.topics.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * File replay: pushes telemetry files into {@code telemetry.raw.<source>}, one record per non-empty line, exactly
 * as written, with progress every two seconds. Files may be plain, gzip ({@code .gz}) or zip ({@code .zip}: every
 * entry). This is how datasets, tests and users feed history in.
 *
 * <p>Zeek's default TSV logs are the exception: a row means nothing without its file's header, so for
 * {@code --source zeek} a file (or zip entry) whose lines start with a {@code #separator} header is converted here,
 * each data row sent as the equivalent Zeek JSON object ({@link ZeekTsv}); headers and footers are not sent. A row
 * that does not fit its header is sent as written, and the ingest dead-letters it.
 *
 * <pre>./pipeline replay --source windows [--bootstrap 127.0.0.1:9092] FILE...</pre>
 */
public final class Replay {

    /** Lines longer than this are not telemetry records; they are sent anyway (the ingest dead-letters them). */
    private Replay() {
    }

    public static void main(String[] args) throws Exception {
        String source = null;
        String bootstrap = System.getenv().getOrDefault("ZT_KAFKA_BOOTSTRAP", "127.0.0.1:9092");
        List<Path> files = new ArrayList<>();
        boolean dryRun = false;
        double maxShare = 0.05;
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--max-dead-letter-share=")) {
                try {
                    maxShare = share(args[i].substring(args[i].indexOf('=') + 1));
                } catch (IllegalArgumentException e) {
                    System.err.println("replay: " + e.getMessage());
                    System.exit(2);
                    return;
                }
                continue;
            }
            switch (args[i]) {
                case "--source" -> source = i + 1 < args.length ? args[++i] : null;
                case "--bootstrap" -> bootstrap = i + 1 < args.length ? args[++i] : null;
                case "--dry-run" -> dryRun = true;
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> files.add(Path.of(args[i]));
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
            List<DryRun.Tally> tallies = DryRun.run(IngestTopology.parsers(IngestSettings.from(new Properties()))
                    .stream().filter(p -> p.source().equals(sourceName)).findFirst().orElseThrow(), files,
                    System.currentTimeMillis());
            System.out.print(DryRun.report(tallies));
            System.exit(verdict(tallies.get(tallies.size() - 1), maxShare, System.out));
            return;
        }
        long sent = replay(source, bootstrap, files, System.err);
        System.out.println("replay: " + sent + " records from " + files.size() + " file(s) into "
                + Topics.telemetryRaw(source).name());
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
     * The exit status of a dry run: 0 when at most {@code maxShare} of the records are dead letters, else 1 with a line
     * that says so.
     */
    static int verdict(DryRun.Tally total, double maxShare, java.io.PrintStream out) {
        if (total.deadLetterShare() <= maxShare) {
            return 0;
        }
        out.printf(java.util.Locale.ROOT, "replay: %.1f %% of the records would be dead letters, more than the %.1f %%"
                + " allowed (--max-dead-letter-share): the ingest does not understand this format as written; the"
                + " examples above say why%n", 100 * total.deadLetterShare(), 100 * maxShare);
        return 1;
    }

    private static void usage() {
        System.err.println("usage: ./pipeline replay --source <" + String.join("|", Topics.RAW_SOURCES)
                + "> [--bootstrap HOST:PORT] [--dry-run [--max-dead-letter-share=0.05]] FILE...\n"
                + "  (plain, .gz or .zip; one record per line; Zeek TSV logs are sent as Zeek JSON)\n"
                + "  --dry-run: parse the files here, send nothing, and print per file and in total the records, events,"
                + " duplicates,\n  dead letters by reason with an example each and the time range; exit status 1 when"
                + " more than the share\n  (default 5 %) would be dead letters");
    }

    /** Sends every line of {@code files}; returns how many records Kafka acknowledged. Fails on the first error. */
    public static long replay(String source, String bootstrap, List<Path> files, java.io.PrintStream progress)
            throws Exception {
        String topic = Topics.telemetryRaw(source).name();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        AtomicLong lines = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        long start = System.nanoTime();
        AtomicLong lastReport = new AtomicLong(start);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (Path f : files) {
                eachRecord(source, f, record -> {
                    if (failure.get() != null) {
                        throw failure.get();
                    }
                    byte[] value = record.getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(topic, null, value), (md, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        } else {
                            acked.incrementAndGet();
                        }
                    });
                    long n = lines.incrementAndGet();
                    long size = bytes.addAndGet(value.length);
                    long now = System.nanoTime();
                    if (now - lastReport.get() > 2_000_000_000L) {
                        lastReport.set(now);
                        progress.printf("replay: %,d records (%.1f MB) sent, %,d acknowledged, %,.0f records/s,"
                                + " now in %s%n", n, size / 1e6, acked.get(), n / ((now - start) / 1e9),
                                f.getFileName());
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IOException("Kafka refused a record: " + failure.get().getMessage(), failure.get());
        }
        progress.printf("replay: %,d records (%.1f MB) in %.1f s%n", lines.get(), bytes.get() / 1e6,
                (System.nanoTime() - start) / 1e9);
        return acked.get();
    }

    /** What a replay does with each record of a file. */
    @FunctionalInterface
    interface RecordSink {
        void accept(String record) throws Exception;
    }

    /**
     * Hands {@code sink} every record of file {@code f} of {@code source}: each non-blank line, but for Zeek TSV logs,
     * whose rows become Zeek JSON and whose headers are not records ({@link #zeekRecord}).
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
