package io.nacre.ost;

import io.nacre.engine.store.Durability;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Child process of {@link OstCrashTest}: writes records STABLE to an OST from several threads, for ever,
 * and prints "ACK object record" after each write returns. The parent kills it and checks every ack.
 * Arguments: OST directory, threads, and optionally {@code small-wal}.
 */
public final class StableWriterMain {

    static final int RECORD = 40_000;

    private StableWriterMain() {
    }

    static byte[] record(long object, long index) {
        byte[] b = new byte[RECORD];
        new java.util.Random(object * 1_000_003L + index).nextBytes(b);
        return b;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        OstOptions.Builder options = OstOptions.builder().chunkSize(65536).mapSize(1L << 32);
        if (args.length > 2 && args[2].equals("small-wal")) {
            // 1 MiB WAL segments: a checkpoint every few MiB, so the crash can land inside one.
            options.walSegments(1 << 20, 6);
        }
        Ost ost = Ost.open(dir, 0, options.build());
        for (int t = 0; t < threads; t++) {
            long object = t + 1;
            Thread.ofPlatform().start(() -> {
                for (long i = 0; ; i++) {
                    ost.write(object, i * RECORD, ByteBuffer.wrap(record(object, i)), Durability.STABLE);
                    synchronized (System.out) {
                        System.out.println("ACK " + object + " " + i);
                        System.out.flush();
                    }
                }
            });
        }
    }
}
