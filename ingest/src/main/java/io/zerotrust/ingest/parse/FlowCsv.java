package io.zerotrust.ingest.parse;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CSV export of flow records (CICFlowMeter, nfdump {@code -o csv}, any tool with a header line) turned into flat
 * JSON, one data row at a time, so that a flow file can be replayed into {@code telemetry.raw.flow} and each row read
 * there on its own ({@link FlowParser}). As with Zeek's TSV logs ({@link ZeekTsv}), a row carries no column names:
 * they are in the file's header line, so rows are converted where the file is read, in file order.
 *
 * <ul>
 *   <li>The header is a line whose every field is non-empty and contains a letter (a data row always has numbers:
 *       ports, counters, addresses). Its names are trimmed (CICIDS2017's files write {@code " Source Port"}); a name
 *       repeated in one header gets {@code .1}, {@code .2}, ... (CICIDS2017 has {@code Fwd Header Length} twice); a
 *       byte order mark before the first name is dropped.</li>
 *   <li>Each data row becomes a JSON object of strings keyed by the header's names, values trimmed, a blank value
 *       an empty string. Fields may be quoted ({@code "a,b"}, {@code ""} for a quote inside); a quoted field cannot
 *       span lines.</li>
 *   <li>A header-shaped line later in the file is a new header (files concatenated, or a header repeated inside one
 *       file) and is not sent.</li>
 *   <li>nfdump's summary after the data ({@code Summary}, then {@code flows,bytes,packets,...} and its values,
 *       possibly more totals) is not sent: after a {@code Summary} line, lines are skipped until a new header.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per file.
 */
public final class FlowCsv {

    private String[] names;
    /** Each name as JSON, with the comma before it and the colon after it. */
    private String[] jsonNames;
    private int jsonNamesLength;
    private boolean summary;

    /** Whether a header has been read: the lines that follow are rows. */
    public boolean active() {
        return names != null;
    }

    /**
     * What replay sends for one line of a flow CSV file: the row as a JSON object, null for a header or footer
     * line, or the line as written when it is not a row of the header before it (no header yet, another number of
     * values, an unclosed quote): the ingest then dead-letters it as {@code parse_error} with its bytes.
     */
    public String record(String line) {
        try {
            return toJson(line);
        } catch (IllegalArgumentException notARow) {
            return line;
        }
    }

    /**
     * One line of the file: the row as a JSON object, or null for a header or footer line.
     *
     * @throws IllegalArgumentException for a row that does not fit its header, naming what is wrong
     */
    public String toJson(String line) {
        if (line.isBlank()) {
            return null;
        }
        List<String> fields = split(line);
        if (summary) {
            if (isHeader(fields) && !"flows".equalsIgnoreCase(fields.get(0))) {
                header(fields);
            }
            return null;
        }
        if (fields.size() == 1 && "Summary".equalsIgnoreCase(fields.get(0))) {
            summary = true; // nfdump's totals follow
            return null;
        }
        if (isHeader(fields)) {
            header(fields);
            return null;
        }
        if (names == null) {
            throw new IllegalArgumentException("a data row before any header line");
        }
        if (fields.size() != names.length) {
            throw new IllegalArgumentException(fields.size() + " values for the " + names.length
                    + " columns of the header");
        }
        StringBuilder out = new StringBuilder(line.length() + 8 * names.length + jsonNamesLength);
        out.append('{');
        for (int i = 0; i < names.length; i++) {
            out.append(jsonNames[i]);
            string(out, fields.get(i));
        }
        return out.append('}').toString();
    }

    /** A JSON string: as it is when nothing in it needs escaping (nearly always), else escaped by Jackson's rules. */
    private static void string(StringBuilder out, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(v)).append('"');
                return;
            }
        }
        out.append('"').append(v).append('"');
    }

    private void header(List<String> fields) {
        String[] n = new String[fields.size()];
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n.length; i++) {
            String name = fields.get(i);
            if (i == 0 && !name.isEmpty() && name.charAt(0) == '\uFEFF') {
                name = name.substring(1).trim();
            }
            int times = seen.merge(name, 1, Integer::sum);
            n[i] = times == 1 ? name : name + "." + (times - 1);
        }
        names = n;
        jsonNames = new String[n.length];
        jsonNamesLength = 0;
        for (int i = 0; i < n.length; i++) {
            StringBuilder b = new StringBuilder(n[i].length() + 4);
            if (i > 0) {
                b.append(',');
            }
            string(b, n[i]);
            jsonNames[i] = b.append(':').toString();
            jsonNamesLength += jsonNames[i].length();
        }
        summary = false;
    }

    /** A header line: every field non-empty and with a letter in it (a row has numbers, addresses, times). */
    static boolean isHeader(List<String> fields) {
        for (String f : fields) {
            if (f.isEmpty()) {
                return false;
            }
            boolean letter = false;
            for (int i = 0; i < f.length() && !letter; i++) {
                letter = Character.isLetter(f.charAt(i));
            }
            if (!letter) {
                return false;
            }
        }
        return true;
    }

    /** The fields of a CSV line (RFC 4180 quoting), each trimmed unless quoted. */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>(64);
        int n = line.length();
        int i = 0;
        while (true) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("a quoted field without its closing quote");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            b.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        b.append(c);
                    }
                }
                while (i < n && line.charAt(i) == ' ') {
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new IllegalArgumentException("text after the closing quote of field " + (out.size() + 1));
                }
                out.add(b.toString());
            } else {
                int comma = line.indexOf(',', i);
                int end = comma < 0 ? n : comma;
                out.add(line.substring(i, end).trim());
                i = end;
            }
            if (i >= n) {
                return out;
            }
            i++; // the comma
            if (i == n) {
                out.add("");
                return out;
            }
        }
    }
}
