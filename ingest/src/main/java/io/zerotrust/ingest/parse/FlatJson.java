package io.zerotrust.ingest.parse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A JSON record read with Jackson's streaming parser into a map of names to strings, numbers and booleans, without
 * building a tree: parsing was the largest share of the ingest's own work per record after Avro. Nested objects are
 * flattened with dotted names ({@code winlog.event_data.TargetUserName}, as Zeek names its own fields
 * {@code id.orig_h}); arrays are skipped (recorded as present). The accessors say what is wrong with a field, naming
 * it.
 */
final class FlatJson {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final Object ARRAY = new Object();
    private static final Object OBJECT = new Object();
    private static final Object NULL = new Object();

    private final Map<String, Object> fields;

    private FlatJson(Map<String, Object> fields) {
        this.fields = fields;
    }

    static FlatJson parse(byte[] raw) throws BadRecord {
        return parse(raw, null);
    }

    /**
     * A record of which only the top-level fields named in {@code only} are kept (null: all): a wide record (a flow
     * export's 84 columns) is read without decoding the values nobody asks for. The others are absent.
     */
    static FlatJson parse(byte[] raw, java.util.Set<String> only) throws BadRecord {
        Map<String, Object> m = new HashMap<>(48);
        try (JsonParser p = FACTORY.createParser(raw)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw new BadRecord("parse_error", t == null ? "not a JSON object (empty record)"
                        : "not a JSON object");
            }
            t = fields(p, "", m, only);
            if (t != JsonToken.END_OBJECT) {
                throw new BadRecord("parse_error", "not valid JSON: unexpected " + t);
            }
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new BadRecord("parse_error", "not valid JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRecord("parse_error", "not valid JSON: " + e.getMessage());
        }
        return new FlatJson(m);
    }

    /** Reads an object's fields into {@code m} under {@code prefix}; returns the token that ended them. */
    private static JsonToken fields(JsonParser p, String prefix, Map<String, Object> m, java.util.Set<String> only)
            throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = prefix + p.currentName();
            if (only != null && !only.contains(name)) {
                p.nextToken();
                p.skipChildren();
                continue;
            }
            switch (p.nextToken()) {
                case VALUE_STRING -> m.put(name, p.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> m.put(name, p.getNumberValue());
                case VALUE_TRUE -> m.put(name, Boolean.TRUE);
                case VALUE_FALSE -> m.put(name, Boolean.FALSE);
                case START_OBJECT -> {
                    m.put(name, OBJECT);
                    fields(p, name + ".", m, null);
                }
                case START_ARRAY -> {
                    p.skipChildren();
                    m.put(name, ARRAY);
                }
                default -> m.put(name, NULL);
            }
        }
        return t;
    }

    /** Whether the record has the field, whatever its value (null included). */
    boolean has(String field) {
        return fields.containsKey(field);
    }

    /** Whether the field is a JSON object (its fields are under {@code field.}). */
    boolean isObject(String field) {
        return fields.get(field) == OBJECT;
    }

    /** The field's scalar value, or null when absent, null, an object or an array. */
    Object raw(String field) {
        Object v = fields.get(field);
        return v == ARRAY || v == OBJECT || v == NULL ? null : v;
    }

    /** A text field (numbers and booleans as text), or null when absent, null, empty, "-", an object or an array. */
    String text(String field) {
        Object v = raw(field);
        if (v == null) {
            return null;
        }
        String s = v.toString();
        return s.isEmpty() || "-".equals(s) ? null : s;
    }

    String required(String field) throws BadRecord {
        String s = text(field);
        if (s == null) {
            throw BadRecord.missing(field);
        }
        return s;
    }

    long number(String field, long absent) throws BadRecord {
        return number(field, absent, false);
    }

    /** A whole number that may also be written in hexadecimal with {@code 0x} (Windows writes some ids that way). */
    long numberOrHex(String field, long absent) throws BadRecord {
        return number(field, absent, true);
    }

    private long number(String field, long absent, boolean hex) throws BadRecord {
        Object v = raw(field);
        if (v == null) {
            return absent;
        }
        if (v instanceof Long || v instanceof Integer) {
            return ((Number) v).longValue();
        }
        if (v instanceof Number) {
            throw BadRecord.badValue(field, v, "a whole number");
        }
        String s = v.toString().trim();
        if (s.isEmpty() || "-".equals(s)) {
            return absent;
        }
        try {
            return hex && s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw BadRecord.badValue(field, s, "a whole number");
        }
    }

    double decimal(String field) throws BadRecord {
        Object v = raw(field);
        if (v == null) {
            return Double.NaN;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw BadRecord.badValue(field, v, "a number");
        }
    }

    int port(String field) throws BadRecord {
        long p = number(field, 0);
        if (p < 0 || p > 65_535) {
            throw BadRecord.badValue(field, p, "a port (0-65535)");
        }
        return (int) p;
    }

    /** A boolean field; {@code absent} when missing. */
    boolean bool(String field, boolean absent) {
        Object v = raw(field);
        return v instanceof Boolean b ? b : v == null ? absent : Boolean.parseBoolean(v.toString());
    }
}
