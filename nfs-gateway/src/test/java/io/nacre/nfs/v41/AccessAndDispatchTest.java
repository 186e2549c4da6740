package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsFs.bytes;
import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.fault.Faults;
import io.nacre.engine.io.FileIo;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.xdr.AccessArgs;
import io.nacre.nfs.v41.xdr.AccessRes;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetfhRes;
import io.nacre.nfs.v41.xdr.LookupArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpenArgs;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.RemoveArgs;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACCESS answered from the attributes a compound holds (after OPEN) or reads (alone), and compounds that
 * cannot block answered on the RPC selector while a change waits for its commit on the same connection.
 */
class AccessAndDispatchTest {

    private static final int RW = Nfs4.ACCESS4_READ | Nfs4.ACCESS4_MODIFY | Nfs4.ACCESS4_EXECUTE;

    @TempDir
    Path dir;

    private EmbeddedCore core;
    private FileIo fileIo;
    private NfsServer server;
    private NfsTestClient client;

    @BeforeEach
    void start() throws Exception {
        core = EmbeddedCore.start(dir);
        fileIo = new FileIo(core.metadata(), core.objects());
        server = NfsServer.builder(core.metadata(), fileIo).port(0)
                .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)"))
                .leaseTime(Duration.ofSeconds(5)).build().start();
        client = NfsTestClient.connect(server.address()).mount("access-test");
    }

    @AfterEach
    void stop() throws Exception {
        Faults.disarmAll();
        client.close();
        server.close();
        fileIo.close();
        core.close();
    }

    private static int granted(CompoundRes r) {
        return result(ok(r), OpNum.ACCESS).body(AccessRes.class).access();
    }

    @Test
    void accessFollowsTheModeForTheOwnerTheGroupAndOthers() throws Exception {
        NfsFs fs = new NfsFs(client, "owner");
        byte[] shared = fs.mkdir(fs.root(), "shared", 0777);
        client.as(NfsTestClient.user(1000, 100));
        StateOwner4 owner = new StateOwner4(client.clientid(), bytes("u1000"));
        // the creator's OPEN, then ACCESS and GETATTR in the same compound, as Linux sends them
        CompoundRes created = ok(client.call(new PutfhArgs(shared), OpenArgs.create(owner, Nfs4.OPEN4_SHARE_ACCESS_BOTH,
                0, bytes("f"), Nfs4.GUARDED4, NfsFs.mode(0640), 0), new VoidArgs(OpNum.GETFH), new AccessArgs(RW),
                new GetattrArgs(Bitmap.of(AttrNum.MODE))));
        assertThat(granted(created)).isEqualTo(Nfs4.ACCESS4_READ | Nfs4.ACCESS4_MODIFY);
        byte[] fh = result(created, OpNum.GETFH).body(GetfhRes.class).fh();

        client.as(NfsTestClient.user(2000, 100));
        assertThat(granted(client.call(new PutfhArgs(fh), new AccessArgs(RW)))).as("group")
                .isEqualTo(Nfs4.ACCESS4_READ);
        client.as(NfsTestClient.user(3000, 300));
        assertThat(granted(client.call(new PutfhArgs(fh), new AccessArgs(RW)))).as("other").isZero();
        client.as(NfsTestClient.user(3000, 300, 100));
        assertThat(granted(client.call(new PutfhArgs(fh), new AccessArgs(RW), new GetattrArgs(
                Bitmap.of(AttrNum.SIZE))))).as("other, in the group as a supplementary one").isEqualTo(Nfs4.ACCESS4_READ);
        client.as(NfsTestClient.root());
        assertThat(granted(client.call(new PutfhArgs(fh), new AccessArgs(RW)))).as("root, no x bit")
                .isEqualTo(Nfs4.ACCESS4_READ | Nfs4.ACCESS4_MODIFY);
    }

    @Test
    void aStatIsAnsweredWhileACreateOnTheSameConnectionWaitsForItsCommit() throws Exception {
        NfsFs fs = new NfsFs(client, "owner");
        byte[] d = fs.mkdir(fs.root(), "d", 0755);
        fs.close(fs.create(d, "there", 0644));
        StateOwner4 owner = new StateOwner4(client.clientid(), bytes("creator"));
        ok(statWhileWaitingForCommit(d, "create", () -> client.onSlot(1, 1, true, new PutfhArgs(d),
                OpenArgs.create(owner, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0, bytes("new"), Nfs4.GUARDED4,
                        NfsFs.mode(0644), 0))));
        assertThat(fs.lookup(d, "new")).isNotEmpty();
    }

    /** A REMOVE waits for its commit on no thread: the selector that queued it goes on reading the connection. */
    @Test
    void aStatIsAnsweredWhileARemoveOnTheSameConnectionWaitsForItsCommit() throws Exception {
        NfsFs fs = new NfsFs(client, "owner");
        byte[] d = fs.mkdir(fs.root(), "d", 0755);
        fs.close(fs.create(d, "there", 0644));
        fs.close(fs.create(d, "doomed", 0644));
        ok(statWhileWaitingForCommit(d, "remove", () -> client.onSlot(1, 1, true, new PutfhArgs(d),
                new RemoveArgs(bytes("doomed")), new GetattrArgs(Bitmap.of(AttrNum.TYPE, AttrNum.CHANGE)))));
        assertThat(fs.onFh(d, new LookupArgs(bytes("doomed"))).status()).isEqualTo(Nfs4Status.NFS4ERR_NOENT);
    }

    /**
     * Sends {@code change} on slot 1 with the MDS's apply held back, then a stat of {@code d/there} on slot 2 of
     * the same connection, which must be answered while the change still waits; returns the change's reply.
     */
    private CompoundRes statWhileWaitingForCommit(byte[] d, String what, Callable<CompoundRes> change)
            throws Exception {
        // the MDS applies the change's entry only after this pause
        Faults.arm("mds.apply.before_commit", Faults.Fault.sleep(8000));
        CompletableFuture<CompoundRes> pending = CompletableFuture.supplyAsync(() -> {
            try {
                return change.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Faults.hits("mds.apply.before_commit") == 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertThat(Faults.hits("mds.apply.before_commit")).as("the " + what + " reached the MDS's apply").isPositive();

        CompoundRes stat = client.onSlot(2, 1, false, new PutfhArgs(d), new LookupArgs(bytes("there")),
                new VoidArgs(OpNum.GETFH), new GetattrArgs(Bitmap.of(AttrNum.TYPE, AttrNum.SIZE, AttrNum.SPACE_USED)));
        assertThat(pending).as("the " + what + " still waits for its commit").isNotDone();
        ok(stat);
        return pending.get(60, TimeUnit.SECONDS);
    }
}
