package io.nacre.ost;

import io.nacre.engine.store.Durability;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Child process of {@link OstCrashTest}: writes records STABLE to an OST from several threads, for ever,
 * and prints "ACK object record" after each write returns. The parent kills it and checks every ack.
 * Arguments: OST directory, threads, optionally {@code small-wal}, and optionally {@code shared}: then the
 * threads overwrite slots of one object instead (two slots share each chunk, so concurrent groups merge
 * into the same chunk images), one write per slot at a time, and print "SET slot version" after each; or
 * {@code stream}: like the default, with records of {@link #STREAM_RECORD}; or
 * {@code truncate}: each thread runs {@link #step} on its own object (writes and truncates) and prints
 * "OP thread step" after each; or {@code recycle}: each thread streams {@link #RECYCLE_RECORDS} records of
 * {@link #STREAM_RECORD} into an object (its segments adopted as data files), destroys it (the files die and may
 * become WAL segment files) and prints "GONE object", then goes on with the next object
 * ({@link #recycleObject}); or {@code compact}: one thread streams {@link #COMPACT_RECORDS} records of
 * {@link #STREAM_RECORD} into objects 1, 2 and 3 in turn (every adopted data file a third each), checkpoints,
 * destroys 1 and 2 (every data file left a third live), checkpoints again (which compacts two of them) and prints
 * "GONE object" for each and then "IDLE 0": the idle OST compacts the others while the parent waits for a halt.
 */
public final class StableWriterMain {

    static final int RECORD = 40_000;
    /** Records of {@code stream} mode: two whole 64 KiB chunks, so that the WAL's segments are adopted as data files. */
    static final int STREAM_RECORD = 128 << 10;
    /** Records per object in {@code recycle} mode: 2 MiB, two segments of {@code small-wal}. */
    static final int RECYCLE_RECORDS = 16;
    /** Records per object in {@code compact} mode: 3 x 2 MiB, some seven segments of {@code small-wal}. */
    static final int COMPACT_RECORDS = 16;
    static final long SHARED_OBJECT = 99;
    static final int SLOTS = 16;
    /** Slot stride: half a 64 KiB chunk. */
    static final int SLOT = 32_768;
    static final int SLOT_BYTES = 30_000;
    /** The WAL of {@code small-wal}: 12 segments of 1 MiB. */
    static final long SMALL_WAL_SEGMENT = 1 << 20;
    static final int SMALL_WAL_SEGMENTS = 12;

    private StableWriterMain() {
    }

    static byte[] record(long object, long index) {
        return record(object, index, RECORD);
    }

    static byte[] record(long object, long index, int size) {
        byte[] b = new byte[size];
        new java.util.Random(object * 1_000_003L + index).nextBytes(b);
        return b;
    }

    /**
     * Step {@code i} of a truncate-mode thread: a STABLE write of a record at a random place, or (one time
     * in four) a truncate to a random size at most the current one. Applies it to {@code model} (the bytes
     * the object should hold) and, unless {@code ost} is null, to the OST; returns the new model.
     */
    static byte[] step(Ost ost, long object, java.util.Random r, int i, byte[] model) {
        if (r.nextInt(4) == 0) {
            int size = r.nextInt(model.length + 1);
            if (ost != null) {
                ost.truncate(object, size);
            }
            return java.util.Arrays.copyOf(model, size);
        }
        int off = r.nextInt(6) * RECORD + r.nextInt(1000);
        byte[] rec = record(object, i);
        if (ost != null) {
            ost.write(object, off, ByteBuffer.wrap(rec), Durability.STABLE);
        }
        byte[] m = java.util.Arrays.copyOf(model, Math.max(model.length, off + RECORD));
        System.arraycopy(rec, 0, m, off, RECORD);
        return m;
    }

    /** The object of a {@code recycle} thread's round. */
    static long recycleObject(int thread, int round) {
        return 1 + thread + 1000L * round;
    }

    static byte[] slotRecord(int slot, long version) {
        byte[] b = new byte[SLOT_BYTES];
        new java.util.Random(slot * 1_000_003L + version * 7919L + 17).nextBytes(b);
        return b;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        OstOptions.Builder options = OstOptions.builder().chunkSize(65536).mapSize(1L << 32);
        if (args.length > 2 && args[2].equals("small-wal")) {
            // 1 MiB WAL segments: a checkpoint every few MiB, so the crash can land inside one.
            options.walSegments(SMALL_WAL_SEGMENT, SMALL_WAL_SEGMENTS);
        }
        Ost ost = Ost.open(dir, 0, options.build());
        if (args.length > 3 && args[3].equals("shared")) {
            overwriteSlots(ost, threads);
            return;
        }
        if (args.length > 3 && args[3].equals("truncate")) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread.ofPlatform().start(() -> {
                    java.util.Random r = new java.util.Random(thread);
                    byte[] model = new byte[0];
                    for (int i = 0; ; i++) {
                        model = step(ost, thread + 1, r, i, model);
                        synchronized (System.out) {
                            System.out.println("OP " + thread + " " + i);
                            System.out.flush();
                        }
                    }
                });
            }
            return;
        }
        if (args.length > 3 && args[3].equals("recycle")) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread.ofPlatform().start(() -> {
                    for (int round = 0; ; round++) {
                        long object = recycleObject(thread, round);
                        for (long i = 0; i < RECYCLE_RECORDS; i++) {
                            ost.write(object, i * STREAM_RECORD, ByteBuffer.wrap(record(object, i, STREAM_RECORD)),
                                    Durability.STABLE);
                            synchronized (System.out) {
                                System.out.println("ACK " + object + " " + i);
                                System.out.flush();
                            }
                        }
                        ost.destroy(object);
                        synchronized (System.out) {
                            System.out.println("GONE " + object);
                            System.out.flush();
                        }
                    }
                });
            }
            return;
        }
        if (args.length > 3 && args[3].equals("compact")) {
            compactWhenIdle(ost);
            return;
        }
        int size = args.length > 3 && args[3].equals("stream") ? STREAM_RECORD : RECORD;
        for (int t = 0; t < threads; t++) {
            long object = t + 1;
            Thread.ofPlatform().start(() -> {
                for (long i = 0; ; i++) {
                    ost.write(object, i * size, ByteBuffer.wrap(record(object, i, size)), Durability.STABLE);
                    synchronized (System.out) {
                        System.out.println("ACK " + object + " " + i);
                        System.out.flush();
                    }
                }
            });
        }
    }

    private static void compactWhenIdle(Ost ost) throws InterruptedException {
        for (long i = 0; i < COMPACT_RECORDS; i++) {
            for (long object = 1; object <= 3; object++) {
                ost.write(object, i * STREAM_RECORD, ByteBuffer.wrap(record(object, i, STREAM_RECORD)),
                        Durability.STABLE);
                System.out.println("ACK " + object + " " + i);
            }
        }
        ost.checkpointNow();
        for (long object = 1; object <= 2; object++) {
            ost.destroy(object);
            System.out.println("GONE " + object);
        }
        ost.checkpointNow();
        System.out.println("IDLE 0");
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await(); // the idle OST compacts until the parent's fault halts it
    }

    private static void overwriteSlots(Ost ost, int threads) {
        long[] versions = new long[SLOTS];
        Object[] locks = new Object[SLOTS];
        for (int i = 0; i < SLOTS; i++) {
            locks[i] = new Object();
        }
        for (int t = 0; t < threads; t++) {
            long seed = t;
            Thread.ofPlatform().start(() -> {
                java.util.Random r = new java.util.Random(seed);
                while (true) {
                    int slot = r.nextInt(SLOTS);
                    synchronized (locks[slot]) {
                        long v = ++versions[slot];
                        ost.write(SHARED_OBJECT, (long) slot * SLOT, ByteBuffer.wrap(slotRecord(slot, v)),
                                Durability.STABLE);
                        synchronized (System.out) {
                            System.out.println("SET " + slot + " " + v);
                            System.out.flush();
                        }
                    }
                }
            });
        }
    }
}
