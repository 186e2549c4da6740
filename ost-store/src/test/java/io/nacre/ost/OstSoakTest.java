package io.nacre.ost;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.store.ListedObject;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A randomized, seeded soak of one OST with a small WAL, so that checkpoints, adoption, compaction and segment
 * reuse happen all the time, checked against a model of every object (ost-store/README.md, "Tests and bench").
 *
 * <p>Writer threads, each on its own objects ({@link SoakPlan.Gen}): streams longer than the WAL, passes that
 * overwrite parts of what streams left in data files, small unaligned writes, truncates that shrink and grow,
 * destroys, UNSTABLE writes and syncs. Meanwhile readers read random ranges and check them byte for byte against
 * the model, except the bytes an operation of that object may have changed while the read ran (each object has
 * one writer, and the model notes the range of every operation as it starts); another thread forces checkpoints
 * at random moments, and checkpoints take several LMDB transactions (a random {@code nacre.ost.checkpoint.txn.bytes}
 * at each open, also the idle compactions' {@code nacre.ost.compact.idle.txn.bytes}, so that they stop between
 * transactions when the writers come back). Between phases everything is read back, with each object's size and bytes used and the listing;
 * then the OST goes on, or is closed and reopened, or a child JVM ({@link SoakWriterMain}) goes on with the same
 * objects writing STABLE and is killed with SIGKILL, after which every acknowledged operation must read back
 * (the one in flight per thread may have happened, per chunk). After each close, {@link OstAudit} checks the
 * directory against LMDB: data files on disk against the {@code datafiles} records and the pointers into them,
 * objects' bytes used against their chunks. At the end, checkpoints run until compaction has nothing left to do
 * (every data file at least half live), and once every object is destroyed no data file, chunk or object is left.
 *
 * <p>{@code -Dnacre.soak.seed=N} replays a seed's workload (the operations; thread timing differs),
 * {@code -Dnacre.soak.seconds=N} sets the run's length (default 150), {@code -Dnacre.soak.writers=N} the writer
 * threads (default 3). The seed is printed at the start and named in every failure.
 */
@Tag("heavy")
class OstSoakTest {

    private static final long MAP_SIZE = 4L << 30;
    private static final int OBJECTS_PER_WRITER = 3;
    private static final int READERS = 2;
    /** Operations per object whose ranges a read remembers; a read that spans more checks nothing. */
    private static final int RING = 64;
    private static final String TXN_BYTES = "nacre.ost.checkpoint.txn.bytes";
    /** The idle compaction's transaction size: the same random value, so that idle compactions pause in the middle. */
    private static final String IDLE_TXN_BYTES = "nacre.ost.compact.idle.txn.bytes";

    @TempDir
    Path tmp;

    @Test
    void everyObjectHoldsWhatItsAcknowledgedOperationsMadeOfIt() throws Exception {
        long seed = Long.getLong("nacre.soak.seed", System.nanoTime() ^ System.currentTimeMillis());
        long seconds = Long.getLong("nacre.soak.seconds", 150);
        int writers = Integer.getInteger("nacre.soak.writers", 3);
        System.out.printf("OstSoakTest: seed %d (rerun with -Dnacre.soak.seed=%d), %d s, %d writers%n", seed, seed,
                seconds, writers);
        Soak soak = new Soak(seed, tmp.resolve("ost"), writers, System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
        try {
            soak.run();
        } catch (Throwable t) {
            throw new AssertionError("soak failed, seed " + seed + " (-Dnacre.soak.seed=" + seed + "), after "
                    + soak.counts() + ": " + t.getMessage(), t);
        } finally {
            System.clearProperty(TXN_BYTES);
            System.clearProperty(IDLE_TXN_BYTES);
        }
        System.out.println("OstSoakTest: seed " + seed + " passed: " + soak.counts());
    }

    /** An object's model with what concurrent reads need: the ranges of the operations started on it. */
    private static final class Tracked {
        final SoakPlan.Obj obj;
        long started;
        final long[][] ring = new long[RING][];
        long[] inFlight;

        Tracked(SoakPlan.Obj obj) {
            this.obj = obj;
        }
    }

    private final class Soak {
        private final SplittableRandom r;
        private final Path dir;
        private final int writers;
        private final long deadline;
        private final SoakPlan.Shape shape;
        private final long[][] ids;
        private final Map<Long, Tracked> objects = new LinkedHashMap<>();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Map<String, LongAdder> counts = new ConcurrentSkipListMap<>();
        private Ost ost;

        Soak(long seed, Path dir, int writers, long deadline) {
            this.r = new SplittableRandom(seed);
            this.dir = dir;
            this.writers = writers;
            this.deadline = deadline;
            int chunk = new int[] {4096, 16384, 65536}[r.nextInt(3)];
            long segment = r.nextInt(4) == 0 ? 2L << 20 : 1L << 20;
            int segments = new int[] {6, 8, 12}[r.nextInt(3)];
            long wal = segment * segments;
            this.shape = new SoakPlan.Shape(chunk, segment, segments, Math.min(40L << 20, 5 * wal / 2));
            this.ids = new long[writers][OBJECTS_PER_WRITER];
            for (int t = 0; t < writers; t++) {
                for (int i = 0; i < OBJECTS_PER_WRITER; i++) {
                    ids[t][i] = 1 + t * 100L + i;
                    objects.put(ids[t][i], new Tracked(new SoakPlan.Obj(ids[t][i], chunk)));
                }
            }
            System.out.printf("OstSoakTest: chunk %d B, WAL %d x %d B, objects up to %d B%n", chunk, segments, segment,
                    shape.maxObject());
        }

        void count(String what, long n) {
            counts.computeIfAbsent(what, k -> new LongAdder()).add(n);
        }

        String counts() {
            StringBuilder b = new StringBuilder();
            counts.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append(' ').append(v.sum()));
            return b.toString();
        }

        private long left() {
            return deadline - System.nanoTime();
        }

        private SoakWriterMain.Plan plan() {
            long[] seeds = new long[writers];
            long[][] sizes = new long[writers][OBJECTS_PER_WRITER];
            for (int t = 0; t < writers; t++) {
                seeds[t] = r.nextLong();
                for (int i = 0; i < OBJECTS_PER_WRITER; i++) {
                    sizes[t][i] = objects.get(ids[t][i]).obj.size;
                }
            }
            return new SoakWriterMain.Plan(r.nextLong(), shape, MAP_SIZE, seeds, ids, sizes);
        }

        private void open() {
            open(true);
        }

        /** Opens the OST with a random checkpoint transaction size, its WAL segments prepared or not. */
        private void open(boolean wal) {
            long[] txnBytes = {shape.chunk(), 4L * shape.chunk(), 64 << 10, 1 << 20, 64L << 20};
            String bytes = Long.toString(txnBytes[r.nextInt(txnBytes.length)]);
            System.setProperty(TXN_BYTES, bytes);
            System.setProperty(IDLE_TXN_BYTES, bytes);
            ost = Ost.open(dir, 0, plan().options(wal, r.nextBoolean()));
        }

        private void close() throws IOException {
            ost.close();
            ost = null;
            OstAudit.Report report = OstAudit.check(dir, MAP_SIZE);
            assertThat(report.problems()).as("the closed OST's audit (%s)", report).isEmpty();
            count("audits", 1);
        }

        void run() throws Exception {
            open();
            try {
                long reserve = TimeUnit.SECONDS.toNanos(20);
                while (left() > reserve) {
                    phase(Math.min(left() - reserve, TimeUnit.MILLISECONDS.toNanos(3000 + r.nextInt(12_000))));
                    checkAll("after a phase");
                    switch (r.nextInt(6)) {
                        case 0 -> {
                            close();
                            open();
                            count("reopens", 1);
                            checkAll("after a reopen");
                        }
                        case 1 -> {
                            close();
                            crashRound();
                            count("kills", 1);
                        }
                        case 2 -> {
                            // A phase without the WAL: writes, truncates and destroys go straight into LMDB,
                            // over chunks that point into data files.
                            close();
                            open(false);
                            checkAll("reopened without the WAL");
                            phase(Math.min(Math.max(0, left() - reserve), TimeUnit.MILLISECONDS.toNanos(3000)));
                            checkAll("after a phase without the WAL");
                            close();
                            open();
                            count("phases without the WAL", 1);
                            checkAll("reopened with the WAL");
                        }
                        default -> { }
                    }
                }
                finish();
            } finally {
                if (ost != null) {
                    ost.close();
                }
            }
        }

        /** Writers, readers and forced checkpoints for {@code nanos}. */
        private void phase(long nanos) throws Exception {
            AtomicBoolean stop = new AtomicBoolean();
            long end = System.nanoTime() + nanos;
            List<Thread> threads = new ArrayList<>();
            List<Thread> writerThreads = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                long[] sizes = new long[OBJECTS_PER_WRITER];
                for (int i = 0; i < OBJECTS_PER_WRITER; i++) {
                    sizes[i] = objects.get(ids[t][i]).obj.size;
                }
                SoakPlan.Gen gen = new SoakPlan.Gen(r.nextLong(), shape, ids[t], sizes, true);
                int thread = t;
                writerThreads.add(Thread.ofPlatform().name("soak-writer-" + t).start(
                        () -> guarded(stop, () -> write(gen, thread, end, stop))));
            }
            for (int i = 0; i < READERS; i++) {
                SplittableRandom rr = new SplittableRandom(r.nextLong());
                threads.add(Thread.ofPlatform().name("soak-reader-" + i).start(() -> guarded(stop, () -> {
                    while (!stop.get()) {
                        readAndCheck(rr);
                    }
                })));
            }
            SplittableRandom cr = new SplittableRandom(r.nextLong());
            threads.add(Thread.ofPlatform().name("soak-checkpoints").start(() -> guarded(stop, () -> {
                while (!stop.get()) {
                    Thread.sleep(10 + cr.nextInt(500));
                    switch (cr.nextInt(4)) {
                        case 0 -> {
                            ost.usage();
                            ost.list(0, ObjectStore.LIST_MAX);
                        }
                        default -> {
                            ost.checkpointNow();
                            count("forced checkpoints", 1);
                        }
                    }
                }
            })));
            for (Thread t : writerThreads) {
                // A writer stuck in the OST (a lost wake-up, a full WAL nobody frees) fails the soak, with the stacks.
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) + 180_000);
                if (t.isAlive()) {
                    stop.set(true);
                    throw new AssertionError("a writer made no progress for 3 minutes:\n" + stacks());
                }
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(180_000);
                if (t.isAlive()) {
                    throw new AssertionError(t.getName() + " made no progress for 3 minutes:\n" + stacks());
                }
            }
            count("phases", 1);
            rethrow();
        }

        private static String stacks() {
            StringBuilder b = new StringBuilder();
            Thread.getAllStackTraces().forEach((th, stack) -> {
                b.append(th.getName()).append(' ').append(th.getState()).append('\n');
                for (StackTraceElement e : stack) {
                    b.append("    at ").append(e).append('\n');
                }
            });
            return b.toString();
        }

        private interface Body {
            void run() throws Exception;
        }

        private void guarded(AtomicBoolean stop, Body body) {
            try {
                body.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                stop.set(true);
            }
        }

        private void rethrow() throws Exception {
            Throwable t = failure.get();
            if (t instanceof Exception e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }

        private void write(SoakPlan.Gen gen, int thread, long end, AtomicBoolean stop) {
            while (!stop.get() && System.nanoTime() < end) {
                SoakPlan.Op op = gen.next();
                if (op.kind() == SoakPlan.Kind.SYNC) {
                    ost.sync();
                    count("syncs", 1);
                    continue;
                }
                Tracked t = objects.get(op.id());
                byte[] data = op.kind() == SoakPlan.Kind.WRITE ? op.data() : null;
                synchronized (t) {
                    long[] range = t.obj.range(op);
                    t.ring[(int) (t.started % RING)] = range;
                    t.started++;
                    t.inFlight = range;
                    t.obj.apply(op, data);
                }
                try {
                    SoakWriterMain.run(ost, op, data);
                } catch (RuntimeException e) {
                    throw new AssertionError("writer " + thread + ": " + op + " failed", e);
                }
                synchronized (t) {
                    t.inFlight = null;
                }
                count(op.kind() == SoakPlan.Kind.WRITE ? op.stable() ? "stable writes" : "unstable writes"
                        : op.kind().name().toLowerCase() + "s", 1);
                if (op.kind() == SoakPlan.Kind.WRITE) {
                    count("bytes written", op.length());
                }
            }
        }

        /** Reads a random range of a random object while writers run; checks every byte no operation may have changed meanwhile. */
        private void readAndCheck(SplittableRandom rr) {
            List<Tracked> all = new ArrayList<>(objects.values());
            Tracked t = all.get(rr.nextInt(all.size()));
            long s0;
            long[] in0;
            long size0;
            long used0;
            long offset;
            int length;
            byte[] expected;
            synchronized (t) {
                s0 = t.started;
                in0 = t.inFlight;
                size0 = t.obj.size;
                used0 = t.obj.used();
                offset = rr.nextInt(8) == 0 ? rr.nextLong(size0 + 2L * shape.chunk() + 1)
                        : rr.nextLong(size0 + 1) / shape.chunk() * shape.chunk();
                length = rr.nextBoolean() ? 1 + rr.nextInt(3 * shape.chunk()) : 1 + rr.nextInt(2 << 20);
                expected = t.obj.bytes(offset, length);
            }
            ByteBuffer dst = ByteBuffer.allocate(length);
            int n = ost.read(t.obj.id, offset, dst);
            ObjectStat stat = rr.nextInt(4) == 0 ? ost.stat(t.obj.id) : null;
            List<long[]> ranges = new ArrayList<>();
            synchronized (t) {
                if (t.started - s0 >= RING) {
                    count("reads not checked", 1);
                    return;
                }
                for (long k = s0; k < t.started; k++) {
                    ranges.add(t.ring[(int) (k % RING)]);
                }
            }
            if (in0 != null) {
                ranges.add(in0);
            }
            byte[] got = dst.array();
            for (int i = 0; i < length; i++) {
                long p = offset + i;
                if (uncertain(ranges, p)) {
                    continue;
                }
                if (p < size0) {
                    if (i >= n || got[i] != expected[i]) {
                        throw new AssertionError(("object %d: a read of %d bytes at %d returned %d bytes; byte %d %s, "
                                + "expected %d (size %d; ranges written meanwhile %s)").formatted(t.obj.id, length,
                                offset, n, p, i >= n ? "missing" : "is " + got[i], expected[i], size0,
                                ranges.stream().map(Arrays::toString).toList()));
                    }
                } else if (i < n) {
                    throw new AssertionError(("object %d: a read of %d bytes at %d returned %d bytes, past its size %d "
                            + "(ranges written meanwhile %s)").formatted(t.obj.id, length, offset, n, size0,
                            ranges.stream().map(Arrays::toString).toList()));
                }
            }
            if (stat != null && ranges.isEmpty()) {
                assertThat(stat).as("object %d's stat during the soak", t.obj.id).isEqualTo(new ObjectStat(size0, used0));
                count("stats checked", 1);
            }
            count("reads checked", 1);
            count("bytes read", n);
        }

        private static boolean uncertain(List<long[]> ranges, long p) {
            for (long[] range : ranges) {
                if (range != null && p >= range[0] && p < range[1]) {
                    return true;
                }
            }
            return false;
        }

        /** Full checks so far. */
        private int checks;

        private long dataFilesOnDisk() throws IOException {
            try (var files = Files.list(dir)) {
                return files.filter(f -> f.getFileName().toString().startsWith(DataFiles.PREFIX)).count();
            }
        }

        /** With nothing running: every object, its stat, the listing and the object count as the model has them. */
        private void checkAll(String when) throws IOException, InterruptedException {
            ost.checkpointNow();
            if (++checks % 2 == 0) {
                // Every other check lets the OST be idle until it has compacted what the checkpoint left under half
                // live (readers and writers otherwise keep it busy), then reads everything back.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (ost.usage().bytesFreeing() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(ost.usage().bytesFreeing()).as("left to give back after 60 s idle, %s", when).isZero();
                count("idle waits", 1);
            }
            Map<Long, ListedObject> listed = new HashMap<>();
            for (ListedObject o : ost.list(0, ObjectStore.LIST_MAX)) {
                listed.put(o.id(), o);
            }
            int existing = 0;
            for (Tracked t : objects.values()) {
                SoakPlan.Obj o = t.obj;
                assertThat(ost.stat(o.id)).as("object %d's stat %s", o.id, when).isEqualTo(new ObjectStat(o.size, o.used()));
                for (long at = 0; at < o.size; at += 4 << 20) {
                    int n = (int) Math.min(4 << 20, o.size - at);
                    ByteBuffer dst = ByteBuffer.allocate(n);
                    assertThat(ost.read(o.id, at, dst)).as("bytes of object %d at %d %s", o.id, at, when).isEqualTo(n);
                    if (!Arrays.equals(dst.array(), o.bytes(at, n))) {
                        throw new AssertionError("object %d %s: bytes at %d differ from the model, first at %d (size %d)"
                                .formatted(o.id, when, at, at + Arrays.mismatch(dst.array(), o.bytes(at, n)), o.size));
                    }
                    count("bytes checked", n);
                }
                assertThat(ost.read(o.id, o.size, ByteBuffer.allocate(10))).as("a read at object %d's end", o.id).isZero();
                ListedObject l = listed.get(o.id);
                if (o.exists) {
                    existing++;
                    assertThat(l).as("object %d listed %s", o.id, when).isNotNull();
                    assertThat(new ObjectStat(l.size(), l.bytesUsed())).as("object %d as listed %s", o.id, when)
                            .isEqualTo(new ObjectStat(o.size, o.used()));
                } else {
                    assertThat(l).as("object %d (destroyed) listed %s", o.id, when).isNull();
                }
            }
            assertThat(listed).as("objects listed %s", when).hasSize(existing);
            assertThat(ost.usage().objects()).as("objects counted by usage %s", when).isEqualTo(existing);
            // An idle compaction may be letting a file go (forgotten, on disk until no read can hold it): polled.
            long onDisk = dataFilesOnDisk();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ost.dataFileCount() != onDisk && System.nanoTime() < deadline) {
                Thread.sleep(50);
                onDisk = dataFilesOnDisk();
            }
            assertThat((long) ost.dataFileCount()).as("data files known, and on disk, %s", when).isEqualTo(onDisk);
            count("data files seen (sum over checks)", onDisk);
            count("full checks", 1);
        }

        /**
         * A child JVM goes on with the same objects (STABLE) while checkpoints are forced, and is killed; then
         * every acknowledged operation must read back, and each thread's operation in flight may have happened
         * (chunk by chunk: the records of a write are recovered up to the first torn one). The objects those
         * touched are destroyed, so that the model is exact again.
         */
        private void crashRound() throws Exception {
            SoakWriterMain.Plan plan = plan();
            Path planFile = tmp.resolve("plan");
            plan.write(planFile);
            int killAfter = 20 + r.nextInt(2000);
            long[] last = runAndKill(planFile, killAfter);
            count("acked operations before kills", Arrays.stream(last).map(l -> l + 1).sum());
            open();
            for (int t = 0; t < writers; t++) {
                SoakPlan.Gen gen = plan.gen(t, false);
                for (long i = 0; i <= last[t]; i++) {
                    SoakPlan.Op op = gen.next();
                    objects.get(op.id()).obj.apply(op);
                }
                SoakPlan.Op next = gen.next();
                SoakPlan.Obj before = objects.get(next.id()).obj;
                SoakPlan.Obj after = before.copy();
                after.apply(next);
                checkInFlight(before, after, next, t, last[t]);
                ost.destroy(next.id());
                before.apply(new SoakPlan.Op(SoakPlan.Kind.DESTROY, next.id(), 0, 0, 0, 0, true));
            }
            checkAll("after a kill");
            close();
            open();
            checkAll("after a kill and a reopen");
        }

        /**
         * The object an operation in flight at the kill touched: as before it, or as after it; a write may also have
         * happened in part. Its records are recovered in order up to the first torn one, and a write larger than
         * the OST's largest piece (a quarter of a segment) is several groups: so a prefix of its bytes is new, up to
         * a chunk's or a piece's end P, the rest old, and the size is the larger of the old one and P.
         */
        private void checkInFlight(SoakPlan.Obj before, SoakPlan.Obj after, SoakPlan.Op op, int thread, long step) {
            long n = ost.stat(op.id()).size();
            String what = "thread %d after step %d, %s in flight".formatted(thread, step, op);
            ByteBuffer dst = ByteBuffer.allocate((int) n);
            assertThat(ost.read(op.id(), 0, dst)).as("%s: bytes read", what).isEqualTo((int) n);
            byte[] got = dst.array();
            byte[] old = Arrays.copyOf(before.bytes(0, (int) n), (int) n);
            byte[] fresh = Arrays.copyOf(after.bytes(0, (int) n), (int) n);
            if (op.kind() != SoakPlan.Kind.WRITE) {
                assertThat(n == before.size && Arrays.equals(got, old) || n == after.size && Arrays.equals(got, fresh))
                        .as("%s: size %d, expected %d or %d, and the bytes of either", what, n, before.size, after.size)
                        .isTrue();
                return;
            }
            int from = (int) Math.min(n, op.offset());
            int to = (int) Math.min(n, op.offset() + op.length());
            assertThat(Arrays.mismatch(got, 0, from, old, 0, from)).as("%s: a byte before the write changed", what)
                    .isEqualTo(-1);
            int m = Arrays.mismatch(got, from, to, fresh, from, to);
            int p = m < 0 ? to : from + m; // the new prefix ends here (or later, where a new byte equals the old one)
            int bad = Arrays.mismatch(got, p, (int) n, old, p, (int) n);
            assertThat(bad).as("%s: the new bytes end at %d, yet byte %d is neither old nor new", what, p, p + bad)
                    .isEqualTo(-1);
            assertThat(n == before.size || n == after.size || n > before.size && n <= p)
                    .as("%s: size %d, expected %d, %d, or the end of the new bytes (%d) between", what, n, before.size,
                            after.size, p)
                    .isTrue();
        }

        /** Runs the child until {@code killAfter} acknowledgements, kills it; returns each thread's last acknowledged step (-1: none). */
        private long[] runAndKill(Path planFile, int killAfter) throws Exception {
            long childTxnBytes = new long[] {shape.chunk(), 4L * shape.chunk(), 1 << 20}[r.nextInt(3)];
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                    "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-D" + TXN_BYTES + "=" + childTxnBytes,
                    "-D" + IDLE_TXN_BYTES + "=" + childTxnBytes,
                    "-cp", System.getProperty("java.class.path"), SoakWriterMain.class.getName(), dir.toString(),
                    planFile.toString()));
            Process p = new ProcessBuilder(cmd).redirectError(tmp.resolve("child.err").toFile()).start();
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            AtomicLong acks = new AtomicLong();
            Thread reader = Thread.ofVirtual().start(() -> {
                String end = "EOF";
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(line);
                        if (line.startsWith("OP ")) {
                            acks.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    end = "EOF " + e;
                }
                lines.add(end);
            });
            long limit = System.nanoTime() + Math.min(TimeUnit.SECONDS.toNanos(30), Math.max(0, left()
                    - TimeUnit.SECONDS.toNanos(15)));
            try {
                while (acks.get() < killAfter && System.nanoTime() < limit && p.isAlive()) {
                    Thread.sleep(5);
                }
            } finally {
                // Through the handle: Process.destroyForcibly() would also close our end of the pipe (OstCrashTest).
                p.toHandle().destroyForcibly();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the child is dead").isTrue();
            }
            reader.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(reader.isAlive()).as("the child's output read to its end").isFalse();
            long[] last = new long[writers];
            Arrays.fill(last, -1);
            String end = null;
            for (String line : lines) {
                String[] f = line.split(" ");
                if (f[0].equals("OP")) {
                    int t = Integer.parseInt(f[1]);
                    last[t] = Math.max(last[t], Long.parseLong(f[2]));
                } else if (line.startsWith("EOF")) {
                    end = line;
                }
                // Other lines are the OST's log (Logback's default console output).
            }
            assertThat(end).as("how the child's output ended; its stderr: %s", Files.readString(tmp.resolve("child.err")))
                    .isEqualTo("EOF");
            assertThat(p.exitValue()).as("the child was killed, not dead by itself; its stderr: %s",
                    Files.readString(tmp.resolve("child.err"))).isEqualTo(137);
            return last;
        }

        /**
         * Checkpoints until compaction has nothing left (each compacts at most two files), then: every data file
         * at least half live; and once every object is destroyed, no data file, chunk or object is left.
         */
        private void finish() throws Exception {
            checkAll("at the end");
            int rounds = 2 + ost.dataFileCount() / 2;
            for (int i = 0; i < rounds; i++) {
                ost.checkpointNow();
            }
            ost.close();
            ost = null;
            OstAudit.Report report = OstAudit.check(dir, MAP_SIZE);
            assertThat(report.problems()).as("the audit at the end (%s)", report).isEmpty();
            assertThat(report.underLive(0.5)).as("data files compaction left under half live").isEmpty();
            System.out.println("OstSoakTest: at the end " + report);
            open();
            checkAll("at the end, reopened");
            for (Tracked t : objects.values()) {
                ost.destroy(t.obj.id);
            }
            ost.checkpointNow();
            try (var files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith(DataFiles.PREFIX)))
                        .as("data files once every object is destroyed").isEmpty();
            }
            assertThat(ost.dataFileCount()).isZero();
            assertThat(ost.usage().objects()).isZero();
            ost.close();
            ost = null;
            report = OstAudit.check(dir, MAP_SIZE);
            assertThat(report.problems()).as("the audit once every object is destroyed").isEmpty();
            assertThat(report.objects()).as("objects left").isZero();
            assertThat(report.chunks()).as("chunks left").isZero();
        }
    }
}
