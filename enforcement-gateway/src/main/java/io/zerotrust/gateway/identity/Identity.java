package io.zerotrust.gateway.identity;

import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;

/** Who a client is, how that was established, and why it failed when it did. */
public record Identity(String user, String deviceId, AuthMethod method, AuthResult outcome, String failureReason,
                       String issuer) {

    public static final Identity ANONYMOUS = new Identity(null, null, AuthMethod.NONE, AuthResult.NOT_ATTEMPTED,
            null, null);

    public static Identity failed(AuthMethod method, String reason, String user, String issuer) {
        return new Identity(user, null, method, AuthResult.FAILURE, reason, issuer);
    }

    public boolean authenticated() {
        return outcome == AuthResult.SUCCESS;
    }

    public AuthInfo toAvro() {
        return new AuthInfo(method, outcome, failureReason, issuer); // all fields: no builder defaults to copy
    }
}
