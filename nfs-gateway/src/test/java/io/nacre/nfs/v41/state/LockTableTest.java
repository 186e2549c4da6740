package io.nacre.nfs.v41.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LockTableTest {

    private static ByteRange r(long start, long end) {
        return new ByteRange(start, end);
    }

    private static List<String> show(LockTable<String> t, String owner) {
        return t.locksOf(owner).stream().map(l -> (l.write() ? "W" : "R") + l.range()).toList();
    }

    @Test
    void readLocksShareWriteLocksExclude() {
        LockTable<String> t = new LockTable<>();
        t.lock("a", false, r(0, 100));
        assertThat(t.conflict("b", false, r(50, 60))).isNull();
        assertThat(t.conflict("b", true, r(50, 60))).isNotNull();
        assertThat(t.conflict("b", true, r(100, 200))).isNull();
        assertThat(t.conflict("a", true, r(0, 100))).as("own locks never conflict").isNull();
    }

    @Test
    void unlockInTheMiddleSplits() {
        LockTable<String> t = new LockTable<>();
        t.lock("a", true, r(0, 100));
        t.unlock("a", r(40, 60));
        assertThat(show(t, "a")).containsExactly("W[0, 40)", "W[60, 100)");
        assertThat(t.conflict("b", true, r(45, 55))).isNull();
    }

    @Test
    void downgradeOfAPartReplacesItAndSameTypeNeighboursMerge() {
        LockTable<String> t = new LockTable<>();
        t.lock("a", true, r(0, 100));
        t.lock("a", false, r(20, 30));
        assertThat(show(t, "a")).containsExactly("W[0, 20)", "R[20, 30)", "W[30, 100)");
        t.lock("a", true, r(20, 30));
        assertThat(show(t, "a")).containsExactly("W[0, 100)");
        t.lock("a", true, r(100, 150));
        assertThat(show(t, "a")).as("adjacent ranges of one type merge").containsExactly("W[0, 150)");
    }

    @Test
    void wholeFileLockCoversEverythingToTheEnd() {
        LockTable<String> t = new LockTable<>();
        ByteRange all = ByteRange.of(0, -1L);
        t.lock("a", true, all);
        assertThat(t.conflict("b", false, ByteRange.of(Long.MAX_VALUE, 10))).isNotNull();
        assertThat(t.conflict("b", false, ByteRange.of(-3L, 1))).as("offsets past 2^63 are unsigned").isNotNull();
        t.unlock("a", ByteRange.of(1L << 40, -1L));
        assertThat(show(t, "a")).containsExactly("W[0, 1099511627776)");
    }

    @Test
    void invalidNfsRangesAreRejected() {
        assertThat(ByteRange.of(10, 0)).isNull();
        assertThat(ByteRange.of(-2L, 5)).as("offset + length beyond 2^64").isNull();
        assertThat(ByteRange.of(5, -1L).nfsLength()).isEqualTo(-1L);
        assertThat(ByteRange.of(5, 10).nfsLength()).isEqualTo(10);
    }

    @Test
    void removingAnOwnerFreesOnlyItsLocks() {
        LockTable<String> t = new LockTable<>();
        t.lock("a", false, r(0, 10));
        t.lock("b", false, r(0, 10));
        t.removeOwner("a");
        assertThat(t.holdsAny("a")).isFalse();
        assertThat(t.holdsAny("b")).isTrue();
    }

    /** Property: the table answers "is byte x write-locked by owner o" exactly like a per-byte model. */
    @Test
    void matchesAPerByteModelUnderRandomOperations() {
        Random rnd = new Random(7);
        for (int round = 0; round < 200; round++) {
            LockTable<String> t = new LockTable<>();
            int size = 64;
            char[][] model = new char[2][size]; // per owner: 0 none, 'R', 'W'
            String[] owners = {"a", "b"};
            for (int step = 0; step < 40; step++) {
                int o = rnd.nextInt(2);
                int s = rnd.nextInt(size);
                int e = s + 1 + rnd.nextInt(size - s);
                ByteRange range = r(s, e);
                if (rnd.nextInt(3) == 0) {
                    t.unlock(owners[o], range);
                    for (int i = s; i < e; i++) {
                        model[o][i] = 0;
                    }
                } else {
                    boolean write = rnd.nextBoolean();
                    boolean conflictExpected = false;
                    for (int i = s; i < e; i++) {
                        char other = model[1 - o][i];
                        conflictExpected |= other == 'W' || (write && other == 'R');
                    }
                    assertThat(t.conflict(owners[o], write, range) != null).isEqualTo(conflictExpected);
                    if (!conflictExpected) {
                        t.lock(owners[o], write, range);
                        for (int i = s; i < e; i++) {
                            model[o][i] = write ? 'W' : 'R';
                        }
                    }
                }
                for (int who = 0; who < 2; who++) {
                    char[] actual = new char[size];
                    ByteRange prev = null;
                    for (var l : t.locksOf(owners[who])) {
                        if (prev != null) {
                            assertThat(prev.overlaps(l.range())).as("an owner's locks never overlap").isFalse();
                        }
                        prev = l.range();
                        for (long i = l.range().start(); i < l.range().end(); i++) {
                            actual[(int) i] = l.write() ? 'W' : 'R';
                        }
                    }
                    assertThat(actual).isEqualTo(model[who]);
                }
            }
        }
    }
}
