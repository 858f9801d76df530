package io.zerotrust.jobs.risk.detect;

import io.zerotrust.schemas.geo.GeoTable;
import static io.zerotrust.jobs.risk.TestEvents.login;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.jobs.state.TravelState;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImpossibleTravelDetectorTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final long HOUR = 3_600_000L;
    private final ImpossibleTravelDetector travel = new ImpossibleTravelDetector(GeoTable.bundled(),
            DetectorParams.defaults());

    @Test
    void newYorkThenTokyoWithinAnHourIsImpossible() {
        TravelState s = travel.newState();
        ConnectionEvent ny = login("dave", "laptop-1", "10.2.3.4", T0);
        ConnectionEvent tokyo = login("dave", "laptop-1", "203.0.113.9", T0 + HOUR);
        assertThat(travel.observe(s, ny)).isEmpty();
        Optional<Finding> f = travel.observe(s, tokyo);
        assertThat(f).isPresent();
        assertThat(f.get().evidenceEventIds()).containsExactly(ny.getEventId(), tokyo.getEventId());
        assertThat(f.get().observed()).as("km/h").isBetween(10_000.0, 11_500.0);
        assertThat(f.get().explanation()).contains("US (10.2.3.4) and JP (203.0.113.9)", "60 min");
        assertThat(f.get().attributes()).containsEntry("to_country", "JP");
    }

    @Test
    void aFlightsWorthOfTimeIsPossible() {
        TravelState s = travel.newState();
        assertThat(travel.observe(s, login("erin", "l", "10.2.3.4", T0))).isEmpty();
        // New York to San Francisco, 4,130 km in 6 h: 690 km/h
        assertThat(travel.observe(s, login("erin", "l", "192.0.2.1", T0 + 6 * HOUR))).isEmpty();
        // and on to Tokyo 14 h later
        assertThat(travel.observe(s, login("erin", "l", "203.0.113.1", T0 + 20 * HOUR))).isEmpty();
    }

    @Test
    void shortHopsUnlocatedAddressesAndLateLoginsAreSkipped() {
        TravelState s = travel.newState();
        assertThat(travel.observe(s, login("fay", "l", "10.2.3.4", T0))).isEmpty();
        // headquarters and its VPN pool are the same place; an unlocated address says nothing
        assertThat(travel.observe(s, login("fay", "l", "192.168.1.1", T0 + 1_000))).isEmpty();
        assertThat(travel.observe(s, login("fay", "l", "100.64.0.1", T0 + 2_000))).isEmpty();
        assertThat(s.getIp()).isEqualTo("192.168.1.1");
        // a login older than the latest one arrives late: ignored
        assertThat(travel.observe(s, login("fay", "l", "203.0.113.1", T0 - 60_000))).isEmpty();
        assertThat(s.getIp()).isEqualTo("192.168.1.1");
    }

    @Test
    void theRulesEdges() {
        assertThat(ImpossibleTravelDetector.speedKmh(1000, 0)).isInfinite();
        assertThat(ImpossibleTravelDetector.speedKmh(0, 0)).isZero();
        assertThat(ImpossibleTravelDetector.speedKmh(900, HOUR)).isEqualTo(900.0);
        assertThat(ImpossibleTravelDetector.isImpossible(900, HOUR, 300, 900)).as("exactly the limit").isFalse();
        assertThat(ImpossibleTravelDetector.isImpossible(299, 1, 300, 900)).as("too short to judge").isFalse();
        assertThat(ImpossibleTravelDetector.isImpossible(5000, 0, 300, 900)).isTrue();
    }

    @Test
    void theGeoTablePrefersTheMostSpecificRangeAndNamesBadLines() {
        GeoTable t = GeoTable.parse("""
                # comment
                10.0.0.0/8,US,40.7,-74.0
                10.9.0.0/16,GB,51.5,-0.1,London floor 9
                2001:db8::/32,NL,52.4,4.9
                """, "test.csv");
        assertThat(t.locate("10.9.1.1")).get().extracting(GeoTable.Place::country).isEqualTo("GB");
        assertThat(t.locate("10.8.1.1")).get().extracting(GeoTable.Place::country).isEqualTo("US");
        assertThat(t.locate("2001:db8::1")).get().extracting(GeoTable.Place::country).isEqualTo("NL");
        assertThat(t.locate("11.0.0.1")).isEmpty();
        assertThat(t.locate("not-an-ip")).isEmpty();
        assertThat(GeoTable.distanceKm(40.7128, -74.0060, 35.6762, 139.6503)).isBetween(10_800.0, 10_900.0);
        assertThatThrownBy(() -> GeoTable.parse("10.0.0.0/8,US,40.7\n", "sites.csv"))
                .hasMessageContaining("sites.csv line 1");
        assertThatThrownBy(() -> GeoTable.parse("\n10.0.0.0/33,US,1,1\n", "sites.csv"))
                .hasMessageContaining("line 2").hasMessageContaining("prefix length 33");
    }
}
