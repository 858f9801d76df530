package io.zerotrust.dashboards;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The analyst query pack: {@code dashboards/queries/*.sql}, each with a header saying what it answers
 * ({@code -- title:}, {@code -- question:}) and its parameters ({@code -- param: name default description}), used
 * in the SQL as {@code ${name}}. Rendering substitutes the values (or the defaults); a value may only hold letters,
 * digits and {@code _ : . - @ /} and spaces, so it cannot break out of the query.
 */
public final class QueryPack {

    private static final Pattern PARAM = Pattern.compile("^--\\s*param:\\s*(\\w+)\\s+(\\S+)\\s+(.+)$");
    private static final Pattern USE = Pattern.compile("\\$\\{(\\w+)}");
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_:.\\-@/ ]*");

    /** A query parameter with its default. */
    public record Param(String name, String defaultValue, String description) {
    }

    /** One query of the pack. */
    public record Query(String name, String title, String question, List<Param> params, String sql) {

        /** The SQL with every {@code ${param}} replaced by its value in {@code values}, else its default. */
        public String render(Map<String, String> values) {
            Map<String, String> all = new LinkedHashMap<>();
            params.forEach(p -> all.put(p.name(), p.defaultValue()));
            values.forEach((k, v) -> {
                if (!all.containsKey(k)) {
                    throw new IllegalArgumentException("query " + name + " has no parameter '" + k + "'; it has "
                            + all.keySet());
                }
                all.put(k, v);
            });
            Matcher m = USE.matcher(sql);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String v = all.get(m.group(1));
                if (v == null) {
                    throw new IllegalStateException("query " + name + " uses ${" + m.group(1)
                            + "} but declares no such parameter");
                }
                if (!SAFE.matcher(v).matches()) {
                    throw new IllegalArgumentException("value '" + v + "' of parameter " + m.group(1) + " of query "
                            + name + " may only hold letters, digits, spaces and _ : . - @ /");
                }
                m.appendReplacement(out, Matcher.quoteReplacement(v));
            }
            m.appendTail(out);
            return out.toString();
        }
    }

    private QueryPack() {
    }

    /** Every {@code *.sql} of {@code dir}, by name; fails naming a file whose header is incomplete. */
    public static List<Query> load(Path dir) throws IOException {
        List<Query> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".sql")).sorted().toList()) {
                out.add(parse(f.getFileName().toString().replaceFirst("\\.sql$", ""), Files.readString(f)));
            }
        }
        return out;
    }

    static Query parse(String name, String text) {
        String title = null;
        String question = null;
        List<Param> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        for (String line : text.split("\n")) {
            if (line.startsWith("-- title:")) {
                title = line.substring(9).strip();
            } else if (line.startsWith("-- question:")) {
                question = line.substring(12).strip();
            } else if (line.startsWith("-- param:")) {
                Matcher m = PARAM.matcher(line);
                if (!m.matches()) {
                    throw new IllegalArgumentException(name + ".sql: a parameter line reads '-- param: name default "
                            + "description', not '" + line + "'");
                }
                params.add(new Param(m.group(1), m.group(2), m.group(3)));
            } else {
                sql.append(line).append('\n');
            }
        }
        if (title == null || question == null) {
            throw new IllegalArgumentException(name + ".sql needs '-- title:' and '-- question:' header lines");
        }
        Query q = new Query(name, title, question, List.copyOf(params), sql.toString().strip());
        q.render(Map.of()); // every ${x} is declared
        return q;
    }
}
