package io.zerotrust.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventQueueTest {

    @Test
    void refusesWhatIsOverCapacity() throws Exception {
        EventQueue<Integer> q = new EventQueue<>(2);
        assertThat(q.offer(1)).isTrue();
        assertThat(q.offer(2)).isTrue();
        assertThat(q.offer(3)).as("full").isFalse();
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.poll(10)).isEqualTo(1);
        assertThat(q.offer(3)).isTrue();
        assertThat(List.of(q.poll(10), q.poll(10))).containsExactly(2, 3);
        assertThat(q.poll(10)).as("empty: the wait ends with nothing").isNull();
        assertThat(q.size()).isZero();
    }

    @Test
    void everyItemOfManyProducersArrivesOnce() throws Exception {
        EventQueue<Integer> q = new EventQueue<>(1_000_000);
        int producers = 4;
        int each = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int base = p * each;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    q.offer(base + i);
                    if (i % 1000 == 0) {
                        Thread.yield(); // let the consumer go idle now and then, so wake-ups are exercised too
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        start.countDown();
        Set<Integer> seen = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (seen.size() < producers * each && System.nanoTime() < deadline) {
            Integer v = q.poll(100);
            if (v != null) {
                assertThat(seen.add(v)).as("item %d twice", v).isTrue();
            }
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(seen).hasSize(producers * each);
        assertThat(q.size()).isZero();
    }

    @Test
    void anIdleConsumerIsWokenByTheNextOffer() throws Exception {
        EventQueue<String> q = new EventQueue<>(10);
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(EventQueue.IDLE_AFTER_NANOS) + 20); // idle from the start
        Thread producer = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            q.offer("late");
        });
        producer.start();
        long t0 = System.nanoTime();
        String got = null;
        while (got == null && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20)) {
            got = q.poll(10_000);
        }
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(got).isEqualTo("late");
        // woken by the offer, not by the 10 s timeout (a generous bound: this is about the wake-up, not speed)
        assertThat(waitedMs).isLessThan(5_000);
        producer.join();
    }
}
