package io.nacre.ost;

import io.nacre.engine.store.Durability;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A stream longer than the WAL with short pauses, as an NFS client's writes reach an OST (bursts, then a
 * pause; on a slow virtual machine every write is late): what the WAL's background preparation writes and
 * spends while the stream goes on. Its checkpoints adopt the segments, whose names get fresh files; each
 * zero the preparation writes into them before the stream comes back is written again by the stream.
 * {@code -Dnacre.bench.paused.mib=1024} (the stream, 1 MiB STABLE writes), {@code .every=16} (writes between
 * pauses), {@code .millis=60} (each pause), {@code .repeats=2}. The preparation thread's bytes written and
 * CPU come from {@code /proc/self/task/TID/io} and {@code schedstat} (Linux).
 */
@Tag("bench")
class OstPausedStreamBench {

    private static final int MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        new OstPausedStreamBench().run();
    }

    @Test
    void pausedStream() throws Exception {
        run();
    }

    void run() throws Exception {
        Path root = Path.of(System.getProperty("nacre.bench.dir", "target/bench"));
        Files.createDirectories(root);
        long mib = Long.getLong("nacre.bench.paused.mib", 1024);
        int every = Integer.getInteger("nacre.bench.paused.every", 16);
        long millis = Long.getLong("nacre.bench.paused.millis", 60);
        int repeats = Integer.getInteger("nacre.bench.paused.repeats", 2);
        byte[] data = new byte[MIB];
        ThreadLocalRandom.current().nextBytes(data);
        for (int r = 0; r < repeats; r++) {
            Path dir = Files.createTempDirectory(root, "paused");
            try (Ost ost = Ost.open(dir, 0, OstOptions.builder().walPrepare(true).build())) {
                ost.walPrepared().get(10, TimeUnit.MINUTES);
                long[] before = preparer();
                long start = System.nanoTime();
                long paused = 0;
                for (long i = 0; i < mib; i++) {
                    ost.write(1, i * MIB, ByteBuffer.wrap(data), Durability.STABLE);
                    if ((i + 1) % every == 0 && i + 1 < mib) {
                        long p = System.nanoTime();
                        Thread.sleep(millis);
                        paused += System.nanoTime() - p;
                    }
                }
                long writing = System.nanoTime() - start - paused;
                long[] after = preparer();
                System.out.printf("paused stream, %d MiB of 1 MiB stable writes, a %d ms pause every %d: the"
                                + " preparation wrote %d MiB and used %.0f ms of CPU while it streamed;"
                                + " %.0f MB/s outside the pauses%n",
                        mib, millis, every, (after[0] - before[0]) / MIB, (after[1] - before[1]) / 1e6,
                        mib * MIB / 1e6 / (writing / 1e9));
            } finally {
                delete(dir);
            }
        }
    }

    /** The WAL preparation thread's bytes written (wchar) and CPU nanoseconds; zeros if none runs. */
    static long[] preparer() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                String comm;
                try {
                    comm = Files.readString(t.resolve("comm")).trim();
                } catch (IOException e) {
                    continue; // ended meanwhile
                }
                // The kernel keeps 15 characters of "OST0000-wal-prepare".
                if (comm.contains("-wal-pre")) {
                    long wchar = 0;
                    for (String line : Files.readAllLines(t.resolve("io"))) {
                        if (line.startsWith("wchar:")) {
                            wchar = Long.parseLong(line.substring(6).trim());
                        }
                    }
                    long cpu = Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]);
                    return new long[] {wchar, cpu};
                }
            }
        }
        return new long[] {0, 0};
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
