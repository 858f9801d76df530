package io.zerotrust.demo.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.ingest.parse.Memory;
import io.zerotrust.ingest.parse.ZeekParser;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sensor's record, read by the ingest's own Zeek parser, is the REJECT the plan's history assumes. */
class ZeekSensorTest {

    @Test
    void theIngestReadsAProbeAsTheRejectThePlanAssumes() throws Exception {
        Attempt probe = new Attempt(0, Attempt.Kind.PROBE, null, null, "198.18.6.66", null, 23, 0, 0, "port_scan");
        long t = 1_795_000_123_456L;
        String record = ZeekSensor.connRecord(probe, t);
        List<ConnectionEvent> parsed = new ZeekParser().parse(record.getBytes(StandardCharsets.UTF_8), t + 50,
                Memory.inMap(1_000));
        ConnectionEvent want = SimEvents.of(probe, t, "gw-demo").get(0);
        assertThat(parsed).hasSize(1);
        ConnectionEvent got = parsed.get(0);
        assertThat(got.getPhase()).isEqualTo(want.getPhase());
        assertThat(got.getEventTime()).isEqualTo(t);
        assertThat(got.getOrigin()).isEqualTo(want.getOrigin());
        assertThat(got.getSrc().getIp()).isEqualTo("198.18.6.66");
        assertThat(got.getDst().getIp()).isEqualTo(want.getDst().getIp());
        assertThat(got.getDst().getPort()).isEqualTo(23);
        assertThat(got.getRejectReason()).isEqualTo(want.getRejectReason());
        assertThat(got.getUser()).isNull();
    }

    @Test
    void onlyProbesAreReported() {
        Attempt visit = new Attempt(0, Attempt.Kind.LOGIN, "u0001", "laptop-u0001", "10.1.2.3", "wiki", 443, 1, 1,
                null);
        assertThatThrownBy(() -> ZeekSensor.connRecord(visit, 0)).hasMessageContaining("only probes");
    }
}
