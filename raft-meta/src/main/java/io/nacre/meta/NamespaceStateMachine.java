package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.lmdbjava.LmdbException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the MDS. A log entry is a batch of namespace operations (group commit),
 * applied in one LMDB write transaction together with the entry's (term, index), so LMDB always knows
 * what it holds: after a restart, entries the log replays at or below that index are skipped.
 *
 * <p>Snapshots are compacted copies of the LMDB environment (one file, named by the (term, index) it
 * holds, read from the copy, with its MD5), made on a thread of their own while applies go on. A
 * follower that installs a snapshot from the leader is paused (its LMDB closed) while Ratis swaps the
 * state machine directory, then reinitialized from the new snapshot; pause and reinitialize drive the
 * state machine's LifeCycle, which Ratis checks. See {@link NamespaceStore} for the sync policy.
 */
final class NamespaceStateMachine extends BaseStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceStateMachine.class);
    private static final String APPLIED = "applied";

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final UsageCache usage;
    private final Proposals proposals;
    /** The orphan scrub's views between their pages (made at initialize: they spill under the storage directory). */
    private volatile ReferencedViews referenced;
    /** Guards the store reference: LMDB users share it, pause/reinitialize/close take it alone. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile NamespaceStore store;
    private Path storeDir;
    /** The (term, index) of the last entry LMDB holds; null before the first. */
    private volatile TermIndex lmdbApplied;

    final AtomicLong entriesApplied = new AtomicLong();
    final AtomicLong opsApplied = new AtomicLong();
    final AtomicLong snapshotsInstalled = new AtomicLong();

    /** Makes snapshot copies off the apply thread, one at a time. */
    private final ExecutorService snapshotter = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("mds-snapshot").daemon().factory());
    private final AtomicBoolean copying = new AtomicBoolean();
    /** The snapshot index last reported to Ratis. */
    private volatile long reportedSnapshot = RaftLog.INVALID_LOG_INDEX;

    /** Passes over the inode table that orphan scrubs' views of OSTs made on this peer. */
    long referencedPasses() {
        ReferencedViews r = referenced;
        return r == null ? 0 : r.passes();
    }

    NamespaceStateMachine(UsageCache usage) {
        this.usage = usage;
        this.proposals = new Proposals(usage);
    }

    // ---- lifecycle --------------------------------------------------------------------------------

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            storeDir = raftStorage.getStorageDir().getRoot().toPath().resolve("namespace");
            referenced = new ReferencedViews(storeDir.resolveSibling("referenced"),
                    Integer.getInteger("nacre.mds.referenced.run", ReferencedViews.RUN_IDS));
            openStore(false);
        });
    }

    /**
     * Opens LMDB: as it is when it can be trusted and is not older than the latest snapshot; otherwise
     * from the latest snapshot (or empty, the log then replays everything).
     */
    private void openStore(boolean fromSnapshot) throws IOException {
        SingleFileSnapshotInfo snap = storage.loadLatestSnapshot();
        if (snap != null) {
            reportedSnapshot = Math.max(reportedSnapshot, snap.getIndex());
        }
        NamespaceStore s = null;
        if (!fromSnapshot && NamespaceStore.trusted(storeDir)) {
            s = NamespaceStore.open(storeDir, null, false);
            TermIndex held = readApplied(s);
            if (snap != null && (held == null || held.getIndex() < snap.getIndex())) {
                LOG.info("namespace in {} holds {}, older than snapshot {}: restoring", storeDir, held, snap.getTermIndex());
                s.close();
                s = null;
            }
        } else if (!fromSnapshot && NamespaceStore.exists(storeDir)) {
            LOG.warn("namespace in {} was open when the machine went down: rebuilding it from {}",
                    storeDir, snap == null ? "the whole log" : "snapshot " + snap.getTermIndex() + " and the log");
        }
        if (s == null) {
            if (snap != null) {
                checkDigest(snap);
            }
            s = NamespaceStore.open(storeDir, snap == null ? null : snap.getFile().getPath(), snap == null);
        }
        store = s;
        lmdbApplied = readApplied(s);
        setLastAppliedTermIndex(lmdbApplied);
        LOG.info("namespace in {} opened at {}", storeDir, lmdbApplied);
    }

    /** A snapshot is restored only if its bytes still match the MD5 recorded when it was made or received. */
    private static void checkDigest(SingleFileSnapshotInfo snap) throws IOException {
        MD5Hash expected = snap.getFile().getFileDigest();
        if (expected == null) {
            return;
        }
        MD5Hash actual = MD5FileUtil.computeMd5ForFile(snap.getFile().getPath().toFile());
        if (!expected.equals(actual)) {
            throw new IOException("snapshot " + snap.getFile().getPath() + " is corrupt: MD5 " + actual + ", recorded "
                    + expected);
        }
    }

    private static TermIndex readApplied(NamespaceStore s) {
        try (Tx tx = s.read()) {
            byte[] v = tx.meta(APPLIED);
            return v == null ? null : TermIndex.valueOf(Keys.getLong(v, 0), Keys.getLong(v, 8));
        }
    }

    @Override
    public void pause() {
        lock.writeLock().lock();
        try {
            if (getLifeCycleState() == LifeCycle.State.RUNNING) {
                getLifeCycle().transition(LifeCycle.State.PAUSING);
                closeStore();
                getLifeCycle().transition(LifeCycle.State.PAUSED);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void reinitialize() throws IOException {
        lock.writeLock().lock();
        try {
            boolean paused = getLifeCycleState() == LifeCycle.State.PAUSED;
            closeStore();
            openStore(paused);
            if (paused) {
                snapshotsInstalled.incrementAndGet();
                getLifeCycle().transition(LifeCycle.State.STARTING);
                getLifeCycle().transition(LifeCycle.State.RUNNING);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void closeStore() {
        if (store != null) {
            store.close();
            store = null;
        }
    }

    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            closeStore();
            if (referenced != null) {
                referenced.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
        snapshotter.shutdown();
        super.close();
    }

    // ---- snapshots --------------------------------------------------------------------------------

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return storage.getLatestSnapshot();
    }

    /**
     * Called by Ratis on the apply thread when a snapshot is due. The copy of a large namespace takes
     * seconds, so it is made on another thread while applies go on; this answers "none yet"
     * ({@link RaftLog#INVALID_LOG_INDEX}) until it is done, and the next call after that reports it, so that
     * Ratis purges the log up to it. The copy is named by the (term, index) it holds, read from the copy.
     */
    @Override
    public long takeSnapshot() {
        SnapshotInfo latest = storage.getLatestSnapshot();
        if (latest != null && latest.getIndex() > reportedSnapshot) {
            reportedSnapshot = latest.getIndex();
            return reportedSnapshot;
        }
        TermIndex applied = lmdbApplied;
        if (applied == null || copying.get()) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        if (latest != null && latest.getIndex() >= applied.getIndex()) {
            return latest.getIndex();
        }
        NamespaceStore s = store;
        if (s == null || !copying.compareAndSet(false, true)) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        try {
            snapshotter.execute(() -> copySnapshot(s));
        } catch (RejectedExecutionException e) {
            copying.set(false);
        }
        return RaftLog.INVALID_LOG_INDEX;
    }

    /**
     * Copies {@code s} into a new snapshot file. Holds the shared lock, so a pause (snapshot install) or a
     * close waits for the copy instead of closing LMDB under it; a store replaced meanwhile is not copied.
     */
    private void copySnapshot(NamespaceStore s) {
        long start = System.nanoTime();
        Path work = storage.getSnapshotFile(0, 0).toPath().resolveSibling("copying.dir");
        lock.readLock().lock();
        try {
            if (store != s) {
                return;
            }
            Faults.hit("mds.snapshot.copy");
            Path copied = s.copyInto(work);
            byte[] v = NamespaceStore.metaOf(work, APPLIED);
            if (v == null) {
                return;
            }
            TermIndex ti = TermIndex.valueOf(Keys.getLong(v, 0), Keys.getLong(v, 8));
            SnapshotInfo latest = storage.getLatestSnapshot();
            if (latest != null && latest.getIndex() >= ti.getIndex()) {
                return;
            }
            File file = storage.getSnapshotFile(ti.getTerm(), ti.getIndex());
            NamespaceStore.install(copied, file.toPath());
            MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
            storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), ti));
            LOG.info("snapshot {} taken: {} bytes in {} ms", ti, file.length(), (System.nanoTime() - start) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            // The log is kept until a later snapshot succeeds; nothing is lost, the disk fills more slowly.
            LOG.error("snapshot of the namespace failed (will try again at the next interval)", e);
        } finally {
            lock.readLock().unlock();
            copying.set(false);
            try {
                NamespaceStore.deleteTree(work);
            } catch (IOException e) {
                LOG.warn("could not remove {}", work, e);
            }
        }
    }

    // ---- writes -------------------------------------------------------------------------------------

    /** The leader checks the client's batch and decides what the apply must not (see {@link Proposals}). */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        Proposals.Entry entry;
        lock.readLock().lock();
        NamespaceStore store = requireStore();
        try (Tx tx = store.read()) {
            // A client in this JVM hands over its batch itself (BatchMessages): nothing to decode
            Op.Batch batch = request.getMessage() instanceof BatchMessages.Request r ? new Op.Batch(0, r.ops())
                    : Op.decodeBatch(request.getMessage().getContent().toByteArray());
            entry = proposals.prepare(tx, batch, store.shortOfRoom());
        } catch (NacreException e) {
            TransactionContext trx = TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request)
                    .build();
            trx.setException(new StateMachineException(e.status() + ": " + e.getMessage()));
            return trx;
        } finally {
            lock.readLock().unlock();
        }
        // The batch rides along to this peer's apply of the entry (Ratis hands the leader's apply this same
        // context), which then need not decode what was just encoded; other peers decode the bytes.
        return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request)
                .setLogData(UnsafeByteOperations.unsafeWrap(entry.bytes())).setStateMachineContext(entry.batch()).build();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto e = trx.getLogEntry();
        TermIndex ti = TermIndex.valueOf(e.getTerm(), e.getIndex());
        TermIndex held = lmdbApplied;
        if (held != null && ti.getIndex() <= held.getIndex()) {
            // Replayed after a restart: LMDB already holds it. Its reply goes to Ratis's retry cache, where a
            // client that retries the request (its answer was lost in the crash) finds it: give the real one.
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(
                    replayedReply(e.getStateMachineLogEntry().getLogData(), ti))));
        }
        Message reply;
        lock.readLock().lock();
        try {
            reply = applyEntry(trx.getStateMachineContext() instanceof Op.Batch b ? b : null,
                    e.getStateMachineLogEntry().getLogData(), ti);
        } finally {
            lock.readLock().unlock();
        }
        updateLastAppliedTermIndex(ti);
        return CompletableFuture.completedFuture(reply);
    }

    /** The reply recorded when the entry was applied, or, past the window, an error for each operation. */
    private byte[] replayedReply(ByteString data, TermIndex ti) {
        lock.readLock().lock();
        try (Tx tx = requireStore().read()) {
            byte[] reply = tx.reply(ti.getIndex());
            if (reply != null) {
                return reply;
            }
        } finally {
            lock.readLock().unlock();
        }
        int n;
        try {
            n = Op.decodeBatch(data.toByteArray()).ops().size();
        } catch (NacreException ex) {
            n = 1;
        }
        Object[] lost = new Object[n];
        java.util.Arrays.fill(lost, new NacreException(Status.UNAVAILABLE, "the result of log entry " + ti
                + " is no longer known (applied before the last restart)"));
        return Replies.encodeResults(lost);
    }

    /** Signals that apply must redo the entry without the operation at {@code index}. */
    private static final class Poisoned extends RuntimeException {
        final int index;

        Poisoned(int index, Throwable cause) {
            super(cause);
            this.index = index;
        }
    }

    /**
     * Applies the entry: {@code proposed} when this peer proposed it, else the batch decoded from {@code data}
     * (see {@link #applyBatch}).
     */
    private Message applyEntry(Op.Batch proposed, ByteString data, TermIndex ti) {
        Op.Batch batch = proposed;
        if (batch == null) {
            try {
                batch = Op.decodeBatch(data.toByteArray());
            } catch (NacreException ex) {
                LOG.error("log entry {} is not a batch of namespace operations: {}", ti, ex.getMessage());
                return Message.valueOf(UnsafeByteOperations.unsafeWrap(commitNothing(ti, ex)));
            }
        }
        Object[] results = new Object[batch.ops().size()];
        byte[] bytes = applyBatch(requireStore(), batch, ti, results);
        // The leader's results go along with their bytes: a client in this JVM takes them as they are (BatchMessages)
        Message reply = proposed != null ? new BatchMessages.Reply(bytes, results)
                : Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
        lmdbApplied = ti;
        Faults.hit("mds.apply.after_commit");
        entriesApplied.incrementAndGet();
        opsApplied.addAndGet(batch.ops().size());
        return reply;
    }

    /**
     * Applies a batch in one write transaction of {@code s}, with its reply and (term, index), and returns the
     * reply. An operation that fails in its checks gets its error as its result. One that fails after it has
     * written (a bug) must not leave half a change: the whole transaction is aborted and redone with that
     * operation failed, which every replica does alike.
     */
    static byte[] applyBatch(NamespaceStore s, Op.Batch batch, TermIndex ti) {
        return applyBatch(s, batch, ti, new Object[batch.ops().size()]);
    }

    /** {@link #applyBatch(NamespaceStore, Op.Batch, TermIndex)}, leaving the results the reply encodes in {@code results}. */
    static byte[] applyBatch(NamespaceStore s, Op.Batch batch, TermIndex ti, Object[] results) {
        Set<Integer> poisoned = new HashSet<>();
        while (true) {
            Tx tx = s.write();
            try {
                for (int i = 0; i < results.length; i++) {
                    results[i] = batch.ops().get(i) instanceof Op.Barrier ? (Object) ti.getIndex()
                            : applyOne(tx, batch, i, poisoned);
                }
                byte[] reply = Replies.encodeResults(results);
                tx.putReply(ti.getIndex(), reply);
                putApplied(tx, ti);
                Faults.hit("mds.apply.before_commit");
                tx.commit();
                return reply;
            } catch (Poisoned p) {
                LOG.error("operation {} of entry {} failed after changing the namespace; redoing the entry without it",
                        p.index, ti, p.getCause());
                poisoned.add(p.index);
            } finally {
                tx.close();
            }
        }
    }

    private static Object applyOne(Tx tx, Op.Batch batch, int i, Set<Integer> poisoned) {
        Op op = batch.ops().get(i);
        if (poisoned.contains(i)) {
            return new NacreException(Status.IO, "the metadata server failed to apply " + op.getClass().getSimpleName());
        }
        long writes = tx.writes();
        try {
            return Namespace.apply(tx, batch.time(), op);
        } catch (LmdbException e) {
            throw e;
        } catch (RuntimeException e) {
            if (tx.writes() != writes) {
                throw new Poisoned(i, e);
            }
            if (e instanceof NacreException ne) {
                return ne;
            }
            if (e instanceof IllegalArgumentException) {
                return new NacreException(Status.INVALID, String.valueOf(e.getMessage()));
            }
            LOG.error("applying {} failed", op.getClass().getSimpleName(), e);
            return new NacreException(Status.IO, "the metadata server failed to apply "
                    + op.getClass().getSimpleName() + ": " + e);
        }
    }

    private byte[] commitNothing(TermIndex ti, NacreException ex) {
        byte[] reply = Replies.encodeResults(new Object[] {ex});
        try (Tx tx = requireStore().write()) {
            tx.putReply(ti.getIndex(), reply);
            putApplied(tx, ti);
            tx.commit();
        }
        lmdbApplied = ti;
        return reply;
    }

    private static void putApplied(Tx tx, TermIndex ti) {
        byte[] v = new byte[16];
        Keys.putLong(v, 0, ti.getTerm());
        Keys.putLong(v, 8, ti.getIndex());
        tx.putMeta(APPLIED, v);
    }

    /** Configuration and no-op entries: only the applied index moves (never backwards during replay). */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        TermIndex current = getLastAppliedTermIndex();
        if (current == null || index > current.getIndex()) {
            updateLastAppliedTermIndex(term, index);
        }
    }

    // ---- reads --------------------------------------------------------------------------------------

    /** A query, answered from this replica's LMDB; one sent after a barrier waits until the barrier is applied here. */
    @Override
    public CompletableFuture<Message> query(Message request) {
        if (leadingButNotReady()) {
            // Ratis's ReadIndex for a single peer uses its commit index as it is, which after a restart can
            // be behind what it had acknowledged until the leader commits an entry of its own term.
            return retryLater("the leader has not caught up with its log yet");
        }
        if (store == null) {
            return retryLater("this peer is installing a snapshot");
        }
        byte[] message = request.getContent().toByteArray();
        if (Query.isPeerCount(message)) {
            RaftServer.Division d = division();
            int peers = d == null ? 0 : d.getGroup().getPeers().size();
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(
                    Replies.queryOk(new Query.Fsid(), (long) peers))));
        }
        long after = Query.appliedAtLeast(message);
        TermIndex applied = getLastAppliedTermIndex();
        if (after > (applied == null ? RaftLog.INVALID_LOG_INDEX : applied.getIndex())) {
            // The reader's barrier is not applied here yet (a new leader catching up, or a deposed one that
            // will never have it): answering now could miss changes acknowledged before the read began.
            return retryLater("this peer has not applied log index " + after + " yet");
        }
        byte[] reply;
        lock.readLock().lock();
        try (Tx tx = requireStore().read()) {
            Query q = Query.decode(Query.inner(message));
            try {
                reply = Replies.queryOk(q, Reads.run(tx, q, usage, referenced));
            } catch (NacreException e) {
                reply = Replies.queryError(e);
            }
        } catch (NacreException e) {
            reply = Replies.queryError(e);
        } finally {
            lock.readLock().unlock();
        }
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply)));
    }

    /**
     * A query from a client in this JVM while this peer leads alone: what {@link #query} answers, as the result
     * object itself, without encoding the query and the answer and copying them through Ratis messages (a
     * stat's MDS read spent about as much on that as on the read). Throws {@link Replies.RetryLater} when the
     * peer cannot answer yet, the query's NacreException when it fails.
     */
    Object queryInProcess(Query q) {
        if (leadingButNotReady()) {
            throw new Replies.RetryLater("the leader has not caught up with its log yet");
        }
        lock.readLock().lock();
        try {
            NamespaceStore s = store;
            if (s == null) {
                throw new Replies.RetryLater("this peer is installing a snapshot");
            }
            try (Tx tx = s.read()) {
                return Reads.run(tx, q, usage, referenced);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private static CompletableFuture<Message> retryLater(String why) {
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(Replies.retryLater(why))));
    }

    private volatile RaftServer.Division division;

    private boolean leadingButNotReady() {
        RaftServer.Division d = division();
        return d != null && d.getInfo().isLeader() && !readyInTerm(d);
    }

    /** The term in which this peer, leading, was last found ready; -1 before. */
    private volatile long readyTerm = -1;

    /**
     * Whether {@code d}, this peer's division, leads and is ready (it has applied the first entry of its term).
     * Ratis's {@code isLeaderReady} (an Optional and its lambdas, a memoized supplier, the applied index: calls
     * C1 does not inline) is asked once per term, not on every read: a leader is ready for the rest of its term
     * once it is (leading again takes a new election, so a new term).
     */
    boolean leaderReady(RaftServer.Division d) {
        return d.getInfo().isLeader() && readyInTerm(d);
    }

    private boolean readyInTerm(RaftServer.Division d) {
        long term = d.getInfo().getCurrentTerm();
        if (term == readyTerm) {
            return true;
        }
        if (!d.getInfo().isLeaderReady()) {
            return false;
        }
        readyTerm = term; // ready now, in this term or (stepped down and elected since) a later one: never wrong
        return true;
    }

    /** This peer's division of the group, or null while the server cannot tell. */
    private RaftServer.Division division() {
        try {
            RaftServer.Division d = division;
            if (d == null) {
                d = getServer().get().getDivision(getGroupId());
                division = d;
            }
            return d;
        } catch (IOException | java.util.concurrent.ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private NamespaceStore requireStore() {
        NamespaceStore s = store;
        if (s == null) {
            throw new NacreException(Status.DELAY, "the namespace is being replaced by a snapshot");
        }
        return s;
    }

    /** Whether the local namespace has been formatted (for the server's start-up). */
    boolean formatted() {
        lock.readLock().lock();
        try (Tx tx = requireStore().read()) {
            return tx.formatted();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs a read against this replica's LMDB, whatever its role (tests and tools). */
    <T> T readLocal(java.util.function.Function<Tx, T> read) {
        lock.readLock().lock();
        try (Tx tx = requireStore().read()) {
            return read.apply(tx);
        } finally {
            lock.readLock().unlock();
        }
    }

    long lmdbAppliedIndex() {
        TermIndex ti = lmdbApplied;
        return ti == null ? -1 : ti.getIndex();
    }
}
