package io.zerotrust.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;

/** A test issuer: a fresh key pair, its public key as PEM, and signed tokens. */
public final class TestTokens {

    public final String issuer;
    final KeyPair keys;
    final String algorithm;

    private TestTokens(String issuer, KeyPair keys, String algorithm) {
        this.issuer = issuer;
        this.keys = keys;
        this.algorithm = algorithm;
    }

    public static TestTokens rsa(String issuer) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return new TestTokens(issuer, g.generateKeyPair(), AlgorithmIdentifiers.RSA_USING_SHA256);
    }

    public static TestTokens ec(String issuer) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return new TestTokens(issuer, g.generateKeyPair(), AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
    }

    public Path writePublicKey(Path file) throws Exception {
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        Files.writeString(file, pem);
        return file;
    }

    /** A token for {@code user} on {@code device}, valid until {@code expiresAtMs}. */
    public String token(String user, String device, long expiresAtMs) throws Exception {
        return token(issuer, user, device, expiresAtMs);
    }

    public String token(String iss, String user, String device, long expiresAtMs) throws Exception {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(iss);
        claims.setSubject(user);
        if (device != null) {
            claims.setClaim("device_id", device);
        }
        claims.setExpirationTime(NumericDate.fromMilliseconds(expiresAtMs));
        claims.setIssuedAt(NumericDate.fromMilliseconds(expiresAtMs - 3_600_000));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(keys.getPrivate());
        jws.setAlgorithmHeaderValue(algorithm);
        return jws.getCompactSerialization();
    }
}
