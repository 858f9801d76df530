package io.zerotrust.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.gateway.decisions.SessionRegistry;
import io.zerotrust.gateway.events.ConnectionEvents;
import io.zerotrust.gateway.identity.Identity;
import io.zerotrust.gateway.routing.Route;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * What the gateway knows about one client connection: where it came from, who it is, where it goes, how many bytes
 * and requests it carried, and why it ended. Touched only on the connection's event loop, except the byte counters
 * that {@link ByteCounter} updates on the same loop.
 */
public final class ConnectionState {

    static final AttributeKey<ConnectionState> KEY = AttributeKey.valueOf("zt.connection");

    final String connectionId = ConnectionEvents.randomId();
    final long openedAtMs;
    /** The address of the connection's other end (a trusted proxy's, when one forwards for the client). */
    final String peerIp;
    /** The client: the peer, or the client a trusted proxy named in the connection's first request. */
    String srcIp;
    int srcPort;
    /** The client address was settled (from the first request's {@code X-Forwarded-For}, or as the peer). */
    boolean clientSettled;
    /** The peer is a trusted proxy (known once the client is settled). */
    boolean peerTrusted;
    final int localPort;
    Route route;
    Identity identity = Identity.ANONYMOUS;
    EnforcementDecision decision;
    io.zerotrust.avro.TlsInfo tls;
    Identity certificate;
    boolean opened;
    boolean closeEmitted;
    int requests;
    long bytesIn;
    long bytesOut;
    String closeReason;
    /** The {@link IdleSweeper}'s clock at the connection's last read or write. */
    long lastActiveNanos;
    private String ipKey;
    private Identity keyedIdentity;
    private String userKey;
    private String deviceKey;

    ConnectionState(Channel channel, long nowMs) {
        this.openedAtMs = nowMs;
        InetSocketAddress remote = channel.remoteAddress() instanceof InetSocketAddress r ? r : null;
        this.peerIp = remote == null ? "0.0.0.0" : remote.getAddress().getHostAddress();
        this.srcIp = peerIp;
        this.srcPort = remote == null ? 0 : remote.getPort();
        this.ipKey = "ip:" + srcIp;
        InetSocketAddress local = channel.localAddress() instanceof InetSocketAddress l ? l : null;
        this.localPort = local == null ? 0 : local.getPort();
    }

    static ConnectionState of(Channel channel) {
        return channel.attr(KEY).get();
    }

    /** Closes a client connection, recording {@code reason} unless an earlier cause was recorded. */
    static void closeBecause(Channel channel, String reason) {
        ConnectionState s = of(channel);
        if (s != null && s.closeReason == null) {
            s.closeReason = reason;
        }
        channel.close();
    }

    /** True when the connection was opened and its CLOSE event has not been emitted yet. */
    boolean owesClose() {
        return opened && !closeEmitted;
    }

    /**
     * Completes {@code base} into the connection's CLOSE event (bytes, duration, requests, why it ended) and marks it
     * emitted. A connection closed by a BLOCK says {@code revoked} and names the decision.
     */
    ConnectionEvent close(Channel channel, ConnectionEvent.Builder base, long nowMs, String defaultReason) {
        closeEmitted = true;
        String revokedBy = channel.attr(SessionRegistry.REVOKED_BY).get();
        return base.setBytesIn(bytesIn)
                .setBytesOut(bytesOut)
                .setDurationMs(nowMs - openedAtMs)
                .setRequestCount(requests)
                .setCloseReason(revokedBy != null ? "revoked" : closeReason == null ? defaultReason : closeReason)
                .setDecision(ConnectionEvents.ref(decision))
                .setAttributes(revokedBy == null ? Map.of() : Map.of("revokedBy", revokedBy))
                .build();
    }

    /** The decision-cache key of the connection's user, or null; recomputed only when the identity changes. */
    String userKey() {
        keys();
        return userKey;
    }

    String deviceKey() {
        keys();
        return deviceKey;
    }

    String ipKey() {
        return ipKey;
    }

    /** Settles the client's address: a trusted proxy named {@code client} (its port is not known). */
    void settleClient(String client) {
        clientSettled = true;
        if (!client.equals(srcIp)) {
            srcIp = client;
            srcPort = 0;
            ipKey = "ip:" + client;
        }
    }

    private void keys() {
        if (keyedIdentity != identity) {
            keyedIdentity = identity;
            userKey = identity.user() == null ? null : "user:" + identity.user();
            deviceKey = identity.deviceId() == null ? null : "device:" + identity.deviceId();
        }
    }
}
