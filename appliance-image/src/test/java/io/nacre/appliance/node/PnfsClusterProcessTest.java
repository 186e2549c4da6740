package io.nacre.appliance.node;

import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.appliance.Main;
import io.nacre.engine.layout.Striping;
import io.nacre.nfs.v41.NfsFs;
import io.nacre.nfs.v41.NfsTestClient;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.xdr.CommitArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.FileLayout4;
import io.nacre.nfs.v41.xdr.FileLayoutDsAddr4;
import io.nacre.nfs.v41.xdr.GetDeviceInfoArgs;
import io.nacre.nfs.v41.xdr.GetDeviceInfoRes;
import io.nacre.nfs.v41.xdr.Layout4;
import io.nacre.nfs.v41.xdr.LayoutCommitArgs;
import io.nacre.nfs.v41.xdr.LayoutGetArgs;
import io.nacre.nfs.v41.xdr.LayoutGetRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.SetattrArgs;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.WriteArgs;
import io.nacre.nfs.v41.xdr.WriteRes;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * pNFS across processes, as deployed: {@code nacre up --pnfs --osts 0} (the MDS node: metadata, the NFS
 * metadata server, no OSTs of its own) and two {@code nacre oss} processes (two OSTs, the OSS service and a
 * data server each) that join it. The test client gets layouts from the MDS and does its I/O on the data
 * servers of the OSS processes, over real ONC RPC; revocations reach them over the OSS protocol; one is
 * killed with SIGKILL mid-write.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PnfsClusterProcessTest {

    private static final int STRIPE = 64 * 1024;
    private static final Duration START = Duration.ofMinutes(3);
    /**
     * The MDS node's NFS lease: a layout not returned within it after its recall is revoked. The test's clients
     * renew theirs as Linux does, every third of it.
     */
    private static final Duration LEASE = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;

    private NacreProcess mds;
    private final NacreProcess[] oss = new NacreProcess[2];
    /** The data-server port of each OSS process, and the OST indexes it holds. */
    private final int[] dsPort = new int[2];
    private String admin;
    private InetSocketAddress nfs;
    private final List<NfsTestClient> clients = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        mds = NacreProcess.start(tmp.resolve("mds.log"), "up", "--data", tmp.resolve("mds").toString(),
                "--admin-port", "0", "--s3-port", "0", "--nfs-port", "0", "--nfs-lease", Long.toString(LEASE.toSeconds()), "--pnfs", "--osts", "0")
                .awaitUp(START);
        admin = mds.await(Pattern.compile("admin\\s+(http://127\\.0\\.0\\.1:\\d+)"), START);
        nfs = new InetSocketAddress("127.0.0.1",
                Integer.parseInt(mds.await(Pattern.compile("NFS\\s+127\\.0\\.0\\.1:(\\d+)"), START)));
        for (int i = 0; i < 2; i++) {
            startOss(i);
        }
        assertThat(cli("mkdir", "/striped")).isZero();
        assertThat(cli("setstripe", "-c", "4", "-S", "64K", "/striped")).isZero();
    }

    /** OSS process i holds OSTs 2i and 2i+1; a restart keeps its data directory and picks new ports. */
    private void startOss(int i) throws Exception {
        oss[i] = NacreProcess.start(tmp.resolve("oss" + i + ".log"), "oss", "--data",
                tmp.resolve("oss" + i).toString(), "--join", admin, "--oss-port", "0", "--nfs-ds-port", "0",
                "--first-ost", Integer.toString(2 * i), "--osts", "2", "--nfs-lease", "120").awaitUp(START);
        dsPort[i] = Integer.parseInt(oss[i].await(Pattern.compile("data server 127\\.0\\.0\\.1:(\\d+)"), START));
    }

    @AfterAll
    void stopCluster() throws Exception {
        for (NfsTestClient c : clients) {
            c.close();
        }
        for (NacreProcess p : oss) {
            if (p != null) {
                p.close();
            }
        }
        if (mds != null) {
            mds.close();
        }
    }

    private int cli(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--admin";
        all[1] = admin;
        System.arraycopy(args, 0, all, 2, args.length);
        return Main.run(all, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    private NfsTestClient connect(InetSocketAddress a, String owner) throws IOException {
        NfsTestClient c = NfsTestClient.connect(a).mount(owner);
        clients.add(c);
        return c;
    }

    private NfsFs mount(String owner) throws IOException {
        return new NfsFs(connect(nfs, owner).renewingLease(LEASE.dividedBy(3)), owner + "-open-owner");
    }

    /** A layout as the client sees it: the stateid, the file layout body and its device. */
    record Granted(Stateid4 stateid, FileLayout4 file, FileLayoutDsAddr4 device) {
        /** The port of the data server of a stripe, from its universal address h1.h2.h3.h4.p1.p2. */
        int port(int stripe) {
            String[] p = device.dataServers().get(device.stripeIndices()[stripe]).get(0).uaddr().split("\\.");
            return Integer.parseInt(p[4]) * 256 + Integer.parseInt(p[5]);
        }
    }

    private static Granted layout(NfsFs fs, NfsFs.Opened f) throws IOException {
        LayoutGetRes lg = result(ok(fs.onFh(f.fh(), new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES,
                Nfs4.LAYOUTIOMODE4_RW, 0, -1L, 0, f.stateid(), 1 << 20))), OpNum.LAYOUTGET).body(LayoutGetRes.class);
        Layout4 l = lg.layouts().get(0);
        FileLayout4 body = FileLayout4.decode(XdrIo.decoder(l.body()));
        GetDeviceInfoRes di = result(ok(fs.client().call(new GetDeviceInfoArgs(body.deviceId(),
                Nfs4.LAYOUT4_NFSV4_1_FILES, 1 << 16, new int[0]))), OpNum.GETDEVICEINFO).body(GetDeviceInfoRes.class);
        return new Granted(lg.stateid(), body, FileLayoutDsAddr4.decode(XdrIo.decoder(di.addrBody())));
    }

    private Map<Integer, NfsTestClient> dataServers(String owner) throws IOException {
        Map<Integer, NfsTestClient> byPort = new HashMap<>();
        for (int port : dsPort) {
            NfsTestClient c = connect(new InetSocketAddress("127.0.0.1", port), owner);
            assertThat(c.exchangeFlags() & Nfs4.EXCHGID4_FLAG_MASK_PNFS).isEqualTo(Nfs4.EXCHGID4_FLAG_USE_PNFS_DS);
            byPort.put(port, c);
        }
        return byPort;
    }

    private static CompoundRes dsWrite(NfsTestClient ds, Granted g, int stripe, long objectOffset, byte[] data, int off,
                                       int len, int stable) throws IOException {
        return ds.call(new PutfhArgs(g.file().fhs().get(stripe)),
                new WriteArgs(g.stateid(), objectOffset, stable, ByteBuffer.wrap(data, off, len)));
    }

    private static void layoutCommit(NfsFs fs, NfsFs.Opened f, Granted g, long size) throws IOException {
        ok(fs.onFh(f.fh(), new LayoutCommitArgs(0, -1L, false, g.stateid(), size - 1, null,
                Nfs4.LAYOUT4_NFSV4_1_FILES, new byte[0])));
    }

    private static byte[] readThroughMds(NfsFs fs, NfsFs.Opened f) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long pos = 0;
        while (true) {
            ReadRes r = fs.read(f.fh(), f.stateid(), pos, 1 << 20);
            byte[] chunk = NfsFs.data(r);
            out.write(chunk);
            pos += chunk.length;
            if (r.eof() || chunk.length == 0) {
                return out.toByteArray();
            }
        }
    }

    @Test
    @Order(1)
    void stripesGoStraightToTheDataServersOfTheOssProcesses() throws Exception {
        NfsFs fs = mount("writer");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "data.bin", 0644);
        Granted g = layout(fs, f);
        // four stripes over the OSTs of both OSS processes, each named by its own data server
        assertThat(g.file().fhs()).hasSize(4);
        Set<Integer> ports = new java.util.HashSet<>();
        for (int s = 0; s < 4; s++) {
            ports.add(g.port(s));
        }
        assertThat(ports).containsExactlyInAnyOrder(dsPort[0], dsPort[1]);

        Map<Integer, NfsTestClient> ds = dataServers("writer");
        byte[] data = new byte[10 * STRIPE + 1000];
        new Random(5).nextBytes(data);
        for (int off = 0; off < data.length; off += STRIPE) {
            Striping.Location loc = Striping.locate(0, STRIPE, 4, off);
            WriteRes w = result(ok(dsWrite(ds.get(g.port(loc.stripe())), g, loc.stripe(), loc.objectOffset(), data, off,
                    Math.min(STRIPE, data.length - off), Nfs4.UNSTABLE4)), OpNum.WRITE).body(WriteRes.class);
            assertThat(w.committed()).isEqualTo(Nfs4.UNSTABLE4);
        }
        for (int s = 0; s < 4; s++) {
            ok(ds.get(g.port(s)).call(new PutfhArgs(g.file().fhs().get(s)), new CommitArgs(0, 0)));
        }
        layoutCommit(fs, f, g, data.length);
        assertThat(fs.size(f.fh())).isEqualTo(data.length);
        // the MDS node reads the objects back from the OSS processes (it holds no OST itself)
        assertThat(Arrays.equals(readThroughMds(fs, f), data)).as("read through the MDS").isTrue();
        // and a data server reads its stripe: unit 1 is the start of stripe 1's object
        ReadRes r = result(ok(ds.get(g.port(1)).call(new PutfhArgs(g.file().fhs().get(1)),
                new ReadArgs(Stateid4.ANONYMOUS, 0, STRIPE))), OpNum.READ).body(ReadRes.class);
        assertThat(Arrays.equals(NfsFs.data(r), 0, STRIPE, data, STRIPE, 2 * STRIPE)).isTrue();
        fs.close(f);
    }

    @Test
    @Order(2)
    void aForgedOrAlteredHandleIsRefusedByTheDataServerProcess() throws Exception {
        NfsFs fs = mount("forger");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "secret.bin", 0600);
        Granted g = layout(fs, f);
        NfsTestClient ds = dataServers("forger").get(g.port(0));
        byte[] good = g.file().fhs().get(0);
        assertThat(ds.call(new PutfhArgs(good), new io.nacre.nfs.v41.xdr.GetattrArgs(Bitmap.of(AttrNum.SIZE)))
                .status()).isEqualTo(Nfs4Status.NFS4_OK);
        byte[] otherObject = good.clone();
        otherObject[36] ^= 1; // the object id, signature unchanged
        byte[] badMac = good.clone();
        badMac[good.length - 1] ^= 1;
        for (byte[] forged : List.of(otherObject, badMac, f.fh())) {
            assertThat(Nfs4Status.name(ds.call(new PutfhArgs(forged), new WriteArgs(Stateid4.ANONYMOUS, 0,
                    Nfs4.FILE_SYNC4, ByteBuffer.wrap(new byte[] {1, 2, 3}))).status())).isEqualTo("NFS4ERR_BADHANDLE");
        }
        assertThat(fs.size(f.fh())).isZero();
        fs.close(f);
    }

    @Test
    @Order(3)
    void aLayoutRevokedAfterARecallIsFencedOnTheDataServerProcesses() throws Exception {
        NfsFs holder = mount("sluggish");
        NfsFs.Opened f = holder.create(holder.lookup(holder.root(), "striped"), "held.bin", 0666);
        Granted g = layout(holder, f);
        Map<Integer, NfsTestClient> ds = dataServers("sluggish");
        byte[] early = new byte[] {'e', 'a', 'r', 'l', 'y'};
        ok(dsWrite(ds.get(g.port(0)), g, 0, 0, early, 0, early.length, Nfs4.FILE_SYNC4));
        // another client truncates: the holder is recalled, answers but never returns the layout: the truncate
        // is answered NFS4ERR_DELAY, and sent again (as Linux does) until the MDS revoked the layout, a lease
        // after the recall, and told both data servers, which then refuse its handles
        NfsFs other = mount("truncater");
        Fattr4 zero = new Fattr4(Bitmap.of(AttrNum.SIZE), XdrIo.toBytes(x -> x.xdrEncodeLong(0)));
        assertThat(Nfs4Status.name(other.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, zero)).status()))
                .isEqualTo("NFS4ERR_DELAY");
        retryWhileDelayed(() -> ok(other.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, zero))));
        assertThat(other.size(f.fh())).isZero();
        for (int s = 0; s < 4; s++) {
            assertThat(Nfs4Status.name(dsWrite(ds.get(g.port(s)), g, s, 0, early, 0, early.length, Nfs4.FILE_SYNC4)
                    .status())).as("stripe %d", s).isEqualTo("NFS4ERR_PNFS_NO_LAYOUT");
        }
        // a new layout works on the same data servers
        Granted again = layout(holder, f);
        ok(dsWrite(ds.get(again.port(0)), again, 0, 0, early, 0, early.length, Nfs4.FILE_SYNC4));
    }

    @Test
    @Order(4)
    void aDataServerKilledMidWriteLosesNoCommittedByteAndTheMdsServesTheRest() throws Exception {
        NfsFs fs = mount("survivor");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "survivor.bin", 0644);
        Granted g = layout(fs, f);
        Map<Integer, NfsTestClient> ds = dataServers("survivor");
        int victim = 0;
        int deadPort = dsPort[victim];
        int doomed = -1;
        int alive = -1;
        for (int s = 0; s < 4; s++) {
            if (g.port(s) == deadPort && doomed < 0) {
                doomed = s;
            } else if (g.port(s) != deadPort && alive < 0) {
                alive = s;
            }
        }
        int rows = 12;
        byte[] data = new byte[rows * 4 * STRIPE];
        new Random(11).nextBytes(data);
        // every stripe of rows 0..7 written and committed: acknowledged as stable
        for (int row = 0; row < 8; row++) {
            for (int s = 0; s < 4; s++) {
                int off = (row * 4 + s) * STRIPE;
                ok(dsWrite(ds.get(g.port(s)), g, s, (long) row * STRIPE, data, off, STRIPE, Nfs4.UNSTABLE4));
            }
        }
        for (int s = 0; s < 4; s++) {
            ok(ds.get(g.port(s)).call(new PutfhArgs(g.file().fhs().get(s)), new CommitArgs(0, 0)));
        }
        layoutCommit(fs, f, g, data.length);
        // rows 8.. in flight, unstable, when the data server dies
        for (int row = 8; row < rows; row++) {
            for (int s = 0; s < 4; s++) {
                int off = (row * 4 + s) * STRIPE;
                ok(dsWrite(ds.get(g.port(s)), g, s, (long) row * STRIPE, data, off, STRIPE, Nfs4.UNSTABLE4));
            }
        }
        oss[victim].kill();
        // the other node commits its part; what went to the dead one the client must send again
        for (int s = 0; s < 4; s++) {
            if (g.port(s) != deadPort) {
                ok(ds.get(g.port(s)).call(new PutfhArgs(g.file().fhs().get(s)), new CommitArgs(0, 0)));
            }
        }
        int lost = doomed;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
            CompoundRes r = dsWrite(ds.get(g.port(lost)), g, lost, 0, data, 0, STRIPE, Nfs4.FILE_SYNC4);
            throw new AssertionError("a dead data server answered " + Nfs4Status.name(r.status()));
        }).isInstanceOf(IOException.class);

        // the client falls back to the MDS: the stripes on the live node are served at once, those of the
        // dead one answer NFS4ERR_DELAY (try again) until it is back, never wrong data
        int aliveOff = alive * STRIPE;
        ReadRes live = fs.read(f.fh(), f.stateid(), aliveOff, STRIPE);
        assertThat(Arrays.equals(NfsFs.data(live), 0, STRIPE, data, aliveOff, aliveOff + STRIPE)).isTrue();
        CompoundRes down = fs.onFh(f.fh(), new ReadArgs(f.stateid(), (long) doomed * STRIPE, STRIPE));
        assertThat(Nfs4Status.name(down.status())).isEqualTo("NFS4ERR_DELAY");

        startOss(victim);
        // every committed byte is there, read through the MDS from the restarted OSS process
        byte[] back = retryWhileDelayed(() -> readThroughMds(fs, f));
        for (int row = 0; row < 8; row++) {
            int off = row * 4 * STRIPE;
            assertThat(Arrays.equals(back, off, off + 4 * STRIPE, data, off, off + 4 * STRIPE)).as("row %d", row)
                    .isTrue();
        }
        // and the MDS takes what the dead node never committed itself (proxy I/O), stable
        for (int row = 8; row < rows; row++) {
            for (int s = 0; s < 4; s++) {
                if (g.port(s) == deadPort) {
                    int off = (row * 4 + s) * STRIPE;
                    fs.write(f, off, Arrays.copyOfRange(data, off, off + STRIPE), Nfs4.FILE_SYNC4);
                }
            }
        }
        assertThat(Arrays.equals(readThroughMds(fs, f), data)).isTrue();
    }

    @Test
    @Order(5)
    void anOssThatHangsIsMarkedDownItsStripesAnswerDelayAndItComesBackWhenItResumes() throws Exception {
        NfsFs fs = mount("patient");
        NfsFs.Opened f = fs.create(fs.lookup(fs.root(), "striped"), "patient.bin", 0644);
        byte[] data = new byte[8 * STRIPE];
        new Random(17).nextBytes(data);
        fs.write(f, 0, data, Nfs4.FILE_SYNC4);
        NfsFs holder = mount("holder");
        NfsFs.Opened held = NfsFs.opened(holder.open(holder.lookup(holder.root(), "striped"), "patient.bin",
                Nfs4.OPEN4_SHARE_ACCESS_BOTH));
        Granted g = layout(holder, held);
        int hung = 1;
        int stuck = -1;
        int alive = -1;
        for (int s = 0; s < 4; s++) {
            if (g.port(s) == dsPort[hung] && stuck < 0) {
                stuck = s;
            } else if (g.port(s) != dsPort[hung] && alive < 0) {
                alive = s;
            }
        }
        int stuckOff = stuck * STRIPE;
        int aliveOff = alive * STRIPE;
        Map<Integer, NfsTestClient> ds = dataServers("holder");

        oss[hung].stop();
        try {
            // a read of a stripe on the hung node: the MDS waits a bounded time (not RemoteObjectStore's old
            // 5 minutes), then answers NFS4ERR_DELAY and marks the node down
            CompoundRes first = within(Duration.ofSeconds(90),
                    () -> fs.onFh(f.fh(), new ReadArgs(f.stateid(), stuckOff, STRIPE)));
            assertThat(Nfs4Status.name(first.status())).isEqualTo("NFS4ERR_DELAY");
            assertThat(nodeUp(hung)).as("the admin endpoint shows the hung node down").isFalse();
            assertThat(nodeUp(1 - hung)).isTrue();
            // while it is down its stripes answer NFS4ERR_DELAY (at once), the live node's are served
            assertThat(Nfs4Status.name(within(Duration.ofSeconds(90),
                    () -> fs.onFh(f.fh(), new ReadArgs(f.stateid(), stuckOff, STRIPE))).status()))
                    .isEqualTo("NFS4ERR_DELAY");
            ReadRes live = fs.read(f.fh(), f.stateid(), aliveOff, STRIPE);
            assertThat(Arrays.equals(NfsFs.data(live), 0, STRIPE, data, aliveOff, aliveOff + STRIPE)).isTrue();
        } finally {
            oss[hung].resume();
        }
        // resumed: the MDS finds it answering again and serves every byte
        assertThat(Arrays.equals(retryWhileDelayed(() -> readThroughMds(fs, f)), data)).isTrue();
        assertThat(nodeUp(hung)).isTrue();

        oss[hung].stop();
        NfsFs other = mount("cutter");
        int stripe = stuck;
        java.util.concurrent.CompletableFuture<Integer> queued = null;
        Fattr4 zero = new Fattr4(Bitmap.of(AttrNum.SIZE), XdrIo.toBytes(x -> x.xdrEncodeLong(0)));
        try {
            // a truncate recalls the holder's layout, which it never returns: NFS4ERR_DELAY while the recall is out
            CompoundRes cut = within(Duration.ofSeconds(120),
                    () -> other.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, zero)));
            assertThat(Nfs4Status.name(cut.status())).isEqualTo("NFS4ERR_DELAY");
            // a lease after the recall the layout is revoked: fenced on the live node (the hung one cannot be told)
            NfsTestClient liveDs = ds.get(g.port(alive));
            long fenced = System.nanoTime() + LEASE.plusMinutes(1).toNanos();
            while (!Nfs4Status.name(liveDs.call(new PutfhArgs(g.file().fhs().get(alive)),
                    new io.nacre.nfs.v41.xdr.GetattrArgs(Bitmap.of(AttrNum.SIZE))).status())
                    .equals("NFS4ERR_PNFS_NO_LAYOUT")) {
                assertThat(System.nanoTime()).as("revocation fenced on the live node").isLessThan(fenced);
                java.util.concurrent.locks.LockSupport.parkNanos(200_000_000);
            }
            assertThat(Nfs4Status.name(dsWrite(liveDs, g, alive, 0, data, 0, 5, Nfs4.FILE_SYNC4).status()))
                    .isEqualTo("NFS4ERR_PNFS_NO_LAYOUT");
            // the truncate sent again goes on once the revocation is done, and the hung node's objects cannot be
            // punched: it still answers NFS4ERR_DELAY, in bounded time, the size set (the punches wait for the node)
            long cutDeadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            do {
                assertThat(System.nanoTime()).as("the size set by a truncate sent again").isLessThan(cutDeadline);
                CompoundRes again = within(Duration.ofSeconds(120),
                        () -> other.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, zero)));
                assertThat(Nfs4Status.name(again.status())).isEqualTo("NFS4ERR_DELAY");
            } while (other.size(f.fh()) != 0);
            // the holder's write with the revoked layout waits in the hung node's socket
            queued = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return dsWrite(ds.get(dsPort[hung]), g, stripe, 0, data, 0, 5, Nfs4.FILE_SYNC4).status();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
        } finally {
            oss[hung].resume();
        }
        // resumed, the data server does not serve it: it has not heard of the revocation yet, and it knows
        // that it cannot know (no join for longer than the MDS node waits for a fence)
        assertThat(Nfs4Status.name(queued.get(90, java.util.concurrent.TimeUnit.SECONDS)))
                .isIn("NFS4ERR_DELAY", "NFS4ERR_PNFS_NO_LAYOUT");
        // the client's retry goes through once the node answers again
        retryWhileDelayed(() -> ok(other.onFh(f.fh(), new SetattrArgs(Stateid4.ANONYMOUS, zero))));
        assertThat(fs.size(f.fh())).isZero();
        // and the revocation reaches the resumed data server with its next join
        NfsTestClient resumedDs = ds.get(dsPort[hung]);
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!Nfs4Status.name(resumedDs.call(new PutfhArgs(g.file().fhs().get(stripe)),
                new io.nacre.nfs.v41.xdr.GetattrArgs(Bitmap.of(AttrNum.SIZE))).status()).equals("NFS4ERR_PNFS_NO_LAYOUT")) {
            assertThat(System.nanoTime()).as("revocation fenced on the resumed node").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(200_000_000);
        }
    }

    /** Whether the MDS node's admin endpoint lists OSS process i as up (GET /api/v1/oss/nodes). */
    private boolean nodeUp(int i) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(admin + "/api/v1/oss/nodes")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode nodes = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        for (com.fasterxml.jackson.databind.JsonNode n : nodes) {
            if (n.get("osts").get(0).asInt() == 2 * i) {
                return n.get("up").asBoolean();
            }
        }
        throw new AssertionError("OSS process " + i + " not listed: " + r.body());
    }

    /** Runs a call that must answer within {@code bound}: a hang fails the test instead of stalling it. */
    private static <T> T within(Duration bound, IoCall<T> call) throws Exception {
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(call.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f.get(bound.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    }

    private interface IoCall<T> {
        T call() throws IOException;
    }

    /** Retries while the MDS answers NFS4ERR_DELAY (an OSS node that is joining again), up to a minute. */
    private static <T> T retryWhileDelayed(IoCall<T> call) throws IOException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            try {
                return call.call();
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline || !String.valueOf(e.getMessage()).contains("NFS4ERR_DELAY")) {
                    throw e;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000_000);
            }
        }
    }
}
