package io.zerotrust.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users with Argon2 hashes, sessions that expire, the sign-in limiter and the settings' checks. */
class AuthPartsTest {

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        long now = 1_800_000_000_000L;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now);
        }

        void advance(Duration d) {
            now += d.toMillis();
        }
    }

    @Test
    void aPasswordIsStoredAsAnArgon2HashInAFileOnlyItsOwnerReads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("users.json");
        Users users = Users.load(file);
        assertThat(users.isEmpty()).isTrue();
        users.put("alice", Role.ADMIN, "correct horse battery".toCharArray());
        String stored = Files.readString(file);
        assertThat(stored).doesNotContain("correct horse battery").contains("$argon2id$");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Users again = Users.load(file);
        assertThat(again.verify("alice", "correct horse battery")).get().extracting(Users.User::role)
                .isEqualTo(Role.ADMIN);
        assertThat(again.verify("alice", "correct horse battery!")).isEmpty();
        assertThat(again.verify("mallory", "correct horse battery")).isEmpty();
    }

    @Test
    void weakPasswordsAndOddNamesAreRefusedSayingWhatIsWanted(@TempDir Path dir) throws Exception {
        Users users = Users.load(dir.resolve("users.json"));
        assertThatThrownBy(() -> users.put("alice", Role.ADMIN, "short".toCharArray()))
                .hasMessageContaining("at least 12 characters");
        assertThatThrownBy(() -> users.put("<script>", Role.ADMIN, "long enough password".toCharArray()))
                .hasMessageContaining("lower-case letters");
        assertThatThrownBy(() -> Role.parse("root")).hasMessageContaining("viewer, analyst or admin");
        assertThat(Files.exists(dir.resolve("users.json"))).isFalse();
    }

    @Test
    void aSessionEndsWhenIdleOrOldAndAForgedIdIsNobody() {
        TestClock clock = new TestClock();
        Sessions sessions = new Sessions(Duration.ofMinutes(30), Duration.ofHours(12), clock);
        Sessions.Session s = sessions.create("alice", Role.ANALYST);
        assertThat(s.id()).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(s.csrf());
        assertThat(sessions.get(s.id())).isPresent();
        assertThat(sessions.get(s.id() + "x")).isEmpty();
        assertThat(sessions.get(null)).isEmpty();
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.get(s.id())).as("a request keeps it alive").isPresent();
        clock.advance(Duration.ofMinutes(31));
        assertThat(sessions.get(s.id())).as("idle for 31 minutes").isEmpty();
        Sessions.Session busy = sessions.create("bob", Role.VIEWER);
        for (int i = 0; i < 26; i++) {
            clock.advance(Duration.ofMinutes(28));
            if (i < 25) {
                assertThat(sessions.get(busy.id())).isPresent();
            }
        }
        assertThat(sessions.get(busy.id())).as("12 hours after sign-in, however busy").isEmpty();
    }

    @Test
    void fiveFailuresFromAnAddressOrAgainstANameWaitTheWindowOut() {
        TestClock clock = new TestClock();
        SignInLimiter limiter = new SignInLimiter(5, Duration.ofMinutes(5), clock);
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.retryAfterSeconds("10.0.0.1", "alice")).isZero();
            limiter.failed("10.0.0.1", "alice");
        }
        assertThat(limiter.retryAfterSeconds("10.0.0.1", "bob")).as("the address").isEqualTo(300);
        assertThat(limiter.retryAfterSeconds("10.0.0.2", "alice")).as("the name").isEqualTo(300);
        assertThat(limiter.retryAfterSeconds("10.0.0.2", "bob")).isZero();
        clock.advance(Duration.ofMinutes(5));
        assertThat(limiter.retryAfterSeconds("10.0.0.1", "alice")).isZero();
    }

    @Test
    void badSettingsNameTheKey() {
        assertThatThrownBy(() -> ConsoleSettings.parse(List.of("--console.port=99999"), Map.of()))
                .hasMessageContaining("console.port");
        assertThatThrownBy(() -> ConsoleSettings.parse(List.of("--console.prot=8090"), Map.of()))
                .hasMessageContaining("unknown setting 'console.prot'");
        assertThatThrownBy(() -> ConsoleSettings.parse(List.of(), Map.of("ZT_CONSOLE_SECURE_COOKIES", "yes")))
                .hasMessageContaining("console.secure.cookies");
        ConsoleSettings s = ConsoleSettings.parse(List.of(), Map.of());
        assertThat(s.host()).as("loopback unless configured").isEqualTo("127.0.0.1");
        assertThat(s.secureCookies()).isFalse();
    }
}
