package io.zerotrust.demo.sim;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;

/**
 * The demo's network sensor: what Zeek writes to {@code conn.log} (JSON) for a connection attempt the gateway host
 * refused — a probe of a port nothing listens on ({@code conn_state} REJ: SYN answered by RST). The demo publishes
 * these records to {@code telemetry.raw.zeek}, and the ingest turns each into a REJECT event like any other Zeek
 * record.
 */
public final class ZeekSensor {

    private ZeekSensor() {
    }

    /** The conn.log record of {@code probe} at {@code timeMs}. */
    public static String connRecord(Attempt probe, long timeMs) {
        if (probe.kind() != Attempt.Kind.PROBE) {
            throw new IllegalArgumentException("only probes are reported by the sensor, not " + probe.kind());
        }
        String uid = "C" + UUID.nameUUIDFromBytes((probe + "@" + timeMs).getBytes(StandardCharsets.UTF_8))
                .toString().replace("-", "").substring(0, 17);
        int srcPort = 40_000 + (int) (timeMs % 20_000);
        return String.format(Locale.ROOT, "{\"ts\":%d.%03d,\"uid\":\"%s\",\"id.orig_h\":\"%s\",\"id.orig_p\":%d,"
                        + "\"id.resp_h\":\"%s\",\"id.resp_p\":%d,\"proto\":\"tcp\",\"conn_state\":\"REJ\","
                        + "\"local_orig\":false,\"local_resp\":true,\"missed_bytes\":0,\"history\":\"Sr\","
                        + "\"orig_pkts\":1,\"orig_ip_bytes\":60,\"resp_pkts\":1,\"resp_ip_bytes\":40}",
                timeMs / 1000, timeMs % 1000, uid, probe.srcIp(), srcPort, Scenarios.GATEWAY_HOST_IP, probe.port());
    }
}
