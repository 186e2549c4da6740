package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.Status;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.ReferencedObjects;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * MetadataService.referencedObjects, the orphan scrub's view of an OST: every object a layout (hidden files'
 * too) or the destroy queue names, ascending, a page at a time, with the OST's allocation mark.
 */
class ReferencedObjectsTest extends ServerTestBase {

    /**
     * Every referenced id of the OST below {@code below}, read in pages of {@code max} (bounded by the first page's
     * allocation mark, as the scrub reads them); only the last says no more.
     */
    static List<Long> all(int ost, long below, int max) {
        return all(mds, ost, below, max);
    }

    static List<Long> all(MetadataService mds, int ost, long below, int max) {
        List<Long> out = new ArrayList<>();
        long after = 0;
        while (true) {
            ReferencedObjects page = mds.referencedObjects(ost, after, below, max);
            below = Math.min(below, page.allocated()); // as the scrub does: the pages that follow share the first's pass
            assertThat(page.ids().length).isLessThanOrEqualTo(max);
            for (long id : page.ids()) {
                out.add(id);
            }
            if (!page.more()) {
                return out;
            }
            assertThat(page.ids()).hasSize(max);
            after = page.ids()[page.ids().length - 1];
        }
    }

    Fid striped(Fid dir, String name, int stripes) {
        return mds.create(Caller.ROOT, dir, name, CreateSpec.builder(FileType.REGULAR).mode(0644)
                .layout(LayoutTemplate.of(stripes, 1 << 20, "")).build()).attr().fid();
    }

    @Test
    void pagesNameEveryReferencedObjectOfTheOstInOrder() {
        Fid d = scratch();
        Fid hidden = mds.create(Caller.ROOT, Fid.HIDDEN, "referenced-test", CreateSpec.directory(0700)).attr().fid();
        List<TreeSet<Long>> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            expected.add(new TreeSet<>());
        }
        List<Fid> made = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            made.add(striped(i % 5 == 0 ? hidden : d, "f" + i, 1 + i % 4));
        }
        for (Fid f : made) {
            for (ObjectRef o : mds.layout(f).objects()) {
                expected.get(o.ost()).add(o.id());
            }
        }
        // removed: the objects are queued for destruction, and still referenced until it is done
        List<PendingDestroy> queued = mds.remove(Caller.ROOT, d, "f1", RemoveKind.FILE).destroys();
        assertThat(queued).isNotEmpty();

        for (int ost = 0; ost < 4; ost++) {
            List<Long> want = List.copyOf(expected.get(ost));
            for (int max : new int[] {1, 2, 5, MetadataService.REFERENCED_MAX}) {
                assertThat(all(ost, Long.MAX_VALUE, max)).as("OST %d in pages of %d", ost, max).isEqualTo(want);
            }
            ReferencedObjects first = mds.referencedObjects(ost, 0, Long.MAX_VALUE, 1);
            assertThat(first.allocated()).as("the mark is above every id handed out").isGreaterThan(want.get(want.size() - 1));
            long below = want.get(want.size() / 2);
            assertThat(all(ost, below, 2)).isEqualTo(want.stream().filter(id -> id < below).toList());
        }

        // once performed and acknowledged, a destroy no longer references its object
        mds.destroyed(queued.stream().map(PendingDestroy::id).toList());
        for (PendingDestroy p : queued) {
            assertThat(all(p.object().ost(), Long.MAX_VALUE, 3)).doesNotContain(p.object().id());
        }
    }

    @Test
    void aPageOfBadSizeIsRefused() {
        assertStatus(Status.INVALID, () -> mds.referencedObjects(0, 0, Long.MAX_VALUE, 0));
        assertStatus(Status.INVALID, () -> mds.referencedObjects(0, 0, Long.MAX_VALUE, MetadataService.REFERENCED_MAX + 1));
    }
}
