package io.zerotrust.clickhouse;

import com.clickhouse.client.api.Client;
import java.util.List;

/** Test access to the migrations' query helper (same package). */
public final class MigrationsAccess {

    private MigrationsAccess() {
    }

    public static List<String> lines(Client ch, String sql) {
        return Migrations.lines(ch, sql);
    }
}
