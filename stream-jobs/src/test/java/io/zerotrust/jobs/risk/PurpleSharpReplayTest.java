package io.zerotrust.jobs.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.risk.detect.Detector;
import io.zerotrust.jobs.risk.detect.DetectorParams;
import io.zerotrust.jobs.risk.detect.Finding;
import io.zerotrust.schemas.geo.GeoTable;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The real Windows telemetry of the OTRF PurpleSharp playbook, through the detectors with their default parameters:
 * the spraying source and the user who moved laterally are flagged, as the attacker's own log describes, and nobody
 * else is.
 */
class PurpleSharpReplayTest {

    static List<ConnectionEvent> dataset() throws Exception {
        try (InputStream in = PurpleSharpReplayTest.class.getResourceAsStream(
                "/datasets/otrf-purplesharp-ad-playbook-1/auth_events.jsonl")) {
            return new WindowsSecurityEvents().read(in);
        }
    }

    /** entity -> detectors that fired, running every detector over the events as the job's operators do. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Map<String, List<String>> fired(List<ConnectionEvent> events) {
        DetectorParams p = DetectorParams.defaults();
        List<Detector<?>> all = new ArrayList<>(RiskJob.userDetectors(p, GeoTable.bundled()));
        all.addAll(RiskJob.sourceDetectors(p));
        Map<String, SpecificRecord> states = new HashMap<>();
        Map<String, List<String>> out = new HashMap<>();
        for (ConnectionEvent e : events) {
            for (Detector d : all) {
                String entity = d.entityOf(e);
                if (entity == null) {
                    continue;
                }
                SpecificRecord s = states.computeIfAbsent(d.name() + d.entityType() + "|" + entity,
                        k -> d.newState());
                Optional<Finding> f = d.observe(s, e);
                f.ifPresent(x -> out.computeIfAbsent(entity, k -> new ArrayList<>()).add(d.name()));
            }
        }
        return out;
    }

    @Test
    void theSprayingSourceAndTheUserWhoMovedLaterallyAreFlagged() throws Exception {
        List<ConnectionEvent> events = dataset();
        assertThat(events).as("86 records, the logons without a known source skipped").hasSize(50);
        Map<String, List<String>> fired = fired(events);
        assertThat(fired.get("ip:172.18.39.5")).as("WORKSTATION5, where the spray ran").contains("password_spray");
        assertThat(fired.get("user:pgustavo")).as("the account that moved laterally").contains("fan_out");
        assertThat(fired.keySet()).as("nobody else").containsOnly("ip:172.18.39.5", "user:pgustavo");
        assertThat(RiskJob.sourceDetectors(DetectorParams.defaults())).extracting(Detector::entityType)
                .containsOnly(EntityType.IP);
    }
}
