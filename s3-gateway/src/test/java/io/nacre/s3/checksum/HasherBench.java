package io.nacre.s3.checksum;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The ceiling of the digests a PUT pays for, on this CPU: MB per CPU second of one {@link Hasher} fed as the gateway
 * feeds it (1 MiB arrays: the ETag's MD5; 128 KiB arrays: the SDK's signed aws-chunked pieces) against
 * smaller arrays and direct buffers, one thread, after a warm-up long enough for C2 and its intrinsics.
 * No digest of one stream can go faster than its row here, whatever the pipeline around it. Run with
 * {@code ./mvnw -B -pl s3-gateway -am verify -Pbench -Dtest=HasherBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("bench")
class HasherBench {

    static final int MIB = 1 << 20;
    static final long MEASURE_NANOS = 300_000_000L;

    @Test
    void digestsPerSecond() {
        byte[] data = new byte[MIB];
        new Random(1).nextBytes(data);
        ByteBuffer direct = ByteBuffer.allocateDirect(MIB).put(data).flip();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%nHasher throughput, one thread (MB per CPU second by size of update; s/GiB: CPU per GiB at 1 MiB)%n"
                        + "%-10s %10s %10s %10s %10s %9s%n", "", "1 MiB", "128 KiB", "8 KiB", "direct", "s/GiB"));
        row(sb, "MD5", Hasher::md5, data, direct);
        row(sb, "SHA-256", Hasher::sha256, data, direct);
        row(sb, "SHA-1", Hasher::sha1, data, direct);
        row(sb, "CRC32", Hasher::crc32, data, direct);
        row(sb, "CRC32C", Hasher::crc32c, data, direct);
        row(sb, "CRC64NVME", Hasher::crc64nvme, data, direct);
        System.out.println(sb);
    }

    private static void row(StringBuilder sb, String name, Supplier<Hasher> make, byte[] data, ByteBuffer direct) {
        double big = arrays(make.get(), data, MIB);
        double mid = arrays(make.get(), data, 128 * 1024);
        double small = arrays(make.get(), data, 8 * 1024);
        double buffer = directBuffer(make.get(), direct);
        sb.append(String.format(Locale.ROOT, "%-10s %10.0f %10.0f %10.0f %10.0f %9.2f%n", name, big, mid, small, buffer,
                (1L << 30) / (big * 1e6)));
    }

    /** MB/s of updates of {@code piece} bytes from an array. */
    private static double arrays(Hasher h, byte[] data, int piece) {
        return rate(h, () -> {
            for (int off = 0; off < data.length; off += piece) {
                h.update(data, off, piece);
            }
        });
    }

    private static double directBuffer(Hasher h, ByteBuffer direct) {
        return rate(h, () -> h.update(direct.duplicate()));
    }

    /**
     * MB per second of this thread's CPU time (not wall time: other processes on the machine take turns on
     * its cores) of a hasher fed one MiB at a time by {@code oneMib}: the best of three rounds after two warm-ups.
     */
    private static double rate(Hasher h, Runnable oneMib) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double best = 0;
        for (int round = 0; round < 5; round++) {
            long t0 = threads.getCurrentThreadCpuTime();
            long bytes = 0;
            while (threads.getCurrentThreadCpuTime() - t0 < MEASURE_NANOS) {
                for (int i = 0; i < 16; i++) {
                    oneMib.run();
                }
                bytes += 16L * MIB;
            }
            h.finish();
            double mbs = bytes / ((threads.getCurrentThreadCpuTime() - t0) / 1e9) / 1e6;
            if (round >= 2) {
                best = Math.max(best, mbs);
            }
        }
        return best;
    }
}
