package io.zerotrust.schemas.serde;

/** Bytes that are not a valid Schema Registry wire-format record of the expected type; the message says why. */
public final class WireFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
