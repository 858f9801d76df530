package io.zerotrust.gateway.events;

import io.zerotrust.avro.AppliedDecisionRef;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.HttpInfo;
import io.zerotrust.avro.SourceEndpoint;
import io.zerotrust.gateway.identity.Identity;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.UUID;

/** Builds the {@link ConnectionEvent}s of the gateway, so every phase fills the same fields the same way. */
public final class ConnectionEvents {

    private final String gatewayId;

    public ConnectionEvents(String gatewayId) {
        this.gatewayId = gatewayId;
    }

    /**
     * The fields every phase shares; callers add what their phase knows. Every field is set here, even to its
     * default: an Avro builder deep-copies the schema default of each field left unset, which made event building a
     * visible share of the gateway's CPU per connection.
     */
    public ConnectionEvent.Builder base(ConnectionPhase phase, long timeMs, String connectionId, String srcIp,
                                        int srcPort, Identity identity, String service, String host,
                                        InetSocketAddress upstream, int listenPort, String protocol) {
        return ConnectionEvent.newBuilder()
                .setEventId(randomId())
                .setEventTime(timeMs)
                .setOrigin("gateway")
                .setGatewayId(gatewayId)
                .setConnectionId(connectionId)
                .setPhase(phase)
                .setUser(identity.user())
                .setDeviceId(identity.deviceId())
                .setAuth(identity.toAvro())
                .setSrc(new SourceEndpoint(srcIp, srcPort, null, null, null))
                .setDst(new DestinationEndpoint(service, host, upstream == null ? null : upstream.getHostString(),
                        upstream == null ? listenPort : upstream.getPort()))
                .setProtocol(protocol)
                .setTls(null)
                .setHttp(null)
                .setBytesIn(0L)
                .setBytesOut(0L)
                .setDurationMs(0L)
                .setRequestCount(0)
                .setCloseReason(null)
                .setRejectReason(null)
                .setDecision(null)
                .setAttributes(Map.of());
    }

    /**
     * A random version-4 UUID from the thread's own generator. Event and connection ids must be unique, not secret,
     * and {@link UUID#randomUUID()} funnels every thread through one locked SecureRandom on the hot path.
     */
    public static String randomId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    public static HttpInfo http(String method, String path, Integer status, String userAgent) {
        return new HttpInfo(method, path, status, userAgent);
    }

    public static AppliedDecisionRef ref(EnforcementDecision d) {
        return d == null ? null : new AppliedDecisionRef(d.getDecisionId(), d.getEntity(), d.getAction(), d.getMode());
    }
}
