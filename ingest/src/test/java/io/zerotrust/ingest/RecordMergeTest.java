package io.zerotrust.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The external merge: any run size gives the one order by time, then file, then position in the file. */
class RecordMergeTest {

    private static List<RecordMerge.Item> drain(RecordMerge m) throws Exception {
        List<RecordMerge.Item> out = new ArrayList<>();
        for (Iterator<RecordMerge.Item> it = m.merged(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    /** Three sensors' files whose times interleave, each a little out of order within itself. */
    private static List<RecordMerge.Item> interleaving(int perFile) {
        Random r = new Random(7);
        List<RecordMerge.Item> items = new ArrayList<>();
        for (int file = 0; file < 3; file++) {
            long t = 1_700_000_000_000L + file * 60_000L;
            for (int seq = 0; seq < perFile; seq++) {
                t += r.nextInt(2_000);
                long time = seq % 10 == 3 ? t - 5_000 : t; // every tenth record is late within its own file
                items.add(new RecordMerge.Item(time, file, seq, "record " + file + "/" + seq + " ünïcödé"));
            }
        }
        return items;
    }

    @Test
    void runsSpilledToDiskMergeIntoTheSameOrderAsOneSortInMemory() throws Exception {
        List<RecordMerge.Item> items = interleaving(2_000);
        List<RecordMerge.Item> expected = new ArrayList<>(items);
        expected.sort(RecordMerge.ORDER);
        for (int runRecords : new int[] {1, 7, 100, 1_000_000}) {
            try (RecordMerge m = new RecordMerge(runRecords, Long.MAX_VALUE)) {
                for (RecordMerge.Item i : items) {
                    m.add(i.time(), i.file(), i.seq(), i.record());
                }
                assertThat(m.size()).isEqualTo(items.size());
                assertThat(m.spilledRuns()).as("runs of " + runRecords)
                        .isEqualTo(runRecords == 1_000_000 ? 0 : items.size() / runRecords);
                assertThat(drain(m)).as("runs of " + runRecords).isEqualTo(expected);
            }
        }
    }

    @Test
    void aRunIsAlsoCutByItsSizeInCharacters() throws Exception {
        try (RecordMerge m = new RecordMerge(1_000_000, 100)) {
            for (int i = 0; i < 50; i++) {
                m.add(50 - i, 0, i, "x".repeat(30));
            }
            assertThat(m.spilledRuns()).isEqualTo(12); // a run every 4 records of 30 characters
            assertThat(drain(m)).extracting(RecordMerge.Item::time).isSorted().hasSize(50);
        }
    }

    @Test
    void recordsOfEqualTimeKeepTheOrderOfTheirFilesThenOfTheirLines() throws Exception {
        try (RecordMerge m = new RecordMerge(2, Long.MAX_VALUE)) {
            m.add(5, 1, 0, "b0");
            m.add(5, 0, 1, "a1");
            m.add(5, 1, 1, "b1");
            m.add(5, 0, 0, "a0");
            m.add(4, 2, 0, "c0");
            assertThat(drain(m)).extracting(RecordMerge.Item::record).containsExactly("c0", "a0", "a1", "b0", "b1");
        }
    }

    @Test
    void theTemporaryRunsAreGoneOnceClosed() throws Exception {
        Path dir;
        try (RecordMerge m = new RecordMerge(3, Long.MAX_VALUE)) {
            for (int i = 0; i < 10; i++) {
                m.add(i, 0, i, "r" + i);
            }
            Iterator<RecordMerge.Item> it = m.merged();
            it.next();
            java.lang.reflect.Field f = RecordMerge.class.getDeclaredField("dir");
            f.setAccessible(true);
            dir = (Path) f.get(m);
            assertThat(Files.list(dir)).hasSize(3);
        }
        assertThat(dir).doesNotExist();
    }
}
