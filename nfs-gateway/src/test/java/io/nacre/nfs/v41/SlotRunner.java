package io.nacre.nfs.v41;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs chunks 0..n-1 of a job on several threads, each with its own session slot (slots 1..threads), the way
 * the Linux client keeps many requests of one stream outstanding. Waits for all; throws the first failure.
 */
final class SlotRunner {

    /** One chunk, sent on the thread's slot. */
    @FunctionalInterface
    interface Chunk {
        void run(int index, int slot) throws Exception;
    }

    private SlotRunner() {
    }

    static void run(int chunks, int threads, Chunk chunk) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            run(pool, chunks, threads, chunk);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The same on a pool the caller keeps (whose threads outlive the job, as a CPU-by-thread bench needs). */
    static void run(ExecutorService pool, int chunks, int threads, Chunk chunk) throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> all = new ArrayList<>();
        for (int s = 1; s <= threads; s++) {
            int slot = s;
            all.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < chunks; i = next.getAndIncrement()) {
                    chunk.run(i, slot);
                }
                return null;
            }));
        }
        for (Future<?> f : all) {
            f.get();
        }
    }
}
