package io.nacre.appliance.node;

import static io.nacre.nfs.v41.NfsTestClient.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.nfs.v41.NfsFs;
import io.nacre.nfs.v41.NfsTestClient;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code nacre up} serves over NFSv4.1: real COMPOUNDs over its port reach the same namespace as the
 * CLI and S3, and the export table decides who may write.
 */
class NodeNfsTest {

    @TempDir
    Path tmp;

    @Test
    void aFileWrittenOverNfsIsTheFileTheCliReadsAndBack() throws Exception {
        Path data = tmp.resolve("data");
        try (Node node = Node.start(NodeOptions.ephemeral(data));
             NfsTestClient c = NfsTestClient.connect(new InetSocketAddress("127.0.0.1", node.nfsPort()))) {
            c.mount("node-nfs-test");
            NfsFs fs = new NfsFs(c, "owner");
            byte[] root = fs.root();
            byte[] dir = fs.mkdir(root, "from-nfs", 0755);
            NfsFs.Opened f = fs.create(dir, "hello.txt", 0644);
            byte[] content = "written over NFSv4.1\n".getBytes(StandardCharsets.UTF_8);
            fs.write(f, 0, content, Nfs4.FILE_SYNC4);
            fs.close(f);

            Path back = tmp.resolve("hello.txt");
            assertThat(NodeTest.cli(node, "get", "/from-nfs/hello.txt", back.toString()).code()).isZero();
            assertThat(Files.readAllBytes(back)).isEqualTo(content);

            Path local = Files.writeString(tmp.resolve("put.txt"), "put by the CLI");
            assertThat(NodeTest.cli(node, "put", local.toString(), "/from-nfs/put.txt").code()).isZero();
            NfsFs.Opened put = NfsFs.opened(fs.open(dir, "put.txt", Nfs4.OPEN4_SHARE_ACCESS_READ));
            assertThat(new String(NfsFs.data(fs.read(put.fh(), put.stateid(), 0, 4096)), StandardCharsets.UTF_8))
                    .isEqualTo("put by the CLI");
            fs.close(put);
            c.unmount();
            assertThat(node.health().roles()).containsEntry("nfs", "ok");
        }
    }

    @Test
    void anExportsFileDecidesWhoMayWrite() throws Exception {
        Path exports = Files.writeString(tmp.resolve("exports"), "# read-only for everyone\n/ 127.0.0.1(ro)\n");
        NodeOptions opts = NodeOptions.ephemeral(tmp.resolve("data"))
                .withNfs(new NfsOptions(0, NfsOptions.readExports(exports), Duration.ofSeconds(15)));
        try (Node node = Node.start(opts);
             NfsTestClient c = NfsTestClient.connect(new InetSocketAddress("127.0.0.1", node.nfsPort()))) {
            c.mount("node-nfs-ro");
            NfsFs fs = new NfsFs(c, "owner");
            byte[] root = fs.root();
            assertThat(Nfs4Status.name(fs.onFh(root, new io.nacre.nfs.v41.xdr.CreateArgs(Nfs4.NF4DIR, null, 0, 0,
                    NfsFs.bytes("d"), NfsFs.mode(0755))).status())).isEqualTo("NFS4ERR_ROFS");
            assertThat(NodeTest.cli(node, "ls", "/").out()).doesNotContain(" d\n");
            ok(fs.onFh(root, new io.nacre.nfs.v41.xdr.VoidArgs(io.nacre.nfs.v41.xdr.OpNum.GETFH)));
        }
    }

    @Test
    void aBadExportsFileIsRefusedWithItsName() throws Exception {
        Path exports = Files.writeString(tmp.resolve("exports"), "/ 127.0.0.1(rw,bogus_option)\n");
        assertThatThrownBy(() -> NfsOptions.readExports(exports))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(exports.toString()).hasMessageContaining("bogus_option");
    }
}
