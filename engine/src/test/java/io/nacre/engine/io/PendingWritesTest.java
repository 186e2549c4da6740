package io.nacre.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Fid;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HsmState;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingWritesTest {

    private static final Fid F = new Fid(Fid.FIRST_NORMAL_SEQ, 7, 0);
    private static final ObjectRef A = new ObjectRef(0, 1);
    private static final ObjectRef B = new ObjectRef(1, 2);

    private static Attr attr(long size, long mtime) {
        return new Attr(F, FileType.REGULAR, 0644, 1, 0, 0, size, 0, 0, 0, 1, mtime, mtime, 1, 5, 3, HsmState.NONE);
    }

    private final PendingWrites pending = new PendingWrites();

    @Test
    void getattrShowsUnrecordedSizeAndMtimeOnlyWhenLarger() {
        assertThat(pending.merge(attr(10, 100))).isEqualTo(attr(10, 100));
        pending.wrote(F, List.of(A), 4096, 200);
        Attr merged = pending.merge(attr(10, 100));
        assertThat(merged.size()).isEqualTo(4096);
        assertThat(merged.mtime()).isEqualTo(200);
        assertThat(merged.ctime()).isEqualTo(200);
        assertThat(merged.change()).as("the MDS's change attribute is not made up").isEqualTo(5);
        assertThat(pending.merge(attr(8192, 300))).isEqualTo(attr(8192, 300));
    }

    @Test
    void aCommitClearsOnlyWhatItCovered() {
        pending.wrote(F, List.of(A, B), 100, 1);
        PendingWrites.Snapshot s = pending.snapshot(F);
        assertThat(s.dirty().keySet()).containsExactlyInAnyOrder(A, B);
        // A is written again while the commit runs: it stays dirty, and so does the larger size.
        pending.wrote(F, List.of(A), 200, 2);
        pending.done(s, true, true);
        PendingWrites.Snapshot after = pending.snapshot(F);
        assertThat(after.dirty().keySet()).containsExactly(A);
        assertThat(after.end()).isEqualTo(200);
        pending.done(after, true, true);
        assertThat(pending.snapshot(F)).isNull();
        assertThat(pending.files()).isEmpty();
    }

    @Test
    void aSizeFlushKeepsTheObjectsToSync() {
        pending.wrote(F, List.of(A), 100, 1);
        assertThat(pending.withUnrecordedSize()).containsExactly(F);
        pending.done(pending.snapshot(F), false, true);
        assertThat(pending.withUnrecordedSize()).isEmpty();
        PendingWrites.Snapshot s = pending.snapshot(F);
        assertThat(s.hasSize()).isFalse();
        assertThat(s.dirty()).containsOnlyKeys(A);
        assertThat(pending.merge(attr(50, 0)).size()).as("recorded: the MDS's size stands").isEqualTo(50);
    }

    @Test
    void sequenceNumbersAreNotReusedAfterAnEntryGoes() {
        pending.wrote(F, List.of(A), 1, 1);
        PendingWrites.Snapshot old = pending.snapshot(F);
        pending.done(old, true, true);
        pending.wrote(F, List.of(A), 2, 2);
        // A stale snapshot of the first entry must not clear the second write.
        pending.done(old, true, true);
        assertThat(pending.snapshot(F).dirty()).containsOnlyKeys(A);
        pending.forget(F);
        assertThat(pending.snapshot(F)).isNull();
    }
}
