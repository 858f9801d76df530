package io.zerotrust.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryPackTest {

    private static final String TEXT = """
            -- title: T
            -- question: Q?
            -- param: db zt the database
            -- param: entity user:alice the entity
            SELECT * FROM ${db}.t WHERE entity = '${entity}'
            """;

    @Test
    void parametersAreSubstitutedWithTheirDefaultsOrValues() {
        QueryPack.Query q = QueryPack.parse("t", TEXT);
        assertThat(q.render(Map.of())).isEqualTo("SELECT * FROM zt.t WHERE entity = 'user:alice'");
        assertThat(q.render(Map.of("entity", "ip:10.0.0.1"))).endsWith("'ip:10.0.0.1'");
    }

    @Test
    void aValueCannotBreakOutOfTheQuery() {
        QueryPack.Query q = QueryPack.parse("t", TEXT);
        assertThatThrownBy(() -> q.render(Map.of("entity", "x' OR 1=1 --")))
                .hasMessageContaining("may only hold letters, digits");
        assertThatThrownBy(() -> q.render(Map.of("nope", "1"))).hasMessageContaining("has no parameter 'nope'");
    }

    @Test
    void anIncompleteHeaderOrAnUndeclaredParameterIsNamed() {
        assertThatThrownBy(() -> QueryPack.parse("bad", "SELECT 1")).hasMessageContaining("bad.sql needs");
        assertThatThrownBy(() -> QueryPack.parse("bad", "-- title: T\n-- question: Q?\nSELECT ${x}"))
                .hasMessageContaining("uses ${x} but declares no such parameter");
    }
}
