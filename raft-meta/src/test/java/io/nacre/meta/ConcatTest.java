package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.SetAttr;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MetadataService.concat: joining files' layouts without copying (S3 multipart completion). */
class ConcatTest extends ServerTestBase {

    static final int MIB = 1 << 20;

    /** A file with objects holding {@code size} bytes (as FileIo would leave it). */
    static Fid withData(Fid dir, String name, long size) {
        Fid f = file(Caller.ROOT, dir, name, 0644);
        mds.instantiate(f, 0, Math.max(1, size));
        mds.dataWritten(f, size, SetAttr.SERVER_TIME);
        return f;
    }

    static Fid emptyTarget(Fid dir, String name) {
        return mds.create(Caller.ROOT, dir, name, CreateSpec.builder(FileType.REGULAR).delayLayout(true).build())
                .attr().fid();
    }

    static Status status(Runnable r) {
        try {
            r.run();
        } catch (NacreException e) {
            return e.status();
        }
        throw new AssertionError("no error");
    }

    @Test
    void partsBecomeComponentsOfTheTargetAndAreLeftEmpty() {
        Fid d = scratch();
        Fid p1 = withData(d, "p1", 5L * MIB);
        Fid p2 = withData(d, "p2", 8L * MIB);
        Fid p3 = withData(d, "p3", 3L * MIB + 7);
        List<ObjectRef> objects = new ArrayList<>();
        for (Fid p : List.of(p1, p2, p3)) {
            objects.addAll(mds.layout(p).objects());
        }
        Fid t = emptyTarget(d, "t");
        long before = mds.getattr(t).dataVersion();
        Attr a = mds.concat(Caller.ROOT, t, List.of(p1, p2, p3));
        assertThat(a.size()).isEqualTo(16L * MIB + 7);
        assertThat(a.dataVersion()).isGreaterThan(before);
        Layout l = mds.layout(t);
        assertThat(l.components()).extracting(Component::extent).containsExactly(
                new Extent(0, 5L * MIB), new Extent(5L * MIB, 13L * MIB), new Extent(13L * MIB, Extent.EOF));
        assertThat(l.objects()).containsExactlyElementsOf(objects);
        for (Fid p : List.of(p1, p2, p3)) {
            assertThat(mds.getattr(p).size()).isZero();
            assertThat(mds.layout(p).isEmpty()).isTrue();
        }
        // Removing the emptied parts destroys nothing the target now holds.
        for (String n : List.of("p1", "p2", "p3")) {
            assertThat(mds.remove(Caller.ROOT, d, n, io.nacre.engine.meta.MetadataService.RemoveKind.FILE).destroys())
                    .isEmpty();
        }
        assertThat(mds.pendingDestroys(10_000)).extracting(PendingDestroy::object).doesNotContainAnyElementsOf(objects);
    }

    @Test
    void layoutsThatCannotBeJoinedAreNotSupportedAndChangeNothing() {
        Fid d = scratch();
        Fid odd = withData(d, "odd", 5L * MIB + 3);
        Fid next = withData(d, "next", MIB);
        Fid t = emptyTarget(d, "t");
        assertThat(status(() -> mds.concat(Caller.ROOT, t, List.of(odd, next)))).isEqualTo(Status.NOT_SUPPORTED);
        assertThat(mds.getattr(odd).size()).isEqualTo(5L * MIB + 3);
        assertThat(mds.layout(t).isEmpty()).isTrue();
        // An odd size is fine for the last part.
        Fid t2 = emptyTarget(d, "t2");
        assertThat(mds.concat(Caller.ROOT, t2, List.of(next, odd)).size()).isEqualTo(6L * MIB + 3);

        Fid dom = mds.create(Caller.ROOT, d, "dom", CreateSpec.builder(FileType.REGULAR)
                .layout(new LayoutTemplate(List.of(LayoutTemplate.Entry.dataOnMdt(MIB),
                        LayoutTemplate.Entry.raid0(Extent.EOF, 1, MIB, "")))).build()).attr().fid();
        mds.dataWritten(dom, 100, SetAttr.SERVER_TIME);
        assertThat(status(() -> mds.concat(Caller.ROOT, emptyTarget(d, "t3"), List.of(dom)))).isEqualTo(Status.NOT_SUPPORTED);
        Fid full = withData(d, "full", MIB);
        assertThat(status(() -> mds.concat(Caller.ROOT, full, List.of(next)))).isEqualTo(Status.INVALID);
        assertThat(status(() -> mds.concat(Caller.ROOT, emptyTarget(d, "t4"), List.of(next, next)))).isEqualTo(Status.INVALID);
    }

    @Test
    void callersNeedWriteOnEveryFile() {
        Fid d = scratch();
        Fid p = withData(d, "p", MIB);
        Fid t = mds.create(ALICE, d, "t", CreateSpec.builder(FileType.REGULAR).delayLayout(true).build()).attr().fid();
        assertThat(status(() -> mds.concat(ALICE, t, List.of(p)))).isEqualTo(Status.ACCESS);
        assertThat(mds.concat(Caller.ROOT, t, List.of(p)).size()).isEqualTo(MIB);
    }
}
