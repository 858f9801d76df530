package io.zerotrust.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlatformConfigTest {

    @Test
    void defaultsEnvironmentAndFlagsLayerInThatOrder() {
        PlatformConfig defaults = PlatformConfig.fromArgs(List.of(), Map.of());
        assertThat(defaults.port(PlatformConfig.REGISTRY_PORT)).isEqualTo(8081);
        assertThat(defaults.port(PlatformConfig.KAFKA_PORT)).isEqualTo(9092);
        assertThat(defaults.external(PlatformConfig.KAFKA_BOOTSTRAP)).isEmpty();

        PlatformConfig env = PlatformConfig.fromArgs(List.of(), Map.of("ZT_REGISTRY_PORT", "18081",
                "ZT_DATA_DIR", "/tmp/x"));
        assertThat(env.port(PlatformConfig.REGISTRY_PORT)).isEqualTo(18081);
        assertThat(env.dataDir()).isEqualTo(Path.of("/tmp/x"));

        PlatformConfig flags = PlatformConfig.fromArgs(List.of("--registry.port=28081"),
                Map.of("ZT_REGISTRY_PORT", "18081"));
        assertThat(flags.port(PlatformConfig.REGISTRY_PORT)).as("flags win").isEqualTo(28081);
    }

    @Test
    void externalServersAreTakenAsGiven() {
        PlatformConfig c = PlatformConfig.fromArgs(List.of("--kafka.bootstrap=k1:9092,k2:9092",
                "--registry.url=http://sr:8081", "--clickhouse.url=https://ch:8443"), Map.of());
        assertThat(c.external(PlatformConfig.KAFKA_BOOTSTRAP)).contains("k1:9092,k2:9092");
        assertThat(c.external(PlatformConfig.REGISTRY_URL)).contains("http://sr:8081");
        assertThat(c.external(PlatformConfig.CLICKHOUSE_URL)).contains("https://ch:8443");
    }

    @Test
    void badSettingsFailNamingTheKeyAndWhatToDo() {
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--registry.port=http"), Map.of()))
                .hasMessageContaining("registry.port").hasMessageContaining("whole number");
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--kafka.port=70000"), Map.of()))
                .hasMessageContaining("kafka.port").hasMessageContaining("between 1 and 65535");
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--registry.prot=1"), Map.of()))
                .hasMessageContaining("unknown setting 'registry.prot'").hasMessageContaining("--registry.port");
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("registry.port=1"), Map.of()))
                .hasMessageContaining("--key=value");
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--kafka.port=8081"), Map.of()))
                .hasMessageContaining("kafka.port").hasMessageContaining("registry.port").hasMessageContaining("8081");
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--registry.url=sr:8081"), Map.of()))
                .hasMessageContaining("registry.url").hasMessageContaining("http://");
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--kafka.bootstrap=broker"), Map.of()))
                .hasMessageContaining("kafka.bootstrap").hasMessageContaining("host:port");
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of(), Map.of("ZT_STARTUP_TIMEOUT_SECONDS", "0")))
                .hasMessageContaining("startup.timeout.seconds");
    }

    @Test
    void aTakenPortIsNamedWithTheSettingThatChoseIt() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName(PlatformConfig.HOST))) {
            int port = s.getLocalPort();
            assertThatThrownBy(() -> PortCheck.requireFree(PlatformConfig.REGISTRY_PORT, "schema registry", port))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("port " + port)
                    .hasMessageContaining("schema registry")
                    .hasMessageContaining("--registry.port=<port>")
                    .hasMessageContaining("ZT_REGISTRY_PORT");
        }
    }

    @Test
    void threeBrokersTakeTwoPortsEachAboveTheConfiguredOnes() {
        PlatformConfig one = PlatformConfig.fromArgs(List.of(), Map.of());
        assertThat(one.kafkaBrokers()).isEqualTo(1);
        assertThat(one.kafkaPorts(PlatformConfig.KAFKA_PORT)).containsExactly(9092);

        PlatformConfig three = PlatformConfig.fromArgs(List.of(), Map.of("ZT_KAFKA_BROKERS", "3"));
        assertThat(three.kafkaPorts(PlatformConfig.KAFKA_PORT)).containsExactly(9092, 9094, 9096);
        assertThat(three.kafkaPorts(PlatformConfig.KAFKA_CONTROLLER_PORT)).containsExactly(9093, 9095, 9097);

        PlatformConfig any = PlatformConfig.fromArgs(List.of("--kafka.brokers=3", "--kafka.port=0"), Map.of());
        assertThat(any.kafkaPorts(PlatformConfig.KAFKA_PORT)).containsExactly(0, 0, 0);
    }

    @Test
    void aBrokerCountWithoutAQuorumOrReplicasFailsNamingTheKey() {
        for (String bad : List.of("2", "0", "6", "three")) {
            assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--kafka.brokers=" + bad), Map.of()))
                    .as(bad).isInstanceOf(PlatformConfig.ConfigException.class)
                    .hasMessageContaining("kafka.brokers");
        }
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--kafka.brokers=2"), Map.of()))
                .hasMessageContaining("must be 1").hasMessageContaining("between 3 and 5");
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--kafka.brokers=3", "--kafka.bootstrap=k:9092"),
                Map.of())).hasMessageContaining("kafka.brokers").hasMessageContaining("kafka.bootstrap");
        // the controllers would be on brokers 2 and 3's ports
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--kafka.brokers=3", "--kafka.controller.port=9094"),
                Map.of())).hasMessageContaining("9094").hasMessageContaining("kafka.port+2 (broker 2)");
        assertThatThrownBy(() -> PlatformConfig.fromArgs(List.of("--kafka.brokers=3", "--kafka.port=65534",
                "--kafka.controller.port=100"), Map.of())).hasMessageContaining("kafka.port")
                .hasMessageContaining("broker 2");
    }
}
