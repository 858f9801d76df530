package io.zerotrust.gateway.decisions;

import io.netty.channel.Channel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The live client connections by entity key, so that a BLOCK can close every connection of its entity at once.
 * A connection registers under each of its keys (user, device, source IP) and is forgotten when it closes.
 */
public final class SessionRegistry {

    /** Set on a connection closed by a BLOCK: the id of the decision. */
    public static final io.netty.util.AttributeKey<String> REVOKED_BY = io.netty.util.AttributeKey.valueOf(
            "zt.revokedBy");

    private final ConcurrentHashMap<String, Set<Channel>> byEntity = new ConcurrentHashMap<>();

    public void register(Channel channel, List<String> entities) {
        for (String entity : entities) {
            byEntity.computeIfAbsent(entity, e -> ConcurrentHashMap.newKeySet()).add(channel);
        }
        channel.closeFuture().addListener(f -> forget(channel, entities));
    }

    private void forget(Channel channel, List<String> entities) {
        for (String entity : entities) {
            byEntity.computeIfPresent(entity, (e, set) -> {
                set.remove(channel);
                return set.isEmpty() ? null : set;
            });
        }
    }

    /**
     * Closes every live connection of {@code entity}, calling {@code beforeClose} on each first (to record why);
     * returns how many were closed.
     */
    public int revoke(String entity, Consumer<Channel> beforeClose) {
        Set<Channel> channels = byEntity.get(entity);
        if (channels == null) {
            return 0;
        }
        int n = 0;
        for (Channel c : List.copyOf(channels)) {
            if (c.isActive()) {
                beforeClose.accept(c);
                c.close();
                n++;
            }
        }
        return n;
    }

    public int liveConnections() {
        return (int) byEntity.values().stream().flatMap(Set::stream).distinct().count();
    }
}
