package io.nacre.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizesTest {

    @Test
    void suffixesArePowersOf1024() {
        assertThat(Sizes.parse("512")).isEqualTo(512);
        assertThat(Sizes.parse("64k")).isEqualTo(65536);
        assertThat(Sizes.parse("64KB")).isEqualTo(65536);
        assertThat(Sizes.parse("4M")).isEqualTo(4L << 20);
        assertThat(Sizes.parse("2G")).isEqualTo(2L << 30);
        assertThat(Sizes.parse("1T")).isEqualTo(1L << 40);
    }

    @Test
    void garbageAndOverflowAreRefused() {
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> Sizes.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Sizes.parse("99999999999P")).hasMessageContaining("too large");
    }

    @Test
    void humanFormIsShort() {
        assertThat(Sizes.human(100)).isEqualTo("100");
        assertThat(Sizes.human(65536)).isEqualTo("64K");
        assertThat(Sizes.human(3L << 29)).isEqualTo("1.5G");
    }
}
