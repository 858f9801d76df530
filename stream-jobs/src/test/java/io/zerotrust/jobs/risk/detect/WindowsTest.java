package io.zerotrust.jobs.risk.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.jobs.state.TimedValues;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
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
        // each service's entry moved every 30 s (the refresh step), last at 990, 991 and 992 s
        assertThat(w.getValues()).containsExactly("service-0", "service-1", "service-2");
        assertThat(w.getEventIds()).containsExactly("e990", "e991", "e992");
        assertThat(Windows.start(w)).isEqualTo(T0 + 990_000);
    }

    @Test
    void aRepeatMovesItsEntryOnlyOnceItIsARefreshStepLater() {
        long step = Windows.refreshMs(WINDOW);
        assertThat(step).isEqualTo(30_000);
        TimedValues w = Windows.empty();
        Windows.addDistinct(w, T0, "a", "e1", WINDOW, 10_000);
        Windows.addDistinct(w, T0 + step - 1, "a", "e2", WINDOW, 10_000);
        assertThat(w.getEventIds()).as("too soon: the entry stays").containsExactly("e1");
        assertThat(w.getTimes()).containsExactly(T0);
        Windows.addDistinct(w, T0 + step, "a", "e3", WINDOW, 10_000);
        assertThat(w.getEventIds()).containsExactly("e3");
        assertThat(w.getTimes()).containsExactly(T0 + step);
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

    @Test
    void aWindowReadBackFromACheckpointTakesRepeatsAndNewValues() throws Exception {
        TimedValues w = Windows.empty();
        Windows.addDistinct(w, T0, "a", "e1", WINDOW, 10_000);
        Windows.addDistinct(w, T0 + 1_000, "b", "e2", WINDOW, 10_000);
        TimedValues restored = roundTrip(w);
        assertThat(restored.getTimes()).as("Avro's own list type, as after a restore").isNotInstanceOf(ArrayList.class);
        Windows.addDistinct(restored, T0 + Windows.refreshMs(WINDOW) + 1, "a", "e3", WINDOW, 10_000);
        Windows.addDistinct(restored, T0 + Windows.refreshMs(WINDOW) + 2, "c", "e4", WINDOW, 10_000);
        assertThat(restored.getValues()).containsExactly("b", "a", "c");
        assertThat(restored.getEventIds()).containsExactly("e2", "e3", "e4");
        assertThat(restored.getTimes()).hasSize(3);
    }

    private static TimedValues roundTrip(TimedValues w) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder out = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<>(TimedValues.class).write(w, out);
        out.flush();
        return new SpecificDatumReader<>(TimedValues.class)
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    }
}
