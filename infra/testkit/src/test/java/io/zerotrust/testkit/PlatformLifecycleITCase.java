package io.zerotrust.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.platform.Platform;
import io.zerotrust.platform.PlatformConfig;
import io.zerotrust.platform.PlatformException;
import io.zerotrust.platform.PortCheck;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Starting and stopping a second platform beside the shared one: taken ports, clean stops. */
@ExtendWith(PlatformExtension.class)
class PlatformLifecycleITCase {

    @Test
    void aTakenRegistryPortFailsNamingItBeforeAnythingStarts(TestPlatform running, @TempDir Path dir) {
        int taken = URI.create(running.registryUrl()).getPort();
        Map<String, String> settings = freePorts(dir);
        settings.put(PlatformConfig.REGISTRY_PORT, Integer.toString(taken));
        List<String> progress = new ArrayList<>();
        assertThatThrownBy(() -> Platform.start(PlatformConfig.of(settings), progress::add))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("port " + taken)
                .hasMessageContaining(PlatformConfig.REGISTRY_PORT);
        assertThat(progress).as("nothing was started").isEmpty();
    }

    @Test
    void stoppingLeavesNoProcessAndNoPortBehind(@TempDir Path dir) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of(PlatformConfig.DATA_DIR, dir.toString()));
        int[] ports = {PortCheck.freePort(), PortCheck.freePort(), PortCheck.freePort(), PortCheck.freePort(),
                PortCheck.freePort()};
        settings.put(PlatformConfig.KAFKA_PORT, Integer.toString(ports[0]));
        settings.put(PlatformConfig.KAFKA_CONTROLLER_PORT, Integer.toString(ports[1]));
        settings.put(PlatformConfig.REGISTRY_PORT, Integer.toString(ports[2]));
        settings.put(PlatformConfig.CLICKHOUSE_HTTP_PORT, Integer.toString(ports[3]));
        settings.put(PlatformConfig.CLICKHOUSE_TCP_PORT, Integer.toString(ports[4]));

        Platform platform = Platform.start(PlatformConfig.of(settings), line -> { });
        Map<String, Long> pids = platform.childPids();
        assertThat(pids).containsOnlyKeys("kafka", "clickhouse");
        pids.values().forEach(pid -> assertThat(ProcessHandle.of(pid)).isPresent());
        assertThat(platform.endpoints().registryUrl()).isEqualTo("http://127.0.0.1:" + ports[2]);

        platform.close();

        pids.forEach((name, pid) -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .as(name + " process " + pid + " is gone").isFalse());
        for (int port : ports) {
            PortCheck.requireFree("test", "port " + port, port); // throws if still bound
        }
    }

    private static Map<String, String> freePorts(Path dir) {
        Map<String, String> settings = new java.util.HashMap<>();
        settings.put(PlatformConfig.DATA_DIR, dir.toString());
        for (String key : List.of(PlatformConfig.KAFKA_PORT, PlatformConfig.KAFKA_CONTROLLER_PORT,
                PlatformConfig.CLICKHOUSE_HTTP_PORT, PlatformConfig.CLICKHOUSE_TCP_PORT)) {
            settings.put(key, "0");
        }
        return settings;
    }
}
