package io.zerotrust.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive connections to upstreams, kept per event loop so that a client connection takes one without any
 * locking (both run on the same loop) instead of opening a new TCP connection per client. A pooled connection that
 * the upstream closes leaves the pool by itself.
 */
final class UpstreamPool {

    /** Idle connections kept per upstream and event loop; more are closed when released. */
    static final int MAX_IDLE = 64;

    private static final FastThreadLocal<Map<InetSocketAddress, ArrayDeque<Channel>>> IDLE = new FastThreadLocal<>() {
        @Override
        protected Map<InetSocketAddress, ArrayDeque<Channel>> initialValue() {
            return new HashMap<>();
        }
    };

    private UpstreamPool() {
    }

    /** An idle, open connection to {@code upstream} on the calling event loop, or null. */
    static Channel acquire(InetSocketAddress upstream) {
        ArrayDeque<Channel> idle = IDLE.get().get(upstream);
        while (idle != null && !idle.isEmpty()) {
            Channel ch = idle.pollLast();
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Returns a connection whose last response was fully read; closes it when the pool is full. */
    static void release(InetSocketAddress upstream, Channel ch) {
        if (!ch.isActive()) {
            return;
        }
        ArrayDeque<Channel> idle = IDLE.get().computeIfAbsent(upstream, k -> new ArrayDeque<>());
        if (idle.size() >= MAX_IDLE) {
            ch.close();
            return;
        }
        idle.addLast(ch);
    }

    /** Forgets a connection that closed (called on its own event loop). */
    static void closed(InetSocketAddress upstream, Channel ch) {
        ArrayDeque<Channel> idle = IDLE.get().get(upstream);
        if (idle != null) {
            idle.remove(ch);
        }
    }
}
