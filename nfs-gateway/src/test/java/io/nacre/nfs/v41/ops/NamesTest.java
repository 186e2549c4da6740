package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.nfs.v41.NfsException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NamesTest {

    private static int status(byte[] name) {
        try {
            Names.component(name);
            return NFS4_OK;
        } catch (NfsException e) {
            return e.status();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void componentNamesFollowRfc8881() {
        assertThat(Names.component(b("héllo wörld.txt"))).isEqualTo("héllo wörld.txt");
        assertThat(status(new byte[0])).isEqualTo(NFS4ERR_INVAL);
        assertThat(status(b("a/b"))).isEqualTo(NFS4ERR_BADCHAR);
        assertThat(status(new byte[] {'a', 0})).isEqualTo(NFS4ERR_BADCHAR);
        assertThat(status(b("."))).isEqualTo(NFS4ERR_BADNAME);
        assertThat(status(b(".."))).isEqualTo(NFS4ERR_BADNAME);
        assertThat(status(b("x".repeat(255)))).isEqualTo(NFS4_OK);
        assertThat(status(b("x".repeat(256)))).isEqualTo(NFS4ERR_NAMETOOLONG);
        assertThat(status(new byte[] {(byte) 0xff, 'a'})).as("not UTF-8").isEqualTo(NFS4ERR_INVAL);
        assertThat(status(new byte[] {'a', 'b', (byte) 0xc3})).as("cut UTF-8 after ASCII").isEqualTo(NFS4ERR_INVAL);
        assertThat(status(new byte[] {'a', (byte) 0x80, 'b'})).as("a lone continuation byte").isEqualTo(NFS4ERR_INVAL);
        StringBuilder printable = new StringBuilder();
        for (char c = 1; c < 128; c++) {
            if (c != '/') {
                printable.append(c);
            }
        }
        assertThat(Names.component(b(printable.toString()))).isEqualTo(printable.toString());
        assertThat(Names.component(b("m00042"))).isEqualTo("m00042");
    }

    @Test
    void symlinkTextMayBeAnyPathUpToPathMax() {
        assertThat(Names.linkText(b("../a/./b"))).isEqualTo("../a/./b");
        try {
            Names.linkText(b("x".repeat(4097)));
        } catch (NfsException e) {
            assertThat(e.status()).isEqualTo(NFS4ERR_NAMETOOLONG);
            return;
        }
        throw new AssertionError("a symlink longer than PATH_MAX was accepted");
    }
}
