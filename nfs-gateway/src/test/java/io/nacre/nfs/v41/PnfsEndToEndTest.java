package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsFs.bytes;
import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;
import static io.nacre.nfs.v41.xdr.Nfs4Status.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Striping;
import io.nacre.engine.meta.Attr;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.ds.DataServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.pnfs.DsHandles;
import io.nacre.nfs.v41.pnfs.LayoutFence;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.pnfs.PnfsOptions;
import io.nacre.nfs.v41.xdr.CbLayoutRecallArgs;
import io.nacre.nfs.v41.xdr.CommitArgs;
import io.nacre.nfs.v41.xdr.CommitRes;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.FileLayout4;
import io.nacre.nfs.v41.xdr.FileLayoutDsAddr4;
import io.nacre.nfs.v41.xdr.GetDeviceInfoArgs;
import io.nacre.nfs.v41.xdr.GetDeviceInfoRes;
import io.nacre.nfs.v41.xdr.GetDeviceListArgs;
import io.nacre.nfs.v41.xdr.GetDeviceListRes;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetattrRes;
import io.nacre.nfs.v41.xdr.Layout4;
import io.nacre.nfs.v41.xdr.LayoutCommitArgs;
import io.nacre.nfs.v41.xdr.LayoutCommitRes;
import io.nacre.nfs.v41.xdr.LayoutGetArgs;
import io.nacre.nfs.v41.xdr.LayoutGetRes;
import io.nacre.nfs.v41.xdr.LayoutReturnArgs;
import io.nacre.nfs.v41.xdr.LayoutReturnRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.NfsTime4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.RemoveArgs;
import io.nacre.nfs.v41.xdr.RenameArgs;
import io.nacre.nfs.v41.xdr.SetattrArgs;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import io.nacre.nfs.v41.xdr.WriteArgs;
import io.nacre.nfs.v41.xdr.WriteRes;
import io.nacre.nfs.v41.xdr.XdrIo;
import io.nacre.ost.oss.OssServer;
import io.nacre.ost.oss.RemoteObjectStore;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pNFS end to end: a real core (one MDS peer, four OSTs), the NFS server as pNFS metadata server, and two
 * data servers on loopback standing for two OSS nodes (OSTs 0 and 2 on one, 1 and 3 on the other). The
 * test client gets layouts from the MDS and does its I/O on the data servers, over real ONC RPC.
 */
class PnfsEndToEndTest {

    private static final int STRIPE = 64 * 1024;

    @TempDir
    Path dir;

    private EmbeddedCore core;
    private FileIo fileIo;
    private NfsServer server;
    private final List<DataServer> dataServers = new ArrayList<>();
    private final List<NfsTestClient> clients = new ArrayList<>();
    private final LayoutFence fence = new LayoutFence();
    /** The data server of each OST. */
    private final Map<Integer, InetSocketAddress> byOst = new HashMap<>();

    @BeforeEach
    void start() throws Exception {
        core = EmbeddedCore.start(dir);
        byte[] secret = DsHandles.clusterSecret(core.metadata());
        for (int i = 0; i < 2; i++) {
            dataServers.add(DataServer.builder(core.objects(), core.metadata().fsid(), secret).port(0).fence(fence)
                    .build().start());
        }
        for (int ost = 0; ost < EmbeddedCore.DEFAULT_OSTS; ost++) {
            byOst.put(ost, dataServers.get(ost % 2).address());
        }
        fileIo = new FileIo(core.metadata(), core.objects());
        server = metadataServer(fileIo, Duration.ofSeconds(1));
        // new files under /striped get four stripes of 64 KiB
        Fid striped = core.metadata().create(Caller.ROOT, Fid.ROOT, "striped",
                io.nacre.engine.meta.CreateSpec.directory(0777)).attr().fid();
        core.metadata().setDefaultLayout(Caller.ROOT, striped, LayoutTemplate.of(4, STRIPE, ""));
    }

    /**
     * The NFS server in the pNFS metadata-server role over {@code io}, with the test's data servers; its
     * calls to the OSTs for attributes get {@code ostTimeout}.
     */
    private NfsServer metadataServer(FileIo io, Duration ostTimeout) throws java.io.IOException {
        return NfsServer.builder(core.metadata(), io).port(0)
                .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)")).leaseTime(Duration.ofSeconds(5))
                .pnfs(PnfsOptions.dataServers(byOst).withRecallTimeout(Duration.ofSeconds(2)).withFence(fence)
                        .withGlimpseTimeout(ostTimeout))
                .build().start();
    }

    /**
     * A metadata server that reaches the OSTs through their OSS over HTTP/2, as on a cluster node; the OSS
     * can be stopped (a node down) and started again on its port. The data servers still reach the OSTs
     * directly.
     */
    private final class OverOss implements AutoCloseable {
        private OssServer oss = OssServer.builder(core.objects()).build().start();
        private final int port = oss.port();
        // a first call over HTTP/2 (connection, warm-up) can take more than a second on a loaded machine
        // (a CI run at load 16 took over 2 s and marked the node down, so the glimpse fell back to the MDS's
        // size); an OSS that is down fails at once (connection refused), whatever these deadlines
        private final RemoteObjectStore remote = RemoteObjectStore.builder(oss.uri())
                .callTimeout(Duration.ofSeconds(10)).build();
        private final FileIo io = new FileIo(core.metadata(), remote);
        private final NfsServer mds = metadataServer(io, Duration.ofSeconds(10));

        OverOss() throws java.io.IOException {
        }

        NfsFs mount(String owner) throws Exception {
            return new NfsFs(connect(mds.address(), owner), owner + "-open-owner");
        }

        void stopOss() {
            oss.close();
        }

        /** Starts the OSS again and waits (at most 10 s) until the metadata server's client finds it up. */
        void restartOss() {
            oss = OssServer.builder(core.objects()).port(port).build().start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!remote.isUp()) {
                assertThat(System.nanoTime()).as("the OSS answers again within 10 s").isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }

        @Override
        public void close() {
            mds.close();
            io.close();
            remote.close();
            oss.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (NfsTestClient c : clients) {
            c.close();
        }
        server.close();
        for (DataServer ds : dataServers) {
            ds.close();
        }
        fileIo.close();
        core.close();
    }

    private NfsTestClient connect(InetSocketAddress a, String owner) throws Exception {
        NfsTestClient c = NfsTestClient.connect(a).mount(owner);
        clients.add(c);
        return c;
    }

    private NfsFs mount(String owner) throws Exception {
        return new NfsFs(connect(server.address(), owner), owner + "-open-owner");
    }

    /** A layout as the client sees it: the range, the stateid, the file layout body and its device. */
    record Granted(Layout4 layout, Stateid4 stateid, FileLayout4 file, FileLayoutDsAddr4 device) {
    }

    private CompoundRes layoutGet(NfsFs fs, byte[] fh, Stateid4 stateid, int iomode) throws Exception {
        return fs.onFh(fh, new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES, iomode, 0, -1L, 0, stateid, 1 << 20));
    }

    private Granted granted(NfsFs fs, CompoundRes r) throws Exception {
        LayoutGetRes lg = result(ok(r), OpNum.LAYOUTGET).body(LayoutGetRes.class);
        assertThat(lg.layouts()).hasSize(1);
        Layout4 l = lg.layouts().get(0);
        FileLayout4 body = FileLayout4.decode(XdrIo.decoder(l.body()));
        GetDeviceInfoRes di = result(ok(fs.client().call(new GetDeviceInfoArgs(body.deviceId(),
                Nfs4.LAYOUT4_NFSV4_1_FILES, 1 << 16, new int[0]))), OpNum.GETDEVICEINFO).body(GetDeviceInfoRes.class);
        return new Granted(l, lg.stateid(), body, FileLayoutDsAddr4.decode(XdrIo.decoder(di.addrBody())));
    }

    /** The data-server client for stripe {@code stripe} of a layout, found by the port in its universal address. */
    private NfsTestClient dsFor(Granted g, int stripe, Map<Integer, NfsTestClient> byPort) {
        String uaddr = g.device().dataServers().get(g.device().stripeIndices()[stripe]).get(0).uaddr();
        String[] p = uaddr.split("\\.");
        int port = Integer.parseInt(p[4]) * 256 + Integer.parseInt(p[5]);
        return byPort.get(port);
    }

    private Map<Integer, NfsTestClient> dsClients(String owner) throws Exception {
        Map<Integer, NfsTestClient> byPort = new HashMap<>();
        for (DataServer ds : dataServers) {
            NfsTestClient c = connect(ds.address(), owner);
            assertThat(c.exchangeFlags() & Nfs4.EXCHGID4_FLAG_MASK_PNFS).isEqualTo(Nfs4.EXCHGID4_FLAG_USE_PNFS_DS);
            byPort.put(ds.address().getPort(), c);
        }
        return byPort;
    }

    @Test
    void theMetadataServerAdvertisesFileLayouts() throws Exception {
        NfsFs fs = mount("attrs");
        assertThat(fs.client().exchangeFlags() & Nfs4.EXCHGID4_FLAG_MASK_PNFS)
                .isEqualTo(Nfs4.EXCHGID4_FLAG_USE_PNFS_MDS);
        var x = fs.getattr(fs.root(), AttrNum.FS_LAYOUT_TYPES, AttrNum.LAYOUT_BLKSIZE);
        assertThat(x.xdrDecodeInt()).isEqualTo(1);
        assertThat(x.xdrDecodeInt()).isEqualTo(Nfs4.LAYOUT4_NFSV4_1_FILES);
        assertThat(x.xdrDecodeInt()).isEqualTo(1 << 20);
    }

    @Test
    void clientStripesWritesStraightToTheDataServersTheLayoutNames() throws Exception {
        NfsFs fs = mount("writer");
        byte[] dirFh = fs.lookup(fs.root(), "striped");
        NfsFs.Opened f = fs.create(dirFh, "data.bin", 0644);
        Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));

        // the layout says what the core's layout says: 4 stripes of 64 KiB from offset 0, densely packed
        Fid fid = core.metadata().lookup(Caller.ROOT, core.metadata().lookup(Caller.ROOT, Fid.ROOT, "striped").fid(),
                "data.bin").fid();
        Layout coreLayout = core.metadata().layout(fid);
        List<ObjectRef> objects = coreLayout.components().get(0).raid0().objects();
        assertThat(g.layout().offset()).isZero();
        assertThat(g.layout().length()).isEqualTo(-1L);
        assertThat(g.layout().iomode()).isEqualTo(Nfs4.LAYOUTIOMODE4_RW);
        assertThat(g.file().util() & FileLayout4.NFL4_UFLG_STRIPE_UNIT_SIZE_MASK).isEqualTo(STRIPE);
        assertThat(g.file().util() & FileLayout4.NFL4_UFLG_DENSE).isNotZero();
        assertThat(g.file().util() & FileLayout4.NFL4_UFLG_COMMIT_THRU_MDS).isZero();
        assertThat(g.file().firstStripeIndex()).isZero();
        assertThat(g.file().patternOffset()).isZero();
        assertThat(g.file().fhs()).hasSize(4);
        for (int s = 0; s < 4; s++) {
            int expectPort = dataServers.get(objects.get(s).ost() % 2).address().getPort();
            String uaddr = g.device().dataServers().get(g.device().stripeIndices()[s]).get(0).uaddr();
            assertThat(uaddr).as("stripe %d", s).isEqualTo("127.0.0.1." + (expectPort >> 8) + "." + (expectPort & 255));
        }

        // write 2.5 rows of stripes, unit by unit, to the data server of each stripe, unstable
        Map<Integer, NfsTestClient> ds = dsClients("writer");
        byte[] data = new byte[STRIPE * 10 + 1000];
        new Random(7).nextBytes(data);
        Map<Integer, Long> verifiers = new HashMap<>();
        for (int off = 0; off < data.length; off += STRIPE) {
            int n = Math.min(STRIPE, data.length - off);
            Striping.Location loc = Striping.locate(0, STRIPE, 4, off);
            WriteRes w = result(ok(dsFor(g, loc.stripe(), ds).call(new PutfhArgs(g.file().fhs().get(loc.stripe())),
                    new WriteArgs(g.stateid(), loc.objectOffset(), Nfs4.UNSTABLE4,
                            ByteBuffer.wrap(data, off, n)))), OpNum.WRITE).body(WriteRes.class);
            assertThat(w.count()).isEqualTo(n);
            assertThat(w.committed()).isEqualTo(Nfs4.UNSTABLE4);
            verifiers.put(loc.stripe(), w.verifier());
        }
        for (int s = 0; s < 4; s++) {
            CommitRes c = result(ok(dsFor(g, s, ds).call(new PutfhArgs(g.file().fhs().get(s)), new CommitArgs(0, 0))),
                    OpNum.COMMIT).body(CommitRes.class);
            assertThat(c.verifier()).as("stripe %d", s).isEqualTo(verifiers.get(s));
        }
        // the MDS learns the size from LAYOUTCOMMIT
        NfsTime4 mtime = new NfsTime4(1_700_000_000L, 5);
        LayoutCommitRes lc = result(ok(fs.onFh(f.fh(), new LayoutCommitArgs(0, -1L, false, g.stateid(),
                (long) data.length - 1, mtime, Nfs4.LAYOUT4_NFSV4_1_FILES, new byte[0]))), OpNum.LAYOUTCOMMIT)
                .body(LayoutCommitRes.class);
        assertThat(lc.newSize()).isEqualTo(data.length);
        assertThat(core.metadata().getattr(fid).size()).isEqualTo(data.length);
        assertThat(core.metadata().getattr(fid).mtime()).isEqualTo(mtime.toNanos());

        // the bytes are on the OSTs the layout names: stripe 1's object starts with the file's second unit
        ByteBuffer second = ByteBuffer.allocate(STRIPE);
        core.objects().read(objects.get(1), 0, second);
        assertThat(Arrays.equals(second.array(), 0, STRIPE, data, STRIPE, 2 * STRIPE)).isTrue();
        // and the MDS's own READ (proxy I/O) sees what was written to the data servers
        assertThat(Arrays.equals(readAll(fs, f), data)).as("read through the MDS").isTrue();
        // a data-server READ of stripe 2 (units 2, 6 and the last 1000 bytes) past its object's end reads the
        // hole there as zeros, in full and without eof (the data server does not know where the file ends)
        ReadRes r = result(ok(dsFor(g, 2, ds).call(new PutfhArgs(g.file().fhs().get(2)),
                new ReadArgs(Stateid4.ANONYMOUS, 0, 4 * STRIPE))), OpNum.READ).body(ReadRes.class);
        byte[] stripe2 = NfsFs.data(r);
        assertThat(stripe2.length).isEqualTo(4 * STRIPE);
        assertThat(Arrays.equals(stripe2, 0, STRIPE, data, 2 * STRIPE, 3 * STRIPE)).isTrue();
        assertThat(Arrays.equals(stripe2, STRIPE, 2 * STRIPE, data, 6 * STRIPE, 7 * STRIPE)).isTrue();
        assertThat(Arrays.equals(stripe2, 2 * STRIPE, 2 * STRIPE + 1000, data, 10 * STRIPE, data.length)).isTrue();
        assertThat(Arrays.equals(stripe2, 2 * STRIPE + 1000, 4 * STRIPE, new byte[4 * STRIPE], 0,
                2 * STRIPE - 1000)).isTrue();
        assertThat(r.eof()).isFalse();
        // GETATTR on a data server gives the object's size
        GetattrRes ga = result(ok(dsFor(g, 0, ds).call(new PutfhArgs(g.file().fhs().get(0)),
                new GetattrArgs(Bitmap.of(AttrNum.TYPE, AttrNum.SIZE)))), OpNum.GETATTR).body(GetattrRes.class);
        var attrs = XdrIo.decoder(ga.attrs().values());
        assertThat(attrs.xdrDecodeInt()).isEqualTo(Nfs4.NF4REG);
        assertThat(attrs.xdrDecodeLong()).isEqualTo(3L * STRIPE);

        // returning the whole layout leaves no layout stateid
        LayoutReturnRes ret = result(ok(fs.onFh(f.fh(), returnFile(g.stateid()))), OpNum.LAYOUTRETURN)
                .body(LayoutReturnRes.class);
        assertThat(ret.stateid()).isNull();
        assertThat(fs.onFh(f.fh(), new LayoutCommitArgs(0, -1L, false, g.stateid(), 10L, null,
                Nfs4.LAYOUT4_NFSV4_1_FILES, new byte[0])).status()).isEqualTo(NFS4ERR_BAD_STATEID);
        fs.close(f);
    }

    private static byte[] readAll(NfsFs fs, NfsFs.Opened f) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long pos = 0;
        while (true) {
            ReadRes r = fs.read(f.fh(), f.stateid(), pos, 1 << 20);
            byte[] chunk = NfsFs.data(r);
            out.write(chunk);
            pos += chunk.length;
            if (r.eof()) {
                return out.toByteArray();
            }
        }
    }

    private static LayoutReturnArgs returnFile(Stateid4 s) {
        return new LayoutReturnArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_ANY,
                Nfs4.LAYOUTRECALL4_FILE, 0, -1L, s, new byte[0]);
    }

    /** Writes {@code data} at file offset {@code offset} (within one stripe unit) to the data server of its stripe. */
    private WriteRes dsWrite(Granted g, Map<Integer, NfsTestClient> ds, long offset, byte[] data, int stable)
            throws Exception {
        Striping.Location loc = Striping.locate(0, STRIPE, 4, offset);
        assertThat(loc.objectOffset() % STRIPE + data.length).as("one stripe unit").isLessThanOrEqualTo(STRIPE);
        return result(ok(dsFor(g, loc.stripe(), ds).call(new PutfhArgs(g.file().fhs().get(loc.stripe())),
                new WriteArgs(g.stateid(), loc.objectOffset(), stable, ByteBuffer.wrap(data)))), OpNum.WRITE)
                .body(WriteRes.class);
    }

    private static LayoutCommitArgs layoutCommit(Stateid4 layout, long lastWrite) {
        return new LayoutCommitArgs(0, -1L, false, layout, lastWrite, null, Nfs4.LAYOUT4_NFSV4_1_FILES, new byte[0]);
    }

    private static long sizeIn(CompoundRes r) throws Exception {
        return XdrIo.decoder(result(ok(r), OpNum.GETATTR).body(GetattrRes.class).attrs().values()).xdrDecodeLong();
    }

    /** A file created under /striped with a write layout, and the client's data-server connections. */
    private record Writing(byte[] dir, NfsFs.Opened f, Granted g, Map<Integer, NfsTestClient> ds) {
    }

    /** Creates {@code name} under /striped and gets a write layout of it, as the client of {@code fs}. */
    private Writing writing(NfsFs fs, String owner, String name) throws Exception {
        byte[] dir = fs.lookup(fs.root(), "striped");
        NfsFs.Opened f = fs.create(dir, name, 0644);
        Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        return new Writing(dir, f, g, dsClients(owner));
    }

    @Test
    void whileAWriteLayoutIsOutTheSizeIsWhatTheDataServersHold() throws Exception {
        // namespace-ops of the kernel workload: exec 5>>f; printf c >&5; printf d >>f. "c" reached the data
        // server, no LAYOUTCOMMIT had, and the second open must see it or "d" lands over it
        NfsFs fs = mount("appender");
        Writing w = writing(fs, "appender", "ap");
        byte[] dirFh = w.dir();
        NfsFs.Opened f = w.f();
        Granted g = w.g();
        Map<Integer, NfsTestClient> ds = w.ds();
        dsWrite(g, ds, 0, bytes("a\nb\n"), Nfs4.FILE_SYNC4);
        ok(fs.onFh(f.fh(), layoutCommit(g.stateid(), 3)));
        long change = fs.getattr(f.fh(), AttrNum.CHANGE).xdrDecodeLong();

        dsWrite(g, ds, 4, bytes("c\n"), Nfs4.FILE_SYNC4);
        assertThat(fs.size(f.fh())).as("GETATTR").isEqualTo(6);
        // the second open, as Linux sends it: OPEN by name and GETATTR in one compound
        assertThat(sizeIn(fs.onFh(dirFh, io.nacre.nfs.v41.xdr.OpenArgs.byName(new io.nacre.nfs.v41.xdr.StateOwner4(
                fs.client().clientid(), bytes("appender-second-open")), Nfs4.OPEN4_SHARE_ACCESS_WRITE, 0, bytes("ap")),
                new GetattrArgs(Bitmap.of(AttrNum.SIZE))))).as("OPEN, GETATTR").isEqualTo(6);
        // a unit of stripe 2, past the others: the striping math gives the file offset of the object's end
        dsWrite(g, ds, 2L * STRIPE + 100, bytes("z"), Nfs4.UNSTABLE4);
        assertThat(fs.size(f.fh())).isEqualTo(2L * STRIPE + 101);
        // the change attribute moves when the MDS records the writes (LAYOUTCOMMIT), not before
        assertThat(fs.getattr(f.fh(), AttrNum.CHANGE).xdrDecodeLong()).isEqualTo(change);
        assertThat(core.metadata().getattr(fidOf(fs, f)).size()).isEqualTo(4);
        ok(fs.onFh(f.fh(), layoutCommit(g.stateid(), 2L * STRIPE + 100)));
        assertThat(fs.getattr(f.fh(), AttrNum.CHANGE).xdrDecodeLong()).isNotEqualTo(change);
        assertThat(core.metadata().getattr(fidOf(fs, f)).size()).isEqualTo(2L * STRIPE + 101);
    }

    @Test
    void withoutAWriteLayoutTheSizeIsTheMetadataServers() throws Exception {
        NfsFs fs = mount("reader");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "quiet", 0644);
        fs.write(f, 0, bytes("four"), Nfs4.FILE_SYNC4);
        granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_READ));
        // bytes on an object that no write layout accounts for (nothing is asked of the OSTs without one)
        ObjectRef first = core.metadata().layout(fidOf(fs, f)).components().get(0).raid0().objects().get(0);
        core.objects().write(first, 4, ByteBuffer.wrap(bytes("more")), io.nacre.engine.store.Durability.STABLE);
        assertThat(fs.size(f.fh())).isEqualTo(4);
        ReadRes r = fs.read(f.fh(), f.stateid(), 0, 100);
        assertThat(NfsFs.data(r)).as("a READ through the MDS").isEqualTo(bytes("four"));
        assertThat(r.eof()).isTrue();
    }

    @Test
    void aReadThroughTheMetadataServerSeesWhatAWriterPutOnTheDataServersBeforeItsLayoutCommit() throws Exception {
        NfsFs writer = mount("ds-writer");
        Writing w = writing(writer, "ds-writer", "fresh");
        dsWrite(w.g(), w.ds(), 0, bytes("first unit"), Nfs4.FILE_SYNC4);
        dsWrite(w.g(), w.ds(), STRIPE, bytes("second"), Nfs4.UNSTABLE4);

        // a second client without a layout (pNFS off, or its LAYOUTGET refused) reads through the MDS
        NfsFs reader = mount("proxy-reader");
        NfsFs.Opened r = NfsFs.opened(reader.open(w.dir(), "fresh", Nfs4.OPEN4_SHARE_ACCESS_READ));
        assertThat(reader.size(r.fh())).isEqualTo(STRIPE + 6L);
        ReadRes head = reader.read(r.fh(), r.stateid(), 0, 10);
        assertThat(NfsFs.data(head)).isEqualTo(bytes("first unit"));
        assertThat(head.eof()).isFalse();
        ReadRes tail = reader.read(r.fh(), r.stateid(), STRIPE - 4, 100);
        byte[] expected = new byte[10];
        System.arraycopy(bytes("second"), 0, expected, 4, 6);
        assertThat(NfsFs.data(tail)).as("the end of stripe 0's unit (a hole), then stripe 1's").isEqualTo(expected);
        assertThat(tail.eof()).isTrue();
        assertThat(core.metadata().getattr(fidOf(writer, w.f())).size()).as("nothing committed yet").isZero();
    }

    @Test
    void aGlimpseTheOstsDoNotAnswerInTimeFallsBackToTheMetadataServersSize() throws Exception {
        NfsFs fs = mount("stuck");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "stuck", 0644);
        Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        dsWrite(g, dsClients("stuck"), 0, bytes("unrecorded"), Nfs4.FILE_SYNC4);
        assertThat(fs.size(f.fh())).isEqualTo(10);
        io.nacre.engine.fault.Faults.arm(MetadataServerRole.FAULT_GLIMPSE, io.nacre.engine.fault.Faults.Fault.sleep(5_000));
        try {
            long t0 = System.nanoTime();
            assertThat(fs.size(f.fh())).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
            io.nacre.engine.fault.Faults.arm(MetadataServerRole.FAULT_GLIMPSE, io.nacre.engine.fault.Faults.Fault.fail());
            assertThat(fs.size(f.fh())).as("an OST that fails").isZero();
        } finally {
            io.nacre.engine.fault.Faults.disarm(MetadataServerRole.FAULT_GLIMPSE);
        }
        assertThat(fs.size(f.fh())).isEqualTo(10);
    }

    @Test
    void aSpaceUsedTheOstsDoNotAnswerInTimeIsTheMetadataServersEstimate() throws Exception {
        NfsFs fs = mount("slow-osts");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "slow", 0644);
        fs.write(f, 0, new byte[3 * STRIPE], Nfs4.FILE_SYNC4);
        fs.close(f);
        long estimate = core.metadata().getattr(fidOf(fs, f)).spaceUsed();
        io.nacre.engine.fault.Faults.arm(CompoundContext.FAULT_SPACE_USED, io.nacre.engine.fault.Faults.Fault.sleep(5_000));
        try {
            long t0 = System.nanoTime();
            assertThat(fs.getattr(f.fh(), AttrNum.SPACE_USED).xdrDecodeLong()).isEqualTo(estimate);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
            io.nacre.engine.fault.Faults.arm(CompoundContext.FAULT_SPACE_USED, io.nacre.engine.fault.Faults.Fault.fail());
            assertThat(fs.getattr(f.fh(), AttrNum.SPACE_USED).xdrDecodeLong()).as("an OST that fails").isEqualTo(estimate);
        } finally {
            io.nacre.engine.fault.Faults.disarm(CompoundContext.FAULT_SPACE_USED);
        }
    }

    @Test
    void whileAWriteLayoutIsOutTheGlimpsesStatsAnswerSpaceUsedToo() throws Exception {
        // Linux asks size and space_used together (a CLOSE's GETATTR, LAYOUTCOMMIT's): the glimpse stats every
        // object for the size, and the same stats give space_used; a second round of stats cost an OSS round trip
        // more, and a second timeout when an OSS is away
        NfsFs fs = mount("one-ask");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "once", 0644);
        Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        Map<Integer, NfsTestClient> ds = dsClients("one-ask");
        dsWrite(g, ds, 0, bytes("first stripe"), Nfs4.FILE_SYNC4);
        dsWrite(g, ds, 2L * STRIPE, bytes("third"), Nfs4.FILE_SYNC4);
        Attr known = core.metadata().getattr(fidOf(fs, f));
        assertThat(known.size()).as("nothing committed").isZero();
        io.nacre.engine.fault.Faults.arm(CompoundContext.FAULT_SPACE_USED, io.nacre.engine.fault.Faults.Fault.fail());
        try {
            var both = fs.getattr(f.fh(), AttrNum.SIZE, AttrNum.SPACE_USED);
            assertThat(both.xdrDecodeLong()).as("glimpsed size").isEqualTo(2L * STRIPE + 5);
            assertThat(both.xdrDecodeLong()).as("space_used from the glimpse's stats")
                    .isEqualTo(fileIo.spaceUsed(known.fid())).isNotEqualTo(known.spaceUsed());
            assertThat(io.nacre.engine.fault.Faults.hits(CompoundContext.FAULT_SPACE_USED)).as("asked again").isZero();

            io.nacre.engine.fault.Faults.arm(MetadataServerRole.FAULT_GLIMPSE, io.nacre.engine.fault.Faults.Fault.fail());
            var failed = fs.getattr(f.fh(), AttrNum.SIZE, AttrNum.SPACE_USED);
            assertThat(failed.xdrDecodeLong()).as("the MDS's size").isZero();
            assertThat(failed.xdrDecodeLong()).as("the MDS's estimate").isEqualTo(known.spaceUsed());
            assertThat(io.nacre.engine.fault.Faults.hits(MetadataServerRole.FAULT_GLIMPSE)).isEqualTo(1);
            assertThat(io.nacre.engine.fault.Faults.hits(CompoundContext.FAULT_SPACE_USED))
                    .as("the OSTs failed once: not asked again in the same GETATTR").isZero();
        } finally {
            io.nacre.engine.fault.Faults.disarm(MetadataServerRole.FAULT_GLIMPSE);
            io.nacre.engine.fault.Faults.disarm(CompoundContext.FAULT_SPACE_USED);
        }
    }

    @Test
    void spaceUsedIsAskedOfTheOstsOncePerChangeAndAgainAfterAWriteLayoutWasOut() throws Exception {
        // Linux asks space_used in every GETATTR (each stat, OPEN and CLOSE): without a write layout out, the
        // objects hold what they held at the same change attribute, and asking every OSS again cost a round trip
        NfsFs fs = mount("kept");
        Writing w = writing(fs, "kept", "kept");
        dsWrite(w.g(), w.ds(), 0, bytes("first stripe"), Nfs4.FILE_SYNC4);
        dsWrite(w.g(), w.ds(), 2L * STRIPE, bytes("third"), Nfs4.FILE_SYNC4);
        ok(fs.onFh(w.f().fh(), layoutCommit(w.g().stateid(), 2L * STRIPE + 4)));
        ok(fs.onFh(w.f().fh(), returnFile(w.g().stateid())));
        Fid fid = fidOf(fs, w.f());
        io.nacre.engine.fault.Faults.arm(CompoundContext.FAULT_SPACE_USED, io.nacre.engine.fault.Faults.Fault.sleep(0));
        try {
            long first = fs.getattr(w.f().fh(), AttrNum.SPACE_USED).xdrDecodeLong();
            assertThat(first).isEqualTo(fileIo.spaceUsed(fid)).isPositive();
            long change = fs.getattr(w.f().fh(), AttrNum.CHANGE).xdrDecodeLong();
            assertThat(fs.getattr(w.f().fh(), AttrNum.SPACE_USED).xdrDecodeLong()).isEqualTo(first);
            assertThat(io.nacre.engine.fault.Faults.hits(CompoundContext.FAULT_SPACE_USED)).as("OSTs asked").isEqualTo(1);

            // a write layout again: the client fills the second stripe's hole, within the size, and gives the
            // layout back without a LAYOUTCOMMIT: the change attribute stays, the objects hold more
            Granted again = granted(fs, layoutGet(fs, w.f().fh(), w.f().stateid(), Nfs4.LAYOUTIOMODE4_RW));
            dsWrite(again, w.ds(), STRIPE, bytes("second"), Nfs4.FILE_SYNC4);
            ok(fs.onFh(w.f().fh(), returnFile(again.stateid())));
            assertThat(fs.getattr(w.f().fh(), AttrNum.CHANGE).xdrDecodeLong()).isEqualTo(change);
            long after = fs.getattr(w.f().fh(), AttrNum.SPACE_USED).xdrDecodeLong();
            assertThat(after).as("asked again, not what was kept").isEqualTo(fileIo.spaceUsed(fid)).isGreaterThan(first);
            assertThat(fs.getattr(w.f().fh(), AttrNum.SPACE_USED).xdrDecodeLong()).isEqualTo(after);

            // a write through the MDS moves the change attribute: asked again
            int before = io.nacre.engine.fault.Faults.hits(CompoundContext.FAULT_SPACE_USED);
            fs.write(w.f(), 3L * STRIPE, bytes("fourth"), Nfs4.FILE_SYNC4);
            assertThat(fs.getattr(w.f().fh(), AttrNum.SPACE_USED).xdrDecodeLong()).isEqualTo(fileIo.spaceUsed(fid))
                    .isGreaterThan(after);
            assertThat(io.nacre.engine.fault.Faults.hits(CompoundContext.FAULT_SPACE_USED)).isEqualTo(before + 1);
        } finally {
            io.nacre.engine.fault.Faults.disarm(CompoundContext.FAULT_SPACE_USED);
        }
    }

    @Test
    void whileAnOssIsDownGetattrAndCloseAnswerWhatTheMetadataServerKnows() throws Exception {
        // the metadata server reaches the OSTs through their OSS over HTTP/2, as in a cluster; with the OSS
        // down, space_used (asked of the OSTs) made GETATTR answer NFS4ERR_DELAY, and Linux retried the
        // CLOSE that carried it for a minute
        try (OverOss node = new OverOss()) {
            NfsFs fs = node.mount("oss-down");
            NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "away", 0644);
            Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
            Map<Integer, NfsTestClient> ds = dsClients("oss-down");
            dsWrite(g, ds, 0, bytes("committed"), Nfs4.FILE_SYNC4);
            ok(fs.onFh(f.fh(), layoutCommit(g.stateid(), 8)));
            dsWrite(g, ds, 9, bytes("+more"), Nfs4.FILE_SYNC4);
            var up = fs.getattr(f.fh(), AttrNum.SIZE, AttrNum.SPACE_USED);
            assertThat(up.xdrDecodeLong()).as("glimpsed size").isEqualTo(14);
            assertThat(up.xdrDecodeLong()).as("space_used from the OSTs").isPositive();

            node.stopOss();
            Attr known = core.metadata().getattr(fidOf(fs, f));
            var down = fs.getattr(f.fh(), AttrNum.SIZE, AttrNum.SPACE_USED);
            assertThat(down.xdrDecodeLong()).as("the MDS's size").isEqualTo(9);
            assertThat(down.xdrDecodeLong()).as("the MDS's estimate").isEqualTo(known.spaceUsed());
            // CLOSE as Linux sends it, with a GETATTR of what it caches
            ok(fs.onFh(f.fh(), new GetattrArgs(Bitmap.of(AttrNum.SIZE, AttrNum.SPACE_USED, AttrNum.CHANGE)),
                    new io.nacre.nfs.v41.xdr.CloseArgs(0, f.stateid())));
            ok(fs.onFh(f.fh(), new io.nacre.nfs.v41.xdr.VerifyArgs(OpNum.NVERIFY, new Fattr4(
                    Bitmap.of(AttrNum.SPACE_USED), XdrIo.toBytes(x -> x.xdrEncodeLong(known.spaceUsed() + 1))))));
        }
    }

    @Test
    void aPunchATruncateCouldNotDoRunsBeforeAWriteLayoutIsGranted() throws Exception {
        // a truncate while an OSS is away: the MDS has the new size, the punch of the objects waits for the
        // file's next write. A write layout granted before it ran let the glimpse count the cut bytes as size
        // again, the client's writes beyond the new size showed them again between, and the punch, run later,
        // would have cut off what the client wrote to the data servers
        try (OverOss node = new OverOss()) {
            NfsFs fs = node.mount("punch");
            NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "cut", 0644);
            byte[] old = new byte[100];
            Arrays.fill(old, (byte) 'o');
            fs.write(f, 0, old, Nfs4.FILE_SYNC4);
            node.stopOss();
            assertThat(fs.onFh(f.fh(), new SetattrArgs(f.stateid(), size(0))).status()).isEqualTo(NFS4ERR_DELAY);
            assertThat(core.metadata().getattr(fidOf(fs, f)).size()).as("the MDS took the size").isZero();

            node.restartOss();
            Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
            assertThat(fs.size(f.fh())).as("the cut bytes do not count").isZero();
            dsWrite(g, dsClients("punch"), 50, bytes("new"), Nfs4.FILE_SYNC4);
            assertThat(fs.size(f.fh())).isEqualTo(53);
            byte[] expected = new byte[53];
            System.arraycopy(bytes("new"), 0, expected, 50, 3);
            assertThat(NfsFs.data(fs.read(f.fh(), f.stateid(), 0, 100))).isEqualTo(expected);
        }
    }

    @Test
    void aWriteLayoutNotReturnedAtTheLastCloseIsTakenAsReturnedAndAReadLayoutStaysCached() throws Exception {
        NfsFs fs = mount("roc");
        byte[] dirFh = fs.lookup(fs.root(), "striped");
        NfsFs.Opened f = fs.create(dirFh, "roc", 0644);
        CompoundRes rw = layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW);
        assertThat(result(ok(rw), OpNum.LAYOUTGET).body(LayoutGetRes.class).returnOnClose()).isTrue();
        Granted g = granted(fs, rw);
        Map<Integer, NfsTestClient> ds = dsClients("roc");
        dsWrite(g, ds, 0, bytes("no commit came"), Nfs4.FILE_SYNC4);
        // a second open of the same client (another open owner): the first close is not its last
        NfsFs.Opened second = NfsFs.opened(fs.onFh(dirFh, io.nacre.nfs.v41.xdr.OpenArgs.byName(
                new io.nacre.nfs.v41.xdr.StateOwner4(fs.client().clientid(), bytes("roc-second-owner")),
                Nfs4.OPEN4_SHARE_ACCESS_READ, 0, bytes("roc")), new VoidArgs(OpNum.GETFH)));
        fs.close(f);
        assertThat(fs.size(f.fh())).as("glimpsed").isEqualTo(14);
        assertThat(core.metadata().getattr(fidOf(fs, f)).size()).isZero();

        // the last CLOSE, without the LAYOUTRETURN return_on_close asked for
        fs.close(second);
        Fid fid = fidOf(fs, f);
        assertThat(core.metadata().getattr(fid).size()).as("what the data servers hold, recorded").isEqualTo(14);
        assertThat(fs.onFh(f.fh(), layoutCommit(g.stateid(), 20)).status()).as("no layout left")
                .isEqualTo(NFS4ERR_BAD_STATEID);
        // no write layout is out: GETATTR asks the OSTs nothing, bytes no layout accounts for do not count
        ObjectRef first = core.metadata().layout(fid).components().get(0).raid0().objects().get(0);
        core.objects().write(first, 14, ByteBuffer.wrap(bytes("stray")), io.nacre.engine.store.Durability.STABLE);
        assertThat(fs.size(f.fh())).isEqualTo(14);
        // and the data servers refuse the layout's handles
        assertThat(dsFor(g, 0, ds).call(new PutfhArgs(g.file().fhs().get(0)), new WriteArgs(g.stateid(), 0,
                Nfs4.FILE_SYNC4, ByteBuffer.wrap(bytes("late"))))).extracting(CompoundRes::status)
                .isEqualTo(NFS4ERR_PNFS_NO_LAYOUT);

        // a read layout is not returned on close: it stays cached across CLOSE and OPEN
        NfsFs.Opened reader = NfsFs.opened(fs.open(dirFh, "roc", Nfs4.OPEN4_SHARE_ACCESS_READ));
        CompoundRes ro = layoutGet(fs, reader.fh(), reader.stateid(), Nfs4.LAYOUTIOMODE4_READ);
        assertThat(result(ok(ro), OpNum.LAYOUTGET).body(LayoutGetRes.class).returnOnClose()).isFalse();
        Granted rg = granted(fs, ro);
        fs.close(reader);
        assertThat(result(ok(dsFor(rg, 0, ds).call(new PutfhArgs(rg.file().fhs().get(0)),
                new ReadArgs(rg.stateid(), 0, 14))), OpNum.READ).body(ReadRes.class).data().remaining()).isEqualTo(14);
        assertThat(result(ok(fs.onFh(f.fh(), returnFile(rg.stateid()))), OpNum.LAYOUTRETURN)
                .body(LayoutReturnRes.class).stateid()).isNull();
    }

    @Test
    void aWriteLayoutReturnedInTheCloseCompoundLeavesNothingHeld() throws Exception {
        // Linux with return_on_close: LAYOUTCOMMIT, then SEQUENCE, PUTFH, LAYOUTRETURN, GETATTR, CLOSE
        NfsFs fs = mount("linux-roc");
        Writing w = writing(fs, "linux-roc", "closed");
        NfsFs.Opened f = w.f();
        Granted g = w.g();
        dsWrite(g, w.ds(), 0, bytes("0123456789"), Nfs4.FILE_SYNC4);
        ok(fs.onFh(f.fh(), layoutCommit(g.stateid(), 9)));
        CompoundRes closed = ok(fs.onFh(f.fh(), new LayoutReturnArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES,
                Nfs4.LAYOUTIOMODE4_RW, Nfs4.LAYOUTRECALL4_FILE, 0, -1L, g.stateid(), new byte[0]),
                new GetattrArgs(Bitmap.of(AttrNum.SIZE)), new io.nacre.nfs.v41.xdr.CloseArgs(0, f.stateid())));
        assertThat(result(closed, OpNum.LAYOUTRETURN).body(LayoutReturnRes.class).stateid()).isNull();
        assertThat(sizeIn(closed)).isEqualTo(10);
        Fid fid = fidOf(fs, f);
        ObjectRef first = core.metadata().layout(fid).components().get(0).raid0().objects().get(0);
        core.objects().write(first, 10, ByteBuffer.wrap(bytes("stray")), io.nacre.engine.store.Durability.STABLE);
        assertThat(fs.size(f.fh())).as("no write layout is out: no glimpse").isEqualTo(10);
    }

    @Test
    void anExplicitMtimeSticksOverTheWritesBeforeItAndAWriteAfterItMovesMtime() throws Exception {
        explicitMtime("copier", false);
    }

    @Test
    void aLayoutReturnedBeforeItsLayoutCommitKeepsTheSizeTheDataServersHold() throws Exception {
        // Linux sends the LAYOUTCOMMIT and LAYOUTRETURN of a recall side by side: the return may come first
        explicitMtime("hasty", true);
    }

    /**
     * tree-copy of the kernel workload: cp -a writes through a data server, sets mtime (futimens), closes;
     * Linux sends the LAYOUTCOMMIT of the writes (without time_modify) at the close, after the SETATTR.
     * The client answers the recall the SETATTR brings with LAYOUTCOMMIT and LAYOUTRETURN, in that order
     * or the other ({@code returnFirst}).
     */
    private void explicitMtime(String owner, boolean returnFirst) throws Exception {
        NfsFs fs = mount(owner);
        NfsTestClient c = fs.client();
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "copied", 0644);
        Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        Map<Integer, NfsTestClient> ds = dsClients(owner);
        dsWrite(g, ds, 0, new byte[1000], Nfs4.FILE_SYNC4);
        // a chmod recalls nothing: the layout still serves
        ok(fs.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, NfsFs.mode(0600))));
        ok(fs.onFh(f.fh(), layoutCommit(g.stateid(), 99)));

        // on a recall the client commits its layout and returns it, like Linux
        CompletableFuture<int[]> answered = CompletableFuture.supplyAsync(() -> {
            try {
                CbLayoutRecallArgs recall = awaitRecall(c);
                assertThat(recall.changed()).as("clora_changed: the layout stays good").isFalse();
                if (returnFirst) {
                    int ret = fs.onFh(f.fh(), returnFile(recall.stateid())).status();
                    return new int[] {fs.onFh(f.fh(), layoutCommit(g.stateid(), 999)).status(), ret};
                }
                int commit = fs.onFh(f.fh(), layoutCommit(g.stateid(), 999)).status();
                return new int[] {commit, fs.onFh(f.fh(), returnFile(recall.stateid())).status()};
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> Thread.ofVirtual().start(task));
        NfsTime4 copied = new NfsTime4(1_600_000_000L, 123);
        Fattr4 mtime = mtimeSet(copied);
        // from the same client, on another slot: the SETATTR is in flight while it answers the recall (answered
        // NFS4ERR_DELAY if the return takes longer than the grace: sent again with the slot's next sequence id)
        int[] seq = {0};
        ok(retryWhileDelayed(() -> c.onSlot(1, ++seq[0], true, new PutfhArgs(f.fh()),
                new SetattrArgs(Stateid4.ANONYMOUS, mtime))));
        // The recall's answers go on slot 0, as every call below does: this client sends one at a time per
        // slot (the SETATTR may return as soon as the layout is returned, before the commit after it is sent).
        int[] answers = answered.get(10, TimeUnit.SECONDS);
        // the close's LAYOUTCOMMIT, if the layout were still held, would come now
        assertThat(fs.onFh(f.fh(), layoutCommit(g.stateid(), 999)).status()).isEqualTo(NFS4ERR_BAD_STATEID);
        Fid fid = fidOf(fs, f);
        assertThat(core.metadata().getattr(fid).mtime()).as("mtime after the SETATTR").isEqualTo(copied.toNanos());
        // a commit after the return finds no layout; the size was taken from the objects at the return
        assertThat(answers).containsExactly(returnFirst ? NFS4ERR_BAD_STATEID : NFS4_OK, NFS4_OK);
        assertThat(fs.size(f.fh())).isEqualTo(1000);

        // a write after the SETATTR, with a new layout, moves mtime at its LAYOUTCOMMIT
        Granted again = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        dsWrite(again, ds, 1000, new byte[1000], Nfs4.FILE_SYNC4);
        ok(fs.onFh(f.fh(), layoutCommit(again.stateid(), 1999)));
        assertThat(core.metadata().getattr(fid).mtime()).isGreaterThan(copied.toNanos());
        assertThat(core.metadata().getattr(fid).size()).isEqualTo(2000);
    }

    /** time_modify set to the client's time {@code t}. */
    private static Fattr4 mtimeSet(NfsTime4 t) {
        return new Fattr4(Bitmap.of(AttrNum.TIME_MODIFY_SET), XdrIo.toBytes(x -> {
            x.xdrEncodeInt(Nfs4.SET_TO_CLIENT_TIME4);
            t.encode(x);
        }));
    }

    @Test
    void anExplicitMtimeSentAgainAfterTheReturnEndsTheRecallAndLayoutsAreGrantedAtOnce() throws Exception {
        Held h = held("slow-copier", "slow-copier");
        NfsFs.Opened f = h.f();
        NfsFs setter = mount("touch");
        NfsTestClient t = setter.client();
        NfsTime4 copied = new NfsTime4(1_600_000_000L, 456);
        // sent again: no write layout is out any more, and this SETATTR is the operation the recall waited for
        sentAgainAfterTheReturn(h, t, new PutfhArgs(f.fh()), new SetattrArgs(Stateid4.ANONYMOUS, mtimeSet(copied)));
        assertThat(core.metadata().getattr(fidOf(setter, f)).mtime()).isEqualTo(copied.toNanos());
        // so layouts are granted again at once, not only once the recall lapses (a second or more later)
        granted(h.holder(), layoutGet(h.holder(), f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
    }

    /**
     * The operation {@code ops} (after SEQUENCE on slot 1 of {@code c}) recalls the holder's layout, which comes
     * back after the grace: NFS4ERR_DELAY. The holder returns it then, and the client sends the operation again
     * (the slot's next sequence id), which finds no layout left: it goes through.
     */
    private static void sentAgainAfterTheReturn(Held h, NfsTestClient c, OpArgs... ops) throws Exception {
        assertThat(Nfs4Status.name(c.onSlot(1, 1, true, ops).status())).isEqualTo("NFS4ERR_DELAY");
        ok(h.holder().onFh(h.f().fh(), returnFile(awaitRecall(h.holder().client()).stateid())));
        ok(c.onSlot(1, 2, true, ops));
    }

    @Test
    void aRemoveSentAgainAfterTheReturnEndsTheRecall() throws Exception {
        Held h = cached("unlinked-reader", "unlinked");
        NfsFs remover = mount("rm");
        byte[] dirFh = remover.lookup(remover.root(), "striped");
        // sent again: no layout is out any more, and this REMOVE is the operation the recall waited for
        sentAgainAfterTheReturn(h, remover.client(), new PutfhArgs(dirFh), new RemoveArgs(bytes("unlinked")));
        assertThat(remover.onFh(dirFh, new io.nacre.nfs.v41.xdr.LookupArgs(bytes("unlinked"))).status())
                .isEqualTo(NFS4ERR_NOENT);
        assertThat(h.holder().onFh(h.f().fh(), new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status())
                .isEqualTo(NFS4ERR_STALE);
        assertThat(recallsTo(h.holder())).as("one recall, not one per send").isZero();
    }

    @Test
    void aRenameOverSentAgainAfterTheReturnEndsTheRecall() throws Exception {
        Held h = cached("replaced-reader", "replaced");
        NfsFs mover = mount("mv");
        byte[] dirFh = mover.lookup(mover.root(), "striped");
        NfsFs.Opened replacement = mover.create(dirFh, "replacement", 0666);
        mover.write(replacement, 0, bytes("new"), Nfs4.FILE_SYNC4);
        mover.close(replacement);
        // sent again: no layout is out any more, and this RENAME is the operation the recall waited for
        sentAgainAfterTheReturn(h, mover.client(), new PutfhArgs(dirFh), new VoidArgs(OpNum.SAVEFH),
                new PutfhArgs(dirFh), new RenameArgs(bytes("replacement"), bytes("replaced")));
        assertThat(mover.lookup(dirFh, "replaced")).isEqualTo(replacement.fh());
        assertThat(mover.size(replacement.fh())).isEqualTo(3);
        assertThat(mover.onFh(dirFh, new io.nacre.nfs.v41.xdr.LookupArgs(bytes("replacement"))).status())
                .isEqualTo(NFS4ERR_NOENT);
        assertThat(h.holder().onFh(h.f().fh(), new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status())
                .isEqualTo(NFS4ERR_STALE);
        assertThat(recallsTo(h.holder())).as("one recall, not one per send").isZero();
    }

    @Test
    void aRemoveOfAnOpenFileRecallsNothingAndTheRemovalAtItsLastCloseRecallsFirst() throws Exception {
        unlinkedWhileOpen("open-writer", "open-reader", "rm-open", (fs, dir) -> fs.remove(dir, "open"));
    }

    @Test
    void aRenameOverAnOpenFileRecallsNothingAndTheRemovalAtItsLastCloseRecallsFirst() throws Exception {
        unlinkedWhileOpen("over-writer", "over-reader", "mv-over", (fs, dir) -> {
            NfsFs.Opened replacement = fs.create(dir, "replacement", 0666);
            fs.close(replacement);
            return fs.client().call(new PutfhArgs(dir), new VoidArgs(OpNum.SAVEFH), new PutfhArgs(dir),
                    new RenameArgs(bytes("replacement"), bytes("open")));
        });
    }

    /** A REMOVE or a RENAME over the name of a file, in directory {@code dir}, as the client of {@code fs}. */
    private interface NameChange {
        CompoundRes apply(NfsFs fs, byte[] dir) throws Exception;
    }

    /**
     * A writer has the file "open" open with a write layout; a reader opened it, took a read layout and closed it
     * (Linux keeps read layouts cached). {@code change} takes its last name: the file lives on hidden while
     * open, its objects stay, so nobody's layout is recalled and the writer writes on through its layout. At the
     * writer's last close the file goes: the reader's layout, still out, is recalled first, and the file is
     * removed only once it is back.
     */
    private void unlinkedWhileOpen(String writerName, String readerName, String changerName, NameChange change)
            throws Exception {
        Held w = held(writerName, "open");
        NfsFs reader = mount(readerName);
        // idle on the MDS until the recall: a lease that ran out would end its layout without one
        reader.client().renewingLease(Duration.ofSeconds(1));
        byte[] dirFh = reader.lookup(reader.root(), "striped");
        NfsFs.Opened r = NfsFs.opened(reader.open(dirFh, "open", Nfs4.OPEN4_SHARE_ACCESS_READ));
        Granted rg = granted(reader, layoutGet(reader, r.fh(), r.stateid(), Nfs4.LAYOUTIOMODE4_READ));
        reader.close(r);
        NfsFs changer = mount(changerName);

        ok(change.apply(changer, dirFh));
        CompoundRes named = changer.onFh(dirFh, new io.nacre.nfs.v41.xdr.LookupArgs(bytes("open")),
                new VoidArgs(OpNum.GETFH));
        if (named.status() != NFS4ERR_NOENT) {
            assertThat(result(ok(named), OpNum.GETFH).body(io.nacre.nfs.v41.xdr.GetfhRes.class).fh())
                    .as("the name leads to the replacement").isNotEqualTo(w.f().fh());
        }
        assertThat(recallsTo(w.holder())).as("recalls to the writer").isZero();
        assertThat(recallsTo(reader)).as("recalls to the reader").isZero();
        // both layouts still serve: the writer writes on to the data servers and commits, the reader reads
        Map<Integer, NfsTestClient> ds = dsClients(writerName);
        dsWrite(w.g(), ds, 3L * STRIPE, bytes("written on"), Nfs4.FILE_SYNC4);
        ok(w.holder().onFh(w.f().fh(), layoutCommit(w.g().stateid(), 3L * STRIPE + 9)));
        assertThat(result(ok(dsFor(rg, 0, dsClients(readerName)).call(new PutfhArgs(rg.file().fhs().get(0)),
                new ReadArgs(rg.stateid(), 0, 10))), OpNum.READ).body(ReadRes.class).data().remaining()).isEqualTo(10);

        // the writer's last close (its write layout returned in the CLOSE compound, as Linux does)
        ok(w.holder().onFh(w.f().fh(), returnFile(w.g().stateid()),
                new io.nacre.nfs.v41.xdr.CloseArgs(0, w.f().stateid())));
        CbLayoutRecallArgs recall = awaitRecall(reader.client());
        assertThat(recall.stateid().id()).isEqualTo(rg.stateid().id());
        assertThat(recall.changed()).as("clora_changed: the objects go").isTrue();
        Fid fid = fidOf(w.holder(), w.f());
        assertThat(core.metadata().getattr(fid).size()).as("kept until the layout is back")
                .isEqualTo(3L * STRIPE + 10);
        assertThat(recallsTo(w.holder())).as("the writer returned its layout").isZero();

        ok(reader.onFh(r.fh(), returnFile(recall.stateid())));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reader.onFh(r.fh(), new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status() != NFS4ERR_STALE) {
            assertThat(System.nanoTime()).as("removed within 10 s of the return").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Test
    void aRenameOntoAnotherNameOfTheSameFileRecallsNothing() throws Exception {
        Held h = cached("linked-reader", "first", "second");
        NfsFs other = mount("link-renamer");
        byte[] dirFh = other.lookup(other.root(), "striped");
        // two links of one file: POSIX's rename does nothing, and is answered at once (no NFS4ERR_DELAY)
        ok(other.client().call(new PutfhArgs(dirFh), new VoidArgs(OpNum.SAVEFH), new PutfhArgs(dirFh),
                new RenameArgs(bytes("first"), bytes("second"))));
        assertThat(recallsTo(h.holder())).as("recalls to the holder").isZero();
        assertThat(other.lookup(dirFh, "first")).isEqualTo(h.f().fh());
        assertThat(other.lookup(dirFh, "second")).isEqualTo(h.f().fh());
        assertThat(readThroughLayout(h, "linked-reader")).as("the holder's layout still serves").isEqualTo(10);
    }

    @Test
    void removingOneOfTwoNamesRecallsNothingAndRemovingTheLastRecalls() throws Exception {
        Held h = cached("two-names-reader", "one", "two");
        NfsFs other = mount("two-names-remover");
        byte[] dirFh = other.lookup(other.root(), "striped");
        // the objects stay with the other name: answered at once, nothing recalled
        ok(other.remove(dirFh, "one"));
        assertThat(recallsTo(h.holder())).as("recalls to the holder").isZero();
        assertThat(readThroughLayout(h, "two-names-reader")).as("the holder's layout still serves").isEqualTo(10);
        // the last name takes the objects: recalled first
        sentAgainAfterTheReturn(h, other.client(), new PutfhArgs(dirFh), new RemoveArgs(bytes("two")));
        assertThat(other.onFh(h.f().fh(), new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status())
                .isEqualTo(NFS4ERR_STALE);
    }

    @Test
    void aLastNameThatWentWhileAnotherWasRemovedHasItsLayoutsRecalledRightAfter() throws Exception {
        Held h = cached("raced-reader", "x", "y");
        h.holder().client().layoutRecallStatus = NFS4ERR_NOMATCHING_LAYOUT;
        NfsFs first = mount("racer-x");
        NfsFs second = mount("racer-y");
        byte[] dirFh = first.lookup(first.root(), "striped");
        // the first REMOVE's change waits before its commit, so the second one looks the file up meanwhile and
        // sees two names too: neither recalls first, and the second takes the file's last name
        String point = "mds.apply.before_commit";
        io.nacre.engine.fault.Faults.arm(point, new io.nacre.engine.fault.Faults.Fault(
                io.nacre.engine.fault.Faults.Kind.SLEEP, 1, false, 1000));
        try {
            CompletableFuture<CompoundRes> x = CompletableFuture.supplyAsync(() -> {
                try {
                    return first.remove(dirFh, "x");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, task -> Thread.ofVirtual().start(task));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (io.nacre.engine.fault.Faults.hits(point) == 0) {
                assertThat(System.nanoTime()).as("the first REMOVE reached the MDS's apply").isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            ok(second.remove(dirFh, "y"));
            ok(x.get(30, TimeUnit.SECONDS));
        } finally {
            io.nacre.engine.fault.Faults.disarm(point);
        }
        assertThat(first.onFh(h.f().fh(), new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status()).isEqualTo(NFS4ERR_STALE);
        // its objects are on their way out: the layout still out is recalled (and, not held, ended)
        assertThat(awaitRecall(h.holder().client()).stateid().id()).isEqualTo(h.g().stateid().id());
    }

    /** Reads 10 bytes of the first stripe through the holder's layout, on its data server; the bytes read. */
    private int readThroughLayout(Held h, String owner) throws Exception {
        return result(ok(dsFor(h.g(), 0, dsClients(owner)).call(new PutfhArgs(h.g().file().fhs().get(0)),
                new ReadArgs(h.g().stateid(), 0, 10))), OpNum.READ).body(ReadRes.class).data().remaining();
    }

    /** The CB_LAYOUTRECALLs the client received and no test took yet. */
    private static long recallsTo(NfsFs fs) {
        return fs.client().callbacks.stream().flatMap(List::stream).filter(CbLayoutRecallArgs.class::isInstance)
                .count();
    }

    @Test
    void aForgedOrAlteredDataServerHandleIsRefused() throws Exception {
        NfsFs fs = mount("forger");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "secret.bin", 0600);
        Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        NfsTestClient ds = dsClients("forger").get(dataServers.get(0).address().getPort());
        byte[] good = g.file().fhs().get(0);
        assertThat(ds.call(new PutfhArgs(good), new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status()).isEqualTo(NFS4_OK);

        // another object id, the signature left as it was
        byte[] altered = good.clone();
        altered[36] ^= 1;
        assertThat(ds.call(new PutfhArgs(altered), new ReadArgs(Stateid4.ANONYMOUS, 0, 100)).status())
                .isEqualTo(NFS4ERR_BADHANDLE);
        // the same fields signed with another secret
        byte[] otherSecret = new byte[32];
        Arrays.fill(otherSecret, (byte) 7);
        var h = new DsHandles(core.metadata().fsid(), DsHandles.clusterSecret(core.metadata())).decode(good);
        byte[] forged = new DsHandles(core.metadata().fsid(), otherSecret).encode(h);
        assertThat(ds.call(new PutfhArgs(forged), new WriteArgs(Stateid4.ANONYMOUS, 0, Nfs4.FILE_SYNC4,
                ByteBuffer.wrap(bytes("overwrite")))).status()).isEqualTo(NFS4ERR_BADHANDLE);
        // a metadata server handle is not a data-server handle, and the other way round
        assertThat(ds.call(new PutfhArgs(f.fh())).status()).isEqualTo(NFS4ERR_BADHANDLE);
        assertThat(fs.onFh(good).status()).isEqualTo(NFS4ERR_BADHANDLE);
        // nothing was written through the forged handle
        assertThat(core.metadata().getattr(h.fid()).size()).isZero();
        assertThat(core.objects().stat(h.object()).size()).isZero();
    }

    @Test
    void theHandlesOfAReadLayoutReadButDoNotWrite() throws Exception {
        // a client that may only read the file (opened for reading, or a mode without write for it) gets read
        // layouts; before, their data-server handles were the same as a write layout's, and wrote
        NfsFs owner = mount("ro-owner");
        NfsFs.Opened f = owner.create(owner.lookup(owner.root(), "striped"), "readonly.txt", 0644);
        owner.write(f, 0, bytes("kept as it is"), Nfs4.FILE_SYNC4);
        owner.close(f);
        NfsFs reader = mount("ro-reader");
        NfsFs.Opened r = NfsFs.opened(reader.open(reader.lookup(reader.root(), "striped"), "readonly.txt",
                Nfs4.OPEN4_SHARE_ACCESS_READ));
        Granted g = granted(reader, layoutGet(reader, r.fh(), r.stateid(), Nfs4.LAYOUTIOMODE4_READ));
        NfsTestClient ds = dsFor(g, 0, dsClients("ro-reader"));
        byte[] handle = g.file().fhs().get(0);
        ReadRes read = result(ok(ds.call(new PutfhArgs(handle), new ReadArgs(g.stateid(), 0, 13))), OpNum.READ)
                .body(ReadRes.class);
        assertThat(NfsFs.data(read)).isEqualTo(bytes("kept as it is"));
        assertThat(ds.call(new PutfhArgs(handle), new WriteArgs(g.stateid(), 0, Nfs4.FILE_SYNC4,
                ByteBuffer.wrap(bytes("overwritten")))).status()).isEqualTo(NFS4ERR_ACCESS);
        // the flag is signed with the rest: clearing it makes a handle that is not ours
        byte[] cleared = handle.clone();
        cleared[3] = 0;
        assertThat(ds.call(new PutfhArgs(cleared), new WriteArgs(g.stateid(), 0, Nfs4.FILE_SYNC4,
                ByteBuffer.wrap(bytes("overwritten")))).status()).isEqualTo(NFS4ERR_BADHANDLE);
        assertThat(readAll(reader, r)).isEqualTo(bytes("kept as it is"));
    }

    @Test
    void truncateRecallsLayoutsAndGoesOnOnceTheyAreReturned() throws Exception {
        NfsFs holder = mount("holder");
        NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), "shrinking", 0666);
        holder.write(f, 0, new byte[3 * STRIPE], Nfs4.FILE_SYNC4);
        Granted g = granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));

        // the holder answers the recall like the Linux client: NFS4_OK, then LAYOUTRETURN (after checking
        // that no new layout is granted while the recall is on)
        CompletableFuture<int[]> returned = CompletableFuture.supplyAsync(() -> {
            try {
                CbLayoutRecallArgs recall = awaitRecall(holder.client());
                assertThat(recall.fh()).isEqualTo(f.fh());
                assertThat(recall.changed()).as("clora_changed: the bytes move").isTrue();
                assertThat(recall.stateid().id()).isEqualTo(g.stateid().id());
                assertThat(recall.stateid().seqid()).isEqualTo(g.stateid().seqid() + 1);
                int during = layoutGet(holder, f.fh(), g.stateid(), Nfs4.LAYOUTIOMODE4_READ).status();
                int ret = holder.onFh(f.fh(), returnFile(recall.stateid())).status();
                return new int[] {during, ret};
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> Thread.ofVirtual().start(task));
        NfsFs truncater = mount("truncater");
        ok(retryWhileDelayed(() -> truncater.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, size(STRIPE)))));
        int[] statuses = returned.get(10, TimeUnit.SECONDS);
        assertThat(statuses[0]).isEqualTo(NFS4ERR_RECALLCONFLICT);
        assertThat(statuses[1]).as("the layout was still held when returned").isEqualTo(NFS4_OK);
        assertThat(truncater.size(f.fh())).isEqualTo(STRIPE);
        // after the recall, layouts are granted again
        granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
    }

    /** A request to send again while it is answered NFS4ERR_DELAY (each time a new request). */
    private interface Resend {
        CompoundRes send() throws Exception;
    }

    /**
     * Sends a request again while it is answered NFS4ERR_DELAY, as Linux does (nfs4_delay: it waits from 100 ms,
     * twice as long each time, at most 15 s; here at most 500 ms, to keep the test short), for 30 s at most.
     */
    private static CompoundRes retryWhileDelayed(Resend request) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long wait = TimeUnit.MILLISECONDS.toNanos(100);
        while (true) {
            CompoundRes r = request.send();
            if (r.status() != NFS4ERR_DELAY) {
                return r;
            }
            assertThat(System.nanoTime()).as("still NFS4ERR_DELAY after 30 s").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
            wait = Math.min(2 * wait, TimeUnit.MILLISECONDS.toNanos(500));
        }
    }

    /** A holder of a write layout of a new file of 3 stripes under /striped, and the layout. */
    private record Held(NfsFs holder, NfsFs.Opened f, Granted g) {
    }

    private Held held(String owner, String name) throws Exception {
        NfsFs holder = mount(owner);
        NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), name, 0666);
        holder.write(f, 0, new byte[3 * STRIPE], Nfs4.FILE_SYNC4);
        return new Held(holder, f, granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW)));
    }

    /**
     * A client that wrote a new file of 3 stripes under /striped, took a read layout of it and closed it: the read
     * layout stays cached with the client (as Linux keeps it), and no open holds the file. {@code links}: more
     * names of the file, made by the client (LINK) in /striped.
     */
    private Held cached(String owner, String name, String... links) throws Exception {
        NfsFs holder = mount(owner);
        byte[] dir = holder.lookup(holder.root(), "striped");
        NfsFs.Opened f = holder.create(dir, name, 0666);
        holder.write(f, 0, new byte[3 * STRIPE], Nfs4.FILE_SYNC4);
        Granted g = granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_READ));
        holder.close(f);
        for (String l : links) {
            ok(holder.client().call(new PutfhArgs(f.fh()), new VoidArgs(OpNum.SAVEFH), new PutfhArgs(dir),
                    new io.nacre.nfs.v41.xdr.LinkArgs(bytes(l))));
        }
        return new Held(holder, f, g);
    }

    @Test
    void aTruncateWhoseHolderReturnsTheLayoutWithinTheGraceGoesThroughWithoutDelay() throws Exception {
        // a grace no loaded test machine outlasts: what is tested is that a return within it needs no retry
        try (NfsServer patient = NfsServer.builder(core.metadata(), fileIo).port(0)
                .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)")).leaseTime(Duration.ofSeconds(5))
                .pnfs(PnfsOptions.dataServers(byOst).withFence(fence).withRecallGrace(Duration.ofSeconds(20)))
                .build().start()) {
            NfsFs holder = new NfsFs(connect(patient.address(), "prompt"), "prompt-open-owner");
            NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), "prompt", 0666);
            holder.write(f, 0, new byte[3 * STRIPE], Nfs4.FILE_SYNC4);
            granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
            // like Linux: NFS4_OK to the recall, then LAYOUTRETURN
            CompletableFuture<Integer> returned = CompletableFuture.supplyAsync(() -> {
                try {
                    return holder.onFh(f.fh(), returnFile(awaitRecall(holder.client()).stateid())).status();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, task -> Thread.ofVirtual().start(task));
            NfsFs truncater = new NfsFs(connect(patient.address(), "prompt-truncater"), "t-open-owner");
            assertThat(Nfs4Status.name(truncater.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, size(STRIPE)))
                    .status())).isEqualTo("NFS4_OK");
            assertThat(returned.get(10, TimeUnit.SECONDS)).isEqualTo(NFS4_OK);
            assertThat(truncater.size(f.fh())).isEqualTo(STRIPE);
        }
    }

    @Test
    void aTruncateWhileTheHolderIsSlowIsAnsweredDelayChangesNothingAndGoesThroughOnceTheLayoutIsBack()
            throws Exception {
        Held h = held("slow", "slow");
        NfsFs.Opened f = h.f();
        NfsFs truncater = mount("impatient");
        NfsTestClient t = truncater.client();
        SetattrArgs cut = new SetattrArgs(Stateid4.ANONYMOUS, size(STRIPE));
        // slot 1, sequence id 1: answered NFS4ERR_DELAY (the reply cached), the recall goes on
        assertThat(Nfs4Status.name(t.onSlot(1, 1, true, new PutfhArgs(f.fh()), cut).status()))
                .isEqualTo("NFS4ERR_DELAY");
        CbLayoutRecallArgs recall = awaitRecall(h.holder().client());
        assertThat(recall.stateid().id()).isEqualTo(h.g().stateid().id());
        // nothing changed; the server answers everyone meanwhile (no thread waits for the holder)
        assertThat(truncater.size(f.fh())).isEqualTo(3 * STRIPE);
        assertThat(core.metadata().getattr(fidOf(truncater, f)).size()).isEqualTo(3 * STRIPE);
        // no layout of the file is granted while the recall is out
        NfsFs.Opened reader = NfsFs.opened(truncater.open(truncater.lookup(truncater.root(), "striped"), "slow",
                Nfs4.OPEN4_SHARE_ACCESS_READ));
        assertThat(Nfs4Status.name(layoutGet(truncater, f.fh(), reader.stateid(), Nfs4.LAYOUTIOMODE4_READ).status()))
                .isEqualTo("NFS4ERR_RECALLCONFLICT");
        // sent again with the next sequence id: the recall is still out, NFS4ERR_DELAY again, no new CB_LAYOUTRECALL
        assertThat(Nfs4Status.name(t.onSlot(1, 2, true, new PutfhArgs(f.fh()), cut).status()))
                .isEqualTo("NFS4ERR_DELAY");
        assertThat(h.holder().client().callbacks).as("callbacks after the first recall").isEmpty();

        // the holder returns its layout
        ok(h.holder().onFh(f.fh(), returnFile(recall.stateid())));
        // a retransmission of the last request (same slot and sequence id) gets its cached reply: nothing runs
        assertThat(Nfs4Status.name(t.onSlot(1, 2, true, new PutfhArgs(f.fh()), cut).status()))
                .isEqualTo("NFS4ERR_DELAY");
        assertThat(truncater.size(f.fh())).isEqualTo(3 * STRIPE);
        // the client's next try, a new request, goes through
        ok(t.onSlot(1, 3, true, new PutfhArgs(f.fh()), cut));
        assertThat(truncater.size(f.fh())).isEqualTo(STRIPE);
        // and layouts are granted again
        granted(h.holder(), layoutGet(h.holder(), f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
    }

    @Test
    void aRecallWhoseOperationNeverComesBackLapsesAndLayoutsAreGrantedAgain() throws Exception {
        Held h = held("returner", "abandoned");
        NfsFs other = mount("gives-up");
        assertThat(Nfs4Status.name(other.onFh(h.f().fh(), new SetattrArgs(Stateid4.ANONYMOUS, size(0))).status()))
                .isEqualTo("NFS4ERR_DELAY");
        ok(h.holder().onFh(h.f().fh(), returnFile(awaitRecall(h.holder().client()).stateid())));
        // the truncating client never sends it again: held for it a while, then layouts are granted again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        CompoundRes again;
        while ((again = layoutGet(h.holder(), h.f().fh(), h.f().stateid(), Nfs4.LAYOUTIOMODE4_RW)).status()
                == NFS4ERR_RECALLCONFLICT) {
            assertThat(System.nanoTime()).as("layouts refused for 30 s").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        granted(h.holder(), again);
        assertThat(other.size(h.f().fh())).as("nothing was cut").isEqualTo(3 * STRIPE);
    }

    @Test
    void aRemoveOrAnOpenThatTruncatesAnsweredDelayChangedNothing() throws Exception {
        Held h = cached("kept", "kept");
        NfsFs other = mount("remover");
        byte[] dirFh = other.lookup(other.root(), "striped");
        assertThat(Nfs4Status.name(other.remove(dirFh, "kept").status())).isEqualTo("NFS4ERR_DELAY");
        CbLayoutRecallArgs recall = awaitRecall(h.holder().client());
        assertThat(other.lookup(dirFh, "kept")).as("still there").isEqualTo(h.f().fh());
        // open(O_CREAT|O_TRUNC) of it: NFS4ERR_DELAY too, the file is neither opened nor cut
        assertThat(Nfs4Status.name(other.openTruncating(dirFh, "kept").status())).isEqualTo("NFS4ERR_DELAY");
        assertThat(other.size(h.f().fh())).isEqualTo(3 * STRIPE);

        ok(h.holder().onFh(h.f().fh(), returnFile(recall.stateid())));
        NfsFs.Opened cut = NfsFs.opened(other.openTruncating(dirFh, "kept"));
        assertThat(other.size(cut.fh())).isZero();
        other.close(cut);
        ok(other.remove(dirFh, "kept"));
        assertThat(other.onFh(dirFh, new io.nacre.nfs.v41.xdr.LookupArgs(bytes("kept"))).status())
                .isEqualTo(NFS4ERR_NOENT);
    }

    @Test
    void aChangeOutsideNfsWaitsBoundedGetsDelayAndGoesThroughOnceTheUnreturnedLayoutIsRevoked() throws Exception {
        Held h = held("deaf", "deaf");
        h.holder().client().renewingLease(Duration.ofSeconds(1));
        Fid fid = fidOf(h.holder(), h.f());
        // the holder never returns it: a restripe waits the recall timeout (2 s here), then DELAY: try again
        assertThatThrownBy(() -> server.recallLayouts(fid, "restripe")).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.status()).isEqualTo(io.nacre.engine.Status.DELAY));
        Stateid4 recalled = awaitRecall(h.holder().client()).stateid();
        assertThat(recalled.id()).isEqualTo(h.g().stateid().id());
        assertThat(testStateids(h.holder().client(), recalled)).containsExactly(NFS4_OK);
        // tried again until the layout is revoked, a lease (5 s) after the recall
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (var recall = server.recallLayouts(fid, "restripe")) {
                break;
            } catch (NacreException e) {
                assertThat(e.status()).isEqualTo(io.nacre.engine.Status.DELAY);
                assertThat(System.nanoTime()).as("DELAY for 30 s").isLessThan(deadline);
            }
        }
        assertThat(testStateids(h.holder().client(), h.g().stateid())).containsExactly(NFS4ERR_DELEG_REVOKED);
        assertThat(h.holder().client().callbacks).as("one recall, not one per try").isEmpty();
    }

    @Test
    void aRecallTheClientAsksToDelayIsSentAgain() throws Exception {
        NfsFs holder = mount("busy");
        holder.client().delayLayoutRecalls.set(2);
        NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), "busy", 0666);
        granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        CompletableFuture<Integer> returned = CompletableFuture.supplyAsync(() -> {
            try {
                CbLayoutRecallArgs last = null;
                for (int i = 0; i < 3; i++) {
                    last = awaitRecall(holder.client());
                }
                return holder.onFh(f.fh(), returnFile(last.stateid())).status();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> Thread.ofVirtual().start(task));
        try (var recall = server.recallLayouts(fidOf(holder, f), "restripe")) {
            assertThat(returned.get(10, TimeUnit.SECONDS)).isEqualTo(NFS4_OK);
        }
        assertThat(holder.client().delayLayoutRecalls.get()).isZero();
    }

    @Test
    void anHsmReleaseThroughFileIoRecallsLayoutsFirst() throws Exception {
        fileIo.layoutGuard((fid, why) -> server.recallLayouts(fid, why)::close);
        NfsFs holder = mount("released");
        NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), "cold", 0666);
        holder.write(f, 0, new byte[STRIPE], Nfs4.FILE_SYNC4);
        Granted g = granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        CompletableFuture<Integer> returned = CompletableFuture.supplyAsync(() -> {
            try {
                CbLayoutRecallArgs recall = awaitRecall(holder.client());
                assertThat(recall.stateid().id()).isEqualTo(g.stateid().id());
                return holder.onFh(f.fh(), returnFile(recall.stateid())).status();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> Thread.ofVirtual().start(task));
        // never archived, so the MDS refuses the release itself; the layout was recalled before it asked
        assertThatThrownBy(() -> fileIo.release(Caller.ROOT, fidOf(holder, f))).isInstanceOf(NacreException.class);
        assertThat(returned.get(10, TimeUnit.SECONDS)).isEqualTo(NFS4_OK);
        granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
    }

    @Test
    void aRestripeRecallsLayoutsBeforeTheSwapAndTheNextLayoutNamesTheNewStripes() throws Exception {
        fileIo.layoutGuard((fid, why) -> server.recallLayouts(fid, why)::close);
        NfsFs holder = mount("restriped");
        NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), "moving", 0666);
        byte[] data = new byte[6 * STRIPE + 500];
        new Random(11).nextBytes(data);
        holder.write(f, 0, data, Nfs4.FILE_SYNC4);
        Fid fid = fidOf(holder, f);
        Layout old = core.metadata().layout(fid);
        Granted g = granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        // the holder writes unit 1 (stripe 1, object offset 0) straight to its data server
        Map<Integer, NfsTestClient> ds = dsClients("restriped");
        byte[] unit = new byte[STRIPE];
        new Random(12).nextBytes(unit);
        ok(dsFor(g, 1, ds).call(new PutfhArgs(g.file().fhs().get(1)), new WriteArgs(g.stateid(), 0, Nfs4.FILE_SYNC4,
                ByteBuffer.wrap(unit))));
        System.arraycopy(unit, 0, data, STRIPE, STRIPE);

        // on the recall the holder commits its layout and returns it, like Linux; the swap has not happened yet
        CompletableFuture<Object[]> returned = CompletableFuture.supplyAsync(() -> {
            try {
                CbLayoutRecallArgs recall = awaitRecall(holder.client());
                Layout atRecall = core.metadata().layout(fid);
                int during = layoutGet(holder, f.fh(), g.stateid(), Nfs4.LAYOUTIOMODE4_READ).status();
                ok(holder.onFh(f.fh(), new LayoutCommitArgs(0, -1L, false, g.stateid(), 2L * STRIPE - 1, null,
                        Nfs4.LAYOUT4_NFSV4_1_FILES, new byte[0])));
                int ret = holder.onFh(f.fh(), returnFile(recall.stateid())).status();
                return new Object[] {atRecall, during, ret};
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> Thread.ofVirtual().start(task));
        Layout now = fileIo.migrate(Caller.ROOT, fid, LayoutTemplate.of(2, 2 * STRIPE, ""));
        Object[] r = returned.get(10, TimeUnit.SECONDS);
        assertThat(r[0]).as("the layout when the recall came").isEqualTo(old);
        assertThat(r[1]).isEqualTo(NFS4ERR_RECALLCONFLICT);
        assertThat(r[2]).isEqualTo(NFS4_OK);

        // the next layout names the new stripes: two of 128 KiB, the objects of the new core layout
        Granted again = granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_READ));
        assertThat(again.file().fhs()).hasSize(2);
        assertThat(again.file().util() & FileLayout4.NFL4_UFLG_STRIPE_UNIT_SIZE_MASK).isEqualTo(2 * STRIPE);
        DsHandles handles = new DsHandles(core.metadata().fsid(), DsHandles.clusterSecret(core.metadata()));
        List<ObjectRef> objects = now.components().get(0).raid0().objects();
        for (int s = 0; s < 2; s++) {
            assertThat(handles.decode(again.file().fhs().get(s)).object()).isEqualTo(objects.get(s));
        }
        // the data, with the unit the holder wrote to a data server before, reads back through the data
        // servers of the new layout and through the MDS
        ReadRes first = result(ok(dsFor(again, 0, ds).call(new PutfhArgs(again.file().fhs().get(0)),
                new ReadArgs(Stateid4.ANONYMOUS, 0, 2 * STRIPE))), OpNum.READ).body(ReadRes.class);
        assertThat(NfsFs.data(first)).isEqualTo(Arrays.copyOf(data, 2 * STRIPE));
        ReadRes second = result(ok(dsFor(again, 1, ds).call(new PutfhArgs(again.file().fhs().get(1)),
                new ReadArgs(Stateid4.ANONYMOUS, 0, 2 * STRIPE))), OpNum.READ).body(ReadRes.class);
        assertThat(NfsFs.data(second)).isEqualTo(Arrays.copyOfRange(data, 2 * STRIPE, 4 * STRIPE));
        assertThat(readAll(holder, f)).isEqualTo(data);
        // the old objects are gone
        for (ObjectRef o : old.objects()) {
            assertThat(core.objects().stat(o).size()).isZero();
        }
    }

    private static CbLayoutRecallArgs awaitRecall(NfsTestClient c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            List<OpArgs> ops = c.callbacks.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (ops == null) {
                break;
            }
            for (OpArgs op : ops) {
                if (op instanceof CbLayoutRecallArgs r) {
                    return r;
                }
            }
        }
        throw new AssertionError("no CB_LAYOUTRECALL within 10 s");
    }

    private static Fattr4 size(long size) {
        return new Fattr4(Bitmap.of(AttrNum.SIZE), XdrIo.toBytes(x -> x.xdrEncodeLong(size)));
    }

    @Test
    void aLayoutNotReturnedWithinTheLeaseIsRevokedAndTheTruncateSentAgainGoesThrough() throws Exception {
        NfsFs holder = mount("sluggish");
        holder.client().renewingLease(Duration.ofSeconds(1));
        NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), "held", 0666);
        holder.write(f, 0, new byte[100], Nfs4.FILE_SYNC4);
        Granted g = granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        NfsFs other = mount("other");
        assertThat(other.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, size(0))).status())
                .isEqualTo(NFS4ERR_DELAY);
        Stateid4 recalled = awaitRecall(holder.client()).stateid();
        assertThat(recalled.id()).isEqualTo(g.stateid().id());
        // the truncate did not wait for the revocation: the layout is still the holder's, the size is as it was
        assertThat(testStateids(holder.client(), recalled)).containsExactly(NFS4_OK);
        assertThat(other.size(f.fh())).isEqualTo(100);
        // sent again (as Linux does, waiting longer each time) until the server revoked the layout, a lease (5 s)
        // after the recall; then it goes through
        ok(retryWhileDelayed(() -> other.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, size(0)))));
        assertThat(other.size(f.fh())).isZero();
        // the holder never returned it: the data servers refuse its handles, so a client that ignored the recall
        // cannot write the truncated file's objects
        assertThat(holder.onFh(f.fh(), returnFile(g.stateid())).status()).isEqualTo(NFS4ERR_BAD_STATEID);
        Map<Integer, NfsTestClient> ds = dsClients("sluggish");
        assertThat(dsFor(g, 0, ds).call(new PutfhArgs(g.file().fhs().get(0)), new WriteArgs(Stateid4.ANONYMOUS, 0,
                Nfs4.FILE_SYNC4, ByteBuffer.wrap(bytes("late"))))).extracting(CompoundRes::status)
                .isEqualTo(NFS4ERR_PNFS_NO_LAYOUT);
        // a new layout works
        Granted again = granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        WriteRes w = result(ok(dsFor(again, 0, ds).call(new PutfhArgs(again.file().fhs().get(0)),
                new WriteArgs(Stateid4.ANONYMOUS, 0, Nfs4.FILE_SYNC4, ByteBuffer.wrap(bytes("fresh"))))), OpNum.WRITE)
                .body(WriteRes.class);
        // durable, but the size is not on the MDS yet: DATA_SYNC4 makes the client send LAYOUTCOMMIT (Linux
        // sends none after FILE_SYNC4)
        assertThat(w.committed()).isEqualTo(Nfs4.DATA_SYNC4);

        // TEST_STATEID tells the revoked layout from the live one, until the client frees the revoked one
        int[] codes = result(ok(holder.client().call(new io.nacre.nfs.v41.xdr.TestStateidArgs(
                List.of(g.stateid(), again.stateid())))), OpNum.TEST_STATEID)
                .body(io.nacre.nfs.v41.xdr.TestStateidRes.class).codes();
        assertThat(codes).containsExactly(NFS4ERR_DELEG_REVOKED, NFS4_OK);
        ok(holder.client().call(new io.nacre.nfs.v41.xdr.FreeStateidArgs(g.stateid())));
        codes = result(ok(holder.client().call(new io.nacre.nfs.v41.xdr.TestStateidArgs(List.of(g.stateid())))),
                OpNum.TEST_STATEID).body(io.nacre.nfs.v41.xdr.TestStateidRes.class).codes();
        assertThat(codes).containsExactly(NFS4ERR_BAD_STATEID);
    }

    private static int seqFlags(CompoundRes r) {
        return result(ok(r), OpNum.SEQUENCE).body(io.nacre.nfs.v41.xdr.SequenceRes.class).statusFlags()
                & Nfs4.SEQ4_STATUS_RECALLABLE_STATE_REVOKED;
    }

    private int[] testStateids(NfsTestClient c, Stateid4... ids) throws Exception {
        return result(ok(c.call(new io.nacre.nfs.v41.xdr.TestStateidArgs(List.of(ids)))), OpNum.TEST_STATEID)
                .body(io.nacre.nfs.v41.xdr.TestStateidRes.class).codes();
    }

    /** Revokes the holder's layout of a new file: "other" truncates it and the holder ignores the recall. */
    private Granted revokedLayout(NfsFs holder, NfsFs other, String name) throws Exception {
        NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), name, 0666);
        Granted g = granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        ok(retryWhileDelayed(() -> other.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, size(0)))));
        assertThat(awaitRecall(holder.client()).stateid().id()).isEqualTo(g.stateid().id());
        return g;
    }

    @Test
    void aRevokedLayoutRaisesRecallableStateRevokedUntilTheClientHasSeenItOrFreedIt() throws Exception {
        NfsFs holder = mount("revoked");
        NfsFs other = mount("bystander");
        NfsTestClient c = holder.client();
        // before any revocation the bit is down
        assertThat(seqFlags(c.onSlot(1, 1, true))).isZero();
        Granted g = revokedLayout(holder, other, "seen");

        // every reply carries it until one has provably reached the client: on slot 2, then on slot 3
        assertThat(seqFlags(c.onSlot(2, 1, true))).isNotZero();
        assertThat(seqFlags(c.onSlot(3, 1, true))).isNotZero();
        // a retransmission gets the same reply, bit included
        assertThat(seqFlags(c.onSlot(3, 1, true))).isNotZero();
        assertThat(seqFlags(other.client().call())).as("other clients lost nothing").isZero();
        // the next request on slot 2 means the client has the reply that told it: no more (Linux drops every
        // layout on each reply with the bit, and never frees layout stateids)
        assertThat(seqFlags(c.onSlot(2, 2, true))).isZero();
        assertThat(seqFlags(c.onSlot(3, 2, true))).isZero();
        // TEST_STATEID still names the revoked stateid until FREE_STATEID
        assertThat(testStateids(c, g.stateid())).containsExactly(NFS4ERR_DELEG_REVOKED);
        ok(c.call(new io.nacre.nfs.v41.xdr.FreeStateidArgs(g.stateid())));
        assertThat(testStateids(c, g.stateid())).containsExactly(NFS4ERR_BAD_STATEID);

        // a client that frees the stateid at once (RFC 8881 §18.46.3) sees the bit drop with the free
        Granted g2 = revokedLayout(holder, other, "freed");
        assertThat(seqFlags(c.onSlot(4, 1, true))).isNotZero();
        assertThat(testStateids(c, g2.stateid())).containsExactly(NFS4ERR_DELEG_REVOKED);
        assertThat(seqFlags(c.onSlot(5, 1, true, new io.nacre.nfs.v41.xdr.FreeStateidArgs(g2.stateid()))))
                .isNotZero();
        assertThat(seqFlags(c.onSlot(6, 1, true))).isZero();
    }

    @Test
    void aDataServerAwayFromItsMetadataServerServesOnlyWhileItsRevocationsAreConfirmed() throws Exception {
        NfsFs fs = mount("away");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "away", 0666);
        Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW));
        LayoutFence remote = LayoutFence.confirmedWithin(Duration.ofMillis(500));
        DataServer away = DataServer.builder(core.objects(), core.metadata().fsid(), DsHandles.clusterSecret(
                core.metadata())).port(0).fence(remote).build().start();
        try {
            NfsTestClient c = connect(away.address(), "away");
            io.nacre.nfs.v41.xdr.GetattrArgs size = new io.nacre.nfs.v41.xdr.GetattrArgs(Bitmap.of(AttrNum.SIZE));
            // never confirmed (a data server that has not joined yet): it cannot know what was revoked
            assertThat(c.call(new PutfhArgs(g.file().fhs().get(0)), size).status()).isEqualTo(NFS4ERR_DELAY);
            remote.confirm(System.nanoTime());
            ok(c.call(new PutfhArgs(g.file().fhs().get(0)), size));
            // and once the confirmation is older than the bound, it answers NFS4ERR_DELAY again
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.call(new PutfhArgs(g.file().fhs().get(0)), size).status() != NFS4ERR_DELAY) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            // what a slow guest run needs to see: how often clients were told to wait
            assertThat(away.stats().delayed()).isGreaterThanOrEqualTo(2);
        } finally {
            away.close();
        }
    }

    @Test
    void aClientWithoutTheLayoutHasReturnedIt() throws Exception {
        NfsFs holder = mount("forgetful");
        holder.client().layoutRecallStatus = NFS4ERR_NOMATCHING_LAYOUT;
        NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), "forgotten", 0666);
        Granted g = granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_READ));
        long t0 = System.nanoTime();
        try (var recall = server.recallLayouts(fidOf(holder, f), "restripe")) {
            // no wait for a return that will not come
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            assertThat(layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_READ).status())
                    .isEqualTo(NFS4ERR_RECALLCONFLICT);
        }
        assertThat(holder.onFh(f.fh(), returnFile(g.stateid())).status()).isEqualTo(NFS4ERR_BAD_STATEID);
        granted(holder, layoutGet(holder, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_READ));
    }

    private Fid fidOf(NfsFs fs, NfsFs.Opened f) throws Exception {
        return new FileHandles(core.metadata().fsid()).decode(f.fh());
    }

    @Test
    void aStaleLayoutWrittenAfterAnotherGatewayRemovedTheFileMakesAnOrphanTheScrubDestroys() throws Exception {
        // nfs-gateway/README.md, "Not across nodes": a REMOVE through another gateway (here: the MDS itself)
        // recalls none of this gateway's layouts
        NfsFs fs = mount("stale");
        Writing w = writing(fs, "stale", "doomed");
        dsWrite(w.g(), w.ds(), 0, bytes("before\n"), Nfs4.FILE_SYNC4);
        Fid fid = fidOf(fs, w.f());
        ObjectRef first = core.metadata().layout(fid).objects().get(0);
        Fid dir = core.metadata().lookup(Caller.ROOT, Fid.ROOT, "striped").fid();
        core.metadata().remove(Caller.ROOT, dir, "doomed", io.nacre.engine.meta.MetadataService.RemoveKind.FILE);
        try (io.nacre.engine.io.Destroyer d = new io.nacre.engine.io.Destroyer(fileIo)) {
            d.runOnce();
        }
        assertThat(core.metadata().pendingDestroys(100)).isEmpty();
        assertThat(core.objects().stat(first)).isEqualTo(io.nacre.engine.store.ObjectStat.ABSENT);

        // the client still holds its layout and writes through it: the object is made anew, and nothing names it
        dsWrite(w.g(), w.ds(), 0, bytes("after\n"), Nfs4.FILE_SYNC4);
        assertThat(core.objects().stat(first).size()).isEqualTo(6);

        io.nacre.engine.scrub.OrphanScrub.Report now = io.nacre.engine.scrub.OrphanScrub
                .builder(core.metadata(), core.objects()).build().run();
        assertThat(now.recent()).as("written within the grace period: left").isEqualTo(1);
        assertThat(core.objects().stat(first).size()).isEqualTo(6);
        io.nacre.engine.scrub.OrphanScrub.Report later = io.nacre.engine.scrub.OrphanScrub
                .builder(core.metadata(), core.objects())
                .clock(java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofHours(2))).build().run();
        assertThat(later.destroyed()).isEqualTo(1);
        assertThat(later.osts()).flatExtracting(io.nacre.engine.scrub.OrphanScrub.OstReport::sample)
                .containsExactly(first.id());
        assertThat(core.objects().stat(first)).isEqualTo(io.nacre.engine.store.ObjectStat.ABSENT);
    }

    @Test
    void unlinkAndRenameOverRecallLayouts() throws Exception {
        NfsFs holder = mount("recalled");
        byte[] dirFh = holder.lookup(holder.root(), "striped");
        NfsFs.Opened a = holder.create(dirFh, "a", 0666);
        NfsFs.Opened b = holder.create(dirFh, "b", 0666);
        // read layouts, cached past the close: the files are not open when their names go, so their objects go
        Granted ga = granted(holder, layoutGet(holder, a.fh(), a.stateid(), Nfs4.LAYOUTIOMODE4_READ));
        Granted gb = granted(holder, layoutGet(holder, b.fh(), b.stateid(), Nfs4.LAYOUTIOMODE4_READ));
        holder.close(a);
        holder.close(b);
        holder.client().layoutRecallStatus = NFS4ERR_NOMATCHING_LAYOUT;
        NfsFs other = mount("namer");

        ok(retryWhileDelayed(() -> other.onFh(dirFh, new RemoveArgs(bytes("a")))));
        assertThat(awaitRecall(holder.client()).stateid().id()).isEqualTo(ga.stateid().id());

        NfsFs.Opened c = other.create(dirFh, "c", 0666);
        ok(retryWhileDelayed(() -> other.client().call(new PutfhArgs(dirFh), new VoidArgs(OpNum.SAVEFH),
                new PutfhArgs(dirFh), new RenameArgs(bytes("c"), bytes("b")))));
        assertThat(awaitRecall(holder.client()).stateid().id()).isEqualTo(gb.stateid().id());
        other.close(c);
    }

    @Test
    void aRenameOfAFileOntoItsOwnNameRecallsNothing() throws Exception {
        Held h = held("self-renamed", "itself");
        NfsFs other = mount("self-renamer");
        byte[] dirFh = other.lookup(other.root(), "striped");
        // nothing is replaced (RFC 8881 §18.26.4): answered at once, not NFS4ERR_DELAY for a recall
        ok(other.client().call(new PutfhArgs(dirFh), new VoidArgs(OpNum.SAVEFH), new PutfhArgs(dirFh),
                new RenameArgs(bytes("itself"), bytes("itself"))));
        assertThat(h.holder().client().callbacks.stream().flatMap(List::stream)).as("callbacks to the holder")
                .noneMatch(CbLayoutRecallArgs.class::isInstance);
        assertThat(other.lookup(dirFh, "itself")).isEqualTo(h.f().fh());
        // the holder's layout is still good: its commit is taken
        ok(h.holder().onFh(h.f().fh(), layoutCommit(h.g().stateid(), 3L * STRIPE - 1)));
    }

    @Test
    void devicesAreListedAndUnknownOnesAreNotFound() throws Exception {
        NfsFs fs = mount("lister");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "listed", 0644);
        Granted g = granted(fs, layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_READ));
        GetDeviceListRes list = result(ok(fs.onFh(f.fh(), new GetDeviceListArgs(Nfs4.LAYOUT4_NFSV4_1_FILES, 16, 0, 0))),
                OpNum.GETDEVICELIST).body(GetDeviceListRes.class);
        assertThat(list.devices()).contains(g.file().deviceId());
        assertThat(list.eof()).isTrue();
        assertThat(fs.client().call(new GetDeviceInfoArgs(new io.nacre.nfs.v41.xdr.DeviceId4(1, 2),
                Nfs4.LAYOUT4_NFSV4_1_FILES, 1 << 16, new int[0])).status()).isEqualTo(NFS4ERR_NOENT);
        assertThat(fs.client().call(new GetDeviceInfoArgs(g.file().deviceId(), Nfs4.LAYOUT4_NFSV4_1_FILES, 8,
                new int[0])).status()).isEqualTo(NFS4ERR_TOOSMALL);
    }

    @Test
    void aFileWithoutALayoutIsServedThroughTheMds() throws Exception {
        NfsFs fs = mount("delayed");
        core.metadata().create(Caller.ROOT, Fid.ROOT, "delayed", io.nacre.engine.meta.CreateSpec
                .builder(io.nacre.engine.meta.FileType.REGULAR).mode(0666).delayLayout(true).build());
        NfsFs.Opened f = NfsFs.opened(fs.open(fs.root(), "delayed", Nfs4.OPEN4_SHARE_ACCESS_BOTH));
        // created with a delayed layout (setstripe comes next): no objects, so no layout; the MDS serves it
        assertThat(layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_READ).status())
                .isEqualTo(NFS4ERR_LAYOUTUNAVAILABLE);
        assertThat(layoutGet(fs, f.fh(), f.stateid(), Nfs4.LAYOUTIOMODE4_RW).status())
                .isEqualTo(NFS4ERR_LAYOUTUNAVAILABLE);
        assertThat(fs.read(f.fh(), f.stateid(), 0, 100).eof()).isTrue();
    }

    @Test
    void layoutGetRefusesWhatFileLayoutsCannotServe() throws Exception {
        NfsFs fs = mount("refused");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "plain", 0644);
        assertThat(fs.onFh(f.fh(), new LayoutGetArgs(false, 4, Nfs4.LAYOUTIOMODE4_RW, 0, -1L, 0, f.stateid(),
                1 << 20)).status()).isEqualTo(NFS4ERR_UNKNOWN_LAYOUTTYPE);
        assertThat(fs.onFh(f.fh(), new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES, 7, 0, -1L, 0, f.stateid(),
                1 << 20)).status()).isEqualTo(NFS4ERR_BADIOMODE);
        assertThat(layoutGet(fs, fs.root(), Stateid4.ANONYMOUS, Nfs4.LAYOUTIOMODE4_READ).status())
                .isEqualTo(NFS4ERR_ISDIR);
        assertThat(layoutGet(fs, f.fh(), Stateid4.ANONYMOUS, Nfs4.LAYOUTIOMODE4_READ).status())
                .isEqualTo(NFS4ERR_BAD_STATEID);
        // a write layout needs an open for writing
        NfsFs reader = new NfsFs(fs.client(), "reader-open-owner");
        NfsFs.Opened ro = NfsFs.opened(reader.open(fs.lookup(fs.root(), "striped"), "plain",
                Nfs4.OPEN4_SHARE_ACCESS_READ));
        assertThat(layoutGet(fs, ro.fh(), ro.stateid(), Nfs4.LAYOUTIOMODE4_RW).status()).isEqualTo(NFS4ERR_OPENMODE);
        assertThat(layoutGet(fs, ro.fh(), ro.stateid(), Nfs4.LAYOUTIOMODE4_READ).status()).isEqualTo(NFS4_OK);
    }
}
