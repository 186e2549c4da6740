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
import io.nacre.nfs.v41.xdr.SequenceRes;
import io.nacre.nfs.v41.xdr.SessionId4;
import io.nacre.nfs.v41.xdr.XdrBytes;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.net.InetSocketAddress;
import java.nio.channels.CompletionHandler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.Subject;
import org.dcache.oncrpc4j.rpc.ReplyQueue;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthType;
import org.dcache.oncrpc4j.rpc.RpcAuthVerifier;
import org.dcache.oncrpc4j.rpc.RpcCall;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;
import java.lang.reflect.Proxy;
import org.dcache.oncrpc4j.grizzly.GrizzlyRpcTransport;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.filterchain.FilterChain;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.filterchain.TransportFilter;
import org.glassfish.grizzly.memory.MemoryManager;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.nio.transport.TCPNIOTransportBuilder;
import org.glassfish.grizzly.ssl.SSLBaseFilter;
import org.junit.jupiter.api.Test;

/**
 * The RPC replies made by {@link RpcReplies} are the bytes oncrpc4j's {@code RpcCall.reply} sent, behind the
 * record mark it added: checked against oncrpc4j itself and pinned.
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
        RpcAuthVerifier none = new RpcAuthVerifier(RpcAuthType.NONE, new byte[0]);
        byte[] record = bytes(RpcReplies.accepted(0x7a7b7c7d, none, STAT));
        byte[] oncrpc4j = oncrpc4jReply(0x7a7b7c7d, none, STAT);

        assertThat(Arrays.copyOfRange(record, 4, record.length)).isEqualTo(oncrpc4j);
        assertThat(HexFormat.of().formatHex(record, 0, 4))
                .isEqualTo("%08x".formatted(RpcReplies.LAST_FRAGMENT | oncrpc4j.length));
        assertThat(HexFormat.of().formatHex(record)).isEqualTo(STAT_RECORD);
    }

    @Test
    void aVerifierWithABodyAndAnErrorReplyAreWhatOncrpc4jSent() {
        RpcAuthVerifier odd = new RpcAuthVerifier(6, new byte[] {9, 8, 7, 6, 5});
        CompoundRes failed = CompoundRes.reply(Nfs4Status.NFS4ERR_NOENT, new byte[0], List.of(
                OpRes.ok(OpNum.PUTFH), OpRes.error(OpNum.LOOKUP, Nfs4Status.NFS4ERR_NOENT)));
        byte[] record = bytes(RpcReplies.accepted(1, odd, failed));

        assertThat(Arrays.copyOfRange(record, 4, record.length)).isEqualTo(oncrpc4jReply(1, odd, failed));
        assertThat(HexFormat.of().formatHex(record)).isEqualTo("8000003c" + "00000001" + "00000001" + "00000000"
                + "00000006" + "00000005" + "0908070605000000" + "00000000"
                + "00000002" + "00000000" + "00000002" + "00000016" + "00000000" + "0000000f" + "00000002");
    }

    @Test
    void aCachedReplyIsSentAsItWasCached() {
        RpcAuthVerifier none = new RpcAuthVerifier(RpcAuthType.NONE, new byte[0]);
        CachedReply cached = new CachedReply(XdrIo.toBytes(STAT));
        byte[] record = bytes(RpcReplies.accepted(0x7a7b7c7d, none, cached));

        assertThat(HexFormat.of().formatHex(record)).isEqualTo(STAT_RECORD);
    }

    @Test
    void repliesOnOncrpc4jsTcpTransportsGoStraightToTheirConnection() {
        // fails when an oncrpc4j upgrade keeps the connection elsewhere: replies would still go out, the slower way
        assertThat(RpcReplies.writesToConnection()).isTrue();
    }

    @Test
    void anotherTransportGetsTheReplyWithoutItsRecordMark() {
        RpcAuthVerifier none = new RpcAuthVerifier(RpcAuthType.NONE, new byte[0]);
        XdrBytes record = RpcReplies.accepted(0x7a7b7c7d, none, STAT);
        Capture transport = new Capture();

        RpcReplies.send(transport, record);

        assertThat(transport.sent).hasSize(1);
        assertThat(transport.sent.get(0)).isEqualTo(oncrpc4jReply(0x7a7b7c7d, none, STAT));
    }

    @Test
    void aConnectionWithTlsGetsItsRepliesThroughTheFilterChain() {
        FilterChain tls = FilterChainBuilder.stateless().add(new TransportFilter()).add(new SSLBaseFilter()).build();
        TCPNIOTransport tcp = TCPNIOTransportBuilder.newInstance().build();
        List<Object> written = new ArrayList<>();
        InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 700);
        @SuppressWarnings("unchecked")
        Connection<InetSocketAddress> c = (Connection<InetSocketAddress>) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, m, args) ->
                        switch (m.getName()) {
                            case "getTransport" -> tcp;
                            case "getProcessor" -> tls;
                            case "getPeerAddress", "getLocalAddress" -> peer;
                            case "getMemoryManager" -> MemoryManager.DEFAULT_MEMORY_MANAGER;
                            case "write" -> {
                                written.add(args[1]); // write(peer, message, completion handler)
                                yield null;
                            }
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            case "toString" -> "a connection with TLS";
                            default -> m.getReturnType() == boolean.class ? false : null;
                        });
        RpcAuthVerifier none = new RpcAuthVerifier(RpcAuthType.NONE, new byte[0]);
        XdrBytes record = RpcReplies.accepted(0x7a7b7c7d, none, STAT);

        RpcReplies.send(new GrizzlyRpcTransport(c, new ReplyQueue()), record);

        assertThat(written).hasSize(1);
        Buffer sent = (Buffer) written.get(0);
        byte[] out = new byte[sent.remaining()];
        sent.get(out);
        assertThat(HexFormat.of().formatHex(out)).isEqualTo(STAT_RECORD);
    }

    private static byte[] bytes(XdrBytes x) {
        return Arrays.copyOf(x.array(), x.size());
    }

    /** What oncrpc4j's {@code RpcCall.reply} hands its transport for the same reply (no record mark). */
    private static byte[] oncrpc4jReply(int xid, RpcAuthVerifier verifier, XdrEncodable result) {
        Capture transport = new Capture();
        RpcCall call = new RpcCall(xid, 100003, 4, 1, new Credential(verifier), new Xdr(64), transport);
        call.reply(new XdrAble() {
            @Override
            public void xdrDecode(XdrDecodingStream x) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void xdrEncode(XdrEncodingStream x) {
                result.encode(x);
            }
        });
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
