package io.nacre.engine.hsm;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HiddenDirectory;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.store.Durability;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HSM agent: pulls requests for its copytool's archives from the coordinator, runs at most
 * {@code maxActions} of them at once (so a restore storm queues at the coordinator, fairly, instead of
 * swamping the archive), reports their progress, and completes them. It keeps nothing the coordinator
 * does not: when it is killed, its requests time out at the coordinator and go to another agent; staged
 * restore files it leaves are removed by the next agent that starts.
 *
 * <p>ARCHIVE reads the file through FileIo and hands the bytes to the copytool. RESTORE writes the
 * copytool's bytes into a new file in a staging directory under {@link Fid#HIDDEN}, laid out as the file
 * was, durably; the coordinator then swaps that layout into the released file. REMOVE is the copytool's.
 */
public final class HsmAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HsmAgent.class);

    /** The directory under {@link Fid#HIDDEN} where restores are staged. */
    public static final String STAGING = "hsm-restore";

    private final MetadataService mds;
    private final FileIo io;
    private final Copytool copytool;
    private final String name;
    private final Set<Integer> archiveIds;
    private final int maxActions;
    private final Duration pollInterval;
    private volatile Duration progressInterval;

    private final ExecutorService actions = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore slots;
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final List<Thread> loops = new ArrayList<>();
    private volatile Fid stagingDir;

    /** A request being worked on: its bytes so far, and whether it was taken away. */
    private static final class Running {
        final HsmWork work;
        final AtomicLong bytes = new AtomicLong();
        volatile boolean stopped;
        volatile Thread thread;

        Running(HsmWork work) {
            this.work = work;
        }
    }

    private HsmAgent(Builder b) {
        this.mds = b.mds;
        this.io = b.io;
        this.copytool = b.copytool;
        this.name = b.name != null ? b.name : defaultName();
        this.archiveIds = Set.copyOf(b.copytool.archiveIds());
        this.maxActions = b.maxActions;
        this.pollInterval = b.pollInterval;
        this.progressInterval = b.progressInterval;
        this.slots = new Semaphore(b.maxActions);
        if (archiveIds.isEmpty()) {
            throw new IllegalArgumentException("the copytool serves no archive id");
        }
        archiveIds.forEach(HsmLimits::checkArchiveId);
    }

    public static Builder builder(MetadataService mds, FileIo io, Copytool copytool) {
        return new Builder(mds, io, copytool);
    }

    /** Builds an agent; every knob has a default. */
    public static final class Builder {
        private final MetadataService mds;
        private final FileIo io;
        private final Copytool copytool;
        private String name;
        private int maxActions = 4;
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration progressInterval = Duration.ofSeconds(5);

        private Builder(MetadataService mds, FileIo io, Copytool copytool) {
            this.mds = requireNonNull(mds, "mds");
            this.io = requireNonNull(io, "io");
            this.copytool = requireNonNull(copytool, "copytool");
        }

        /** The agent's name at the coordinator (default: host, process id and a random part, new each start). */
        public Builder name(String n) {
            name = requireNonNull(n, "name");
            return this;
        }

        /** How many requests run at once (default 4). */
        public Builder maxActions(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("max actions must be 1..1024: " + n);
            }
            maxActions = n;
            return this;
        }

        /** How long to wait before asking again when the queue was empty (default 1 s). */
        public Builder pollInterval(Duration d) {
            pollInterval = positive(d, "poll interval");
            return this;
        }

        /** How often running requests' progress is reported (default 5 s; keep it well under the active request timeout). */
        public Builder progressInterval(Duration d) {
            progressInterval = positive(d, "progress interval");
            return this;
        }

        public HsmAgent build() {
            return new HsmAgent(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }
    }

    private static String defaultName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        long pid = ManagementFactory.getRuntimeMXBean().getPid();
        return host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String name() {
        return name;
    }

    /** Requests completed successfully, and ended in failure, by this agent since it started. */
    public long succeeded() {
        return succeeded.get();
    }

    public long failed() {
        return failed.get();
    }

    /** Removes staged files left by dead agents, then starts pulling work. */
    public synchronized HsmAgent start() {
        if (!loops.isEmpty()) {
            throw new IllegalStateException("already started");
        }
        try {
            sweepStaging();
            // Report well within the coordinator's timeout, whatever it is set to.
            Duration quarter = mds.hsmStatus(0).config().activeRequestTimeout().dividedBy(4);
            if (quarter.compareTo(progressInterval) < 0) {
                progressInterval = quarter;
            }
        } catch (NacreException e) {
            LOG.warn("HSM agent {}: could not sweep the staging directory: {}", name, e.toString());
        }
        loops.add(Thread.ofVirtual().name("hsm-agent-fetch").start(this::fetchLoop));
        loops.add(Thread.ofVirtual().name("hsm-agent-progress").start(this::progressLoop));
        LOG.info("HSM agent {} serving archive(s) {} with up to {} actions at once", name, archiveIds, maxActions);
        return this;
    }

    // ---- pulling work --------------------------------------------------------------------------------------

    private void fetchLoop() {
        try {
            while (closing.getCount() > 0) {
                if (!slots.tryAcquire(pollInterval.toNanos(), TimeUnit.NANOSECONDS)) {
                    continue;
                }
                int n = 1 + slots.drainPermits();
                List<HsmWork> work;
                try {
                    work = closing.getCount() == 0 ? List.of() : mds.hsmFetch(name, archiveIds, n);
                } catch (NacreException e) {
                    LOG.warn("HSM agent {}: fetching work failed, trying again: {}", name, e.toString());
                    work = List.of();
                }
                slots.release(n - work.size());
                for (HsmWork w : work) {
                    Running r = new Running(w);
                    running.put(w.requestId(), r);
                    actions.execute(() -> run(r));
                }
                if (work.isEmpty() && closing.await(pollInterval.toNanos(), TimeUnit.NANOSECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void progressLoop() {
        try {
            while (!closing.await(progressInterval.toNanos(), TimeUnit.NANOSECONDS)) {
                reportProgress();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Tells the coordinator how far each running request is; stops those it took away. */
    void reportProgress() {
        if (running.isEmpty()) {
            return;
        }
        Map<Long, Long> bytes = new HashMap<>();
        running.forEach((id, r) -> bytes.put(id, r.bytes.get()));
        try {
            for (long id : mds.hsmProgress(name, bytes)) {
                Running r = running.get(id);
                if (r != null) {
                    LOG.info("HSM agent {}: request {} was taken away (cancelled or timed out); stopping it", name, id);
                    r.stopped = true;
                    Thread t = r.thread;
                    if (t != null) {
                        t.interrupt();
                    }
                }
            }
        } catch (NacreException e) {
            LOG.warn("HSM agent {}: reporting progress failed: {}", name, e.toString());
        }
    }

    // ---- running one request ------------------------------------------------------------------------------

    private void run(Running r) {
        r.thread = Thread.currentThread();
        HsmWork w = r.work;
        Copytool.Progress progress = bytes -> {
            r.bytes.set(bytes);
            if (r.stopped) {
                throw new NacreException(Status.BUSY, "request " + w.requestId() + " was taken from this agent");
            }
        };
        String staged = null;
        try {
            LOG.debug("HSM agent {}: {} {} of {} (attempt {})", name, w.action(), w.requestId(), w.fid(), w.attempt());
            HsmOutcome outcome = switch (w.action()) {
                case ARCHIVE -> archive(w, progress);
                case RESTORE -> {
                    staged = w.fid().toHex() + "." + w.requestId() + "." + w.attempt();
                    yield restore(w, staged, progress);
                }
                case REMOVE -> {
                    copytool.remove(job(w, null, null));
                    yield new HsmOutcome.Removed();
                }
                case CANCEL -> new HsmOutcome.Failed(Status.INVALID, "CANCEL is not handed to agents");
            };
            complete(r, outcome, staged);
        } catch (RuntimeException e) {
            if (staged != null) {
                removeStaged(staged);
            }
            if (r.stopped) {
                LOG.info("HSM agent {}: request {} stopped: {}", name, w.requestId(), e.toString());
            } else {
                NacreException ne = NacreException.from(e);
                LOG.warn("HSM agent {}: {} {} of {} failed: {}", name, w.action(), w.requestId(), w.fid(), ne.getMessage());
                complete(r, new HsmOutcome.Failed(ne.status(), ne.getMessage() == null ? ne.toString() : ne.getMessage()),
                        null);
            }
        } finally {
            running.remove(w.requestId());
            slots.release();
            Thread.interrupted();
        }
    }

    private HsmOutcome archive(HsmWork w, Copytool.Progress progress) {
        Attr attr = mds.getattr(w.fid());
        String path;
        try {
            path = mds.path(w.fid());
        } catch (NacreException e) {
            if (e.status() != Status.NOT_FOUND) {
                throw e;
            }
            path = null;
        }
        try (FileIo.Reader reader = io.openReader(w.fid(), 0, attr.size())) {
            Copytool.Archived a = copytool.archive(job(w, path, attr), reader, progress);
            if (a.size() != attr.size()) {
                throw new NacreException(Status.IO, "archived " + a.size() + " bytes of " + attr.size());
            }
            return new HsmOutcome.Archived(a.handle(), a.checksum(), a.size(), attr.dataVersion());
        }
    }

    private HsmOutcome restore(HsmWork w, String staged, Copytool.Progress progress) {
        if (w.copy() == null) {
            throw new NacreException(Status.INVALID, "restore " + w.requestId() + " names no archive copy");
        }
        Fid dir = stagingDir();
        if (w.attempt() > 1) {
            removeEarlierAttempts(dir, w, staged);
        }
        CreateSpec spec = CreateSpec.builder(FileType.REGULAR).mode(0600).layout(w.copy().template()).build();
        Fid f;
        try {
            f = mds.create(Caller.ROOT, dir, staged, spec).attr().fid();
        } catch (NacreException e) {
            if (e.status() != Status.EXISTS) {
                throw e;
            }
            removeStaged(staged);
            f = mds.create(Caller.ROOT, dir, staged, spec).attr().fid();
        }
        try (FileIo.Writer out = io.openWriter(f, 0, Durability.STABLE)) {
            copytool.restore(job(w, null, null), out, progress);
        }
        return new HsmOutcome.Restored(dir, staged);
    }

    private static Copytool.Job job(HsmWork w, String path, Attr attr) {
        return new Copytool.Job(w.requestId(), w.action(), w.fid(), w.archiveId(), path, attr, w.action()
                == HsmAction.ARCHIVE ? w.previous() : w.copy());
    }

    /** Completes a request at the coordinator; a staged restore file the coordinator did not take is removed. */
    private void complete(Running r, HsmOutcome outcome, String staged) {
        HsmWork w = r.work;
        if (r.stopped) {
            if (staged != null) {
                removeStaged(staged);
            }
            return;
        }
        try {
            HsmRequest done = mds.hsmComplete(name, w.requestId(), w.attempt(), outcome);
            if (done.state() == HsmRequest.State.SUCCEEDED) {
                succeeded.incrementAndGet();
            } else if (!done.state().active()) {
                failed.incrementAndGet();
            }
            if (staged != null && done.state() != HsmRequest.State.SUCCEEDED) {
                removeStaged(staged);
            }
            LOG.debug("HSM agent {}: request {} is {}", name, w.requestId(), done.state());
        } catch (NacreException e) {
            LOG.warn("HSM agent {}: completing request {} failed: {}", name, w.requestId(), e.getMessage());
            if (staged != null) {
                removeStaged(staged);
            }
        }
    }

    // ---- the staging directory -------------------------------------------------------------------------------

    private Fid stagingDir() {
        Fid d = stagingDir;
        if (d != null) {
            return d;
        }
        d = HiddenDirectory.of(mds, STAGING, 0700);
        stagingDir = d;
        return d;
    }

    private void removeStaged(String staged) {
        try {
            mds.remove(Caller.ROOT, stagingDir(), staged, RemoveKind.FILE);
        } catch (NacreException e) {
            if (e.status() != Status.NOT_FOUND) {
                LOG.warn("HSM agent {}: could not remove staged restore {}: {}", name, staged, e.toString());
            }
        }
    }

    /** A retried restore: what earlier attempts of it staged (an agent killed mid-restore) goes. */
    private void removeEarlierAttempts(Fid dir, HsmWork w, String staged) {
        String prefix = w.fid().toHex() + "." + w.requestId() + ".";
        String after = w.fid().toHex();
        while (true) {
            DirPage page = mds.list(Caller.ROOT, dir, after, 64);
            for (DirEntry e : page.entries()) {
                if (!e.name().startsWith(w.fid().toHex())) {
                    return;
                }
                after = e.name();
                if (e.name().startsWith(prefix) && !e.name().equals(staged)) {
                    LOG.info("HSM agent {}: removing {}, staged by an earlier attempt of request {}", name, e.name(),
                            w.requestId());
                    removeStaged(e.name());
                }
            }
            if (page.eof() || page.entries().isEmpty()) {
                return;
            }
        }
    }

    /**
     * Removes staged restore files ({@code <fid>.<request>.<attempt>}) whose attempt no longer holds its
     * request: what an agent killed mid-restore leaves behind.
     */
    public int sweepStaging() {
        Fid dir = stagingDir();
        int removed = 0;
        String after = "";
        while (true) {
            DirPage page = mds.list(Caller.ROOT, dir, after, 1024);
            for (DirEntry e : page.entries()) {
                after = e.name();
                if (obsolete(e.name())) {
                    removeStaged(e.name());
                    removed++;
                }
            }
            if (page.eof() || page.entries().isEmpty()) {
                break;
            }
        }
        if (removed > 0) {
            LOG.info("HSM agent {}: removed {} staged restore file(s) left by stopped agents", name, removed);
        }
        return removed;
    }

    private boolean obsolete(String staged) {
        String[] parts = staged.split("\\.");
        if (parts.length != 3) {
            return false;
        }
        try {
            Fid fid = Fid.fromHex(parts[0]);
            long id = Long.parseLong(parts[1]);
            int attempt = Integer.parseInt(parts[2]);
            return mds.hsmRequests(fid).stream().noneMatch(q -> q.id() == id && q.attempt() == attempt
                    && q.state() == HsmRequest.State.STARTED);
        } catch (NumberFormatException | NacreException e) {
            return false;
        }
    }

    // ---- life cycle ------------------------------------------------------------------------------------------

    /**
     * Stops pulling work, stops the running requests and hands them back to the coordinator (as failed
     * attempts, so they are retried at once rather than after the timeout).
     */
    @Override
    public void close() {
        if (closing.getCount() == 0) {
            return;
        }
        closing.countDown();
        for (Thread t : loops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Running r : running.values()) {
            HsmWork w = r.work;
            r.stopped = true;
            Thread t = r.thread;
            if (t != null) {
                t.interrupt();
            }
            try {
                mds.hsmComplete(name, w.requestId(), w.attempt(), new HsmOutcome.Failed(Status.UNAVAILABLE,
                        "agent " + name + " stopped"));
            } catch (NacreException e) {
                LOG.debug("HSM agent {}: handing back {}: {}", name, w.requestId(), e.toString());
            }
        }
        actions.close();
        LOG.info("HSM agent {} stopped ({} done, {} failed)", name, succeeded.get(), failed.get());
    }
}
