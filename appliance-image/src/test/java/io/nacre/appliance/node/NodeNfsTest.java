package io.nacre.appliance.node;

import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.nfs.v41.NfsFs;
import io.nacre.nfs.v41.NfsTestClient;
import io.nacre.nfs.v41.xdr.FileLayout4;
import io.nacre.nfs.v41.xdr.FileLayoutDsAddr4;
import io.nacre.nfs.v41.xdr.GetDeviceInfoArgs;
import io.nacre.nfs.v41.xdr.GetDeviceInfoRes;
import io.nacre.nfs.v41.xdr.IoBuffers;
import io.nacre.nfs.v41.xdr.Layout4;
import io.nacre.nfs.v41.xdr.LayoutGetArgs;
import io.nacre.nfs.v41.xdr.LayoutGetRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.WriteArgs;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
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

    /**
     * nacre_nfs_read_buffers_lent counts the direct READ buffers out: every READ's comes back once its reply is
     * written (a leak would hold it above 0 for good, and lower the pool silently).
     */
    @Test
    void everyReadBufferComesBackAfterItsReplyAsTheGaugeShows() throws Exception {
        try (Node node = Node.start(NodeOptions.ephemeral(tmp.resolve("data")));
             NfsTestClient c = NfsTestClient.connect(new InetSocketAddress("127.0.0.1", node.nfsPort()))) {
            c.mount("node-nfs-buffers");
            NfsFs fs = new NfsFs(c, "owner");
            byte[] content = new byte[3 << 20];
            new java.util.Random(5).nextBytes(content);
            NfsFs.Opened f = fs.create(fs.root(), "three-mib", 0644);
            for (int off = 0; off < content.length; off += 1 << 20) {
                fs.write(f, off, java.util.Arrays.copyOfRange(content, off, off + (1 << 20)), Nfs4.FILE_SYNC4);
            }
            fs.close(f);
            assertThat(gauge(node, "nacre_nfs_read_buffers_max")).isEqualTo(32);

            long reused = IoBuffers.readReused();
            NfsFs.Opened r = NfsFs.opened(fs.open(fs.root(), "three-mib", Nfs4.OPEN4_SHARE_ACCESS_READ));
            for (int round = 0; round < 3; round++) {
                for (int off = 0; off < content.length; off += 1 << 20) {
                    assertThat(NfsFs.data(fs.read(r.fh(), r.stateid(), off, 1 << 20)))
                            .isEqualTo(java.util.Arrays.copyOfRange(content, off, off + (1 << 20)));
                }
            }
            fs.close(r);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (gauge(node, "nacre_nfs_read_buffers_lent") != 0 && System.nanoTime() < deadline) {
                Thread.sleep(50); // polling, with a deadline, for the last reply's write to complete
            }
            assertThat(gauge(node, "nacre_nfs_read_buffers_lent")).as("lent after the replies").isZero();
            assertThat(IoBuffers.readReused()).as("READs went through the pool").isGreaterThan(reused);

            // and it counts one held: what a leak would look like
            ByteBuffer held = IoBuffers.takeForRead(4096);
            assertThat(IoBuffers.isReadBuffer(held)).isTrue();
            assertThat(gauge(node, "nacre_nfs_read_buffers_lent")).isEqualTo(1);
            IoBuffers.give(held);
            assertThat(gauge(node, "nacre_nfs_read_buffers_lent")).isZero();
        }
    }

    /** A gauge's value in the node's GET /metrics. */
    static long gauge(Node node, String name) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.adminUri() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().lines().filter(l -> l.startsWith(name + " ")).findFirst()
                .map(l -> (long) Double.parseDouble(l.substring(name.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError(name + " is not in /metrics"));
    }

    @Test
    void withPnfsTheNodeHandsOutFileLayoutsOnItsDataServer() throws Exception {
        NodeOptions opts = NodeOptions.ephemeral(tmp.resolve("data"))
                .withNfs(NfsOptions.defaults().withPort(0).withPnfs(0));
        try (Node node = Node.start(opts);
             NfsTestClient c = NfsTestClient.connect(new InetSocketAddress("127.0.0.1", node.nfsPort()))) {
            c.mount("node-pnfs");
            assertThat(c.exchangeFlags() & Nfs4.EXCHGID4_FLAG_MASK_PNFS).isEqualTo(Nfs4.EXCHGID4_FLAG_USE_PNFS_MDS);
            NfsFs fs = new NfsFs(c, "owner");
            NfsFs.Opened f = fs.create(fs.root(), "laid-out.bin", 0644);
            LayoutGetRes lg = result(ok(fs.onFh(f.fh(), new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES,
                    Nfs4.LAYOUTIOMODE4_RW, 0, -1L, 0, f.stateid(), 1 << 20))), OpNum.LAYOUTGET)
                    .body(LayoutGetRes.class);
            Layout4 layout = lg.layouts().get(0);
            // whole file: the Linux file-layout driver uses nothing else
            assertThat(layout.offset()).isZero();
            assertThat(layout.length()).isEqualTo(-1L);
            FileLayout4 body = FileLayout4.decode(XdrIo.decoder(layout.body()));
            GetDeviceInfoRes di = result(ok(c.call(new GetDeviceInfoArgs(body.deviceId(), Nfs4.LAYOUT4_NFSV4_1_FILES,
                    1 << 16, new int[0]))), OpNum.GETDEVICEINFO).body(GetDeviceInfoRes.class);
            FileLayoutDsAddr4 device = FileLayoutDsAddr4.decode(XdrIo.decoder(di.addrBody()));
            int port = node.nfsDataServerPort();
            assertThat(device.dataServers().get(0).get(0).uaddr())
                    .isEqualTo("127.0.0.1." + (port >> 8) + "." + (port & 255));

            // the data server named there takes the stripe's bytes under the signed handle
            try (NfsTestClient ds = NfsTestClient.connect(new InetSocketAddress("127.0.0.1", port))) {
                ds.mount("node-pnfs");
                assertThat(ds.exchangeFlags() & Nfs4.EXCHGID4_FLAG_MASK_PNFS)
                        .isEqualTo(Nfs4.EXCHGID4_FLAG_USE_PNFS_DS);
                byte[] bytes = "straight to the OST\n".getBytes(StandardCharsets.UTF_8);
                ok(ds.call(new PutfhArgs(body.fhs().get(0)),
                        new WriteArgs(lg.stateid(), 0, Nfs4.FILE_SYNC4, ByteBuffer.wrap(bytes))));
                ReadRes r = result(ok(ds.call(new PutfhArgs(body.fhs().get(0)),
                        new ReadArgs(Stateid4.ANONYMOUS, 0, bytes.length))), OpNum.READ).body(ReadRes.class);
                assertThat(NfsFs.data(r)).isEqualTo(bytes);
                ds.unmount();
            }
            assertThat(node.health().roles()).containsEntry("nfs-ds", "ok");
        }
    }

    @Test
    void withoutPnfsTheNodeServesNoLayouts() throws Exception {
        try (Node node = Node.start(NodeOptions.ephemeral(tmp.resolve("data")));
             NfsTestClient c = NfsTestClient.connect(new InetSocketAddress("127.0.0.1", node.nfsPort()))) {
            c.mount("node-no-pnfs");
            assertThat(c.exchangeFlags() & Nfs4.EXCHGID4_FLAG_MASK_PNFS).isEqualTo(Nfs4.EXCHGID4_FLAG_USE_NON_PNFS);
            assertThat(node.nfsDataServerPort()).isEqualTo(-1);
            assertThat(node.health().roles()).doesNotContainKey("nfs-ds");
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
