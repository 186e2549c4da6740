package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.state.ClientRecords;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.ChannelAttrs4;
import io.nacre.nfs.v41.xdr.CompoundArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.CreateSessionArgs;
import io.nacre.nfs.v41.xdr.CreateSessionRes;
import io.nacre.nfs.v41.xdr.DestroySessionArgs;
import io.nacre.nfs.v41.xdr.ExchangeIdArgs;
import io.nacre.nfs.v41.xdr.ExchangeIdRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.ReclaimCompleteArgs;
import io.nacre.nfs.v41.xdr.SequenceArgs;
import io.nacre.nfs.v41.xdr.SequenceRes;
import io.nacre.nfs.v41.xdr.SessionId4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The compound processor's session rules and reply cache, for compounds that touch no file: the core
 * is not needed for them, so none is given.
 */
class CompoundProcessorTest {

    private static final ChannelAttrs4 ASK = new ChannelAttrs4(0, 1 << 20, 1 << 20, 8192, 8, 16);
    private static final RequestInfo ROOT = new RequestInfo(new InetSocketAddress("127.0.0.1", 700), null,
            Nfs4.AUTH_SYS, 0, 0, new int[0]);

    private CompoundProcessor processor;

    @BeforeEach
    void setUp() {
        processor = new CompoundProcessor(processorContext());
    }

    private ServerContext processorContext() {
        StateManager state = new StateManager(7, new StateManager.Options(Duration.ofSeconds(30), 64, 16, 1 << 20,
                1 << 20, 8192, Duration.ofSeconds(1)), ClientRecords.inMemory(), System::nanoTime);
        state.start();
        return processorContext(state);
    }

    private static ServerContext processorContext(StateManager state) {
        return new ServerContext(null, null, state, null, null, ExportTable.everyone(),
                new FileHandles(1), null, null, bytes("nacre:test"), bytes("nacre:test"), List.of(), 1 << 20);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private CompoundRes send(int minor, OpArgs... ops) throws Exception {
        return decode(processor.process(decodeArgs(new CompoundArgs(bytes("t"), minor, List.of(ops))), ROOT));
    }

    private CompoundRes send(OpArgs... ops) throws Exception {
        return send(1, ops);
    }

    /** A COMPOUND through XDR and back, as the RPC layer hands it over. */
    static CompoundArgs decodeArgs(CompoundArgs a) throws Exception {
        CompoundArgs back = new CompoundArgs();
        back.xdrDecode(XdrIo.decoder(XdrIo.toBytes(a::xdrEncode)));
        return back;
    }

    static CompoundRes decode(XdrEncodable reply) throws Exception {
        CompoundRes res = new CompoundRes();
        res.xdrDecode(XdrIo.decoder(XdrIo.toBytes(reply)));
        return res;
    }

    private SessionId4 session() throws Exception {
        CompoundRes x = send(new ExchangeIdArgs(1, bytes("client-1"), 0, Nfs4.SP4_NONE, new int[0], new int[0],
                List.of()));
        ExchangeIdRes xr = x.results().get(0).body(ExchangeIdRes.class);
        CompoundRes c = send(new CreateSessionArgs(xr.clientid(), xr.sequenceId(), 0, ASK, ASK, 0x40000000, List.of()));
        assertThat(c.status()).isEqualTo(NFS4_OK);
        return c.results().get(0).body(CreateSessionRes.class).sessionId();
    }

    @Test
    void mountSequenceEstablishesASession() throws Exception {
        SessionId4 sid = session();
        CompoundRes r = send(new SequenceArgs(sid, 1, 0, 0, false), new ReclaimCompleteArgs(false));
        assertThat(r.status()).isEqualTo(NFS4_OK);
        SequenceRes seq = r.results().get(0).body(SequenceRes.class);
        assertThat(seq.highestSlotId()).isEqualTo(15);
        assertThat(seq.statusFlags() & Nfs4.SEQ4_STATUS_CB_PATH_DOWN).as("no backchannel was bound")
                .isNotZero();
        assertThat(new String(r.tag(), StandardCharsets.UTF_8)).isEqualTo("t");
    }

    @Test
    void retransmissionGetsTheCachedReplyWithoutRunningAgain() throws Exception {
        SessionId4 sid = session();
        CompoundRes first = send(new SequenceArgs(sid, 1, 3, 3, true), new ReclaimCompleteArgs(false));
        assertThat(first.status()).isEqualTo(NFS4_OK);
        // RECLAIM_COMPLETE twice is NFS4ERR_COMPLETE_ALREADY: a replay that ran again would say so
        byte[] firstBytes = XdrIo.toBytes(first);
        CompoundRes again = send(new SequenceArgs(sid, 1, 3, 3, true), new ReclaimCompleteArgs(false));
        assertThat(XdrIo.toBytes(again)).isEqualTo(firstBytes);
        CompoundRes next = send(new SequenceArgs(sid, 2, 3, 3, true), new ReclaimCompleteArgs(false));
        assertThat(next.status()).isEqualTo(NFS4ERR_COMPLETE_ALREADY);
    }

    @Test
    void anErrorInAnOperationIsAServerFaultAndFreesTheSlot() throws Exception {
        ServerContext server = processorContext();
        processor = new CompoundProcessor(server, op -> op == OpNum.PUTROOTFH
                ? (ctx, args) -> {
                    throw new StackOverflowError("deep");
                }
                : io.nacre.nfs.v41.ops.Operations.get(op));
        SessionId4 sid = session();
        CompoundRes failed = send(new SequenceArgs(sid, 1, 2, 2, false), new VoidArgs(OpNum.PUTROOTFH));
        assertThat(failed.status()).isEqualTo(NFS4ERR_SERVERFAULT);
        assertThat(send(new SequenceArgs(sid, 2, 2, 2, false), new ReclaimCompleteArgs(false)).status())
                .as("the slot is free again").isEqualTo(NFS4_OK);
    }

    @Test
    void uncachedRetransmissionIsRefused() throws Exception {
        SessionId4 sid = session();
        send(new SequenceArgs(sid, 1, 0, 0, false), new VoidArgs(OpNum.PUTROOTFH));
        CompoundRes again = send(new SequenceArgs(sid, 1, 0, 0, false), new VoidArgs(OpNum.PUTROOTFH));
        assertThat(again.status()).isEqualTo(NFS4ERR_RETRY_UNCACHED_REP);
        assertThat(send(new SequenceArgs(sid, 5, 0, 0, false)).status()).isEqualTo(NFS4ERR_SEQ_MISORDERED);
    }

    @Test
    void operationsOutsideASessionAreRefused() throws Exception {
        assertThat(send(new VoidArgs(OpNum.PUTROOTFH)).status()).isEqualTo(NFS4ERR_OP_NOT_IN_SESSION);
        CompoundRes notOnly = send(new ExchangeIdArgs(1, bytes("c"), 0, Nfs4.SP4_NONE, new int[0], new int[0],
                List.of()), new VoidArgs(OpNum.PUTROOTFH));
        assertThat(notOnly.status()).isEqualTo(NFS4ERR_NOT_ONLY_OP);
        assertThat(notOnly.results()).hasSize(1);
    }

    @Test
    void sequenceMustComeFirst() throws Exception {
        SessionId4 sid = session();
        CompoundRes r = send(new SequenceArgs(sid, 1, 0, 0, false), new SequenceArgs(sid, 2, 0, 0, false));
        assertThat(r.status()).isEqualTo(NFS4ERR_SEQUENCE_POS);
        assertThat(r.results()).extracting(OpRes::opnum).containsExactly(OpNum.SEQUENCE, OpNum.SEQUENCE);
    }

    @Test
    void otherMinorVersionsAreMismatched() throws Exception {
        CompoundRes r = send(0, new VoidArgs(OpNum.PUTROOTFH));
        assertThat(r.status()).isEqualTo(NFS4ERR_MINOR_VERS_MISMATCH);
        assertThat(r.results()).isEmpty();
    }

    @Test
    void tooManyOperationsForTheSession() throws Exception {
        SessionId4 sid = session();
        OpArgs[] ops = new OpArgs[9];
        ops[0] = new SequenceArgs(sid, 1, 0, 0, false);
        for (int i = 1; i < ops.length; i++) {
            ops[i] = new VoidArgs(OpNum.PUTROOTFH);
        }
        assertThat(send(ops).status()).isEqualTo(NFS4ERR_TOO_MANY_OPS);
    }

    @Test
    void destroyedSessionIsUnknown() throws Exception {
        SessionId4 sid = session();
        assertThat(send(new DestroySessionArgs(sid)).status()).isEqualTo(NFS4_OK);
        assertThat(send(new SequenceArgs(sid, 1, 0, 0, false)).status()).isEqualTo(NFS4ERR_BADSESSION);
    }

    @Test
    void clientOutsideTheExportsIsRefusedFilehandles() throws Exception {
        StateManager state = new StateManager(8, StateManager.Options.defaults(), ClientRecords.inMemory(),
                System::nanoTime);
        ServerContext server = new ServerContext(null, null, state, null, null,
                ExportTable.parse("/ 10.0.0.0/8(rw)"), new FileHandles(1), null, null, bytes("o"), bytes("o"),
                List.of(), 1 << 20);
        CompoundProcessor p = new CompoundProcessor(server);
        CompoundRes x = decode(p.process(decodeArgs(new CompoundArgs(new byte[0], 1, List.of(new ExchangeIdArgs(1,
                bytes("c"), 0, Nfs4.SP4_NONE, new int[0], new int[0], List.of())))), ROOT));
        ExchangeIdRes xr = x.results().get(0).body(ExchangeIdRes.class);
        CompoundRes c = decode(p.process(decodeArgs(new CompoundArgs(new byte[0], 1, List.of(new CreateSessionArgs(
                xr.clientid(), 1, 0, ASK, ASK, 1, List.of())))), ROOT));
        SessionId4 sid = c.results().get(0).body(CreateSessionRes.class).sessionId();
        CompoundRes r = decode(p.process(decodeArgs(new CompoundArgs(new byte[0], 1, List.of(
                new SequenceArgs(sid, 1, 0, 0, false), new VoidArgs(OpNum.PUTROOTFH)))), ROOT));
        assertThat(r.status()).isEqualTo(NFS4ERR_ACCESS);
    }
}
