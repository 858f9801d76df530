package io.zerotrust.schemas.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Entity patterns as the risk engine matches them and the console checks them. */
class EntityPatternTest {

    @Test
    void exactKeysPrefixesAndAddressRanges() {
        assertThat(EntityPattern.parse("user:alice").matches("user:alice")).isTrue();
        assertThat(EntityPattern.parse("user:alice").matches("user:alice2")).isFalse();
        assertThat(EntityPattern.parse("user:svc-*").matches("user:svc-backup")).isTrue();
        assertThat(EntityPattern.parse("user:svc-*").matches("device:svc-backup")).isFalse();
        EntityPattern v4 = EntityPattern.parse("ip:10.1.0.0/17");
        assertThat(v4.matches("ip:10.1.127.255")).isTrue();
        assertThat(v4.matches("ip:10.1.128.0")).isFalse();
        assertThat(v4.matches("ip:2001:db8::1")).isFalse();
        assertThat(v4.matches("user:10.1.0.1")).isFalse();
        EntityPattern v6 = EntityPattern.parse("ip:2001:db8::/32");
        assertThat(v6.matches("ip:2001:db8:ffff::1")).isTrue();
        assertThat(v6.matches("ip:2001:db9::1")).isFalse();
    }

    @Test
    void untypedPatternsAndNamesInsteadOfAddressesAreRefusedWithoutALookUp() {
        assertThatThrownBy(() -> EntityPattern.parse("alice")).hasMessageContaining("is not a typed key or pattern");
        assertThatThrownBy(() -> EntityPattern.parse("*")).hasMessageContaining("is not a typed key or pattern");
        assertThatThrownBy(() -> EntityPattern.parse("ip:example.com/8")).hasMessageContaining("bad address range");
        assertThatThrownBy(() -> EntityPattern.parse("ip:10.0.0.0/33")).hasMessageContaining("prefix length");
        // a host name in an entity never matches a range, and is never looked up
        assertThat(EntityPattern.parse("ip:10.0.0.0/8").matches("ip:localhost")).isFalse();
    }
}
