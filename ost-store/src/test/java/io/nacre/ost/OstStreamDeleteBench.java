package io.nacre.ost;

import io.nacre.engine.store.Durability;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A stream longer than the WAL, its delete, and a second stream, as a user copies a large file, removes it and
 * copies another: what the WAL's background preparation writes and spends on the fresh files of the segments the
 * first stream's checkpoints adopted (before dead data files were recycled as segment files, it wrote them all with
 * zeros once the delete's checkpoint was done). For A/B runs against main, {@link #settled} is the one call to
 * rename ({@code walAllPrepared} there). {@code -Dnacre.bench.sd.mib=512} (each stream, 1 MiB STABLE writes),
 * {@code .repeats=1}, {@code .overwrite=true} (no delete: the second stream overwrites the first, whose data files
 * die while it goes on), {@code .keep=true} (no delete: the second stream writes another object, the first's data
 * files all stay), {@code .settle=true} (after the first stream's checkpoint, wait until the preparation is done
 * before the delete, as the guest's cold read of the file lets it: what it wrote then counts as "after the
 * stream"). The preparation thread's bytes written and CPU come from {@code /proc/self/task/TID/io} and
 * {@code schedstat} (Linux).
 */
@Tag("bench")
class OstStreamDeleteBench {

    private static final int MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        new OstStreamDeleteBench().run();
    }

    @Test
    void streamDeleteStream() throws Exception {
        run();
    }

    void run() throws Exception {
        Path root = Path.of(System.getProperty("nacre.bench.dir", "target/bench"));
        Files.createDirectories(root);
        long mib = Long.getLong("nacre.bench.sd.mib", 512);
        int repeats = Integer.getInteger("nacre.bench.sd.repeats", 1);
        boolean overwrite = Boolean.getBoolean("nacre.bench.sd.overwrite");
        boolean keep = Boolean.getBoolean("nacre.bench.sd.keep");
        boolean settle = Boolean.getBoolean("nacre.bench.sd.settle");
        byte[] data = new byte[MIB];
        ThreadLocalRandom.current().nextBytes(data);
        for (int r = 0; r < repeats; r++) {
            Path dir = Files.createTempDirectory(root, "sd");
            try (Ost ost = Ost.open(dir, 0, OstOptions.builder().walPrepare(true).build())) {
                ost.walPrepared().get(10, TimeUnit.MINUTES);
                long[] start = OstPausedStreamBench.preparer();
                double first = stream(ost, 1, mib, data);
                ost.checkpointNow();
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                long[] streamed = OstPausedStreamBench.preparer();
                if (settle) {
                    awaitSettled(ost, deadline);
                }
                long[] deleting = OstPausedStreamBench.preparer();
                long t0 = System.nanoTime();
                if (!overwrite && !keep) {
                    ost.destroy(1);
                    ost.checkpointNow();
                }
                awaitSettled(ost, deadline);
                long settled = System.nanoTime() - t0;
                long[] deleted = OstPausedStreamBench.preparer();
                long unprepared = ost.walWrittenUnprepared();
                double second = stream(ost, overwrite ? 1 : 2, mib, data);
                unprepared = ost.walWrittenUnprepared() - unprepared;
                ost.checkpointNow();
                awaitSettled(ost, deadline);
                long[] end = OstPausedStreamBench.preparer();
                System.out.printf("stream, %s, stream (%d MiB each, 1 MiB stable writes%s): after the stream the"
                                + " preparation wrote %d MiB and used %.0f ms of CPU; after the delete %d MiB and %.0f ms"
                                + " (done %.0f ms after it); over the whole run %d MiB and %.0f ms; streams %.0f and"
                                + " %.0f MB/s, the second wrote %d MiB into unprepared space%n",
                        overwrite ? "no delete" : keep ? "kept" : "delete", mib, settle ? ", settled before the delete" : "",
                        (deleting[0] - streamed[0]) / MIB, (deleting[1] - streamed[1]) / 1e6,
                        (deleted[0] - deleting[0]) / MIB, (deleted[1] - deleting[1]) / 1e6, settled / 1e6,
                        (end[0] - start[0]) / MIB, (end[1] - start[1]) / 1e6, first, second, unprepared / MIB);
            } finally {
                OstPausedStreamBench.delete(dir);
            }
        }
    }

    /** Whether the WAL's preparation has nothing left to do for now (main: {@code walAllPrepared}). */
    private static boolean settled(Ost ost) {
        return ost.walPreparationSettled();
    }

    private static void awaitSettled(Ost ost, long deadline) throws InterruptedException {
        while (!settled(ost) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Writes {@code mib} MiB into object {@code id}; returns MB/s. */
    private static double stream(Ost ost, long id, long mib, byte[] data) {
        long t = System.nanoTime();
        for (long i = 0; i < mib; i++) {
            ost.write(id, i * MIB, ByteBuffer.wrap(data), Durability.STABLE);
        }
        return mib * MIB / 1e6 / ((System.nanoTime() - t) / 1e9);
    }
}
