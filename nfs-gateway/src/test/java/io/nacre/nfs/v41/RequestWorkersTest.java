package io.nacre.nfs.v41;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
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

    /** An idle thread takes the next request (no thread per request), and ends after the keep-alive. */
    @Test
    void idleThreadIsReusedThenEndsAfterKeepAlive() throws Exception {
        RequestWorkers workers = new RequestWorkers("nfs-worker-", 300, TimeUnit.MILLISECONDS);
        try {
            Thread first = workers.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            // the first thread is idle once its task is done and its future set: wait until it parks
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (first.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            Thread second = workers.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            assertThat(second).isSameAs(first);
            first.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(first.isAlive()).as("ended after the keep-alive").isFalse();
            assertThat(workers.submit(() -> 42).get(10, TimeUnit.SECONDS)).isEqualTo(42);
        } finally {
            workers.shutdown();
        }
        assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(workers.isTerminated()).isTrue();
    }

    /** After shutdown nothing more is taken; shutdownNow interrupts a running request. */
    @Test
    void shutdownRejectsAndShutdownNowInterrupts() throws Exception {
        RequestWorkers workers = new RequestWorkers("nfs-worker-", 60, TimeUnit.SECONDS);
        CyclicBarrier started = new CyclicBarrier(2);
        Future<Boolean> blocked = workers.submit(() -> {
            started.await(10, TimeUnit.SECONDS);
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(1));
                return false;
            } catch (InterruptedException e) {
                return true;
            }
        });
        started.await(10, TimeUnit.SECONDS);
        workers.shutdownNow();
        assertThat(blocked.get(10, TimeUnit.SECONDS)).as("interrupted").isTrue();
        assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> workers.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }
}
