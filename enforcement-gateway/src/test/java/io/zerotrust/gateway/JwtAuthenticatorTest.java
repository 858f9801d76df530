package io.zerotrust.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.gateway.identity.Identity;
import io.zerotrust.gateway.identity.JwtAuthenticator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwtAuthenticatorTest {

    private static final long NOW = 1_795_000_000_000L;
    private static TestTokens rsa;
    private static TestTokens ec;
    private static JwtAuthenticator auth;

    @BeforeAll
    static void keys(@TempDir Path dir) throws Exception {
        rsa = TestTokens.rsa("https://idp.example");
        ec = TestTokens.ec("https://devices.example");
        auth = new JwtAuthenticator(List.of(
                new JwtAuthenticator.Issuer(rsa.issuer, JwtAuthenticator.readPublicKey(
                        rsa.writePublicKey(dir.resolve("rsa.pem"))), null, "sub", "device_id"),
                new JwtAuthenticator.Issuer(ec.issuer, JwtAuthenticator.readPublicKey(
                        ec.writePublicKey(dir.resolve("ec.pem"))), null, "sub", "device_id")),
                Duration.ofSeconds(30), Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
    }

    @Test
    void acceptsRs256AndEs256WithUserAndDevice() throws Exception {
        Identity i = auth.authenticate("Bearer " + rsa.token("alice", "dev-1", NOW + 60_000));
        assertThat(i.outcome()).isEqualTo(AuthResult.SUCCESS);
        assertThat(i.user()).isEqualTo("alice");
        assertThat(i.deviceId()).isEqualTo("dev-1");
        assertThat(i.method()).isEqualTo(AuthMethod.JWT);
        assertThat(i.issuer()).isEqualTo("https://idp.example");

        Identity e = auth.authenticate("bearer " + ec.token("bob", null, NOW + 60_000));
        assertThat(e.authenticated()).isTrue();
        assertThat(e.user()).isEqualTo("bob");
        assertThat(e.deviceId()).isNull();
    }

    @Test
    void saysWhyATokenFails() throws Exception {
        assertThat(auth.authenticate("Bearer " + rsa.token("alice", null, NOW - 60_000)))
                .satisfies(i -> {
                    assertThat(i.failureReason()).isEqualTo("expired");
                    assertThat(i.user()).as("the claimed user is kept for the event").isEqualTo("alice");
                });
        assertThat(auth.authenticate("Bearer " + rsa.token("alice", null, NOW - 10_000)).authenticated())
                .as("within the clock skew").isTrue();
        assertThat(auth.authenticate("Bearer " + rsa.token("https://evil.example", "eve", null, NOW + 60_000))
                .failureReason()).isEqualTo("unknown_issuer");
        // signed by the EC key but claiming the RSA issuer
        assertThat(auth.authenticate("Bearer " + ec.token(rsa.issuer, "mallory", null, NOW + 60_000))
                .failureReason()).isIn("bad_signature", "bad_algorithm", "invalid_token");
        String good = rsa.token("alice", null, NOW + 60_000);
        String tampered = good.substring(0, good.lastIndexOf('.') + 1) + "AAAA" + good.substring(
                good.lastIndexOf('.') + 5);
        assertThat(auth.authenticate("Bearer " + tampered).failureReason()).isEqualTo("bad_signature");
        assertThat(auth.authenticate("Bearer not.a.jwt").failureReason()).isEqualTo("malformed");
        assertThat(auth.authenticate("Basic YWxpY2U6cHc=").failureReason()).isEqualTo("unsupported_scheme");
        assertThat(auth.authenticate(null)).isEqualTo(Identity.ANONYMOUS);
    }

    @Test
    void aRememberedTokenIsStillRefusedOnceItExpires(@TempDir Path dir) throws Exception {
        long[] now = {NOW};
        Clock moving = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now[0]);
            }
        };
        JwtAuthenticator remembering = new JwtAuthenticator(List.of(new JwtAuthenticator.Issuer(rsa.issuer,
                JwtAuthenticator.readPublicKey(rsa.writePublicKey(dir.resolve("rsa.pem"))), null, "sub",
                "device_id")), Duration.ofSeconds(30), moving);
        String token = "Bearer " + rsa.token("carol", "dev-9", NOW + 60_000);
        Identity first = remembering.authenticate(token);
        assertThat(first.authenticated()).isTrue();
        assertThat(remembering.authenticate(token)).as("the second request: remembered").isSameAs(first);
        now[0] = NOW + 60_000 + 29_000;
        assertThat(remembering.authenticate(token)).as("past expiry, within the skew").isSameAs(first);
        now[0] = NOW + 60_000 + 31_000;
        assertThat(remembering.authenticate(token).failureReason()).isEqualTo("expired");
    }
}
