package io.zerotrust.console;

import java.util.Locale;

/** What a console user may do: viewers watch, analysts investigate, admins also change policy and overrides. */
public enum Role {
    VIEWER, ANALYST, ADMIN;

    /** Whether this role includes everything {@code other} may do. */
    public boolean atLeast(Role other) {
        return ordinal() >= other.ordinal();
    }

    public static Role parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("role must be viewer, analyst or admin, got '" + s + "'");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
