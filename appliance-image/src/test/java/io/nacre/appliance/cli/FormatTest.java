package io.nacre.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FormatTest {

    @Test
    void modeStringShowsSetIdAndStickyBitsAsLsDoes() {
        assertThat(Format.modeString("regular", 0644)).isEqualTo("-rw-r--r--");
        assertThat(Format.modeString("directory", 01777)).isEqualTo("drwxrwxrwt");
        assertThat(Format.modeString("regular", 04755)).isEqualTo("-rwsr-xr-x");
        assertThat(Format.modeString("regular", 02644)).isEqualTo("-rw-r-Sr--");
        assertThat(Format.modeString("symlink", 0777)).isEqualTo("lrwxrwxrwx");
    }
}
