package io.zerotrust.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardedForTest {

    private final ForwardedFor lb = ForwardedFor.trusting(List.of("127.0.0.1", "10.0.0.0/8"));

    @Test
    void aTrustedPeerNamesTheClientFromTheRight() {
        assertThat(lb.client("127.0.0.1", List.of("203.0.113.9"))).isEqualTo("203.0.113.9");
        // hops the gateway trusts are skipped; the first other address is the client, not what it claims further left
        assertThat(lb.client("127.0.0.1", List.of("198.51.100.1, 203.0.113.9, 10.1.2.3"))).isEqualTo("203.0.113.9");
        assertThat(lb.client("127.0.0.1", List.of("198.51.100.1", "203.0.113.9 , 10.1.2.3")))
                .isEqualTo("203.0.113.9");
        assertThat(lb.client("127.0.0.1", List.of("10.9.9.9, 10.1.2.3"))).as("all trusted: the leftmost")
                .isEqualTo("10.9.9.9");
        assertThat(lb.client("127.0.0.1", List.of("2001:db8::1"))).isEqualTo("2001:db8:0:0:0:0:0:1");
    }

    @Test
    void anUntrustedPeerIsTheClientWhateverItClaims() {
        assertThat(lb.client("192.0.2.44", List.of("203.0.113.9"))).isEqualTo("192.0.2.44");
        assertThat(lb.client("127.0.0.1", List.of())).isEqualTo("127.0.0.1");
        assertThat(ForwardedFor.none().client("127.0.0.1", List.of("203.0.113.9"))).isEqualTo("127.0.0.1");
        assertThat(ForwardedFor.none().trusts("127.0.0.1")).isFalse();
    }

    @Test
    void somethingThatIsNotAnAddressIsAnErrorNeverALookup() {
        assertThatThrownBy(() -> lb.client("127.0.0.1", List.of("evil.example.com")))
                .hasMessageContaining("'evil.example.com', which is not an address");
        assertThatThrownBy(() -> lb.client("127.0.0.1", List.of("203.0.113.9, unknown")))
                .hasMessageContaining("'unknown'");
    }

    @Test
    void rangesAreValidated() {
        assertThat(lb.trusts("10.200.1.1")).isTrue();
        assertThat(lb.trusts("11.0.0.1")).isFalse();
        assertThatThrownBy(() -> ForwardedFor.rule("10.0.0.0/33")).hasMessageContaining("outside 0-32");
        assertThatThrownBy(() -> ForwardedFor.rule("lb.internal")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> ForwardedFor.rule("10.0.0.0/x")).hasMessageContaining("not a number");
    }
}
