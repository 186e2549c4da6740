package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The external sort behind the scrub's views: any order in, ascending and without duplicates out, in runs. */
class SortedIdsTest {

    @TempDir
    Path dir;

    @Test
    void idsComeBackAscendingOnceWhateverTheRunSize() {
        Random r = new Random(7);
        for (int runIds : new int[] {1, 2, 3, 100, SortedIds.READ_IDS + 1, 100_000}) {
            for (int count : new int[] {0, 1, 5, 999, 20_000}) {
                TreeSet<Long> want = new TreeSet<>();
                Path file = dir.resolve("ids-" + runIds + "-" + count);
                List<Long> got = new ArrayList<>();
                try (SortedIds ids = new SortedIds(file, runIds)) {
                    for (int i = 0; i < count; i++) {
                        long id = 1 + r.nextInt(Math.max(1, count / 2)) + (r.nextBoolean() ? 0 : 1L << 40);
                        want.add(id);
                        ids.add(id);
                    }
                    ids.seal();
                    assertThat(ids.runs()).as("runs of %d for %d ids", runIds, count)
                            .isEqualTo(count <= runIds ? 0 : (count + runIds - 1) / runIds);
                    while (ids.hasNext()) {
                        assertThat(ids.peek()).isEqualTo(ids.peek());
                        got.add(ids.next());
                    }
                    assertThat(ids.peek()).isEqualTo(Long.MAX_VALUE);
                }
                assertThat(got).as("runs of %d, %d ids", runIds, count).isEqualTo(List.copyOf(want));
                assertThat(file).as("the spill file goes at close").doesNotExist();
            }
        }
    }

    @Test
    void nothingIsLeftInTheDirectoryAfterClose() throws Exception {
        Path sub = dir.resolve("sub");
        try (SortedIds ids = new SortedIds(sub.resolve("ids"), 4)) {
            for (long id = 10; id > 0; id--) {
                ids.add(id);
            }
            ids.seal();
            assertThat(ids.runs()).isEqualTo(3);
            assertThat(ids.next()).isEqualTo(1);
        }
        try (java.util.stream.Stream<Path> left = Files.list(sub)) {
            assertThat(left).isEmpty();
        }
    }
}
