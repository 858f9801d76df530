package io.zerotrust.demo.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Base64;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * The demo's identity provider: an RS256 key pair made at start, tokens for the simulated people (subject = user,
 * {@code device_id} = device), and forged tokens — the same claims signed with a key the gateway does not know, as
 * an attacker without the provider's key would make them.
 */
public final class DemoIdentityProvider {

    private final KeyPair keys;
    private final PrivateKey forger;

    public DemoIdentityProvider() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            keys = g.generateKeyPair();
            forger = g.generateKeyPair().getPrivate();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the demo's signing keys: " + e.getMessage(), e);
        }
    }

    /** Writes the public key (PEM) the gateway verifies tokens with. */
    public Path writePublicKey(Path file) throws java.io.IOException {
        Files.writeString(file, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        .encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        return file;
    }

    /** A valid token for {@code user} on {@code device}, for {@code validMs} from {@code nowMs}. */
    public String token(String user, String device, long nowMs, long validMs) {
        return sign(user, device, nowMs, validMs, keys.getPrivate());
    }

    /** A token with the same claims, signed with a key the gateway does not trust. */
    public String forged(String user, String device, long nowMs, long validMs) {
        return sign(user, device, nowMs, validMs, forger);
    }

    private static String sign(String user, String device, long nowMs, long validMs, PrivateKey key) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(SimEvents.ISSUER);
        claims.setSubject(user);
        if (device != null) {
            claims.setClaim("device_id", device);
        }
        claims.setIssuedAt(NumericDate.fromMilliseconds(nowMs));
        claims.setExpirationTime(NumericDate.fromMilliseconds(nowMs + validMs));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign a demo token: " + e.getMessage(), e);
        }
    }
}
