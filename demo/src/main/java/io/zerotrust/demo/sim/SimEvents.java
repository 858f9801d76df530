package io.zerotrust.demo.sim;

import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.HttpInfo;
import io.zerotrust.avro.SourceEndpoint;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The connection events an attempt produces, shaped as the gateway (and, for a refused probe, the ingest's Zeek
 * mapping) writes them: OPEN and CLOSE for a connection that carried a request, REJECT with the authentication
 * failure and the claimed user for a forged token, REJECT {@code zeek_rej} for a probe of a closed port. The demo
 * publishes the history this way; the live phase's events come from the real gateway.
 */
public final class SimEvents {

    /** The issuer of the demo's tokens. */
    public static final String ISSUER = "https://idp.demo.internal";

    private SimEvents() {
    }

    /** The events of {@code a} happening at {@code time} (event time, ms) through gateway {@code gatewayId}. */
    public static List<ConnectionEvent> of(Attempt a, long time, String gatewayId) {
        String connection = UUID.nameUUIDFromBytes((a.toString() + time).getBytes(
                java.nio.charset.StandardCharsets.UTF_8)).toString();
        return switch (a.kind()) {
            case LOGIN, TCP -> {
                long duration = 50 + a.bytesOut() / 50_000; // about 50 MB/s
                ConnectionEvent open = base(a, time, gatewayId, connection, ConnectionPhase.OPEN).build();
                ConnectionEvent close = base(a, time + duration, gatewayId, connection, ConnectionPhase.CLOSE)
                        .setDst(new DestinationEndpoint(a.service(), null, null, a.port())) // as the gateway's CLOSE
                        .setBytesOut(a.bytesOut()).setBytesIn(a.bytesIn()).setDurationMs(duration)
                        .setRequestCount(a.kind() == Attempt.Kind.LOGIN ? 1 : 0).setCloseReason("client_closed")
                        .build();
                yield List.of(open, close);
            }
            case BAD_TOKEN -> List.of(base(a, time, gatewayId, connection, ConnectionPhase.REJECT)
                    .setDeviceId(null)
                    .setAuth(new AuthInfo(AuthMethod.JWT, AuthResult.FAILURE, "bad_signature", ISSUER))
                    .setRejectReason("auth_failed").setBytesIn(a.bytesIn()).build());
            case PROBE -> List.of(ConnectionEvent.newBuilder()
                    .setEventId(connection + "-reject").setEventTime(time).setOrigin("zeek").setGatewayId("zeek")
                    .setConnectionId(connection).setPhase(ConnectionPhase.REJECT).setUser(null).setDeviceId(null)
                    .setAuth(new AuthInfo(AuthMethod.NONE, AuthResult.NOT_ATTEMPTED, null, null))
                    .setSrc(new SourceEndpoint(a.srcIp(), 40_000 + (int) (time % 20_000), null, null, null))
                    .setDst(new DestinationEndpoint(null, null, Scenarios.GATEWAY_HOST_IP, a.port()))
                    .setProtocol("tcp").setTls(null).setHttp(null).setBytesIn(0L).setBytesOut(0L).setDurationMs(0L)
                    .setRequestCount(0).setCloseReason(null).setRejectReason("zeek_rej").setDecision(null)
                    .setAttributes(Map.of()).build());
        };
    }

    private static ConnectionEvent.Builder base(Attempt a, long time, String gatewayId, String connection,
                                                ConnectionPhase phase) {
        boolean http = a.kind() != Attempt.Kind.TCP;
        Service s = a.service() == null ? null : Service.named(a.service());
        return ConnectionEvent.newBuilder()
                .setEventId(connection + "-" + phase.name().toLowerCase())
                .setEventTime(time)
                .setOrigin("gateway")
                .setGatewayId(gatewayId)
                .setConnectionId(connection)
                .setPhase(phase)
                .setUser(http ? a.user() : null)
                .setDeviceId(http ? a.device() : null)
                .setAuth(http ? new AuthInfo(AuthMethod.JWT, AuthResult.SUCCESS, null, ISSUER)
                        : new AuthInfo(AuthMethod.NONE, AuthResult.NOT_ATTEMPTED, null, null))
                .setSrc(new SourceEndpoint(a.srcIp(), 40_000 + (int) (time % 20_000), null, null, null))
                .setDst(new DestinationEndpoint(a.service(), s == null || s.tcp() ? null : s.host(), null, a.port()))
                .setProtocol(http ? "https" : "tcp")
                .setTls(null)
                .setHttp(http ? new HttpInfo("GET", "/", null, "demo-simulator") : null)
                .setBytesIn(0L).setBytesOut(0L).setDurationMs(0L).setRequestCount(0)
                .setCloseReason(null).setRejectReason(null).setDecision(null)
                .setAttributes(Map.of());
    }
}
