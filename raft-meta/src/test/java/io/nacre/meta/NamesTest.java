package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import org.junit.jupiter.api.Test;

class NamesTest {

    private static Status statusOf(Runnable r) {
        try {
            r.run();
            return null;
        } catch (NacreException e) {
            return e.status();
        }
    }

    @Test
    void namesAreSinglePathComponentsOfAtMost255Bytes() {
        assertThat(statusOf(() -> Names.checkName("ok name.txt"))).isNull();
        assertThat(statusOf(() -> Names.checkName("x".repeat(255)))).isNull();
        assertThat(statusOf(() -> Names.checkName("x".repeat(256)))).isEqualTo(Status.NAME_TOO_LONG);
        assertThat(statusOf(() -> Names.checkName("€".repeat(86)))).isEqualTo(Status.NAME_TOO_LONG);
        assertThat(statusOf(() -> Names.checkName("€".repeat(85)))).isNull();
        for (String bad : new String[] {"", ".", "..", "/", "a/", "\0"}) {
            assertThat(statusOf(() -> Names.checkName(bad))).as(bad).isEqualTo(Status.INVALID);
        }
        assertThat(statusOf(() -> Names.checkName(null))).isEqualTo(Status.INVALID);
    }

    @Test
    void xattrNamesNeedANamespace() {
        assertThat(Names.checkXattrName("user.x")).isEqualTo(Names.XattrNamespace.USER);
        assertThat(Names.checkXattrName("trusted.lov")).isEqualTo(Names.XattrNamespace.TRUSTED);
        assertThatThrownBy(() -> Names.checkXattrName("user.")).isInstanceOf(NacreException.class);
        assertThat(statusOf(() -> Names.checkXattrName("other.x"))).isEqualTo(Status.NOT_SUPPORTED);
    }

    @Test
    void printableEscapesControlCharactersAndCuts() {
        assertThat(Names.printable("a\nb")).isEqualTo("a\\x0ab");
        assertThat(Names.printable("y".repeat(200))).hasSize(83);
    }
}
