package io.nacre.nfs.v41;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.nfs.v41.xdr.CbCompoundArgs;
import io.nacre.nfs.v41.xdr.CbSequenceArgs;
import io.nacre.nfs.v41.xdr.CbSequenceRes;
import io.nacre.nfs.v41.xdr.ChannelAttrs4;
import io.nacre.nfs.v41.xdr.CallbackSecParms4;
import io.nacre.nfs.v41.xdr.CompoundArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.CreateSessionArgs;
import io.nacre.nfs.v41.xdr.CreateSessionRes;
import io.nacre.nfs.v41.xdr.ExchangeIdArgs;
import io.nacre.nfs.v41.xdr.ExchangeIdRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.ReclaimCompleteArgs;
import io.nacre.nfs.v41.xdr.SequenceArgs;
import io.nacre.nfs.v41.xdr.SessionId4;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.dcache.oncrpc4j.rpc.OncRpcProgram;
import org.dcache.oncrpc4j.rpc.OncRpcSvc;
import org.dcache.oncrpc4j.rpc.OncRpcSvcBuilder;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.dcache.oncrpc4j.xdr.XdrVoid;

/**
 * An NFSv4.1 client for tests, on oncrpc4j: sends COMPOUNDs over one TCP connection the way the Linux
 * client does (EXCHANGE_ID, CREATE_SESSION with a backchannel, SEQUENCE on a slot before everything
 * else) and answers the server's callbacks on the same connection, recording them.
 */
public final class NfsTestClient implements AutoCloseable {

    static final int CB_PROGRAM = 0x40000000;
    private static final ChannelAttrs4 CHANNEL = new ChannelAttrs4(0, 1049620, 1049480, 8192, 16, 64);

    private final OncRpcSvc svc;
    private final RpcTransport transport;
    private RpcAuth auth;
    private SessionId4 session;
    private long clientid;
    private int exchangeFlags;
    /** What the client answers CB_LAYOUTRECALL with (a real client that holds the layout says NFS4_OK). */
    volatile int layoutRecallStatus = Nfs4Status.NFS4_OK;
    /** How many CB_LAYOUTRECALLs to answer NFS4ERR_DELAY first (as Linux does while a LAYOUTGET reply is in flight). */
    final java.util.concurrent.atomic.AtomicInteger delayLayoutRecalls = new java.util.concurrent.atomic.AtomicInteger();
    private final int[] slotSeq = new int[64];
    private volatile boolean closed;
    /** Callbacks received: CB_NULL as an empty list, CB_COMPOUND as its operations. */
    final LinkedBlockingQueue<List<OpArgs>> callbacks = new LinkedBlockingQueue<>();

    private NfsTestClient(OncRpcSvc svc, RpcTransport transport, RpcAuth auth) {
        this.svc = svc;
        this.transport = transport;
        this.auth = auth;
    }

    public static RpcAuth root() {
        return new RpcAuthTypeUnix(0, 0, new int[0], 0, "test-host");
    }

    public static RpcAuth user(int uid, int gid, int... groups) {
        return new RpcAuthTypeUnix(uid, gid, groups, 0, "test-host");
    }

    public static NfsTestClient connect(InetSocketAddress server) throws IOException {
        NfsTestClient[] self = new NfsTestClient[1];
        OncRpcSvc svc = new OncRpcSvcBuilder()
                .withClientMode()
                .withTCP()
                .withPort(0)
                .withoutAutoPublish()
                .withWorkerThreadIoStrategy()
                .withServiceName("test-nfs-client")
                .withRpcService(new OncRpcProgram(CB_PROGRAM, Nfs4.CB_VERSION), call -> self[0].callback(call))
                .build();
        svc.start();
        RpcTransport t = svc.connect(server, 5, TimeUnit.SECONDS);
        self[0] = new NfsTestClient(svc, t, root());
        return self[0];
    }

    public void as(RpcAuth who) {
        this.auth = who;
    }

    /** One COMPOUND as given. */
    public CompoundRes compound(OpArgs... ops) throws IOException {
        CompoundRes res = new CompoundRes();
        try {
            new RpcCall(Nfs4.PROGRAM, Nfs4.VERSION, auth, transport).call(Nfs4.PROC_COMPOUND,
                    new CompoundArgs(new byte[0], Nfs4.MINOR_VERSION, List.of(ops)), res, 30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("no reply", e);
        }
        return res;
    }

    /** A COMPOUND call whose arguments are whatever {@code body} writes (for malformed requests). */
    void raw(io.nacre.nfs.v41.xdr.XdrEncodable body) throws IOException {
        try {
            new RpcCall(Nfs4.PROGRAM, Nfs4.VERSION, auth, transport).call(Nfs4.PROC_COMPOUND,
                    new org.dcache.oncrpc4j.xdr.XdrAble() {
                        @Override
                        public void xdrDecode(org.dcache.oncrpc4j.xdr.XdrDecodingStream x) {
                        }

                        @Override
                        public void xdrEncode(org.dcache.oncrpc4j.xdr.XdrEncodingStream x) {
                            body.encode(x);
                        }
                    }, new CompoundRes(), 30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("no reply", e);
        }
    }

    /** EXCHANGE_ID, CREATE_SESSION (with the backchannel on this connection) and RECLAIM_COMPLETE. */
    public NfsTestClient mount(String owner) throws IOException {
        CompoundRes x = compound(new ExchangeIdArgs(0x1234, owner.getBytes(StandardCharsets.UTF_8), 0, Nfs4.SP4_NONE,
                new int[0], new int[0], List.of()));
        ok(x);
        ExchangeIdRes xr = x.results().get(0).body(ExchangeIdRes.class);
        clientid = xr.clientid();
        exchangeFlags = xr.flags();
        CompoundRes c = compound(new CreateSessionArgs(clientid, xr.sequenceId(),
                Nfs4.CREATE_SESSION4_FLAG_CONN_BACK_CHAN, CHANNEL, CHANNEL, CB_PROGRAM,
                List.of(CallbackSecParms4.sys(0, "test-host", 0, 0, new int[0]))));
        ok(c);
        session = c.results().get(0).body(CreateSessionRes.class).sessionId();
        ok(call(new ReclaimCompleteArgs(false)));
        return this;
    }

    /** What umount sends: DESTROY_SESSION and DESTROY_CLIENTID, each alone. */
    public void unmount() throws IOException {
        ok(compound(new io.nacre.nfs.v41.xdr.DestroySessionArgs(session)));
        ok(compound(new io.nacre.nfs.v41.xdr.DestroyClientidArgs(clientid)));
    }

    public SessionId4 session() {
        return session;
    }

    public long clientid() {
        return clientid;
    }

    /** The EXCHANGE_ID flags the server answered with. */
    public int exchangeFlags() {
        return exchangeFlags;
    }

    /** SEQUENCE on slot 0 (next sequence id, reply cached) and the operations. */
    public CompoundRes call(OpArgs... ops) throws IOException {
        return onSlot(0, ++slotSeq[0], true, ops);
    }

    /** SEQUENCE with the given slot and sequence id, and the operations. */
    CompoundRes onSlot(int slot, int seq, boolean cacheThis, OpArgs... ops) throws IOException {
        List<OpArgs> all = new ArrayList<>();
        all.add(new SequenceArgs(session, seq, slot, slotSeq.length - 1, cacheThis));
        all.addAll(List.of(ops));
        slotSeq[slot] = Math.max(slotSeq[slot], seq);
        return compound(all.toArray(OpArgs[]::new));
    }

    /**
     * Renews the lease every {@code period} until closed, as Linux's state manager does while the client holds
     * state and sends nothing else: SEQUENCE alone, on the last slot (the test's calls use the others).
     */
    public NfsTestClient renewingLease(java.time.Duration period) {
        int slot = slotSeq.length - 1;
        Thread.ofVirtual().name("test-lease-renewal").start(() -> {
            while (!closed) {
                java.util.concurrent.locks.LockSupport.parkNanos(period.toNanos());
                try {
                    if (!closed) {
                        onSlot(slot, slotSeq[slot] + 1, false);
                    }
                } catch (IOException e) {
                    if (!closed) {
                        throw new java.io.UncheckedIOException("lease renewal", e);
                    }
                }
            }
        });
        return this;
    }

    public static CompoundRes ok(CompoundRes r) {
        assertThat(Nfs4Status.name(r.status())).as("compound %s", r).isEqualTo("NFS4_OK");
        return r;
    }

    /** The result of the operation with this number (the last one if several). */
    public static OpRes result(CompoundRes r, int opnum) {
        OpRes found = null;
        for (OpRes o : r.results()) {
            if (o.opnum() == opnum) {
                found = o;
            }
        }
        assertThat(found).as("result of op %d in %s", opnum, r).isNotNull();
        return found;
    }

    private void callback(RpcCall call) throws IOException {
        if (call.getProcedure() == Nfs4.CB_PROC_NULL) {
            call.retrieveCall(XdrVoid.XDR_VOID);
            callbacks.add(List.of());
            call.reply(XdrVoid.XDR_VOID);
            return;
        }
        CbCompoundArgs args = new CbCompoundArgs();
        call.retrieveCall(args);
        callbacks.add(args.ops());
        List<OpRes> results = new ArrayList<>();
        for (OpArgs op : args.ops()) {
            if (op instanceof CbSequenceArgs s) {
                results.add(OpRes.ok(op.opnum(), new CbSequenceRes(s.sessionId(), s.sequenceId(), s.slotId(),
                        s.highestSlotId(), s.highestSlotId())));
            } else if (op.opnum() == io.nacre.nfs.v41.xdr.OpNum.CB_LAYOUTRECALL) {
                int status = delayLayoutRecalls.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? Nfs4Status.NFS4ERR_DELAY
                        : layoutRecallStatus;
                results.add(new OpRes(op.opnum(), status, null));
            } else {
                results.add(OpRes.ok(op.opnum()));
            }
        }
        call.reply(new CompoundRes(Nfs4Status.NFS4_OK, args.tag(), results));
    }

    @Override
    public void close() throws IOException {
        closed = true;
        svc.stop();
    }
}
