package io.zerotrust.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationsTest {

    @Test
    void featuresFollowTheServerVersion() {
        assertThat(ServerFeatures.of("18.16.1").supported()).isEmpty();
        assertThat(ServerFeatures.of("19.6.2.11").supports(ServerFeatures.TTL)).isTrue();
        assertThat(ServerFeatures.of("19.5.3").supports(ServerFeatures.TTL)).isFalse();
        assertThat(ServerFeatures.of("23.8.2.7").supported()).containsExactly("datetime64", "ttl");
        assertThatThrownBy(() -> ServerFeatures.of("dev")).hasMessageContaining("cannot read the ClickHouse version");
    }

    @Test
    void ttlLinesAreKeptOnlyWhereTheServerHasTtl() {
        Migrations.Migration v1 = Migrations.bundled().get(0);
        List<String> old = Migrations.statements(v1, ServerFeatures.of("18.16.1"), "zt");
        List<String> modern = Migrations.statements(v1, ServerFeatures.of("23.8.2.7"), "zt");
        assertThat(old).hasSize(6).noneMatch(s -> s.contains("\nTTL ")).allMatch(s -> s.contains("IF NOT EXISTS zt."));
        assertThat(modern).hasSize(6).allMatch(s -> s.contains("\nTTL ")).noneMatch(s -> s.contains("requires"));
        assertThat(modern.get(0)).contains("TTL event_date + INTERVAL 90 DAY");
    }

    @Test
    void migrationsAreOrderedAndChecksummed() {
        List<Migrations.Migration> all = Migrations.bundled();
        assertThat(all).extracting(Migrations.Migration::version).isSorted().startsWith(1);
        assertThat(all.get(0).checksum()).hasSize(16);
        assertThatThrownBy(() -> Migrations.statements(all.get(0), ServerFeatures.of("18.16.1"), "zt; DROP"))
                .hasMessageContaining("not a plain identifier");
    }
}
