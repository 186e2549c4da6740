package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.meta.CreateSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/** Creates files ("t{thread}-{i}") from several threads; remembers every create that was acknowledged. */
final class Creators implements AutoCloseable {
    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final List<Throwable> failures = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService pool;
    private final List<Future<?>> running = new ArrayList<>();

    Creators(MetadataClient mds, Fid dir, int threads, int perThread) {
        pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int id = t;
            running.add(pool.submit(() -> {
                for (int i = 0; i < perThread && !stop.get(); i++) {
                    String name = "t" + id + "-" + i;
                    try {
                        mds.create(Caller.ROOT, dir, name, CreateSpec.file(0644));
                        acked.add(name);
                    } catch (NacreException e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }
            }));
        }
    }

    void awaitDone() throws Exception {
        for (Future<?> f : running) {
            f.get();
        }
    }

    @Override
    public void close() {
        stop.set(true);
        pool.shutdownNow();
    }
}
