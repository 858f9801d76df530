package io.zerotrust.console;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed sign-ins are limited per client address and per user name: after {@code max} failures within
 * {@code window}, further attempts are refused (HTTP 429) until the oldest failure leaves the window, so a password
 * cannot be guessed quickly from one address, nor one account from many.
 */
public final class SignInLimiter {

    private final int max;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    public SignInLimiter(int max, Duration window, Clock clock) {
        this.max = max;
        this.window = window;
        this.clock = clock;
    }

    /** Seconds until {@code address} and {@code user} may try again; 0 when they may now. */
    public long retryAfterSeconds(String address, String user) {
        return Math.max(wait("ip:" + address), wait("user:" + user));
    }

    private long wait(String key) {
        Deque<Long> d = failures.get(key);
        if (d == null) {
            return 0;
        }
        synchronized (d) {
            long now = clock.millis();
            while (!d.isEmpty() && now - d.peekFirst() >= window.toMillis()) {
                d.pollFirst();
            }
            return d.size() < max ? 0 : Math.max(1, (d.peekFirst() + window.toMillis() - now + 999) / 1000);
        }
    }

    public void failed(String address, String user) {
        for (String key : new String[] {"ip:" + address, "user:" + user}) {
            Deque<Long> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
            synchronized (d) {
                d.addLast(clock.millis());
                while (d.size() > max) {
                    d.pollFirst();
                }
            }
        }
    }

    public void succeeded(String user) {
        failures.remove("user:" + user);
    }
}
