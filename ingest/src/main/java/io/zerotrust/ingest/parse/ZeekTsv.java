package io.zerotrust.ingest.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Zeek's default log format (the ASCII writer's tab-separated values) turned into Zeek's JSON, one data row at a
 * time, so that a TSV log can be replayed into {@code telemetry.raw.zeek} and read there like any JSON record.
 *
 * <p>A TSV row carries no field names: they are in the file's header ({@code #separator}, {@code #set_separator},
 * {@code #empty_field}, {@code #unset_field}, {@code #path}, {@code #fields}, {@code #types}), so the rows are
 * converted where the header is read, in file order. Each row becomes an object with the {@code #fields} names as
 * Zeek writes them ({@code id.orig_h}), {@code _path} from {@code #path}, and values typed per {@code #types}:
 * {@code time}, {@code interval}, {@code double}, {@code count}, {@code int} and {@code port} as numbers,
 * {@code bool} as true/false, sets and vectors as arrays, everything else as strings; an unset field ({@code -}) is
 * left out, an empty one ({@code (empty)}) is an empty string or array. Escapes ({@code \x09}, {@code \\}) are
 * undone. A new {@code #separator} line starts a new header block (files concatenated or rotated into one), and
 * {@code #open}, {@code #close} and other {@code #} lines are skipped.
 *
 * <p>Not thread-safe: one instance per file.
 */
public final class ZeekTsv {

    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern CONTAINER = Pattern.compile("^(set|vector|table)\\[(.*)]$");

    private String separator;
    private String setSeparator;
    private String emptyField;
    private String unsetField;
    private String path;
    private List<String> fields;
    private List<String> types;

    public ZeekTsv() {
        reset("\t");
    }

    /** Whether a line starts a Zeek TSV header (a file whose first line this is, is a TSV log). */
    public static boolean isHeader(String line) {
        return line.startsWith("#separator ");
    }

    /** Whether a header has been read: the lines that follow are rows of a TSV log. */
    public boolean active() {
        return fields != null;
    }

    /**
     * One line of the log: the row as a Zeek JSON object, or null for a header, footer or comment line.
     *
     * @throws IllegalArgumentException for a row that does not fit its header (none yet, another number of values,
     *                                  a value not of its type), naming what is wrong
     */
    public String toJson(String line) {
        if (line.startsWith("#")) {
            header(line);
            return null;
        }
        if (fields == null) {
            throw new IllegalArgumentException("a data row before any #fields header");
        }
        String[] values = line.split(Pattern.quote(separator), -1);
        if (values.length != fields.size()) {
            throw new IllegalArgumentException(values.length + " values for the " + fields.size()
                    + " fields of the #fields header");
        }
        StringWriter out = new StringWriter(line.length() + 32 * fields.size());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (path != null) {
                g.writeStringField("_path", path);
            }
            for (int i = 0; i < values.length; i++) {
                if (values[i].equals(unsetField)) {
                    continue;
                }
                g.writeFieldName(fields.get(i));
                value(g, fields.get(i), types == null ? "string" : types.get(i), values[i]);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private void header(String line) {
        if (isHeader(line)) {
            reset(unescape(line.substring("#separator ".length())));
            return;
        }
        int cut = line.indexOf(separator);
        String name = cut < 0 ? line : line.substring(0, cut);
        String rest = cut < 0 ? "" : line.substring(cut + separator.length());
        switch (name) {
            case "#set_separator" -> setSeparator = unescape(rest);
            case "#empty_field" -> emptyField = unescape(rest);
            case "#unset_field" -> unsetField = unescape(rest);
            case "#path" -> path = unescape(rest);
            case "#fields" -> fields = List.of(rest.split(Pattern.quote(separator), -1));
            case "#types" -> types = List.of(rest.split(Pattern.quote(separator), -1));
            default -> {
                // #open, #close and comments
            }
        }
        if (fields != null && types != null && fields.size() != types.size()) {
            throw new IllegalArgumentException("the header names " + fields.size() + " #fields but "
                    + types.size() + " #types");
        }
    }

    private void reset(String sep) {
        separator = sep;
        setSeparator = ",";
        emptyField = "(empty)";
        unsetField = "-";
        path = null;
        fields = null;
        types = null;
    }

    private void value(JsonGenerator g, String field, String type, String v) throws IOException {
        var container = CONTAINER.matcher(type);
        if (container.matches()) {
            g.writeStartArray();
            if (!v.equals(emptyField)) {
                for (String element : v.split(Pattern.quote(setSeparator), -1)) {
                    if (element.equals(unsetField)) {
                        g.writeNull();
                    } else {
                        scalar(g, field, container.group(2), element);
                    }
                }
            }
            g.writeEndArray();
        } else if (v.equals(emptyField)) {
            g.writeString("");
        } else {
            scalar(g, field, type, v);
        }
    }

    private static void scalar(JsonGenerator g, String field, String type, String v) throws IOException {
        switch (type) {
            case "time", "interval", "double" -> {
                try {
                    new BigDecimal(v);
                } catch (NumberFormatException e) {
                    throw wrong(field, type, v);
                }
                g.writeNumber(v); // as written: Zeek's microseconds are kept exactly
            }
            case "count", "int", "port" -> {
                try {
                    g.writeNumber(Long.parseLong(v));
                } catch (NumberFormatException e) {
                    throw wrong(field, type, v);
                }
            }
            case "bool" -> {
                if (!v.equals("T") && !v.equals("F")) {
                    throw wrong(field, type, v);
                }
                g.writeBoolean(v.equals("T"));
            }
            default -> g.writeString(unescape(v));
        }
    }

    private static IllegalArgumentException wrong(String field, String type, String v) {
        return new IllegalArgumentException("field " + field + " is not a " + type + ": \""
                + (v.length() > 80 ? v.substring(0, 80) + "…" : v) + "\"");
    }

    /** Zeek's escapes undone: {@code \xHH} is the byte HH (the text is UTF-8), {@code \\} a backslash. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\\' && i + 3 < in.length && in[i + 1] == 'x' && hex(in[i + 2]) >= 0 && hex(in[i + 3]) >= 0) {
                out.write(hex(in[i + 2]) << 4 | hex(in[i + 3]));
                i += 3;
            } else if (in[i] == '\\' && i + 1 < in.length && in[i + 1] == '\\') {
                out.write('\\');
                i++;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(byte b) {
        return Character.digit(b, 16);
    }
}
