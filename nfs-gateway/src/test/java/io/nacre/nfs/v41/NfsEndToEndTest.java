package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsFs.bytes;
import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;
import static io.nacre.nfs.v41.xdr.Nfs4Status.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.xdr.ChangeInfo4;
import io.nacre.nfs.v41.xdr.ChangeInfoRes;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetattrRes;
import io.nacre.nfs.v41.xdr.LockArgs;
import io.nacre.nfs.v41.xdr.LocktArgs;
import io.nacre.nfs.v41.xdr.LockuArgs;
import io.nacre.nfs.v41.xdr.LookupArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpenArgs;
import io.nacre.nfs.v41.xdr.OpenRes;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.RemoveArgs;
import io.nacre.nfs.v41.xdr.RenameArgs;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.StateidRes;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import io.nacre.nfs.v41.xdr.WriteRes;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NFSv4.1 server end to end: a real core (one MDS peer, four OSTs), FileIo, the server on loopback,
 * and compounds as the Linux client sends them, over real ONC RPC.
 */
class NfsEndToEndTest {

    @TempDir
    Path dir;

    private EmbeddedCore core;
    private FileIo fileIo;
    private NfsServer server;

    @BeforeEach
    void start() throws Exception {
        core = EmbeddedCore.start(dir);
        startNfs("/ 127.0.0.1(rw,no_root_squash)");
    }

    private void startNfs(String exports) throws Exception {
        fileIo = new FileIo(core.metadata(), core.objects());
        server = NfsServer.builder(core.metadata(), fileIo).port(0).exports(ExportTable.parse(exports))
                .leaseTime(Duration.ofSeconds(5)).build().start();
    }

    private void stopNfs() {
        server.close();
        fileIo.close();
    }

    @AfterEach
    void stop() {
        stopNfs();
        core.close();
    }

    private NfsFs mount(String owner) throws Exception {
        NfsTestClient c = NfsTestClient.connect(server.address()).mount(owner);
        return new NfsFs(c, owner + "-open-owner");
    }

    @Test
    void aPortAlreadyTakenFailsTheStartAndLeavesNoThreadsBehind() throws Exception {
        long before = rpcThreads();
        assertThat(before).as("threads of the running server's RPC service").isPositive();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            NfsServer second = NfsServer.builder(core.metadata(), fileIo).port(taken.getLocalPort()).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(second::start).isInstanceOf(java.io.IOException.class);
            second.close();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (rpcThreads() > before && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
        assertThat(rpcThreads()).as("threads of the RPC service").isEqualTo(before);
        // the server that did start still serves
        assertThat(mount("after").root()).isNotEmpty();
    }

    /** Threads of NFS RPC services in this JVM (their names carry the service name). */
    private static long rpcThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().contains("nacre-nfs")).count();
    }

    @Test
    void writesToAReleasedFileAreDelayedLikeReads() throws Exception {
        core.metadata().hsmImport(Caller.ROOT, Fid.ROOT, "stub.bin",
                new io.nacre.engine.hsm.HsmImport.Spec(1, "bucket/stub.bin", "etag:x", 5000, 0, 0, 0, 0644, false));
        NfsFs fs = mount("hsm");
        NfsFs.Opened f = NfsFs.opened(fs.open(fs.root(), "stub.bin", Nfs4.OPEN4_SHARE_ACCESS_BOTH));
        for (int stable : new int[] {Nfs4.UNSTABLE4, Nfs4.FILE_SYNC4}) {
            for (long offset : new long[] {0, 4999, 5000, 1 << 20, 1L << 32}) {
                CompoundRes w = fs.onFh(f.fh(), new io.nacre.nfs.v41.xdr.WriteArgs(f.stateid(), offset, stable,
                        java.nio.ByteBuffer.wrap(new byte[4096])));
                assertThat(Nfs4Status.name(w.status())).as("WRITE at %d, stable %d", offset, stable)
                        .isEqualTo("NFS4ERR_DELAY");
            }
        }
        assertThat(Nfs4Status.name(fs.onFh(f.fh(), new io.nacre.nfs.v41.xdr.ReadArgs(f.stateid(), 0, 4096)).status()))
                .isEqualTo("NFS4ERR_DELAY");
    }

    @Test
    void writtenDataReadsBackAndUnstableWritesCommit() throws Exception {
        NfsFs fs = mount("writer");
        byte[] root = fs.root();
        NfsFs.Opened f = fs.create(root, "data.bin", 0644);
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(1).nextBytes(data);
        WriteRes w = null;
        for (int off = 0; off < data.length; off += 1 << 20) {
            int n = Math.min(1 << 20, data.length - off);
            w = fs.write(f, off, java.util.Arrays.copyOfRange(data, off, off + n), Nfs4.UNSTABLE4);
            assertThat(w.committed()).isEqualTo(Nfs4.UNSTABLE4);
        }
        assertThat(fs.commit(f.fh())).isEqualTo(w.verifier());
        assertThat(fs.size(f.fh())).isEqualTo(data.length);
        byte[] back = new byte[data.length];
        int pos = 0;
        while (true) {
            ReadRes r = fs.read(f.fh(), f.stateid(), pos, 1 << 20);
            byte[] chunk = NfsFs.data(r);
            System.arraycopy(chunk, 0, back, pos, chunk.length);
            pos += chunk.length;
            if (r.eof()) {
                break;
            }
        }
        assertThat(pos).isEqualTo(data.length);
        assertThat(back).isEqualTo(data);
        fs.close(f);
        assertThat(core.metadata().lookup(Caller.ROOT, Fid.ROOT, "data.bin").size()).isEqualTo(data.length);
    }

    @Test
    void holesOfASparseFileTakeNoSpace() throws Exception {
        NfsFs fs = mount("sparse");
        NfsFs.Opened f = fs.create(fs.root(), "sparse", 0644);
        fs.write(f, 512L << 20, bytes("island"), Nfs4.FILE_SYNC4);
        fs.write(f, (1L << 30) - 4, bytes("tail"), Nfs4.FILE_SYNC4);
        assertThat(fs.size(f.fh())).isEqualTo(1L << 30);
        assertThat(fs.getattr(f.fh(), AttrNum.SPACE_USED).xdrDecodeLong()).isPositive().isLessThan(16L << 20);
        assertThat(NfsFs.data(fs.read(f.fh(), f.stateid(), 100L << 20, 4096))).containsOnly(0);
    }

    @Test
    void fileSyncWriteIsDurableWithItsSize() throws Exception {
        NfsFs fs = mount("syncer");
        NfsFs.Opened f = fs.create(fs.root(), "sync.txt", 0600);
        WriteRes w = fs.write(f, 0, bytes("hello"), Nfs4.FILE_SYNC4);
        assertThat(w.committed()).isEqualTo(Nfs4.FILE_SYNC4);
        assertThat(core.metadata().lookup(Caller.ROOT, Fid.ROOT, "sync.txt").size()).isEqualTo(5);
    }

    @Test
    void exclusiveCreateRetriedWithItsVerifierFindsTheFile() throws Exception {
        NfsFs fs = mount("excl");
        byte[] root = fs.root();
        StateOwner4 owner = new StateOwner4(fs.client().clientid(), bytes("x"));
        OpenArgs create = OpenArgs.create(owner, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0, bytes("excl"), Nfs4.EXCLUSIVE4_1,
                NfsFs.mode(0640), 0x1122334455667788L);
        CompoundRes first = ok(fs.onFh(root, create, new VoidArgs(OpNum.GETFH)));
        assertThat(result(first, OpNum.OPEN).body(OpenRes.class).attrset()).isNotEmpty();
        ok(fs.onFh(root, create, new VoidArgs(OpNum.GETFH)));
        OpenArgs other = OpenArgs.create(owner, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0, bytes("excl"), Nfs4.EXCLUSIVE4_1,
                NfsFs.mode(0640), 42);
        assertThat(fs.onFh(root, other).status()).isEqualTo(NFS4ERR_EXIST);
        assertThat(fs.onFh(root, OpenArgs.create(owner, 3, 0, bytes("excl"), Nfs4.GUARDED4, NfsFs.mode(0600), 0))
                .status()).isEqualTo(NFS4ERR_EXIST);
    }

    @Test
    void retransmittedRemoveGetsTheCachedSuccess() throws Exception {
        NfsFs fs = mount("retry");
        byte[] root = fs.root();
        fs.close(fs.create(root, "once", 0644));
        NfsTestClient c = fs.client();
        CompoundRes first = c.onSlot(3, 1, true, new io.nacre.nfs.v41.xdr.PutfhArgs(root), new RemoveArgs(bytes("once")));
        ok(first);
        CompoundRes again = c.onSlot(3, 1, true, new io.nacre.nfs.v41.xdr.PutfhArgs(root), new RemoveArgs(bytes("once")));
        assertThat(XdrIo.toBytes(again)).isEqualTo(XdrIo.toBytes(first));
        assertThat(c.onSlot(3, 2, true, new io.nacre.nfs.v41.xdr.PutfhArgs(root), new RemoveArgs(bytes("once")))
                .status()).isEqualTo(NFS4ERR_NOENT);
    }

    /** Linux's unlink: REMOVE then GETATTR of the directory, answered as the directory is after the change. */
    @Test
    void removeThenGetattrAnswersTheDirectoryAfterTheChange() throws Exception {
        NfsFs fs = mount("unlinker");
        byte[] d = fs.mkdir(fs.root(), "unlinks", 0755);
        fs.close(fs.create(d, "f", 0644));
        long before = fs.getattr(d, AttrNum.CHANGE).xdrDecodeLong();
        long mtimeBefore = fs.getattr(d, AttrNum.TIME_MODIFY).xdrDecodeLong();

        CompoundRes r = ok(fs.onFh(d, new RemoveArgs(bytes("f")),
                new GetattrArgs(Bitmap.of(AttrNum.CHANGE, AttrNum.NUMLINKS))));
        ChangeInfo4 cinfo = result(r, OpNum.REMOVE).body(ChangeInfoRes.class).cinfo();
        var attrs = XdrIo.decoder(result(r, OpNum.GETATTR).body(GetattrRes.class).attrs().values());
        long change = attrs.xdrDecodeLong();
        assertThat(cinfo.atomic()).isTrue();
        assertThat(cinfo.before()).isEqualTo(before);
        assertThat(cinfo.after()).isEqualTo(change).isNotEqualTo(before);
        assertThat(attrs.xdrDecodeInt()).as("the directory's links").isEqualTo(2);
        assertThat(fs.getattr(d, AttrNum.CHANGE).xdrDecodeLong()).isEqualTo(change);
        assertThat(fs.getattr(d, AttrNum.TIME_MODIFY).xdrDecodeLong()).isGreaterThanOrEqualTo(mtimeBefore);
        assertThat(fs.onFh(d, new io.nacre.nfs.v41.xdr.LookupArgs(bytes("f"))).status()).isEqualTo(NFS4ERR_NOENT);
        assertThat(fs.remove(d, "f").status()).isEqualTo(NFS4ERR_NOENT);
        assertThat(fs.remove(fs.root(), "unlinks").status()).isEqualTo(NFS4_OK);
    }

    @Test
    void largeDirectoryListsEveryEntryOnceInSmallPages() throws Exception {
        NfsFs fs = mount("lister");
        byte[] d = fs.mkdir(fs.root(), "many", 0755);
        int n = 300;
        for (int i = 0; i < n; i++) {
            fs.close(fs.create(d, "f" + i, 0644));
        }
        List<String> names = fs.list(d, 1024);
        assertThat(names).hasSize(n);
        assertThat(new HashSet<>(names)).hasSize(n);
    }

    @Test
    void fileRemovedWhileOpenStaysReadableUntilClosed() throws Exception {
        NfsFs fs = mount("holder");
        byte[] root = fs.root();
        NfsFs.Opened f = fs.create(root, "doomed", 0644);
        fs.write(f, 0, bytes("still here"), Nfs4.FILE_SYNC4);
        ok(fs.remove(root, "doomed"));
        assertThat(fs.onFh(root, new io.nacre.nfs.v41.xdr.LookupArgs(bytes("doomed"))).status())
                .isEqualTo(NFS4ERR_NOENT);
        assertThat(new String(NfsFs.data(fs.read(f.fh(), f.stateid(), 0, 100)))).isEqualTo("still here");
        assertThat(fs.getattr(f.fh(), AttrNum.NUMLINKS).xdrDecodeInt()).isZero();
        fs.close(f);
        assertThat(fs.onFh(f.fh(), new io.nacre.nfs.v41.xdr.GetattrArgs(new int[] {1 << AttrNum.SIZE})).status())
                .isEqualTo(NFS4ERR_STALE);
    }

    @Test
    void handleOfARemovedFileIsStale() throws Exception {
        NfsFs fs = mount("staler");
        byte[] root = fs.root();
        NfsFs.Opened f = fs.create(root, "gone", 0644);
        fs.close(f);
        ok(fs.remove(root, "gone"));
        assertThat(fs.onFh(f.fh(), new io.nacre.nfs.v41.xdr.GetattrArgs(new int[] {1 << AttrNum.SIZE})).status())
                .isEqualTo(NFS4ERR_STALE);
    }

    @Test
    void handlesSurviveAServerRestart() throws Exception {
        NfsFs fs = mount("restarter");
        NfsFs.Opened f = fs.create(fs.root(), "kept", 0644);
        fs.write(f, 0, bytes("abc"), Nfs4.FILE_SYNC4);
        fs.close(f);
        fs.client().close(); // no unmount: the client's record makes the new instance wait for it
        stopNfs();
        startNfs("/ 127.0.0.1(rw,no_root_squash)");
        NfsFs again = mount("restarter-2");
        assertThat(again.open(again.root(), "kept", Nfs4.OPEN4_SHARE_ACCESS_READ).status())
                .as("the restarted server is in grace for the client that held state").isEqualTo(NFS4ERR_GRACE);
        StateOwner4 creator = new StateOwner4(again.client().clientid(), bytes("creator"));
        assertThat(again.onFh(again.root(), OpenArgs.create(creator, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0,
                bytes("made-in-grace"), Nfs4.GUARDED4, NfsFs.mode(0644), 0)).status())
                .as("a create in grace").isEqualTo(NFS4ERR_GRACE);
        mount("restarter"); // the client is back and completes its reclaims: the grace period ends
        assertThat(again.onFh(again.root(), new LookupArgs(bytes("made-in-grace"))).status())
                .as("the refused create made nothing").isEqualTo(NFS4ERR_NOENT);
        assertThat(again.onFh(again.root(), OpenArgs.create(creator, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0,
                bytes("made-in-grace"), Nfs4.GUARDED4, NfsFs.mode(0644), 0)).status()).isEqualTo(NFS4_OK);
        assertThat(again.size(f.fh())).isEqualTo(3);
        assertThat(again.open(again.root(), "kept", Nfs4.OPEN4_SHARE_ACCESS_READ).status()).isEqualTo(NFS4_OK);
    }

    @Test
    void gatewaysOfOneFileSystemKeepTheirOwnRecoveryAndRemovedOpenFiles() throws Exception {
        // two gateways of one file system, as two nodes of a cluster: a client of B holds a file removed while
        // open; gateway A restarts. A's grace waits only for A's clients, and A's clean-up after its grace
        // removes only what A's crash left, not B's open file.
        NfsServer b = named("b");
        NfsServer a = named("a");
        try {
            NfsFs onB = new NfsFs(NfsTestClient.connect(b.address()).mount("b-holder"), "b-holder-open-owner");
            NfsFs.Opened held = onB.create(onB.root(), "held-on-b", 0644);
            onB.write(held, 0, bytes("still open on b"), Nfs4.FILE_SYNC4);
            ok(onB.remove(onB.root(), "held-on-b"));

            NfsFs onA = new NfsFs(NfsTestClient.connect(a.address()).mount("a-client"), "a-client-open-owner");
            NfsFs.Opened left = onA.create(onA.root(), "left-by-a", 0644);
            ok(onA.remove(onA.root(), "left-by-a")); // open: hidden, and A "crashes" with it open
            onA.client().close();
            a.close();
            a = named("a");

            NfsFs back = new NfsFs(NfsTestClient.connect(a.address()).mount("a-client"), "a-client-open-owner");
            StateOwner4 creator = new StateOwner4(back.client().clientid(), bytes("creator"));
            assertThat(back.onFh(back.root(), OpenArgs.create(creator, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0,
                    bytes("after-grace"), Nfs4.GUARDED4, NfsFs.mode(0644), 0)).status())
                    .as("A's only client completed its reclaims: A's grace is over, B's client is not A's")
                    .isEqualTo(NFS4_OK);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (back.onFh(left.fh(), new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status() != NFS4ERR_STALE) {
                assertThat(System.nanoTime()).as("A removes what its crash left within 20 s").isLessThan(deadline);
                onB.getattr(held.fh(), AttrNum.SIZE); // B's client renews its lease meanwhile
                Thread.sleep(100);
            }
            assertThat(new String(NfsFs.data(onB.read(held.fh(), held.stateid(), 0, 100))))
                    .as("B's client still reads the file it holds open").isEqualTo("still open on b");
            onB.close(held);
            awaitStale(onB, held.fh(), "B's last close removes it (its unmark a hold later)");
        } finally {
            a.close();
            b.close();
        }
    }

    /**
     * Gateways of a cluster track their opens on the MDS: a file a client of gateway A holds open outlives its
     * removal through gateway B, through another node's S3 or admin verbs (a plain MDS remove, which is what
     * reaches the MDS from a node without A's opens), and a rename over it; A's last close destroys it.
     */
    @Test
    void aFileOpenThroughOneGatewayOutlivesItsRemovalElsewhereUntilItsLastCloseThere() throws Exception {
        NfsServer a = named("a");
        NfsServer b = named("b");
        try {
            NfsFs onA = new NfsFs(NfsTestClient.connect(a.address()).mount("a-reader"), "a-reader-open-owner");
            NfsFs onB = new NfsFs(NfsTestClient.connect(b.address()).mount("b-remover"), "b-remover-open-owner");
            for (String how : List.of("NFS REMOVE through B", "MDS remove (S3 DELETE, nacre rm on another node)",
                    "NFS RENAME over it through B")) {
                String name = "held-" + how.charAt(0) + how.length();
                NfsFs.Opened w = onB.create(onB.root(), name, 0644);
                onB.write(w, 0, bytes("data of " + name), Nfs4.FILE_SYNC4);
                onB.close(w);
                Fid fid = core.metadata().lookup(Caller.ROOT, Fid.ROOT, name).fid();
                List<io.nacre.engine.layout.ObjectRef> objects = core.metadata().layout(fid).objects();
                assertThat(objects).isNotEmpty();

                NfsFs.Opened held = NfsFs.opened(onA.open(onA.root(), name, Nfs4.OPEN4_SHARE_ACCESS_READ));
                assertThat(new String(NfsFs.data(onA.read(held.fh(), held.stateid(), 0, 100)))).isEqualTo("data of " + name);
                switch (how.charAt(0)) {
                    case 'N' -> {
                        if (how.contains("RENAME")) {
                            onB.close(onB.create(onB.root(), name + ".new", 0644));
                            ok(onB.client().call(new io.nacre.nfs.v41.xdr.PutfhArgs(onB.root()), new VoidArgs(OpNum.SAVEFH),
                                    new io.nacre.nfs.v41.xdr.PutfhArgs(onB.root()),
                                    new RenameArgs(bytes(name + ".new"), bytes(name))));
                        } else {
                            ok(onB.remove(onB.root(), name));
                        }
                    }
                    default -> core.metadata().remove(Caller.ROOT, Fid.ROOT, name,
                            io.nacre.engine.meta.MetadataService.RemoveKind.FILE);
                }
                assertThat(new String(NfsFs.data(onA.read(held.fh(), held.stateid(), 0, 100))))
                        .as("A's client reads the file removed by %s", how).isEqualTo("data of " + name);
                assertThat(core.metadata().pendingDestroys(100_000)).as("nothing of it is queued for destruction")
                        .noneMatch(d -> d.fid().equals(fid));
                onA.close(held);
                awaitStale(onA, held.fh(), "A's last close destroys it (its unmark a hold later)");
                for (io.nacre.engine.layout.ObjectRef o : objects) {
                    assertThat(core.metadata().pendingDestroys(100_000).stream().anyMatch(d -> d.object().equals(o))
                            || core.objects().stat(o).equals(io.nacre.engine.store.ObjectStat.ABSENT))
                            .as("object %s of the file removed by %s is queued for destruction or gone", o, how).isTrue();
                }
            }
        } finally {
            a.close();
            b.close();
        }
    }

    /** Two gateways holding one file open: it lives until both closed it; a restarted gateway drops its stale mark. */
    @Test
    void aFileOpenThroughTwoGatewaysGoesWithTheLastCloseOrTheStaleMarksAfterARestart() throws Exception {
        NfsServer a = named("a");
        NfsServer b = named("b");
        try {
            NfsFs onA = new NfsFs(NfsTestClient.connect(a.address()).mount("a-two"), "a-two-open-owner");
            NfsFs onB = new NfsFs(NfsTestClient.connect(b.address()).mount("b-two"), "b-two-open-owner");
            NfsFs.Opened onAFile = onA.create(onA.root(), "two", 0644);
            onA.write(onAFile, 0, bytes("shared"), Nfs4.FILE_SYNC4);
            NfsFs.Opened onBFile = NfsFs.opened(onB.open(onB.root(), "two", Nfs4.OPEN4_SHARE_ACCESS_READ));
            core.metadata().remove(Caller.ROOT, Fid.ROOT, "two", io.nacre.engine.meta.MetadataService.RemoveKind.FILE);
            onA.close(onAFile);
            assertThat(new String(NfsFs.data(onB.read(onBFile.fh(), onBFile.stateid(), 0, 100))))
                    .as("B still holds it after A's last close").isEqualTo("shared");
            onB.close(onBFile);
            awaitStale(onB, onBFile.fh(), "gone with the last close of both");

            // A "crashes" holding a file removed through B; its next instance drops the stale mark after its grace
            NfsFs.Opened left = onA.create(onA.root(), "left", 0644);
            onA.write(left, 0, bytes("left open"), Nfs4.FILE_SYNC4);
            ok(onB.remove(onB.root(), "left"));
            assertThat(onB.onFh(left.fh(), new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status())
                    .as("kept for A's client").isEqualTo(NFS4_OK);
            onA.client().close();
            a.close();
            a = named("a");
            NfsFs back = new NfsFs(NfsTestClient.connect(a.address()).mount("a-two"), "a-two-open-owner");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (onB.onFh(left.fh(), new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status() != NFS4ERR_STALE) {
                assertThat(System.nanoTime()).as("A's next instance drops its stale marks within 20 s").isLessThan(deadline);
                back.getattr(back.root(), AttrNum.SIZE);
                Thread.sleep(100);
            }
        } finally {
            a.close();
            b.close();
        }
    }

    /**
     * Polls until the file's handle is stale: a named gateway unmarks a closed file a hold after its last close
     * ({@code UnlinkedFiles.HOLD}), and the MDS destroys it then.
     */
    static void awaitStale(NfsFs fs, byte[] fh, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (fs.onFh(fh, new GetattrArgs(Bitmap.of(AttrNum.SIZE))).status() != NFS4ERR_STALE) {
            assertThat(System.nanoTime()).as("%s within 20 s", what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** A second gateway of the test's file system, named as a cluster node's is. */
    private NfsServer named(String name) throws Exception {
        return NfsServer.builder(core.metadata(), fileIo).port(0).exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)"))
                .leaseTime(Duration.ofSeconds(10)).gatewayName(name).build().start();
    }

    @Test
    void writeVerifierChangesWhenTheCoreRestarts() throws Exception {
        NfsFs fs = mount("verifier");
        NfsFs.Opened f = fs.create(fs.root(), "v", 0644);
        long before = fs.write(f, 0, bytes("x"), Nfs4.UNSTABLE4).verifier();
        fs.client().close();
        stopNfs();
        core.close();
        core = EmbeddedCore.start(dir);
        startNfs("/ 127.0.0.1(rw,no_root_squash)");
        NfsFs again = mount("verifier-2");
        assertThat(again.commit(f.fh())).isNotEqualTo(before);
    }

    @Test
    void byteRangeLocksExcludeAnotherClient() throws Exception {
        NfsFs a = mount("locker-a");
        NfsFs b = mount("locker-b");
        byte[] root = a.root();
        NfsFs.Opened fa = a.create(root, "locked", 0666);
        NfsFs.Opened fb = NfsFs.opened(b.open(root, "locked", Nfs4.OPEN4_SHARE_ACCESS_BOTH));
        CompoundRes la = ok(a.onFh(fa.fh(), new LockArgs(Nfs4.WRITE_LT, false, 0, -1L,
                new LockArgs.OpenToLockOwner(0, fa.stateid(), 0, new StateOwner4(a.client().clientid(), bytes("p1"))),
                null)));
        Stateid4 lockA = result(la, OpNum.LOCK).body(StateidRes.class).stateid();
        CompoundRes lb = b.onFh(fb.fh(), new LockArgs(Nfs4.READ_LT, false, 100, 10, new LockArgs.OpenToLockOwner(0,
                fb.stateid(), 0, new StateOwner4(b.client().clientid(), bytes("p2"))), null));
        assertThat(lb.status()).isEqualTo(NFS4ERR_DENIED);
        assertThat(b.onFh(fb.fh(), new LocktArgs(Nfs4.READ_LT, 0, 1, new StateOwner4(b.client().clientid(),
                bytes("p2")))).status()).isEqualTo(NFS4ERR_DENIED);
        assertThat(b.onFh(fb.fh(), new LockArgs(Nfs4.WRITEW_LT, false, 0, 1, new LockArgs.OpenToLockOwner(0,
                fb.stateid(), 0, new StateOwner4(b.client().clientid(), bytes("p3"))), null)).status())
                .isEqualTo(NFS4ERR_DENIED);
        b.client().callbacks.clear();
        ok(a.onFh(fa.fh(), new LockuArgs(Nfs4.WRITE_LT, 0, lockA, 0, -1L)));
        List<io.nacre.nfs.v41.xdr.OpArgs> cb = b.client().callbacks.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(cb).as("the waiter is told the lock is free").isNotNull()
                .extracting(io.nacre.nfs.v41.xdr.OpArgs::opnum).contains(OpNum.CB_NOTIFY_LOCK);
        ok(b.onFh(fb.fh(), new LockArgs(Nfs4.READ_LT, false, 100, 10, new LockArgs.OpenToLockOwner(0,
                fb.stateid(), 0, new StateOwner4(b.client().clientid(), bytes("p2"))), null)));
    }

    @Test
    void rootIsSquashedUnlessTheExportSaysOtherwise() throws Exception {
        core.metadata().create(Caller.ROOT, Fid.ROOT, "pub", io.nacre.engine.meta.CreateSpec.directory(0777));
        stopNfs();
        startNfs("/ 127.0.0.1(rw)");
        NfsFs fs = mount("squashed");
        byte[] d = fs.lookup(fs.root(), "pub");
        assertThat(fs.onFh(fs.root(), new io.nacre.nfs.v41.xdr.CreateArgs(Nfs4.NF4DIR, null, 0, 0, bytes("no"),
                NfsFs.mode(0755))).status()).as("squashed root may not write in root's directory")
                .isEqualTo(NFS4ERR_ACCESS);
        NfsFs.Opened f = fs.create(d, "mine", 0644);
        assertThat(fs.getattr(f.fh(), AttrNum.OWNER).xdrDecodeString()).isEqualTo("65534");
    }

    @Test
    void readOnlyExportRefusesWrites() throws Exception {
        NfsFs rw = mount("rw");
        rw.close(rw.create(rw.root(), "ro-file", 0644));
        rw.client().unmount();
        stopNfs();
        startNfs("/ 127.0.0.1(ro,no_root_squash)");
        NfsFs fs = mount("ro");
        byte[] root = fs.root();
        assertThat(fs.onFh(root, OpenArgs.create(new StateOwner4(fs.client().clientid(), bytes("o")), 3, 0,
                bytes("new"), Nfs4.GUARDED4, NfsFs.mode(0644), 0)).status()).isEqualTo(NFS4ERR_ROFS);
        assertThat(fs.remove(root, "ro-file").status()).isEqualTo(NFS4ERR_ROFS);
        assertThat(fs.open(root, "ro-file", Nfs4.OPEN4_SHARE_ACCESS_READ).status()).isEqualTo(NFS4_OK);
    }

    @Test
    void permissionsAreTheMdsPosixRules() throws Exception {
        NfsFs fs = mount("perm");
        byte[] root = fs.root();
        byte[] priv = fs.mkdir(root, "private", 0700);
        fs.client().as(NfsTestClient.user(1000, 1000));
        NfsFs user = new NfsFs(fs.client(), "user-owner");
        assertThat(user.onFh(priv, new io.nacre.nfs.v41.xdr.LookupArgs(bytes("x"))).status()).isEqualTo(NFS4ERR_ACCESS);
        assertThat(user.onFh(priv, OpenArgs.create(new StateOwner4(fs.client().clientid(), bytes("u")), 3, 0,
                bytes("f"), Nfs4.GUARDED4, NfsFs.mode(0644), 0)).status()).isEqualTo(NFS4ERR_ACCESS);
    }

    @Test
    void renameOverAnOpenFileKeepsItReadable() throws Exception {
        NfsFs fs = mount("renamer");
        byte[] root = fs.root();
        NfsFs.Opened target = fs.create(root, "target", 0644);
        fs.write(target, 0, bytes("old"), Nfs4.FILE_SYNC4);
        fs.close(fs.create(root, "source", 0644));
        ok(fs.client().call(new io.nacre.nfs.v41.xdr.PutfhArgs(root), new VoidArgs(OpNum.SAVEFH),
                new io.nacre.nfs.v41.xdr.PutfhArgs(root), new RenameArgs(bytes("source"), bytes("target"))));
        assertThat(new String(NfsFs.data(fs.read(target.fh(), target.stateid(), 0, 10)))).isEqualTo("old");
        fs.close(target);
    }

    @Test
    void renameOfAnOpenFileOntoItsOwnNameLeavesItWhereItIs() throws Exception {
        NfsFs fs = mount("self-renamer");
        byte[] root = fs.root();
        NfsFs.Opened f = fs.create(root, "itself", 0644);
        fs.write(f, 0, bytes("kept"), Nfs4.FILE_SYNC4);
        // RFC 8881 §18.26.4, POSIX: both names are the same file, nothing is done (Linux never sends it; others may)
        ok(fs.client().call(new io.nacre.nfs.v41.xdr.PutfhArgs(root), new VoidArgs(OpNum.SAVEFH),
                new io.nacre.nfs.v41.xdr.PutfhArgs(root), new RenameArgs(bytes("itself"), bytes("itself"))));
        assertThat(fs.lookup(root, "itself")).isEqualTo(f.fh());
        fs.close(f);
        assertThat(new String(NfsFs.data(fs.read(fs.lookup(root, "itself"), Stateid4.ANONYMOUS, 0, 10))))
                .isEqualTo("kept");
    }
}
