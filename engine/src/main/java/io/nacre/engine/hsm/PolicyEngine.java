package io.nacre.engine.hsm;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in policy engine (what Robinhood does for Lustre): it reads the MDS changelog as a registered
 * consumer and applies {@link PolicyRules}.
 *
 * <ul>
 * <li>Archive: every created, written or truncated file becomes a candidate; once it has not been
 * modified for a rule's {@code older_than} and matches the rule (path, pool, size) it is queued for
 * archiving. Files from before the engine started are found by one namespace scan at start.</li>
 * <li>Release: when the OSTs of a pool are fuller than a rule's high watermark, the least recently used
 * archived (current, not never_release) files with data there are released until the pool is below the
 * low watermark, counting objects released but not destroyed yet as free-to-be. A release may give back
 * less than its file's size (an OST keeps a file's chunks in a data file shared with other files' until
 * that is mostly dead), so the engine measures instead of assuming: after it released files it waits until
 * the pool's OSTs have given back what they will ({@link OstUsage#bytesFreeing()} 0, every released object
 * destroyed; at most three passes, and at least 30 s), then releases the next ones while the pool is still
 * above the low watermark.</li>
 * <li>Remove: an unlink of a file with an archive copy queues the removal of the copy, not before
 * {@code remove_after}; the coordinator holds it durably. A sweep of the catalog now and then catches
 * copies whose file went otherwise (replaced by a rename).</li>
 * </ul>
 *
 * The changelog checkpoint is replicated (the consumer's cleared index at the MDS): a record is cleared
 * once what it asks for is decided, so a candidate still waiting to become idle holds its record, and a
 * restarted engine reads it again. Decisions are idempotent (the coordinator finds the same active
 * request), so a record read twice after a crash does no harm. {@link #plan} is the dry run: the same
 * decisions from a namespace scan and the catalog, printed, nothing changed.
 */
public final class PolicyEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyEngine.class);
    public static final String CONSUMER = "hsm-policy";
    private static final int PAGE = 1024;
    private static final Duration SWEEP_EVERY = Duration.ofHours(1);

    /** What the engine decided to do (or, in a dry run, would do). */
    public enum Kind { ARCHIVE, RELEASE, REMOVE }

    /** One decision, with a sentence on why. */
    public record Action(Kind kind, Fid fid, String path, long size, String why) {
        @Override
        public String toString() {
            return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + (path == null ? fid.toString() : path) + " "
                    + fid + " (" + size + " bytes): " + why;
        }
    }

    /** A pass: the decisions, how many changelog records were read, and the index cleared up to. */
    public record Report(List<Action> actions, long recordsRead, long clearedUpTo) {
    }

    /** A file that may need archiving: the changelog record that made it one (0: found by the scan) and when it last changed. */
    private record Candidate(long index, long changed) {
    }

    private final MetadataService mds;
    private final FileIo io;
    private final ObjectStore objects;
    private final PolicyRules rules;
    private final String consumer;
    private final Duration interval;
    private final Consumer<Action> listener;

    private final Map<Fid, Candidate> candidates = new HashMap<>();
    private final List<ObjectRef> releasing = new ArrayList<>();
    /** Release rules whose pool went past the high watermark and is not below the low one yet. */
    private final Set<String> draining = new HashSet<>();
    /**
     * Release rules that released files whose space their pool has not given back yet, with when
     * ({@link System#nanoTime}) they released: a rule waits for that at most {@link #awaitLimit}.
     */
    private final Map<String, Long> awaiting = new HashMap<>();
    private long next = -1;
    private long cleared = -1;
    private long lastSweep;
    private final CountDownLatch closing = new CountDownLatch(1);
    private Thread thread;

    private PolicyEngine(Builder b) {
        this.mds = b.mds;
        this.io = b.io;
        this.objects = b.objects;
        this.rules = b.rules;
        this.consumer = b.consumer;
        this.interval = b.interval;
        this.listener = b.listener;
    }

    public static Builder builder(MetadataService mds, FileIo io, ObjectStore objects, PolicyRules rules) {
        return new Builder(mds, io, objects, rules);
    }

    /** Builds a policy engine; every knob but the rules has a default. */
    public static final class Builder {
        private final MetadataService mds;
        private final FileIo io;
        private final ObjectStore objects;
        private final PolicyRules rules;
        private String consumer = CONSUMER;
        private Duration interval = Duration.ofMinutes(1);
        private Consumer<Action> listener = a -> { };

        private Builder(MetadataService mds, FileIo io, ObjectStore objects, PolicyRules rules) {
            this.mds = requireNonNull(mds, "mds");
            this.io = requireNonNull(io, "io");
            this.objects = requireNonNull(objects, "objects");
            this.rules = requireNonNull(rules, "rules");
        }

        /** The changelog consumer name (default "hsm-policy"); one engine per name. */
        public Builder consumer(String name) {
            consumer = requireNonNull(name, "consumer");
            return this;
        }

        /** How often a pass runs in the background (default 1 min). */
        public Builder interval(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("interval must be positive: " + d);
            }
            interval = d;
            return this;
        }

        /** Called with every decision as it is acted on. */
        public Builder listener(Consumer<Action> l) {
            listener = requireNonNull(l, "listener");
            return this;
        }

        public PolicyEngine build() {
            return new PolicyEngine(this);
        }
    }

    /**
     * How long a rule that released files waits at most for its pool to give their space back before it measures
     * again: three passes, and no less than 30 s (a checkpoint after the destroys, then compaction).
     */
    private Duration awaitLimit() {
        Duration three = interval.multipliedBy(3);
        return three.compareTo(Duration.ofSeconds(30)) < 0 ? Duration.ofSeconds(30) : three;
    }

    /** Runs a pass every interval in the background. */
    public synchronized PolicyEngine start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = Thread.ofVirtual().name("hsm-policy").start(() -> {
            try {
                do {
                    try {
                        runOnce();
                    } catch (NacreException e) {
                        LOG.warn("HSM policy pass failed, trying again in {}: {}", interval, e.toString());
                    }
                } while (!closing.await(interval.toNanos(), TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return this;
    }

    // ---- a pass ------------------------------------------------------------------------------------------------

    /** One pass: reads the changelog from the checkpoint, decides, acts, and moves the checkpoint. */
    public synchronized Report runOnce() {
        long now = nowNanos();
        List<Action> actions = new ArrayList<>();
        if (next < 0) {
            next = mds.changelogRegister(consumer);
            cleared = next - 1;
            if (!rules.archive().isEmpty()) {
                scan(f -> candidates.putIfAbsent(f.fid(), new Candidate(0, f.mtime())));
            }
        }
        long read = 0;
        while (true) {
            List<ChangelogRecord> page = mds.changelog(next, 4096);
            if (page.isEmpty()) {
                break;
            }
            for (ChangelogRecord r : page) {
                consume(r, actions);
                next = r.index() + 1;
                read++;
            }
        }
        archives(now, actions, false);
        for (PolicyRules.ReleaseRule rule : rules.release()) {
            release(rule, actions, false);
        }
        if (rules.removeAfterUnlink() != null && now - lastSweep > SWEEP_EVERY.toNanos()) {
            sweepTombstones(now, actions, false);
            lastSweep = now;
        }
        long upTo = candidates.values().stream().mapToLong(Candidate::index).filter(i -> i > 0).min().orElse(next) - 1;
        if (upTo > cleared) {
            mds.changelogClear(consumer, upTo);
            cleared = upTo;
        }
        return new Report(actions, read, cleared);
    }

    /**
     * The dry run: what a pass would do now, from a scan of the namespace (files not modified for long
     * enough), the pools' usage and the catalog (copies of deleted files), changing nothing.
     */
    public synchronized Report plan() {
        long now = nowNanos();
        List<Action> actions = new ArrayList<>();
        Map<Fid, Candidate> saved = new HashMap<>(candidates);
        candidates.clear();
        try {
            if (!rules.archive().isEmpty()) {
                scan(f -> candidates.put(f.fid(), new Candidate(0, f.mtime())));
            }
            archives(now, actions, true);
        } finally {
            candidates.clear();
            candidates.putAll(saved);
        }
        for (PolicyRules.ReleaseRule rule : rules.release()) {
            release(rule, actions, true);
        }
        if (rules.removeAfterUnlink() != null) {
            sweepTombstones(now, actions, true);
        }
        return new Report(actions, 0, cleared);
    }

    private void consume(ChangelogRecord r, List<Action> actions) {
        switch (r.type()) {
            case CREAT, MTIME, TRUNC, RENME -> {
                if (!rules.archive().isEmpty() && r.target() != null) {
                    Candidate c = candidates.get(r.target());
                    candidates.put(r.target(), new Candidate(r.index(), Math.max(r.time(), c == null ? 0 : c.changed())));
                }
            }
            case UNLNK -> {
                if ((r.flags() & ChangelogRecord.UNLINK_LAST) != 0) {
                    candidates.remove(r.target());
                }
                if ((r.flags() & ChangelogRecord.UNLINK_HSM_EXISTS) != 0 && rules.removeAfterUnlink() != null) {
                    long due = r.time() + rules.removeAfterUnlink().toNanos();
                    act(actions, new Action(Kind.REMOVE, r.target(), null, -1, "deleted at " + Instant.ofEpochSecond(0,
                            r.time()) + "; its copy goes at " + Instant.ofEpochSecond(0, due)), false,
                            () -> mds.hsmSubmit(Caller.ROOT, HsmAction.REMOVE, r.target(), 0, due));
                }
            }
            default -> {
            }
        }
    }

    // ---- archive -----------------------------------------------------------------------------------------------

    private void archives(long now, List<Action> actions, boolean dryRun) {
        if (rules.archive().isEmpty()) {
            return;
        }
        long soonest = rules.archive().stream().mapToLong(r -> r.olderThan().toNanos()).min().orElseThrow();
        for (Map.Entry<Fid, Candidate> e : new ArrayList<>(candidates.entrySet())) {
            Fid fid = e.getKey();
            Candidate c = e.getValue();
            if (now - c.changed() < soonest) {
                continue;
            }
            Attr a;
            try {
                a = mds.getattr(fid);
            } catch (NacreException ex) {
                if (ex.status() == Status.STALE) {
                    candidates.remove(fid);
                    continue;
                }
                throw ex;
            }
            long changed = Math.max(c.changed(), a.mtime());
            HsmState h = a.hsm();
            boolean current = h.has(HsmState.EXISTS) && h.has(HsmState.ARCHIVED) && !h.has(HsmState.DIRTY)
                    && !h.has(HsmState.LOST);
            if (!a.isRegular() || current || h.has(HsmState.RELEASED) || h.has(HsmState.NOARCHIVE)) {
                candidates.remove(fid);
                continue;
            }
            String path = pathOf(fid);
            PolicyRules.ArchiveRule rule = null;
            for (PolicyRules.ArchiveRule r : rules.archive()) {
                if (r.covers(path) && a.size() >= r.minSize() && a.size() <= r.maxSize()
                        && (r.pool().isEmpty() || onPool(fid, r.pool()))) {
                    rule = r;
                    break;
                }
            }
            if (rule == null) {
                candidates.remove(fid);
                continue;
            }
            if (now - changed < rule.olderThan().toNanos()) {
                candidates.put(fid, new Candidate(c.index(), changed));
                continue;
            }
            int archiveId = rule.archiveId();
            String why = "not modified for " + Duration.ofNanos(now - changed).toMinutes() + " min (rule " + rule.name() + ")";
            Outcome o = act(actions, new Action(Kind.ARCHIVE, fid, path, a.size(), why), dryRun,
                    () -> mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, fid, archiveId, 0));
            if (o != Outcome.LATER || dryRun) { // a refused archive is not asked again until the file changes
                candidates.remove(fid);
            }
        }
    }

    /** True when some of the file's data is on an OST of the pool (or its layout names the pool). */
    private boolean onPool(Fid fid, String pool) {
        Set<Integer> inPool = poolOsts(pool);
        Layout l = mds.layout(fid);
        for (Component c : l.components()) {
            Placement.Raid0 r = c.raid0();
            if (r == null) {
                continue;
            }
            if (pool.equals(r.pool())) {
                return true;
            }
            for (ObjectRef o : r.objects()) {
                if (inPool.contains(o.ost())) {
                    return true;
                }
            }
        }
        return false;
    }

    private Set<Integer> poolOsts(String pool) {
        Set<Integer> out = new HashSet<>();
        for (OstInfo o : mds.osts()) {
            if (o.inPool(pool)) {
                out.add(o.index());
            }
        }
        return out;
    }

    // ---- release -----------------------------------------------------------------------------------------------

    private void release(PolicyRules.ReleaseRule rule, List<Action> actions, boolean dryRun) {
        Set<Integer> pool = poolOsts(rule.pool());
        List<OstUsage> usages = new ArrayList<>();
        for (int ost : pool) {
            usages.add(objects.usage(ost));
        }
        OstUsage all = OstUsage.total(usages);
        long total = all.bytesTotal();
        long used = all.bytesUsed();
        releasing.removeIf(o -> objects.stat(o).bytesUsed() == 0);
        long toBeFreed = 0;
        for (ObjectRef o : releasing) {
            if (pool.contains(o.ost())) {
                toBeFreed += objects.stat(o).bytesUsed();
            }
        }
        Long releasedAt = dryRun ? null : awaiting.get(rule.name());
        if (releasedAt != null) {
            if ((toBeFreed > 0 || all.bytesFreeing() > 0) && System.nanoTime() - releasedAt < awaitLimit().toNanos()) {
                // What this rule released is still being given back: measured now, the pool would look fuller
                // than it will be, and the next files would go for nothing. Not for ever: other clients' deletes
                // on a busy pool may keep something to give back at every pass, and a pool filling up must
                // not wait on them.
                return;
            }
            awaiting.remove(rule.name());
        }
        long effective = used - toBeFreed;
        if (total == 0) {
            return;
        }
        // Past the high watermark, the rule releases down to the low one, over as many passes as it takes: a
        // release may give back less than the file's size (chunks in an OST data file shared with files not
        // released come back only once that file is mostly dead), and the pool must not stay between the two.
        boolean drain = effective > rule.high() * total
                || (draining.contains(rule.name()) && effective > rule.low() * total);
        if (!dryRun) {
            if (drain) {
                draining.add(rule.name());
            } else {
                draining.remove(rule.name());
            }
        }
        if (!drain) {
            return;
        }
        long target = effective - (long) (rule.low() * total);
        String where = rule.pool().isEmpty() ? "the OSTs" : "pool " + rule.pool();
        List<Releasable> candidates = releasable(pool);
        candidates.sort(Comparator.comparingLong(Releasable::lastUse));
        long freed = 0;
        for (Releasable r : candidates) {
            if (freed >= target) {
                break;
            }
            String why = where + " is " + percent(effective, total) + " full (high " + percent(rule.high()) + ", low "
                    + percent(rule.low()) + "), least recently used (rule " + rule.name() + ")";
            Outcome o = act(actions, new Action(Kind.RELEASE, r.fid(), pathOf(r.fid()), r.attr().size(), why), dryRun,
                    () -> io.release(Caller.ROOT, r.fid()));
            // only space really released counts: a refused file (being written) frees nothing, and its objects
            // counted as "being freed" would hold the pool above its low watermark for good
            if (o == Outcome.DONE) {
                freed += r.bytes();
                if (!dryRun) {
                    releasing.addAll(r.objects());
                    awaiting.put(rule.name(), System.nanoTime());
                }
            }
        }
        if (freed < target) {
            LOG.warn("HSM policy: {} stays above {} full: only {} bytes of archived files to release, {} needed", where,
                    percent(rule.low()), freed, target);
        }
    }

    private record Releasable(Fid fid, Attr attr, List<ObjectRef> objects, long bytes) {
        long lastUse() {
            return Math.max(attr.atime(), attr.mtime());
        }
    }

    /** Archived files, current, releasable, with objects on the pool, and the bytes those objects take there. */
    private List<Releasable> releasable(Set<Integer> pool) {
        List<Releasable> out = new ArrayList<>();
        Fid after = null;
        while (true) {
            List<HsmCatalogEntry> page = mds.hsmCatalog(after, PAGE);
            for (HsmCatalogEntry e : page) {
                after = e.fid();
                Attr a = e.attr();
                if (a == null || !a.isRegular()) {
                    continue;
                }
                HsmState h = a.hsm();
                if (!h.has(HsmState.EXISTS) || !h.has(HsmState.ARCHIVED) || h.has(HsmState.RELEASED)
                        || h.has(HsmState.DIRTY) || h.has(HsmState.NORELEASE) || h.has(HsmState.LOST)
                        || e.copy().dataVersion() != a.dataVersion()) {
                    continue;
                }
                List<ObjectRef> objs = mds.layout(e.fid()).objects().stream().filter(o -> pool.contains(o.ost())).toList();
                if (objs.isEmpty()) {
                    continue;
                }
                long bytes = 0;
                for (ObjectRef o : objs) {
                    bytes += objects.stat(o).bytesUsed();
                }
                out.add(new Releasable(e.fid(), a, objs, bytes));
            }
            if (page.size() < PAGE) {
                return out;
            }
        }
    }

    // ---- remove ------------------------------------------------------------------------------------------------

    /** Copies of deleted files with no removal queued: queue it (not before the rule says). */
    private void sweepTombstones(long now, List<Action> actions, boolean dryRun) {
        Fid after = null;
        while (true) {
            List<HsmCatalogEntry> page = mds.hsmCatalog(after, PAGE);
            for (HsmCatalogEntry e : page) {
                after = e.fid();
                if (e.attr() != null || e.copy().unlinked() == 0) {
                    continue;
                }
                if (mds.hsmRequests(e.fid()).stream().anyMatch(r -> r.state().active() && r.action() == HsmAction.REMOVE)) {
                    continue;
                }
                long due = e.copy().unlinked() + rules.removeAfterUnlink().toNanos();
                Fid fid = e.fid();
                act(actions, new Action(Kind.REMOVE, fid, null, e.copy().size(), "deleted at "
                        + Instant.ofEpochSecond(0, e.copy().unlinked()) + "; its copy " + e.copy().handle() + " goes "
                        + (due <= now ? "now" : "at " + Instant.ofEpochSecond(0, due))), dryRun,
                        () -> mds.hsmSubmit(Caller.ROOT, HsmAction.REMOVE, fid, 0, due));
            }
            if (page.size() < PAGE) {
                return;
            }
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    /** What became of an action: done (or planned, in a dry run), to be tried again later, or refused for good. */
    private enum Outcome {
        DONE, LATER, REFUSED
    }

    /** Records an action and, unless a dry run, does it (an action not done yet is tried next pass). */
    private Outcome act(List<Action> actions, Action a, boolean dryRun, Runnable doIt) {
        if (!dryRun) {
            try {
                doIt.run();
            } catch (NacreException e) {
                if (e.status() == Status.UNAVAILABLE || e.status() == Status.DELAY) {
                    LOG.warn("HSM policy: {} not done yet: {}", a, e.getMessage());
                    return Outcome.LATER;
                }
                LOG.info("HSM policy: {} refused: {}", a, e.getMessage());
                return Outcome.REFUSED;
            }
            listener.accept(a);
            LOG.info("HSM policy: {}", a);
        }
        actions.add(a);
        return Outcome.DONE;
    }

    private String pathOf(Fid fid) {
        try {
            return mds.path(fid);
        } catch (NacreException e) {
            return null;
        }
    }

    /** Every regular file of the namespace, with its attributes. */
    private void scan(Consumer<Attr> each) {
        Deque<Fid> dirs = new ArrayDeque<>();
        dirs.push(Fid.ROOT);
        while (!dirs.isEmpty()) {
            Fid dir = dirs.pop();
            String after = "";
            while (true) {
                DirPage page;
                try {
                    page = mds.list(Caller.ROOT, dir, after, PAGE);
                } catch (NacreException e) {
                    if (e.status() == Status.STALE || e.status() == Status.NOT_FOUND) {
                        break;
                    }
                    throw e;
                }
                for (DirEntry e : page.entries()) {
                    after = e.name();
                    if (e.attr().isDir()) {
                        dirs.push(e.attr().fid());
                    } else if (e.attr().isRegular()) {
                        each.accept(e.attr());
                    }
                }
                if (page.eof() || page.entries().isEmpty()) {
                    break;
                }
            }
        }
    }

    private static String percent(long part, long whole) {
        return percent((double) part / whole);
    }

    private static String percent(double f) {
        return "%.1f%%".formatted(100 * f);
    }

    private static long nowNanos() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** Stops the background passes (the checkpoint stays at the MDS; a new engine goes on from it). */
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
