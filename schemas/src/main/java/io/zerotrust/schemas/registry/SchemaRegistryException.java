package io.zerotrust.schemas.registry;

/** A schema registry call failed; the message names the registry URL, the subject or id, and the registry's answer. */
public final class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
