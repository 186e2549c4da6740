package io.nacre.engine.io;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.store.ObjectStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Performs entries of the MDS destroy queue (object destroys, and the punches of truncates) on the
 * object store, and acknowledges them. A punch must never run after data written later to the same
 * object (it would cut that data off), so this keeps, in memory, what an acknowledgement has not yet
 * taken off the queue ({@link #performed}: acknowledged only, never performed again) and the punches a
 * truncate could not perform (the fence: performed before the file's next write).
 */
final class QueuedDestroys {

    private static final Logger LOG = LoggerFactory.getLogger(QueuedDestroys.class);

    private final MetadataService mds;
    private final ObjectStore objects;
    private final ExecutorService threads;
    private final Set<Long> performed = ConcurrentHashMap.newKeySet();
    private final Map<Fid, List<PendingDestroy>> fence = new ConcurrentHashMap<>();
    /** Told of each file whose objects a punch cut (attempted: a failed one may have cut some), once performing ends. */
    private final Consumer<Fid> punched;

    QueuedDestroys(MetadataService mds, ObjectStore objects, ExecutorService threads, Consumer<Fid> punched) {
        this.mds = mds;
        this.objects = objects;
        this.threads = threads;
        this.punched = punched;
    }

    /**
     * Performs the entries side by side (skipping those already performed), then acknowledges every
     * performed one at the MDS. Returns the entries that failed, with why; they stay queued. Throws when
     * the acknowledgement fails (the entries are then only acknowledged next time).
     */
    Map<PendingDestroy, RuntimeException> perform(List<PendingDestroy> entries) {
        Map<PendingDestroy, RuntimeException> failed = new ConcurrentHashMap<>();
        List<Parallel.Call> calls = new ArrayList<>();
        for (PendingDestroy e : entries) {
            if (performed.contains(e.id())) {
                continue;
            }
            calls.add(() -> {
                try {
                    if (e.isDestroy()) {
                        objects.destroy(e.object());
                    } else {
                        objects.truncate(e.object(), e.keepBytes());
                    }
                    performed.add(e.id());
                    LOG.debug("{} {} of {} (queue id {})", e.isDestroy() ? "destroyed" : "punched", e.object(),
                            e.fid(), e.id());
                } catch (RuntimeException ex) {
                    failed.put(e, ex);
                }
            });
        }
        try {
            Parallel.run(threads, calls);
        } finally {
            entries.stream().filter(e -> !e.isDestroy()).map(PendingDestroy::fid).distinct().forEach(punched);
        }
        List<Long> done = new ArrayList<>();
        for (PendingDestroy e : entries) {
            if (performed.contains(e.id())) {
                done.add(e.id());
            }
        }
        acknowledge(done);
        return failed;
    }

    private void acknowledge(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        mds.destroyed(List.copyOf(ids));
        performed.removeAll(ids);
    }

    /** Punches of {@code fid} a truncate could not perform: they go before its next write. */
    void fence(Fid fid, Collection<PendingDestroy> punches) {
        if (!punches.isEmpty()) {
            fence.merge(fid, List.copyOf(punches), (a, b) -> {
                List<PendingDestroy> all = new ArrayList<>(a);
                all.addAll(b);
                return all;
            });
        }
    }

    boolean fenced(Fid fid) {
        return !fence.isEmpty() && fence.containsKey(fid);
    }

    /** The fenced punches of a file (call with the file's write lock held). */
    List<PendingDestroy> fencedPunches(Fid fid) {
        return fence.getOrDefault(fid, List.of());
    }

    /** Takes performed punches off a file's fence. */
    void unfence(Fid fid, Collection<PendingDestroy> done) {
        fence.computeIfPresent(fid, (k, list) -> {
            List<PendingDestroy> rest = new ArrayList<>(list);
            rest.removeAll(done);
            return rest.isEmpty() ? null : rest;
        });
    }
}
