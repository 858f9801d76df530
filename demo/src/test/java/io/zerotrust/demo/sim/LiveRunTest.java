package io.zerotrust.demo.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class LiveRunTest {

    @Test
    void attemptsStartAtTheirOffsetsAndAreCountedByScenario() throws Exception {
        Map<Attempt, Long> startedAt = new ConcurrentHashMap<>();
        long[] slowDone = new long[1];
        List<Attempt> timeline = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            timeline.add(new Attempt(i * 10L, Attempt.Kind.LOGIN, "u" + i, "d", "10.1.1.1", "wiki", 443, 1, 1, null));
        }
        Attempt slow = new Attempt(0, Attempt.Kind.LOGIN, "slow", "d", "10.1.1.2", "docs", 443, 1, 1, "exfiltration");
        Attempt late = new Attempt(300, Attempt.Kind.BAD_TOKEN, "v", "x", "203.0.113.50", "wiki", 443, 0, 1,
                "password_spray");
        timeline.add(slow);
        timeline.add(late);
        try (LiveRun run = new LiveRun(a -> {
            startedAt.put(a, System.currentTimeMillis());
            if (a == slow) {
                sleep(2_000); // a large download
                slowDone[0] = System.currentTimeMillis();
            }
            return a == late ? new Driver.Outcome(401, 10, null) : new Driver.Outcome(200, 10, null);
        }, Clock.systemUTC(), 4)) {
            long start = run.start(timeline);
            assertThat(run.await(5_000)).isTrue();
            assertThat(run.pending()).isZero();
            assertThat(run.tallies().get("benign").started.sum()).isEqualTo(20);
            assertThat(run.tallies().get("password_spray").statuses.get(401).sum()).isEqualTo(1);
            assertThat(run.tallies().get("exfiltration").firstStartMs.get()).isGreaterThanOrEqualTo(start);
            // the slow attempt, started first, held up none of the others
            assertThat(timeline.subList(0, 20)).allSatisfy(a -> assertThat(startedAt.get(a)).isLessThan(slowDone[0]));
            // and none started before its time
            assertThat(timeline).allSatisfy(a -> assertThat(startedAt.get(a) - start).isGreaterThanOrEqualTo(a.time()));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
