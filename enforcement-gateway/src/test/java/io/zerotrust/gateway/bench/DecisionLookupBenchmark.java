package io.zerotrust.gateway.bench;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.gateway.decisions.DecisionCache;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request decision lookup: the most severe live decision among a request's user, device and source IP, in a
 * cache holding {@code entities} decisions. Keys are drawn so that about one request in ten hits a decision, as in a
 * fleet where few entities are restricted. Run: {@code ./pipeline jmh DecisionLookup}.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecisionLookupBenchmark {

    @Param({"1000", "100000"})
    int entities;

    private DecisionCache cache;
    private String[][] requests;
    private int next;
    private long now;

    @Setup(Level.Trial)
    public void setUp() {
        now = System.currentTimeMillis();
        cache = new DecisionCache();
        Action[] actions = {Action.BLOCK, Action.STEP_UP, Action.THROTTLE};
        for (int i = 0; i < entities; i++) {
            String entity = (i % 3 == 0 ? "user:u" : i % 3 == 1 ? "device:d" : "ip:10.0.") + i;
            cache.apply(EnforcementDecision.newBuilder().setDecisionId("d" + i).setEntity(entity)
                    .setEntityType(EntityType.USER).setAction(actions[i % 3]).setMode(DecisionMode.ENFORCE)
                    .setIssuedAt(now).setExpiresAt(now + 3_600_000).setPolicyVersion("bench").setSummary("bench")
                    .setReasons(List.of()).build(), now);
        }
        SplittableRandom random = new SplittableRandom(42);
        requests = new String[4096][];
        for (int i = 0; i < requests.length; i++) {
            // 30x the population: about 1 in 10 of the three keys exists
            int u = random.nextInt(entities * 30);
            int d = random.nextInt(entities * 30);
            int ip = random.nextInt(entities * 30);
            requests[i] = new String[] {"user:u" + u, "device:d" + d, "ip:10.0." + ip};
        }
    }

    @Benchmark
    public EnforcementDecision lookup() {
        String[] r = requests[next++ & (requests.length - 1)];
        return cache.strongest(now, r[0], r[1], r[2]);
    }
}
