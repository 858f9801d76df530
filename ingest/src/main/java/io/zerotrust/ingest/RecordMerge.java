package io.zerotrust.ingest;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * The records of several files in the order of their own time stamps, in bounded memory: records are collected into
 * runs of at most {@code runRecords} records and {@code runChars} characters; a full run is sorted and written to a
 * temporary file, and {@link #merged()} merges the runs (the last one from memory). Records of equal time keep the
 * order of their files as given, and within a file their order in it, so the result does not depend on how the
 * runs fell. The temporary files are deleted on {@link #close()}.
 */
final class RecordMerge implements AutoCloseable {

    /** A record, its time (epoch ms), its file's position in the replay's list and its position in that file. */
    record Item(long time, int file, long seq, String record) {
    }

    static final Comparator<Item> ORDER = Comparator.comparingLong(Item::time).thenComparingInt(Item::file)
            .thenComparingLong(Item::seq);

    private final int runRecords;
    private final long runChars;
    private final List<Item> buffer = new ArrayList<>();
    private final List<Path> runs = new ArrayList<>();
    private Path dir;
    private long chars;
    private long added;

    RecordMerge(int runRecords, long runChars) {
        if (runRecords < 1 || runChars < 1) {
            throw new IllegalArgumentException("a run holds at least one record");
        }
        this.runRecords = runRecords;
        this.runChars = runChars;
    }

    /** The default run size: 250,000 records or 64 M characters, whichever comes first. */
    RecordMerge() {
        this(250_000, 64L << 20);
    }

    void add(long time, int file, long seq, String record) throws IOException {
        buffer.add(new Item(time, file, seq, record));
        chars += record.length();
        added++;
        if (buffer.size() >= runRecords || chars >= runChars) {
            spill();
        }
    }

    /** How many records were added. */
    long size() {
        return added;
    }

    /** How many runs were written to disk so far. */
    int spilledRuns() {
        return runs.size();
    }

    private void spill() throws IOException {
        buffer.sort(ORDER);
        if (dir == null) {
            dir = Files.createTempDirectory("zt-replay-");
        }
        Path run = dir.resolve("run-" + runs.size());
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(run),
                1 << 16))) {
            for (Item i : buffer) {
                out.writeLong(i.time());
                out.writeInt(i.file());
                out.writeLong(i.seq());
                byte[] b = i.record().getBytes(StandardCharsets.UTF_8);
                out.writeInt(b.length);
                out.write(b);
            }
        }
        runs.add(run);
        buffer.clear();
        chars = 0;
    }

    /** Every record added, in time order. Call once, after the last {@link #add}. */
    Iterator<Item> merged() throws IOException {
        buffer.sort(ORDER);
        List<Iterator<Item>> sources = new ArrayList<>();
        for (Path run : runs) {
            sources.add(new RunReader(run));
        }
        sources.add(List.copyOf(buffer).iterator());
        buffer.clear();
        record Head(Item item, Iterator<Item> from) {
        }
        PriorityQueue<Head> heads = new PriorityQueue<>(Math.max(1, sources.size()),
                Comparator.comparing(Head::item, ORDER));
        for (Iterator<Item> s : sources) {
            if (s.hasNext()) {
                heads.add(new Head(s.next(), s));
            }
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public Item next() {
                Head h = heads.poll();
                if (h == null) {
                    throw new NoSuchElementException();
                }
                if (h.from().hasNext()) {
                    heads.add(new Head(h.from().next(), h.from()));
                }
                return h.item();
            }
        };
    }

    @Override
    public void close() throws IOException {
        if (dir == null) {
            return;
        }
        for (Path run : runs) {
            Files.deleteIfExists(run);
        }
        Files.deleteIfExists(dir);
    }

    /** A spilled run, read back one record at a time. */
    private static final class RunReader implements Iterator<Item> {
        private final DataInputStream in;
        private Item next;

        RunReader(Path run) throws IOException {
            in = new DataInputStream(new BufferedInputStream(Files.newInputStream(run), 1 << 16));
            next = read();
        }

        private Item read() throws IOException {
            long time;
            try {
                time = in.readLong();
            } catch (EOFException end) {
                in.close();
                return null;
            }
            int file = in.readInt();
            long seq = in.readLong();
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            return new Item(time, file, seq, new String(b, StandardCharsets.UTF_8));
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public Item next() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            Item i = next;
            try {
                next = read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return i;
        }
    }
}
