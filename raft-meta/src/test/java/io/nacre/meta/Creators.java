package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Creates files ("t{thread}-{i}") from several threads; remembers every create that was acknowledged. The
 * first failure stops every thread (a group that cannot answer fails the test once, after one client
 * timeout, instead of once per remaining create), and {@link #awaitDone} is bounded.
 */
final class Creators implements AutoCloseable {

    /** What one thread is doing: the create it waits for (null between creates), since when, and its thread. */
    private static final class Worker {
        volatile Thread thread;
        volatile String creating;
        volatile long since;
    }

    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final List<Throwable> failures = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService pool;
    private final List<Future<?>> running = new ArrayList<>();
    private final List<Worker> workers = new ArrayList<>();

    /** Every name in {@code dir}, read page by page to the end (to compare with {@link #acked}). */
    static Set<String> names(MetadataClient mds, Fid dir) {
        Set<String> out = new HashSet<>();
        long cookie = 0;
        DirPage p;
        do {
            p = mds.readdir(Caller.ROOT, dir, cookie, 4096);
            for (DirEntry e : p.entries()) {
                out.add(e.name());
                cookie = e.cookie();
            }
        } while (!p.eof());
        return out;
    }

    Creators(MetadataClient mds, Fid dir, int threads, int perThread) {
        pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int id = t;
            Worker w = new Worker();
            workers.add(w);
            running.add(pool.submit(() -> {
                w.thread = Thread.currentThread();
                try {
                    for (int i = 0; i < perThread && !stop.get(); i++) {
                        String name = "t" + id + "-" + i;
                        w.since = System.nanoTime();
                        w.creating = name;
                        try {
                            mds.create(Caller.ROOT, dir, name, CreateSpec.file(0644));
                            acked.add(name);
                        } catch (NacreException e) {
                            synchronized (failures) {
                                failures.add(new AssertionError("create " + name + " failed after "
                                        + (System.nanoTime() - w.since) / 1_000_000 + " ms", e));
                            }
                            stop.set(true);
                        }
                        w.creating = null;
                    }
                } finally {
                    w.creating = null;
                }
            }));
        }
    }

    /**
     * Waits until every thread is done; fails after {@code max} with what each unfinished thread waits for
     * and where (a create whose answer never comes shows up here, with its thread's stack).
     */
    void awaitDone(Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        for (Future<?> f : running) {
            try {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("creators not done within " + max + " (" + acked.size() + " acknowledged, "
                        + failures.size() + " failed): " + pending());
            }
        }
    }

    /** Each unfinished thread's create in flight, for how long, and its stack. */
    private String pending() {
        StringBuilder b = new StringBuilder();
        long now = System.nanoTime();
        for (int i = 0; i < workers.size(); i++) {
            Worker w = workers.get(i);
            if (running.get(i).isDone()) {
                continue;
            }
            String creating = w.creating;
            b.append("\n  thread ").append(i).append(creating == null ? " between creates"
                    : " waiting " + (now - w.since) / 1_000_000 + " ms for create " + creating);
            Thread t = w.thread;
            if (t != null) {
                for (StackTraceElement e : t.getStackTrace()) {
                    b.append("\n      at ").append(e);
                }
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        stop.set(true);
        pool.shutdownNow();
    }
}
