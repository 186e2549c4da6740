package io.nacre.ost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.OstUsage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Segment adoption: a stream longer than the WAL is written once (its segments become data files that LMDB
 * points into), reads back byte for byte across checkpoints and reopens, and the data files are freed by
 * overwrite, truncate and destroy, compacted when mostly dead, and checked on every read.
 */
class OstDataFilesTest {

    private static final int CHUNK = 4096;
    private static final int WRITE = 64 << 10;
    private static final int SEGMENT = 1 << 20;
    private static final int SEGMENTS = 12;
    /** Twice the WAL. */
    private static final int STREAM = 2 * SEGMENT * SEGMENTS;

    @TempDir
    Path tmp;

    @AfterEach
    void disarm() {
        Faults.disarmAll();
    }

    private static OstOptions options() {
        return OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(SEGMENT, SEGMENTS).build();
    }

    private Path dir() {
        return tmp.resolve("ost");
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code data} at {@code offset} in {@link #WRITE}-byte STABLE writes. */
    private static void stream(Ost ost, long id, long offset, byte[] data) {
        for (int at = 0; at < data.length; at += WRITE) {
            ost.write(id, offset + at, ByteBuffer.wrap(data, at, Math.min(WRITE, data.length - at)), Durability.STABLE);
        }
    }

    private static byte[] read(Ost ost, long id, long offset, int n) {
        ByteBuffer dst = ByteBuffer.allocate(n);
        int got = ost.read(id, offset, dst);
        return Arrays.copyOf(dst.array(), got);
    }

    private Set<String> dataFiles() throws IOException {
        try (var files = Files.list(dir())) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(DataFiles.PREFIX))
                    .collect(Collectors.toSet());
        }
    }

    private long lmdbFileBytes() throws IOException {
        return Files.size(dir().resolve("data.mdb"));
    }

    private void assertEverySegmentHasOneName() throws IOException {
        try (var files = Files.list(dir())) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("wal-")).toList()) {
                assertThat(((Number) Files.getAttribute(f, "unix:nlink")).intValue()).as("links of %s", f).isEqualTo(1);
            }
        }
    }

    /**
     * What the WAL counts as its own on disk is what its segment files hold: usage takes the rest of the WAL's full
     * size off the file system's free space. (It counted an adopted segment's old file, a data file by then, instead
     * of the fresh file left waiting under its name: the OST read as freer by up to a segment per waiting file.)
     */
    private void assertTheWalCountsItsFilesOnDisk(Ost ost, String when) throws IOException {
        long onDisk = 0;
        try (var files = Files.list(dir())) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches("wal-\\d{3}")).toList()) {
                onDisk += Math.min(Files.size(f), SEGMENT);
            }
        }
        assertThat(ost.walFileBytes()).as("WAL bytes counted %s", when).isEqualTo(onDisk);
    }

    @Test
    void aStreamLongerThanTheWalIsWrittenOnceAndReadsBackAfterReopen() throws IOException {
        byte[] data = random(1, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            assertThat(dataFiles()).as("adopted segments").isNotEmpty();
            assertThat(ost.dataFileCount()).isEqualTo(dataFiles().size());
            // Written once: LMDB holds pointers for most of the stream, not a second copy.
            assertThat(lmdbFileBytes()).isLessThan(STREAM / 4);
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
            assertThat(read(ost, 1, 12_345, 1000)).isEqualTo(Arrays.copyOfRange(data, 12_345, 13_345));
            assertThat(ost.usage().bytesUsed()).isGreaterThanOrEqualTo((long) dataFiles().size() * SEGMENT);
        }
        assertEverySegmentHasOneName();
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
            assertThat(ost.stat(1).size()).isEqualTo(STREAM);
            assertThat(ost.stat(1).bytesUsed()).isEqualTo(STREAM);
            // A partial write into a chunk whose image is in a data file: read-modify-write from there.
            byte[] small = random(2, 100);
            ost.write(1, 5000, ByteBuffer.wrap(small), Durability.STABLE);
            System.arraycopy(small, 0, data, 5000, 100);
            assertThat(read(ost, 1, 0, 3 * CHUNK)).isEqualTo(Arrays.copyOf(data, 3 * CHUNK));
            ost.checkpointNow();
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
        }
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
        }
    }

    @Test
    void theOstsTotalIsItsMapSizeWhereverItsDataLiesSoAFullPoolStaysFullAfterACheckpoint() throws IOException {
        byte[] data = random(3, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            org.assertj.core.api.Assumptions.assumeThat(ost.usage().deviceFree()).as("a disk with room for the map")
                    .isGreaterThan(4 * options().mapSize());
            assertThat(ost.usage().bytesTotal()).isEqualTo(options().mapSize());
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            assertThat(dataFiles()).as("adopted segments").isNotEmpty();
            OstUsage u = ost.usage();
            // Data files take their part of the capacity as LMDB's pages do (the total once grew by them, so the
            // HSM's release policy saw a full pool turn less full when the checkpoint adopted its segments).
            assertThat(u.bytesUsed()).isGreaterThanOrEqualTo(STREAM);
            assertThat(u.bytesTotal()).isEqualTo(options().mapSize());
            assertThat(u.bytesFree()).isEqualTo(u.bytesTotal() - u.bytesUsed());
        }
    }

    @Test
    void aDestroyOfChunksInDataFilesKeepsTheTotalAndCountsAsFreeingUntilItsCheckpointGaveTheSpaceBack()
            throws IOException {
        byte[] data = random(6, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            org.assertj.core.api.Assumptions.assumeThat(ost.usage().deviceFree()).as("a disk with room for the map")
                    .isGreaterThan(4 * options().mapSize());
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            assertThat(dataFiles()).as("adopted segments").isNotEmpty();
            OstUsage before = ost.usage();
            assertThat(before.bytesFreeing()).isZero();

            // The checkpoint that would apply the destroy fails: the OST took it and has not given the space back.
            Faults.arm(Ost.FAULT_CHECKPOINT_BEFORE_COMMIT, Faults.Fault.fail());
            ost.destroy(1);
            OstUsage taken = ost.usage();
            // The total once grew by the destroyed bytes (LMDB held only pointers to them, free took them all),
            // so the HSM release policy saw its pool emptier than it was, and stopped releasing.
            assertThat(taken.bytesTotal()).isEqualTo(options().mapSize());
            assertThat(taken.bytesFree()).isEqualTo(taken.bytesTotal() - taken.bytesUsed());
            assertThat(taken.bytesFreeing()).isEqualTo(STREAM);
            assertThatThrownBy(ost::checkpointNow).isInstanceOf(NacreException.class);
            OstUsage failed = ost.usage();
            assertThat(failed.bytesTotal()).isEqualTo(options().mapSize());
            assertThat(failed.bytesFreeing()).as("still to give back after a failed checkpoint").isEqualTo(STREAM);
            assertThat(dataFiles()).isNotEmpty();

            Faults.disarmAll();
            ost.checkpointNow();
            OstUsage after = ost.usage();
            assertThat(dataFiles()).as("data files left after destroy").isEmpty();
            assertThat(after.bytesFreeing()).isZero();
            assertThat(after.bytesUsed()).isLessThan(before.bytesUsed() - STREAM / 2);
            assertThat(after.bytesTotal()).isEqualTo(options().mapSize());
        }
    }

    @Test
    void aCheckpointOfSeveralTransactionsKeepsTheDataFilesItAdopts() throws IOException {
        // A checkpoint copies at most so many bytes per LMDB transaction and puts its pointers into the last one;
        // the new data files' records once went into the first, where nothing pointed to them yet, so they were
        // deleted as empty and the pointers committed after named files gone: reads failed (found in the guest).
        System.setProperty("nacre.ost.checkpoint.txn.bytes", Integer.toString(4 * CHUNK));
        byte[] data = random(4, 4 * SEGMENT);
        byte[] small = random(5, 40 * CHUNK + 123);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, data); // whole segments: adopted
            stream(ost, 2, 0, small); // the segment still being written: copied, in several transactions
            ost.checkpointNow();
            assertThat(dataFiles()).as("adopted segments").isNotEmpty();
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
            assertThat(read(ost, 2, 0, small.length)).isEqualTo(small);
        } finally {
            System.clearProperty("nacre.ost.checkpoint.txn.bytes");
        }
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
            assertThat(read(ost, 2, 0, small.length)).isEqualTo(small);
            assertThat(ost.dataFileCount()).isEqualTo(dataFiles().size()).isPositive();
        }
    }

    /**
     * A segment adopted while the WAL's background preparation is at it: the checkpoint records the data file's
     * size when it links it, and the preparation, which took the segment (not yet replaced by a fresh file) for a
     * WAL segment still to prepare, wrote zeros past its records into the data file: its size on disk was then
     * larger than LMDB's record, which space accounting counts (found by {@link OstSoakTest}'s audit).
     */
    @Test
    void theWalPreparationWritesNothingIntoASegmentBeingAdopted() throws IOException {
        // Each preparation step waits 1 s first (the first from 50 ms after the open); the checkpoint pauses 2 s
        // after its commit, before the segment gets its fresh file: the step falls in that pause.
        Faults.arm(Wal.FAULT_PREPARE_STEP, Faults.Fault.sleep(1000));
        Faults.arm(Ost.FAULT_CHECKPOINT_BEFORE_REPLACE, new Faults.Fault(Faults.Kind.SLEEP, 1, false, 2000));
        // Most of the first segment, so that it is adopted while a stream's current segment (short on disk).
        byte[] data = random(6, 3 * SEGMENT / 4 + 8 * CHUNK);
        OstOptions prepared = OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(SEGMENT, SEGMENTS)
                .walPrepare(true).build();
        try (Ost ost = Ost.open(dir(), 0, prepared)) {
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            assertThat(dataFiles()).as("the segment adopted").hasSize(1);
        }
        Faults.disarmAll();
        OstAudit.Report report = OstAudit.check(dir(), 1L << 30);
        assertThat(report.problems()).as("data files against LMDB (%s)", report).isEmpty();
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
        }
    }

    @Test
    void overwriteTruncateAndDestroyFreeTheDataFiles() throws IOException {
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, random(1, STREAM));
            ost.checkpointNow();
            Set<String> first = dataFiles();
            assertThat(first).isNotEmpty();
            long used = ost.usage().bytesUsed();

            ost.destroy(1);
            ost.checkpointNow();
            assertThat(dataFiles()).as("data files left after destroy").isEmpty();
            assertThat(ost.usage().bytesUsed()).isLessThan(used - STREAM / 2);

            byte[] old = random(3, STREAM);
            stream(ost, 2, 0, old);
            ost.checkpointNow();
            Set<String> second = dataFiles();
            assertThat(second).isNotEmpty();
            byte[] fresh = random(4, STREAM);
            stream(ost, 2, 0, fresh);
            ost.checkpointNow();
            assertThat(dataFiles()).as("files of the overwritten stream").doesNotContainAnyElementsOf(second);
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(fresh);

            Set<String> third = dataFiles();
            ost.truncate(2, 1000);
            ost.checkpointNow();
            assertThat(dataFiles()).as("files after a truncate to 1000 bytes").doesNotContainAnyElementsOf(third);
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(Arrays.copyOf(fresh, 1000));
        }
        assertEverySegmentHasOneName();
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 2, 0, 2000)).hasSize(1000);
            assertThat(ost.stat(1).size()).isZero();
        }
    }

    /**
     * Readers race the checkpoints that adopt the overwriting stream's segments, delete the files the first
     * stream left dead, and swap in fresh segment files: every chunk read is the old or the new version,
     * never an error or other bytes.
     */
    @Test
    void readersDuringAdoptionAndDeletionSeeOnlyOldOrNewChunks() throws Exception {
        byte[] old = random(1, STREAM);
        byte[] fresh = random(2, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, old);
            ost.checkpointNow();
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
            List<Thread> readers = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++) {
                long seed = t;
                readers.add(Thread.ofPlatform().start(() -> {
                    Random r = new Random(seed);
                    while (!done.get()) {
                        int at = r.nextInt(STREAM / CHUNK) * CHUNK;
                        int n = Math.min(STREAM - at, (1 + r.nextInt(16)) * CHUNK);
                        try {
                            byte[] got = read(ost, 1, at, n);
                            for (int c = 0; c < n; c += CHUNK) {
                                byte[] chunk = Arrays.copyOfRange(got, c, c + CHUNK);
                                if (!Arrays.equals(chunk, Arrays.copyOfRange(old, at + c, at + c + CHUNK))
                                        && !Arrays.equals(chunk, Arrays.copyOfRange(fresh, at + c, at + c + CHUNK))) {
                                    throw new AssertionError("chunk at " + (at + c) + " is neither version");
                                }
                            }
                            reads.incrementAndGet();
                        } catch (Throwable e) {
                            errors.add(e);
                            return;
                        }
                    }
                }));
            }
            stream(ost, 1, 0, fresh);
            ost.checkpointNow();
            done.set(true);
            for (Thread t : readers) {
                t.join();
            }
            assertThat(errors).isEmpty();
            assertThat(reads.get()).isPositive();
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(fresh);
        }
    }

    /** Waits up to {@code seconds} for {@code done} (polling; the caller asserts the outcome). */
    private static void await(int seconds, Check done) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
        while (!done.holds() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    /** Deleted files this JVM still maps: they keep their blocks on disk until unmapped. */
    private List<String> mappedDeletedFiles() throws IOException {
        String d = dir().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains(d) && l.endsWith("(deleted)")).toList();
    }

    @Test
    void deletedDataFilesAreUnmappedWithoutWaitingForAGc() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/maps")),
                "needs /proc/self/maps to see the maps");
        byte[] data = random(1, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, data);
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data); // maps WAL segments and data files
            ost.checkpointNow();
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
            ost.destroy(1);
            stream(ost, 2, 0, data); // takes the segments' fresh files
            ost.destroy(2);
            ost.checkpointNow();
            assertThat(dataFiles()).isEmpty();
            await(10, () -> mappedDeletedFiles().isEmpty());
            assertThat(mappedDeletedFiles()).as("deleted files still mapped").isEmpty();
        }
    }

    /** Descriptors of this process open on files of the OST's directory that are deleted (Linux). */
    private List<String> openDeletedFiles() throws IOException {
        String d = dir().toString();
        List<String> open = new java.util.ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(d) && target.endsWith("(deleted)")) {
                        open.add(target);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return open;
    }

    @Test
    void destroyedDataFilesKeepNoDescriptorOrMapUntilAWriterReturns() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")),
                "needs /proc/self/fd to see the descriptors");
        byte[] data = random(3, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            assertThat(dataFiles()).as("adopted segments").isNotEmpty();
            ost.destroy(1);
            ost.checkpointNow();
            assertThat(dataFiles()).isEmpty();
            // No writer has taken the segments' fresh files yet: the deleted files' inodes (and their blocks)
            // must not wait for one.
            await(10, () -> openDeletedFiles().isEmpty() && mappedDeletedFiles().isEmpty());
            assertThat(openDeletedFiles()).as("deleted files still open").isEmpty();
            assertThat(mappedDeletedFiles()).as("deleted files still mapped").isEmpty();
            // The segments' fresh files take the next stream, which reads back, also after a reopen.
            stream(ost, 2, 0, data);
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(data);
        }
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(data);
            assertThat(read(ost, 1, 0, 1)).isEmpty();
        }
    }

    @Test
    void partialOverwritesWhileCheckpointsAdoptAndReplaceSegmentsKeepTheBytesTheyMergeWith() throws IOException {
        // Each write starts half a chunk before the end of the previous one: every group merges with an image
        // that a checkpoint running beside it (under pressure, on its own thread) may be adopting, replacing
        // and letting go of at that moment. The merged bytes must be the old ones, and no write may fail.
        byte[] model = new byte[STREAM + WRITE];
        Random r = new Random(5);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            long at = 0;
            for (int i = 0; at + WRITE <= model.length; i++) {
                byte[] b = new byte[WRITE];
                r.nextBytes(b);
                ost.write(1, at, ByteBuffer.wrap(b), Durability.STABLE);
                System.arraycopy(b, 0, model, (int) at, WRITE);
                at += WRITE - CHUNK / 2 - (i % 7) * 16;
            }
            assertThat(ost.checkpoints()).as("checkpoints beside the writes").isGreaterThan(0);
            assertThat(dataFiles()).as("adopted segments").isNotEmpty();
            assertThat(read(ost, 1, 0, model.length)).isEqualTo(Arrays.copyOf(model, (int) ost.stat(1).size()));
        }
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 1, 0, model.length)).isEqualTo(Arrays.copyOf(model, (int) ost.stat(1).size()));
        }
    }

    @Test
    void mostlyDeadDataFilesAreCompactedIntoLmdb() throws IOException {
        byte[] data = random(1, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            Set<String> adopted = dataFiles();
            assertThat(adopted).isNotEmpty();
            // Two writes in three overwritten: every adopted file keeps about a third of its records live.
            for (int at = 0; at < STREAM; at += WRITE) {
                if ((at / WRITE) % 3 != 0) {
                    byte[] b = random(at, WRITE);
                    ost.write(1, at, ByteBuffer.wrap(b), Durability.STABLE);
                    System.arraycopy(b, 0, data, at, WRITE);
                }
            }
            for (int i = 0; i < 40 && dataFiles().stream().anyMatch(adopted::contains); i++) {
                ost.checkpointNow();
            }
            assertThat(dataFiles()).as("compacted files").doesNotContainAnyElementsOf(adopted);
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
        }
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
        }
    }

    /** 64 KiB chunks: a chunk copied into LMDB takes 6% more there (a 4 KiB one took twice its bytes). */
    private static OstOptions wideChunks() {
        return OstOptions.builder().chunkSize(WRITE).mapSize(1L << 30).walSegments(SEGMENT, SEGMENTS).build();
    }

    /**
     * Objects 1, 2 and 3 streamed in turn, a write each, then checkpointed: every adopted data file holds a third of
     * each. Destroying 1 and 2 leaves every one a third live. Returns object 3's bytes.
     */
    private static byte[] streamThreeInTurn(Ost ost) {
        byte[] kept = null;
        for (long id = 1; id <= 3; id++) {
            kept = random(10 + id, STREAM / 3);
        }
        for (int at = 0; at < STREAM / 3; at += WRITE) {
            for (long id = 1; id <= 3; id++) {
                byte[] b = id == 3 ? Arrays.copyOfRange(kept, at, at + WRITE) : random(at * 3L + id, WRITE);
                ost.write(id, at, ByteBuffer.wrap(b), Durability.STABLE);
            }
        }
        ost.checkpointNow();
        return kept;
    }

    /**
     * A checkpoint compacts two data files; the others under half live were kept, dead bytes and all, by an OST
     * that nobody wrote to any more (its WAL empty: nothing to checkpoint), so the HSM release policy found a pool
     * as full as before and released more files. Now the idle OST compacts them, one per idle check: its usage falls
     * without new writes, and until then what it will give back counts as freeing.
     */
    @Test
    void anIdleOstWithAnEmptyWalCompactsItsMostlyDeadDataFilesAndItsUsageFalls() throws Exception {
        byte[] kept;
        try (Ost ost = Ost.open(dir(), 0, wideChunks())) {
            kept = streamThreeInTurn(ost);
            Set<String> adopted = ost.dataFileNames();
            assertThat(adopted).as("adopted data files, more than a checkpoint compacts").hasSizeGreaterThan(4);
            OstUsage before = ost.usage();
            // Idle compaction held back (failing) until the figures below are read.
            Faults.arm(Ost.FAULT_COMPACT_IDLE, Faults.Fault.fail());
            ost.destroy(1);
            ost.destroy(2);
            ost.checkpointNow(); // applies the destroys, compacts two files
            Set<String> left = ost.dataFileNames();
            left.retainAll(adopted);
            assertThat(left).as("mostly dead files the checkpoint left").hasSizeGreaterThanOrEqualTo(adopted.size() - 2)
                    .hasSizeGreaterThan(2);
            OstUsage held = ost.usage();
            assertThat(held.bytesFreeing()).as("the dead bytes of the files left count as still to give back")
                    .isGreaterThan((long) left.size() * SEGMENT / 2);
            await(30, () -> Faults.hits(Ost.FAULT_COMPACT_IDLE) > 0);
            assertThat(Faults.hits(Ost.FAULT_COMPACT_IDLE)).as("an idle check came to compact").isPositive();
            assertThat(ost.dataFileNames()).as("nothing compacted while held").containsAll(left);

            Faults.disarmAll();
            await(60, () -> ost.dataFileNames().stream().noneMatch(left::contains) && ost.usage().bytesFreeing() == 0);
            assertThat(ost.dataFileNames()).as("compacted by the idle OST").doesNotContainAnyElementsOf(left);
            OstUsage after = ost.usage();
            assertThat(after.bytesFreeing()).isZero();
            assertThat(after.bytesUsed()).as("used once compacted (before the destroys: %s, held: %s)", before, held)
                    .isLessThan(held.bytesUsed() - held.bytesFreeing() / 2)
                    .isLessThan(before.bytesUsed() / 2);
            await(10, () -> dataFiles().stream().noneMatch(left::contains));
            assertThat(dataFiles()).as("gone from the directory").doesNotContainAnyElementsOf(left);
            assertThat(read(ost, 3, 0, STREAM / 3)).isEqualTo(kept);
            assertThat(ost.stat(1).size()).isZero();
            assertThat(ost.stat(2).size()).isZero();
        }
        assertEverySegmentHasOneName();
        try (Ost ost = Ost.open(dir(), 0, wideChunks())) {
            assertThat(read(ost, 3, 0, STREAM / 3)).isEqualTo(kept);
            assertThat(ost.usage().bytesFreeing()).isZero();
        }
        OstAudit.Report report = OstAudit.check(dir(), wideChunks().mapSize());
        assertThat(report.problems()).as("audit (%s)", report).isEmpty();
    }

    /**
     * A writer that arrives while an idle compaction holds its LMDB transaction open writes, truncates and destroys
     * without waiting for it (the compaction holds no lock writers take), and a reader of the file being compacted
     * reads its bytes; the compaction then stops after that transaction (the writers are back) and moves the rest
     * of the file once the OST is idle again; everything reads back once the compactions are done, and after a
     * reopen.
     */
    @Test
    void writersAndReadersGoOnWhileAnIdleCompactionRuns() throws Exception {
        byte[] kept;
        byte[] more = random(7, 2 * SEGMENT);
        // One chunk per transaction: the compaction stops after its first, the writer being back, and the rest of
        // that file is moved later.
        System.setProperty("nacre.ost.compact.idle.txn.bytes", String.valueOf(WRITE));
        try (Ost ost = Ost.open(dir(), 0, wideChunks())) {
            System.clearProperty("nacre.ost.compact.idle.txn.bytes");
            kept = streamThreeInTurn(ost);
            Set<String> adopted = ost.dataFileNames();
            ost.destroy(1);
            ost.destroy(2);
            ost.checkpointNow();
            // The next compaction (an idle one: the checkpoint is done) stops inside its transaction for a while.
            Faults.arm(Ost.FAULT_COMPACT_BEFORE_COMMIT, new Faults.Fault(Faults.Kind.SLEEP, 1, false, 10_000));
            Faults.arm(Ost.FAULT_COMPACT_AFTER_COMMIT, new Faults.Fault(Faults.Kind.SLEEP, 1000, false, 0)); // counts
            Faults.arm(Ost.FAULT_COMPACT_IDLE, new Faults.Fault(Faults.Kind.SLEEP, 1000, false, 0));
            await(30, () -> Faults.hits(Ost.FAULT_COMPACT_BEFORE_COMMIT) > 0);
            assertThat(Faults.hits(Ost.FAULT_COMPACT_BEFORE_COMMIT)).as("an idle compaction began").isPositive();
            // 1, or 0 when that compaction began just before the idle fault point was armed (seen under load)
            long idleBegun = Faults.hits(Ost.FAULT_COMPACT_IDLE);
            stream(ost, 4, 0, more);
            ost.write(5, 0, ByteBuffer.wrap(random(8, 3 * WRITE)), Durability.STABLE);
            ost.truncate(5, WRITE + 17);
            ost.destroy(5);
            assertThat(read(ost, 3, 0, STREAM / 3)).as("object 3, partly in the file being compacted").isEqualTo(kept);
            assertThat(Faults.hits(Ost.FAULT_COMPACT_AFTER_COMMIT)).as("the writes and the read did not wait for it")
                    .isZero();
            // A writer that stays (a write every 100 ms): the compaction stops after its transaction, the rest of the
            // file waits (it took four more transactions without a pause).
            java.util.concurrent.atomic.AtomicBoolean stay = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread trickle = Thread.ofPlatform().start(() -> {
                for (long at = 0; stay.get(); at += 4096) {
                    ost.write(6, at, ByteBuffer.wrap(random(at, 4096)), Durability.STABLE);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            await(30, () -> Faults.hits(Ost.FAULT_COMPACT_AFTER_COMMIT) > 0);
            Thread.sleep(1000);
            assertThat(Faults.hits(Ost.FAULT_COMPACT_BEFORE_COMMIT)).as("transactions while the writer stays").isEqualTo(1);
            assertThat(Faults.hits(Ost.FAULT_COMPACT_IDLE)).as("idle compactions begun while the writer stays")
                    .isEqualTo(idleBegun);
            assertThat(read(ost, 3, 0, STREAM / 3)).as("object 3, its file compacted in part").isEqualTo(kept);
            stay.set(false);
            trickle.join();
            Faults.disarmAll();
            await(90, () -> ost.dataFileNames().stream().noneMatch(adopted::contains)
                    && ost.usage().bytesFreeing() == 0);
            assertThat(ost.dataFileNames()).as("compacted by the idle OST").doesNotContainAnyElementsOf(adopted);
            assertThat(read(ost, 3, 0, STREAM / 3)).isEqualTo(kept);
            assertThat(read(ost, 4, 0, more.length)).isEqualTo(more);
            assertThat(ost.stat(5).size()).isZero();
        }
        try (Ost ost = Ost.open(dir(), 0, wideChunks())) {
            assertThat(read(ost, 3, 0, STREAM / 3)).isEqualTo(kept);
            assertThat(read(ost, 4, 0, more.length)).isEqualTo(more);
        }
        OstAudit.Report report = OstAudit.check(dir(), wideChunks().mapSize());
        assertThat(report.problems()).as("audit (%s)", report).isEmpty();
    }

    /**
     * A read that found a pointer in its LMDB view, then met its data file deleted by a compaction: it
     * renews the view and reads the copy LMDB holds now (never CORRUPT, never other bytes).
     */
    @Test
    void aReadThatMeetsItsDataFileDeletedByACompactionFindsTheCopy() throws Exception {
        byte[] data = random(1, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            Set<String> adopted = dataFiles();
            for (int at = 0; at < STREAM; at += WRITE) {
                if ((at / WRITE) % 3 != 0) {
                    byte[] b = random(at, WRITE);
                    ost.write(1, at, ByteBuffer.wrap(b), Durability.STABLE);
                    System.arraycopy(b, 0, data, at, WRITE);
                }
            }
            // Some of the old files may be compacted already; the reader's view sees the ones left.
            ost.checkpointNow();
            Set<String> left = dataFiles();
            left.retainAll(adopted);
            assertThat(left).as("old files not compacted yet").isNotEmpty();
            // The read takes a pointer into an old file, then waits while the checkpoints compact them all.
            Faults.arm(Ost.FAULT_BEFORE_DATA_FILE, new Faults.Fault(Faults.Kind.SLEEP, 1, false, 1500));
            // A chunk whose record in one of those files is still its newest image: its value is a pointer there.
            long chunk = -1;
            for (Wal.Header h : Wal.records(ByteBuffer.wrap(Files.readAllBytes(dir().resolve(left.iterator().next()))))) {
                if ((h.chunk() * CHUNK / WRITE) % 3 == 0) {
                    chunk = h.chunk();
                    break;
                }
            }
            assertThat(chunk).as("a live record in %s", left).isNotNegative();
            int from = (int) (chunk * CHUNK);
            java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> read(ost, 1, from, STREAM - from));
            await(30, () -> Faults.hits(Ost.FAULT_BEFORE_DATA_FILE) > 0);
            for (int i = 0; i < 40 && ost.dataFileNames().stream().anyMatch(left::contains); i++) {
                ost.checkpointNow();
            }
            // Compacted and forgotten; on disk until the read ends (then deleted, or recycled as WAL segments).
            assertThat(ost.dataFileNames()).as("compacted while the read waited").doesNotContainAnyElementsOf(left);
            assertThat(read.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(Arrays.copyOfRange(data, from, STREAM));
            await(10, () -> dataFiles().stream().noneMatch(left::contains));
            assertThat(dataFiles()).as("gone from the directory once the read ended").doesNotContainAnyElementsOf(left);
        }
    }

    @Test
    void aFlippedByteInADataFileReadsAsCorrupt() throws IOException {
        byte[] data = random(1, STREAM);
        byte[] mark = Arrays.copyOfRange(data, 3 * WRITE + 100, 3 * WRITE + 132);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, data);
            ost.checkpointNow();
        }
        Path damaged = null;
        for (String f : dataFiles()) {
            byte[] all = Files.readAllBytes(dir().resolve(f));
            if (OstWalTest.indexOf(all, mark) >= 0) {
                damaged = dir().resolve(f);
            }
        }
        assertThat(damaged).as("the data file that holds the marked bytes").isNotNull();
        OstFiles.flipByteIn(damaged, mark);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThatThrownBy(() -> read(ost, 1, 3 * WRITE, CHUNK)).isInstanceOf(NacreException.class)
                    .extracting(e -> ((NacreException) e).status()).isEqualTo(Status.CORRUPT);
            assertThatThrownBy(() -> read(ost, 1, 3 * WRITE + 90, 20)).isInstanceOf(NacreException.class)
                    .extracting(e -> ((NacreException) e).status()).isEqualTo(Status.CORRUPT);
            // A partial overwrite cannot launder the bad chunk.
            assertThatThrownBy(() -> ost.write(1, 3 * WRITE + 10, ByteBuffer.wrap(new byte[5]), Durability.STABLE))
                    .isInstanceOf(NacreException.class)
                    .extracting(e -> ((NacreException) e).status()).isEqualTo(Status.CORRUPT);
            assertThat(read(ost, 1, 0, 3 * WRITE)).isEqualTo(Arrays.copyOf(data, 3 * WRITE));
        }
    }

    @Test
    void withoutTheWalAnOstWithDataFilesReadsOverwritesAndFreesThem() throws IOException {
        byte[] data = random(1, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, data);
            stream(ost, 2, 0, data);
        }
        assertThat(dataFiles()).isNotEmpty();
        OstOptions noWal = OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).wal(false).build();
        try (Ost ost = Ost.open(dir(), 0, noWal)) {
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
            byte[] small = random(2, 100);
            ost.write(1, 5000, ByteBuffer.wrap(small), Durability.STABLE);
            System.arraycopy(small, 0, data, 5000, 100);
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
            ost.truncate(1, 10);
            ost.destroy(2);
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(Arrays.copyOf(data, 10));
            assertThat(read(ost, 2, 0, 10)).isEmpty();
            assertThat(dataFiles()).as("files left once nothing points into them").isEmpty();
        }
    }

    @Test
    void aCheckpointThatFailsAfterLinkingLeavesNoNewDataFileAndLosesNothing() throws IOException {
        byte[] data = random(1, STREAM);
        try (Ost ost = Ost.open(dir(), 0, options())) {
            stream(ost, 1, 0, data);
            Set<String> before = dataFiles();
            Faults.arm(Ost.FAULT_CHECKPOINT_AFTER_LINK, Faults.Fault.fail());
            assertThatThrownBy(ost::checkpointNow).isInstanceOf(RuntimeException.class);
            assertThat(Faults.hits(Ost.FAULT_CHECKPOINT_AFTER_LINK)).isPositive();
            assertThat(dataFiles()).isEqualTo(before);
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
            Faults.disarmAll();
            ost.checkpointNow();
            assertThat(dataFiles()).containsAll(before).hasSizeGreaterThan(before.size());
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
        }
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 1, 0, data.length)).isEqualTo(data);
        }
    }

    /**
     * After a stream whose segments were adopted, with the OST idle, the preparation writes zeros into only as many
     * segments as it keeps prepared (one per stream); the other fresh files wait, and the stream's delete renames its
     * dead data files over them, so that the preparation writes no zeros after it. Before, every fresh file was
     * prepared as soon as the writers were idle, before the delete came, and the dead files were deleted.
     */
    @Test
    void onlyAFewFreshFilesArePreparedOnceIdleAndTheOthersWaitForALaterDeleteToRecycleItsDataFiles() throws Exception {
        OstOptions prepared = preparedOptions();
        int keep = prepared.walStreams();
        byte[] data = random(1, STREAM);
        byte[] more = random(2, STREAM);
        try (Ost ost = Ost.open(dir(), 0, prepared)) {
            ost.walPrepared().get(60, java.util.concurrent.TimeUnit.SECONDS);
            long opened = ost.walPreparedZeros();
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            assertThat(dataFiles()).as("data files of the stream").hasSizeGreaterThan(SEGMENTS / 2);
            await(60, ost::walPreparationSettled);
            assertThat(ost.walPreparationSettled()).as("preparation done").isTrue();
            long afterStream = ost.walPreparedZeros() - opened;
            int waiting = ost.walWaitingFreshFiles();
            // The rest of the stream's last segment, and fresh files up to one per stream (4); before, every one.
            assertThat(afterStream).as("zeros once the stream ended (%d fresh files left waiting)", waiting)
                    .isLessThanOrEqualTo((keep + 1L) * SEGMENT);
            assertThat(waiting).as("fresh files left waiting").isGreaterThanOrEqualTo(SEGMENTS - keep - 2);
            assertTheWalCountsItsFilesOnDisk(ost, "with fresh files waiting");
            long zeros = ost.walPreparedZeros();
            long recycled = ost.walRecycledFiles();
            ost.destroy(1);
            ost.checkpointNow();
            await(60, () -> ost.walPreparationSettled() && dataFiles().isEmpty());
            assertThat(dataFiles()).as("data files after the delete").isEmpty();
            assertThat(ost.walRecycledFiles() - recycled).as("dead data files recycled").isEqualTo(waiting);
            assertThat(ost.walWaitingFreshFiles()).as("fresh files still waiting").isZero();
            assertThat(ost.walPreparedZeros() - zeros).as("zeros after the delete").isZero();
            assertTheWalCountsItsFilesOnDisk(ost, "with dead data files recycled");
            // Another stream goes into the recycled files (no zeros needed) and reads back.
            stream(ost, 2, 0, more);
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(more);
            assertThat(ost.stat(1).size()).isZero();
            ost.closeAsIfKilled();
        }
        assertEverySegmentHasOneName();
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(more);
            assertThat(ost.stat(1).size()).isZero();
        }
        OstAudit.Report report = OstAudit.check(dir(), 1L << 30);
        assertThat(report.problems()).as("audit (%s)", report).isEmpty();
    }

    /**
     * Once the writers have been idle for long (1 s here, 60 s by default), the fresh files left waiting for dead data
     * files are prepared too: a stream after a long pause writes into prepared space only, as before the preparation
     * was lazy. (Left waiting for ever, the stream writes most of its records into unprepared space.)
     */
    @Test
    void theFreshFilesLeftWaitingArePreparedOnceTheWritersHaveBeenIdleForLong() throws Exception {
        OstOptions o = OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(SEGMENT, SEGMENTS)
                .walPrepare(true).walPrepareWaitingAfter(java.time.Duration.ofSeconds(1)).build();
        byte[] data = random(3, STREAM);
        byte[] more = random(4, SEGMENTS / 2 * SEGMENT);
        try (Ost ost = Ost.open(dir(), 0, o)) {
            ost.walPrepared().get(60, java.util.concurrent.TimeUnit.SECONDS);
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            assertThat(dataFiles()).as("data files of the stream").hasSizeGreaterThan(SEGMENTS / 2);
            await(60, () -> ost.walWaitingFreshFiles() == 0 && ost.walPreparationSettled());
            assertThat(ost.walWaitingFreshFiles()).as("fresh files still waiting").isZero();
            long unprepared = ost.walWrittenUnprepared();
            stream(ost, 2, 0, more);
            assertThat(ost.walWrittenUnprepared() - unprepared).as("bytes the stream wrote into unprepared space")
                    .isZero();
            assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
            assertThat(read(ost, 2, 0, more.length)).isEqualTo(more);
        }
    }

    /**
     * While the OST serves reads, the fresh files left waiting stay waiting however long the writers have been idle
     * (their zeros took CPU from a cold read of the stream in the guest bench); once the reads stop they are prepared.
     */
    @Test
    void theFreshFilesLeftWaitingAreNotPreparedWhileReadsGoOn() throws Exception {
        OstOptions o = OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(SEGMENT, SEGMENTS)
                .walPrepare(true).walPrepareWaitingAfter(java.time.Duration.ofSeconds(1)).build();
        byte[] data = random(5, STREAM);
        try (Ost ost = Ost.open(dir(), 0, o)) {
            ost.walPrepared().get(60, java.util.concurrent.TimeUnit.SECONDS);
            stream(ost, 1, 0, data);
            ost.checkpointNow();
            long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(4);
            while (System.nanoTime() < until) {
                assertThat(read(ost, 1, 0, STREAM)).isEqualTo(data);
            }
            assertThat(ost.walWaitingFreshFiles()).as("fresh files waiting after 4 s of reads, the writers idle")
                    .isGreaterThan(0);
            await(60, () -> ost.walWaitingFreshFiles() == 0 && ost.walPreparationSettled());
            assertThat(ost.walWaitingFreshFiles()).as("fresh files waiting once the reads stopped").isZero();
            assertTheWalCountsItsFilesOnDisk(ost, "once every fresh file was prepared");
        }
    }

    /**
     * Writes {@code data} into object 1 and checkpoints it, its segments adopted; each preparation step waits
     * {@code stepMillis} first, so that their fresh files are still waiting afterwards (disarmed by the test).
     */
    private static void streamWithFreshFilesLeftWaiting(Ost ost, byte[] data, long stepMillis) throws Exception {
        ost.walPrepared().get(60, java.util.concurrent.TimeUnit.SECONDS);
        Faults.arm(Wal.FAULT_PREPARE_STEP, Faults.Fault.sleep(stepMillis));
        stream(ost, 1, 0, data);
        ost.checkpointNow();
    }

    private static OstOptions preparedOptions() {
        return OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).walSegments(SEGMENT, SEGMENTS).walPrepare(true)
                .build();
    }

    /**
     * A stream longer than the WAL, then its destroy: the dead data files become the fresh files its adopted segments
     * were left with, so the preparation writes (close to) no zeros for them; a second stream written into them reads
     * back, after a reopen and after kills, and the destroyed object never comes back from their stale records.
     * (Before, the preparation wrote every waiting fresh file with zeros, and the dead files were deleted.)
     */
    @Test
    void deadDataFilesBecomeTheWaitingSegmentFilesSoThePreparationWritesNoZeros() throws Exception {
        byte[] first = random(31, STREAM);
        byte[] second = random(32, STREAM);
        try (Ost ost = Ost.open(dir(), 0, preparedOptions())) {
            streamWithFreshFilesLeftWaiting(ost, first, 2000);
            int adopted = dataFiles().size();
            assertThat(adopted).as("data files of the stream").isGreaterThan(SEGMENTS / 2);
            long zerosBefore = ost.walPreparedZeros();
            ost.destroy(1);
            ost.checkpointNow();
            assertThat(dataFiles()).as("data files after the destroy").isEmpty();
            Faults.disarmAll();
            await(60, () -> ost.walPreparationSettled());
            assertThat(ost.walPreparationSettled()).isTrue();
            // What is left: the rest of the segments writers took and wrote a part of (the destroy's record, the
            // stream's last segment), under a segment each; before, also a whole segment for every waiting fresh file.
            assertThat(ost.walPreparedZeros() - zerosBefore).as("zeros written after the destroy (%d files recycled)",
                    ost.walRecycledFiles()).isLessThanOrEqualTo(4L * SEGMENT);
            assertThat(ost.walRecycledFiles()).as("fresh files recycled").isGreaterThanOrEqualTo(5);
            assertEverySegmentHasOneName();
        }
        // A kill with nothing new written: recovery scans the recycled files' stale records and takes none.
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(ost.stat(1).size()).as("the destroyed object").isZero();
            stream(ost, 2, 0, second);
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(second);
            assertThat(read(ost, 1, 0, 100)).isEmpty();
            ost.closeAsIfKilled();
        }
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(second);
            assertThat(ost.stat(1).size()).isZero();
        }
        OstAudit.Report report = OstAudit.check(dir(), 1L << 30);
        assertThat(report.problems()).as("audit (%s)", report).isEmpty();
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(second);
        }
    }

    /**
     * The same with a kill right after the destroy's checkpoint recycled the files, and a stream into them killed
     * before any checkpoint: every write reads back from the recycled segments, nothing of the destroyed object does.
     */
    @Test
    void writesIntoRecycledSegmentsSurviveAKillBeforeAnyCheckpoint() throws Exception {
        byte[] first = random(41, STREAM);
        byte[] second = random(42, 4 * SEGMENT);
        try (Ost ost = Ost.open(dir(), 0, preparedOptions())) {
            streamWithFreshFilesLeftWaiting(ost, first, 2000);
            ost.destroy(1);
            ost.checkpointNow();
            assertThat(ost.walRecycledFiles()).isGreaterThan(0);
            Faults.disarmAll();
            stream(ost, 2, 0, second); // under the WAL's size: no checkpoint, its records only in the segments
            ost.closeAsIfKilled();
        }
        try (Ost ost = Ost.open(dir(), 0, options())) {
            assertThat(read(ost, 2, 0, second.length)).isEqualTo(second);
            assertThat(ost.stat(1).size()).isZero();
        }
        OstAudit.Report report = OstAudit.check(dir(), 1L << 30);
        assertThat(report.problems()).as("audit (%s)", report).isEmpty();
    }

    /**
     * A recycle that fails before its rename deletes the dead file (no zeros saved, nothing lost); one whose
     * directory flush fails leaves the file in place, and the writer that takes the segment flushes the directory
     * first: everything written reads back after a kill.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {Wal.FAULT_RECYCLE_BEFORE_RENAME, Wal.FAULT_RECYCLE_BEFORE_FLUSH})
    void aRecycleThatFailsLosesNothing(String point) throws Exception {
        Path d = dir();
        byte[] first = random(51, STREAM);
        byte[] second = random(52, STREAM);
        try (Ost ost = Ost.open(d, 0, preparedOptions())) {
            streamWithFreshFilesLeftWaiting(ost, first, 2000);
            Faults.arm(point, Faults.Fault.fail());
            ost.destroy(1);
            ost.checkpointNow();
            assertThat(Faults.hits(point)).as("hits of %s", point).isGreaterThan(0);
            assertThat(dataFiles()).as("data files after the destroy (%s)", point).isEmpty();
            if (point.equals(Wal.FAULT_RECYCLE_BEFORE_FLUSH)) {
                assertThat(ost.walRecycledFiles()).as("renamed, the directory not flushed").isGreaterThan(0);
            } else {
                assertThat(ost.walRecycledFiles()).as("failed before the rename: deleted").isZero();
            }
            Faults.disarmAll();
            stream(ost, 2, 0, second);
            assertThat(read(ost, 2, 0, STREAM)).isEqualTo(second);
            ost.closeAsIfKilled();
        }
        assertEverySegmentHasOneName();
        try (Ost ost = Ost.open(d, 0, options())) {
            assertThat(read(ost, 2, 0, STREAM)).as("after %s failed", point).isEqualTo(second);
            assertThat(ost.stat(1).size()).isZero();
        }
        OstAudit.Report report = OstAudit.check(d, 1L << 30);
        assertThat(report.problems()).as("audit after %s (%s)", point, report).isEmpty();
    }

    /** A dead data file's reads still running keep it from the WAL; it goes once they end. */
    @Test
    void aDeadDataFileWaitsForTheReadsThatMayHoldIt() throws Exception {
        byte[] first = random(61, STREAM);
        try (Ost ost = Ost.open(dir(), 0, preparedOptions())) {
            streamWithFreshFilesLeftWaiting(ost, first, 5000);
            // A read of the stream stopped between a pointer and its data file, while the destroy's checkpoint runs.
            Faults.arm(Ost.FAULT_BEFORE_DATA_FILE, Faults.Fault.sleep(6000));
            Thread reader = Thread.ofPlatform().start(() -> ost.read(1, 0, ByteBuffer.allocate(CHUNK)));
            // The reader is in its sleep at the fault point (inside the unmapper's epoch).
            await(30, () -> Faults.hits(Ost.FAULT_BEFORE_DATA_FILE) > 0);
            ost.destroy(1);
            ost.checkpointNow();
            assertThat(reader.isAlive()).as("the read still held").isTrue();
            assertThat(ost.walRecycledFiles()).as("recycled while a read may hold a dead file").isZero();
            reader.join();
            Faults.disarm(Ost.FAULT_BEFORE_DATA_FILE); // the preparation's steps still wait: the fresh files too
            await(10, () -> ost.walRecycledFiles() > 0);
            Faults.disarmAll();
            assertThat(ost.walRecycledFiles()).as("recycled once the read ended").isGreaterThan(0);
            await(10, () -> {
                try {
                    return dataFiles().isEmpty();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(dataFiles()).isEmpty();
        }
    }
}
