package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.Results.AttrChange;
import io.nacre.engine.meta.SetAttr;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MetadataService.swapLayout: lfs migrate's swap of a staged copy's layout into a file, checked and atomic. */
class LayoutSwapTest extends ServerTestBase {

    static final int MIB = 1 << 20;

    /** A directory under the hidden one, where staged copies live. */
    static Fid staging(MetadataService md, String name) {
        return md.create(Caller.ROOT, Fid.HIDDEN, name, CreateSpec.directory(0700)).attr().fid();
    }

    /** A file of {@code size} bytes with objects, laid out by {@code t}. */
    static Fid withData(MetadataService md, Fid dir, String name, LayoutTemplate t, long size) {
        Fid f = md.create(Caller.ROOT, dir, name, CreateSpec.builder(FileType.REGULAR).mode(0644).layout(t).build())
                .attr().fid();
        md.instantiate(f, 0, Math.max(1, size));
        md.dataWritten(f, size, SetAttr.SERVER_TIME);
        return f;
    }

    @Test
    void theStagedLayoutReplacesTheFilesAndTheOldObjectsAreQueuedForDestruction() {
        Fid d = scratch();
        Fid stage = staging(mds, "swap-" + d.oid());
        Fid f = withData(mds, d, "f", LayoutTemplate.of(1, MIB, ""), 5L * MIB);
        Attr before = mds.getattr(f);
        Layout old = mds.layout(f);
        Fid donor = withData(mds, stage, "copy", LayoutTemplate.of(3, MIB, ""), 5L * MIB);
        Layout staged = mds.layout(donor);

        AttrChange swapped = mds.swapLayout(Caller.ROOT, f, before.dataVersion(), old.generation(), stage, "copy");

        Layout now = mds.layout(f);
        assertThat(now.components()).isEqualTo(staged.components());
        assertThat(now.generation()).isGreaterThan(old.generation());
        assertThat(swapped.attr().size()).isEqualTo(5L * MIB);
        assertThat(swapped.attr().mtime()).isEqualTo(before.mtime());
        assertThat(swapped.attr().dataVersion()).as("same bytes, same data version").isEqualTo(before.dataVersion());
        assertThat(swapped.attr().change()).isGreaterThan(before.change());
        assertThat(swapped.punches()).extracting(PendingDestroy::object).containsExactlyElementsOf(old.objects());
        assertThat(swapped.punches()).allMatch(PendingDestroy::isDestroy);
        assertThat(mds.pendingDestroys(100_000)).extracting(PendingDestroy::object)
                .containsAll(old.objects()).doesNotContainAnyElementsOf(staged.objects());
        // the donor is gone, its objects are the file's
        assertStatus(Status.NOT_FOUND, () -> mds.lookup(Caller.ROOT, stage, "copy"));
        assertStatus(Status.STALE, () -> mds.getattr(donor));
    }

    @Test
    void aSwapIsRefusedWhenTheFileChangedSinceTheCopyBegan() {
        Fid d = scratch();
        Fid stage = staging(mds, "swap-" + d.oid());
        Fid f = withData(mds, d, "f", LayoutTemplate.of(1, MIB, ""), 3L * MIB);
        Attr before = mds.getattr(f);
        Layout old = mds.layout(f);
        withData(mds, stage, "copy", LayoutTemplate.of(2, MIB, ""), 3L * MIB);

        // a write recorded during the copy
        mds.dataWritten(f, MIB, SetAttr.SERVER_TIME);
        assertStatus(Status.BUSY, () -> mds.swapLayout(Caller.ROOT, f, before.dataVersion(), old.generation(), stage,
                "copy"));
        // a layout change (another restripe, a PFL instantiation) since the copy began
        assertStatus(Status.BUSY, () -> mds.swapLayout(Caller.ROOT, f, mds.getattr(f).dataVersion(),
                old.generation() - 1, stage, "copy"));
        // nothing changed: the file keeps its objects, the staged copy stays
        assertThat(mds.layout(f)).isEqualTo(old);
        assertThat(mds.pendingDestroys(100_000)).extracting(PendingDestroy::object).doesNotContainAnyElementsOf(
                old.objects());
        assertThat(mds.lookup(Caller.ROOT, stage, "copy").size()).isEqualTo(3L * MIB);
        // a truncate below the copy's size leaves a copy larger than the file
        mds.setattr(Caller.ROOT, f, SetAttr.builder().size(2L * MIB).build());
        long dv = mds.getattr(f).dataVersion();
        assertStatus(Status.INVALID, () -> mds.swapLayout(Caller.ROOT, f, dv, old.generation(), stage, "copy"));
    }

    @Test
    void onlyAStagedPlainFileOfTheOwnersFileMayBeSwappedIn() {
        Fid d = scratch();
        Fid stage = staging(mds, "swap-" + d.oid());
        Fid f = withData(mds, d, "f", LayoutTemplate.of(1, MIB, ""), MIB);
        Attr a = mds.getattr(f);
        long gen = mds.layout(f).generation();
        withData(mds, d, "outside", LayoutTemplate.of(2, MIB, ""), MIB);
        withData(mds, stage, "copy", LayoutTemplate.of(2, MIB, ""), MIB);

        assertStatus(Status.INVALID, () -> mds.swapLayout(Caller.ROOT, f, a.dataVersion(), gen, d, "outside"));
        assertStatus(Status.BUSY, () -> mds.swapLayout(Caller.ROOT, f, a.dataVersion(), gen, stage, "nothing"));
        assertStatus(Status.ACCESS, () -> mds.swapLayout(BOB, f, a.dataVersion(), gen, stage, "copy"));
        assertStatus(Status.INVALID, () -> mds.swapLayout(Caller.ROOT, d, a.dataVersion(), gen, stage, "copy"));
        assertThat(mds.layout(f).generation()).isEqualTo(gen);
    }

    @Test
    void aSwapSurvivesARestartAndAppliesOnEveryPeer(@TempDir Path dir) throws Exception {
        try (Cluster cluster = new Cluster(dir, 3, 100_000); MetadataClient md = cluster.client()) {
            TestServers.registerOsts(md, 4);
            Fid stage = staging(md, "migrate");
            Fid f = withData(md, Fid.ROOT, "f", LayoutTemplate.of(1, MIB, ""), 2L * MIB);
            List<ObjectRef> old = md.layout(f).objects();
            Layout staged = md.layout(withData(md, stage, "copy", LayoutTemplate.of(4, MIB, ""), 2L * MIB));
            md.swapLayout(Caller.ROOT, f, md.getattr(f).dataVersion(), md.layout(f).generation(), stage, "copy");
            // the leader goes; the others carry on with the swapped layout
            int leader = cluster.leader();
            cluster.stop(leader);
            assertThat(md.layout(f).components()).isEqualTo(staged.components());
            cluster.start(leader);
            // every peer restarts from its disk
            for (int i = 0; i < 3; i++) {
                cluster.stop(i);
            }
            for (int i = 0; i < 3; i++) {
                cluster.start(i);
            }
            assertThat(md.layout(f).components()).isEqualTo(staged.components());
            assertThat(md.pendingDestroys(1000)).extracting(PendingDestroy::object).containsAll(old);
            assertStatus(Status.NOT_FOUND, () -> md.lookup(Caller.ROOT, stage, "copy"));
        }
    }
}
