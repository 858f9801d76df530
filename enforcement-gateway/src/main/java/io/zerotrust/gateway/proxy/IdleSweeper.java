package io.zerotrust.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Closes client connections that carried nothing either way for longer than the idle timeout. One sweep per event
 * loop every {@link #period} looks at that loop's connections, instead of one timer per connection that is
 * scheduled, rescheduled and cancelled (which showed in profiles at thousands of new connections per second).
 * A connection may stay up to one period past its timeout.
 */
final class IdleSweeper {

    private final long timeoutNanos;
    private final long periodNanos;
    private final Map<EventLoop, Loop> loops = new ConcurrentHashMap<>();

    IdleSweeper(java.time.Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        this.periodNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(TimeUnit.SECONDS.toNanos(1),
                timeoutNanos / 4));
    }

    long period() {
        return periodNanos;
    }

    /** The sweep of {@code channel}'s event loop, started on first use; call on that loop. */
    Loop loopOf(Channel channel) {
        return loops.computeIfAbsent(channel.eventLoop(), Loop::new);
    }

    /** One event loop's live connections and the time of its last sweep, touched only on that loop. */
    final class Loop {
        private final Set<Channel> channels = new LinkedHashSet<>();
        /** When the last sweep ran: the coarse clock connections stamp their activity with. */
        long now = System.nanoTime();

        private Loop(EventLoop loop) {
            loop.scheduleAtFixedRate(this::sweep, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        }

        void add(Channel ch) {
            channels.add(ch);
        }

        void remove(Channel ch) {
            channels.remove(ch);
        }

        private void sweep() {
            now = System.nanoTime();
            List<Channel> idle = null;
            for (Channel ch : channels) {
                ConnectionState s = ConnectionState.of(ch);
                if (s != null && s.lastActiveNanos == 0) {
                    s.lastActiveNanos = now; // not stamped yet: starts counting now
                } else if (s != null && now - s.lastActiveNanos > timeoutNanos) {
                    (idle == null ? idle = new ArrayList<>() : idle).add(ch);
                }
            }
            if (idle != null) {
                for (Channel ch : idle) {
                    channels.remove(ch);
                    ConnectionState.closeBecause(ch, "idle_timeout");
                }
            }
        }
    }
}
