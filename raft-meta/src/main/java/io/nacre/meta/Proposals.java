package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.store.OstInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of a proposal: turns a client's batch of operations into a log entry. Each operation
 * is checked against the current namespace (fast, clear errors: a refused operation travels as
 * {@link Op.Rejected}), and whatever the apply must not decide for itself is decided here and written into
 * the entry: the time, the concrete layout of new files and the OSTs of their objects.
 */
final class Proposals {

    private static final Logger LOG = LoggerFactory.getLogger(Proposals.class);

    private final UsageCache usage;
    private final AtomicLong roundRobin = new AtomicLong();

    Proposals(UsageCache usage) {
        this.usage = usage;
    }

    /** Nanoseconds since the epoch, the leader's clock. */
    static long now() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /**
     * A log entry as the leader proposes it: its bytes, and the batch they encode, which the leader's own apply
     * takes instead of decoding the bytes again (every field the leader decides encodes losslessly: followers
     * decode the same batch).
     */
    record Entry(Op.Batch batch, byte[] bytes) {
    }

    /**
     * The entry for a client's {@code request}; with {@code shortOfRoom} (the store's disk gives no more, see
     * {@link NamespaceRoom}) only operations that free space or take next to none go through.
     */
    Entry prepare(Tx tx, byte[] request, boolean shortOfRoom) {
        return prepare(tx, Op.decodeBatch(request), shortOfRoom);
    }

    /** {@link #prepare(Tx, byte[], boolean)} of a batch already decoded (or never encoded: a client in this JVM). */
    Entry prepare(Tx tx, Op.Batch batch, boolean shortOfRoom) {
        long now = now();
        List<Op> out = new ArrayList<>(batch.ops().size());
        for (Op op : batch.ops()) {
            out.add(prepareOne(tx, now, op, shortOfRoom));
        }
        return new Entry(new Op.Batch(now, out), Op.encodeBatch(now, out));
    }

    /** Operations let through when the namespace's disk is full: they free space (or record that it was freed). */
    static boolean freesSpace(Op op) {
        return op instanceof Op.Remove || op instanceof Op.Destroyed || op instanceof Op.UnmarkOpen
                || op instanceof Op.DropOpenMarks || op instanceof Op.RemoveXattr || op instanceof Op.ChangelogClear
                || op instanceof Op.ChangelogDeregister || op instanceof Op.Barrier;
    }

    private Op prepareOne(Tx tx, long now, Op op, boolean shortOfRoom) {
        try {
            if (op instanceof Op.Rejected) {
                throw new NacreException(Status.INVALID, "clients cannot propose rejections");
            }
            if (shortOfRoom && !freesSpace(op)) {
                throw new NacreException(Status.NO_SPACE, "the metadata server's disk is full: only removals are"
                        + " accepted until space is freed there");
            }
            Namespace.apply(tx, now, op);
            return decide(tx, now, op);
        } catch (NacreException e) {
            return new Op.Rejected(e.status(), e.getMessage());
        } catch (IllegalArgumentException e) {
            return new Op.Rejected(Status.INVALID, String.valueOf(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("checking {} failed", op.getClass().getSimpleName(), e);
            return new Op.Rejected(Status.IO, "the metadata server failed to check the request: " + e);
        }
    }

    /** Fills in the leader's decisions for operations that make new objects. */
    private Op decide(Tx tx, long now, Op op) {
        return switch (op) {
            case Op.Create c when c.spec().type() == FileType.REGULAR && !c.spec().delayLayout() -> {
                Inode dir = tx.needDir(c.dir());
                try {
                    LayoutTemplate t = LayoutPolicy.concrete(LayoutPolicy.effective(c.spec().layout(), dir.defaultLayout,
                            Namespace.rootTemplate(tx)), tx.osts());
                    yield new Op.Create(c.caller(), c.dir(), c.name(), c.spec(), t, firstStripes(tx, t));
                } catch (NacreException e) {
                    // Opening an existing file (UNCHECKED, EXCLUSIVE retry) needs no new layout.
                    if (tx.dentry(dir.fid, c.name()) != null) {
                        yield c;
                    }
                    throw e;
                }
            }
            case Op.SetLayout l -> {
                Inode n = tx.need(l.file());
                Inode parent = n.parent == null ? null : tx.inode(n.parent);
                LayoutTemplate t = LayoutPolicy.concrete(LayoutPolicy.effective(l.template(),
                        parent == null ? null : parent.defaultLayout, Namespace.rootTemplate(tx)), tx.osts());
                yield new Op.SetLayout(l.caller(), l.file(), l.template(), t, firstStripes(tx, t));
            }
            case Op.Instantiate i -> {
                Inode n = tx.need(i.file());
                Map<Integer, List<Integer>> plan = new TreeMap<>();
                for (int idx : LayoutPolicy.toInstantiate(n.layout(), i.offset(), i.length())) {
                    Placement.Raid0 r = n.layout().components().get(idx).raid0();
                    plan.put(idx, chooseOsts(tx, r.pool(), r.stripeCount()));
                }
                yield new Op.Instantiate(i.file(), i.offset(), i.length(), plan);
            }
            case Op.PutSmall p -> {
                // The directory the file lands in inherits the deepest existing one's default (mkdir copies it).
                Inode dir = tx.needDir(p.file().dir());
                for (String seg : p.file().parents()) {
                    Tx.Dentry d = tx.dentry(dir.fid, seg);
                    if (d == null) {
                        break;
                    }
                    dir = tx.needDir(d.fid());
                }
                LayoutTemplate t = LayoutPolicy.concrete(LayoutPolicy.withDataOnMdt(LayoutPolicy.effective(null,
                        dir.defaultLayout, Namespace.rootTemplate(tx)), p.file().domSize()), tx.osts());
                yield new Op.PutSmall(p.caller(), p.file(), t);
            }
            case Op.Hsm h -> new Op.Hsm(Coordinator.decide(tx, now, h.op()));
            default -> op;
        };
    }

    private List<Integer> firstStripes(Tx tx, LayoutTemplate concrete) {
        LayoutTemplate.Entry first = concrete.entries().get(0);
        return first.dataOnMdt() ? List.of() : chooseOsts(tx, first.pool(), first.stripeCount());
    }

    private List<Integer> chooseOsts(Tx tx, String pool, int count) {
        List<OstChooser.Candidate> candidates = new ArrayList<>();
        for (OstInfo o : tx.osts()) {
            if (o.inPool(pool)) {
                candidates.add(new OstChooser.Candidate(o.index(), usage.free(o.index())));
            }
        }
        if (candidates.size() < count) {
            throw new NacreException(Status.INVALID, "stripe count " + count + " is more than the " + candidates.size()
                    + " OSTs of " + (pool.isEmpty() ? "the file system" : "pool '" + pool + "'"));
        }
        return OstChooser.choose(candidates, count, roundRobin.getAndIncrement(), ThreadLocalRandom.current());
    }
}
