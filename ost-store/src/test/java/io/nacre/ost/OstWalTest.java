package io.nacre.ost;

import static io.nacre.ost.OstTest.random;
import static io.nacre.ost.OstTest.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStat;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-ahead log in front of LMDB: writes merge with what is still in the WAL and what is already in
 * LMDB, checkpoints move them over without changing a byte anyone reads, and a reopen after a crash
 * replays exactly the whole records (a torn one is ignored, a damaged one reads as CORRUPT).
 */
class OstWalTest {

    private static final int CHUNK = 4096;

    @TempDir
    Path tmp;

    @AfterEach
    void disarm() {
        Faults.disarmAll();
    }

    /**
     * Small chunks and 1 MiB segments, so that a few MiB of writes go through several checkpoints; one
     * thread's successive groups take the streams in turn (each its own segment).
     */
    private static OstOptions small() {
        return OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(1 << 20, 12)
                .walStreamsInTurn(true).build();
    }


    /** What the object should hold: a byte array that grows and shrinks like the object. */
    private static final class Model {
        byte[] bytes = new byte[0];
        boolean exists;

        void write(long offset, byte[] data) {
            int end = (int) offset + data.length;
            if (end > bytes.length) {
                bytes = Arrays.copyOf(bytes, end);
            }
            System.arraycopy(data, 0, bytes, (int) offset, data.length);
            exists = true;
        }

        void truncate(long size) {
            if (size == 0 && !exists) {
                return;
            }
            bytes = Arrays.copyOf(bytes, (int) size);
            exists = true;
        }

        void destroy() {
            bytes = new byte[0];
            exists = false;
        }
    }

    @Test
    void randomWritesTruncatesAndDestroysReadBackLikeAPlainFileAcrossCheckpointsAndCrashes() {
        Random r = new Random(42);
        Model[] models = {new Model(), new Model(), new Model()};
        Ost ost = Ost.open(tmp, 0, small());
        try {
            for (int step = 0; step < 800; step++) {
                int o = r.nextInt(models.length);
                long id = o + 1;
                Model m = models[o];
                int op = r.nextInt(100);
                if (op < 80) {
                    // Unaligned writes that straddle chunks, often over data still in the WAL.
                    long offset = r.nextInt(6 * CHUNK + 1000);
                    byte[] data = random(1 + r.nextInt(3 * CHUNK), step);
                    ost.write(id, offset, ByteBuffer.wrap(data), r.nextBoolean() ? Durability.STABLE : Durability.UNSTABLE);
                    m.write(offset, data);
                } else if (op < 90) {
                    long size = r.nextInt(m.bytes.length + CHUNK + 1);
                    ost.truncate(id, size);
                    m.truncate(size);
                } else if (op < 94) {
                    ost.destroy(id);
                    m.destroy();
                } else if (op < 97) {
                    ost.close();
                    ost = Ost.open(tmp, 0, small());
                } else {
                    ost.sync();
                    ost.closeAsIfKilled();
                    ost = Ost.open(tmp, 0, small());
                }
                if (step % 10 == 0 || op >= 80) {
                    for (int k = 0; k < models.length; k++) {
                        Model mk = models[k];
                        assertThat(ost.stat(k + 1).size()).as("size of %d at step %d", k + 1, step).isEqualTo(mk.bytes.length);
                        assertThat(read(ost, k + 1, 0, mk.bytes.length + 10)).as("object %d at step %d", k + 1, step)
                                .isEqualTo(mk.bytes);
                    }
                }
            }
            assertThat(ost.checkpoints()).as("checkpoints ran during the test, not only at close").isPositive();
        } finally {
            ost.close();
        }
    }

    @Test
    void concurrentWritersMergingIntoTheSameChunksReadBackAfterCheckpointsAndACrash() throws Exception {
        // Four threads own interleaved quarter-chunks of one object: every chunk is rewritten by groups
        // of different streams in flight at once, each building on the others' images.
        int threads = 4;
        int piece = CHUNK / threads;
        int chunksN = 64;
        byte[] expected = new byte[chunksN * CHUNK];
        Ost ost = Ost.open(tmp, 0, small());
        try {
            java.util.List<Thread> workers = new java.util.ArrayList<>();
            java.util.List<Throwable> errors = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            for (int t = 0; t < threads; t++) {
                int me = t;
                Ost o = ost;
                workers.add(Thread.ofPlatform().start(() -> {
                    Random r = new Random(100 + me);
                    try {
                        for (int i = 0; i < 400; i++) {
                            int c = r.nextInt(chunksN);
                            int from = c * CHUNK + me * piece + r.nextInt(piece / 2);
                            byte[] data = random(1 + r.nextInt(piece / 2), me * 10_000L + i);
                            o.write(1, from, ByteBuffer.wrap(data), r.nextInt(4) == 0 ? Durability.UNSTABLE
                                    : Durability.STABLE);
                            synchronized (expected) {
                                System.arraycopy(data, 0, expected, from, data.length);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            for (Thread w : workers) {
                w.join();
            }
            assertThat(errors).isEmpty();
            int size = (int) ost.stat(1).size();
            assertThat(read(ost, 1, 0, expected.length)).isEqualTo(Arrays.copyOf(expected, size));
            assertThat(ost.checkpoints()).as("checkpoints ran while the writers wrote").isPositive();
            ost.sync();
            ost.closeAsIfKilled();
            ost = Ost.open(tmp, 0, small());
            assertThat(read(ost, 1, 0, expected.length)).isEqualTo(Arrays.copyOf(expected, size));
        } finally {
            ost.close();
        }
    }

    @Test
    void recoveryStopsAtTheFirstMissingRecordOverAllStreamsAndNeverTakesItsStaleSuccessorsLater() throws Exception {
        // One chunk per write, one group each: the groups take the streams in turn, each its own segment.
        byte[] a = random(CHUNK, 11);
        byte[] b = random(CHUNK, 12);
        byte[] c = random(CHUNK, 13);
        Ost ost = Ost.open(tmp, 0, small());
        ost.write(1, 0, ByteBuffer.wrap(a), Durability.STABLE);
        ost.write(2, 0, ByteBuffer.wrap(b), Durability.STABLE);
        ost.write(3, 0, ByteBuffer.wrap(c), Durability.STABLE);
        ost.closeAsIfKilled();
        Path fileA = walFileWith(Arrays.copyOfRange(a, 0, 64));
        Path fileB = walFileWith(Arrays.copyOfRange(b, 0, 64));
        Path fileC = walFileWith(Arrays.copyOfRange(c, 0, 64));
        assertThat(Set.of(fileA, fileB, fileC)).as("three streams, three segments").hasSize(3);
        // b's record torn, as if the crash came during its flush: c, flushed by another stream, was then
        // never acknowledged (groups are acknowledged in order), and recovery must not take it.
        OstFiles.flipByteIn(fileB, Arrays.copyOfRange(b, 100, 164));
        try (Ost again = Ost.open(tmp, 0, small())) {
            assertThat(read(again, 1, 0, CHUNK)).isEqualTo(a);
            assertThat(again.stat(2)).isEqualTo(ObjectStat.ABSENT);
            assertThat(again.stat(3)).isEqualTo(ObjectStat.ABSENT);
            // The next instance reuses the sequence numbers of b and c; c's old record must stay dead.
            again.write(4, 0, ByteBuffer.wrap(b), Durability.STABLE);
            again.closeAsIfKilled();
        }
        assertThat(Files.readAllBytes(fileC)).as("c's stale record is still in its segment")
                .containsSequence(Arrays.copyOfRange(c, 0, 64));
        try (Ost third = Ost.open(tmp, 0, small())) {
            assertThat(read(third, 1, 0, CHUNK)).isEqualTo(a);
            assertThat(read(third, 4, 0, CHUNK)).isEqualTo(b);
            assertThat(third.stat(3)).isEqualTo(ObjectStat.ABSENT);
        }
    }

    @Test
    void aLoneWritersGroupsKeepToOneStream() throws Exception {
        // By default the stream back last is taken first: one writer appends to one file, as a file writer does.
        byte[][] data = new byte[3][];
        try (Ost ost = Ost.open(tmp, 0, OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30)
                .walSegments(1 << 20, 12).build())) {
            for (int i = 0; i < data.length; i++) {
                data[i] = random(CHUNK, 40 + i);
                ost.write(i + 1, 0, ByteBuffer.wrap(data[i]), Durability.STABLE);
            }
            Set<Path> files = new java.util.HashSet<>();
            for (byte[] d : data) {
                files.add(walFileWith(Arrays.copyOfRange(d, 0, 64)));
            }
            assertThat(files).as("one segment for the three groups").hasSize(1);
        }
    }

    @Test
    void aWriteThatFitsInOneSegmentIsNeverSplitOverTwoAndEveryAckedWriteSurvivesACrash() throws Exception {
        // 12 chunks a write: 12 records of 4,160 B, 53,248 B with the alignment, 19 of them to a 1 MiB
        // segment; the 20th would find room for 8 of its records there (before, they went there and the
        // other 4 into the next segment, written and flushed on their own).
        OstOptions options = OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(1 << 20, 12).build();
        int perWrite = 12 * CHUNK;
        byte[][] data = new byte[45][];
        Ost ost = Ost.open(tmp, 0, options);
        for (int i = 0; i < data.length; i++) {
            data[i] = random(perWrite, 100 + i);
            ost.write(1, (long) i * perWrite, ByteBuffer.wrap(data[i]), Durability.STABLE);
        }
        for (int i = 0; i < data.length; i++) {
            Path first = walFileWith(Arrays.copyOfRange(data[i], 0, 64));
            Path last = walFileWith(Arrays.copyOfRange(data[i], perWrite - CHUNK, perWrite - CHUNK + 64));
            assertThat(last).as("write %d: its last record is in the segment of its first", i).isEqualTo(first);
        }
        // On into reused segments (more than the WAL holds, so checkpoints free them): a reused segment
        // holds records of its earlier pass behind the last group of this one; recovery ends its run there.
        byte[][] more = new byte[400][];
        for (int i = 0; i < more.length; i++) {
            more[i] = random(perWrite, 1000 + i);
            ost.write(2, (long) i * perWrite, ByteBuffer.wrap(more[i]), Durability.STABLE);
        }
        assertThat(ost.checkpoints()).as("the WAL was reused").isPositive();
        ost.closeAsIfKilled();
        try (Ost again = Ost.open(tmp, 0, options)) {
            for (int i = 0; i < data.length; i++) {
                assertThat(read(again, 1, (long) i * perWrite, perWrite)).as("write %d of object 1", i).isEqualTo(data[i]);
            }
            for (int i = 0; i < more.length; i++) {
                assertThat(read(again, 2, (long) i * perWrite, perWrite)).as("write %d of object 2", i).isEqualTo(more[i]);
            }
        }
    }

    @Test
    void aTornGroupInOneStreamKeepsTheEarlierRecordsOfEveryOtherStream() throws Exception {
        byte[][] data = new byte[5][];
        Ost ost = Ost.open(tmp, 0, small());
        for (int i = 0; i < data.length; i++) {
            data[i] = random(CHUNK, 20 + i);
            ost.write(i + 1, 0, ByteBuffer.wrap(data[i]), Durability.STABLE);
        }
        ost.closeAsIfKilled();
        // The last group (its stream's second one, after the other streams' groups) is torn.
        OstFiles.flipByteIn(walFileWith(Arrays.copyOfRange(data[4], 0, 64)), Arrays.copyOfRange(data[4], 200, 264));
        try (Ost again = Ost.open(tmp, 0, small())) {
            for (int i = 0; i < 4; i++) {
                assertThat(read(again, i + 1, 0, CHUNK)).as("write %d", i).isEqualTo(data[i]);
            }
            assertThat(again.stat(5)).isEqualTo(ObjectStat.ABSENT);
        }
    }

    @Test
    void overwriteTruncateAndDestroyOfDataStillInTheWal() {
        try (Ost ost = Ost.open(tmp, 0, small())) {
            byte[] a = random(3 * CHUNK, 1);
            ost.write(1, 0, ByteBuffer.wrap(a), Durability.STABLE);
            // Overwrite part of it, unaligned across a chunk boundary.
            byte[] b = random(CHUNK, 2);
            ost.write(1, CHUNK + 100, ByteBuffer.wrap(b), Durability.STABLE);
            System.arraycopy(b, 0, a, CHUNK + 100, CHUNK);
            assertThat(read(ost, 1, 0, a.length)).isEqualTo(a);
            assertThat(ost.checkpoints()).as("all of it still in the WAL").isZero();
            // Truncate into the middle of a chunk that is still in the WAL.
            ost.truncate(1, CHUNK + 200);
            assertThat(ost.stat(1)).isEqualTo(new ObjectStat(CHUNK + 200, CHUNK + 200));
            assertThat(read(ost, 1, 0, 3 * CHUNK)).isEqualTo(Arrays.copyOf(a, CHUNK + 200));
            // Extending again reads zeros where the truncate dropped bytes.
            ost.write(1, 2 * CHUNK, ByteBuffer.wrap(new byte[] {7}), Durability.STABLE);
            byte[] expected = Arrays.copyOf(Arrays.copyOf(a, CHUNK + 200), 2 * CHUNK + 1);
            expected[2 * CHUNK] = 7;
            assertThat(read(ost, 1, 0, 3 * CHUNK)).isEqualTo(expected);
            // Destroy, then write again: nothing of the old object shows through.
            ost.destroy(1);
            assertThat(ost.checkpoints()).as("truncate and destroy are WAL records, no checkpoint").isZero();
            assertThat(ost.stat(1)).isEqualTo(ObjectStat.ABSENT);
            ost.write(1, 10, ByteBuffer.wrap(new byte[] {1, 2, 3}), Durability.STABLE);
            assertThat(read(ost, 1, 0, 100)).isEqualTo(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
            assertThat(ost.stat(1)).isEqualTo(new ObjectStat(13, 13));
        }
    }

    /**
     * A write that starts inside the chunk holding the object's end and goes on past it keeps that chunk's
     * bytes below the size; the chunks from the size on take the write's bytes and zeros only, whatever the
     * WAL or LMDB still holds of them from before a truncate (a write there looks nothing up).
     */
    @Test
    void aWritePastTheSizeKeepsTheBytesOfTheChunkItStartsInAndNothingOfTheChunksPastIt() throws Exception {
        byte[] a = random(3 * CHUNK, 41);
        byte[] b = random(CHUNK + 50, 42);
        byte[] want = new byte[2 * CHUNK + 250];
        System.arraycopy(a, 0, want, 0, CHUNK + 100);
        System.arraycopy(b, 0, want, CHUNK + 200, b.length);
        Ost ost = Ost.open(tmp, 0, small());
        ost.write(2, 0, ByteBuffer.wrap(a), Durability.STABLE);
        ost.checkpointNow(); // object 2's chunks are in LMDB
        ost.write(1, 0, ByteBuffer.wrap(a), Durability.STABLE); // object 1's stay in the WAL
        for (long id : new long[] {1, 2}) {
            ost.truncate(id, CHUNK + 100);
            ost.write(id, CHUNK + 200, ByteBuffer.wrap(b), Durability.STABLE);
            assertThat(read(ost, id, 0, 4 * CHUNK)).as("object %d", id).isEqualTo(want);
            assertThat(ost.stat(id)).isEqualTo(new ObjectStat(want.length, want.length));
        }
        ost.closeAsIfKilled();
        try (Ost again = Ost.open(tmp, 0, small())) {
            for (long id : new long[] {1, 2}) {
                assertThat(read(again, id, 0, 4 * CHUNK)).as("object %d after recovery", id).isEqualTo(want);
                assertThat(again.stat(id)).isEqualTo(new ObjectStat(want.length, want.length));
            }
        }
    }

    @Test
    void truncateAndDestroyOverDataInLmdbAreLoggedAndReplayedAfterACrash() throws Exception {
        byte[] a = random(5 * CHUNK, 31);
        byte[] b = random(3 * CHUNK, 32);
        try (Ost ost = Ost.open(tmp, 0, small())) {
            ost.write(1, 0, ByteBuffer.wrap(a), Durability.STABLE);
            ost.write(2, 0, ByteBuffer.wrap(b), Durability.STABLE);
        }
        // Both objects are in LMDB now; the cuts below are only in the WAL.
        byte[] one = Arrays.copyOf(Arrays.copyOf(a, CHUNK + 100), 4 * CHUNK + 1);
        one[4 * CHUNK] = 7;
        Ost ost = Ost.open(tmp, 0, small());
        ost.truncate(1, CHUNK + 100);
        ost.write(1, 4 * CHUNK, ByteBuffer.wrap(new byte[] {7}), Durability.STABLE);
        ost.destroy(2);
        ost.write(2, 10, ByteBuffer.wrap(new byte[] {1, 2, 3}), Durability.STABLE);
        ost.destroy(3); // never existed: nothing happens
        assertThat(ost.checkpoints()).as("no checkpoint was forced").isZero();
        assertThat(read(ost, 1, 0, 6 * CHUNK)).as("LMDB's dropped chunks read as holes").isEqualTo(one);
        assertThat(ost.stat(1)).isEqualTo(new ObjectStat(4 * CHUNK + 1, CHUNK + 100 + 1));
        assertThat(read(ost, 2, 0, 100)).isEqualTo(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
        assertThat(ost.stat(2)).isEqualTo(new ObjectStat(13, 13));
        assertThat(ost.usage().objects()).isEqualTo(2);
        ost.closeAsIfKilled();
        try (Ost again = Ost.open(tmp, 0, small())) {
            assertThat(read(again, 1, 0, 6 * CHUNK)).isEqualTo(one);
            assertThat(again.stat(1)).isEqualTo(new ObjectStat(4 * CHUNK + 1, CHUNK + 100 + 1));
            assertThat(read(again, 2, 0, 100)).isEqualTo(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
            assertThat(again.stat(2)).isEqualTo(new ObjectStat(13, 13));
            again.destroy(1);
            again.closeAsIfKilled();
        }
        try (Ost third = Ost.open(tmp, 0, small())) {
            assertThat(third.stat(1)).isEqualTo(ObjectStat.ABSENT);
            assertThat(third.usage().objects()).isEqualTo(1);
        }
    }

    /**
     * A checkpoint frees its segments before it is done. Groups that ended meanwhile saw it running and started no
     * other, and took every segment it freed; the next group then found no segment free and no checkpoint running,
     * and its write failed with IO ("the WAL is full and no checkpoint is running") although a checkpoint would
     * free them all (found by {@link OstSoakTest}). Now the group is undone, a checkpoint runs, and the group
     * forms again.
     */
    @Test
    void aGroupThatFindsTheWalFullWithNoCheckpointRunningCheckpointsAndFormsAgain() throws Exception {
        OstOptions options = OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(1 << 20, 6)
                .walStreams(1).walPrepare(false).build();
        int piece = 256 << 10;
        byte[] data = random(12 << 20, 61);
        try (Ost ost = Ost.open(tmp, 0, options)) {
            // The first checkpoint (when one segment is left free) pauses 3 s after it freed its segments: the
            // writes take them all meanwhile and wait, and find none free once it is done.
            Faults.arm(Ost.FAULT_CHECKPOINT_AFTER_FREE, new Faults.Fault(Faults.Kind.SLEEP, 1, false, 3000));
            for (int at = 0; at < data.length; at += piece) {
                ost.write(1, at, ByteBuffer.wrap(data, at, piece), Durability.STABLE);
            }
            assertThat(Faults.hits(Ost.FAULT_CHECKPOINT_AFTER_FREE)).isPositive();
            assertThat(ost.walFullRetries()).as("a write found the WAL full and no checkpoint running").isPositive();
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
        }
        try (Ost ost = Ost.open(tmp, 0, options)) {
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
            assertThat(ost.stat(1)).isEqualTo(new ObjectStat(data.length, data.length));
        }
    }

    /**
     * A truncate counts the bytes it drops in the overlay and in LMDB. When a checkpoint committed and dropped its
     * overlay entries between the two lookups, they counted in neither (LMDB was read first, on a view older than
     * the commit): the object kept those bytes as used for good, in LMDB too (found by {@link OstSoakTest}).
     */
    @Test
    void aTruncateBesideACheckpointCountsEveryByteItDrops() throws Exception {
        byte[] data = random(8 * CHUNK, 51);
        long size = 2 * CHUNK + 100;
        try (Ost ost = Ost.open(tmp, 0, small())) {
            ost.write(1, 0, ByteBuffer.wrap(data), Durability.STABLE);
            // The idle checkpoint (2 s after the write) pauses 0.5 s before its commit; the truncate, started in
            // that pause, pauses 2 s between its lookups: the commit and the overlay's drop fall in between.
            Faults.arm(Ost.FAULT_CHECKPOINT_BEFORE_COMMIT, new Faults.Fault(Faults.Kind.SLEEP, 1, false, 500));
            Faults.arm(Ost.FAULT_TRUNCATE_LOOKUPS, new Faults.Fault(Faults.Kind.SLEEP, 1, false, 2000));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (Faults.hits(Ost.FAULT_CHECKPOINT_BEFORE_COMMIT) == 0) {
                assertThat(System.nanoTime()).as("the idle checkpoint started").isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5));
            }
            ost.truncate(1, size);
            assertThat(Faults.hits(Ost.FAULT_TRUNCATE_LOOKUPS)).isEqualTo(1);
            assertThat(ost.checkpoints()).as("the checkpoint committed during the truncate").isEqualTo(1);
            assertThat(ost.stat(1)).isEqualTo(new ObjectStat(size, size));
            ost.checkpointNow();
            assertThat(ost.stat(1)).as("in LMDB").isEqualTo(new ObjectStat(size, size));
        }
        try (Ost ost = Ost.open(tmp, 0, small())) {
            assertThat(ost.stat(1)).isEqualTo(new ObjectStat(size, size));
            assertThat(read(ost, 1, 0, 8 * CHUNK)).isEqualTo(Arrays.copyOf(data, (int) size));
        }
    }

    /**
     * A checkpoint that applied a truncate and the images written past its cut after it drops both from the
     * overlay. It dropped the images first: a read, or a write merging with a chunk, that looked up one of those
     * chunks in between found no image in the overlay, and the cut still there, so LMDB's chunk (the image, just
     * committed) counted as dead: the read returned zeros, and the write merged with zeros and stored them over
     * acknowledged bytes (found by {@link OstSoakTest}).
     */
    @Test
    void aChunkRewrittenPastACutReadsAndMergesWhileTheCheckpointDropsThem() throws Exception {
        byte[] old = random(4 * CHUNK, 61);
        byte[] fresh = random(4 * CHUNK, 62);
        byte[] patch = random(100, 63);
        byte[] want = fresh.clone();
        System.arraycopy(patch, 0, want, CHUNK + 10, patch.length);
        try (Ost ost = Ost.open(tmp, 0, small())) {
            ost.write(1, 0, ByteBuffer.wrap(old), Durability.STABLE);
            ost.checkpointNow();
            long checkpoints = ost.checkpoints();
            ost.truncate(1, 0);
            ost.write(1, 0, ByteBuffer.wrap(fresh), Durability.STABLE);
            // The idle checkpoint (2 s after the write) pauses 1.5 s while it drops what it applied.
            Faults.arm(Overlay.FAULT_BETWEEN_DROPS, new Faults.Fault(Faults.Kind.SLEEP, 1, false, 1500));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (Faults.hits(Overlay.FAULT_BETWEEN_DROPS) == 0) {
                assertThat(System.nanoTime()).as("the idle checkpoint started").isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5));
            }
            ost.write(1, CHUNK + 10, ByteBuffer.wrap(patch), Durability.STABLE);
            assertThat(Arrays.mismatch(read(ost, 1, 0, 4 * CHUNK), want)).as("first byte read wrong while the "
                    + "checkpoint drops").isEqualTo(-1);
            assertThat(ost.checkpoints()).as("the checkpoint was still dropping").isEqualTo(checkpoints);
        }
        try (Ost ost = Ost.open(tmp, 0, small())) {
            assertThat(Arrays.mismatch(read(ost, 1, 0, 4 * CHUNK), want)).as("first byte wrong after a reopen")
                    .isEqualTo(-1);
            assertThat(ost.stat(1)).isEqualTo(new ObjectStat(4 * CHUNK, 4 * CHUNK));
        }
    }

    @Test
    void destroyingAnObjectNeverWrittenLogsNothingAndFlushesNothing() throws Exception {
        // A file created and removed without data (the kernel bench's rm) has its objects destroyed: each
        // such destroy must cost no WAL record and no fdatasync of its own.
        try (Ost ost = Ost.open(tmp, 0, small())) {
            ost.write(1, 0, ByteBuffer.wrap(random(CHUNK, 41)), Durability.STABLE);
            long[] before = ost.walRecordsAndFlushes();
            assertThat(before[1]).as("the stable write flushed").isPositive();
            for (long id = 100; id < 110; id++) {
                ost.destroy(id);
            }
            ost.truncate(110, 0);
            assertThat(ost.walRecordsAndFlushes()).as("records and flushes after destroying 10 absent objects")
                    .containsExactly(before);
            ost.destroy(1);
            long[] after = ost.walRecordsAndFlushes();
            assertThat(after[0]).as("a destroy of data is one record").isEqualTo(before[0] + 1);
            assertThat(after[1]).as("and flushed").isGreaterThan(before[1]);
            ost.closeAsIfKilled();
        }
        try (Ost again = Ost.open(tmp, 0, small())) {
            assertThat(again.stat(1)).isEqualTo(ObjectStat.ABSENT);
            assertThat(again.stat(100)).isEqualTo(ObjectStat.ABSENT);
        }
    }

    @Test
    void destroysQueuedTogetherShareOneFlushAndSurviveACrash() throws Exception {
        int n = 20;
        try (Ost ost = Ost.open(tmp, 0, small())) {
            for (int id = 1; id <= n + 1; id++) {
                ost.write(id, 0, ByteBuffer.wrap(random(100, id)), Durability.STABLE);
            }
            long[] before = ost.walRecordsAndFlushes();
            // The first destroy's flush holds the commit lock a while: the others queue behind it, as a
            // destroyer's pass does behind a busy disk, and the next group takes them all.
            Faults.arm(Wal.FAULT_FORCE, new Faults.Fault(Faults.Kind.SLEEP, 1, false, 1000));
            try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int id = 1; id <= n; id++) {
                    long object = id;
                    threads.submit(() -> ost.destroy(object));
                }
            } finally {
                Faults.disarmAll();
            }
            long[] after = ost.walRecordsAndFlushes();
            assertThat(after[0] - before[0]).as("a record per destroy").isEqualTo(n);
            assertThat(after[1] - before[1]).as("flushes for %d destroys (one each before)", n).isLessThanOrEqualTo(4);
            ost.closeAsIfKilled();
        }
        try (Ost again = Ost.open(tmp, 0, small())) {
            for (int id = 1; id <= n; id++) {
                assertThat(again.stat(id)).as("object %d", id).isEqualTo(ObjectStat.ABSENT);
            }
            assertThat(read(again, n + 1, 0, 100)).isEqualTo(random(100, n + 1));
            assertThat(again.usage().objects()).isEqualTo(1);
        }
    }

    @Test
    void aWriteToAnOstThatWasQuietForAWhileIsCheckpointedOnceIdle() {
        // With nothing to do the idle check looks less often; a write after such a spell still gets its checkpoint.
        OstOptions options = OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(1 << 20, 12).build();
        try (Ost ost = Ost.open(tmp, 0, options)) {
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
            assertThat(ost.checkpoints()).as("nothing to checkpoint").isZero();
            byte[] data = random(256 << 10, 43);
            ost.write(1, 0, ByteBuffer.wrap(data), Durability.STABLE);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (ost.checkpoints() == 0) {
                assertThat(System.nanoTime()).as("checkpointed once idle").isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
            }
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
        }
    }

    @Test
    void aBurstThatFitsTheWalIsCheckpointedOnceTheWritersPauseAndALongerOneUnderPressure() {
        // 12 segments of 1 MiB, 4 streams, one writer (one stream): a checkpoint starts when no more than 4
        // segments are free, or once the OST is idle; not while a burst that fits writes.
        OstOptions options = OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(1 << 20, 12).build();
        try (Ost ost = Ost.open(tmp, 0, options)) {
            byte[] data = random(5 << 20, 41);
            for (int at = 0; at < data.length; at += 256 << 10) {
                ost.write(1, at, ByteBuffer.wrap(data, at, 256 << 10), Durability.STABLE);
            }
            assertThat(ost.checkpoints()).as("5 of 12 segments full: no checkpoint beside the writer").isZero();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (ost.checkpoints() == 0) {
                assertThat(System.nanoTime()).as("checkpointed once idle").isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
            }
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
            // More than the WAL holds: the writer's own groups start a checkpoint once 4 segments are left,
            // and wait for it when none is (it has completed when the last write returns).
            byte[] more = random(14 << 20, 42);
            for (int at = 0; at < more.length; at += 256 << 10) {
                ost.write(2, at, ByteBuffer.wrap(more, at, 256 << 10), Durability.STABLE);
            }
            assertThat(ost.checkpoints()).as("checkpoints under pressure").isGreaterThanOrEqualTo(2);
            assertThat(read(ost, 2, 0, more.length)).isEqualTo(more);
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
        }
    }

    @Test
    void aCrashLeavesEveryAcknowledgedWriteInTheWalForTheNextOpen() {
        byte[] data = random(300_000, 3);
        Ost ost = Ost.open(tmp, 0, small());
        ost.write(5, 77, ByteBuffer.wrap(data), Durability.STABLE);
        long checkpointed = ost.checkpoints();
        ost.closeAsIfKilled();
        assertThat(checkpointed).as("the write was not yet checkpointed").isZero();
        try (Ost again = Ost.open(tmp, 0, small())) {
            assertThat(again.stat(5)).isEqualTo(new ObjectStat(77 + data.length, 77 + data.length));
            assertThat(read(again, 5, 77, data.length)).isEqualTo(data);
        }
    }

    @Test
    void aTornLastRecordIsIgnoredAndWhatCameBeforeIsKept() throws Exception {
        byte[] first = random(CHUNK, 4);
        byte[] second = random(CHUNK, 5);
        Ost ost = Ost.open(tmp, 0, small());
        ost.write(1, 0, ByteBuffer.wrap(first), Durability.STABLE);
        ost.write(1, CHUNK, ByteBuffer.wrap(second), Durability.STABLE);
        ost.closeAsIfKilled();
        // The last record loses a bit, as a write cut by power loss would leave it.
        OstFiles.flipByteIn(walFileWith(Arrays.copyOfRange(second, 100, 164)), Arrays.copyOfRange(second, 100, 164));
        try (Ost again = Ost.open(tmp, 0, small())) {
            assertThat(again.stat(1)).isEqualTo(new ObjectStat(CHUNK, CHUNK));
            assertThat(read(again, 1, 0, 2 * CHUNK)).isEqualTo(first);
            // And the OST carries on: new records continue the log and survive the next crash.
            again.write(1, CHUNK, ByteBuffer.wrap(second), Durability.STABLE);
            again.closeAsIfKilled();
        }
        try (Ost third = Ost.open(tmp, 0, small())) {
            byte[] both = Arrays.copyOf(first, 2 * CHUNK);
            System.arraycopy(second, 0, both, CHUNK, CHUNK);
            assertThat(read(third, 1, 0, 2 * CHUNK)).isEqualTo(both);
        }
    }

    @Test
    void aFlippedBitInTheWalReadsAsCorruptNeverAsWrongData() throws Exception {
        byte[] data = random(2 * CHUNK, 6);
        try (Ost ost = Ost.open(tmp, 0, small())) {
            ost.write(1, 0, ByteBuffer.wrap(data), Durability.STABLE);
            byte[] pattern = Arrays.copyOfRange(data, CHUNK + 10, CHUNK + 74);
            OstFiles.flipByteIn(walFileWith(pattern), pattern);
            assertThat(read(ost, 1, 0, CHUNK)).isEqualTo(Arrays.copyOf(data, CHUNK));
            assertThatThrownBy(() -> read(ost, 1, CHUNK, 10)).isInstanceOfSatisfying(NacreException.class,
                    e -> assertThat(e.status()).isEqualTo(Status.CORRUPT));
            // A partial overwrite does not launder it; the checkpoint at close keeps it CORRUPT in LMDB.
            assertThatThrownBy(() -> ost.write(1, CHUNK + 1, ByteBuffer.wrap(new byte[3]), Durability.STABLE))
                    .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.CORRUPT));
        }
        try (Ost ost = Ost.open(tmp, 0, small())) {
            assertThat(read(ost, 1, 0, CHUNK)).isEqualTo(Arrays.copyOf(data, CHUNK));
            assertThatThrownBy(() -> read(ost, 1, CHUNK, 10)).isInstanceOfSatisfying(NacreException.class,
                    e -> assertThat(e.status()).isEqualTo(Status.CORRUPT));
        }
    }

    @Test
    void aFailedCheckpointKeepsTheWritesAndTheNextOneAppliesThem() {
        byte[] data = random(4 << 20, 7);
        Faults.arm(Ost.FAULT_CHECKPOINT_BEFORE_COMMIT, Faults.Fault.failOnce());
        try (Ost ost = Ost.open(tmp, 0, small())) {
            // 4 MiB through 1 MiB segments: checkpoints must run (the first fails) for the writes to go on.
            for (int i = 0; i < 4; i++) {
                ost.write(1, i << 20, ByteBuffer.wrap(data, i << 20, 1 << 20), Durability.STABLE);
            }
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
        }
        assertThat(Faults.hits(Ost.FAULT_CHECKPOINT_BEFORE_COMMIT)).isGreaterThanOrEqualTo(2);
        try (Ost ost = Ost.open(tmp, 0, small())) {
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
        }
    }

    @Test
    void theLmdbOnlyModeStillOpensAnOstLeftWithWalRecords() {
        byte[] data = random(100_000, 8);
        Ost ost = Ost.open(tmp, 0, small());
        ost.write(1, 0, ByteBuffer.wrap(data), Durability.STABLE);
        ost.closeAsIfKilled();
        try (Ost plain = Ost.open(tmp, 0, OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).wal(false).build())) {
            assertThat(read(plain, 1, 0, data.length)).isEqualTo(data);
            plain.write(1, 5, ByteBuffer.wrap(new byte[] {9}), Durability.STABLE);
        }
        data[5] = 9;
        try (Ost again = Ost.open(tmp, 0, small())) {
            assertThat(read(again, 1, 0, data.length)).isEqualTo(data);
        }
    }

    private Path walFileWith(byte[] pattern) throws Exception {
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("wal-")).sorted().toList()) {
                byte[] all = Files.readAllBytes(f);
                if (indexOf(all, pattern) >= 0) {
                    return f;
                }
            }
        }
        throw new AssertionError("no WAL segment holds the pattern");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
