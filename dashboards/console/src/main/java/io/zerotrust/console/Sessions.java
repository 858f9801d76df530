package io.zerotrust.console;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signed-in sessions, in memory: a random 256-bit id (the cookie) and a separate random CSRF token, which every
 * request that changes something must send in the {@code X-CSRF-Token} header. A session ends after
 * {@code idle} without a request or {@code absolute} after sign-in, whichever comes first; a console restart ends them
 * all.
 */
public final class Sessions {

    /** A signed-in user. */
    public record Session(String id, String user, Role role, String csrf, long createdAt, long lastSeenAt) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    private final Duration idle;
    private final Duration absolute;
    private final Clock clock;

    public Sessions(Duration idle, Duration absolute, Clock clock) {
        this.idle = idle;
        this.absolute = absolute;
        this.clock = clock;
    }

    static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public Session create(String user, Role role) {
        long now = clock.millis();
        Session s = new Session(token(), user, role, token(), now, now);
        byId.put(s.id(), s);
        return s;
    }

    /** The live session of {@code id}, touched; empty for an unknown, forged or expired one (which is removed). */
    public Optional<Session> get(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session s = byId.get(id);
        if (s == null) {
            return Optional.empty();
        }
        long now = clock.millis();
        if (now - s.lastSeenAt() > idle.toMillis() || now - s.createdAt() > absolute.toMillis()) {
            byId.remove(id);
            return Optional.empty();
        }
        Session touched = new Session(s.id(), s.user(), s.role(), s.csrf(), s.createdAt(), now);
        byId.put(id, touched);
        return Optional.of(touched);
    }

    public void end(String id) {
        if (id != null) {
            byId.remove(id);
        }
    }

    public int size() {
        return byId.size();
    }
}
