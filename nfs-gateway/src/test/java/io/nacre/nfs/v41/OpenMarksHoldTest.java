package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsTestClient.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.meta.testkit.RecordingMetadata;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.xdr.CloseArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A named gateway keeps a file's open mark for a while after its last close ({@code UnlinkedFiles.HOLD}): an open
 * again meanwhile costs the MDS nothing, the unmarks that fall due go in one change, a file removed while open
 * goes shortly after its last close, and a gateway that stops drops the marks of the files it closed. Counted
 * on the real MDS: the gateway's calls on their way to it, and the Raft entries it applied.
 */
class OpenMarksHoldTest {

    @TempDir
    Path dir;

    private EmbeddedCore core;
    private FileIo fileIo;
    private NfsServer gateway;
    private NfsFs fs;
    private final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        core = EmbeddedCore.start(dir);
        MetadataService md = RecordingMetadata.of(core.metadata(), calls);
        fileIo = new FileIo(md, core.objects());
        gateway = NfsServer.builder(md, fileIo).port(0).exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)"))
                .leaseTime(Duration.ofSeconds(10)).gatewayName("node-1").build().start();
        fs = new NfsFs(NfsTestClient.connect(gateway.address()).mount("marks"), "marks-open-owner");
    }

    @AfterEach
    void stop() throws Exception {
        fs.client().close();
        gateway.close();
        fileIo.close();
        core.close();
    }

    /** A file made on the MDS itself (no gateway's mark), without objects: nothing of it to destroy later. */
    private Fid file(String name) {
        return core.metadata().create(Caller.ROOT, Fid.ROOT, name,
                CreateSpec.builder(FileType.REGULAR).mode(0644).delayLayout(true).build()).attr().fid();
    }

    private NfsFs.Opened open(String name) throws Exception {
        return NfsFs.opened(fs.open(fs.root(), name, Nfs4.OPEN4_SHARE_ACCESS_READ));
    }

    private long count(String call) {
        return calls.stream().filter(call::equals).count();
    }

    private boolean gone(Fid fid) {
        try {
            core.metadata().getattr(fid);
            return false;
        } catch (NacreException e) {
            assertThat(e.status()).isEqualTo(Status.STALE);
            return true;
        }
    }

    private void awaitGone(Fid fid, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!gone(fid)) {
            assertThat(System.nanoTime()).as("%s within 20 s", what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void anOpenAgainSoonAfterTheLastCloseReusesTheMark() throws Exception {
        file("again");
        NfsFs.Opened first = open("again");
        fs.close(first);
        long closed = System.nanoTime();
        NfsFs.Opened second = open("again");
        long reopened = System.nanoTime();
        fs.close(second);
        assumeThat(Duration.ofNanos(reopened - closed)).as("the second OPEN came within the hold (a loaded machine)")
                .isLessThan(UnlinkedFiles.HOLD);
        assertThat(count("markOpen")).as("marks of an open, close, open, close: %s", calls).isEqualTo(1);

        Fid fid = core.metadata().lookup(Caller.ROOT, Fid.ROOT, "again").fid();
        core.metadata().remove(Caller.ROOT, Fid.ROOT, "again", RemoveKind.FILE);
        awaitGone(fid, "the mark goes after the hold, and the removed file with it");
        assertThat(count("markOpen")).isEqualTo(1);
        assertThat(count("unmarkOpen")).isEqualTo(1);
    }

    @Test
    void filesClosedTogetherAreUnmarkedInOneChange() throws Exception {
        int n = 7; // PUTFH and CLOSE of each, with SEQUENCE: 15 operations (the test client's session allows 16)
        List<Fid> fids = new ArrayList<>();
        List<NfsFs.Opened> opens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fids.add(file("f" + i));
            opens.add(open("f" + i));
        }
        assertThat(count("markOpen")).isEqualTo(n);
        core.metadata().remove(Caller.ROOT, Fid.ROOT, "f0", RemoveKind.FILE); // kept: open here
        assertThat(core.metadata().getattr(fids.get(0)).nlink()).isZero();

        List<OpArgs> closes = new ArrayList<>();
        for (NfsFs.Opened o : opens) {
            closes.add(new PutfhArgs(o.fh()));
            closes.add(new CloseArgs(0, o.stateid()));
        }
        calls.clear();
        long before = core.metadataServer().appliedIndex();
        ok(fs.client().call(closes.toArray(OpArgs[]::new)));
        awaitGone(fids.get(0), "the file removed while open goes after its last close");
        long changes = core.metadataServer().appliedIndex() - before;

        assertThat(count("unmarkOpen")).as("MDS calls after the closes: %s", calls).isEqualTo(1);
        assertThat(changes).as("Raft entries of %d unmarks", n).isEqualTo(1);
        for (int i = 1; i < n; i++) {
            core.metadata().remove(Caller.ROOT, Fid.ROOT, "f" + i, RemoveKind.FILE);
            assertThat(gone(fids.get(i))).as("f%d was unmarked: its remove destroys it", i).isTrue();
        }
    }

    @Test
    void aFileRemovedWhileOpenIsReadUntilItsLastCloseAndGoesShortlyAfter() throws Exception {
        NfsFs.Opened w = fs.create(fs.root(), "held", 0644);
        fs.write(w, 0, NfsFs.bytes("kept for its reader"), Nfs4.FILE_SYNC4);
        Fid fid = core.metadata().lookup(Caller.ROOT, Fid.ROOT, "held").fid();
        List<io.nacre.engine.layout.ObjectRef> objects = core.metadata().layout(fid).objects();
        assertThat(objects).isNotEmpty();
        NfsFs reader = new NfsFs(fs.client(), "reader-open-owner");
        NfsFs.Opened r = NfsFs.opened(reader.open(reader.root(), "held", Nfs4.OPEN4_SHARE_ACCESS_READ));
        fs.close(w);

        core.metadata().remove(Caller.ROOT, Fid.ROOT, "held", RemoveKind.FILE); // as another node's gateway does
        assertThat(new String(NfsFs.data(reader.read(r.fh(), r.stateid(), 0, 100)))).isEqualTo("kept for its reader");
        Thread.sleep(UnlinkedFiles.HOLD.multipliedBy(5).dividedBy(2).toMillis()); // past the writer's close's hold
        assertThat(gone(fid)).as("still open through the reader").isFalse();
        assertThat(new String(NfsFs.data(reader.read(r.fh(), r.stateid(), 0, 100)))).isEqualTo("kept for its reader");

        reader.close(r);
        awaitGone(fid, "the file goes after its last close");
        for (io.nacre.engine.layout.ObjectRef o : objects) {
            assertThat(core.metadata().pendingDestroys(100_000).stream().anyMatch(d -> d.object().equals(o))
                    || core.objects().stat(o).equals(io.nacre.engine.store.ObjectStat.ABSENT))
                    .as("object %s queued for destruction or gone", o).isTrue();
        }
    }

    @Test
    void aStoppingGatewayDropsTheMarksOfTheFilesItClosedAndKeepsTheOpenOnes() throws Exception {
        Fid closed = file("closed");
        Fid stillOpen = file("still-open");
        open("still-open");
        fs.close(open("closed"));
        long closedAt = System.nanoTime();
        core.metadata().remove(Caller.ROOT, Fid.ROOT, "closed", RemoveKind.FILE);
        core.metadata().remove(Caller.ROOT, Fid.ROOT, "still-open", RemoveKind.FILE);
        assertThat(gone(closed)).as("within the hold after its close: kept").isFalse();

        gateway.close();
        assumeThat(Duration.ofNanos(System.nanoTime() - closedAt)).as("stopped within the hold (a loaded machine)")
                .isLessThan(UnlinkedFiles.HOLD);

        assertThat(gone(closed)).as("the stop dropped its mark: destroyed").isTrue();
        assertThat(core.metadata().getattr(stillOpen).nlink()).as("kept for the clients' reclaim").isZero();
        assertThatThrownBy(() -> core.metadata().lookup(Caller.ROOT, Fid.ROOT, "still-open"))
                .isInstanceOf(NacreException.class);
    }
}
