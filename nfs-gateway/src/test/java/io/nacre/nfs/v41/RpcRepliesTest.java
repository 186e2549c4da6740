package io.nacre.nfs.v41;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.nfs.v41.CompoundProcessor.CachedReply;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.GetattrRes;
import io.nacre.nfs.v41.xdr.GetfhRes;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.SequenceRes;
import io.nacre.nfs.v41.xdr.SessionId4;
import io.nacre.nfs.v41.xdr.XdrBytes;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import javax.security.auth.Subject;
import org.dcache.oncrpc4j.rpc.ReplyQueue;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthError;
import org.dcache.oncrpc4j.rpc.RpcAuthType;
import org.dcache.oncrpc4j.rpc.RpcAuthVerifier;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcMismatchReply;
import org.dcache.oncrpc4j.rpc.RpcRejectStatus;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import org.glassfish.grizzly.Buffer;
import org.junit.jupiter.api.Test;

/**
 * The RPC replies made by {@link RpcReplies} are the bytes oncrpc4j's {@code RpcCall} sent for the same reply or
 * error, behind the record mark its transport added: checked against oncrpc4j itself and pinned.
 */
class RpcRepliesTest {

    /** A stat's reply as the server makes it: SEQUENCE, PUTFH, LOOKUP, GETFH, GETATTR. */
    private static final CompoundRes STAT = CompoundRes.reply(Nfs4Status.NFS4_OK, new byte[] {'t', 'a', 'g'},
            List.of(OpRes.ok(OpNum.SEQUENCE, new SequenceRes(new SessionId4(0x0102030405060708L, -2L), 17, 5, 63,
                            63, 0)),
                    OpRes.ok(OpNum.PUTFH), OpRes.ok(OpNum.LOOKUP),
                    OpRes.ok(OpNum.GETFH, new GetfhRes(new byte[] {1, 2, 3, 4, 5, 6, 7})),
                    OpRes.ok(OpNum.GETATTR, new GetattrRes(new Fattr4(new int[] {0x10011a, 0xb0a23a},
                            new byte[] {0, 0, 0, 1, 0, 0, 0, 0, (byte) 0xff, 0, 0, 0})))));

    @Test
    void aStatsReplyIsWhatOncrpc4jSentBehindTheRecordMark() {
        byte[] record = bytes(RpcReplies.accepted(0x7a7b7c7d, STAT));
        byte[] oncrpc4j = oncrpc4j(0x7a7b7c7d, call -> call.reply(xdrAble(STAT)));

        assertThat(Arrays.copyOfRange(record, 4, record.length)).isEqualTo(oncrpc4j);
        assertThat(HexFormat.of().formatHex(record, 0, 4))
                .isEqualTo("%08x".formatted(RpcReplies.LAST_FRAGMENT | oncrpc4j.length));
        assertThat(HexFormat.of().formatHex(record)).isEqualTo(STAT_RECORD);
    }

    @Test
    void aFailedCompoundsReplyIsWhatOncrpc4jSent() {
        CompoundRes failed = CompoundRes.reply(Nfs4Status.NFS4ERR_NOENT, new byte[0], List.of(
                OpRes.ok(OpNum.PUTFH), OpRes.error(OpNum.LOOKUP, Nfs4Status.NFS4ERR_NOENT)));
        byte[] record = bytes(RpcReplies.accepted(1, failed));

        assertThat(Arrays.copyOfRange(record, 4, record.length))
                .isEqualTo(oncrpc4j(1, call -> call.reply(xdrAble(failed))));
        assertThat(HexFormat.of().formatHex(record)).isEqualTo("80000034" + "00000001" + "00000001" + "00000000"
                + "00000000" + "00000000" + "00000000"
                + "00000002" + "00000000" + "00000002" + "00000016" + "00000000" + "0000000f" + "00000002");
    }

    @Test
    void aCachedReplyIsSentAsItWasCached() {
        CachedReply cached = new CachedReply(XdrIo.toBytes(STAT));
        byte[] record = bytes(RpcReplies.accepted(0x7a7b7c7d, cached));

        assertThat(HexFormat.of().formatHex(record)).isEqualTo(STAT_RECORD);
    }

    @Test
    void aReadsReplyRefersToItsDataAndIsWhatOncrpc4jSent() {
        byte[] data = {10, 11, 12, 13, 14};
        CompoundRes read = CompoundRes.reply(Nfs4Status.NFS4_OK, new byte[0], List.of(OpRes.ok(OpNum.PUTFH),
                OpRes.ok(OpNum.READ, new ReadRes(true, ByteBuffer.wrap(data)))));
        byte[] oncrpc4j = oncrpc4j(9, call -> call.reply(xdrAble(read)));

        Buffer b = RpcReplies.referring(9, read);
        data[4] = 99; // the reply refers to the data: a change after encoding shows
        byte[] record = new byte[b.remaining()];
        b.get(record);

        oncrpc4j[oncrpc4j.length - 4] = 99;
        assertThat(Arrays.copyOfRange(record, 4, record.length)).isEqualTo(oncrpc4j);
        assertThat(HexFormat.of().formatHex(record)).isEqualTo("80000044" + "00000009" + "00000001" + "00000000"
                + "00000000" + "00000000" + "00000000"
                + "00000000" + "00000000" + "00000002" + "00000016" + "00000000" // NFS4_OK, no tag, PUTFH
                + "00000019" + "00000000" + "00000001" + "00000005" + "0a0b0c0d63000000"); // READ: eof, 5 bytes
    }

    /**
     * A READ whose data lies in a direct READ buffer: the reply is put together around the data in that buffer,
     * one record from the buffer's head room to its tail room, byte for byte the reply {@link RpcReplies#accepted}
     * makes (an odd length, so the padding is checked, and an operation after READ, which goes after the data).
     */
    @Test
    void aReadsReplyAroundItsDirectBufferIsTheSameRecord() {
        byte[] data = new byte[70_001];
        new java.util.Random(7).nextBytes(data);
        ByteBuffer buf = io.nacre.nfs.v41.xdr.IoBuffers.takeForRead(data.length);
        int start = buf.position();
        buf.put(data).position(start);
        CompoundRes read = CompoundRes.reply(Nfs4Status.NFS4_OK, new byte[] {'r'}, List.of(OpRes.ok(OpNum.PUTFH),
                OpRes.ok(OpNum.READ, new ReadRes(false, buf, true)),
                OpRes.ok(OpNum.GETFH, new GetfhRes(new byte[] {1, 2, 3}))));
        byte[] expected = bytes(RpcReplies.accepted(0x0a0b0c0d, read));

        ByteBuffer record = RpcReplies.around(0x0a0b0c0d, read);
        assertThat(record).isNotNull();
        assertThat(record.isDirect()).isTrue();
        byte[] got = new byte[record.remaining()];
        record.duplicate().get(got);
        assertThat(got).isEqualTo(expected);
        int tail = 3 + 16; // the data's padding; GETFH: opnum, status, a 3-byte handle and its padding
        assertThat(record.position()).as("the headers in the head room, right before the data")
                .isEqualTo(start - (expected.length - data.length - tail));
        io.nacre.nfs.v41.xdr.IoBuffers.give(record.duplicate().clear());
    }

    @Test
    void aReadsReplyOfAHeapBufferIsNotPutTogetherAroundIt() {
        CompoundRes read = CompoundRes.reply(Nfs4Status.NFS4_OK, new byte[0], List.of(
                OpRes.ok(OpNum.READ, new ReadRes(true, ByteBuffer.wrap(new byte[] {1, 2, 3})))));
        assertThat(RpcReplies.around(1, read)).isNull();
    }

    @Test
    void errorRepliesAreWhatOncrpc4jSent() {
        assertThat(body(RpcReplies.acceptedError(3, RpcReplies.PROG_UNAVAIL)))
                .isEqualTo(oncrpc4j(3, RpcCall::failProgramUnavailable));
        assertThat(body(RpcReplies.programMismatch(3, 4, 4)))
                .isEqualTo(oncrpc4j(3, call -> call.failProgramMismatch(4, 4)));
        assertThat(body(RpcReplies.acceptedError(3, RpcReplies.PROC_UNAVAIL)))
                .isEqualTo(oncrpc4j(3, RpcCall::failProcedureUnavailable));
        assertThat(body(RpcReplies.acceptedError(3, RpcReplies.GARBAGE_ARGS)))
                .isEqualTo(oncrpc4j(3, RpcCall::failRpcGarbage));
        assertThat(body(RpcReplies.acceptedError(3, RpcReplies.SYSTEM_ERR)))
                .isEqualTo(oncrpc4j(3, RpcCall::failRpcSystem));
        assertThat(body(RpcReplies.rpcMismatch(3)))
                .isEqualTo(oncrpc4j(3, call -> call.reject(RpcRejectStatus.RPC_MISMATCH, new RpcMismatchReply(2, 2).getRpcReply())));
        assertThat(body(RpcReplies.authError(3, RpcReplies.AUTH_BADCRED)))
                .isEqualTo(oncrpc4j(3, call -> call.reject(RpcRejectStatus.AUTH_ERROR, new RpcAuthError(1))));
        assertThat(body(RpcReplies.authError(3, RpcReplies.AUTH_TOOWEAK)))
                .isEqualTo(oncrpc4j(3, call -> call.reject(RpcRejectStatus.AUTH_ERROR, new RpcAuthError(5))));
    }

    @Test
    void errorRepliesArePinned() {
        String accepted = "00000003" + "00000001" + "00000000" + "00000000" + "00000000";
        assertThat(hex(RpcReplies.acceptedError(3, RpcReplies.PROG_UNAVAIL))).isEqualTo("80000018" + accepted
                + "00000001");
        assertThat(hex(RpcReplies.programMismatch(3, 4, 4))).isEqualTo("80000020" + accepted + "00000002"
                + "00000004" + "00000004");
        assertThat(hex(RpcReplies.acceptedError(3, RpcReplies.PROC_UNAVAIL))).isEqualTo("80000018" + accepted
                + "00000003");
        assertThat(hex(RpcReplies.acceptedError(3, RpcReplies.GARBAGE_ARGS))).isEqualTo("80000018" + accepted
                + "00000004");
        assertThat(hex(RpcReplies.rpcMismatch(3))).isEqualTo("80000018" + "00000003" + "00000001" + "00000001"
                + "00000000" + "00000002" + "00000002");
        assertThat(hex(RpcReplies.authError(3, RpcReplies.AUTH_TOOWEAK))).isEqualTo("80000014" + "00000003"
                + "00000001" + "00000001" + "00000001" + "00000005");
    }

    private static byte[] bytes(XdrBytes x) {
        return Arrays.copyOf(x.array(), x.size());
    }

    private static String hex(XdrBytes x) {
        return HexFormat.of().formatHex(bytes(x));
    }

    /** A record without its record mark. */
    private static byte[] body(XdrBytes x) {
        byte[] b = bytes(x);
        return Arrays.copyOfRange(b, 4, b.length);
    }

    private static XdrAble xdrAble(XdrEncodable result) {
        return new XdrAble() {
            @Override
            public void xdrDecode(XdrDecodingStream x) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void xdrEncode(XdrEncodingStream x) {
                result.encode(x);
            }
        };
    }

    /** What oncrpc4j's {@code RpcCall} hands its transport when {@code reply} answers call {@code xid}. */
    private static byte[] oncrpc4j(int xid, Consumer<RpcCall> reply) {
        Capture transport = new Capture();
        RpcAuthVerifier none = new RpcAuthVerifier(RpcAuthType.NONE, new byte[0]);
        RpcCall call = new RpcCall(xid, 100003, 4, 1, new Credential(none), new Xdr(64), transport);
        reply.accept(call);
        assertThat(transport.sent).hasSize(1);
        return transport.sent.get(0);
    }

    private record Credential(RpcAuthVerifier verifier) implements RpcAuth {
        @Override
        public int type() {
            return RpcAuthType.NONE;
        }

        @Override
        public RpcAuthVerifier getVerifier() {
            return verifier;
        }

        @Override
        public Subject getSubject() {
            return new Subject();
        }

        @Override
        public void xdrDecode(XdrDecodingStream x) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void xdrEncode(XdrEncodingStream x) {
            throw new UnsupportedOperationException();
        }
    }

    /** A transport that keeps what it is asked to send. */
    private static final class Capture implements RpcTransport {
        final List<byte[]> sent = new ArrayList<>();

        @Override
        public <A> void send(Xdr xdr, A attachment, CompletionHandler<Integer, ? super A> handler) {
            Buffer b = xdr.asBuffer();
            byte[] out = new byte[b.remaining()];
            b.get(out);
            sent.add(out);
            handler.completed(out.length, attachment);
        }

        @Override
        public ReplyQueue getReplyQueue() {
            return new ReplyQueue();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public InetSocketAddress getLocalSocketAddress() {
            return new InetSocketAddress("127.0.0.1", 2049);
        }

        @Override
        public InetSocketAddress getRemoteSocketAddress() {
            return new InetSocketAddress("127.0.0.1", 700);
        }

        @Override
        public RpcTransport getPeerTransport() {
            return this;
        }

        @Override
        public void startTLS() {
            throw new IllegalStateException("no TLS here");
        }

        @Override
        public boolean isTLS() {
            return false;
        }
    }

    private static final String STAT_RECORD = "8000009c" // record mark: the last fragment, 156 bytes
            + "7a7b7c7d" + "00000001" // xid, REPLY
            + "00000000" + "00000000" + "00000000" + "00000000" // MSG_ACCEPTED, AUTH_NONE verifier, SUCCESS
            + "00000000" + "00000003" + "74616700" + "00000005" // NFS4_OK, tag "tag", 5 results
            + "00000035" + "00000000" + "0102030405060708fffffffffffffffe" // SEQUENCE: session id,
            + "00000011" + "00000005" + "0000003f" + "0000003f" + "00000000" // sequence, slot, highest slots, flags
            + "00000016" + "00000000" + "0000000f" + "00000000" // PUTFH, LOOKUP
            + "0000000a" + "00000000" + "00000007" + "0102030405060700" // GETFH
            + "00000009" + "00000000" + "00000002" + "0010011a" + "00b0a23a" // GETATTR: mask,
            + "0000000c" + "00000001" + "00000000" + "ff000000"; // values
}
