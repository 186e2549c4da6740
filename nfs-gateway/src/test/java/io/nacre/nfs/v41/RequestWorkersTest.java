package io.nacre.nfs.v41;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The threads compounds run on ({@link NfsService#requestWorkers}). */
class RequestWorkersTest {

    /** More compounds than any fixed pool would hold may block at once (metadata commits, recalls) and all go on. */
    @Test
    void blockedRequestsDoNotHoldBackOthers() throws Exception {
        int requests = 200;
        ExecutorService workers = NfsService.requestWorkers();
        try {
            CyclicBarrier allRunning = new CyclicBarrier(requests);
            List<Thread> threads = new CopyOnWriteArrayList<>();
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                done.add(workers.submit(() -> {
                    threads.add(Thread.currentThread());
                    allRunning.await(30, TimeUnit.SECONDS);   // trips only when every request runs at once
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            // platform threads: an idle virtual-thread carrier spins before it parks, which on a small VM
            // took the CPU the requests needed (conformance/guest/README.md)
            assertThat(threads).hasSize(requests).allSatisfy(t -> {
                assertThat(t.isVirtual()).isFalse();
                assertThat(t.isDaemon()).isTrue();
                assertThat(t.getName()).startsWith("nfs-worker-");
            });
        } finally {
            workers.shutdownNow();
        }
    }
}
