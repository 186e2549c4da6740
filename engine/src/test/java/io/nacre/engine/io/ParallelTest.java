package io.nacre.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelTest {

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void close() {
        threads.close();
    }

    @Test
    void runsEveryCallAndThrowsTheFirstFailureWithTheOthersSuppressed() {
        AtomicInteger ran = new AtomicInteger();
        List<Parallel.Call> calls = List.of(
                ran::incrementAndGet,
                () -> {
                    ran.incrementAndGet();
                    throw new NacreException(Status.NO_SPACE, "full");
                },
                ran::incrementAndGet,
                () -> {
                    ran.incrementAndGet();
                    throw new NacreException(Status.CORRUPT, "bad chunk");
                });
        assertThatThrownBy(() -> Parallel.run(threads, calls))
                .isInstanceOfSatisfying(NacreException.class, e -> {
                    assertThat(e.status()).isEqualTo(Status.NO_SPACE);
                    assertThat(e.getSuppressed()).hasSize(1);
                });
        assertThat(ran).hasValue(4);
    }

    @Test
    void aFailureDoesNotReturnBeforeTheOtherCallsFinish() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean slowDone = new AtomicBoolean();
        Thread caller = Thread.currentThread();
        Thread helper = Thread.ofPlatform().start(() -> {
            try {
                failed.await();
                // Let the slow call finish only once the caller is waiting inside run().
                while (caller.getState() != Thread.State.WAITING && caller.getState() != Thread.State.TIMED_WAITING) {
                    Thread.onSpinWait();
                }
                release.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThatThrownBy(() -> Parallel.run(threads, List.of(
                () -> {
                    failed.countDown();
                    throw new NacreException(Status.IO, "first");
                },
                () -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    slowDone.set(true);
                }))).hasMessage("first");
        assertThat(slowDone).as("run() waited for the slow call, which may still use the caller's buffers").isTrue();
        helper.join();
    }

    @Test
    void anInterruptedCallerStillWaitsAndKeepsItsInterrupt() {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger done = new AtomicInteger();
        Thread.currentThread().interrupt();
        Parallel.run(threads, List.of(
                () -> {
                    started.countDown();
                    done.incrementAndGet();
                },
                () -> {
                    started.countDown();
                    done.incrementAndGet();
                }));
        assertThat(Thread.interrupted()).isTrue();
        assertThat(done).hasValue(2);
    }

    @Test
    void checkedFailuresBecomeIoErrors() {
        RuntimeException r = Parallel.rethrow(new java.io.IOException("disk"));
        assertThat(r).isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.IO));
        assertThatThrownBy(() -> Parallel.rethrow(new OutOfMemoryError("x"))).isInstanceOf(OutOfMemoryError.class);
    }
}
