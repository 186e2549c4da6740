package io.nacre.engine.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OstUsageTest {

    private static final long G = 1L << 30;

    @Test
    void ostsSharingADiskCountItsFreeSpaceOnce() {
        // nacre up: four OSTs in one directory, each free = 1 GiB inside its file + the disk's 100 GiB
        List<OstUsage> four = List.of(0, 1, 2, 3).stream()
                .map(i -> new OstUsage(i, 2 * G + 101 * G, 2 * G, 101 * G, 10, "m:2049", 100 * G, 100 * G))
                .toList();
        OstUsage all = OstUsage.total(four);
        assertThat(all.bytesUsed()).isEqualTo(8 * G);
        assertThat(all.bytesFree()).isEqualTo(4 * G + 100 * G);
        assertThat(all.bytesTotal()).isEqualTo(all.bytesUsed() + all.bytesFree());
        assertThat(all.objects()).isEqualTo(40);
    }

    @Test
    void growthBoundedByEachOstsOwnLimitAddsUpToTheDisksFreeSpace() {
        // each OST may grow by 10 GiB only (its map): three on a disk with 100 GiB free can take 30 GiB
        OstUsage a = new OstUsage(0, 10 * G, 0, 10 * G, 0, "m:1", 10 * G, 100 * G);
        OstUsage b = new OstUsage(1, 10 * G, 0, 10 * G, 0, "m:1", 10 * G, 99 * G);
        OstUsage c = new OstUsage(2, 10 * G, 0, 10 * G, 0, "m:1", 10 * G, 100 * G);
        assertThat(OstUsage.total(List.of(a, b, c)).bytesFree()).isEqualTo(30 * G);
        // ... but twenty of them only the disk's 100 GiB
        List<OstUsage> twenty = java.util.stream.IntStream.range(0, 20)
                .mapToObj(i -> new OstUsage(i, 10 * G, 0, 10 * G, 0, "m:1", 10 * G, 100 * G)).toList();
        assertThat(OstUsage.total(twenty).bytesFree()).isEqualTo(100 * G);
    }

    @Test
    void ostsOnTheirOwnDisksOrOfUnknownDiskAddUp() {
        OstUsage own1 = new OstUsage(0, 10 * G, G, 9 * G, 1, "m:1", 9 * G, 9 * G);
        OstUsage own2 = new OstUsage(1, 10 * G, G, 9 * G, 1, "n:1", 9 * G, 9 * G);
        OstUsage unknown = new OstUsage(2, 10 * G, G, 9 * G, 1);
        OstUsage all = OstUsage.total(List.of(own1, own2, unknown));
        assertThat(all.bytesFree()).isEqualTo(27 * G);
        assertThat(all.bytesTotal()).isEqualTo(30 * G);
    }
}
