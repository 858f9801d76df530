package io.zerotrust.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The provisioning files in dashboards/grafana are exactly what the query pack gives. */
class GrafanaDashboardsTest {

    @Test
    void theCheckedInProvisioningIsBuiltFromTheQueryPack() throws Exception {
        List<QueryPack.Query> pack = QueryPack.load(Path.of("queries"));
        Map<String, String> files = GrafanaDashboards.files(pack);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path checkedIn = Path.of("grafana").resolve(f.getKey());
            assertThat(checkedIn).as("%s is missing: run ./pipeline dashboards", checkedIn).exists();
            assertThat(Files.readString(checkedIn)).as("%s is not what the query pack gives: run ./pipeline "
                    + "dashboards", checkedIn).isEqualTo(f.getValue());
        }
        JsonNode d = new ObjectMapper().readTree(files.get("dashboards/zero-trust-analytics.json"));
        assertThat(d.get("panels")).hasSize(pack.size());
        for (int i = 0; i < pack.size(); i++) {
            assertThat(d.get("panels").get(i).get("targets").get(0).get("rawSql").asText())
                    .isEqualTo(pack.get(i).sql());
        }
        assertThat(d.get("templating").get("list")).extracting(v -> v.get("name").asText())
                .contains("db", "entity", "since_hours", "limit");
    }
}
