package io.zerotrust.ingest.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reading JSON telemetry with errors that name the field and what was wrong with it. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** The record as a JSON object; a BadRecord that says where parsing stopped when it is not one. */
    static JsonNode object(byte[] raw) throws BadRecord {
        JsonNode n;
        try {
            n = MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new BadRecord("parse_error", "not valid JSON" + where + ": " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new BadRecord("parse_error", "not valid JSON: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new BadRecord("parse_error", "not a JSON object" + (n == null ? " (empty record)" : ""));
        }
        return n;
    }

    /** A text field, or null when absent, null, empty or "-". */
    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull() || v.isContainerNode()) {
            return null;
        }
        String s = v.asText();
        return s.isEmpty() || "-".equals(s) ? null : s;
    }

    static String required(JsonNode n, String field) throws BadRecord {
        String s = text(n, field);
        if (s == null) {
            throw BadRecord.missing(field);
        }
        return s;
    }

    /** A whole number field (a JSON number or a numeric string), or {@code absent} when missing. */
    static long number(JsonNode n, String field, long absent) throws BadRecord {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        String s = v.asText().trim();
        if (s.isEmpty() || "-".equals(s)) {
            return absent;
        }
        try {
            return s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw BadRecord.badValue(field, s, "a whole number");
        }
    }

    /** A decimal number field (a JSON number or a numeric string), or NaN when missing. */
    static double decimal(JsonNode n, String field) throws BadRecord {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return Double.NaN;
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        try {
            return Double.parseDouble(v.asText().trim());
        } catch (NumberFormatException e) {
            throw BadRecord.badValue(field, v.asText(), "a number");
        }
    }

    /** A port: 0..65535. */
    static int port(JsonNode n, String field) throws BadRecord {
        long p = number(n, field, 0);
        if (p < 0 || p > 65_535) {
            throw BadRecord.badValue(field, p, "a port (0-65535)");
        }
        return (int) p;
    }
}
