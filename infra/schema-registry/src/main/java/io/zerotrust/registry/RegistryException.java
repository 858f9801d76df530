package io.zerotrust.registry;

/** An error answered to a client in the Confluent format: HTTP status, {@code error_code} and message. */
public final class RegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final int errorCode;

    RegistryException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    static RegistryException subjectNotFound(String subject) {
        return new RegistryException(404, 40401, "Subject '" + subject + "' not found.");
    }

    static RegistryException versionNotFound(String subject, String version) {
        return new RegistryException(404, 40402, "Version " + version + " not found for subject '" + subject + "'.");
    }

    static RegistryException schemaNotFound(String detail) {
        return new RegistryException(404, 40403, "Schema not found: " + detail);
    }

    static RegistryException invalidSchema(String detail) {
        return new RegistryException(422, 42201, "Invalid schema: " + detail);
    }

    static RegistryException invalidVersion(String version) {
        return new RegistryException(422, 42202, "The specified version '" + version
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    static RegistryException invalidCompatibility(String detail) {
        return new RegistryException(422, 42203, detail);
    }

    static RegistryException incompatible(String detail) {
        return new RegistryException(409, 409, "Schema being registered is incompatible with an earlier schema for"
                + " subject: " + detail);
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }
}
