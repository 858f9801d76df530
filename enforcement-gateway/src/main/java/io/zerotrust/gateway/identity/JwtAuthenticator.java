package io.zerotrust.gateway.identity;

import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.gateway.config.GatewayConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

/**
 * Verifies signed bearer tokens (JWS with RS256 or ES256) against the configured issuers' public keys, with expiry
 * and clock skew, and turns them into an {@link Identity}. A token that fails says why: {@code expired},
 * {@code not_yet_valid}, {@code bad_signature}, {@code unknown_issuer}, {@code bad_audience}, {@code malformed},
 * {@code no_user}. Thread-safe.
 *
 * <p>A verified token is remembered (up to {@link #MAX_REMEMBERED} of them) until it expires, so the requests of a
 * keep-alive connection, or the connections of a client that reuses its token, pay for the signature check once
 * instead of on every request: an RS256 or ES256 verification costs several times what proxying a request does. Only
 * successes are remembered; a remembered token is still refused once past its expiry (and skew), through the full
 * check, which then names the reason.
 */
public final class JwtAuthenticator {

    /** One trusted issuer. */
    public record Issuer(String issuer, PublicKey key, String audience, String userClaim, String deviceClaim) {
    }

    private static final AlgorithmConstraints ALGORITHMS = new AlgorithmConstraints(
            AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256,
            AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
    private static final JwtConsumer UNVERIFIED = new JwtConsumerBuilder().setSkipAllValidators()
            .setDisableRequireSignature().setSkipSignatureVerification().build();

    /** Verified tokens remembered at most; when full, the memory starts over. */
    static final int MAX_REMEMBERED = 10_000;

    /** A verified token's identity and the times between which it stays valid (skew included). */
    private record Verified(Identity identity, long fromMs, long untilMs) {
    }

    private final Map<String, Issuer> issuers = new HashMap<>();
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();
    private final Duration skew;
    private final Clock clock;

    public JwtAuthenticator(List<Issuer> issuers, Duration skew, Clock clock) {
        issuers.forEach(i -> this.issuers.put(i.issuer(), i));
        this.skew = skew;
        this.clock = clock;
    }

    public static JwtAuthenticator from(GatewayConfig config, Path configDir, Clock clock) {
        List<Issuer> issuers = config.jwtIssuers().stream().map(j -> new Issuer(j.issuer(),
                readPublicKey(configDir.resolve(j.publicKeyFile())), j.audience(),
                j.userClaim() == null ? "sub" : j.userClaim(),
                j.deviceClaim() == null ? "device_id" : j.deviceClaim())).toList();
        return new JwtAuthenticator(issuers, config.clockSkew(), clock);
    }

    /** The identity of a request from its Authorization header value (may be null). */
    public Identity authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return Identity.ANONYMOUS;
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Identity.failed(AuthMethod.JWT, "unsupported_scheme", null, null);
        }
        String token = authorization.substring(7).trim();
        Verified known = verified.get(token);
        if (known != null) {
            long now = clock.millis();
            if (now >= known.fromMs() && now < known.untilMs()) {
                return known.identity();
            }
            verified.remove(token);
        }
        JwtClaims unverified;
        try {
            unverified = UNVERIFIED.processToClaims(token);
        } catch (InvalidJwtException e) {
            return Identity.failed(AuthMethod.JWT, "malformed", null, null);
        }
        String iss;
        try {
            iss = unverified.getIssuer();
        } catch (MalformedClaimException e) {
            return Identity.failed(AuthMethod.JWT, "malformed", null, null);
        }
        Issuer issuer = iss == null ? null : issuers.get(iss);
        String claimedUser = claim(unverified, issuer == null ? "sub" : issuer.userClaim());
        if (issuer == null) {
            return Identity.failed(AuthMethod.JWT, "unknown_issuer", claimedUser, iss);
        }
        JwtConsumerBuilder builder = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds((int) skew.toSeconds())
                .setEvaluationTime(NumericDate.fromMilliseconds(clock.millis()))
                .setExpectedIssuer(iss)
                .setVerificationKey(issuer.key())
                .setJwsAlgorithmConstraints(ALGORITHMS);
        if (issuer.audience() != null) {
            builder.setExpectedAudience(issuer.audience());
        } else {
            builder.setSkipDefaultAudienceValidation();
        }
        try {
            JwtClaims claims = builder.build().processToClaims(token);
            String user = claim(claims, issuer.userClaim());
            if (user == null || user.isBlank()) {
                return Identity.failed(AuthMethod.JWT, "no_user", null, iss);
            }
            Identity identity = new Identity(user, claim(claims, issuer.deviceClaim()), AuthMethod.JWT,
                    AuthResult.SUCCESS, null, iss);
            remember(token, identity, claims);
            return identity;
        } catch (InvalidJwtException e) {
            return Identity.failed(AuthMethod.JWT, reason(e), claimedUser, iss);
        }
    }

    private void remember(String token, Identity identity, JwtClaims claims) {
        try {
            NumericDate exp = claims.getExpirationTime();
            NumericDate nbf = claims.getNotBefore();
            long skewMs = skew.toMillis();
            if (verified.size() >= MAX_REMEMBERED) {
                verified.clear();
            }
            verified.put(token, new Verified(identity, nbf == null ? Long.MIN_VALUE : nbf.getValueInMillis() - skewMs,
                    exp.getValueInMillis() + skewMs));
        } catch (MalformedClaimException | RuntimeException e) {
            // not remembered: the next request verifies it again
        }
    }

    private static String reason(InvalidJwtException e) {
        if (e.hasExpired()) {
            return "expired";
        }
        if (e.hasErrorCode(ErrorCodes.SIGNATURE_INVALID) || e.hasErrorCode(ErrorCodes.SIGNATURE_MISSING)) {
            return "bad_signature";
        }
        if (e.getMessage().contains("AlgorithmConstraints")) {
            return "bad_algorithm";
        }
        if (e.hasErrorCode(ErrorCodes.NOT_YET_VALID) || e.hasErrorCode(ErrorCodes.ISSUED_AT_INVALID_FUTURE)) {
            return "not_yet_valid";
        }
        if (e.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || e.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
            return "bad_audience";
        }
        if (e.hasErrorCode(ErrorCodes.EXPIRATION_MISSING)) {
            return "no_expiry";
        }
        if (e.getCause() != null && e.getCause().getClass().getSimpleName().contains("Signature")) {
            return "bad_signature";
        }
        return "invalid_token";
    }

    private static String claim(JwtClaims claims, String name) {
        Object v = claims.getClaimValue(name);
        return v == null ? null : v.toString();
    }

    /** Reads an X.509 SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"), RSA or EC. */
    public static PublicKey readPublicKey(Path pem) {
        try {
            String text = Files.readString(pem, StandardCharsets.US_ASCII)
                    .replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
            X509EncodedKeySpec spec = new X509EncodedKeySpec(Base64.getDecoder().decode(text));
            for (String algorithm : List.of("RSA", "EC")) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePublic(spec);
                } catch (GeneralSecurityException e) {
                    // try the next key type
                }
            }
            throw new IllegalArgumentException(pem + " holds neither an RSA nor an EC public key");
        } catch (IOException | IllegalArgumentException e) {
            throw new GatewayConfig.ConfigException("cannot read the public key " + pem
                    + ": it must be a PEM 'BEGIN PUBLIC KEY' (X.509) RSA or EC key (" + e.getMessage() + ")");
        }
    }
}
