package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.Results.AttrChange;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.store.OstInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Layouts, allocation, data-on-MDT, data writes and the destroy queue, through a real MDS with 4 OSTs. */
class LayoutTest extends ServerTestBase {

    private static final int MIB = 1 << 20;

    private static Placement.Raid0 first(Layout l) {
        return l.components().get(0).raid0();
    }

    @Test
    void theFileSystemDefaultIsOneStripeOfOneMegabyte() {
        assertThat(mds.defaultLayout(Fid.ROOT)).contains(LayoutTemplate.DEFAULT);
        Fid d = scratch();
        assertThat(mds.defaultLayout(d)).isEmpty();
        Layout l = mds.layout(file(ALICE, d, "f", 0644));
        assertThat(l.components()).hasSize(1);
        assertThat(first(l).stripeCount()).isEqualTo(1);
        assertThat(first(l).stripeSize()).isEqualTo(MIB);
        assertThat(first(l).objects()).hasSize(1);
        assertThat(mds.layout(d)).isEqualTo(Layout.NONE);
        assertStatus(Status.NOT_DIR, () -> mds.defaultLayout(file(ALICE, d, "g", 0644)));
    }

    @Test
    void directoryDefaultsAreInheritedByFilesAndNewSubdirectories() {
        Fid d = scratch();
        mds.setDefaultLayout(Caller.ROOT, d, LayoutTemplate.of(2, 256 << 10, ""));
        Layout l = mds.layout(file(ALICE, d, "f", 0644));
        assertThat(first(l).stripeCount()).isEqualTo(2);
        assertThat(first(l).stripeSize()).isEqualTo(256 << 10);
        assertThat(first(l).objects()).extracting(ObjectRef::ost).doesNotHaveDuplicates();
        Fid sub = mkdir(ALICE, d, "sub", 0755);
        assertThat(mds.defaultLayout(sub)).contains(LayoutTemplate.of(2, 256 << 10, ""));
        assertThat(first(mds.layout(file(ALICE, sub, "g", 0644))).stripeCount()).isEqualTo(2);
        // a file's own template wins; its 0 (inherit) size comes from the directory
        CreateSpec own = CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(3, 0, "")).build();
        Layout o = mds.layout(mds.create(ALICE, d, "own", own).attr().fid());
        assertThat(first(o).stripeCount()).isEqualTo(3);
        assertThat(first(o).stripeSize()).isEqualTo(256 << 10);
        mds.setDefaultLayout(Caller.ROOT, d, null);
        assertThat(mds.defaultLayout(d)).isEmpty();
        assertStatus(Status.PERM, () -> mds.setDefaultLayout(ALICE, d, LayoutTemplate.of(1, MIB, "")));
    }

    @Test
    void allOstsAndPoolsAndTooManyStripes() {
        Fid d = scratch();
        CreateSpec all = CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(-1, MIB, "")).build();
        assertThat(first(mds.layout(mds.create(ALICE, d, "all", all).attr().fid())).objects()).hasSize(4);
        CreateSpec fast = CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(-1, MIB, "fast")).build();
        Placement.Raid0 r = first(mds.layout(mds.create(ALICE, d, "fast", fast).attr().fid()));
        assertThat(r.objects()).extracting(ObjectRef::ost).containsExactlyInAnyOrder(0, 1);
        assertThat(r.pool()).isEqualTo("fast");
        CreateSpec five = CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(5, MIB, "")).build();
        assertStatus(Status.INVALID, () -> mds.create(ALICE, d, "five", five));
        assertStatus(Status.NOT_FOUND, () -> mds.lookup(ALICE, d, "five"));
        CreateSpec threeFast = CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(3, MIB, "fast")).build();
        assertStatus(Status.INVALID, () -> mds.create(ALICE, d, "three", threeFast));
        CreateSpec nopool = CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(1, MIB, "nopool")).build();
        assertStatus(Status.INVALID, () -> mds.create(ALICE, d, "np", nopool));
        assertStatus(Status.INVALID, () -> mds.setDefaultLayout(Caller.ROOT, d, LayoutTemplate.of(8, MIB, "")));
    }

    @Test
    void singleStripeFilesGoRoundRobinOverTheOsts() {
        Fid d = scratch();
        Map<Integer, Integer> perOst = new HashMap<>();
        for (int i = 0; i < 8; i++) {
            int ost = first(mds.layout(file(ALICE, d, "f" + i, 0644))).objects().get(0).ost();
            perOst.merge(ost, 1, Integer::sum);
        }
        assertThat(perOst).containsOnlyKeys(0, 1, 2, 3);
        assertThat(perOst.values()).containsOnly(2);
    }

    @Test
    void objectIdsAreNeverReused() {
        Fid d = scratch();
        Set<ObjectRef> seen = new HashSet<>();
        CreateSpec all = CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(-1, MIB, "")).build();
        for (int i = 0; i < 5; i++) {
            Fid f = mds.create(ALICE, d, "f" + i, all).attr().fid();
            for (ObjectRef o : mds.layout(f).objects()) {
                assertThat(seen.add(o)).as("object %s handed out twice", o).isTrue();
            }
            mds.remove(ALICE, d, "f" + i, RemoveKind.FILE);
        }
    }

    @Test
    void delayedLayoutIsSetOnceBySetLayout() {
        Fid d = scratch();
        Fid f = mds.create(ALICE, d, "f", CreateSpec.builder(FileType.REGULAR).delayLayout(true).build()).attr().fid();
        assertThat(mds.layout(f)).isEqualTo(Layout.NONE);
        assertStatus(Status.ACCESS, () -> mds.setLayout(BOB, f, LayoutTemplate.of(2, MIB, "")));
        Layout l = mds.setLayout(ALICE, f, LayoutTemplate.of(2, MIB, ""));
        assertThat(first(l).objects()).hasSize(2);
        assertThat(mds.layout(f)).isEqualTo(l);
        assertStatus(Status.EXISTS, () -> mds.setLayout(ALICE, f, LayoutTemplate.of(1, MIB, "")));
        assertStatus(Status.IS_DIR, () -> mds.setLayout(ALICE, d, LayoutTemplate.of(1, MIB, "")));
    }

    @Test
    void pflComponentsGetObjectsWhenAWriteFirstReachesThem() {
        Fid d = scratch();
        LayoutTemplate pfl = new LayoutTemplate(List.of(
                LayoutTemplate.Entry.raid0(4L * MIB, 1, MIB, ""),
                LayoutTemplate.Entry.raid0(64L * MIB, 2, MIB, ""),
                LayoutTemplate.Entry.raid0(Extent.EOF, -1, 4 * MIB, "")));
        mds.setDefaultLayout(Caller.ROOT, d, pfl);
        Fid f = file(ALICE, d, "f", 0644);
        Layout l = mds.layout(f);
        assertThat(l.components()).hasSize(3);
        assertThat(l.components().get(0).raid0().instantiated()).isTrue();
        assertThat(l.components().get(1).raid0().instantiated()).isFalse();
        assertThat(l.components().get(2).raid0().instantiated()).isFalse();
        assertThat(l.components().get(2).raid0().stripeCount()).isEqualTo(4);
        assertThat(mds.instantiate(f, 0, MIB)).isEqualTo(l);
        Layout l2 = mds.instantiate(f, 3L * MIB, 2L * MIB);
        assertThat(l2.generation()).isGreaterThan(l.generation());
        assertThat(l2.components().get(1).raid0().objects()).hasSize(2);
        assertThat(l2.components().get(2).raid0().instantiated()).isFalse();
        Layout l3 = mds.instantiate(f, 100L * MIB, 1);
        assertThat(l3.components().get(2).raid0().objects()).hasSize(4);
        assertThat(l3.objects()).doesNotHaveDuplicates().hasSize(7);
    }

    @Test
    void dataOnMdtIsKeptByTheMds() {
        Fid d = scratch();
        LayoutTemplate dom = new LayoutTemplate(List.of(
                LayoutTemplate.Entry.dataOnMdt(64 << 10),
                LayoutTemplate.Entry.raid0(Extent.EOF, 1, MIB, "")));
        Fid f = mds.create(ALICE, d, "f", CreateSpec.builder(FileType.REGULAR).layout(dom).build()).attr().fid();
        Layout l = mds.layout(f);
        assertThat(l.components().get(0).isDataOnMdt()).isTrue();
        assertThat(l.components().get(1).raid0().instantiated()).isFalse();
        mds.domWrite(f, 10, "hello".getBytes());
        mds.dataWritten(f, 15, SetAttr.SERVER_TIME);
        assertThat(new String(mds.domRead(f, 10, 5))).isEqualTo("hello");
        byte[] head = mds.domRead(f, 0, 16);
        assertThat(head).hasSize(16);
        assertThat(head[0]).isZero();
        assertThat(mds.domRead(f, (64 << 10) - 2, 10)).hasSize(2);
        assertThat(mds.domRead(f, 64 << 10, 10)).isEmpty();
        assertStatus(Status.INVALID, () -> mds.domWrite(f, (64 << 10) - 1, new byte[2]));
        assertStatus(Status.INVALID, () -> mds.domRead(file(ALICE, d, "plain", 0644), 0, 1));
        AttrChange t = mds.setattr(ALICE, f, SetAttr.builder().size(12).build());
        assertThat(t.punches()).isEmpty();
        assertThat(new String(mds.domRead(f, 10, 5), 0, 2)).isEqualTo("he");
        assertThat(mds.domRead(f, 12, 3)).containsOnly(0);
        assertStatus(Status.EXISTS, () -> mds.setLayout(ALICE, f, LayoutTemplate.DEFAULT));
    }

    @Test
    void dataWrittenGrowsSizeAndMarksArchivedFilesDirty() {
        Fid f = file(ALICE, scratch(), "f", 0644);
        Attr a = mds.dataWritten(f, 4096, SetAttr.SERVER_TIME);
        assertThat(a.size()).isEqualTo(4096);
        Attr b = mds.dataWritten(f, 100, 123L);
        assertThat(b.size()).isEqualTo(4096);
        assertThat(b.mtime()).isEqualTo(123L);
        assertThat(b.dataVersion()).isEqualTo(a.dataVersion() + 1);
        assertThat(b.change()).isGreaterThan(a.change());
        assertThat(b.hsm().has(HsmState.DIRTY)).isFalse();
        assertStatus(Status.INVALID, () -> mds.dataWritten(scratch(), 1, SetAttr.SERVER_TIME));
    }

    @Test
    void unlinkAndTruncateQueueTheirObjectsUntilReportedDone() {
        Fid d = scratch();
        CreateSpec striped = CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(4, 64 << 10, "")).build();
        Fid f = mds.create(ALICE, d, "f", striped).attr().fid();
        Layout l = mds.layout(f);
        mds.dataWritten(f, 1_000_000, SetAttr.SERVER_TIME);
        // 100 KiB of a 4 x 64 KiB striping: stripe 0 keeps 64 KiB, stripe 1 keeps 36 KiB, the others nothing
        AttrChange t = mds.setattr(ALICE, f, SetAttr.builder().size(100 << 10).build());
        assertThat(t.punches()).extracting(PendingDestroy::keepBytes).containsExactly(64L << 10, 36L << 10, 0L, 0L);
        assertThat(t.punches()).extracting(PendingDestroy::object).containsExactlyElementsOf(l.objects());
        assertThat(t.punches()).allSatisfy(p -> assertThat(p.fid()).isEqualTo(f));
        assertThat(mds.setattr(ALICE, f, SetAttr.builder().size(1 << 20).build()).punches()).isEmpty();
        List<PendingDestroy> removed = mds.remove(ALICE, d, "f", RemoveKind.FILE).destroys();
        assertThat(removed).allSatisfy(p -> assertThat(p.isDestroy()).isTrue());
        assertThat(removed).extracting(PendingDestroy::object).containsExactlyElementsOf(l.objects());

        List<PendingDestroy> queued = mds.pendingDestroys(1000);
        assertThat(queued).containsAll(t.punches()).containsAll(removed);
        assertThat(queued).extracting(PendingDestroy::id).isSorted();
        mds.destroyed(t.punches().stream().map(PendingDestroy::id).toList());
        List<PendingDestroy> after = mds.pendingDestroys(1000);
        assertThat(after).doesNotContainAnyElementsOf(t.punches()).containsAll(removed);
        mds.destroyed(removed.stream().map(PendingDestroy::id).toList());
        mds.destroyed(List.of(removed.get(0).id()));
        assertThat(mds.pendingDestroys(1000)).doesNotContainAnyElementsOf(removed);
    }

    @Test
    void ostRegistryAndStatfs() {
        List<OstInfo> osts = mds.osts();
        assertThat(osts).extracting(OstInfo::index).startsWith(0, 1, 2, 3);
        assertThat(osts.get(0).pools()).containsExactly("fast");
        long files = mds.statfs().filesTotal() - mds.statfs().filesFree();
        file(ALICE, scratch(), "f", 0644);
        assertThat(mds.statfs().filesTotal() - mds.statfs().filesFree()).isEqualTo(files + 2);
        mds.registerOst(new OstInfo(3, Set.of("slow"), "http://node:9002"));
        assertThat(mds.osts().get(3).pools()).containsExactly("slow");
        assertThat(mds.osts().get(3).node()).isEqualTo("http://node:9002");
        mds.registerOst(new OstInfo(3, Set.of(), ""));
    }
}
