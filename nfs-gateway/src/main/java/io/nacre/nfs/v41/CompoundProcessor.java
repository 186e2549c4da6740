package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.meta.Attr;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.ops.Operation;
import io.nacre.nfs.v41.ops.Operations;
import io.nacre.nfs.v41.state.Session;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.CompoundArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.SequenceArgs;
import io.nacre.nfs.v41.xdr.SequenceRes;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a COMPOUND (RFC 8881 §16.2.3): SEQUENCE first (or one of the operations allowed alone outside a
 * session), then each operation in order until one fails. A request SEQUENCE accepts as new fills its
 * slot's reply cache with the encoded reply when the client asked (sa_cachethis); a retransmission gets
 * that reply again, byte for byte, without running anything.
 */
public final class CompoundProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(CompoundProcessor.class);

    /** Operations that may be sent without SEQUENCE, and then only alone (RFC 8881 §18.35-§18.50). */
    private static final long SESSIONLESS = opSet(OpNum.EXCHANGE_ID, OpNum.CREATE_SESSION,
            OpNum.DESTROY_SESSION, OpNum.DESTROY_CLIENTID, OpNum.BIND_CONN_TO_SESSION);

    /** Operations that change nothing: attributes remembered in the compound stay good across them. */
    private static final long READ_ONLY = opSet(OpNum.PUTFH, OpNum.PUTROOTFH, OpNum.PUTPUBFH, OpNum.GETFH,
            OpNum.SAVEFH, OpNum.RESTOREFH, OpNum.LOOKUP, OpNum.LOOKUPP, OpNum.GETATTR, OpNum.ACCESS, OpNum.VERIFY,
            OpNum.NVERIFY, OpNum.READLINK, OpNum.READ, OpNum.READDIR, OpNum.SECINFO, OpNum.SECINFO_NO_NAME,
            OpNum.LOCKT, OpNum.TEST_STATEID);

    /**
     * A set of operations as bits of a long (the operations of minor version 1 are 3 to 58): asked for every
     * operation, where a {@code Set<Integer>} boxed and hashed each time, which C1 does not inline.
     */
    private static long opSet(int... ops) {
        long set = 0;
        for (int op : ops) {
            if (op < 0 || op > 63) {
                throw new IllegalArgumentException("operation " + op + " is past the set's 64 bits");
            }
            set |= 1L << op;
        }
        return set;
    }

    private static boolean inSet(long set, int op) {
        return op >= 0 && op < 64 && (set & (1L << op)) != 0;
    }

    /** Attributes encoded from the file system's statfs, which asks the OSTs. */
    private static final int[] STATFS_ATTRS = {AttrNum.FILES_AVAIL, AttrNum.FILES_FREE, AttrNum.FILES_TOTAL,
            AttrNum.SPACE_AVAIL, AttrNum.SPACE_FREE, AttrNum.SPACE_TOTAL};

    /**
     * Most operations of one COMPOUND run on the RPC selector; the rest go to a worker even when none could
     * block. The selector reads and answers every connection it serves in turn, so the time one request holds
     * it delays the others: 8 operations is what Linux sends for a stat (PUTFH, LOOKUP, GETFH, GETATTR) or a
     * create's CLOSE with room to spare, the MDS's reads in them LMDB reads in this process (a third of a stat's
     * time on the selector under C1); a client sending long read-only compounds (many LOOKUPs, a path walk)
     * gets no more than that before it goes through a worker like any change.
     */
    static final int INLINE_OPS = 8;

    /** A COMPOUND running longer than this is logged with its stack (see {@link RequestWatch}). */
    private static final long SLOW_NANOS = 30_000_000_000L;

    private final ServerContext server;
    private final IntFunction<Operation> operations;
    private final RequestWatch watch = new RequestWatch(SLOW_NANOS, System::nanoTime);

    public CompoundProcessor(ServerContext server) {
        this(server, Operations::get);
    }

    /** A processor with its own dispatch table (a pNFS data server serves a few operations, differently). */
    public CompoundProcessor(ServerContext server, IntFunction<Operation> operations) {
        this.server = server;
        this.operations = operations;
    }

    /** The reply to send: a result to encode, or (for a replay) the cached encoded reply. Runs everything here. */
    public XdrEncodable process(CompoundArgs args, RequestInfo request) {
        XdrEncodable[] reply = new XdrEncodable[1];
        process(args, request, null, r -> reply[0] = r);
        return reply[0];
    }

    /**
     * Runs a COMPOUND and hands its reply to {@code reply}. With {@code workers}, only the operations that
     * cannot block run on the calling thread (the RPC selector's), at most {@link #INLINE_OPS} of them: the
     * first that may (a change the MDS commits, I/O, a read the MDS cannot answer in this process) moves the
     * rest of the compound, and the reply, to a worker. A stat, or a CLOSE that wrote nothing, is then
     * answered without a thread hand-off, which under an emulated CPU costs about as much as the compound
     * itself. An operation that can start without blocking ({@link Operation#applyAsync}: a REMOVE, or an OPEN
     * that creates, needing nothing but the MDS's change) starts here instead, and the compound goes on, and is answered, on the
     * thread that completes it (the MDS's, with the leader in this JVM), with what may block moved to a
     * worker from there as from here: no thread waits for the change. Without workers, everything runs here.
     */
    public void process(CompoundArgs args, RequestInfo request, Executor workers, Consumer<XdrEncodable> reply) {
        Run run = new Run(args, request, workers, reply, watch.begin(request.remote(), args.ops()));
        try {
            run.start();
        } catch (RuntimeException | Error e) {
            run.abandon();
            throw e;
        }
    }

    /** Logs the COMPOUNDs that run for too long (called now and then); returns how many there are. */
    public int reportSlow() {
        return watch.report();
    }

    /** One COMPOUND on its way: the results so far, the slot it holds, who gets the reply. */
    private final class Run {
        private final CompoundArgs args;
        private final RequestInfo request;
        /** Where the operations that may block go; null once on a worker (or when everything runs here). */
        private Executor workers;
        private final Consumer<XdrEncodable> reply;
        private final long watchId;
        private CompoundContext ctx;
        private List<OpRes> results;
        /** The SEQUENCE and its slot, for the reply cache; null outside a session and once the slot is done. */
        private SequenceArgs seq;
        private StateManager.Sequenced sequenced;
        private boolean watchEnded;
        /** Whether the metadata service answers reads in this process without blocking (asked once). */
        private Boolean localReads;
        /** How many more operations may run on the selector (see {@link #INLINE_OPS}). */
        private int inlineLeft = INLINE_OPS;
        /**
         * Whether an operation may still start without blocking and the compound go on where it completes:
         * only on the selector (the thread that completes it may be the MDS's own, where nothing more is
         * started), once per compound.
         */
        private boolean mayStartAsync;
        private boolean replied;

        Run(CompoundArgs args, RequestInfo request, Executor workers, Consumer<XdrEncodable> reply, long watchId) {
            this.args = args;
            this.request = request;
            this.workers = workers;
            this.reply = reply;
            this.watchId = watchId;
            this.mayStartAsync = workers != null;
        }

        void start() {
            byte[] tag = args.tag();
            if (args.minorVersion() != Nfs4.MINOR_VERSION) {
                send(new CompoundRes(NFS4ERR_MINOR_VERS_MISMATCH, tag, List.of()));
                return;
            }
            List<OpArgs> ops = args.ops();
            if (ops.isEmpty()) {
                CompoundArgs.Stop stop = args.stop();
                send(stop == null ? new CompoundRes(NFS4_OK, tag, List.of())
                        : new CompoundRes(stop.status(), tag, List.of(OpRes.error(stop.opnum(), stop.status()))));
                return;
            }
            if (LOG.isTraceEnabled()) {
                LOG.trace("COMPOUND from {}: {}", request.remote(),
                        ops.stream().map(o -> OpNum.name(o.opnum())).toList());
            }
            ctx = new CompoundContext(server, request, args.opCount());
            OpArgs first = ops.get(0);
            if (first.opnum() != OpNum.SEQUENCE) {
                if (!inSet(SESSIONLESS, first.opnum())) {
                    send(single(tag, first.opnum(), NFS4ERR_OP_NOT_IN_SESSION));
                } else if (args.opCount() != 1) {
                    send(single(tag, first.opnum(), NFS4ERR_NOT_ONLY_OP));
                } else {
                    results = new ArrayList<>();
                    runFrom(0);
                }
                return;
            }
            SequenceArgs sa = (SequenceArgs) first;
            StateManager.Sequenced s;
            try {
                s = server.state().sequence(sa, args.opCount(), request.remote());
            } catch (NfsException e) {
                send(single(tag, OpNum.SEQUENCE, e.status()));
                return;
            }
            switch (s.entry().kind()) {
                case REPLAY -> {
                    LOG.debug("{} slot {} seq {}: replaying the cached reply", s.session(), sa.slotId(), sa.sequenceId());
                    send(new CachedReply(s.entry().reply()));
                    return;
                }
                case IN_PROGRESS -> {
                    send(single(tag, OpNum.SEQUENCE, NFS4ERR_DELAY));
                    return;
                }
                case UNCACHED -> {
                    send(single(tag, OpNum.SEQUENCE, NFS4ERR_RETRY_UNCACHED_REP));
                    return;
                }
                case MISORDERED -> {
                    send(single(tag, OpNum.SEQUENCE, NFS4ERR_SEQ_MISORDERED));
                    return;
                }
                case NEW -> {
                }
            }
            seq = sa;
            sequenced = s;
            Session session = s.session();
            ctx.session(session);
            results = new ArrayList<>();
            results.add(OpRes.ok(OpNum.SEQUENCE, new SequenceRes(session.id(), sa.sequenceId(), sa.slotId(),
                    session.highestSlotId(), session.highestSlotId(), server.state().statusFlags(session)
                    | pnfsFlags(session, sa))));
            runFrom(1);
        }

        /**
         * Runs the operations from {@code from} on: here until one may block, which then either starts without
         * blocking (the compound goes on where it completes) or moves, with the rest, to a worker.
         */
        private void runFrom(int from) {
            List<OpArgs> ops = args.ops();
            for (int i = from; i < ops.size(); i++) {
                OpArgs op = ops.get(i);
                if (movedOn(i, op) || ended(i, execute(ctx, op))) {
                    return;
                }
            }
            int status = NFS4_OK;
            CompoundArgs.Stop stop = args.stop();
            if (stop != null) {
                results.add(OpRes.error(stop.opnum(), stop.status()));
                status = stop.status();
            }
            finish(CompoundRes.reply(status, args.tag(), results));
        }

        /**
         * Whether operation {@code i} goes on elsewhere: started without blocking (the compound resumes where it
         * completes) or handed, with the rest of the compound, to a worker. False when it runs here.
         */
        private boolean movedOn(int i, OpArgs op) {
            if (workers == null) {
                return false;
            }
            boolean overShare = inlineLeft-- == 0;
            if (!overShare && !mayBlock(op)) {
                return false;
            }
            CompletableFuture<OpRes> pending = overShare || !mayStartAsync || !localReads() ? null : startAsync(op);
            if (pending != null) {
                mayStartAsync = false;
                pending.whenComplete((r, e) -> resumeWith(i, r, e));
                return true;
            }
            Executor w = workers;
            workers = null;
            try {
                w.execute(() -> resumeFrom(i));
                return true;
            } catch (RejectedExecutionException e) {
                LOG.debug("workers shut down: {} runs on the selector", OpNum.name(op.opnum()));
                return false;
            }
        }

        /** Records an operation's result; when it failed, ends the compound and says so. */
        private boolean ended(int i, OpRes r) {
            results.add(r);
            if (r.status() == NFS4_OK) {
                return false;
            }
            LOG.debug("COMPOUND from {}: op {} of {} ({}) failed with {}", request.remote(), i + 1,
                    args.ops().size(), OpNum.name(args.ops().get(i).opnum()), r.status());
            finish(CompoundRes.reply(r.status(), args.tag(), results));
            return true;
        }

        /**
         * Goes on after operation {@code at}, started without blocking, came to its result, on the thread that
         * completed it: nothing escapes to that thread (it may be the MDS's), so a failure that would have
         * escaped is answered NFS4ERR_SERVERFAULT here.
         */
        private void resumeWith(int at, OpRes r, Throwable error) {
            watch.moved(watchId);
            OpArgs op = args.ops().get(at);
            try {
                if (!ended(at, error == null ? r : failed(op, error))) {
                    runFrom(at + 1);
                }
            } catch (RuntimeException | Error e) {
                LOG.error("COMPOUND from {} failed after {}", request.remote(), OpNum.name(op.opnum()), e);
                abandon();
                if (!replied) {
                    try {
                        send(single(args.tag(), op.opnum(), NFS4ERR_SERVERFAULT));
                    } catch (RuntimeException | Error again) {
                        LOG.error("COMPOUND from {}: no reply could be sent", request.remote(), again);
                    }
                }
            }
        }

        private void resumeFrom(int from) {
            watch.moved(watchId);
            try {
                runFrom(from);
            } catch (RuntimeException | Error e) {
                abandon();
                throw e;
            }
        }

        /** Fills the reply cache and frees the slot, then replies. */
        private void finish(CompoundRes res) {
            if (sequenced == null) {
                send(res);
                return;
            }
            byte[] cached = null;
            XdrEncodable out = res;
            try {
                if (seq.cacheThis()) {
                    byte[] bytes = XdrIo.toBytes(res);
                    if (bytes.length <= Math.max(sequenced.session().fore().maxResponseSizeCached(), 0)) {
                        cached = bytes;
                        out = new CachedReply(bytes);
                        giveBackReadData(res); // the copy is sent, READ's buffers are free now
                    }
                }
            } finally {
                sequenced.slot().finish(cached);
                sequenced = null;
            }
            send(out);
        }

        private static void giveBackReadData(CompoundRes res) {
            for (OpRes r : res.results()) {
                if (r.opnum() == OpNum.READ && r.isOk() && r.body() instanceof ReadRes read) {
                    read.giveBack();
                }
            }
        }

        private void send(XdrEncodable r) {
            endWatch();
            replied = true;
            reply.accept(r);
        }

        private void endWatch() {
            if (!watchEnded) {
                watchEnded = true;
                watch.end(watchId);
            }
        }

        /** After a failure that escaped: the slot is freed with no reply cached, the watch forgets the request. */
        void abandon() {
            if (sequenced != null) {
                sequenced.slot().finish(null);
                sequenced = null;
            }
            endWatch();
        }

        /**
         * Whether an operation may wait (on a commit, I/O, the network, another thread), and so must not run
         * on the RPC selector. Reads of the metadata service may run there only when it answers them in this
         * process.
         */
        private boolean mayBlock(OpArgs op) {
            switch (op.opnum()) {
                case OpNum.PUTFH, OpNum.PUTROOTFH, OpNum.PUTPUBFH, OpNum.GETFH, OpNum.SAVEFH, OpNum.RESTOREFH,
                     OpNum.TEST_STATEID -> {
                    return false;
                }
                case OpNum.LOOKUP, OpNum.LOOKUPP, OpNum.ACCESS, OpNum.READLINK -> {
                    return !localReads();
                }
                case OpNum.GETATTR -> {
                    // pNFS asks the data servers for sizes, statfs the OSTs; space_used of a non-empty file its OSTs
                    int[] mask = ((GetattrArgs) op).mask();
                    if (!localReads() || server.pnfs() != null || asksStatfs(mask)) {
                        return true;
                    }
                    if (!Bitmap.isSet(mask, AttrNum.SPACE_USED)) {
                        return false;
                    }
                    try {
                        Attr a = ctx.knownAttr(ctx.currentFh());
                        return a.isRegular() && a.size() > 0;
                    } catch (RuntimeException e) {
                        return false; // GETATTR itself reports it, without waiting
                    }
                }
                case OpNum.CLOSE -> {
                    // only a CLOSE that commits writes or removes a file unlinked while open waits (a named
                    // gateway's last close of a file queues its unmark: UnlinkedFiles.closed); with pNFS the last
                    // CLOSE may end a write layout (its size from the OSTs, a fence at the data servers)
                    if (!localReads() || server.pnfs() != null) {
                        return true;
                    }
                    try {
                        Fid fid = ctx.currentFh();
                        return server.state().written(fid) || server.state().isHidden(fid);
                    } catch (RuntimeException e) {
                        return false; // CLOSE itself reports it
                    }
                }
                default -> {
                    return true;
                }
            }
        }

        private static boolean asksStatfs(int[] mask) {
            for (int a : STATFS_ATTRS) {
                if (Bitmap.isSet(mask, a)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Starts an operation that may block without blocking, if it can (see {@link Operation#applyAsync});
         * null when it must run on a worker. A failure to start is its result at once.
         */
        private CompletableFuture<OpRes> startAsync(OpArgs args) {
            Operation op = operations.apply(args.opnum());
            if (op == null) {
                return null;
            }
            forgetAttributesBefore(ctx, args);
            try {
                return op.applyAsync(ctx, args);
            } catch (RuntimeException | LinkageError | StackOverflowError | OutOfMemoryError e) {
                return CompletableFuture.completedFuture(failed(args, e));
            }
        }

        private boolean localReads() {
            if (localReads == null) {
                // a pNFS data server has no metadata service of its own
                localReads = server.md() != null && server.md().localReads();
            }
            return localReads;
        }
    }

    private int pnfsFlags(Session session, SequenceArgs seq) {
        return server.pnfs() == null ? 0 : server.pnfs().sequenceFlags(session, seq.slotId(), seq.sequenceId());
    }

    private OpRes execute(CompoundContext ctx, OpArgs args) {
        Operation op = operations.apply(args.opnum());
        if (op == null) {
            return OpRes.error(args.opnum(), NFS4ERR_NOTSUPP);
        }
        forgetAttributesBefore(ctx, args);
        try {
            return op.apply(ctx, args);
        } catch (RuntimeException | LinkageError | StackOverflowError | OutOfMemoryError e) {
            return failed(args, e);
        }
    }

    private static void forgetAttributesBefore(CompoundContext ctx, OpArgs args) {
        if (!inSet(READ_ONLY, args.opnum())) {
            ctx.forgetAttributes();
        }
    }

    /** The result of an operation that failed with {@code e} (thrown, or completing its future). */
    private static OpRes failed(OpArgs args, Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof NfsException ne) {
            LOG.debug("{}: {}", OpNum.name(args.opnum()), ne.toString());
            return OpRes.error(args.opnum(), ne.status());
        }
        if (c instanceof NacreException ne) {
            LOG.debug("{}: {}", OpNum.name(args.opnum()), ne.toString());
            return OpRes.error(args.opnum(), Errors.toNfs(ne));
        }
        // An error that escaped would leave the request without a reply, and a kernel client waits for
        // a reply for good (a hard mount over TCP does not resend): SERVERFAULT fails the call instead.
        LOG.error("{} failed", OpNum.name(args.opnum()), c);
        return OpRes.error(args.opnum(), NFS4ERR_SERVERFAULT);
    }

    private static CompoundRes single(byte[] tag, int opnum, int status) {
        return new CompoundRes(status, tag, List.of(OpRes.error(opnum, status)));
    }

    /** An encoded COMPOUND4res sent as it is (its length is a multiple of 4, so no padding is added). */
    public record CachedReply(byte[] bytes) implements XdrEncodable {
        @Override
        public void encode(org.dcache.oncrpc4j.xdr.XdrEncodingStream x) {
            x.xdrEncodeOpaque(bytes, bytes.length);
        }
    }
}
