package io.nacre.engine.io;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.meta.MetadataService;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access to released data queues a restore, once per file rather than once per read: the first access
 * asks the coordinator in the background and every access answers DELAY at once (NFS4ERR_DELAY: the
 * client retries; no thread waits here). While the restore is pending the file is looked at again now
 * and then: when its restore failed for good, the next access gets the error (EIO, as Lustre) and the
 * one after asks again.
 */
final class RestoreOnAccess {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreOnAccess.class);

    /** How often a pending restore is looked at again. */
    private static final long RECHECK_NANOS = 5_000_000_000L;
    /** Files not accessed for this long are forgotten. */
    private static final long FORGET_NANOS = 600_000_000_000L;

    /** A file whose restore was asked for: when, when last looked at, and the error to give, if any. */
    private static final class Pending {
        final long asked = System.nanoTime();
        final long askedAt = nowEpochNanos();
        volatile long checked = System.nanoTime();
        volatile long accessed = System.nanoTime();
        volatile boolean checking = true;
        volatile NacreException failure;
    }

    private final MetadataService mds;
    private final ExecutorService threads;
    private final Map<Fid, Pending> pending = new ConcurrentHashMap<>();

    RestoreOnAccess(MetadataService mds, ExecutorService threads) {
        this.mds = mds;
        this.threads = threads;
    }

    /** Released data of {@code fid} was accessed: queue its restore if not yet, then throw DELAY (or the failure). */
    NacreException accessed(Fid fid, int archiveId) {
        long now = System.nanoTime();
        Pending p = pending.computeIfAbsent(fid, f -> {
            Pending n = new Pending();
            threads.execute(() -> ask(f, n));
            return n;
        });
        p.accessed = now;
        NacreException failed = p.failure;
        if (failed != null) {
            pending.remove(fid, p);
            return failed;
        }
        if (!p.checking && now - p.checked > RECHECK_NANOS) {
            p.checking = true;
            p.checked = now;
            threads.execute(() -> recheck(fid, p));
        }
        if (pending.size() > 1024) {
            pending.values().removeIf(x -> now - x.accessed > FORGET_NANOS);
        }
        return new NacreException(Status.DELAY, "the data of " + fid + " is released to archive " + archiveId
                + "; it is being restored, try again shortly");
    }

    /** The file's data was readable: nothing pending for it any more. */
    void available(Fid fid) {
        if (!pending.isEmpty()) {
            pending.remove(fid);
        }
    }

    private void ask(Fid fid, Pending p) {
        try {
            HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.RESTORE, fid, 0, 0);
            LOG.debug("restore of {} on access: request {}", fid, r == null ? "none needed" : r.id());
        } catch (NacreException e) {
            if (e.status() == Status.IO || e.status() == Status.STALE) {
                p.failure = new NacreException(Status.IO, "cannot restore " + fid + ": " + e.getMessage(), e);
            } else {
                LOG.warn("could not queue the restore of {}: {}", fid, e.toString());
            }
        } catch (RuntimeException e) {
            LOG.warn("could not queue the restore of {}", fid, e);
        } finally {
            p.checked = System.nanoTime();
            p.checking = false;
        }
    }

    /** A pending restore: still queued or running, or failed for good since it was asked for? */
    private void recheck(Fid fid, Pending p) {
        try {
            List<HsmRequest> restores = mds.hsmRequests(fid).stream().filter(r -> r.action() == HsmAction.RESTORE)
                    .sorted(Comparator.comparingLong(HsmRequest::id)).toList();
            boolean active = restores.stream().anyMatch(r -> r.state().active());
            if (active) {
                return;
            }
            HsmRequest last = restores.isEmpty() ? null : restores.get(restores.size() - 1);
            if (last != null && last.state() == HsmRequest.State.FAILED && last.finished() >= p.askedAt) {
                p.failure = new NacreException(Status.IO, "the restore of " + fid + " failed: " + last.message());
                return;
            }
            // Nothing queued (finished and forgotten, or cancelled): ask again.
            p.checking = true;
            ask(fid, p);
        } catch (RuntimeException e) {
            LOG.warn("could not look at the restore of {}: {}", fid, e.toString());
        } finally {
            p.checking = false;
        }
    }

    private static long nowEpochNanos() {
        return FileIo.nowNanos();
    }
}
