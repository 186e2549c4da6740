package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The COMPOUNDs running now, so that one that does not finish is seen: a request running longer than
 * the threshold is logged (WARN) with its operations, its client and where its thread is blocked, then
 * again every threshold while it runs. A client whose reply never comes waits for it for good (a hard
 * mount over TCP does not resend), so this is how such a stall is diagnosed from the server log.
 */
final class RequestWatch {

    private static final Logger LOG = LoggerFactory.getLogger(RequestWatch.class);

    /** One running COMPOUND; {@code reported} is when it was last logged (0: never). */
    private static final class Running {
        /** Where it runs: the selector thread that read it, then the worker it moved to, if it did. */
        volatile Thread thread = Thread.currentThread();
        final long started;
        final Object client;
        final List<OpArgs> ops;
        volatile long reported;

        Running(long started, Object client, List<OpArgs> ops) {
            this.started = started;
            this.client = client;
            this.ops = ops;
        }

        String what() {
            return client + " " + ops.stream().map(o -> OpNum.name(o.opnum())).toList();
        }
    }

    /** At most one dump of every thread per this long (a stall lasts; its first dump says where). */
    private static final long DUMP_EVERY_NANOS = 300_000_000_000L;

    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private volatile long lastDump;
    private final AtomicLong ids = new AtomicLong();
    private final long thresholdNanos;
    private final LongSupplier clock;

    RequestWatch(long thresholdNanos, LongSupplier clock) {
        this.thresholdNanos = thresholdNanos;
        this.clock = clock;
    }

    /** A COMPOUND starts on this thread; returns its id for {@link #end}. */
    long begin(Object client, List<OpArgs> ops) {
        long id = ids.incrementAndGet();
        running.put(id, new Running(clock.getAsLong(), client, ops));
        return id;
    }

    /** The COMPOUND goes on on this thread (it moved to a worker). */
    void moved(long id) {
        Running r = running.get(id);
        if (r != null) {
            r.thread = Thread.currentThread();
        }
    }

    void end(long id) {
        Running r = running.remove(id);
        if (r != null && r.reported != 0) {
            LOG.warn("COMPOUND from {} finished after {} ms", r.what(), (clock.getAsLong() - r.started) / 1_000_000);
        }
    }

    /** Logs the requests running for longer than the threshold (not more than once a threshold each); returns how many. */
    int report() {
        long now = clock.getAsLong();
        int slow = 0;
        for (Running r : running.values()) {
            if (now - r.started < thresholdNanos) {
                continue;
            }
            slow++;
            if (r.reported != 0 && now - r.reported < thresholdNanos) {
                continue;
            }
            r.reported = now;
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement e : r.thread.getStackTrace()) {
                stack.append("\n\tat ").append(e);
            }
            LOG.warn("COMPOUND from {} running for {} s on {}, {} running in all:{}", r.what(),
                    (now - r.started) / 1_000_000_000L, r.thread, running.size(), stack);
        }
        if (slow > 0 && (lastDump == 0 || now - lastDump >= DUMP_EVERY_NANOS)) {
            lastDump = now;
            dumpThreads();
        }
        return slow;
    }

    /**
     * The stacks of every platform thread: what slow requests wait for is often done by one of them (an
     * OST's writer, Raft's threads, the RPC layer's selector and workers).
     */
    private static void dumpThreads() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            out.append("\n\"").append(t.getName()).append("\" ").append(t.getState());
            for (StackTraceElement f : e.getValue()) {
                out.append("\n\tat ").append(f);
            }
        }
        LOG.warn("requests are slow; the platform threads:{}", out);
    }

    /** How many COMPOUNDs are running. */
    int size() {
        return running.size();
    }
}
