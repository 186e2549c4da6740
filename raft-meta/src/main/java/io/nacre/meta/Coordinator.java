package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.ArchiveCopy;
import io.nacre.engine.hsm.FairQueue;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmEvents;
import io.nacre.engine.hsm.HsmEvents.Event;
import io.nacre.engine.hsm.HsmImport;
import io.nacre.engine.hsm.HsmLimits;
import io.nacre.engine.hsm.HsmOutcome;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmRequest.State;
import io.nacre.engine.hsm.HsmWork;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.ChangelogRecord.Type;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.PendingDestroy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lustre's HSM coordinator as namespace operations ({@link HsmOp}), checked and applied like the others
 * (see {@link Namespace}): checks first, then, unless {@link Tx#dryRun()}, the changes. The queue, the
 * catalog of archive copies and the agents live in the "hsm" database ({@link HsmTable}). Time is the
 * entry's; which waiting requests an agent gets is decided by the leader ({@link #decide}) and only
 * re-checked here, so every replica hands out the same.
 *
 * <p>A request is held by one attempt at a time (agent and attempt number): progress reports push its
 * deadline back; past the deadline the next fetch hands it back to the queue (or, after the attempt
 * limit, fails it), and a late report or completion from the old attempt is refused. So an agent killed
 * mid-action loses nothing, and no request completes twice.
 */
final class Coordinator {

    /** The most due timers, expired attempts and finished requests one fetch tidies. */
    private static final int HOUSEKEEPING_MAX = 1024;
    /** How many requests of each class the leader looks at when picking. */
    private static final int MAX_FETCH = 1024;
    private static final int KNOWN_FLAGS = 0x7f;
    private static final int NEEDS_EXISTS = HsmState.DIRTY | HsmState.ARCHIVED | HsmState.LOST;

    private Coordinator() {
    }

    static Object apply(Tx tx, long now, HsmOp op) {
        return switch (op) {
            case HsmOp.SetState s -> setState(tx, now, s);
            case HsmOp.Submit s -> submit(tx, now, s);
            case HsmOp.Release r -> release(tx, now, r);
            case HsmOp.Fetch f -> fetch(tx, now, f);
            case HsmOp.Progress p -> progress(tx, now, p);
            case HsmOp.Complete c -> complete(tx, now, c);
            case HsmOp.Import i -> importStub(tx, now, i);
            case HsmOp.Configure c -> configure(tx, c);
        };
    }

    // ---- flags ------------------------------------------------------------------------------------------

    private static HsmState setState(Tx tx, long now, HsmOp.SetState op) {
        Caller c = op.caller();
        Inode n = needRegular(tx, op.fid());
        if (((op.set() | op.clear()) & ~KNOWN_FLAGS) != 0) {
            throw new NacreException(Status.INVALID, "unknown HSM flags 0x" + Integer.toHexString((op.set() | op.clear())
                    & ~KNOWN_FLAGS));
        }
        if (((op.set() | op.clear()) & HsmState.RELEASED) != 0) {
            throw new NacreException(Status.INVALID, "released is set by hsm release and cleared by restore, not by hand");
        }
        if (!c.isRoot()) {
            int notUsers = (op.set() | op.clear()) & ~HsmState.USER_SETTABLE;
            if (notUsers != 0 || op.archiveId() != 0) {
                throw new NacreException(Status.PERM, "only root may change " + (notUsers != 0
                        ? new HsmState(notUsers, 0).describe().replaceFirst("^\\(0x[0-9a-f]+\\) ?", "")
                        : "the archive id") + " (owners may set never_release, never_archive and dirty)");
            }
            Permissions.requireOwner(c, n, "change HSM flags");
        }
        if (op.archiveId() != 0) {
            HsmLimits.checkArchiveId(op.archiveId());
        }
        int flags = (n.hsmFlags | op.set()) & ~op.clear();
        if ((n.hsmFlags & HsmState.RELEASED) != 0) {
            if ((op.set() & HsmState.NORELEASE) != 0) {
                throw new NacreException(Status.INVALID, n.fid + " is released: never_release cannot be set on it");
            }
            if ((op.clear() & (HsmState.EXISTS | HsmState.ARCHIVED)) != 0) {
                throw new NacreException(Status.BUSY, n.fid + " is released: its data is only in the archive, so exists "
                        + "and archived stay until it is restored");
            }
        }
        if ((flags & NEEDS_EXISTS) != 0 && (flags & HsmState.EXISTS) == 0) {
            throw new NacreException(Status.INVALID, "dirty, archived and lost need exists (a copy in an archive)");
        }
        if (tx.dryRun()) {
            return null;
        }
        n.hsmFlags = flags;
        if (op.archiveId() != 0) {
            n.hsmArchive = op.archiveId();
        }
        n.touchCtime(now);
        tx.put(n);
        record(tx, now, c, n.fid, Event.STATE, null, (flags & HsmState.DIRTY) != 0);
        return new HsmState(n.hsmFlags, n.hsmArchive);
    }

    // ---- requests -------------------------------------------------------------------------------------

    private static HsmRequest submit(Tx tx, long now, HsmOp.Submit op) {
        HsmTable t = new HsmTable(tx);
        Caller c = op.caller();
        if (op.archiveId() != 0) {
            HsmLimits.checkArchiveId(op.archiveId());
        }
        if (op.notBefore() < 0) {
            throw new NacreException(Status.INVALID, "not-before time must be >= 0");
        }
        if (op.action() == HsmAction.CANCEL) {
            return cancel(tx, now, t, c, op.fid());
        }
        Inode n = tx.inode(op.fid());
        ArchiveCopy copy = t.copy(op.fid());
        if (n == null && !(op.action() == HsmAction.REMOVE && copy != null)) {
            throw new NacreException(Status.STALE, "no inode " + op.fid() + " (removed, or never existed)");
        }
        if (n != null && !n.isRegular()) {
            throw new NacreException(Status.INVALID, "HSM is for regular files; " + op.fid() + " is a " + n.type);
        }
        if (op.action() == HsmAction.RESTORE) {
            if (!c.isRoot()) {
                Permissions.require(c, n, Access.READ, "restore", null);
            }
        } else if (!c.isRoot()) {
            throw new NacreException(Status.PERM, "only root may " + op.action().name().toLowerCase(java.util.Locale.ROOT)
                    + " (users may ask for restores)");
        }
        int archiveId = op.archiveId() != 0 ? op.archiveId()
                : n != null && n.hsmArchive != 0 ? n.hsmArchive
                : copy != null ? copy.archiveId() : t.config().defaultArchiveId();
        for (HsmRequest r : t.activeOf(op.fid())) {
            if (r.handle() != null) {
                continue; // removal of a replaced copy: independent of the file's own requests
            }
            if (r.action() == op.action()) {
                return r;
            }
            throw new NacreException(Status.BUSY, op.fid() + " has a " + r.action() + " request (" + r.id() + ") "
                    + r.state().name().toLowerCase(java.util.Locale.ROOT) + "; cancel it or wait");
        }
        int flags = n == null ? 0 : n.hsmFlags;
        switch (op.action()) {
            case ARCHIVE -> {
                if ((flags & HsmState.NOARCHIVE) != 0) {
                    throw new NacreException(Status.PERM, op.fid() + " is never_archive");
                }
                if ((flags & HsmState.RELEASED) != 0) {
                    return null; // its copy is its data
                }
                if ((flags & HsmState.EXISTS) != 0 && n.hsmArchive != 0 && n.hsmArchive != archiveId) {
                    throw new NacreException(Status.INVALID, op.fid() + " has its copy in archive " + n.hsmArchive
                            + "; remove it from there first");
                }
                if (isCurrent(n, copy)) {
                    return null;
                }
            }
            case RESTORE -> {
                if ((flags & HsmState.RELEASED) == 0) {
                    return null;
                }
                if ((flags & HsmState.LOST) != 0) {
                    throw new NacreException(Status.IO, op.fid() + " is lost_from_hsm: its archive copy could not be "
                            + "read, and it has no other");
                }
                if (copy == null) {
                    throw new NacreException(Status.IO, op.fid() + " is released but no archive copy is recorded");
                }
            }
            case REMOVE -> {
                if (copy == null && (flags & HsmState.EXISTS) == 0) {
                    return null;
                }
                if ((flags & HsmState.RELEASED) != 0) {
                    throw new NacreException(Status.BUSY, op.fid() + " is released: the archive holds its only copy; "
                            + "restore it before removing the copy");
                }
            }
            case CANCEL -> throw new IllegalStateException("handled above");
        }
        if (tx.dryRun()) {
            return null;
        }
        HsmRequest r = new HsmRequest(t.nextId(), op.action(), op.fid(), archiveId, State.WAITING, c.uid(), now,
                op.notBefore(), "", 0, 0, 0, 0, 0, null, "", null);
        t.insert(r, now);
        return r;
    }

    /** A copy that holds the file's data as it is now. */
    private static boolean isCurrent(Inode n, ArchiveCopy copy) {
        int f = n.hsmFlags;
        return (f & HsmState.EXISTS) != 0 && (f & HsmState.ARCHIVED) != 0 && (f & (HsmState.DIRTY | HsmState.LOST)) == 0
                && copy != null && copy.dataVersion() == n.dataVersion && copy.size() == n.size;
    }

    private static HsmRequest cancel(Tx tx, long now, HsmTable t, Caller c, Fid fid) {
        List<HsmRequest> active = t.activeOf(fid);
        HsmRequest last = null;
        for (HsmRequest r : active) {
            if (!c.isRoot() && c.uid() != r.uid()) {
                throw new NacreException(Status.PERM, "request " + r.id() + " is uid " + r.uid() + "'s: only they or root "
                        + "may cancel it");
            }
        }
        if (tx.dryRun()) {
            return null;
        }
        for (HsmRequest r : active) {
            last = finish(tx, t, now, r, State.CANCELED, Status.BUSY, "cancelled by uid " + c.uid());
        }
        return last;
    }

    /** Moves a request to a final state and records the outcome in the changelog. */
    private static HsmRequest finish(Tx tx, HsmTable t, long now, HsmRequest r, State state, Status error, String message) {
        HsmRequest done = with(r, state, r.notBefore(), r.agent(), r.attempt(), r.started(), r.deadline(), r.bytesDone(),
                now, error, message);
        t.update(r, done, now);
        Event e = switch (r.action()) {
            case ARCHIVE -> Event.ARCHIVE;
            case RESTORE -> Event.RESTORE;
            case REMOVE -> Event.REMOVE;
            case CANCEL -> Event.CANCEL;
        };
        if (state == State.CANCELED) {
            e = Event.CANCEL;
        }
        Inode n = tx.inode(r.fid());
        boolean dirty = n != null && (n.hsmFlags & HsmState.DIRTY) != 0;
        int errno = state == State.SUCCEEDED ? 0 : state == State.CANCELED ? HsmEvents.ECANCELED : HsmEvents.errno(error);
        tx.changelog(Type.HSM, now, null, r.fid(), null, null, null, null, HsmEvents.flags(e, errno, dirty));
        return done;
    }

    private static HsmRequest with(HsmRequest r, State state, long notBefore, String agent, int attempt, long started,
                                   long deadline, long bytesDone, long finished, Status error, String message) {
        return new HsmRequest(r.id(), r.action(), r.fid(), r.archiveId(), state, r.uid(), r.submitted(), notBefore, agent,
                attempt, started, deadline, bytesDone, finished, error, message, r.handle());
    }

    // ---- release --------------------------------------------------------------------------------------------

    private static io.nacre.engine.meta.Attr release(Tx tx, long now, HsmOp.Release op) {
        if (!op.caller().isRoot()) {
            throw new NacreException(Status.PERM, "only root may release files");
        }
        Inode n = needRegular(tx, op.fid());
        int f = n.hsmFlags;
        if ((f & HsmState.RELEASED) != 0) {
            return n.attr();
        }
        if ((f & HsmState.EXISTS) == 0 || (f & HsmState.ARCHIVED) == 0) {
            throw new NacreException(Status.INVALID, n.fid + " is not archived: archive it before releasing it");
        }
        if ((f & HsmState.DIRTY) != 0) {
            throw new NacreException(Status.BUSY, n.fid + " is dirty: it changed since it was archived; archive it again");
        }
        if ((f & HsmState.NORELEASE) != 0) {
            throw new NacreException(Status.PERM, n.fid + " is never_release");
        }
        if ((f & HsmState.LOST) != 0) {
            throw new NacreException(Status.IO, n.fid + " is lost_from_hsm: its archive copy cannot be read");
        }
        HsmTable t = new HsmTable(tx);
        ArchiveCopy copy = t.copy(n.fid);
        if (copy == null || !isCurrent(n, copy)) {
            throw new NacreException(Status.BUSY, n.fid + " has no current archive copy recorded (data version "
                    + n.dataVersion + ", size " + n.size + (copy == null ? "" : "; copy of data version "
                    + copy.dataVersion() + ", size " + copy.size()) + "); archive it again");
        }
        if (op.dataVersion() != -1 && op.dataVersion() != n.dataVersion) {
            throw new NacreException(Status.BUSY, n.fid + " changed (data version " + n.dataVersion + ", expected "
                    + op.dataVersion() + ")");
        }
        for (HsmRequest r : t.activeOf(n.fid)) {
            if (r.handle() == null) {
                throw new NacreException(Status.BUSY, n.fid + " has a " + r.action() + " request (" + r.id() + ") "
                        + r.state().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (tx.dryRun()) {
            return null;
        }
        LayoutTemplate shape = shapeOf(n.layout());
        for (ObjectRef o : n.layout().objects()) {
            tx.queueDestroy(n.fid, o, PendingDestroy.DESTROY);
        }
        tx.deleteDom(n.fid);
        n.setLayout(new Layout(n.layout().generation() + 1,
                List.of(Component.of(Extent.WHOLE, new Placement.Released(copy.archiveId())))));
        n.hsmFlags |= HsmState.RELEASED;
        n.change++;
        tx.put(n);
        t.putCopy(n.fid, copy.withTemplate(shape));
        record(tx, now, op.caller(), n.fid, Event.RELEASE, null, false);
        return n.attr();
    }

    /** The template a layout's first mirror was made from (what the restore lays the data out by), or null. */
    static LayoutTemplate shapeOf(Layout layout) {
        if (layout.isEmpty() || layout.isReleased()) {
            return null;
        }
        int mirror = layout.mirrors().get(0);
        List<LayoutTemplate.Entry> entries = new ArrayList<>();
        for (Component c : layout.mirror(mirror)) {
            Placement.Raid0 r = c.raid0();
            if (c.isDataOnMdt()) {
                entries.add(LayoutTemplate.Entry.dataOnMdt(c.end()));
            } else if (r != null) {
                entries.add(LayoutTemplate.Entry.raid0(c.end(), r.stripeCount(), r.stripeSize(), r.pool()));
            } else {
                return null;
            }
        }
        return new LayoutTemplate(entries);
    }

    // ---- agents ----------------------------------------------------------------------------------------------

    private static void checkAgent(String agent) {
        if (agent == null || agent.isEmpty() || agent.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new NacreException(Status.INVALID, "an HSM agent needs a name of 1 to 255 bytes");
        }
    }

    private static void checkMask(long mask) {
        if (mask == 0 || (mask & ~0xffffffffL) != 0) {
            throw new NacreException(Status.INVALID, "an agent serves archive ids 1..32 (at least one)");
        }
    }

    /** The leader's choice of requests for a fetch: what the apply will hand out if it still can. */
    static HsmOp decide(Tx tx, long now, HsmOp op) {
        if (!(op instanceof HsmOp.Fetch f)) {
            return op;
        }
        HsmTable t = new HsmTable(tx);
        HsmConfig cfg = t.config();
        int room = f.max();
        if (cfg.maxActive() > 0) {
            long expiring = t.started(r -> r.deadline() <= now).size();
            room = (int) Math.max(0, Math.min(room, cfg.maxActive() - (t.started() - expiring)));
        }
        if (room == 0) {
            return new HsmOp.Fetch(f.agent(), f.archiveMask(), f.max(), List.of());
        }
        Map<Long, HsmRequest> candidates = new TreeMap<>();
        for (int id : HsmCodec.archiveIds(f.archiveMask())) {
            for (HsmRequest r : t.queueHeads(id, Math.min(room, MAX_FETCH))) {
                candidates.put(r.id(), r);
            }
        }
        for (HsmRequest r : t.dueTimers(now, HOUSEKEEPING_MAX)) {
            if (serves(f.archiveMask(), r)) {
                candidates.put(r.id(), r);
            }
        }
        for (HsmRequest r : t.started(r -> r.deadline() <= now && r.attempt() < cfg.maxAttempts()
                && serves(f.archiveMask(), r))) {
            candidates.put(r.id(), r);
        }
        List<Long> picked = FairQueue.pick(List.copyOf(candidates.values()), room).stream().map(HsmRequest::id).toList();
        return new HsmOp.Fetch(f.agent(), f.archiveMask(), f.max(), picked);
    }

    private static boolean serves(long mask, HsmRequest r) {
        return (mask & (1L << (r.archiveId() - 1))) != 0;
    }

    private static HsmCodec.WorkList fetch(Tx tx, long now, HsmOp.Fetch op) {
        checkAgent(op.agent());
        checkMask(op.archiveMask());
        if (op.max() < 1 || op.max() > MAX_FETCH) {
            throw new NacreException(Status.INVALID, "an agent fetches 1.." + MAX_FETCH + " requests at a time: " + op.max());
        }
        if (tx.dryRun()) {
            return null;
        }
        HsmTable t = new HsmTable(tx);
        HsmConfig cfg = t.config();
        housekeeping(tx, t, now, cfg);
        HsmTable.AgentRecord a = t.agent(op.agent());
        t.putAgent(new HsmTable.AgentRecord(op.agent(), op.archiveMask(), now, a == null ? 0 : a.succeeded(),
                a == null ? 0 : a.failed()));
        List<HsmWork> out = new ArrayList<>();
        for (long id : op.picked()) {
            if (out.size() == op.max() || (cfg.maxActive() > 0 && t.started() >= cfg.maxActive())) {
                break;
            }
            HsmRequest r = t.request(id);
            if (r == null || r.state() != State.WAITING || r.notBefore() > now || !serves(op.archiveMask(), r)) {
                continue;
            }
            Inode n = tx.inode(r.fid());
            if (n == null && r.action() != HsmAction.REMOVE) {
                finish(tx, t, now, r, State.FAILED, Status.STALE, "the file was removed");
                continue;
            }
            HsmRequest s = with(r, State.STARTED, r.notBefore(), op.agent(), r.attempt() + 1, now,
                    now + cfg.activeRequestTimeout().toNanos(), 0, 0, null, "");
            t.update(r, s, now);
            ArchiveCopy current = t.copy(r.fid());
            ArchiveCopy copy = switch (r.action()) {
                case ARCHIVE, CANCEL -> null;
                case RESTORE -> current;
                case REMOVE -> r.handle() == null ? current
                        : new ArchiveCopy(r.archiveId(), r.handle(), "", -1, -1, 0, null, 0);
            };
            out.add(new HsmWork(r.id(), s.attempt(), r.action(), r.fid(), r.archiveId(), copy,
                    r.action() == HsmAction.ARCHIVE ? current : null));
        }
        return new HsmCodec.WorkList(out);
    }

    /**
     * What time moves on: delayed requests that are due join the queue; started ones past their deadline go
     * back to it (or fail, past the attempt limit); finished ones past the grace delay are forgotten.
     */
    private static void housekeeping(Tx tx, HsmTable t, long now, HsmConfig cfg) {
        for (HsmRequest r : t.dueTimers(now, HOUSEKEEPING_MAX)) {
            t.due(r);
        }
        for (HsmRequest r : t.started(r -> r.deadline() <= now)) {
            String why = "timed out on agent " + r.agent() + " (no progress for " + cfg.activeRequestTimeout().toSeconds()
                    + " s)";
            if (r.attempt() >= cfg.maxAttempts()) {
                finish(tx, t, now, r, State.FAILED, Status.UNAVAILABLE, why + ", attempt " + r.attempt() + " of "
                        + cfg.maxAttempts());
            } else {
                t.update(r, with(r, State.WAITING, r.notBefore(), r.agent(), r.attempt(), r.started(), 0, r.bytesDone(), 0,
                        Status.UNAVAILABLE, why), now);
            }
        }
        for (HsmRequest r : t.finishedBefore(now - cfg.graceDelay().toNanos(), HOUSEKEEPING_MAX)) {
            t.purge(r);
        }
    }

    private static HsmCodec.IdSet progress(Tx tx, long now, HsmOp.Progress op) {
        checkAgent(op.agent());
        if (tx.dryRun()) {
            return null;
        }
        HsmTable t = new HsmTable(tx);
        HsmConfig cfg = t.config();
        Set<Long> stop = new LinkedHashSet<>();
        for (Map.Entry<Long, Long> e : new TreeMap<>(op.bytesDone()).entrySet()) {
            HsmRequest r = t.request(e.getKey());
            if (r == null || r.state() != State.STARTED || !r.agent().equals(op.agent())) {
                stop.add(e.getKey());
                continue;
            }
            t.update(r, with(r, State.STARTED, r.notBefore(), r.agent(), r.attempt(), r.started(),
                    now + cfg.activeRequestTimeout().toNanos(), Math.max(0, e.getValue()), 0, null, ""), now);
        }
        HsmTable.AgentRecord a = t.agent(op.agent());
        if (a != null) {
            t.putAgent(new HsmTable.AgentRecord(a.name(), a.archiveMask(), now, a.succeeded(), a.failed()));
        }
        return new HsmCodec.IdSet(stop);
    }

    // ---- completion ----------------------------------------------------------------------------------------

    private static HsmRequest complete(Tx tx, long now, HsmOp.Complete op) {
        checkAgent(op.agent());
        HsmTable t = new HsmTable(tx);
        HsmRequest r = t.request(op.requestId());
        if (r == null || r.state() != State.STARTED || !r.agent().equals(op.agent()) || r.attempt() != op.attempt()) {
            throw new NacreException(Status.STALE, "request " + op.requestId() + " attempt " + op.attempt()
                    + " is no longer held by agent " + op.agent() + " (timed out, cancelled or finished)"
                    + (r == null ? "" : "; it is " + r.state().name().toLowerCase(java.util.Locale.ROOT)
                    + (r.state() == State.STARTED ? " on " + r.agent() + " attempt " + r.attempt() : "")));
        }
        checkOutcome(op.outcome(), r);
        if (tx.dryRun()) {
            return null;
        }
        HsmConfig cfg = t.config();
        HsmRequest done = switch (op.outcome()) {
            case HsmOutcome.Archived a -> archived(tx, t, now, r, a);
            case HsmOutcome.Restored rs -> restored(tx, t, now, r, rs);
            case HsmOutcome.Removed rm -> removed(tx, t, now, r);
            case HsmOutcome.Failed f -> failed(tx, t, now, cfg, r, f);
        };
        HsmTable.AgentRecord a = t.agent(op.agent());
        if (a != null && !done.state().active()) {
            boolean ok = done.state() == State.SUCCEEDED;
            t.putAgent(new HsmTable.AgentRecord(a.name(), a.archiveMask(), now, a.succeeded() + (ok ? 1 : 0),
                    a.failed() + (ok ? 0 : 1)));
        }
        return done;
    }

    private static void checkOutcome(HsmOutcome o, HsmRequest r) {
        boolean fits = switch (o) {
            case HsmOutcome.Archived a -> r.action() == HsmAction.ARCHIVE;
            case HsmOutcome.Restored rs -> r.action() == HsmAction.RESTORE;
            case HsmOutcome.Removed rm -> r.action() == HsmAction.REMOVE;
            case HsmOutcome.Failed f -> true;
        };
        if (!fits) {
            throw new NacreException(Status.INVALID, "a " + o.getClass().getSimpleName() + " outcome does not end a "
                    + r.action() + " request");
        }
        if (o instanceof HsmOutcome.Archived a) {
            if (a.handle() == null || a.handle().isEmpty() || a.handle().length() > HsmLimits.MAX_HANDLE
                    || a.checksum() == null || a.checksum().length() > HsmLimits.MAX_HANDLE || a.size() < 0) {
                throw new NacreException(Status.INVALID, "an archive outcome needs a handle and checksum of at most "
                        + HsmLimits.MAX_HANDLE + " characters and a size >= 0");
            }
        }
        if (o instanceof HsmOutcome.Restored rs) {
            Names.checkName(rs.name());
        }
        if (o instanceof HsmOutcome.Failed f && (f.status() == null || f.message() == null)) {
            throw new NacreException(Status.INVALID, "a failure needs a status and a message");
        }
    }

    private static HsmRequest archived(Tx tx, HsmTable t, long now, HsmRequest r, HsmOutcome.Archived a) {
        Inode n = tx.inode(r.fid());
        ArchiveCopy old = t.copy(r.fid());
        ArchiveCopy copy = new ArchiveCopy(r.archiveId(), a.handle(), a.checksum(), a.size(), a.dataVersion(), now, null,
                n == null ? now : 0);
        if (old != null && !old.handle().equals(a.handle())) {
            // The data moved (the file was renamed since, or another key was taken): the old copy is garbage.
            HsmRequest rm = new HsmRequest(t.nextId(), HsmAction.REMOVE, r.fid(), old.archiveId(), State.WAITING, 0, now,
                    0, "", 0, 0, 0, 0, 0, null, "replaced by " + a.handle(), old.handle());
            t.insert(rm, now);
        }
        t.putCopy(r.fid(), copy);
        if (n == null) {
            return finish(tx, t, now, r, State.FAILED, Status.STALE, "the file was removed while it was archived; "
                    + "its copy is recorded for removal");
        }
        n.hsmArchive = r.archiveId();
        if (n.dataVersion != a.dataVersion() || n.size != a.size()) {
            n.hsmFlags |= HsmState.EXISTS | HsmState.ARCHIVED | HsmState.DIRTY;
            tx.put(n);
            return finish(tx, t, now, r, State.FAILED, Status.BUSY, "the file changed while it was archived (data version "
                    + a.dataVersion() + " copied, now " + n.dataVersion + "); archive it again");
        }
        n.hsmFlags = (n.hsmFlags | HsmState.EXISTS | HsmState.ARCHIVED) & ~(HsmState.DIRTY | HsmState.LOST);
        tx.put(n);
        return finish(tx, t, now, r, State.SUCCEEDED, null, "");
    }

    /**
     * Swaps the staged file's layout into the released file, atomically, when the file is still released
     * and the staged file is a regular file under the hidden directory of the same size. The staged inode
     * goes (its objects are now the file's). Otherwise the request fails and the agent removes what it staged.
     */
    private static HsmRequest restored(Tx tx, HsmTable t, long now, HsmRequest r, HsmOutcome.Restored rs) {
        Inode n = tx.inode(r.fid());
        if (n == null) {
            return finish(tx, t, now, r, State.FAILED, Status.STALE, "the file was removed during the restore");
        }
        if ((n.hsmFlags & HsmState.RELEASED) == 0) {
            return finish(tx, t, now, r, State.FAILED, Status.BUSY, "the file is no longer released");
        }
        Inode dir = tx.inode(rs.dir());
        Tx.Dentry d = dir == null || !dir.isDir() ? null : tx.dentry(dir.fid, rs.name());
        if (d == null || !(dir.fid.equals(Fid.HIDDEN) || Fid.HIDDEN.equals(dir.parent))) {
            return finish(tx, t, now, r, State.FAILED, Status.INVALID, "no staged file '" + Names.printable(rs.name())
                    + "' in " + rs.dir() + " (staged files live in a directory of " + Fid.HIDDEN + ")");
        }
        Inode s = tx.need(d.fid());
        if (!s.isRegular() || s.nlink != 1 || s.fid.equals(n.fid) || (s.hsmFlags & HsmState.RELEASED) != 0) {
            return finish(tx, t, now, r, State.FAILED, Status.INVALID, "staged " + s.fid + " is not a plain file");
        }
        if (s.size != n.size) {
            return finish(tx, t, now, r, State.FAILED, Status.CORRUPT, "the staged data is " + s.size + " bytes, the file "
                    + n.size);
        }
        byte[] dom = tx.dom(s.fid);
        if (dom != null) {
            tx.putDom(n.fid, dom);
        }
        n.setLayout(new Layout(Math.max(n.layout().generation(), s.layout().generation()) + 1, s.layout().components()));
        n.hsmFlags &= ~HsmState.RELEASED;
        n.change++;
        tx.put(n);
        tx.removeDentry(dir, rs.name(), d);
        dir.touchDir(now);
        tx.put(dir);
        tx.deleteInode(s);
        ArchiveCopy copy = t.copy(n.fid);
        if (copy != null) {
            t.putCopy(n.fid, copy.withTemplate(null));
        }
        return finish(tx, t, now, r, State.SUCCEEDED, null, "");
    }

    private static HsmRequest removed(Tx tx, HsmTable t, long now, HsmRequest r) {
        if (r.handle() == null) {
            Inode n = tx.inode(r.fid());
            if (n != null && (n.hsmFlags & HsmState.RELEASED) != 0) {
                // Cannot happen (release refuses while a request is active); never forget a released file's copy.
                return finish(tx, t, now, r, State.FAILED, Status.BUSY, "the file was released meanwhile");
            }
            t.deleteCopy(r.fid());
            if (n != null) {
                n.hsmFlags &= ~(HsmState.EXISTS | HsmState.ARCHIVED | HsmState.DIRTY | HsmState.LOST);
                n.hsmArchive = 0;
                n.touchCtime(now);
                tx.put(n);
            }
        }
        return finish(tx, t, now, r, State.SUCCEEDED, null, "");
    }

    private static HsmRequest failed(Tx tx, HsmTable t, long now, HsmConfig cfg, HsmRequest r, HsmOutcome.Failed f) {
        boolean transientError = switch (f.status()) {
            case IO, UNAVAILABLE, DELAY, BUSY, CORRUPT -> true;
            default -> false;
        };
        if (transientError && r.attempt() < cfg.maxAttempts()) {
            long backoff = Math.min(300_000_000_000L, 1_000_000_000L << Math.min(8, r.attempt()));
            HsmRequest again = with(r, State.WAITING, now + backoff, r.agent(), r.attempt(), r.started(), 0,
                    r.bytesDone(), 0, f.status(), f.message());
            t.update(r, again, now);
            return again;
        }
        if (r.action() == HsmAction.RESTORE && f.status() == Status.NOT_FOUND) {
            Inode n = tx.inode(r.fid());
            if (n != null) {
                n.hsmFlags |= HsmState.LOST;
                tx.put(n);
            }
        }
        return finish(tx, t, now, r, State.FAILED, f.status(), f.message());
    }

    // ---- import --------------------------------------------------------------------------------------------

    private static HsmImport.Result importStub(Tx tx, long now, HsmOp.Import op) {
        if (!op.caller().isRoot()) {
            throw new NacreException(Status.PERM, "only root may import archived objects");
        }
        Names.checkName(op.name());
        Inode dir = tx.needDir(op.dir());
        HsmImport.Spec spec = op.spec();
        HsmTable t = new HsmTable(tx);
        Tx.Dentry existing = tx.dentry(dir.fid, op.name());
        if (existing != null) {
            return refresh(tx, t, now, tx.need(existing.fid()), spec);
        }
        if (tx.dryRun()) {
            return null;
        }
        Inode n = new Inode(tx.allocFid(), FileType.REGULAR);
        n.mode = spec.mode();
        n.uid = spec.uid();
        n.gid = spec.gid();
        n.nlink = 1;
        n.size = spec.size();
        n.atime = spec.mtime();
        n.mtime = spec.mtime();
        n.ctime = now;
        n.btime = now;
        n.change = 1;
        n.dataVersion = 1;
        n.parent = dir.fid;
        n.setLayout(new Layout(1, List.of(Component.of(Extent.WHOLE, new Placement.Released(spec.archiveId())))));
        n.hsmFlags = HsmState.EXISTS | HsmState.ARCHIVED | HsmState.RELEASED;
        n.hsmArchive = spec.archiveId();
        tx.put(n);
        tx.countNewInode();
        tx.addDentry(dir, op.name(), n);
        dir.touchDir(now);
        tx.put(dir);
        LayoutTemplate shape = LayoutPolicy.effective(null, dir.defaultLayout, Namespace.rootTemplate(tx));
        t.putCopy(n.fid, new ArchiveCopy(spec.archiveId(), spec.handle(), spec.checksum(), spec.size(), n.dataVersion, now,
                shape, 0));
        tx.changelog(Type.CREAT, now, op.caller(), n.fid, dir.fid, op.name(), null, null, 0);
        return new HsmImport.Result(n.attr(), HsmImport.Outcome.CREATED, "");
    }

    private static HsmImport.Result refresh(Tx tx, HsmTable t, long now, Inode n, HsmImport.Spec spec) {
        ArchiveCopy copy = n.isRegular() ? t.copy(n.fid) : null;
        if (copy == null || !copy.handle().equals(spec.handle())) {
            return new HsmImport.Result(n.attr(), HsmImport.Outcome.SKIPPED, "the name holds another "
                    + (n.isRegular() ? "file" : n.type.name().toLowerCase(java.util.Locale.ROOT)));
        }
        if (copy.checksum().equals(spec.checksum()) && copy.size() == spec.size()) {
            return new HsmImport.Result(n.attr(), HsmImport.Outcome.UNCHANGED, "");
        }
        if (!spec.refresh()) {
            return new HsmImport.Result(n.attr(), HsmImport.Outcome.SKIPPED, "the object changed; --refresh updates the stub");
        }
        if ((n.hsmFlags & HsmState.RELEASED) == 0 || (n.hsmFlags & HsmState.DIRTY) != 0) {
            return new HsmImport.Result(n.attr(), HsmImport.Outcome.SKIPPED, "the object changed but the file was "
                    + ((n.hsmFlags & HsmState.DIRTY) != 0 ? "changed" : "restored") + " here; release it to take the new object");
        }
        if (!t.activeOf(n.fid).isEmpty()) {
            return new HsmImport.Result(n.attr(), HsmImport.Outcome.SKIPPED, "a request is running for it");
        }
        if (tx.dryRun()) {
            return null;
        }
        n.size = spec.size();
        n.mtime = spec.mtime();
        n.dataVersion++;
        n.touchCtime(now);
        tx.put(n);
        t.putCopy(n.fid, new ArchiveCopy(copy.archiveId(), copy.handle(), spec.checksum(), spec.size(), n.dataVersion, now,
                copy.template(), 0));
        tx.changelog(Type.TRUNC, now, null, n.fid, null, null, null, null, 0);
        return new HsmImport.Result(n.attr(), HsmImport.Outcome.UPDATED, "");
    }

    private static Void configure(Tx tx, HsmOp.Configure op) {
        if (!op.caller().isRoot()) {
            throw new NacreException(Status.PERM, "only root may change the HSM coordinator's settings");
        }
        if (tx.dryRun()) {
            return null;
        }
        new HsmTable(tx).putConfig(op.config());
        return null;
    }

    // ---- hooks from the namespace ----------------------------------------------------------------------------

    /**
     * A regular file's last name went: its archive copy stays in the catalog, marked unlinked (a REMOVE
     * can find it by Fid later), and its waiting archives and restores are cancelled.
     */
    static void unlinked(Tx tx, long now, Inode n) {
        HsmTable t = new HsmTable(tx);
        // The state's counts say when there is nothing to look for (most unlinks, in a file system without
        // HSM): no copy in the catalog, no waiting request (they count every record; the apply has them in memory).
        ArchiveCopy copy = t.catalogSize() == 0 ? null : t.copy(n.fid);
        if (copy != null) {
            t.putCopy(n.fid, copy.withUnlinked(now));
        }
        for (HsmRequest r : t.waiting() == 0 ? List.<HsmRequest>of() : t.ofFid(n.fid)) {
            if (r.state() == State.WAITING && r.action() != HsmAction.REMOVE) {
                finish(tx, t, now, r, State.CANCELED, Status.STALE, "the file was removed");
            }
        }
    }

    /** The UNLNK record flag for an inode whose last name went. */
    static long unlinkFlags(Inode n) {
        return (n.hsmFlags & HsmState.EXISTS) != 0 ? ChangelogRecord.UNLINK_HSM_EXISTS : 0;
    }

    /** Data cannot change under a released layout: the caller must restore first. */
    static void checkNotReleased(Inode n, String what) {
        if ((n.hsmFlags & HsmState.RELEASED) != 0) {
            throw new NacreException(Status.DELAY, what + " " + n.fid + ": it is released, its data is in archive "
                    + n.hsmArchive + "; it must be restored first");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static Inode needRegular(Tx tx, Fid fid) {
        Inode n = tx.need(fid);
        if (!n.isRegular()) {
            throw new NacreException(Status.INVALID, "HSM is for regular files; " + fid + " is a " + n.type);
        }
        return n;
    }

    private static void record(Tx tx, long now, Caller c, Fid fid, Event e, Status error, boolean dirty) {
        tx.changelog(Type.HSM, now, c, fid, null, null, null, null, HsmEvents.flags(e, HsmEvents.errno(error), dirty));
    }

    /** Sorts requests by id (queue order). */
    static final Comparator<HsmRequest> BY_ID = Comparator.comparingLong(HsmRequest::id);
}
