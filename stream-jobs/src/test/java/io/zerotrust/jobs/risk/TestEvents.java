package io.zerotrust.jobs.risk;

import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.SourceEndpoint;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Connection events for tests, built the way the gateway and the ingest fill them. */
public final class TestEvents {

    private static final AtomicLong SEQ = new AtomicLong();

    private TestEvents() {
    }

    public static ConnectionEvent.Builder base(ConnectionPhase phase, long time, String user, String device, String ip,
                                               AuthResult outcome) {
        long n = SEQ.incrementAndGet();
        return ConnectionEvent.newBuilder()
                .setEventId("e-" + n)
                .setEventTime(time)
                .setGatewayId("gw-test")
                .setConnectionId("c-" + n)
                .setPhase(phase)
                .setUser(user)
                .setDeviceId(device)
                .setAuth(AuthInfo.newBuilder().setMethod(outcome == AuthResult.NOT_ATTEMPTED ? AuthMethod.NONE
                        : AuthMethod.JWT).setOutcome(outcome).setFailureReason(outcome == AuthResult.FAILURE
                        ? "bad_password" : null).build())
                .setSrc(SourceEndpoint.newBuilder().setIp(ip).setPort(40_000).build())
                .setDst(DestinationEndpoint.newBuilder().setService("portal").setHost("portal.internal")
                        .setIp("10.1.0.10").setPort(443).build())
                .setProtocol("https")
                .setAttributes(Map.of());
    }

    /** A successful login that opened a connection to {@code service}. */
    public static ConnectionEvent login(String user, String device, String ip, String service, long time) {
        return base(ConnectionPhase.OPEN, time, user, device, ip, AuthResult.SUCCESS)
                .setDst(DestinationEndpoint.newBuilder().setService(service).setHost(service + ".internal")
                        .setIp("10.1.0.10").setPort(443).build()).build();
    }

    public static ConnectionEvent login(String user, String device, String ip, long time) {
        return login(user, device, ip, "portal", time);
    }

    /** A refused authentication. */
    public static ConnectionEvent failure(String user, String ip, long time) {
        return base(ConnectionPhase.REJECT, time, user, null, ip, AuthResult.FAILURE).setRejectReason("auth_failed")
                .build();
    }

    /** A connection attempt from {@code ip} to {@code host:port}, without credentials (a TCP listener). */
    public static ConnectionEvent probe(String ip, String host, int port, long time) {
        return base(ConnectionPhase.REJECT, time, null, null, ip, AuthResult.NOT_ATTEMPTED)
                .setDst(DestinationEndpoint.newBuilder().setHost(host).setIp(host).setPort(port).build())
                .setRejectReason("no_route").build();
    }

    /** The close of a user's connection that sent {@code bytesOut} to the client. */
    public static ConnectionEvent close(String user, String ip, String service, long bytesOut, long time) {
        return base(ConnectionPhase.CLOSE, time, user, "laptop-" + user, ip, AuthResult.SUCCESS)
                .setDst(DestinationEndpoint.newBuilder().setService(service).setHost(service + ".internal")
                        .setIp("10.1.0.10").setPort(443).build())
                .setBytesOut(bytesOut).setBytesIn(2_000).setDurationMs(30_000).setCloseReason("client_closed")
                .build();
    }
}
