package io.zerotrust.ingest.parse;

/** A raw record that cannot be turned into connection events; it goes to the dead-letter topic with this reason. */
public final class BadRecord extends Exception {

    private final String errorType;

    /**
     * @param errorType a reason class for counting: {@code parse_error}, {@code missing_field}, {@code bad_value},
     *                  {@code unsupported_event}, {@code too_large}
     * @param reason    what is wrong, in words a person understands
     */
    public BadRecord(String errorType, String reason) {
        super(reason, null, false, false);
        this.errorType = errorType;
    }

    public String errorType() {
        return errorType;
    }

    public static BadRecord missing(String field) {
        return new BadRecord("missing_field", "field " + field + " is missing or empty");
    }

    public static BadRecord badValue(String field, Object value, String expected) {
        String v = String.valueOf(value);
        return new BadRecord("bad_value", "field " + field + " is not " + expected + ": \""
                + (v.length() > 80 ? v.substring(0, 80) + "…" : v) + "\"");
    }
}
