package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.Opener;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.Results.Removed;
import io.nacre.engine.meta.Results.Renamed;
import io.nacre.engine.meta.SmallFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Open marks (Lustre's open tracking on the MDT): a file a gateway has open loses its last name without being
 * destroyed, waits in {@link Fid#PENDING}, and goes with its objects at its last unmark.
 */
class OpenMarksTest extends ServerTestBase {

    static final Opener A = new Opener("node-a", 11);
    static final Opener B = new Opener("node-b", 22);

    /** A regular file with objects (the OSTs are registered), its Fid. */
    static Fid withObjects(Fid dir, String name) {
        Fid f = file(ALICE, dir, name, 0644);
        assertThat(mds.layout(f).objects()).as("objects of %s", name).isNotEmpty();
        return f;
    }

    /** The queued destroys of a file's objects. */
    static List<ObjectRef> queued(MetadataService md, Fid f) {
        return md.pendingDestroys(100_000).stream().filter(d -> d.fid().equals(f)).map(PendingDestroy::object).toList();
    }

    static List<String> pendingNames(MetadataService md) {
        return md.readdir(Caller.ROOT, Fid.PENDING, 0, 4096).entries().stream().map(DirEntry::name).toList();
    }

    @Test
    void aMarkedFileOutlivesItsLastNameUntilItsLastUnmark() {
        Fid d = scratch();
        Fid f = withObjects(d, "f");
        List<ObjectRef> objects = mds.layout(f).objects();
        mds.markOpen(A, f);
        Removed r = mds.remove(ALICE, d, "f", RemoveKind.FILE);
        assertThat(r.destroys()).as("nothing is destroyed while the file is open").isEmpty();
        assertThat(r.attr().nlink()).isZero();
        assertStatus(Status.NOT_FOUND, () -> mds.lookup(ALICE, d, "f"));
        assertThat(attr(f).nlink()).as("the file lives on by Fid, without a link").isZero();
        assertThat(mds.layout(f).objects()).isEqualTo(objects);
        assertThat(queued(mds, f)).isEmpty();
        assertThat(pendingNames(mds)).contains(f.toHex());

        assertThat(mds.unmarkOpen(A.gateway(), f)).as("the last unmark destroys it").isTrue();
        assertStatus(Status.STALE, () -> mds.getattr(f));
        assertThat(queued(mds, f)).containsExactlyInAnyOrderElementsOf(objects);
        assertThat(pendingNames(mds)).doesNotContain(f.toHex());
        assertThat(mds.unmarkOpen(A.gateway(), f)).as("an unmark of what is gone does nothing").isFalse();
    }

    @Test
    void unmarksOfSeveralFilesGoInOneEntryAndDestroyThoseWithoutANameLeft() {
        Fid d = scratch();
        Fid kept = withObjects(d, "kept");
        Fid gone1 = withObjects(d, "gone1");
        Fid gone2 = withObjects(d, "gone2");
        Fid heldByB = withObjects(d, "held-by-b");
        List<ObjectRef> objects = new java.util.ArrayList<>(mds.layout(gone1).objects());
        objects.addAll(mds.layout(gone2).objects());
        for (Fid f : List.of(kept, gone1, gone2, heldByB)) {
            mds.markOpen(A, f);
        }
        mds.markOpen(B, heldByB);
        for (String n : List.of("gone1", "gone2", "held-by-b")) {
            mds.remove(ALICE, d, n, RemoveKind.FILE);
        }

        long before = server.appliedIndex();
        assertThat(mds.unmarkOpen(A.gateway(), List.of(kept, gone1, gone2, heldByB)))
                .as("the files that went: the two without a name nobody else holds").isEqualTo(2);
        assertThat(server.appliedIndex() - before).as("Raft entries of four unmarks").isEqualTo(1);
        assertThat(attr(kept).nlink()).isEqualTo(1);
        assertStatus(Status.STALE, () -> mds.getattr(gone1));
        assertStatus(Status.STALE, () -> mds.getattr(gone2));
        assertThat(mds.pendingDestroys(100_000).stream().map(PendingDestroy::object).toList())
                .containsAll(objects);
        assertThat(attr(heldByB).nlink()).as("B's mark still holds it").isZero();
        assertThat(pendingNames(mds)).contains(heldByB.toHex()).doesNotContain(gone1.toHex(), gone2.toHex());
        assertThat(mds.unmarkOpen(B.gateway(), List.of(heldByB))).isEqualTo(1);
        assertStatus(Status.STALE, () -> mds.getattr(heldByB));
    }

    @Test
    void anUnmarkedFileStillGoesAtOnceAndAnUnmarkOfANamedFileDestroysNothing() {
        Fid d = scratch();
        Fid f = withObjects(d, "f");
        List<ObjectRef> objects = mds.layout(f).objects();
        mds.markOpen(A, f);
        assertThat(mds.unmarkOpen(A.gateway(), f)).isFalse();
        assertThat(attr(f).nlink()).isEqualTo(1);
        Removed r = mds.remove(ALICE, d, "f", RemoveKind.FILE);
        assertThat(r.destroys()).extracting(PendingDestroy::object).containsExactlyInAnyOrderElementsOf(objects);
        assertStatus(Status.STALE, () -> mds.getattr(f));
    }

    @Test
    void aFileMarkedByTwoGatewaysStaysUntilBothUnmark() {
        Fid d = scratch();
        Fid f = withObjects(d, "f");
        Fid g = file(ALICE, d, "g", 0644);
        mds.markOpen(A, f);
        mds.markOpen(B, f);
        mds.markOpen(A, f); // one mark per gateway, however often it opens the file
        Renamed r = mds.rename(ALICE, d, "g", d, "f"); // rename over it
        assertThat(r.replaced().fid()).isEqualTo(f);
        assertThat(r.destroys()).isEmpty();
        assertThat(mds.lookup(ALICE, d, "f").fid()).isEqualTo(g);
        assertThat(mds.unmarkOpen(A.gateway(), f)).isFalse();
        assertThat(attr(f).nlink()).as("B still has it open").isZero();
        assertThat(queued(mds, f)).isEmpty();
        assertThat(mds.unmarkOpen(B.gateway(), f)).isTrue();
        assertStatus(Status.STALE, () -> mds.getattr(f));
        assertThat(queued(mds, f)).isNotEmpty();
    }

    @Test
    void aCreateThatOpensMarksItsFileInTheSameEntry() {
        Fid d = scratch();
        NamespaceStateMachine sm = server.stateMachine();
        long before = sm.entriesApplied.get();
        Fid f = mds.create(ALICE, d, "f", CreateSpec.file(0644).openedBy(A)).attr().fid();
        assertThat(sm.entriesApplied.get() - before).as("entries for a create that opens").isEqualTo(1);
        // an UNCHECKED create that finds the file marks it too (an OPEN4_CREATE of an existing file)
        Fid e = file(ALICE, d, "e", 0644);
        Fid found = mds.create(ALICE, d, "e", CreateSpec.builder(FileType.REGULAR).how(CreateSpec.How.UNCHECKED)
                .build().openedBy(B)).attr().fid();
        assertThat(found).isEqualTo(e);
        mds.remove(ALICE, d, "f", RemoveKind.FILE);
        mds.remove(ALICE, d, "e", RemoveKind.FILE);
        assertThat(attr(f).nlink()).isZero();
        assertThat(attr(e).nlink()).isZero();
        assertThat(mds.unmarkOpen(A.gateway(), f)).isTrue();
        assertThat(mds.unmarkOpen(B.gateway(), e)).isTrue();
    }

    @Test
    void aSmallFilePutOverAMarkedFileKeepsIt() {
        Fid d = scratch();
        Fid f = withObjects(d, "k");
        mds.markOpen(A, f);
        var p = mds.putSmallFile(ALICE, new SmallFile(d, List.of(), "k", 0644, "new".getBytes(StandardCharsets.UTF_8),
                64 << 10, Map.of(), Map.of(), SmallFile.Expect.ANY));
        assertThat(p.replaced().fid()).isEqualTo(f);
        assertThat(p.destroys()).isEmpty();
        assertThat(attr(f).nlink()).isZero();
        assertThat(mds.unmarkOpen(A.gateway(), f)).isTrue();
        assertThat(queued(mds, f)).isNotEmpty();
    }

    @Test
    void droppingAGatewaysMarksKeepsThoseOfItsCurrentInstanceAndOfOtherGateways() {
        Fid d = scratch();
        Fid both = withObjects(d, "both");
        Fid again = withObjects(d, "again");
        Fid alone = withObjects(d, "alone");
        Fid named = withObjects(d, "named");
        Opener aRestarted = new Opener(A.gateway(), 12);
        for (Fid f : List.of(both, again, alone, named)) {
            mds.markOpen(A, f);
        }
        mds.markOpen(B, both);
        mds.markOpen(aRestarted, again); // reclaimed by A's next instance
        for (String n : List.of("both", "again", "alone")) {
            mds.remove(ALICE, d, n, RemoveKind.FILE);
        }
        assertThat(mds.dropOpenMarks(A.gateway(), aRestarted.instance())).isEqualTo(3);
        assertStatus(Status.STALE, () -> mds.getattr(alone));
        assertThat(queued(mds, alone)).isNotEmpty();
        assertThat(attr(both).nlink()).as("B holds it").isZero();
        assertThat(attr(again).nlink()).as("A's new instance holds it").isZero();
        assertThat(attr(named).nlink()).as("a file with a name only loses its mark").isEqualTo(1);
        mds.remove(ALICE, d, "named", RemoveKind.FILE);
        assertStatus(Status.STALE, () -> mds.getattr(named));

        assertThat(mds.dropOpenMarks(B.gateway(), 0)).as("every mark of a gateway gone for good").isEqualTo(1);
        assertStatus(Status.STALE, () -> mds.getattr(both));
        assertThat(mds.dropOpenMarks(A.gateway(), 0)).isEqualTo(1);
        assertStatus(Status.STALE, () -> mds.getattr(again));
        assertThat(mds.dropOpenMarks(A.gateway(), 0)).isZero();
    }

    @Test
    void pendingIsTheMdssAlone() {
        Fid d = scratch();
        Fid f = withObjects(d, "f");
        mds.markOpen(A, f);
        mds.remove(ALICE, d, "f", RemoveKind.FILE);
        assertStatus(Status.PERM, () -> mds.remove(Caller.ROOT, Fid.PENDING, f.toHex(), RemoveKind.FILE));
        assertStatus(Status.PERM, () -> mds.rename(Caller.ROOT, Fid.PENDING, f.toHex(), d, "back"));
        assertStatus(Status.PERM, () -> mds.create(Caller.ROOT, Fid.PENDING, "x", CreateSpec.file(0644)));
        assertStatus(Status.NOT_FOUND, () -> mds.link(Caller.ROOT, f, d, "again"));
        assertStatus(Status.INVALID, () -> mds.markOpen(A, d));
        assertThat(mds.unmarkOpen(A.gateway(), f)).isTrue();
    }

    @Test
    void marksAndPendingFilesSurviveARestart(@TempDir Path tmp) {
        Fid d;
        Fid held;
        Fid marked;
        try (MetadataServer s = TestServers.single(tmp); MetadataClient md = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(md, 2);
            d = md.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0777)).attr().fid();
            held = md.create(Caller.ROOT, d, "held", CreateSpec.file(0644).openedBy(A)).attr().fid();
            marked = md.create(Caller.ROOT, d, "marked", CreateSpec.file(0644)).attr().fid();
            md.markOpen(B, marked);
            md.remove(Caller.ROOT, d, "held", RemoveKind.FILE);
        }
        try (MetadataServer s = TestServers.single(tmp); MetadataClient md = MetadataClient.connect(s.peers())) {
            assertThat(md.getattr(held).nlink()).isZero();
            assertThat(pendingNames(md)).contains(held.toHex());
            md.remove(Caller.ROOT, d, "marked", RemoveKind.FILE);
            assertThat(md.getattr(marked).nlink()).as("its mark came back with the MDS").isZero();
            assertThat(md.unmarkOpen(A.gateway(), held)).isTrue();
            assertThat(md.unmarkOpen(B.gateway(), marked)).isTrue();
            assertStatus(Status.STALE, () -> md.getattr(marked));
        }
    }

    /** A store formatted before open marks existed has no PENDING directory: the first file kept makes it. */
    @Test
    void aStoreFromBeforeOpenMarksMakesItsPendingDirectoryWhenFirstNeeded(@TempDir Path tmp) throws Exception {
        try (NamespaceStore store = NamespaceStore.open(tmp, null, true)) {
            Fid f;
            try (Tx tx = store.write()) {
                Namespace.apply(tx, 1, new Op.Format(7));
                tx.deleteInode(tx.need(Fid.PENDING)); // as an old format left it
                f = ((io.nacre.engine.meta.Results.Created) Namespace.apply(tx, 2, new Op.Create(Caller.ROOT, Fid.ROOT,
                        "f", CreateSpec.builder(FileType.REGULAR).delayLayout(true).build().openedBy(A), null, null)))
                        .attr().fid();
                tx.commit();
            }
            try (Tx tx = store.write()) {
                assertThat(tx.inode(Fid.PENDING)).isNull();
                Namespace.apply(tx, 3, new Op.Remove(Caller.ROOT, Fid.ROOT, "f", RemoveKind.FILE));
                assertThat(tx.need(f).nlink).isZero();
                assertThat(tx.needDir(Fid.PENDING).entries).isEqualTo(1L);
                assertThat(tx.dentry(Fid.PENDING, f.toHex()).fid()).isEqualTo(f);
                assertThat(Namespace.apply(tx, 4, new Op.UnmarkOpen(A.gateway(), f))).isEqualTo(1L);
                assertThat(tx.inode(f)).isNull();
                assertThat(tx.needDir(Fid.PENDING).entries).isZero();
                tx.commit();
            }
        }
    }
}
