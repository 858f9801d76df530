package io.zerotrust.jobs.risk.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.jobs.state.TimedValues;
import org.junit.jupiter.api.Test;

/** The sliding windows the detectors keep. */
class WindowsTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final long WINDOW = 600_000;

    @Test
    void aDistinctWindowKeepsOneEntryPerValueAtItsLatestTime() {
        TimedValues w = Windows.empty();
        for (int i = 0; i < 1_000; i++) { // a user visiting the same three services all day long
            Windows.addDistinct(w, T0 + i * 1_000L, "service-" + i % 3, "e" + i, WINDOW, 10_000);
        }
        assertThat(Windows.size(w)).isEqualTo(3);
        assertThat(w.getValues()).containsExactly("service-1", "service-2", "service-0");
        assertThat(w.getEventIds()).containsExactly("e997", "e998", "e999");
        assertThat(Windows.start(w)).isEqualTo(T0 + 997_000);
    }

    @Test
    void aDistinctWindowForgetsValuesOlderThanTheWindowAndIgnoresAStaleRepeat() {
        TimedValues w = Windows.empty();
        Windows.addDistinct(w, T0, "a", "e1", WINDOW, 10_000);
        Windows.addDistinct(w, T0 + 5_000, "b", "e2", WINDOW, 10_000);
        Windows.addDistinct(w, T0 + 1_000, "b", "late", WINDOW, 10_000);
        assertThat(w.getEventIds()).as("a late repeat of b changes nothing").containsExactly("e1", "e2");
        Windows.addDistinct(w, T0 + WINDOW + 2_000, "c", "e3", WINDOW, 10_000);
        assertThat(w.getValues()).as("a fell out of the window").containsExactly("b", "c");
        assertThat(Windows.distinct(w)).isEqualTo(Windows.size(w));
    }

    @Test
    void aPlainWindowKeepsEveryObservationInTimeOrder() {
        TimedValues w = Windows.empty();
        Windows.add(w, T0 + 2_000, "x", "e2", WINDOW, 10_000);
        Windows.add(w, T0, "x", "e0", WINDOW, 10_000);
        Windows.add(w, T0 + 1_000, "y", "e1", WINDOW, 2);
        assertThat(w.getEventIds()).as("inserted in place, then the oldest past two dropped")
                .containsExactly("e1", "e2");
        assertThat(Windows.distinct(w)).isEqualTo(2);
    }
}
