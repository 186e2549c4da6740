package io.nacre.ost;

import static io.nacre.ost.OstTest.random;
import static io.nacre.ost.OstTest.read;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.fault.Faults;
import io.nacre.engine.store.Durability;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The background preparation of the WAL segments: a fresh OST writes them with zeros on its own thread,
 * writers that get there first prepare what they need themselves, and a crash in the middle leaves
 * segments that recovery reads as holding no records and the next open finishes.
 */
class OstWalPrepareTest {

    private static final long SEGMENT = 1 << 20;
    private static final int SEGMENTS = 8;

    @TempDir
    Path tmp;

    @AfterEach
    void disarm() {
        Faults.disarmAll();
    }

    private static OstOptions options(boolean prepare) {
        return OstOptions.builder().chunkSize(4096).mapSize(1L << 30).walSegments(SEGMENT, SEGMENTS)
                .walPrepare(prepare).build();
    }

    /** Segment file name -> size. */
    private static Map<String, Long> segmentFiles(Path dir) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("wal-")).toList()) {
                out.put(f.getFileName().toString(), Files.size(f));
            }
        }
        return out;
    }

    private static void awaitPrepared(Ost ost) throws Exception {
        ost.walPrepared().get(60, TimeUnit.SECONDS);
    }

    @Test
    void aFreshOstWritesEverySegmentToItsConfiguredSizeInTheBackground() throws Exception {
        try (Ost ost = Ost.open(tmp, 0, options(true))) {
            awaitPrepared(ost);
            Map<String, Long> files = segmentFiles(tmp);
            assertThat(files).hasSize(SEGMENTS);
            assertThat(files.values()).containsOnly(SEGMENT);
            // A write now finds its segment ready: the writer writes no zeros of its own.
            ost.write(1, 0, ByteBuffer.wrap(random(100_000, 3)), Durability.STABLE);
            assertThat(ost.walWrittenUnprepared()).isZero();
            assertThat(read(ost, 1, 0, 100_000)).isEqualTo(random(100_000, 3));
        }
    }

    @Test
    void withPreparationOffOnlyTheSegmentsWritenToAreMade() throws Exception {
        try (Ost ost = Ost.open(tmp, 0, options(false))) {
            assertThat(segmentFiles(tmp)).isEmpty();
            ost.write(1, 0, ByteBuffer.wrap(random(10_000, 4)), Durability.STABLE);
            assertThat(segmentFiles(tmp)).hasSize(1);
            // The records went straight into the new file: no zeros ahead of them.
            assertThat(segmentFiles(tmp).values().iterator().next()).isLessThan(SEGMENT)
                    .isEqualTo(ost.walWrittenUnprepared()).isGreaterThanOrEqualTo(10_000L);
            assertThat(read(ost, 1, 0, 10_000)).isEqualTo(random(10_000, 4));
        }
    }

    @Test
    void writesWhileTheSegmentsAreStillPreparedReadBackAndSurviveACrash() throws Exception {
        // Every preparation step waits, so the writers overtake it and prepare their segments themselves.
        Faults.arm(Wal.FAULT_PREPARE_STEP, Faults.Fault.sleep(300));
        int threads = 4;
        int perThread = 12;
        int record = 50_000;
        Ost ost = Ost.open(tmp, 0, options(true));
        try {
            // Every segment file is there from the open (empty): no writer creates one under the commit lock.
            assertThat(segmentFiles(tmp)).hasSize(SEGMENTS);
            List<Thread> writers = new ArrayList<>();
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < threads; t++) {
                long id = t + 1;
                writers.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < perThread; i++) {
                            ost.write(id, (long) i * record, ByteBuffer.wrap(random(record, id * 1000 + i)),
                                    Durability.STABLE);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            for (Thread w : writers) {
                w.join();
            }
            assertThat(errors).isEmpty();
            assertThat(ost.walPrepared()).isNotDone();
            assertThat(ost.walWrittenUnprepared()).isPositive();
            checkRecords(ost, threads, perThread, record);
            Faults.disarmAll();
            awaitPrepared(ost);
            assertThat(segmentFiles(tmp).values()).hasSize(SEGMENTS).containsOnly(SEGMENT);
            checkRecords(ost, threads, perThread, record);
        } finally {
            ost.closeAsIfKilled();
        }
        try (Ost again = Ost.open(tmp, 0, options(true))) {
            checkRecords(again, threads, perThread, record);
        }
    }

    @Test
    void aSegmentHalfPreparedAtACrashHoldsNoRecordsAndTheNextOpenFinishesIt() throws Exception {
        Faults.arm(Wal.FAULT_PREPARE_STEP, Faults.Fault.sleep(200));
        Ost ost = Ost.open(tmp, 0, options(true));
        try {
            ost.write(1, 0, ByteBuffer.wrap(random(200_000, 5)), Durability.STABLE);
            assertThat(ost.walPrepared()).isNotDone();
        } finally {
            ost.closeAsIfKilled();
        }
        Faults.disarmAll();
        // As a crash inside a step leaves it: the last segment only partly written, at an odd length.
        Path last = tmp.resolve("wal-%03d".formatted(SEGMENTS - 1));
        try (var ch = java.nio.channels.FileChannel.open(last, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(12_345), 0);
        }
        assertThat(segmentFiles(tmp).values()).contains(12_345L);
        try (Ost again = Ost.open(tmp, 0, options(true))) {
            assertThat(read(again, 1, 0, 200_000)).isEqualTo(random(200_000, 5));
            awaitPrepared(again);
            assertThat(segmentFiles(tmp).values()).hasSize(SEGMENTS).containsOnly(SEGMENT);
            again.write(2, 0, ByteBuffer.wrap(random(300_000, 6)), Durability.STABLE);
            again.closeAsIfKilled();
        }
        try (Ost third = Ost.open(tmp, 0, options(false))) {
            assertThat(read(third, 1, 0, 200_000)).isEqualTo(random(200_000, 5));
            assertThat(read(third, 2, 0, 300_000)).isEqualTo(random(300_000, 6));
        }
    }

    @Test
    void recordsWrittenIntoUnpreparedSpaceEndTheFileAndATornTailIsIgnored() throws Exception {
        OstOptions one = OstOptions.builder().chunkSize(4096).mapSize(1L << 30).walSegments(SEGMENT, SEGMENTS)
                .walStreams(1).walPrepare(false).build();
        int record = 30_000;
        Ost ost = Ost.open(tmp, 0, one);
        long length;
        try {
            for (int i = 0; i < 5; i++) {
                ost.write(1, (long) i * record, ByteBuffer.wrap(random(record, 100 + i)), Durability.STABLE);
            }
            // Five groups, each on its own 4 KiB boundary: the file ends where the last record does.
            length = segmentFiles(tmp).get("wal-000");
            assertThat(length).isEqualTo(ost.walWrittenUnprepared()).isBetween(5L * record, SEGMENT - 1);
        } finally {
            ost.closeAsIfKilled();
        }
        // As a crash during the last group's write leaves it: the file ends inside its last record.
        try (var ch = java.nio.channels.FileChannel.open(tmp.resolve("wal-000"),
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(length - 100);
        }
        try (Ost again = Ost.open(tmp, 0, one)) {
            for (int i = 0; i < 4; i++) {
                assertThat(read(again, 1, (long) i * record, record)).isEqualTo(random(record, 100 + i));
            }
            // The torn record fails its CRC: the last write is at most partly there (it was never acknowledged).
            byte[] last = read(again, 1, 4L * record, record);
            byte[] wanted = random(record, 100 + 4);
            assertThat(last.length).isLessThan(record);
            for (int b = 0; b < last.length; b++) {
                assertThat(last[b]).as("byte %d of the torn write", b).isIn(wanted[b], (byte) 0);
            }
            again.write(2, 0, ByteBuffer.wrap(random(record, 200)), Durability.STABLE);
            again.closeAsIfKilled();
        }
        try (Ost third = Ost.open(tmp, 0, options(true))) {
            awaitPrepared(third);
            assertThat(segmentFiles(tmp).values()).hasSize(SEGMENTS).containsOnly(SEGMENT);
            for (int i = 0; i < 4; i++) {
                assertThat(read(third, 1, (long) i * record, record)).isEqualTo(random(record, 100 + i));
            }
            assertThat(read(third, 2, 0, record)).isEqualTo(random(record, 200));
        }
    }

    @Test
    void anOstReopenedWithSmallerSegmentsRecoversRecordsPastTheNewSegmentSize() throws Exception {
        // 4 MiB segments, then reopened (after a crash) with 1 MiB ones: records beyond 1 MiB are still found.
        OstOptions big = OstOptions.builder().chunkSize(4096).mapSize(1L << 30).walSegments(4 * SEGMENT, 6)
                .walStreams(1).walPrepare(false).build();
        Ost ost = Ost.open(tmp, 0, big);
        try {
            ost.write(1, 0, ByteBuffer.wrap(random(3_000_000, 7)), Durability.STABLE);
        } finally {
            ost.closeAsIfKilled();
        }
        try (Ost again = Ost.open(tmp, 0, options(true))) {
            assertThat(read(again, 1, 0, 3_000_000)).isEqualTo(random(3_000_000, 7));
            awaitPrepared(again);
            again.write(2, 0, ByteBuffer.wrap(random(10_000, 8)), Durability.STABLE);
            assertThat(read(again, 2, 0, 10_000)).isEqualTo(random(10_000, 8));
        }
    }

    @Test
    void theFreshFilesOfAdoptedSegmentsAreNotPreparedInTheShortPausesOfAStreamButOnceItEnds() throws Exception {
        // 64 KiB blocks of 4 KiB chunks: the segments are over 90% live, so the checkpoints adopt them.
        OstOptions o = OstOptions.builder().chunkSize(4096).mapSize(1L << 30).walSegments(SEGMENT, 16)
                .walPrepare(true).build();
        int block = 64 << 10;
        int paced = 30;
        long burst = 32 * SEGMENT;
        try (Ost ost = Ost.open(tmp, 0, o)) {
            awaitPrepared(ost);
            // A burst twice the WAL: its checkpoints adopt the segments, whose names get fresh, empty files; and
            // a checkpoint at its end adopts the rest, so that every segment waits for preparation.
            long off = 0;
            for (; off < burst; off += block) {
                ost.write(1, off, ByteBuffer.wrap(blocks(off, 1, block)), Durability.STABLE);
            }
            ost.checkpointNow();
            ost.write(1, off, ByteBuffer.wrap(blocks(off, 1, block)), Durability.STABLE);
            off += block;
            assertThat(ost.dataFileCount()).as("segments adopted").isPositive();
            // Each step of the preparation now waits 40 ms first: a pause that lets the preparation in lets in
            // one step (a whole 1 MiB file here), however soon the next write comes.
            Faults.arm(Wal.FAULT_PREPARE_STEP, Faults.Fault.sleep(40));
            long before = ost.walPreparedZeros();
            // The stream goes on with a pause of 80 ms before every write of 256 KiB: longer than the
            // preparation's shortest wait (50 ms), so before, each pause let a step of zeros in (up to 30 MiB,
            // or all 16 fresh files), into files the stream then wrote again.
            for (int i = 0; i < paced; i++, off += 4 * block) {
                Thread.sleep(80);
                ost.write(1, off, ByteBuffer.wrap(blocks(off, 4, block)), Durability.STABLE);
            }
            long during = ost.walPreparedZeros() - before;
            boolean pending = !ost.walPreparationSettled();
            // The first pause lets a step in unless the checkpoint's pause taught the preparation already, the
            // others none, unless the host stretched one to over twice that.
            assertThat(during).as("zeros the preparation wrote while the stream went on")
                    .isLessThanOrEqualTo(3 * SEGMENT);
            assertThat(pending).as("segments left to prepare when the stream ended").isTrue();
            Faults.disarmAll();
            // Once the stream has ended, the preparation catches up (as far as it keeps segments prepared).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!ost.walPreparationSettled() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ost.walPreparationSettled()).as("preparation done once the stream ended").isTrue();
            assertThat(ost.walPreparedZeros() - before).isGreaterThan(during);
            for (long at = 0; at < off; at += block) {
                assertThat(read(ost, 1, at, block)).as("block at %d", at).isEqualTo(blocks(at, 1, block));
            }
        }
    }

    /** {@code n} blocks of random bytes, each seeded by its offset. */
    private static byte[] blocks(long offset, int n, int block) {
        byte[] out = new byte[n * block];
        for (int i = 0; i < n; i++) {
            System.arraycopy(random(block, offset + (long) i * block), 0, out, i * block, block);
        }
        return out;
    }

    private static void checkRecords(Ost ost, int threads, int perThread, int record) {
        for (int t = 0; t < threads; t++) {
            long id = t + 1;
            for (int i = 0; i < perThread; i++) {
                assertThat(read(ost, id, (long) i * record, record)).as("object %d record %d", id, i)
                        .isEqualTo(random(record, id * 1000 + i));
            }
        }
    }
}
