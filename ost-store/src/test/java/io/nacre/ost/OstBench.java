package io.nacre.ost;

import com.sun.management.OperatingSystemMXBean;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import io.nacre.ost.oss.OssServer;
import io.nacre.ost.oss.RemoteObjectStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * OST bandwidth next to FileChannel+fsync on the same disk, as a table with ratios. Durable (STABLE)
 * writes and reads for 1 MiB and 64 KiB requests, one writer and four, on a fresh OST and into reused
 * space, each with the WAL (the default) and without it (LMDB's synchronous commit per group); one row
 * times WAL writes until they are also checkpointed into LMDB. Run with
 * {@code ./mvnw -B -Pbench -pl ost-store -am verify -Dtest=OstBench -Dsurefire.failIfNoSpecifiedTests=false}
 * or through {@link #main}. {@code -Dnacre.bench.mib=N} sets the bytes per run,
 * {@code -Dnacre.bench.sizes=1048576,65536} the request sizes, {@code -Dnacre.bench.oss=false} skips the
 * OSS rows, {@code -Dnacre.bench.reads=false} the read rows, {@code -Dnacre.bench.lmdb=false} the LMDB-only
 * rows, {@code -Dnacre.bench.only=REGEX} only the cases whose name matches, {@code -Dnacre.bench.streams=4,1} runs the WAL rows for each WAL stream count,
 * {@code -Dnacre.bench.direct=true} writes from direct buffers instead of heap arrays (both sides),
 * {@code -Dnacre.bench.warmup=N} sets the untimed pairs before each row's timed ones (1),
 * {@code -Dnacre.bench.verbose=true} prints every run's figures before the row, each row notes the
 * process CPU time of its runs, {@code -Dnacre.bench.explore=true} adds every LMDB mode and chunk size (how the defaults of
 * the LMDB-only mode were chosen).
 */
@Tag("bench")
class OstBench {

    private static final int MIB = 1 << 20;

    private static final byte[] SECRET = "bench cluster secret".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final Path root = Path.of(System.getProperty("nacre.bench.dir", "target/bench"));
    private final long total = Long.getLong("nacre.bench.mib", 256) * MIB;
    private final int repeats = Integer.getInteger("nacre.bench.repeats", 3);
    /**
     * Untimed pairs run before each row's timed ones, so that a row's first timed OST run does not carry
     * the JIT's compiles of the OST's path (FileChannel's is a thin JDK path, warm from the first row).
     */
    private final int warmups = Integer.getInteger("nacre.bench.warmup", 1);
    private final List<Double> groupSizes = new ArrayList<>();
    /** What the OST side of a case wants printed with its row (every run's). */
    private final List<String> notes = new ArrayList<>();
    /** Only the cases whose name matches this regular expression. */
    private final String only = System.getProperty("nacre.bench.only", ".*");
    /** Source buffers of the writes, OST and FileChannel alike: heap arrays (the default) or direct buffers. */
    private static final boolean DIRECT = Boolean.getBoolean("nacre.bench.direct");
    /** Every run's figures too, not only the medians. */
    private static final boolean VERBOSE = Boolean.getBoolean("nacre.bench.verbose");
    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** CPU time of the whole process (every thread) during the last {@link #timed} run. */
    private long lastCpuNanos;
    /** CPU time of the last {@link #timed} run's workers (the callers), in all and in user mode. */
    private final AtomicLong workerCpuNanos = new AtomicLong();
    private final AtomicLong workerUserNanos = new AtomicLong();

    public static void main(String[] args) throws Exception {
        new OstBench().run();
    }

    @Test
    void bench() throws Exception {
        run();
    }

    void run() throws Exception {
        Files.createDirectories(root);
        System.out.printf("OST bench: %d MiB per run; OST and FileChannel runs alternate, median of %d after %d"
                + " untimed pair(s) per row, under %s%n", total / MIB, repeats, warmups, root.toAbsolutePath());
        System.out.printf("%-50s %10s %10s %8s%n", "case", "OST MB/s", "FC MB/s", "OST/FC");
        OstOptions wal = OstOptions.builder().walPrepare(true).build();
        // Labelled configurations: the default WAL, the WAL with other stream counts, LMDB's own commit.
        java.util.Map<String, OstOptions> configs = new java.util.LinkedHashMap<>();
        for (String n : System.getProperty("nacre.bench.streams", String.valueOf(OstOptions.DEFAULT_WAL_STREAMS))
                .split(",")) {
            int streams = Integer.parseInt(n.trim());
            configs.put(streams == OstOptions.DEFAULT_WAL_STREAMS ? " [WAL]" : " [WAL, %d stream%s]"
                    .formatted(streams, streams == 1 ? "" : "s"),
                    OstOptions.builder().walStreams(streams).walPrepare(true).build());
        }
        if (Boolean.parseBoolean(System.getProperty("nacre.bench.lmdb", "true"))) {
            configs.put(" [LMDB]", OstOptions.builder().wal(false).build());
        }
        boolean oss = Boolean.parseBoolean(System.getProperty("nacre.bench.oss", "true"));
        boolean reads = Boolean.parseBoolean(System.getProperty("nacre.bench.reads", "true"));
        int[] sizes = Arrays.stream(System.getProperty("nacre.bench.sizes", MIB + "," + 64 * 1024).split(","))
                .mapToInt(Integer::parseInt).toArray();
        for (int size : sizes) {
            for (java.util.Map.Entry<String, OstOptions> c : configs.entrySet()) {
                String m = c.getKey();
                OstOptions o = c.getValue();
                pair("stable write " + human(size) + ", 1 writer" + m, () -> ostWrite(o, size, 1, false),
                        () -> fcWrite(size, 1));
                pair("stable write " + human(size) + ", 1 writer, prepared" + m, () -> ostWritePrepared(o, size, 1),
                        () -> fcWrite(size, 1));
                // The prepared WAL overwrites allocated space: FileChannel overwriting a file is the like baseline.
                pair("stable write " + human(size) + ", 1 writer, prepared, FC overwrites" + m,
                        () -> ostWritePrepared(o, size, 1), () -> fcRewrite(size, 1));
                pair("stable write " + human(size) + ", 1 writer, reused space" + m, () -> ostRewrite(o, size, 1),
                        () -> fcRewrite(size, 1));
                pair("stable write " + human(size) + ", 4 writers" + m, () -> ostWrite(o, size, 4, false),
                        () -> fcWrite(size, 4));
                pair("stable write " + human(size) + ", 4 writers, prepared" + m, () -> ostWritePrepared(o, size, 4),
                        () -> fcWrite(size, 4));
                // The prepared WAL overwrites allocated space: FileChannel overwriting a file is the like baseline.
                pair("stable write " + human(size) + ", 4 writers, prepared, FC overwrites" + m,
                        () -> ostWritePrepared(o, size, 4), () -> fcRewrite(size, 4));
                pair("stable write " + human(size) + ", 4 writers, reused space" + m, () -> ostRewrite(o, size, 4),
                        () -> fcRewrite(size, 4));
                if (reads) {
                    pair("read " + human(size) + ", 1 reader" + m, () -> ostRead(o, size), () -> fcRead(size));
                }
            }
            // The WAL's cost in full: the time until every byte is also checkpointed into LMDB (at close).
            pair("stable write " + human(size) + ", 1 writer, until in LMDB [WAL]", () -> ostWrite(wal, size, 1, true),
                    () -> fcWrite(size, 1));
            if (oss) {
                pair("stable write " + human(size) + ", 1 writer, through the OSS", () -> ossWrite(size),
                        () -> fcWrite(size, 1));
                pair("read " + human(size) + ", 1 reader, through the OSS", () -> ossRead(size), () -> fcRead(size));
            }
        }
        if (Boolean.getBoolean("nacre.bench.explore")) {
            System.out.printf("%nLMDB modes and chunk sizes (stable writes, 1 writer, then 4):%n");
            for (String m : System.getProperty("nacre.bench.modes", modeNames()).split(",")) {
                OstOptions.LmdbMode mode = OstOptions.LmdbMode.valueOf(m);
                for (int chunk : chunkSizes()) {
                    OstOptions o = OstOptions.builder().wal(false).mode(mode).chunkSize(chunk).build();
                    for (int size : new int[] {MIB, 64 * 1024}) {
                        for (int writers : new int[] {1, 4}) {
                            pair("%s chunk %s, %s x%d".formatted(mode, human(chunk), human(size), writers),
                                    () -> ostWrite(o, size, writers, false), () -> fcWrite(size, writers));
                        }
                    }
                }
            }
        }
    }

    private static String modeNames() {
        return String.join(",", Arrays.stream(OstOptions.LmdbMode.values()).map(Enum::name).toList());
    }

    private static int[] chunkSizes() {
        return Arrays.stream(System.getProperty("nacre.bench.chunks", "65536,262144,1048576").split(","))
                .mapToInt(Integer::parseInt).toArray();
    }

    private interface Run {
        double mbPerSecond() throws Exception;
    }

    /** Alternates the two runs (the disk is shared, its speed drifts) and prints the medians and the median ratio. */
    private void pair(String name, Run ost, Run fc) throws Exception {
        if (!name.matches(only)) {
            return;
        }
        for (int i = 0; i < warmups; i++) {
            ost.mbPerSecond();
            fc.mbPerSecond();
        }
        groupSizes.clear();
        notes.clear();
        double[] o = new double[repeats];
        double[] f = new double[repeats];
        double[] r = new double[repeats];
        double[][] cpu = new double[6][repeats];
        for (int i = 0; i < repeats; i++) {
            o[i] = ost.mbPerSecond();
            cpu[0][i] = lastCpuNanos / 1e6;
            cpu[1][i] = workerCpuNanos.get() / 1e6;
            cpu[2][i] = workerUserNanos.get() / 1e6;
            f[i] = fc.mbPerSecond();
            cpu[3][i] = lastCpuNanos / 1e6;
            cpu[4][i] = workerCpuNanos.get() / 1e6;
            cpu[5][i] = workerUserNanos.get() / 1e6;
            r[i] = o[i] / f[i];
            if (VERBOSE) {
                System.out.printf("  run %d: OST %.1f MB/s (writers %.0f ms CPU), FC %.1f MB/s (writers %.0f ms CPU), %.2f%n",
                        i + 1, o[i], cpu[1][i], f[i], cpu[4][i], r[i]);
            }
        }
        notes.add("CPU ms, medians: process OST %.0f FC %.0f; writers OST %.0f (user %.0f) FC %.0f (user %.0f)"
                .formatted(median(cpu[0]), median(cpu[3]), median(cpu[1]), median(cpu[2]), median(cpu[4]),
                        median(cpu[5])));
        String groups = groupSizes.isEmpty() ? ""
                : "  (%.1f writes per commit)".formatted(groupSizes.stream().mapToDouble(d -> d).average().orElse(0));
        String note = notes.isEmpty() ? "" : "  (" + String.join("; ", notes) + ")";
        System.out.printf("%-50s %10.1f %10.1f %8.2f%s%s%n", name, median(o), median(f), median(r), groups, note);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String human(int bytes) {
        return bytes >= MIB ? (bytes / MIB) + " MiB" : (bytes / 1024) + " KiB";
    }

    private static ByteBuffer data(int size) {
        byte[] b = new byte[size];
        ThreadLocalRandom.current().nextBytes(b);
        return DIRECT ? ByteBuffer.allocateDirect(size).put(b).clear() : ByteBuffer.wrap(b);
    }

    /** Stable writes into a fresh OST; with {@code untilClosed} the time includes close (the last checkpoint). */
    private double ostWrite(OstOptions options, int size, int writers, boolean untilClosed) throws Exception {
        Path dir = fresh("ost");
        Ost ost = Ost.open(dir, 0, options);
        try {
            long start = System.nanoTime();
            double mbs = timed(writers, w -> stableWrites(ost, w + 1, size, total / writers));
            groupSizes.add(ost.changesPerCommit());
            if (options.wal()) {
                notes.add("writers wrote %d MiB into unprepared WAL".formatted(ost.walWrittenUnprepared() / MIB));
            }
            if (untilClosed) {
                ost.close();
                mbs = total / 1e6 / ((System.nanoTime() - start) / 1e9);
            }
            return mbs;
        } finally {
            ost.close();
            delete(dir);
        }
    }

    /**
     * Stable writes into a fresh OST once its WAL segments are prepared (as an OST created a few seconds
     * before its first writes); the preparation's own time is printed with the row.
     */
    private double ostWritePrepared(OstOptions options, int size, int writers) throws Exception {
        Path dir = fresh("ost");
        Ost ost = Ost.open(dir, 0, options);
        try {
            long start = System.nanoTime();
            ost.walPrepared().get(10, java.util.concurrent.TimeUnit.MINUTES);
            notes.add("WAL prepared in %.1f s".formatted((System.nanoTime() - start) / 1e9));
            double mbs = timed(writers, w -> stableWrites(ost, w + 1, size, total / writers));
            groupSizes.add(ost.changesPerCommit());
            return mbs;
        } finally {
            ost.close();
            delete(dir);
        }
    }

    private static void stableWrites(Ost ost, long id, int size, long bytes) {
        ByteBuffer buf = data(size);
        for (long off = 0; off < bytes; off += size) {
            ost.write(id, off, buf.clear(), Durability.STABLE);
        }
    }

    private static void fill(Ost ost, long id, long bytes) {
        ByteBuffer buf = data(4 * MIB);
        for (long off = 0; off < bytes; off += buf.capacity()) {
            ost.write(id, off, buf.clear(), Durability.UNSTABLE);
        }
        ost.sync();
    }

    /** Writes into space freed by a destroyed object, as an OST in service does (no file growth, WAL written before). */
    private double ostRewrite(OstOptions options, int size, int writers) throws Exception {
        Path dir = fresh("ost");
        try (Ost ost = Ost.open(dir, 0, options)) {
            // Past the WAL's size too, so that its segments are all written once already.
            fill(ost, 100, Math.max(total, 512L * MIB) + 8L * MIB);
            ost.destroy(100);
            ost.checkpointNow(); // no checkpoint of the fill runs during the timed writes
            // The fill's segments became data files and got fresh files: the destroy's dead data files take their
            // place, and the preparation writes zeros where they do not, as far as it would in service between
            // streams.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
            while (!ost.walPreparationSettled() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            ost.resetCommitCounters();
            long unprepared = ost.walWrittenUnprepared();
            double mbs = timed(writers, w -> stableWrites(ost, w + 1, size, total / writers));
            groupSizes.add(ost.changesPerCommit());
            notes.add("writers wrote %d MiB into unprepared WAL".formatted((ost.walWrittenUnprepared() - unprepared) / MIB));
            return mbs;
        } finally {
            delete(dir);
        }
    }

    private double ostRead(OstOptions options, int size) throws Exception {
        Path dir = fresh("ost");
        try (Ost ost = Ost.open(dir, 0, options)) {
            fill(ost, 1, total);
            return timed(1, w -> {
                ByteBuffer dst = ByteBuffer.allocateDirect(size);
                for (long off = 0; off < total; off += size) {
                    ost.read(1, off, dst.clear());
                }
            });
        } finally {
            delete(dir);
        }
    }

    private interface RemoteRun {
        double run(LocalObjectStore local, RemoteObjectStore remote) throws Exception;
    }

    /** The same over HTTP/2 on 127.0.0.1: RemoteObjectStore -> OssServer -> LocalObjectStore -> Ost. */
    private double throughOss(RemoteRun run) throws Exception {
        Path dir = fresh("oss");
        try (LocalObjectStore local = new LocalObjectStore(List.of(Ost.open(dir, 0, OstOptions.defaults())));
             OssServer oss = OssServer.builder(local).secret(SECRET).build().start();
             RemoteObjectStore remote = RemoteObjectStore.builder(oss.uri()).secret(SECRET).build()) {
            return run.run(local, remote);
        } finally {
            delete(dir);
        }
    }

    private double ossWrite(int size) throws Exception {
        return throughOss((local, remote) -> timed(1, w -> {
            ByteBuffer buf = data(size);
            for (long off = 0; off < total; off += size) {
                remote.write(new ObjectRef(0, 1), off, buf.clear(), Durability.STABLE);
            }
        }));
    }

    private double ossRead(int size) throws Exception {
        return throughOss((local, remote) -> {
            fill(local.ost(0), 1, total);
            return timed(1, w -> {
                ByteBuffer dst = ByteBuffer.allocate(size);
                for (long off = 0; off < total; off += size) {
                    remote.read(new ObjectRef(0, 1), off, dst.clear());
                }
            });
        });
    }

    private double fcWrite(int size, int writers) throws Exception {
        Path dir = fresh("fc");
        try {
            return fcWrites(dir, size, writers, StandardOpenOption.CREATE_NEW);
        } finally {
            delete(dir);
        }
    }

    /** The baseline for reused space: overwriting files written (and flushed) before, so no file growth either. */
    private double fcRewrite(int size, int writers) throws Exception {
        Path dir = fresh("fc");
        try {
            for (int w = 0; w < writers; w++) {
                try (FileChannel ch = FileChannel.open(dir.resolve("f" + w), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    ByteBuffer buf = data(4 * MIB);
                    for (long off = 0; off < total / writers; off += buf.capacity()) {
                        buf.clear();
                        while (buf.hasRemaining()) {
                            ch.write(buf);
                        }
                    }
                    ch.force(true);
                }
            }
            return fcWrites(dir, size, writers, StandardOpenOption.WRITE);
        } finally {
            delete(dir);
        }
    }

    private double fcWrites(Path dir, int size, int writers, StandardOpenOption open) throws Exception {
        return timed(writers, w -> {
            ByteBuffer buf = data(size);
            long per = total / writers;
            try (FileChannel ch = FileChannel.open(dir.resolve("f" + w), open, StandardOpenOption.WRITE)) {
                for (long off = 0; off < per; off += size) {
                    buf.clear();
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    ch.force(true);
                }
            }
        });
    }

    private double fcRead(int size) throws Exception {
        Path dir = fresh("fc");
        try {
            Path f = dir.resolve("f");
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = data(4 * MIB);
                for (long off = 0; off < total; off += buf.capacity()) {
                    buf.clear();
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
                ch.force(true);
            }
            return timed(1, w -> {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    ByteBuffer dst = ByteBuffer.allocateDirect(size);
                    for (long off = 0; off < total; off += size) {
                        dst.clear();
                        while (dst.hasRemaining() && ch.read(dst, off + dst.position()) > 0) {
                            // keep reading until the buffer is full
                        }
                    }
                }
            });
        } finally {
            delete(dir);
        }
    }

    private interface Worker {
        void run(int writer) throws Exception;
    }

    /** Runs the workers on their own threads and returns MB/s for {@link #total} bytes. */
    private double timed(int workers, Worker worker) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        long cpu = OS.getProcessCpuTime();
        workerCpuNanos.set(0);
        workerUserNanos.set(0);
        long start = System.nanoTime();
        for (int i = 0; i < workers; i++) {
            int w = i;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    worker.run(w);
                    workerCpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime());
                    workerUserNanos.addAndGet(THREADS.getCurrentThreadUserTime());
                } catch (Throwable t) {
                    synchronized (errors) {
                        errors.add(t);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        lastCpuNanos = OS.getProcessCpuTime() - cpu;
        if (!errors.isEmpty()) {
            throw new AssertionError("bench worker failed", errors.get(0));
        }
        return total / 1e6 / seconds;
    }

    private Path fresh(String prefix) throws IOException {
        return Files.createTempDirectory(root, prefix);
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
