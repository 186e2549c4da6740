package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.NacreException;
import io.nacre.nfs.v41.ops.Operation;
import io.nacre.nfs.v41.ops.Operations;
import io.nacre.nfs.v41.state.Session;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.CompoundArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.SequenceArgs;
import io.nacre.nfs.v41.xdr.SequenceRes;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
    private static final Set<Integer> SESSIONLESS = Set.of(OpNum.EXCHANGE_ID, OpNum.CREATE_SESSION,
            OpNum.DESTROY_SESSION, OpNum.DESTROY_CLIENTID, OpNum.BIND_CONN_TO_SESSION);

    /** Operations that change nothing: attributes remembered in the compound stay good across them. */
    private static final Set<Integer> READ_ONLY = Set.of(OpNum.PUTFH, OpNum.PUTROOTFH, OpNum.PUTPUBFH, OpNum.GETFH,
            OpNum.SAVEFH, OpNum.RESTOREFH, OpNum.LOOKUP, OpNum.LOOKUPP, OpNum.GETATTR, OpNum.ACCESS, OpNum.VERIFY,
            OpNum.NVERIFY, OpNum.READLINK, OpNum.READ, OpNum.READDIR, OpNum.SECINFO, OpNum.SECINFO_NO_NAME,
            OpNum.LOCKT, OpNum.TEST_STATEID);

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

    /** The reply to send: a result to encode, or (for a replay) the cached encoded reply. */
    public XdrEncodable process(CompoundArgs args, RequestInfo request) {
        long id = watch.begin(request.remote(), args.ops());
        try {
            return processWatched(args, request);
        } finally {
            watch.end(id);
        }
    }

    /** Logs the COMPOUNDs that run for too long (called now and then); returns how many there are. */
    public int reportSlow() {
        return watch.report();
    }

    private XdrEncodable processWatched(CompoundArgs args, RequestInfo request) {
        byte[] tag = args.tag();
        if (args.minorVersion() != Nfs4.MINOR_VERSION) {
            return new CompoundRes(NFS4ERR_MINOR_VERS_MISMATCH, tag, List.of());
        }
        List<OpArgs> ops = args.ops();
        if (ops.isEmpty()) {
            CompoundArgs.Stop stop = args.stop();
            return stop == null ? new CompoundRes(NFS4_OK, tag, List.of())
                    : new CompoundRes(stop.status(), tag, List.of(OpRes.error(stop.opnum(), stop.status())));
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("COMPOUND from {}: {}", request.remote(),
                    ops.stream().map(o -> OpNum.name(o.opnum())).toList());
        }
        CompoundContext ctx = new CompoundContext(server, request, args.opCount());
        OpArgs first = ops.get(0);
        if (first.opnum() != OpNum.SEQUENCE) {
            if (!SESSIONLESS.contains(first.opnum())) {
                return single(tag, first.opnum(), NFS4ERR_OP_NOT_IN_SESSION);
            }
            if (args.opCount() != 1) {
                return single(tag, first.opnum(), NFS4ERR_NOT_ONLY_OP);
            }
            return run(ctx, args, new ArrayList<>(), 0);
        }

        SequenceArgs seq = (SequenceArgs) first;
        StateManager.Sequenced s;
        try {
            s = server.state().sequence(seq, args.opCount(), request.remote());
        } catch (NfsException e) {
            return single(tag, OpNum.SEQUENCE, e.status());
        }
        switch (s.entry().kind()) {
            case REPLAY -> {
                LOG.debug("{} slot {} seq {}: replaying the cached reply", s.session(), seq.slotId(), seq.sequenceId());
                return new CachedReply(s.entry().reply());
            }
            case IN_PROGRESS -> {
                return single(tag, OpNum.SEQUENCE, NFS4ERR_DELAY);
            }
            case UNCACHED -> {
                return single(tag, OpNum.SEQUENCE, NFS4ERR_RETRY_UNCACHED_REP);
            }
            case MISORDERED -> {
                return single(tag, OpNum.SEQUENCE, NFS4ERR_SEQ_MISORDERED);
            }
            case NEW -> {
            }
        }
        Session session = s.session();
        byte[] cached = null;
        try {
            ctx.session(session);
            List<OpRes> results = new ArrayList<>();
            results.add(OpRes.ok(OpNum.SEQUENCE, new SequenceRes(session.id(), seq.sequenceId(), seq.slotId(),
                    session.highestSlotId(), session.highestSlotId(), server.state().statusFlags(session)
                    | pnfsFlags(session, seq))));
            CompoundRes res = run(ctx, args, results, 1);
            if (seq.cacheThis()) {
                byte[] bytes = XdrIo.toBytes(res);
                if (bytes.length <= Math.max(session.fore().maxResponseSizeCached(), 0)) {
                    cached = bytes;
                    return new CachedReply(bytes);
                }
            }
            return res;
        } finally {
            s.slot().finish(cached);
        }
    }

    private int pnfsFlags(Session session, SequenceArgs seq) {
        return server.pnfs() == null ? 0 : server.pnfs().sequenceFlags(session, seq.slotId(), seq.sequenceId());
    }

    private CompoundRes run(CompoundContext ctx, CompoundArgs args, List<OpRes> results, int from) {
        List<OpArgs> ops = args.ops();
        int status = NFS4_OK;
        for (int i = from; i < ops.size(); i++) {
            OpRes r = execute(ctx, ops.get(i));
            results.add(r);
            status = r.status();
            if (status != NFS4_OK) {
                LOG.debug("COMPOUND from {}: op {} of {} ({}) failed with {}", ctx.request().remote(), i + 1,
                        ops.size(), OpNum.name(ops.get(i).opnum()), status);
                return new CompoundRes(status, args.tag(), results);
            }
        }
        CompoundArgs.Stop stop = args.stop();
        if (stop != null) {
            results.add(OpRes.error(stop.opnum(), stop.status()));
            status = stop.status();
        }
        return new CompoundRes(status, args.tag(), results);
    }

    private OpRes execute(CompoundContext ctx, OpArgs args) {
        Operation op = operations.apply(args.opnum());
        if (op == null) {
            return OpRes.error(args.opnum(), NFS4ERR_NOTSUPP);
        }
        if (!READ_ONLY.contains(args.opnum())) {
            ctx.forgetAttributes();
        }
        try {
            return op.apply(ctx, args);
        } catch (NfsException e) {
            LOG.debug("{}: {}", OpNum.name(args.opnum()), e.toString());
            return OpRes.error(args.opnum(), e.status());
        } catch (NacreException e) {
            LOG.debug("{}: {}", OpNum.name(args.opnum()), e.toString());
            return OpRes.error(args.opnum(), Errors.toNfs(e));
        } catch (RuntimeException | LinkageError | StackOverflowError | OutOfMemoryError e) {
            // An error that escaped would leave the request without a reply, and a kernel client waits for
            // a reply for good (a hard mount over TCP does not resend): SERVERFAULT fails the call instead.
            LOG.error("{} failed", OpNum.name(args.opnum()), e);
            return OpRes.error(args.opnum(), NFS4ERR_SERVERFAULT);
        }
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
