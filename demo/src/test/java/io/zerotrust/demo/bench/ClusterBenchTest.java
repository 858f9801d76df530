package io.zerotrust.demo.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterBenchTest {

    @Test
    void badSettingsFailNamingTheSetting() {
        assertThatThrownBy(() -> ClusterBench.Settings.parse(new String[] {"--flink.rest=http://127.0.0.1:1",
                "--events=12"})).hasMessageContaining("--events");
        assertThatThrownBy(() -> ClusterBench.Settings.parse(new String[] {"--flink.rest=http://127.0.0.1:1",
                "--parallelism=1,x"})).hasMessageContaining("--parallelism").hasMessageContaining("1,x");
        assertThatThrownBy(() -> ClusterBench.Settings.parse(new String[] {"--events=5000"}))
                .hasMessageContaining("--flink.rest");
        assertThatThrownBy(() -> ClusterBench.Settings.parse(new String[] {"--flink.rest=http://127.0.0.1:1",
                "--flink.jar=/nonexistent/jobs.jar"})).hasMessageContaining("/nonexistent/jobs.jar");
    }

    @Test
    void theTableGivesEachRateAgainstTheFirst() {
        String table = ClusterBench.table(300_000, List.of(
                new ClusterBench.Result(1, 30.0, 10_000, "taskmanager-1"),
                new ClusterBench.Result(2, 25.0, 12_000, "taskmanager-1, taskmanager-2")));
        assertThat(table.lines()).hasSize(4);
        assertThat(table).contains("300,000 events")
                .contains("| 1 | 30.0 s | 10,000 | 1.00 | taskmanager-1 |")
                .contains("| 2 | 25.0 s | 12,000 | 1.20 | taskmanager-1, taskmanager-2 |");
    }
}
