package io.nacre.meta;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.ArchiveCopy;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmCatalogEntry;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmImport;
import io.nacre.engine.hsm.HsmLimits;
import io.nacre.engine.hsm.HsmOutcome;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmStatus;
import io.nacre.engine.hsm.HsmWork;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.Fetched;
import io.nacre.engine.meta.FsStat;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.Opener;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.Results.AttrChange;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.meta.Results.Removed;
import io.nacre.engine.meta.Results.Renamed;
import io.nacre.engine.meta.Results.SmallFilePut;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.meta.SmallFile;
import io.nacre.engine.meta.XattrFlag;
import io.nacre.engine.store.OstInfo;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The {@link MetadataService} of a Nacre file system, served by its metadata servers (one Raft group):
 * the same class in the process that runs the MDS and on gateway nodes. Changes go to the leader in
 * batches (group commit, see {@link Batcher}); reads are linearizable (see {@link #read}).
 * When the leader runs in the same JVM, requests are handed to it directly rather than over gRPC
 * (see {@link LeaderLink}). When the leader fails the client finds the new one itself, retrying until its
 * timeout before failing with {@link Status#UNAVAILABLE}; a retried change is applied once (Ratis's retry
 * cache).
 *
 * <pre>{@code
 * try (MetadataClient mds = MetadataClient.connect(server.peers())) {
 *     Attr root = mds.getattr(Fid.ROOT);
 * }
 * }</pre>
 */
public final class MetadataClient implements MetadataService {

    private final LeaderLink link;
    private final Batcher batcher;
    private final Duration timeout;
    private final Duration requestTimeout;
    private final long fsid;
    /** Whether the group has several peers, so that reads go after a barrier (see {@link #read}). */
    private final boolean barrierReads;

    private MetadataClient(Builder b) {
        this.timeout = b.timeout;
        this.requestTimeout = b.requestTimeout;
        this.link = new LeaderLink(b.cluster, b.peers, b.inProcess, b.timeout, b.requestTimeout);
        this.batcher = new Batcher(link, b.inFlight, b.maxBatch, 8 << 20);
        long id;
        boolean several;
        try {
            id = awaitFormatted(b.startupWait == null ? b.timeout : b.startupWait);
            several = peerCount() != 1;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.fsid = id;
        this.barrierReads = several;
    }

    /** Connects with the defaults to the group of these peers (waits for a leader and a formatted file system). */
    public static MetadataClient connect(List<Peer> peers) {
        return builder().peers(peers).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a client; only the peers are required. */
    public static final class Builder {
        private List<Peer> peers;
        private String cluster = MetadataServer.DEFAULT_CLUSTER;
        private Duration timeout = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(3);
        private Duration startupWait;
        private int maxBatch = 512;
        private int inFlight = 1;
        private boolean inProcess = true;

        private Builder() {
        }

        /** The metadata servers of the group (any subset that includes a reachable one works). */
        public Builder peers(List<Peer> p) {
            peers = List.copyOf(requireNonNull(p, "peers"));
            return this;
        }

        /** The cluster name, as given to the servers; default "nacre". */
        public Builder cluster(String c) {
            cluster = requireNonNull(c, "cluster");
            return this;
        }

        /** How long a call may take, failovers included, before it fails with UNAVAILABLE; default 30 s. */
        public Builder timeout(Duration t) {
            timeout = requireNonNull(t, "timeout");
            return this;
        }

        /**
         * How long {@link #build()} waits for a leader and a formatted file system (default: the timeout).
         * A process that has just started its own peers gives it longer: a first format on a slow or
         * emulated machine takes tens of seconds.
         */
        public Builder startupWait(Duration t) {
            startupWait = requireNonNull(t, "startupWait");
            return this;
        }

        /** How long one attempt at one server may take; default 3 s. */
        public Builder requestTimeout(Duration t) {
            requestTimeout = requireNonNull(t, "requestTimeout");
            return this;
        }

        /** The most operations in one Raft entry; default 512. */
        public Builder maxBatch(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxBatch must be >= 1: " + n);
            }
            maxBatch = n;
            return this;
        }

        /** How many batches may be in flight at once; default 1 (the next batch gathers while one is in flight). */
        public Builder inFlight(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("inFlight must be >= 1: " + n);
            }
            inFlight = n;
            return this;
        }

        /**
         * Whether requests go straight to the leader when it runs in this JVM (default true). Off, every
         * request goes over gRPC, as from another node.
         */
        public Builder inProcess(boolean b) {
            inProcess = b;
            return this;
        }

        public MetadataClient build() {
            requireNonNull(peers, "peers");
            if (peers.isEmpty()) {
                throw new IllegalArgumentException("a metadata client needs at least one peer");
            }
            return new MetadataClient(this);
        }
    }

    /** The first read waits out leader election and the first start's format. */
    private long awaitFormatted(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return (Long) read(new Query.Fsid());
            } catch (NacreException e) {
                if ((e.status() != Status.DELAY && e.status() != Status.UNAVAILABLE) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            pause();
        }
    }

    // ---- transport ----------------------------------------------------------------------------------

    /** How many peers the group has, as the leader says (the peers given to this client may be fewer). */
    private int peerCount() {
        return (int) (long) retried(() -> Replies.decodeQuery(link.call(link.read(Query.peerCount())).toByteArray(),
                In::i64));
    }

    /**
     * A read, retried until the timeout while no server can answer it (reads are idempotent): Ratis's
     * client gives up early on some failover states, such as a follower that does not know the new leader yet.
     * <p>
     * With several peers a read first commits a barrier (an empty change, group-committed with the others)
     * and is then answered only by a peer that has applied it. Ratis 3.3's ReadIndex is not enough: a
     * leader answers at once when its commit index was confirmed by an earlier heartbeat round
     * ({@code ackedCommitIndex}), so a leader back from a pause, deposed without knowing it, answered reads
     * from its old state ({@code DeposedLeaderTest} caught it). A barrier can only commit in the current
     * leader's term, after every change acknowledged before the read began.
     */
    private Object read(Query q) {
        if (!barrierReads) {
            // Once without the retry loop's deadline (a clock read) and lambda: most reads answer at once. The
            // timeout then counts from the first failed attempt.
            try {
                return readOnce(q);
            } catch (NacreException e) { // Replies.RetryLater included
                if (e.status() != Status.UNAVAILABLE) {
                    throw e;
                }
                pause();
            }
        }
        long[] after = {0};
        return retried(() -> {
            if (barrierReads && after[0] == 0) {
                after[0] = (Long) write(new Op.Barrier());
            }
            return after[0] == 0 ? readOnce(q) : readOnce(q, after[0]);
        });
    }

    /** Runs an idempotent call until it answers, fails otherwise than UNAVAILABLE, or the timeout passes. */
    private <T> T retried(java.util.function.Supplier<T> call) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return call.get();
            } catch (Replies.RetryLater e) {
                giveUpAfter(deadline, e);
            } catch (NacreException e) {
                if (e.status() != Status.UNAVAILABLE) {
                    throw e;
                }
                giveUpAfter(deadline, e);
            }
        }
    }

    private void giveUpAfter(long deadline, NacreException e) {
        if (System.nanoTime() > deadline) {
            throw new NacreException(Status.UNAVAILABLE, "the metadata service did not answer within " + timeout
                    + ": " + e.getMessage(), e);
        }
        pause();
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.UNAVAILABLE, "interrupted while waiting for the metadata service");
        }
    }

    private Object readOnce(Query q) {
        if (inProcess(q)) {
            // the reads of every NFS stat, open and access and of every S3 GET and HEAD: straight from the
            // leader's state machine in this JVM
            NamespaceStateMachine local = link.localLeaderStateMachine();
            if (local != null) {
                try {
                    return local.queryInProcess(q);
                } catch (NacreException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw Errors.fromRaft(e);
                }
            }
        }
        return Replies.decodeQuery(link.call(link.read(Query.encode(q))).toByteArray(), q::readResult);
    }

    /**
     * The reads answered from the local leader's state machine as result objects. Each builds its answer
     * anew from the LMDB transaction (copies, fresh collections), so the caller owns it as it would a decoded
     * reply; reads answering with state the peer keeps (OSTs, HSM, usage) still go through Ratis's query.
     */
    private static boolean inProcess(Query q) {
        return q instanceof Query.Getattr || q instanceof Query.Lookup || q instanceof Query.CheckAccess
                || q instanceof Query.Fetch || q instanceof Query.Resolve || q instanceof Query.GetXattr
                || q instanceof Query.Xattrs;
    }

    private Object readOnce(Query q, long appliedAtLeast) {
        return Replies.decodeQuery(link.call(link.read(Query.after(appliedAtLeast, Query.encode(q)))).toByteArray(),
                q::readResult);
    }

    /**
     * A change, through the batcher. UNAVAILABLE after the timeout (plus one attempt): the change may still
     * be applied later, as with any request whose answer is lost.
     */
    private Object write(Op op) {
        try {
            return batcher.submit(op).get(timeout.toMillis() + requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.UNAVAILABLE, "interrupted while waiting for the metadata service");
        } catch (ExecutionException e) {
            throw Errors.fromRaft(e);
        } catch (TimeoutException e) {
            throw notInTime();
        }
    }

    /**
     * A change, through the batcher, without waiting: {@link #write}'s result and errors through a future,
     * which fails with UNAVAILABLE when it is not done within the same time. The batcher's future is the one
     * {@link #write} waits for: leader changes and retries happen behind it alike ({@link LeaderLink} retries
     * on threads of its own). It completes on the thread that learns the result: with the leader in this JVM,
     * usually Ratis's state machine updater.
     */
    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> writeAsync(Op op) {
        CompletableFuture<Object> submitted = batcher.submit(op);
        link.failAfter(submitted, TimeUnit.MILLISECONDS.toNanos(timeout.toMillis() + requestTimeout.toMillis()));
        CompletableFuture<T> result = new CompletableFuture<>();
        submitted.whenComplete((r, e) -> {
            if (e == null) {
                result.complete((T) r);
            } else {
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                result.completeExceptionally(c instanceof TimeoutException ? notInTime() : Errors.fromRaft(c));
            }
        });
        return result;
    }

    private NacreException notInTime() {
        return new NacreException(Status.UNAVAILABLE, "the metadata service did not answer within " + timeout);
    }

    /**
     * Commits a barrier and waits until every peer's log holds it, so that each can take part in electing a
     * leader (Ratis does not count the vote of a peer with an empty log); for tests.
     */
    void awaitEveryPeerCaughtUp() {
        long index = (Long) write(new Op.Barrier());
        retried(() -> {
            link.watchOnEveryPeer(index);
            return null;
        });
    }

    /** The peer the client last found leading (null before it knew one); for tests and tools. */
    RaftPeerId leaderId() {
        return link.leaderId();
    }

    // ---- identity and reads -------------------------------------------------------------------------

    @Override
    public long fsid() {
        return fsid;
    }

    /**
     * With one peer, the leader, in this JVM: a read is a look into its state machine on the caller's thread
     * (see {@link LeaderLink}). With several peers a read commits a barrier first, which waits.
     */
    @Override
    public boolean localReads() {
        return !barrierReads && link.localLeaderReady();
    }

    @Override
    public Attr getattr(Fid fid) {
        requireNonNull(fid, "fid");
        return (Attr) read(new Query.Getattr(fid));
    }

    @Override
    public Attr lookup(Caller caller, Fid dir, String name) {
        requireNonNull(caller, "caller");
        requireNonNull(dir, "dir");
        Names.checkName(name);
        return (Attr) read(new Query.Lookup(caller, dir, name));
    }

    @Override
    public Attr resolve(Caller caller, Fid dir, String path) {
        requireNonNull(caller, "caller");
        requireNonNull(dir, "dir");
        requireNonNull(path, "path");
        return (Attr) read(new Query.Resolve(caller, dir, path));
    }

    @Override
    public int access(Caller caller, Fid fid, int mask) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        return (Integer) read(new Query.CheckAccess(caller, fid, mask));
    }

    @Override
    public String readlink(Fid fid) {
        requireNonNull(fid, "fid");
        return (String) read(new Query.Readlink(fid));
    }

    @Override
    public DirPage readdir(Caller caller, Fid dir, long cookie, int max) {
        requireNonNull(caller, "caller");
        requireNonNull(dir, "dir");
        return (DirPage) read(new Query.Readdir(caller, dir, cookie, max));
    }

    @Override
    public DirPage list(Caller caller, Fid dir, String startAfter, int max) {
        requireNonNull(caller, "caller");
        requireNonNull(dir, "dir");
        requireNonNull(startAfter, "startAfter");
        return (DirPage) read(new Query.ListNames(caller, dir, startAfter, max));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<byte[]> getXattr(Caller caller, Fid fid, String name) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        Names.checkXattrName(name);
        return (Optional<byte[]>) read(new Query.GetXattr(caller, fid, name));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, byte[]> xattrs(Caller caller, Fid fid) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        return (Map<String, byte[]>) read(new Query.Xattrs(caller, fid));
    }

    @Override
    public Layout layout(Fid fid) {
        requireNonNull(fid, "fid");
        return (Layout) read(new Query.GetLayout(fid));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<LayoutTemplate> defaultLayout(Fid dir) {
        requireNonNull(dir, "dir");
        return (Optional<LayoutTemplate>) read(new Query.DefaultLayout(dir));
    }

    @Override
    public FsStat statfs() {
        return (FsStat) read(new Query.Statfs());
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<OstInfo> osts() {
        return (List<OstInfo>) read(new Query.Osts());
    }

    // ---- namespace changes --------------------------------------------------------------------------

    @Override
    public Created create(Caller caller, Fid dir, String name, CreateSpec spec) {
        return (Created) write(createOp(caller, dir, name, spec));
    }

    /** Queues the change and returns (see {@link #writeAsync}); the argument checks are create's, thrown here. */
    @Override
    public CompletableFuture<Created> createAsync(Caller caller, Fid dir, String name, CreateSpec spec) {
        return writeAsync(createOp(caller, dir, name, spec));
    }

    /** The change of a create, its arguments checked (for {@link #create} and {@link #createAsync} alike). */
    private static Op.Create createOp(Caller caller, Fid dir, String name, CreateSpec spec) {
        requireNonNull(caller, "caller");
        requireNonNull(dir, "dir");
        requireNonNull(spec, "spec");
        Names.checkName(name);
        if (spec.type() == io.nacre.engine.meta.FileType.SYMLINK) {
            Names.checkSymlinkTarget(spec.symlinkTarget());
        }
        return new Op.Create(caller, dir, name, spec, null, null);
    }

    @Override
    public Created link(Caller caller, Fid fid, Fid dir, String name) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        requireNonNull(dir, "dir");
        Names.checkName(name);
        return (Created) write(new Op.Link(caller, fid, dir, name));
    }

    @Override
    public Removed remove(Caller caller, Fid dir, String name, RemoveKind kind) {
        return (Removed) write(removeOp(caller, dir, name, kind));
    }

    /** Queues the change and returns (see {@link #writeAsync}); the argument checks are remove's, thrown here. */
    @Override
    public CompletableFuture<Removed> removeAsync(Caller caller, Fid dir, String name, RemoveKind kind) {
        return writeAsync(removeOp(caller, dir, name, kind));
    }

    /** The change of a remove, its arguments checked (for {@link #remove} and {@link #removeAsync} alike). */
    private static Op.Remove removeOp(Caller caller, Fid dir, String name, RemoveKind kind) {
        requireNonNull(caller, "caller");
        requireNonNull(dir, "dir");
        requireNonNull(kind, "kind");
        Names.checkName(name);
        return new Op.Remove(caller, dir, name, kind);
    }

    @Override
    public void markOpen(Opener opener, Fid fid) {
        requireNonNull(opener, "opener");
        requireNonNull(fid, "fid");
        write(new Op.MarkOpen(opener, fid));
    }

    @Override
    public boolean unmarkOpen(String gateway, Fid fid) {
        checkGateway(gateway);
        requireNonNull(fid, "fid");
        return (Long) write(new Op.UnmarkOpen(gateway, fid)) != 0;
    }

    /** Up to {@link OpenMarks#MAX_UNMARKS} files per change: a longer list is a few changes. */
    @Override
    public long unmarkOpen(String gateway, Collection<Fid> fids) {
        checkGateway(gateway);
        requireNonNull(fids, "fids");
        List<Fid> all = List.copyOf(fids);
        long went = 0;
        for (int i = 0; i < all.size(); i += OpenMarks.MAX_UNMARKS) {
            List<Fid> part = all.subList(i, Math.min(all.size(), i + OpenMarks.MAX_UNMARKS));
            went += part.size() == 1 ? (unmarkOpen(gateway, part.get(0)) ? 1 : 0)
                    : (Long) write(new Op.UnmarkOpens(gateway, part));
        }
        return went;
    }

    /** Marks dropped per change: a gateway that held many files open drops them in a few entries, not one huge one. */
    static final int DROP_MARKS_PER_CHANGE = 1024;

    @Override
    public long dropOpenMarks(String gateway, long keepInstance) {
        checkGateway(gateway);
        long dropped = 0;
        while (true) {
            long n = (Long) write(new Op.DropOpenMarks(gateway, keepInstance, DROP_MARKS_PER_CHANGE));
            dropped += n;
            if (n < DROP_MARKS_PER_CHANGE) {
                return dropped;
            }
        }
    }

    private static void checkGateway(String gateway) {
        try {
            Opener.checkName(gateway);
        } catch (IllegalArgumentException e) {
            throw new NacreException(Status.INVALID, e.getMessage());
        }
    }

    @Override
    public Renamed rename(Caller caller, Fid fromDir, String fromName, Fid toDir, String toName) {
        requireNonNull(caller, "caller");
        requireNonNull(fromDir, "fromDir");
        requireNonNull(toDir, "toDir");
        Names.checkName(fromName);
        Names.checkName(toName);
        return (Renamed) write(new Op.Rename(caller, fromDir, fromName, toDir, toName));
    }

    @Override
    public AttrChange setattr(Caller caller, Fid fid, SetAttr attrs) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        requireNonNull(attrs, "attrs");
        return (AttrChange) write(new Op.SetAttrs(caller, fid, attrs));
    }

    @Override
    public void setXattr(Caller caller, Fid fid, String name, byte[] value, XattrFlag flag) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        requireNonNull(flag, "flag");
        Names.checkXattrName(name);
        Names.checkXattrValue(value);
        write(new Op.SetXattr(caller, fid, name, value.clone(), flag));
    }

    @Override
    public void removeXattr(Caller caller, Fid fid, String name) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        Names.checkXattrName(name);
        write(new Op.RemoveXattr(caller, fid, name));
    }

    // ---- layouts and data ---------------------------------------------------------------------------

    @Override
    public void setDefaultLayout(Caller caller, Fid dir, LayoutTemplate template) {
        requireNonNull(caller, "caller");
        requireNonNull(dir, "dir");
        write(new Op.SetDefaultLayout(caller, dir, template));
    }

    @Override
    public Layout setLayout(Caller caller, Fid file, LayoutTemplate template) {
        requireNonNull(caller, "caller");
        requireNonNull(file, "file");
        requireNonNull(template, "template");
        return (Layout) write(new Op.SetLayout(caller, file, template, null, null));
    }

    @Override
    public io.nacre.engine.meta.Attr concat(Caller caller, Fid target, List<Fid> sources) {
        requireNonNull(caller, "caller");
        requireNonNull(target, "target");
        requireNonNull(sources, "sources");
        return (io.nacre.engine.meta.Attr) write(new Op.Concat(caller, target, sources));
    }

    @Override
    public AttrChange swapLayout(Caller caller, Fid file, long dataVersion, long generation, Fid donorDir,
                                 String donorName) {
        requireNonNull(caller, "caller");
        requireNonNull(file, "file");
        requireNonNull(donorDir, "donorDir");
        Names.checkName(donorName);
        return (AttrChange) write(new Op.SwapLayout(caller, file, dataVersion, generation, donorDir, donorName));
    }

    /** Answered by a read when every component in range already has objects (the common case). */
    @Override
    public Layout instantiate(Fid file, long offset, long length) {
        requireNonNull(file, "file");
        if (offset < 0 || length < 0) {
            throw new NacreException(Status.INVALID, "bad range: offset " + offset + ", length " + length);
        }
        Layout current = layout(file);
        if (LayoutPolicy.toInstantiate(current, offset, length).isEmpty()) {
            return current;
        }
        return (Layout) write(new Op.Instantiate(file, offset, length, Map.of()));
    }

    @Override
    public Attr dataWritten(Fid file, long end, long mtime) {
        requireNonNull(file, "file");
        return (Attr) write(new Op.DataWritten(file, end, mtime));
    }

    @Override
    public SmallFilePut putSmallFile(Caller caller, SmallFile file) {
        requireNonNull(caller, "caller");
        requireNonNull(file, "file");
        Names.checkName(file.name());
        file.parents().forEach(Names::checkName);
        file.xattrs().forEach((k, v) -> {
            Names.checkXattrName(k);
            Names.checkXattrValue(v);
        });
        file.dirXattrs().forEach((k, v) -> {
            Names.checkXattrName(k);
            Names.checkXattrValue(v);
        });
        return (SmallFilePut) write(new Op.PutSmall(caller, file, null));
    }

    @Override
    public Fetched fetch(Caller caller, Fid dir, String path, int mask, List<String> xattrNames, int maxData) {
        requireNonNull(caller, "caller");
        requireNonNull(dir, "dir");
        requireNonNull(path, "path");
        xattrNames.forEach(Names::checkXattrName);
        return (Fetched) read(new Query.Fetch(caller, dir, path, mask, xattrNames, maxData));
    }

    @Override
    public byte[] domRead(Fid file, long offset, int length) {
        requireNonNull(file, "file");
        return (byte[]) read(new Query.DomRead(file, offset, length));
    }

    @Override
    public void domWrite(Fid file, long offset, byte[] data) {
        requireNonNull(file, "file");
        requireNonNull(data, "data");
        write(new Op.DomWrite(file, offset, data.clone()));
    }

    // ---- destroy queue, changelog, OSTs -------------------------------------------------------------

    @Override
    public io.nacre.engine.meta.ReferencedObjects referencedObjects(int ost, long after, long below, int max) {
        if (max < 1 || max > REFERENCED_MAX) {
            throw new NacreException(Status.INVALID, "a page of referenced objects holds 1 to " + REFERENCED_MAX
                    + " ids, not " + max);
        }
        return (io.nacre.engine.meta.ReferencedObjects) read(new Query.Referenced(ost, after, below, max));
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<PendingDestroy> pendingDestroys(int max) {
        return (List<PendingDestroy>) read(new Query.PendingDestroys(max));
    }

    @Override
    public void destroyed(List<Long> ids) {
        requireNonNull(ids, "ids");
        if (!ids.isEmpty()) {
            write(new Op.Destroyed(List.copyOf(ids)));
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<ChangelogRecord> changelog(long from, int max) {
        return (List<ChangelogRecord>) read(new Query.Changelog(from, max));
    }

    @Override
    public long changelogRegister(String consumer) {
        requireNonNull(consumer, "consumer");
        return (Long) write(new Op.ChangelogRegister(consumer));
    }

    @Override
    public void changelogClear(String consumer, long index) {
        requireNonNull(consumer, "consumer");
        write(new Op.ChangelogClear(consumer, index));
    }

    @Override
    public void changelogDeregister(String consumer) {
        requireNonNull(consumer, "consumer");
        write(new Op.ChangelogDeregister(consumer));
    }

    @Override
    public void registerOst(OstInfo ost) {
        requireNonNull(ost, "ost");
        write(new Op.RegisterOst(ost));
    }

    // ---- HSM coordinator ------------------------------------------------------------------------------

    @Override
    public String path(Fid fid) {
        requireNonNull(fid, "fid");
        return (String) read(new Query.Path(fid));
    }

    @Override
    public HsmState hsmSetState(Caller caller, Fid fid, int set, int clear, int archiveId) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        return (HsmState) write(new Op.Hsm(new HsmOp.SetState(caller, fid, set, clear, archiveId)));
    }

    @Override
    public HsmRequest hsmSubmit(Caller caller, HsmAction action, Fid fid, int archiveId, long notBefore) {
        requireNonNull(caller, "caller");
        requireNonNull(action, "action");
        requireNonNull(fid, "fid");
        return (HsmRequest) write(new Op.Hsm(new HsmOp.Submit(caller, action, fid, archiveId, notBefore)));
    }

    @Override
    public Attr hsmRelease(Caller caller, Fid fid, long dataVersion) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        return (Attr) write(new Op.Hsm(new HsmOp.Release(caller, fid, dataVersion)));
    }

    @Override
    public List<HsmWork> hsmFetch(String agent, Set<Integer> archiveIds, int max) {
        requireNonNull(agent, "agent");
        requireNonNull(archiveIds, "archiveIds");
        archiveIds.forEach(HsmLimits::checkArchiveId);
        return ((HsmCodec.WorkList) write(new Op.Hsm(new HsmOp.Fetch(agent, HsmCodec.archiveMask(archiveIds), max,
                List.of())))).work();
    }

    @Override
    public Set<Long> hsmProgress(String agent, Map<Long, Long> bytesDone) {
        requireNonNull(agent, "agent");
        requireNonNull(bytesDone, "bytesDone");
        return ((HsmCodec.IdSet) write(new Op.Hsm(new HsmOp.Progress(agent, bytesDone)))).ids();
    }

    @Override
    public HsmRequest hsmComplete(String agent, long requestId, int attempt, HsmOutcome outcome) {
        requireNonNull(agent, "agent");
        requireNonNull(outcome, "outcome");
        return (HsmRequest) write(new Op.Hsm(new HsmOp.Complete(agent, requestId, attempt, outcome)));
    }

    @Override
    public HsmImport.Result hsmImport(Caller caller, Fid dir, String name, HsmImport.Spec spec) {
        requireNonNull(caller, "caller");
        requireNonNull(dir, "dir");
        requireNonNull(spec, "spec");
        Names.checkName(name);
        return (HsmImport.Result) write(new Op.Hsm(new HsmOp.Import(caller, dir, name, spec)));
    }

    @Override
    public void hsmConfigure(Caller caller, HsmConfig config) {
        requireNonNull(caller, "caller");
        requireNonNull(config, "config");
        write(new Op.Hsm(new HsmOp.Configure(caller, config)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<HsmRequest> hsmRequests(Fid fid) {
        requireNonNull(fid, "fid");
        return (List<HsmRequest>) read(new Query.Hsm(new HsmQuery.Requests(fid)));
    }

    @Override
    public HsmStatus hsmStatus(int maxRequests) {
        return (HsmStatus) read(new Query.Hsm(new HsmQuery.Overview(maxRequests)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public ArchiveCopy hsmCopy(Fid fid) {
        requireNonNull(fid, "fid");
        return ((Optional<ArchiveCopy>) read(new Query.Hsm(new HsmQuery.Copy(fid)))).orElse(null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<HsmCatalogEntry> hsmCatalog(Fid after, int max) {
        return (List<HsmCatalogEntry>) read(new Query.Hsm(new HsmQuery.Catalog(after, max)));
    }

    @Override
    public void close() {
        try {
            batcher.close();
        } finally {
            link.close();
        }
    }
}
