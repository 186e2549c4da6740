package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.ReferencedObjects;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LFSCK's layout view of one OST (MetadataService.referencedObjects), served a page at a time from one pass over
 * the namespace: the first page of a scan reads every inode's layout and the destroy queue in one read
 * transaction into {@link SortedIds} (an external sort: a bounded buffer, sorted runs spilled to a file, merged
 * on reading); the pages that follow are read from it. The view waits between pages under (OST, last id served),
 * so the next page, which asks for ids after that one, finds it: the caller keeps no session, and a page that
 * finds no view (another peer answers, the view expired, a retried page) reads the namespace again, which is as
 * correct, only slower.
 *
 * <p>A view serves only a bound at or below its own: it holds every referenced id of its state below
 * min(bound, allocation mark), and an id judged unreferenced in a state where it had been allocated stays so in
 * every later one (raft-meta/README.md), so its answers are those a fresh read would give for that range.
 */
final class ReferencedViews implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReferencedViews.class);
    /** Ids a view keeps in memory before it spills runs to its file (4 MiB). */
    static final int RUN_IDS = 1 << 19;
    /** Views waiting for their next page, at most; beyond, the longest idle goes. */
    static final int MAX_VIEWS = 8;
    /** A view not asked for its next page this long is dropped (a scrub that stopped, or went to another peer). */
    static final Duration IDLE = Duration.ofMinutes(10);

    private record Key(int ost, long after) {
    }

    /** One scan's view of an OST: every referenced id above its start and below {@code limit}, in state order. */
    private static final class View {
        final long allocated;
        final long limit;
        final SortedIds ids;
        volatile long idleSince;

        View(long allocated, long limit, SortedIds ids) {
            this.allocated = allocated;
            this.limit = limit;
            this.ids = ids;
        }
    }

    private final Path dir;
    private final int runIds;
    private final Map<Key, View> waiting = new ConcurrentHashMap<>();
    private final AtomicLong files = new AtomicLong();
    /** Passes over the inode table so far (one per view built). */
    private final AtomicLong passes = new AtomicLong();

    /** {@code dir}: where views spill (emptied now: what is there was left by a previous run). */
    ReferencedViews(Path dir, int runIds) {
        this.dir = dir;
        this.runIds = runIds;
        if (Files.isDirectory(dir)) {
            try (Stream<Path> old = Files.list(dir)) {
                for (Path p : old.toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new NacreException(Status.IO, "cannot empty " + dir + ": " + e);
            }
        }
    }

    long passes() {
        return passes.get();
    }

    /** The page of referenced ids of {@code ost} after {@code after}, below {@code below}, at most {@code max}. */
    ReferencedObjects page(Tx tx, int ost, long after, long below, int max) {
        if (max < 1 || max > MetadataService.REFERENCED_MAX) {
            throw new NacreException(Status.INVALID, "a page of referenced objects holds 1 to "
                    + MetadataService.REFERENCED_MAX + " ids, not " + max);
        }
        if (ost < 0 || after < 0) {
            throw new NacreException(Status.INVALID, "bad OST " + ost + " or cursor " + after);
        }
        dropIdle();
        Key key = new Key(ost, after);
        View v = waiting.remove(key);
        if (v != null && below > v.limit) {
            park(key, v); // another scan's, over a smaller range: it may still be asked for
            v = null;
        }
        if (v == null) {
            v = build(tx, ost, after, below);
        }
        boolean done = true;
        try {
            long[] ids = new long[Math.min(max, 1024)];
            int n = 0;
            while (v.ids.peek() < below) {
                if (n == max) {
                    done = false;
                    break;
                }
                if (n == ids.length) {
                    ids = java.util.Arrays.copyOf(ids, Math.min(max, 2 * n));
                }
                ids[n++] = v.ids.next();
            }
            ids = java.util.Arrays.copyOf(ids, n);
            if (!done) {
                park(new Key(ost, ids[n - 1]), v);
            }
            return new ReferencedObjects(v.allocated, ids, !done);
        } finally {
            if (done) {
                v.ids.close();
            }
        }
    }

    private View build(Tx tx, int ost, long after, long below) {
        Tx.OstRecord r = tx.ost(ost);
        long allocated = r == null ? 1 : r.nextObject(); // ids start at 1
        long limit = Math.min(below, allocated);
        SortedIds ids = new SortedIds(dir.resolve("ost" + ost + "-" + files.incrementAndGet()), runIds);
        try {
            if (limit - 1 > after) {
                passes.incrementAndGet();
                tx.forEachInode(n -> {
                    if (n.isRegular()) {
                        for (ObjectRef o : n.layout().objects()) {
                            offer(ids, o, ost, after, limit);
                        }
                    }
                    return true;
                });
                tx.forEachDestroy(d -> {
                    offer(ids, d.object(), ost, after, limit);
                    return true;
                });
            }
            ids.seal();
        } catch (RuntimeException e) {
            ids.close();
            throw e;
        }
        LOG.debug("referenced objects of OST{} after {} below {}: one pass, {} runs spilled", "%04x".formatted(ost),
                after, limit, ids.runs());
        return new View(allocated, limit, ids);
    }

    private static void offer(SortedIds ids, ObjectRef o, int ost, long after, long limit) {
        if (o.ost() == ost && o.id() > after && o.id() < limit) {
            ids.add(o.id());
        }
    }

    /** Keeps a view for its next page; one already waiting under that key goes. */
    private void park(Key key, View v) {
        v.idleSince = System.nanoTime();
        View old = waiting.put(key, v);
        if (old != null) {
            old.ids.close();
        }
        while (waiting.size() > MAX_VIEWS) {
            waiting.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().idleSince))
                    .ifPresent(e -> drop(e.getKey(), e.getValue()));
        }
    }

    private void dropIdle() {
        long now = System.nanoTime();
        waiting.forEach((k, v) -> {
            if (now - v.idleSince > IDLE.toNanos()) {
                drop(k, v);
            }
        });
    }

    private void drop(Key k, View v) {
        if (waiting.remove(k, v)) {
            v.ids.close();
        }
    }

    @Override
    public void close() {
        waiting.forEach(this::drop);
    }
}
