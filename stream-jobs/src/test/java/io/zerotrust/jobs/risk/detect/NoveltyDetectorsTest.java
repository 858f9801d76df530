package io.zerotrust.jobs.risk.detect;

import io.zerotrust.schemas.geo.GeoTable;
import static io.zerotrust.jobs.risk.TestEvents.login;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.jobs.state.SeenState;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NoveltyDetectorsTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final long HOUR = 3_600_000L;
    private final NewDeviceDetector device = new NewDeviceDetector(DetectorParams.defaults());
    private final NewCountryDetector country = new NewCountryDetector(GeoTable.bundled(), DetectorParams.defaults());
    private final RareDestinationDetector rare = new RareDestinationDetector(DetectorParams.defaults());

    /** 30 logins over 58 hours from the user's laptop at headquarters, to the portal and mail. */
    private static void history(Detector<SeenState> d, SeenState s, String user) {
        for (int i = 0; i < 30; i++) {
            assertThat(d.observe(s, login(user, "laptop-" + user, "10.0.0.8", i % 2 == 0 ? "portal" : "mail",
                    T0 + i * 2 * HOUR))).as("benign history").isEmpty();
        }
    }

    @Test
    void aNewDeviceFiresOnceAfterWarmUp() {
        SeenState s = device.newState();
        history(device, s, "gina");
        ConnectionEvent stolen = login("gina", "unknown-pc", "10.0.0.8", T0 + 61 * HOUR);
        Optional<Finding> f = device.observe(s, stolen);
        assertThat(f).isPresent();
        assertThat(f.get().explanation()).contains("new device unknown-pc", "1 known", "30 events");
        assertThat(f.get().evidenceEventIds()).containsExactly(stolen.getEventId());
        assertThat(device.observe(s, login("gina", "unknown-pc", "10.0.0.8", T0 + 62 * HOUR)))
                .as("now known").isEmpty();
    }

    @Test
    void duringWarmUpNothingIsNew() {
        SeenState s = device.newState();
        for (int i = 0; i < 19; i++) {
            assertThat(device.observe(s, login("hal", "pc-" + i, "10.0.0.8", T0 + i * 2 * HOUR))).isEmpty();
        }
        // 19 events over 36 h: one short of the 20 observations
        assertThat(device.observe(s, login("hal", "pc-new", "10.0.0.8", T0 + 40 * HOUR))).isEmpty();
        assertThat(NoveltyDetector.isNovel(false, false)).isFalse();
        assertThat(NoveltyDetector.isNovel(true, true)).isFalse();
        assertThat(NoveltyDetector.isNovel(false, true)).isTrue();
    }

    @Test
    void aNewCountryFromTheTableOrTheEventsOwnEnrichment() {
        SeenState s = country.newState();
        history(country, s, "ivy");
        assertThat(country.observe(s, login("ivy", "laptop-ivy", "192.0.2.7", T0 + 61 * HOUR)))
                .as("San Francisco is still the US").isEmpty();
        Optional<Finding> f = country.observe(s, login("ivy", "laptop-ivy", "198.18.7.1", T0 + 62 * HOUR));
        assertThat(f).isPresent();
        assertThat(f.get().attributes()).containsEntry("new", "NG");
        ConnectionEvent enriched = login("ivy", "laptop-ivy", "100.64.9.9", T0 + 63 * HOUR);
        enriched.getSrc().setCountry("PT");
        assertThat(country.observe(s, enriched)).get().extracting(Finding::attributes)
                .satisfies(a -> assertThat(a).containsEntry("new", "PT"));
    }

    @Test
    void aDestinationUnusedForLongerThanTheBaselineWindowIsRareAgain() {
        SeenState s = rare.newState();
        history(rare, s, "jay");
        assertThat(rare.observe(s, login("jay", "laptop-jay", "10.0.0.8", "mail", T0 + 61 * HOUR))).isEmpty();
        assertThat(rare.observe(s, login("jay", "laptop-jay", "10.0.0.8", "hr-db", T0 + 62 * HOUR)))
                .as("never used").isPresent();
        long later = T0 + 62 * HOUR + 31 * 24 * HOUR; // portal last used 31 days before
        assertThat(rare.observe(s, login("jay", "laptop-jay", "10.0.0.8", "portal", later)))
                .as("forgotten after 30 days").isPresent();
        assertThat(s.getLastSeen()).doesNotContainKey("mail").containsKeys("portal");
    }

    @Test
    void whenAThingWasLastUsedIsRefreshedHourly() {
        SeenState s = rare.newState();
        rare.observe(s, login("kim", "laptop-kim", "10.0.0.9", "wiki", T0));
        rare.observe(s, login("kim", "laptop-kim", "10.0.0.9", "wiki", T0 + HOUR - 1));
        assertThat(s.getLastSeen()).as("within the hour: unchanged").containsEntry("wiki", T0);
        rare.observe(s, login("kim", "laptop-kim", "10.0.0.9", "wiki", T0 + HOUR));
        assertThat(s.getLastSeen()).containsEntry("wiki", T0 + HOUR);
    }
}
