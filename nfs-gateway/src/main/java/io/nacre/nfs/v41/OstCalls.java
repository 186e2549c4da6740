package io.nacre.nfs.v41;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Fid;
import io.nacre.engine.fault.Faults;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls to the OSTs that an attribute answer only refines (space_used, the pNFS glimpse of the size):
 * each is bounded by a timeout, and when the OSTs fail (an OSS down) or are late the MDS's value is
 * answered instead. An attribute must never make a client wait or retry (NFS4ERR_DELAY) because a node
 * holding some of the file's bytes is away: Linux sends a GETATTR with every CLOSE and retries the whole
 * CLOSE on DELAY. Failures are logged at WARN at most every 10 s, the others at debug, so that a node
 * down is not logged once per GETATTR.
 */
public final class OstCalls {

    private static final Logger LOG = LoggerFactory.getLogger(OstCalls.class);
    /** Long enough for a busy OSS, short of the OSS client's own deadline (10 s), after which the node is down. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final long WARN_EVERY = TimeUnit.SECONDS.toNanos(10);
    /**
     * Where the calls run while the asking thread waits for them with its timeout: platform threads that park
     * at once when idle ({@link RequestWorkers}), one per call in flight, ended after a minute idle. A virtual
     * thread per call, as before, woke the virtual-thread scheduler's carriers, which spin before they park
     * (CPU a one-CPU guest needs for the next request).
     */
    private static final Executor CALLS = new RequestWorkers("nfs-ost-attr-", 60, TimeUnit.SECONDS);

    private final Duration timeout;
    /** When a failure was last logged at WARN (System.nanoTime). */
    private final AtomicLong warned = new AtomicLong(System.nanoTime() - WARN_EVERY);

    public OstCalls(Duration timeout) {
        requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("OST call timeout " + timeout);
        }
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * What {@code call} answers within the timeout, or {@code fallback} when it throws or is late (the
     * call goes on in the background; the OSS client bounds it itself). {@code fault} names the fault point
     * hit before the call (sleep: OSTs that hang; fail: a node down); {@code what} names the answer in logs.
     */
    public long ask(Fid fid, String what, String fault, LongSupplier call, long fallback) {
        return askFor(fid, what, fault, call::getAsLong, fallback);
    }

    /** As {@link #ask}, for an answer of any type; {@code fallback} may be null. */
    public <T> T askFor(Fid fid, String what, String fault, Supplier<T> call, T fallback) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                Faults.hit(fault);
                return call.get();
            }, CALLS).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            failed(fid, what, fallback, "the OSTs did not answer within " + timeout);
        } catch (ExecutionException e) {
            failed(fid, what, fallback, String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return fallback;
    }

    private void failed(Fid fid, String what, Object fallback, String why) {
        long now = System.nanoTime();
        long last = warned.get();
        if (now - last >= WARN_EVERY && warned.compareAndSet(last, now)) {
            LOG.warn("{}: {} from the OSTs failed, answering the MDS's {} (further failures within 10 s at debug): {}",
                    fid, what, fallback, why);
        } else {
            LOG.debug("{}: {} from the OSTs failed, answering the MDS's {}: {}", fid, what, fallback, why);
        }
    }
}
