package io.zerotrust.platform;

/** The platform could not start or stop; the message says which server, why, and what to do. */
public final class PlatformException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PlatformException(String message) {
        super(message);
    }

    public PlatformException(String message, Throwable cause) {
        super(message, cause);
    }
}
