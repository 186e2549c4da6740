package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.ChangelogRecord.Type;
import io.nacre.engine.meta.Fetched;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.Results.SmallFilePut;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.meta.SmallFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MetadataService.putSmallFile and fetch: a small file, its data on the MDT, in one change and one read. */
class SmallFileTest extends ServerTestBase {

    static final int DOM = 64 << 10;
    static final String META = "trusted.test.meta";
    static final String MARK = "trusted.test.implicit";

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static SmallFile small(Fid dir, List<String> parents, String name, String data, SmallFile.Expect expect) {
        return new SmallFile(dir, parents, name, 0644, bytes(data), DOM, Map.of(META, bytes("m:" + data)),
                Map.of(MARK, new byte[] {1}), expect);
    }

    static SmallFilePut put(Caller c, Fid dir, String name, String data) {
        return mds.putSmallFile(c, small(dir, List.of(), name, data, SmallFile.Expect.ANY));
    }

    @Test
    void aSmallFileIsCreatedWithItsDataOnTheMdtItsXattrsAndItsParents() {
        Fid d = scratch();
        long from = mds.changelogRegister("small-create");
        SmallFilePut p = mds.putSmallFile(ALICE, small(d, List.of("a", "b"), "k", "hello", SmallFile.Expect.ANY));
        Attr a = p.attr();
        assertThat(p.replaced()).isNull();
        assertThat(a.size()).isEqualTo(5);
        assertThat(a.uid()).isEqualTo(ALICE.uid());
        assertThat(a.mode() & 07777).isEqualTo(0644);
        assertThat(a.dataVersion()).isEqualTo(MetadataService.SMALL_FILE_DATA_VERSION);
        Attr found = mds.resolve(ALICE, d, "a/b/k");
        assertThat(found.fid()).isEqualTo(a.fid());
        assertThat(mds.domRead(a.fid(), 0, 100)).startsWith(bytes("hello"));
        assertThat(mds.getXattr(Caller.ROOT, a.fid(), META)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("m:hello")));
        Attr dirA = mds.resolve(ALICE, d, "a");
        assertThat(dirA.isDir()).isTrue();
        assertThat(mds.getXattr(Caller.ROOT, dirA.fid(), MARK)).isPresent();
        assertThat(mds.getXattr(Caller.ROOT, mds.resolve(ALICE, d, "a/b").fid(), MARK)).isPresent();
        // DoM first, then the directory's default striping (not instantiated): the file can grow past it.
        Layout l = mds.layout(a.fid());
        assertThat(l.components().get(0).isDataOnMdt()).isTrue();
        assertThat(l.components().get(0).extent()).isEqualTo(new Extent(0, DOM));
        assertThat(l.components().get(l.components().size() - 1).end()).isEqualTo(Extent.EOF);
        assertThat(l.objects()).isEmpty();
        List<ChangelogRecord> recs = mds.changelog(from, 100);
        assertThat(recs).extracting(ChangelogRecord::type).containsExactly(Type.MKDIR, Type.MKDIR, Type.CREAT);
        mds.changelogDeregister("small-create");
    }

    @Test
    void fetchReturnsAttributesXattrsAndDomDataInOneRead() {
        Fid d = scratch();
        Attr a = put(ALICE, d, "k", "0123456789").attr();
        Fetched f = mds.fetch(ALICE, d, "k", Access.READ, List.of(META, "trusted.absent"), 1 << 20);
        assertThat(f.attr().fid()).isEqualTo(a.fid());
        assertThat(f.xattrs()).containsOnlyKeys(META);
        assertThat(f.data()).isEqualTo(bytes("0123456789"));
        assertThat(mds.fetch(ALICE, d, "k", Access.READ, List.of(), 4).data()).as("over maxData").isNull();
        // A file whose data is on the OSTs has no inline data.
        Fid striped = file(ALICE, d, "striped", 0644);
        assertThat(mds.fetch(ALICE, d, "striped", Access.READ, List.of(), 1 << 20).data()).isNull();
        assertThat(striped).isNotNull();
        // Grown past the DoM component (an NFS write): no inline data.
        mds.instantiate(a.fid(), DOM, 1);
        mds.dataWritten(a.fid(), DOM + 1, SetAttr.SERVER_TIME);
        assertThat(mds.fetch(ALICE, d, "k", Access.READ, List.of(), 1 << 20).data()).isNull();
        // Permissions: BOB may not read a 0600 file of ALICE's.
        mds.putSmallFile(ALICE, new SmallFile(d, List.of(), "private", 0600, bytes("x"), DOM, Map.of(), Map.of(),
                SmallFile.Expect.ANY));
        assertStatus(Status.ACCESS, () -> mds.fetch(BOB, d, "private", Access.READ, List.of(), 100));
        assertStatus(Status.NOT_FOUND, () -> mds.fetch(ALICE, d, "nothing", Access.READ, List.of(), 100));
    }

    @Test
    void whatAFetchAnswersIsTheCallersOwn() {
        // With the leader in this JVM the answer is the state machine's result object, not a decoded copy:
        // a caller changing it must change nothing another read sees.
        Fid d = scratch();
        put(ALICE, d, "own", "abcdef");
        Fetched f = mds.fetch(ALICE, d, "own", Access.READ, List.of(META), 1 << 20);
        f.data()[0] = 'X';
        f.xattrs().get(META)[0] = 'X';
        byte[] x = mds.getXattr(Caller.ROOT, f.attr().fid(), META).orElseThrow();
        x[0] = 'Y';
        Fetched again = mds.fetch(ALICE, d, "own", Access.READ, List.of(META), 1 << 20);
        assertThat(again.data()).isEqualTo(bytes("abcdef"));
        assertThat(again.xattrs().get(META)).isEqualTo(bytes("m:abcdef"));
        assertThat(mds.getXattr(Caller.ROOT, f.attr().fid(), META)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("m:abcdef")));
        assertThat(mds.domRead(f.attr().fid(), 0, 6)).isEqualTo(bytes("abcdef"));
    }

    @Test
    void aPutReplacesAStripedFileAndQueuesItsObjects() {
        Fid d = scratch();
        mds.setDefaultLayout(Caller.ROOT, d, LayoutTemplate.of(2, 1 << 20, ""));
        Fid old = file(ALICE, d, "k", 0644);
        mds.dataWritten(old, 4096, SetAttr.SERVER_TIME);
        List<ObjectRef> objects = mds.layout(old).objects();
        assertThat(objects).hasSize(2);
        long from = mds.changelogRegister("small-replace");
        SmallFilePut p = put(ALICE, d, "k", "new");
        assertThat(p.replaced().fid()).isEqualTo(old);
        assertThat(p.replaced().nlink()).isZero();
        assertThat(p.destroys()).extracting(PendingDestroy::object).containsExactlyInAnyOrderElementsOf(objects);
        assertThat(mds.pendingDestroys(100_000)).extracting(PendingDestroy::object).containsAll(objects);
        assertStatus(Status.STALE, () -> mds.getattr(old));
        assertThat(mds.lookup(ALICE, d, "k").fid()).isEqualTo(p.attr().fid());
        // The new file keeps the directory's striping after its DoM component.
        Component second = mds.layout(p.attr().fid()).components().get(1);
        assertThat(second.raid0().stripeCount()).isEqualTo(2);
        List<ChangelogRecord> recs = mds.changelog(from, 100);
        assertThat(recs).extracting(ChangelogRecord::type).containsExactly(Type.UNLNK, Type.CREAT);
        assertThat(recs.get(0).flags() & ChangelogRecord.UNLINK_LAST).isNotZero();
        assertThat(recs.get(0).target()).isEqualTo(old);
        mds.changelogDeregister("small-replace");
    }

    @Test
    void conflictsWithDirectoriesAndFilesOnThePathAreRefusedAndChangeNothing() {
        Fid d = scratch();
        Fid sub = mkdir(ALICE, d, "dir", 0755);
        file(ALICE, sub, "x", 0644);
        put(ALICE, d, "file", "f");
        assertStatus(Status.IS_DIR, () -> put(ALICE, d, "dir", "data"));
        assertStatus(Status.NOT_DIR, () -> mds.putSmallFile(ALICE,
                small(d, List.of("file", "below"), "k", "x", SmallFile.Expect.ANY)));
        assertThat(mds.lookup(ALICE, d, "dir").isDir()).isTrue();
        assertThat(mds.readdir(ALICE, d, 0, 100).entries()).hasSize(2);
    }

    @Test
    void conditionsHoldUnderRaces() throws Exception {
        Fid d = scratch();
        // If-None-Match: * from many callers at once: exactly one wins.
        List<CompletableFuture<Status>> tries = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) {
                String data = "v" + i;
                tries.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        mds.putSmallFile(ALICE, small(d, List.of("p"), "once", data, SmallFile.Expect.ABSENT));
                        return null;
                    } catch (io.nacre.engine.NacreException e) {
                        return e.status();
                    }
                }, ex));
            }
        }
        List<Status> outcomes = tries.stream().map(CompletableFuture::join).toList();
        assertThat(outcomes.stream().filter(s -> s == null).count()).isEqualTo(1);
        assertThat(outcomes.stream().filter(s -> s != null)).containsOnly(Status.EXISTS);
        // If-Match as compare-and-swap on (fid, data version): the second swap from the same state fails.
        Attr a = mds.resolve(ALICE, d, "p/once");
        SmallFilePut first = mds.putSmallFile(ALICE, small(d, List.of("p"), "once", "a",
                SmallFile.Expect.match(a.fid(), a.dataVersion())));
        assertStatus(Status.STALE, () -> mds.putSmallFile(ALICE, small(d, List.of("p"), "once", "b",
                SmallFile.Expect.match(a.fid(), a.dataVersion()))));
        assertThat(mds.domRead(first.attr().fid(), 0, 10)).startsWith(bytes("a"));
        // A data change (NFS write) moves the data version: the expectation of the old one fails.
        mds.dataWritten(first.attr().fid(), 1, SetAttr.SERVER_TIME);
        assertStatus(Status.STALE, () -> mds.putSmallFile(ALICE, small(d, List.of("p"), "once", "c",
                SmallFile.Expect.match(first.attr().fid(), first.attr().dataVersion()))));
        assertStatus(Status.STALE, () -> mds.putSmallFile(ALICE, small(d, List.of(), "absent", "c",
                SmallFile.Expect.match(first.attr().fid(), 1))));
    }

    @Test
    void permissionsAreThoseOfCreateAndRename() {
        Fid d = mkdir(ALICE, scratch(), "alice", 0755);
        assertStatus(Status.ACCESS, () -> put(BOB, d, "k", "x"));
        assertStatus(Status.ACCESS, () -> mds.putSmallFile(BOB, small(d, List.of("new"), "k", "x", SmallFile.Expect.ANY)));
        Fid sticky = mkdir(Caller.ROOT, scratch(), "tmp", 01777);
        put(ALICE, sticky, "mine", "a");
        assertStatus(Status.PERM, () -> put(BOB, sticky, "mine", "b"));
        assertThat(mds.domRead(mds.lookup(ALICE, sticky, "mine").fid(), 0, 1)).isEqualTo(bytes("a"));
    }

    @Test
    void domDataSurvivesARestartAndASnapshot(@TempDir Path tmp) {
        Fid f;
        try (MetadataServer s = MetadataServer.builder().dataDir(tmp).snapshotEvery(3).build().start();
             MetadataClient c = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(c, 2);
            Fid d = c.create(Caller.ROOT, Fid.ROOT, "b", io.nacre.engine.meta.CreateSpec.directory(0755)).attr().fid();
            f = c.putSmallFile(Caller.ROOT, new SmallFile(d, List.of("x"), "k", 0644, bytes("kept"), DOM,
                    Map.of(META, bytes("m")), Map.of(), SmallFile.Expect.ANY)).attr().fid();
            for (int i = 0; i < 8; i++) { // entries past the put: snapshots hold it, the log before them goes
                c.create(Caller.ROOT, d, "after" + i, io.nacre.engine.meta.CreateSpec.file(0644));
            }
        }
        try (MetadataServer s = TestServers.single(tmp); MetadataClient c = MetadataClient.connect(s.peers())) {
            Fetched got = c.fetch(Caller.ROOT, Fid.ROOT, "b/x/k", Access.READ, List.of(META), 1 << 20);
            assertThat(got.attr().fid()).isEqualTo(f);
            assertThat(got.data()).isEqualTo(bytes("kept"));
            assertThat(got.xattrs().get(META)).isEqualTo(bytes("m"));
        }
    }
}
