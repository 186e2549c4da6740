package io.nacre.ost;

import io.nacre.engine.fault.Faults;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.OstUsage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What an idle OST's compaction costs a writer that comes back in the middle of it, and how soon the space comes
 * back: three objects streamed in turn (1 MiB STABLE writes, the default WAL), checkpointed (their segments adopted
 * as data files, a third of each object in each), two destroyed and checkpointed (every data file left a third live:
 * the checkpoint compacts two, an idle OST the others); then, as the first idle compaction begins (fault point
 * {@code ost.compact.idle}, counted) or, where none does (main), {@code nacre.bench.ic.wait} ms later (default
 * 3,000), a writer streams {@code .write} MiB (default 64) into a new object, each write timed. Prints the writer's median and slowest write and its rate, and, once it is done, how long the
 * OST took to give back what it said it would ({@code bytesFreeing} 0), or that it did not within 60 s. Only APIs
 * that main has too, for A/B runs. {@code -Dnacre.bench.ic.mib=96} (each of the three objects), {@code .repeats=1}.
 */
@Tag("bench")
class OstIdleCompactBench {

    private static final int MIB = 1 << 20;
    /** {@code Ost.FAULT_COMPACT_IDLE}, spelt out: main has no such point. */
    private static final String IDLE_POINT = "ost.compact.idle";

    public static void main(String[] args) throws Exception {
        new OstIdleCompactBench().run();
    }

    @Test
    void writerDuringIdleCompaction() throws Exception {
        run();
    }

    void run() throws Exception {
        Path root = Path.of(System.getProperty("nacre.bench.dir", "target/bench"));
        Files.createDirectories(root);
        long mib = Long.getLong("nacre.bench.ic.mib", 96);
        long write = Long.getLong("nacre.bench.ic.write", 64);
        long wait = Long.getLong("nacre.bench.ic.wait", 3000);
        int repeats = Integer.getInteger("nacre.bench.ic.repeats", 1);
        byte[] data = new byte[MIB];
        ThreadLocalRandom.current().nextBytes(data);
        for (int r = 0; r < repeats; r++) {
            Path dir = Files.createTempDirectory(root, "ic");
            try (Ost ost = Ost.open(dir, 0, OstOptions.defaults())) {
                for (long i = 0; i < mib; i++) {
                    for (long id = 1; id <= 3; id++) {
                        ost.write(id, i * MIB, ByteBuffer.wrap(data), Durability.STABLE);
                    }
                }
                ost.checkpointNow();
                int files = ost.dataFileCount();
                OstUsage full = ost.usage();
                ost.destroy(1);
                ost.destroy(2);
                ost.checkpointNow();
                OstUsage destroyed = ost.usage();
                long t0 = System.nanoTime();
                // The writer comes back as the first idle compaction begins (the fault point counts, does nothing),
                // or after the wait where there is none (main).
                Faults.arm(IDLE_POINT, new Faults.Fault(Faults.Kind.SLEEP, Integer.MAX_VALUE, false, 0));
                while (Faults.hits(IDLE_POINT) == 0 && System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(wait)) {
                    Thread.sleep(1);
                }
                boolean met = Faults.hits(IDLE_POINT) > 0;
                Faults.disarmAll();
                long waited = System.nanoTime() - t0;
                long[] nanos = new long[(int) write];
                long w0 = System.nanoTime();
                for (int i = 0; i < write; i++) {
                    long t = System.nanoTime();
                    ost.write(4, (long) i * MIB, ByteBuffer.wrap(data), Durability.STABLE);
                    nanos[i] = System.nanoTime() - t;
                }
                double rate = write * MIB / 1e6 / ((System.nanoTime() - w0) / 1e9);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (ost.usage().bytesFreeing() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                long settled = System.nanoTime() - t0;
                OstUsage end = ost.usage();
                Arrays.sort(nanos);
                System.out.printf("idle compaction, %d MiB x 3 in turn, 2 destroyed, %d data files: used %d MiB full,"
                                + " %d MiB after the destroys' checkpoint (%d MiB freeing), %d MiB at the end"
                                + " (%d MiB freeing, %.1f s after that checkpoint%s); writer %d x 1 MiB %.0f ms after"
                                + " it (%s): median %.1f ms, slowest %.1f ms, %.0f MB/s%n",
                        mib, files, full.bytesUsed() / MIB, destroyed.bytesUsed() / MIB,
                        destroyed.bytesFreeing() / MIB, end.bytesUsed() / MIB, end.bytesFreeing() / MIB,
                        settled / 1e9, end.bytesFreeing() > 0 ? ", not settled" : "", write, waited / 1e6,
                        met ? "as an idle compaction began" : "no idle compaction began",
                        nanos[nanos.length / 2] / 1e6, nanos[nanos.length - 1] / 1e6, rate);
            } finally {
                OstPausedStreamBench.delete(dir);
            }
        }
    }
}
