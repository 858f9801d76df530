package io.zerotrust.console;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import io.zerotrust.clickhouse.ServerFeatures;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Queries with typed parameters ({@code {name:Type}} in a constant SQL text) for every page of the console. ClickHouse
 * takes them from version 20 on; the platform's 18.16 answers {@code Unknown setting param_x}, so there each feature
 * binds the same parameters on the client with its own literal form, never pasting request text into the SQL. The
 * server is asked its version once, for the whole console.
 */
final class ClickHouseParams {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-zA-Z_][a-zA-Z0-9_]*):([A-Za-z0-9()]+)}");

    /** How a feature writes one value of a ClickHouse type as a literal. */
    interface Literal {
        String of(Object value, String type);
    }

    private final Client ch;
    private volatile Boolean serverSide;

    ClickHouseParams(Client ch) {
        this.ch = ch;
    }

    /** {@code sql} with every placeholder replaced by {@code literal}'s form of its value. */
    static String bind(String sql, Map<String, Object> params, Literal literal) {
        Matcher m = PLACEHOLDER.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            if (!params.containsKey(m.group(1))) {
                throw new IllegalArgumentException("no value for the query parameter " + m.group(1));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(literal.of(params.get(m.group(1)), m.group(2))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * The answer's text to {@code sql} in {@code format}: with the parameters sent to a server that takes them, else
     * bound on the client with {@code literal}.
     */
    String query(String sql, Map<String, Object> params, ClickHouseFormat format, Literal literal)
            throws Exception {
        QuerySettings settings = new QuerySettings().setFormat(format);
        try (QueryResponse r = (serverSide() ? ch.query(sql, params, settings)
                : ch.query(bind(sql, params, literal), settings)).get(30, TimeUnit.SECONDS)) {
            return new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Whether the server takes query parameters; asked once (a 503 while ClickHouse cannot be reached). */
    private boolean serverSide() {
        Boolean b = serverSide;
        if (b == null) {
            try (QueryResponse r = ch.query("SELECT version()", new QuerySettings()
                    .setFormat(ClickHouseFormat.TabSeparated)).get(30, TimeUnit.SECONDS)) {
                b = ServerFeatures.of(new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .major() >= 20;
            } catch (Exception e) {
                throw new Console.ApiError(503, "ClickHouse is not reachable: " + e.getMessage());
            }
            serverSide = b;
        }
        return b;
    }
}
