package io.zerotrust.jobs.risk.detect;

import static io.zerotrust.jobs.risk.TestEvents.close;
import static io.zerotrust.jobs.risk.TestEvents.login;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.HourProfileState;
import io.zerotrust.jobs.state.VolumeState;
import io.zerotrust.jobs.state.WindowState;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VolumeAndHoursTest {

    private static final long T0 = 1_790_000_000_000L;
    private final ExfiltrationDetector exfil = new ExfiltrationDetector(DetectorParams.defaults());
    private final OffHoursDetector hours = new OffHoursDetector(DetectorParams.defaults());
    private final FanOutDetector fanOut = new FanOutDetector(EntityType.USER, DetectorParams.defaults());

    @Test
    void aConnectionFarAboveTheUsersUsualVolumeIsExfiltration() {
        VolumeState s = exfil.newState();
        for (int i = 0; i < 30; i++) {
            long bytes = 1_000_000 + (i % 5) * 500_000; // 1 to 3 MB per connection
            assertThat(exfil.observe(s, close("kim", "10.0.0.9", "files", bytes, T0 + i * 60_000))).isEmpty();
        }
        assertThat(exfil.observe(s, close("kim", "10.0.0.9", "files", 40_000_000, T0 + 31 * 60_000)))
                .as("unusual but under the 50 MB floor").isEmpty();
        Optional<Finding> f = exfil.observe(s, close("kim", "10.0.0.9", "files", 400_000_000, T0 + 32 * 60_000));
        assertThat(f).isPresent();
        assertThat(f.get().explanation()).contains("400.0 MB", "service files");
        assertThat(f.get().baseline()).as("usual bytes").isBetween(1_000_000.0, 6_000_000.0);
    }

    @Test
    void noExfiltrationBeforeWarmUpAndNoneForAUserWhoAlwaysMovesALot() {
        VolumeState fresh = exfil.newState();
        assertThat(exfil.observe(fresh, close("lee", "10.0.0.9", "files", 900_000_000, T0))).isEmpty();
        VolumeState big = exfil.newState();
        for (int i = 0; i < 40; i++) {
            long bytes = 300_000_000 + (i % 4) * 100_000_000L;
            assertThat(exfil.observe(big, close("max", "10.0.0.9", "backup", bytes, T0 + i * 60_000))).isEmpty();
        }
        assertThat(exfil.observe(big, close("max", "10.0.0.9", "backup", 700_000_000, T0 + 50 * 60_000)))
                .as("within this user's habits").isEmpty();
        assertThat(ExfiltrationDetector.isExfiltration(60_000_000, 5, 50_000_000, 4)).isTrue();
        assertThat(ExfiltrationDetector.isExfiltration(60_000_000, 4, 50_000_000, 4)).isFalse();
    }

    @Test
    void hourOfWeekStartsOnMondayUtc() {
        long monday = LocalDateTime.of(2026, 11, 23, 0, 30).toInstant(ZoneOffset.UTC).toEpochMilli();
        assertThat(OffHoursDetector.hourOfWeek(monday)).isZero();
        assertThat(OffHoursDetector.hourOfWeek(0)).as("1970-01-01 was a Thursday").isEqualTo(72);
        assertThat(OffHoursDetector.hourOfWeek(monday - 3_600_000)).as("Sunday 23:30").isEqualTo(167);
    }

    @Test
    void aLoginWhenTheUserNeverWorksIsOffHours() {
        HourProfileState s = hours.newState();
        LocalDateTime start = LocalDateTime.ofInstant(Instant.ofEpochMilli(T0), ZoneOffset.UTC)
                .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).withHour(9).withMinute(0);
        int logins = 0;
        for (int week = 0; week < 3; week++) {
            for (int day = 0; day < 5; day++) {
                for (int h = 9; h < 17; h += 2) { // Monday-Friday, 9:00-17:00
                    long t = start.plusWeeks(week).plusDays(day).withHour(h).toInstant(ZoneOffset.UTC).toEpochMilli();
                    assertThat(hours.observe(s, login("nia", "l", "10.0.0.3", t))).isEmpty();
                    logins++;
                }
            }
        }
        // 60 logins: with 50 to warm up on, a Sunday 03:00 login is off hours
        OffHoursDetector quick = new OffHoursDetector(DetectorParams.of(java.util.Map.of(
                "off_hours.warmup_observations", 50.0)));
        long sunday3 = start.plusWeeks(3).plusDays(6).withHour(3).toInstant(ZoneOffset.UTC).toEpochMilli();
        long tuesday10 = start.plusWeeks(3).plusDays(1).withHour(10).toInstant(ZoneOffset.UTC).toEpochMilli();
        long monday8 = start.plusWeeks(3).withHour(8).toInstant(ZoneOffset.UTC).toEpochMilli();
        assertThat(quick.observe(s, login("nia", "l", "10.0.0.3", tuesday10))).as("usual hours").isEmpty();
        assertThat(quick.observe(s, login("nia", "l", "10.0.0.3", monday8))).as("next to usual hours").isEmpty();
        Optional<Finding> f = quick.observe(s, login("nia", "l", "10.0.0.3", sunday3));
        assertThat(f).isPresent();
        assertThat(f.get().explanation()).contains("Sun 03:00-04:00 UTC", logins + 2 + " logins");
        assertThat(hours.observe(s, login("nia", "l", "10.0.0.3", sunday3 + 3_600_000)))
                .as("the default warm-up of 200 logins is not reached").isEmpty();
    }

    @Test
    void aUserReachingManyNewDestinationsAtOnceFansOut() {
        WindowState s = fanOut.newState();
        // two weeks of hourly work against 3 services
        for (int i = 0; i < 14 * 24; i++) {
            assertThat(fanOut.observe(s, login("oli", "l", "10.0.0.4", "svc" + (i % 3), T0 + i * 3_600_000L)))
                    .isEmpty();
        }
        long t = T0 + 14 * 24 * 3_600_000L;
        Optional<Finding> f = Optional.empty();
        for (int i = 0; i < 40 && f.isEmpty(); i++) {
            f = fanOut.observe(s, login("oli", "l", "10.0.0.4", "host" + i, t + i * 1_000L));
        }
        assertThat(f).isPresent();
        assertThat(f.get().observed()).isEqualTo(9.0);
        assertThat(FanOutDetector.isFanOut(8, 8)).isFalse();
    }
}
