package io.nacre.ost;

import static io.nacre.ost.OstTest.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.store.Durability;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads of consecutive chunks whose images lie back to back in a WAL segment, mapped or not (a stream's current
 * segment), go as one scattering read ({@code OstOptions.readRuns}): the same bytes as a pread per chunk or a copy
 * from the map, holes and object ends as zeros and short reads, every chunk still checked against its CRC32C.
 */
class OstReadRunsTest {

    private static final int CHUNK = 64 << 10;

    @TempDir
    Path tmp;

    /** The default chunk and segment sizes; the segments not prepared, so the current one is read by system call. */
    private static OstOptions options(boolean runs) {
        return OstOptions.builder().mapSize(1L << 30).walPrepare(false).readRuns(runs).build();
    }

    private static byte[] read(Ost ost, long id, long offset, int n, boolean direct) {
        ByteBuffer dst = direct ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
        int got = ost.read(id, offset, dst);
        assertThat(dst.position()).as("the read advances dst by what it read").isEqualTo(got);
        byte[] b = new byte[got];
        dst.flip().get(b);
        return b;
    }

    private static byte[] slice(byte[] model, long offset, int n) {
        int from = (int) Math.min(offset, model.length);
        return Arrays.copyOfRange(model, from, (int) Math.min(model.length, offset + n));
    }

    @Test
    void runsReadTheSameBytesAsAPreadPerChunkAtAnyOffsetInHeapAndDirectBuffers() {
        // 1 MiB and a short last chunk in one write, then a hole of two chunks, then four chunks more
        byte[] first = random(16 * CHUNK + 1000, 1);
        byte[] second = random(4 * CHUNK, 2);
        byte[] model = new byte[20 * CHUNK + second.length];
        System.arraycopy(first, 0, model, 0, first.length);
        System.arraycopy(second, 0, model, 20 * CHUNK, second.length);
        long[][] ranges = {{0, model.length}, {0, 3 << 20}, {1000, 700_001}, {3L * CHUNK, 5 * CHUNK},
            {CHUNK - 1, 2}, {16L * CHUNK, 6 * CHUNK}, {15L * CHUNK + 5, 8 * CHUNK}, {model.length - 10, 100},
            {model.length, 10}};
        for (boolean runs : new boolean[] {true, false}) {
            Path dir = tmp.resolve("runs-" + runs);
            try (Ost ost = Ost.open(dir, 0, options(runs))) {
                ost.write(1, 0, ByteBuffer.wrap(first), Durability.UNSTABLE);
                ost.write(1, 20L * CHUNK, ByteBuffer.wrap(second), Durability.STABLE);
                long before = ost.walRunReads();
                for (long[] r : ranges) {
                    for (boolean direct : new boolean[] {false, true}) {
                        assertThat(read(ost, 1, r[0], (int) r[1], direct))
                                .as("runs %s, [%d, +%d), direct %s", runs, r[0], r[1], direct)
                                .isEqualTo(slice(model, r[0], (int) r[1]));
                    }
                }
                if (runs) {
                    assertThat(ost.walRunReads()).as("runs read with one scattering read").isGreaterThan(before);
                } else {
                    assertThat(ost.walRunReads()).as("switched off").isZero();
                }
            }
        }
    }

    /** 1 MiB segments, so that a few MiB of 1 MiB writes fill segments that get mapped, and runs read from them. */
    @Test
    void runsReadFromFullMappedSegmentsToo() {
        byte[] model = random(5 * (1 << 20) + 333, 5);
        for (boolean runs : new boolean[] {true, false}) {
            OstOptions small = OstOptions.builder().mapSize(1L << 30).walPrepare(false).walSegments(1 << 20, 12)
                    .readRuns(runs).build();
            try (Ost ost = Ost.open(tmp.resolve("small-" + runs), 0, small)) {
                for (int at = 0; at < model.length; at += 1 << 20) {
                    ost.write(3, at, ByteBuffer.wrap(model, at, Math.min(1 << 20, model.length - at)),
                            Durability.UNSTABLE);
                }
                for (boolean direct : new boolean[] {false, true}) {
                    assertThat(read(ost, 3, 0, model.length, direct)).isEqualTo(model);
                    assertThat(read(ost, 3, 777_777, 2 << 20, direct)).isEqualTo(slice(model, 777_777, 2 << 20));
                }
                assertThat(ost.walRunReads() > 0).as("runs read, switch %s", runs).isEqualTo(runs);
            }
        }
    }

    @Test
    void aDamagedChunkInTheMiddleOfARunIsCorruptAndTheChunksBeforeItStillRead() throws Exception {
        byte[] data = random(16 * CHUNK, 3);
        try (Ost ost = Ost.open(tmp, 0, options(true))) {
            ost.write(7, 0, ByteBuffer.wrap(data), Durability.STABLE);
            byte[] inChunk9 = Arrays.copyOfRange(data, 9 * CHUNK + 500, 9 * CHUNK + 564);
            OstFiles.flipByteIn(walFileWith(inChunk9), inChunk9);
            for (boolean direct : new boolean[] {false, true}) {
                assertThatThrownBy(() -> read(ost, 7, 0, data.length, direct))
                        .isInstanceOfSatisfying(NacreException.class,
                                e -> assertThat(e.status()).isEqualTo(Status.CORRUPT))
                        .hasMessageContaining("chunk 9");
                assertThatThrownBy(() -> read(ost, 7, 8L * CHUNK, 3 * CHUNK, direct))
                        .isInstanceOfSatisfying(NacreException.class,
                                e -> assertThat(e.status()).isEqualTo(Status.CORRUPT));
                assertThat(read(ost, 7, 0, 9 * CHUNK, direct)).isEqualTo(Arrays.copyOf(data, 9 * CHUNK));
                assertThat(read(ost, 7, 10L * CHUNK, 6 * CHUNK, direct))
                        .isEqualTo(Arrays.copyOfRange(data, 10 * CHUNK, 16 * CHUNK));
            }
        }
    }

    /**
     * Readers of runs in the same segment share its channel's position (set, then a scattering read, under the
     * segment's lock): many at once, over several objects written side by side, each gets exactly its bytes.
     */
    @Test
    void concurrentRunReadsOfOneSegmentEachGetTheirOwnBytes() throws Exception {
        int objects = 6;
        byte[][] data = new byte[objects][];
        try (Ost ost = Ost.open(tmp, 0, options(true));
             ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int o = 0; o < objects; o++) {
                data[o] = random(12 * CHUNK + 17 * o, 10 + o);
                ost.write(100 + o, 0, ByteBuffer.wrap(data[o]), Durability.UNSTABLE);
            }
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int i = 0; i < 200; i++) {
                        int o = r.nextInt(objects);
                        long off = r.nextInt(data[o].length);
                        int n = 1 + r.nextInt(8 * CHUNK);
                        assertThat(read(ost, 100 + o, off, n, r.nextBoolean()))
                                .as("object %d [%d, +%d)", o, off, n).isEqualTo(slice(data[o], off, n));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(ost.walRunReads()).isPositive();
        }
    }

    /** 1 MiB segments, twelve of them: a few MiB written and checkpointed become data files (adopted segments). */
    private static OstOptions adopting(boolean runs) {
        return OstOptions.builder().mapSize(1L << 30).walPrepare(false).walSegments(1 << 20, 12).readRuns(runs).build();
    }

    /** Writes {@code data} into object {@code id} in 1 MiB writes, then checkpoints: its full segments become data files. */
    private static void streamAndCheckpoint(Ost ost, long id, byte[] data) {
        for (int at = 0; at < data.length; at += 1 << 20) {
            ost.write(id, at, ByteBuffer.wrap(data, at, Math.min(1 << 20, data.length - at)), Durability.UNSTABLE);
        }
        ost.sync();
        ost.checkpointNow();
    }

    @Test
    void runsOfADataFileReadTheSameBytesAsACopyPerChunkAndEndAtAChunkRewrittenSince() {
        byte[] model = random(6 * (1 << 20) + 4321, 20);
        byte[] patch = random(CHUNK, 21);
        long[][] ranges = {{0, model.length}, {0, 1 << 20}, {5000, 3 << 20}, {7L * CHUNK, 2 * CHUNK},
            {33L * CHUNK - 1, 4 * CHUNK + 2}, {model.length - 5 * CHUNK, 8 * CHUNK}, {model.length, 10}};
        for (boolean runs : new boolean[] {true, false}) {
            try (Ost ost = Ost.open(tmp.resolve("df-" + runs), 0, adopting(runs))) {
                streamAndCheckpoint(ost, 4, model);
                assertThat(ost.dataFileCount()).as("segments adopted").isPositive();
                // one chunk in the middle rewritten after the checkpoint: its image is in the WAL, the run stops there
                ost.write(4, 40L * CHUNK, ByteBuffer.wrap(patch), Durability.STABLE);
                byte[] now = model.clone();
                System.arraycopy(patch, 0, now, 40 * CHUNK, CHUNK);
                for (long[] r : ranges) {
                    for (boolean direct : new boolean[] {false, true}) {
                        assertThat(read(ost, 4, r[0], (int) r[1], direct))
                                .as("runs %s, [%d, +%d), direct %s", runs, r[0], r[1], direct)
                                .isEqualTo(slice(now, r[0], (int) r[1]));
                    }
                }
                assertThat(ost.dataFileRunReads() > 0).as("data file runs read, switch %s", runs).isEqualTo(runs);
            }
        }
    }

    @Test
    void aDamagedChunkInADataFileRunIsCorruptAndTheChunksAroundItStillRead() throws Exception {
        byte[] data = random(4 << 20, 22);
        Path dir = tmp.resolve("damaged");
        try (Ost ost = Ost.open(dir, 0, adopting(true))) {
            streamAndCheckpoint(ost, 9, data);
            byte[] inChunk20 = Arrays.copyOfRange(data, 20 * CHUNK + 700, 20 * CHUNK + 764);
            OstFiles.flipByteIn(fileWith(dir, DataFiles.PREFIX, inChunk20), inChunk20);
            for (boolean direct : new boolean[] {false, true}) {
                assertThatThrownBy(() -> read(ost, 9, 16L * CHUNK, 16 * CHUNK, direct))
                        .isInstanceOfSatisfying(NacreException.class,
                                e -> assertThat(e.status()).isEqualTo(Status.CORRUPT))
                        .hasMessageContaining("chunk 20");
                assertThat(read(ost, 9, 16L * CHUNK, 4 * CHUNK, direct))
                        .isEqualTo(Arrays.copyOfRange(data, 16 * CHUNK, 20 * CHUNK));
                assertThat(read(ost, 9, 21L * CHUNK, 11 * CHUNK, direct))
                        .isEqualTo(Arrays.copyOfRange(data, 21 * CHUNK, 32 * CHUNK));
            }
            assertThat(ost.dataFileRunReads()).isPositive();
        }
    }

    /**
     * Readers of data file runs while the object is rewritten with the same bytes and checkpointed again and again:
     * the data files they read go dead, are deleted or given to the WAL and written with new records, and each read
     * still returns exactly the object's bytes (a file is given to the WAL only after the reads that found it).
     */
    @Test
    void dataFileRunsReadWhileTheirFilesAreRetiredAndRecycledGetTheRightBytes() throws Exception {
        byte[] data = random(3 << 20, 23);
        try (Ost ost = Ost.open(tmp.resolve("recycled"), 0, adopting(true));
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            streamAndCheckpoint(ost, 5, data);
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = t;
                readers.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    int reads = 0;
                    while (writing.get() || reads < 50) {
                        long off = r.nextInt(data.length);
                        int n = 1 + r.nextInt(1 << 20);
                        assertThat(read(ost, 5, off, n, r.nextBoolean()))
                                .as("[%d, +%d)", off, n).isEqualTo(slice(data, off, n));
                        reads++;
                    }
                    return null;
                }));
            }
            try {
                for (int pass = 0; pass < 8; pass++) {
                    streamAndCheckpoint(ost, 5, data);
                }
            } finally {
                writing.set(false);
            }
            for (Future<?> f : readers) {
                f.get();
            }
            assertThat(ost.dataFileRunReads()).isPositive();
        }
    }

    @Test
    void theSwitchComesFromTheEnvironmentOrASystemProperty() {
        assertThat(OstOptions.builder().build().readRuns())
                .isEqualTo(!"false".equalsIgnoreCase(System.getenv("NACRE_OST_READ_RUNS")));
        String was = System.getProperty(OstOptions.READ_RUNS_PROPERTY);
        try {
            System.setProperty(OstOptions.READ_RUNS_PROPERTY, "false");
            assertThat(OstOptions.builder().build().readRuns()).isFalse();
            System.setProperty(OstOptions.READ_RUNS_PROPERTY, "true");
            assertThat(OstOptions.builder().build().readRuns()).isTrue();
        } finally {
            if (was == null) {
                System.clearProperty(OstOptions.READ_RUNS_PROPERTY);
            } else {
                System.setProperty(OstOptions.READ_RUNS_PROPERTY, was);
            }
        }
    }

    private Path walFileWith(byte[] pattern) throws Exception {
        return fileWith(tmp, "wal-", pattern);
    }

    /** The file of {@code dir} whose name starts with {@code prefix} and which holds {@code pattern}. */
    private static Path fileWith(Path dir, String prefix, byte[] pattern) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList()) {
                if (OstWalTest.indexOf(Files.readAllBytes(f), pattern) >= 0) {
                    return f;
                }
            }
        }
        throw new AssertionError("no " + prefix + "* file holds the pattern");
    }
}
