package io.zerotrust.ingest;

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
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--source" -> source = i + 1 < args.length ? args[++i] : null;
                case "--bootstrap" -> bootstrap = i + 1 < args.length ? args[++i] : null;
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
        long sent = replay(source, bootstrap, files, System.err);
        System.out.println("replay: " + sent + " records from " + files.size() + " file(s) into "
                + Topics.telemetryRaw(source).name());
    }

    private static void usage() {
        System.err.println("usage: ./pipeline replay --source <" + String.join("|", Topics.RAW_SOURCES)
                + "> [--bootstrap HOST:PORT] FILE...   (plain, .gz or .zip; one record per line; Zeek TSV logs"
                + " are sent as Zeek JSON)");
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
        long lines = 0;
        long bytes = 0;
        long start = System.nanoTime();
        long lastReport = start;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (Path f : files) {
                ZeekTsv tsv = source.equals("zeek") ? new ZeekTsv() : null;
                try (InputStream in = open(f); BufferedReader r = new BufferedReader(new InputStreamReader(in,
                        StandardCharsets.UTF_8), 1 << 16)) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.isBlank()) {
                            continue;
                        }
                        if (failure.get() != null) {
                            throw failure.get();
                        }
                        String record = tsv == null ? line : zeekRecord(tsv, line);
                        if (record == null) {
                            continue;
                        }
                        byte[] value = record.getBytes(StandardCharsets.UTF_8);
                        producer.send(new ProducerRecord<>(topic, null, value), (md, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                acked.incrementAndGet();
                            }
                        });
                        lines++;
                        bytes += value.length;
                        long now = System.nanoTime();
                        if (now - lastReport > 2_000_000_000L) {
                            lastReport = now;
                            progress.printf("replay: %,d records (%.1f MB) sent, %,d acknowledged, %,.0f records/s,"
                                    + " now in %s%n", lines, bytes / 1e6, acked.get(), lines / ((now - start) / 1e9),
                                    f.getFileName());
                        }
                    }
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IOException("Kafka refused a record: " + failure.get().getMessage(), failure.get());
        }
        progress.printf("replay: %,d records (%.1f MB) in %.1f s%n", lines, bytes / 1e6,
                (System.nanoTime() - start) / 1e9);
        return acked.get();
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
