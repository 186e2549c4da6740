package io.nacre.engine.io;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.PendingDestroy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the MDS's destroy queue: destroys the OST objects of removed files and performs the punches of
 * truncates a FileIo did not get to (it crashed, or an OST was away), then acknowledges them. A failed
 * entry stays queued and is tried again later, backing off; it is never dropped. Punches of a file run
 * under the file's write lock in the FileIo and only while still queued, so that a punch never cuts off
 * data written after it was performed.
 */
public final class Destroyer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Destroyer.class);
    /** However many entries are failing, look at no more than this many per run. */
    private static final int MAX_FETCH = 10_000;

    private final FileIo io;
    private final MetadataService mds;
    private final int batch;
    private final Duration interval;
    private final Duration maxBackoff;
    /** Failing entries: queue id -> when to try again (System.nanoTime) and how often it failed. */
    private final Map<Long, long[]> retry = new ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private Thread thread;

    public Destroyer(FileIo io) {
        this(builder(io));
    }

    private Destroyer(Builder b) {
        this.io = b.io;
        this.mds = b.io.mds();
        this.batch = b.batch;
        this.interval = b.interval;
        this.maxBackoff = b.maxBackoff;
    }

    public static Builder builder(FileIo io) {
        return new Builder(io);
    }

    /** Builds a Destroyer; every knob has a default. */
    public static final class Builder {
        private final FileIo io;
        private int batch = 256;
        private Duration interval = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(1);

        private Builder(FileIo io) {
            this.io = requireNonNull(io, "io");
        }

        /** Entries taken from the queue per run (default 256). */
        public Builder batch(int entries) {
            if (entries < 1 || entries > MAX_FETCH) {
                throw new IllegalArgumentException("batch must be 1.." + MAX_FETCH + ": " + entries);
            }
            batch = entries;
            return this;
        }

        /** How long the background thread waits when the queue is drained (default 1 s). */
        public Builder interval(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("interval must be positive: " + d);
            }
            interval = d;
            return this;
        }

        /** The longest wait before a failing entry is tried again (default 1 min). */
        public Builder maxBackoff(Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("backoff must be >= 0: " + d);
            }
            maxBackoff = d;
            return this;
        }

        public Destroyer build() {
            return new Destroyer(this);
        }
    }

    /**
     * Starts draining the queue in a background thread: a platform one, as its timed wait every interval
     * would otherwise wake the virtual-thread scheduler's carriers, which spin before they park.
     */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = Thread.ofPlatform().name("destroyer").daemon(true).start(this::loop);
    }

    private void loop() {
        try {
            while (closing.getCount() > 0) {
                int done = 0;
                try {
                    done = runOnce();
                } catch (RuntimeException e) {
                    LOG.warn("destroy queue run failed, trying again in {}: {}", interval, e.toString());
                }
                if (done < batch && closing.await(interval.toNanos(), TimeUnit.NANOSECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One pass: takes up to a batch of due entries from the queue (looking past entries that are
     * failing and not due yet), performs and acknowledges them. Returns how many were done.
     */
    public int runOnce() {
        int fetch = Math.min(MAX_FETCH, batch + retry.size());
        List<PendingDestroy> queue = mds.pendingDestroys(fetch);
        if (queue.size() < fetch) {
            // The whole queue is in view: forget failures of entries done by someone else since.
            Set<Long> ids = new HashSet<>();
            queue.forEach(e -> ids.add(e.id()));
            retry.keySet().retainAll(ids);
        }
        long now = System.nanoTime();
        List<PendingDestroy> destroys = new ArrayList<>();
        Map<Fid, List<PendingDestroy>> punches = new LinkedHashMap<>();
        int taken = 0;
        for (PendingDestroy e : queue) {
            long[] r = retry.get(e.id());
            if (r != null && r[0] - now > 0) {
                continue;
            }
            if (taken++ == batch) {
                break;
            }
            if (e.isDestroy()) {
                destroys.add(e);
            } else {
                punches.computeIfAbsent(e.fid(), f -> new ArrayList<>()).add(e);
            }
        }
        Map<PendingDestroy, RuntimeException> failed = new HashMap<>(io.queued().perform(destroys));
        int done = destroys.size() - failed.size();
        for (Map.Entry<Fid, List<PendingDestroy>> p : punches.entrySet()) {
            done += punch(p.getKey(), p.getValue(), fetch, failed);
        }
        for (PendingDestroy e : destroys) {
            if (!failed.containsKey(e)) {
                retry.remove(e.id());
            }
        }
        failed.forEach(this::backOff);
        return done;
    }

    /** Performs a file's punches that are still queued, under its write lock; returns how many were done. */
    private int punch(Fid fid, List<PendingDestroy> group, int fetch, Map<PendingDestroy, RuntimeException> failed) {
        Lock lock = io.writeLock(fid);
        lock.lock();
        try {
            // Looked up again under the lock: a truncate in this process may have performed and
            // acknowledged them since, and data written after that must not be cut off.
            Set<Long> queued = new HashSet<>();
            mds.pendingDestroys(fetch).forEach(e -> queued.add(e.id()));
            List<PendingDestroy> live = group.stream().filter(e -> queued.contains(e.id())).toList();
            Map<PendingDestroy, RuntimeException> f = io.queued().perform(live);
            List<PendingDestroy> done = new ArrayList<>(live);
            done.removeAll(f.keySet());
            io.queued().unfence(fid, done);
            done.forEach(e -> retry.remove(e.id()));
            failed.putAll(f);
            return done.size();
        } finally {
            lock.unlock();
        }
    }

    private void backOff(PendingDestroy e, RuntimeException why) {
        long[] r = retry.computeIfAbsent(e.id(), k -> new long[2]);
        r[1]++;
        long delay = Math.min(maxBackoff.toNanos(), interval.toNanos() << Math.min(20, r[1] - 1));
        r[0] = System.nanoTime() + delay;
        LOG.warn("{} of {} on {} failed ({} time(s)), trying again in {} ms: {}",
                e.isDestroy() ? "destroy" : "punch", e.object(), e.fid(), r[1], delay / 1_000_000, why.toString());
    }

    /** Stops the background thread (entries left are done by the next Destroyer). */
    @Override
    public void close() {
        closing.countDown();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
