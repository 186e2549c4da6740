package io.nacre.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nacre up --peers} refuses, before it starts anything, a cluster node it cannot run, in one line. */
class UpClusterArgsTest {

    @TempDir
    Path tmp;

    private String refused(String... args) {
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 3];
        all[0] = "up";
        all[1] = "--data";
        all[2] = tmp.resolve("data").toString();
        System.arraycopy(args, 0, all, 3, args.length);
        int code = Main.run(all, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").startsWith("nacre: ");
        assertThat(tmp.resolve("data")).as("nothing started").doesNotExist();
        return err.toString();
    }

    private Path secret(String text, String perms) throws Exception {
        Path f = Files.createTempFile(tmp, "secret", ".txt");
        Files.delete(f);
        Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms)));
        Files.writeString(f, text);
        return f;
    }

    @Test
    void aClusterNodeNeedsItsIdAndTheSecret() throws Exception {
        String peers = "a=127.0.0.1:19003,b=127.0.0.2:19003,c=127.0.0.3:19003";
        Path ok = secret("sixteen-or-more-chars\n", "rw-------");
        assertThat(refused("--peers", peers, "--cluster-secret", ok.toString())).contains("--node-id");
        assertThat(refused("--peers", peers, "--node-id", "a")).contains("--cluster-secret");
        assertThat(refused("--node-id", "a")).contains("--peers");
        assertThat(refused("--peers", "a=127.0.0.1:19003,b=127.0.0.2:19003", "--node-id", "a", "--cluster-secret",
                ok.toString(), "--roles", "mds,ost")).contains("1, 3 or 5");
        assertThat(refused("--peers", peers, "--node-id", "d", "--cluster-secret", ok.toString(), "--roles", "mds,ost"))
                .contains("not among the MDS peers");
        assertThat(refused("--peers", peers, "--node-id", "a", "--cluster-secret", ok.toString(), "--roles", "ost"))
                .contains("does not have the mds role");
        assertThat(refused("--peers", peers, "--node-id", "a", "--cluster-secret", ok.toString(), "--roles", "mds,web"))
                .contains("unknown role 'web'");
        assertThat(refused("--peers", peers, "--node-id", "a", "--cluster-secret", ok.toString(), "--pnfs"))
                .contains("--pnfs", "not available on a cluster node");
        assertThat(refused("--peers", "a=127.0.0.1", "--node-id", "a", "--cluster-secret", ok.toString()))
                .contains("--peers", "host:port");
        assertThat(refused("--peers", peers, "--node-id", "a", "--roles", "mds", "--cluster-secret",
                secret("sixteen-or-more-chars\n", "rw-r--r--").toString())).contains("open to others", "chmod 600");
        assertThat(refused("--peers", peers, "--node-id", "a", "--roles", "mds", "--cluster-secret",
                secret("short\n", "rw-------").toString())).contains("at least 16");
    }
}
