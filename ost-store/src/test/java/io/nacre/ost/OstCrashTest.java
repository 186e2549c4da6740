package io.nacre.ost;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Durability: a child JVM writes STABLE and prints each acknowledged record; the test kills it (SIGKILL,
 * or a halt at a fault point), reopens the OST and checks every acknowledged record byte for byte.
 */
class OstCrashTest {

    @TempDir
    Path tmp;

    private record Ack(long object, long index) {
    }

    @Test
    void everyAckedStableWriteSurvivesKillDashNine() throws Exception {
        List<Ack> acks = runAndKill(List.of(), 60);
        verify(acks);
    }

    @Test
    void everyAckedStableWriteSurvivesAHaltAfterCommit() throws Exception {
        // Halting right after a commit, before its ack, is the worst moment for the writer's bookkeeping.
        List<Ack> acks = runAndKill(List.of("-Dnacre.faults=ost.write.after_commit=halt:40"), -1);
        assertThat(acks).hasSizeGreaterThanOrEqualTo(30);
        verify(acks);
    }

    @Test
    void everyAckedStableWriteSurvivesKillDashNineWhileCheckpointsRun() throws Exception {
        List<Ack> acks = runAndKill(List.of(), 150, "small-wal");
        verify(acks);
    }

    @Test
    void everyAckedStableWriteSurvivesKillDashNineWhileTheWalIsStillPrepared() throws Exception {
        // Each step of the background preparation waits 300 ms, so the kill lands with segments half made.
        List<Ack> acks = runAndKill(List.of("-D" + OstOptions.PREPARE_PROPERTY + "=true",
                "-Dnacre.faults=" + Wal.FAULT_PREPARE_STEP + "=sleep300"), 60, "small-wal");
        Path dir = tmp.resolve("ost");
        List<Long> sizes;
        try (var files = Files.list(dir)) {
            sizes = files.filter(f -> f.getFileName().toString().startsWith("wal-")).map(f -> f.toFile().length())
                    .toList();
        }
        // Every segment file is created (empty) at open; some are not prepared yet at the kill.
        assertThat(sizes).as("segment sizes at the kill").hasSize(StableWriterMain.SMALL_WAL_SEGMENTS)
                .anyMatch(size -> size < StableWriterMain.SMALL_WAL_SEGMENT);
        verify(acks);
        OstOptions small = OstOptions.builder().chunkSize(65536).mapSize(1L << 32)
                .walSegments(StableWriterMain.SMALL_WAL_SEGMENT, StableWriterMain.SMALL_WAL_SEGMENTS).walPrepare(true)
                .build();
        try (Ost ost = Ost.open(dir, 0, small)) {
            ost.walPrepared().get(60, TimeUnit.SECONDS);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.filter(f -> f.getFileName().toString().startsWith("wal-")).map(f -> f.toFile().length()))
                    .hasSize(StableWriterMain.SMALL_WAL_SEGMENTS).containsOnly(StableWriterMain.SMALL_WAL_SEGMENT);
        }
        verify(acks);
    }

    /** A halt at each step of a checkpoint: before LMDB commits, after it, and before the WAL space is freed. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {Ost.FAULT_CHECKPOINT_BEFORE_COMMIT, Ost.FAULT_CHECKPOINT_AFTER_COMMIT,
            Ost.FAULT_CHECKPOINT_BEFORE_FREE})
    void everyAckedStableWriteSurvivesAHaltInsideACheckpoint(String point) throws Exception {
        List<Ack> acks = runAndKill(List.of("-Dnacre.faults=" + point + "=halt:2"), -1, "small-wal");
        assertThat(acks).hasSizeGreaterThanOrEqualTo(30);
        verify(acks);
    }

    /**
     * Streams of whole chunks, so that checkpoints adopt segments as data files: a halt at each step of an
     * adoption (after the link, before and after the LMDB commit, before the segment gets its fresh file,
     * before it is freed) loses no acknowledged write, and the next open leaves no data file that LMDB
     * does not reference and no segment that shares its inode with a data file.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {Ost.FAULT_CHECKPOINT_AFTER_LINK, Ost.FAULT_CHECKPOINT_BEFORE_COMMIT,
            Ost.FAULT_CHECKPOINT_AFTER_COMMIT, Ost.FAULT_CHECKPOINT_BEFORE_REPLACE, Ost.FAULT_CHECKPOINT_BEFORE_FREE})
    void everyAckedStreamWriteSurvivesAHaltInsideAnAdoption(String point) throws Exception {
        List<Ack> acks = run(List.of("-Dnacre.faults=" + point + "=halt:3"), -1, "small-wal", "3", "stream")
                .stream().filter(l -> l.startsWith("ACK ")).map(OstCrashTest::parse).toList();
        assertThat(acks).hasSizeGreaterThanOrEqualTo(30);
        Path dir = tmp.resolve("ost");
        boolean linked;
        try (var files = Files.list(dir)) {
            linked = files.anyMatch(f -> f.getFileName().toString().startsWith(DataFiles.PREFIX));
        }
        assertThat(linked).as("data files at the halt").isTrue();
        verify(acks, StableWriterMain.STREAM_RECORD, ost -> {
            try {
                assertDataFilesReferencedAndSegmentsOneName(dir, ost);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * Streams whose objects are destroyed once written, so that their data files die and become WAL segment files
     * (recycled) while writers go on: a halt before the rename, between the rename and the directory flush, or a
     * SIGKILL at any moment loses no acknowledged write, and no destroyed object comes back from the stale records of
     * a recycled file; the next open leaves no data file LMDB does not reference and no segment with a second name.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {Wal.FAULT_RECYCLE_BEFORE_RENAME, Wal.FAULT_RECYCLE_BEFORE_FLUSH, "kill"})
    void everyAckedWriteAndDestroySurvivesACrashWhileDeadDataFilesBecomeSegments(String point) throws Exception {
        List<String> lines = point.equals("kill")
                ? run(List.of(), 600, "small-wal", "3", "recycle")
                : run(List.of("-Dnacre.faults=" + point + "=halt:3"), -1, "small-wal", "3", "recycle");
        Set<Long> gone = new HashSet<>();
        Map<Long, Long> acked = new HashMap<>(); // object -> highest record acknowledged
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f[0].equals("GONE")) {
                gone.add(Long.parseLong(f[1]));
            } else if (f[0].equals("ACK")) {
                acked.merge(Long.parseLong(f[1]), Long.parseLong(f[2]), Math::max);
            }
        }
        assertThat(gone).as("objects destroyed before the crash").isNotEmpty();
        Path dir = tmp.resolve("ost");
        int size = StableWriterMain.STREAM_RECORD;
        try (Ost ost = Ost.open(dir, 0, OstOptions.builder().walPrepare(false).build())) {
            for (Map.Entry<Long, Long> e : acked.entrySet()) {
                long object = e.getKey();
                if (gone.contains(object)) {
                    assertThat(ost.stat(object).size()).as("destroyed object %d", object).isZero();
                    continue;
                }
                if (ost.stat(object).size() == 0) {
                    // Only its destroy may have been in flight: after its last record.
                    assertThat(e.getValue()).as("object %d absent", object)
                            .isEqualTo(StableWriterMain.RECYCLE_RECORDS - 1);
                    continue;
                }
                for (long i = 0; i <= e.getValue(); i++) {
                    ByteBuffer dst = ByteBuffer.allocate(size);
                    assertThat(ost.read(object, i * size, dst)).as("bytes of object %d record %d", object, i)
                            .isEqualTo(size);
                    assertThat(dst.array()).as("object %d record %d", object, i)
                            .isEqualTo(StableWriterMain.record(object, i, size));
                }
            }
            assertDataFilesReferencedAndSegmentsOneName(dir, ost);
        }
        OstAudit.Report report = OstAudit.check(dir, 1L << 32);
        assertThat(report.problems()).as("audit (%s)", report).isEmpty();
    }

    /**
     * Data files left mostly dead (two objects of three destroyed), compacted by the idle OST one by one, a record per
     * transaction: a halt inside an idle compaction's first or second LMDB transaction, or after its commit, loses
     * nothing. Every
     * acknowledged record of the object kept reads back, the destroyed ones stay gone, the data files on disk are
     * those LMDB references (the next open deletes a file compacted but not let go), and the reopened OST, idle,
     * compacts what is left and gives its dead bytes back.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {Ost.FAULT_COMPACT_BEFORE_COMMIT + "=halt:3", Ost.FAULT_COMPACT_AFTER_COMMIT + "=halt:3",
            Ost.FAULT_COMPACT_BEFORE_COMMIT + "=halt:4"})
    void nothingIsLostByAHaltInsideAnIdleCompaction(String fault) throws Exception {
        // Hits 1 and 2 are the checkpoint's compactions (after the destroys, one transaction each); the third is the
        // idle OST's first transaction, of one 128 KiB record (one of the writer's), the fourth its second: the file
        // half compacted at the halt.
        List<String> lines = run(List.of("-Dnacre.faults=" + fault, "-Dnacre.ost.compact.idle.txn.bytes="
                + StableWriterMain.STREAM_RECORD), -1, "small-wal", "1", "compact");
        assertThat(lines).as("the writer went idle before the halt").contains("IDLE 0");
        Path dir = tmp.resolve("ost");
        Set<String> atHalt;
        try (var files = Files.list(dir)) {
            atHalt = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(DataFiles.PREFIX))
                    .collect(java.util.stream.Collectors.toSet());
        }
        assertThat(atHalt).as("mostly dead data files left to compact at the halt").hasSizeGreaterThanOrEqualTo(2);
        List<Ack> acks = lines.stream().filter(l -> l.startsWith("ACK ")).map(OstCrashTest::parse).toList();
        assertThat(acks).hasSize(3 * StableWriterMain.COMPACT_RECORDS);
        int size = StableWriterMain.STREAM_RECORD;
        try (Ost ost = Ost.open(dir, 0, OstOptions.builder().walPrepare(false).build())) {
            assertDataFilesReferencedAndSegmentsOneName(dir, ost);
            for (int pass = 0; pass < 2; pass++) {
                for (Ack a : acks) {
                    if (a.object() != 3) {
                        assertThat(ost.stat(a.object()).size()).as("destroyed object %d", a.object()).isZero();
                        continue;
                    }
                    ByteBuffer dst = ByteBuffer.allocate(size);
                    assertThat(ost.read(a.object(), a.index() * size, dst)).as("bytes of acked record %s", a)
                            .isEqualTo(size);
                    assertThat(dst.array()).as("acked record %s", a)
                            .isEqualTo(StableWriterMain.record(a.object(), a.index(), size));
                }
                if (pass == 0) {
                    // The reopened OST, idle, compacts the files left.
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while ((ost.usage().bytesFreeing() > 0 || ost.dataFileNames().stream().anyMatch(atHalt::contains))
                            && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertThat(ost.dataFileNames()).as("compacted once reopened").doesNotContainAnyElementsOf(atHalt);
                    assertThat(ost.usage().bytesFreeing()).isZero();
                }
            }
        }
        OstAudit.Report report = OstAudit.check(dir, 1L << 32);
        assertThat(report.problems()).as("audit (%s)", report).isEmpty();
    }

    /** The data files on disk are those LMDB references, and no WAL segment shares its inode with another name. */
    private static void assertDataFilesReferencedAndSegmentsOneName(Path dir, Ost ost) throws IOException {
        try (var files = Files.list(dir)) {
            List<Path> all = files.toList();
            assertThat(all.stream().filter(f -> f.getFileName().toString().startsWith(DataFiles.PREFIX)))
                    .as("data files on disk are the ones LMDB references").hasSize(ost.dataFileCount());
            for (Path f : all) {
                if (f.getFileName().toString().startsWith("wal-")) {
                    assertThat(((Number) Files.getAttribute(f, "unix:nlink")).intValue()).as("links of %s", f)
                            .isEqualTo(1);
                }
            }
        }
    }

    @Test
    void everyAckedStableWriteSurvivesAHaltBetweenAppendAndFsync() throws Exception {
        // The records of the group are in the WAL file but not flushed: none of them was acknowledged.
        List<Ack> acks = runAndKill(List.of("-Dnacre.faults=ost.write.before_commit=halt:60"), -1, "small-wal");
        assertThat(acks).hasSizeGreaterThanOrEqualTo(30);
        verify(acks);
    }

    /**
     * Four threads overwrite slots of one object (two slots per chunk), so groups on different WAL streams
     * carry images of the same chunk: after kill -9 every slot holds its last acknowledged version, or the
     * one that was in flight.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"default-wal", "small-wal"})
    void overlappingOverwritesFromConcurrentStreamsComeBackAsTheLastAcknowledged(String wal) throws Exception {
        List<String> lines = run(List.of(), 200, wal, "4", "shared");
        long[] last = highest(lines, "SET", StableWriterMain.SLOTS, 0);
        try (Ost ost = Ost.open(tmp.resolve("ost"), 0, OstOptions.defaults())) {
            for (int slot = 0; slot < last.length; slot++) {
                ByteBuffer dst = ByteBuffer.allocate(StableWriterMain.SLOT_BYTES);
                ost.read(StableWriterMain.SHARED_OBJECT, (long) slot * StableWriterMain.SLOT, dst);
                byte[] got = dst.array();
                long v = last[slot];
                boolean acked = v == 0 ? java.util.Arrays.equals(got, new byte[got.length])
                        : java.util.Arrays.equals(got, StableWriterMain.slotRecord(slot, v));
                boolean inFlight = java.util.Arrays.equals(got, StableWriterMain.slotRecord(slot, v + 1));
                assertThat(acked || inFlight).as("slot %d holds version %d or %d", slot, v, v + 1).isTrue();
            }
        }
    }

    /**
     * Three threads each write and truncate their own object (truncates are WAL records): after kill -9
     * every object holds what its acknowledged steps made of it, or that plus the step in flight. A write in
     * flight may come back in part: its group's records are recovered one by one up to the first torn one
     * (ost-store/README.md), so a record that spans two chunks may have only its first chunk's image on disk
     * when the process dies; each chunk then holds either the acknowledged bytes or the in-flight step's,
     * never anything else (an unacknowledged write is not atomic, as in a local file system). Each image's
     * record carries the object's size after it, so a write in flight that extends the object may also end
     * it at the end of one of its chunks, between the two sizes.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"default-wal", "small-wal"})
    void everyAckedWriteAndTruncateSurvivesKillDashNine(String wal) throws Exception {
        int threads = 3;
        List<String> lines = run(List.of(), 150, wal, String.valueOf(threads), "truncate");
        long[] last = highest(lines, "OP", threads, -1);
        try (Ost ost = Ost.open(tmp.resolve("ost"), 0, OstOptions.defaults())) {
            for (int t = 0; t < threads; t++) {
                java.util.Random r = new java.util.Random(t);
                byte[] model = new byte[0];
                for (int i = 0; i <= last[t]; i++) {
                    model = StableWriterMain.step(null, t + 1, r, i, model);
                }
                byte[] next = StableWriterMain.step(null, t + 1, r, (int) last[t] + 1, model);
                ByteBuffer dst = ByteBuffer.allocate(8 * StableWriterMain.RECORD);
                int n = ost.read(t + 1, 0, dst);
                byte[] got = java.util.Arrays.copyOf(dst.array(), n);
                boolean extendingWriteInPart = n > model.length && n < next.length && n % CHUNK == 0;
                assertThat(n == model.length || n == next.length || extendingWriteInPart)
                        .as("object %d after step %d: %d bytes, expected %d or %d (or a chunk's end between)", t + 1,
                                last[t], n, model.length, next.length)
                        .isTrue();
                for (int c = 0; c * CHUNK < n; c++) {
                    byte[] gotChunk = chunk(got, c, n);
                    assertThat(java.util.Arrays.equals(gotChunk, chunk(model, c, n))
                            || java.util.Arrays.equals(gotChunk, chunk(next, c, n)))
                            .as("object %d after step %d, chunk %d: the acknowledged bytes or the step in flight's",
                                    t + 1, last[t], c)
                            .isTrue();
                }
            }
        }
    }

    /** The OSTs' chunk size in StableWriterMain. */
    private static final int CHUNK = 65536;

    /** Chunk {@code c} of the first {@code length} bytes of an object whose bytes are {@code b} (zeros past its end). */
    private static byte[] chunk(byte[] b, int c, int length) {
        int from = c * CHUNK;
        int to = Math.min(length, from + CHUNK);
        byte[] out = new byte[to - from];
        if (from < b.length) {
            System.arraycopy(b, from, out, 0, Math.min(b.length, to) - from);
        }
        return out;
    }

    /** For lines "WORD key value": the highest value printed for each key below {@code keys} ({@code none} if none). */
    private static long[] highest(List<String> lines, String word, int keys, long none) {
        long[] last = new long[keys];
        java.util.Arrays.fill(last, none);
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f[0].equals(word)) {
                int k = Integer.parseInt(f[1]);
                last[k] = Math.max(last[k], Long.parseLong(f[2]));
            }
        }
        return last;
    }

    private List<Ack> runAndKill(List<String> jvmArgs, int killAfter) throws Exception {
        return runAndKill(jvmArgs, killAfter, "default-wal");
    }

    private List<Ack> runAndKill(List<String> jvmArgs, int killAfter, String walSize) throws Exception {
        return run(jvmArgs, killAfter, walSize, "3").stream().filter(l -> l.startsWith("ACK ")).map(OstCrashTest::parse)
                .toList();
    }

    /**
     * Runs the writer until {@code killAfter} acks (then SIGKILL) or until it exits by itself (-1); returns
     * the lines it printed.
     */
    private List<String> run(List<String> jvmArgs, int killAfter, String walSize, String... writerArgs)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens",
                "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "-Xmx256m"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StableWriterMain.class.getName(),
                tmp.resolve("ost").toString(), writerArgs[0], walSize));
        cmd.addAll(List.of(writerArgs).subList(1, writerArgs.length));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        // The last line is "EOF", or "EOF <exception>" when the output could not be read to its end.
        Thread reader = Thread.ofVirtual().start(() -> {
            String end = "EOF";
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                end = "EOF " + e;
            }
            lines.add(end);
        });
        List<String> acks = new ArrayList<>();
        String end = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (killAfter < 0 || acks.size() < killAfter) {
                String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError("writer made no progress within 60 s; " + acks.size() + " acks");
                }
                if (line.startsWith("EOF")) {
                    end = line;
                    break;
                }
                if (isStep(line)) {
                    acks.add(line);
                }
            }
        } finally {
            // SIGKILL through the handle: Process.destroyForcibly() also closes our end of the child's stdout,
            // dropping the lines still in the pipe, and a step acknowledged there then looked like one the OST
            // made up (the truncate test once found an object two steps past its "last acknowledged" one).
            p.toHandle().destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the writer is dead").isTrue();
        }
        // Acks printed before the kill count too: the child saw those writes return. The child is dead, so
        // the reader comes to the end of the pipe.
        reader.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(reader.isAlive()).as("the writer's output read to its end within 60 s").isFalse();
        for (String line : lines) {
            if (isStep(line)) {
                acks.add(line);
            } else if (line.startsWith("EOF")) {
                end = line;
            }
        }
        assertThat(end).as("how the writer's output ended (every acknowledged step read)").isEqualTo("EOF");
        return acks;
    }

    /** A line the writer prints for a step it took: "ACK", "SET", "OP", "GONE" or "IDLE", then numbers. */
    private static boolean isStep(String line) {
        return line.startsWith("ACK ") || line.startsWith("SET ") || line.startsWith("OP ") || line.startsWith("GONE ")
                || line.startsWith("IDLE ");
    }

    private static Ack parse(String line) {
        String[] f = line.split(" ");
        if (f.length != 3 || !f[0].equals("ACK")) {
            throw new AssertionError("unexpected output from writer: " + line);
        }
        return new Ack(Long.parseLong(f[1]), Long.parseLong(f[2]));
    }

    private void verify(List<Ack> acks) {
        verify(acks, StableWriterMain.RECORD, ost -> { });
    }

    private void verify(List<Ack> acks, int size, java.util.function.Consumer<Ost> alsoCheck) {
        assertThat(acks).isNotEmpty();
        try (Ost ost = Ost.open(tmp.resolve("ost"), 0, OstOptions.builder().walPrepare(false).build())) {
            for (Ack a : acks) {
                ByteBuffer dst = ByteBuffer.allocate(size);
                int n = ost.read(a.object(), a.index() * size, dst);
                assertThat(n).as("bytes of acked record %s", a).isEqualTo(size);
                assertThat(dst.array()).as("acked record %s", a)
                        .isEqualTo(StableWriterMain.record(a.object(), a.index(), size));
            }
            alsoCheck.accept(ost);
        }
    }
}
