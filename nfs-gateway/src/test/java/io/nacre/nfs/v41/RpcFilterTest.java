package io.nacre.nfs.v41;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.state.ClientRecords;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.IoBuffers;
import io.nacre.nfs.v41.xdr.XdrBytes;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NFS port's RPC layer ({@link RpcFilter}) over a real TCP connection, with calls made by hand: the replies
 * to good calls and to every kind of bad one, byte for byte, records of several fragments, several records in one
 * write and one record in many, records larger than a connection's read buffer, one announcing too much.
 */
class RpcFilterTest {

    private static final String ACCEPTED = "00000001" + "00000000" + "00000000" + "00000000"; // REPLY, verifier

    private RpcServer server;
    private Socket socket;

    @BeforeEach
    void start() throws Exception {
        StateManager state = new StateManager(11, new StateManager.Options(Duration.ofSeconds(30), 64, 16, 1 << 21,
                1 << 21, 16384, Duration.ofSeconds(5)), ClientRecords.inMemory(), System::nanoTime);
        state.start();
        byte[] owner = "nacre:rpc-filter-test".getBytes(StandardCharsets.UTF_8);
        ServerContext ctx = new ServerContext(null, null, state, null, null, ExportTable.everyone(),
                new FileHandles(1), null, null, owner, owner, List.of(), 1 << 20);
        server = NfsService.serve(new CompoundProcessor(ctx), "127.0.0.1", 0);
        socket = new Socket(server.address().getAddress(), server.address().getPort());
        socket.setSoTimeout(10_000);
    }

    @AfterEach
    void stop() throws Exception {
        socket.close();
        server.close();
    }

    @Test
    void nullWithAuthNoneAndAuthSysIsAnswered() throws IOException {
        send(record(header(0x11, 2, 100003, 4, 0).then(none()).then(none())));
        assertThat(reply()).isEqualTo("00000011" + ACCEPTED + "00000000");

        send(record(header(0x12, 2, 100003, 4, 0).then(sys(1000, 100, 4, 5))));
        assertThat(reply()).isEqualTo("00000012" + ACCEPTED + "00000000");
    }

    @Test
    void anEmptyCompoundWithAuthSysGetsItsResult() throws IOException {
        send(record(header(0x21, 2, 100003, 4, 1).then(sys(0, 0)).words(3).bytes("abc").words(1, 0)));
        // NFS4_OK, the tag, no results
        assertThat(reply()).isEqualTo("00000021" + ACCEPTED + "00000000" + "00000000" + "00000003" + "61626300"
                + "00000000");
    }

    @Test
    void garbageArgumentsAreGarbageArgs() throws IOException {
        // a COMPOUND whose tag says it is longer than the call
        send(record(header(0x22, 2, 100003, 4, 1).then(sys(0, 0)).words(0x7fff_0000)));
        assertThat(reply()).isEqualTo("00000022" + ACCEPTED + "00000004");
    }

    @Test
    void wrongRpcVersionProgramVersionOrProcedureAreTold() throws IOException {
        send(record(header(0x31, 3, 100003, 4, 0).then(none()).then(none())));
        assertThat(reply()).isEqualTo("00000031" + "00000001" + "00000001" + "00000000" + "00000002" + "00000002");

        send(record(header(0x32, 2, 100005, 3, 0).then(none()).then(none())));
        assertThat(reply()).isEqualTo("00000032" + ACCEPTED + "00000001"); // PROG_UNAVAIL

        send(record(header(0x33, 2, 100003, 3, 0).then(none()).then(none())));
        assertThat(reply()).isEqualTo("00000033" + ACCEPTED + "00000002" + "00000004" + "00000004"); // PROG_MISMATCH

        send(record(header(0x34, 2, 100003, 4, 2).then(none()).then(none())));
        assertThat(reply()).isEqualTo("00000034" + ACCEPTED + "00000003"); // PROC_UNAVAIL
    }

    @Test
    void flavorsOtherThanNoneAndSysAreTooWeak() throws IOException {
        for (int flavor : new int[] {2, 3, 6, 7, 390004}) {
            send(record(header(0x41, 2, 100003, 4, 0).words(flavor, 8, 1, 2).words(0, 0)));
            assertThat(reply()).as("flavor %d", flavor).isEqualTo(authError(0x41, 5));
        }
    }

    @Test
    void malformedCredentialsAreBadCred() throws IOException {
        // 17 groups
        send(record(header(0x51, 2, 100003, 4, 0).then(sys(1, 1, new int[17]))));
        assertThat(reply()).isEqualTo(authError(0x51, 1));
        // a machine name of 256 bytes
        XdrBytes longName = new XdrBytes(512);
        longName.xdrEncodeInt(0);
        longName.xdrEncodeDynamicOpaque(new byte[256]);
        words(longName, 1, 1, 0);
        send(record(header(0x52, 2, 100003, 4, 0).words(1).opaque(longName).then(none())));
        assertThat(reply()).isEqualTo(authError(0x52, 1));
        // a body longer than its fields
        XdrBytes longer = new XdrBytes(64);
        longer.xdrEncodeInt(0);
        longer.xdrEncodeDynamicOpaque(new byte[0]);
        words(longer, 1, 1, 0, 0);
        send(record(header(0x53, 2, 100003, 4, 0).words(1).opaque(longer).then(none())));
        assertThat(reply()).isEqualTo(authError(0x53, 1));
        // a body past 400 bytes
        send(record(header(0x54, 2, 100003, 4, 0).words(0).opaque(new byte[404]).then(none())));
        assertThat(reply()).isEqualTo(authError(0x54, 1));
        // a body past the call
        send(record(header(0x55, 2, 100003, 4, 0).words(1, 40, 0, 0)));
        assertThat(reply()).isEqualTo(authError(0x55, 1));

        // no verifier after the credential
        send(record(header(0x57, 2, 100003, 4, 0).then(none())));
        assertThat(reply()).isEqualTo(authError(0x57, 1));

        send(record(header(0x56, 2, 100003, 4, 0).then(sys(1, 1))));
        assertThat(reply()).as("the connection still serves").isEqualTo("00000056" + ACCEPTED + "00000000");
    }

    @Test
    void aRecordOfSeveralFragmentsWrittenInPiecesIsOneCall() throws IOException {
        byte[] call = header(0x61, 2, 100003, 4, 1).then(sys(7, 7, 1, 2, 3)).words(0).words(1, 0).toArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fragments(out, call, 5, 17, 40);
        byte[] bytes = out.toByteArray();
        OutputStream os = socket.getOutputStream();
        for (int i = 0; i < bytes.length; i += 7) {
            os.write(bytes, i, Math.min(7, bytes.length - i));
            os.flush();
        }
        assertThat(reply()).isEqualTo("00000061" + ACCEPTED + "00000000" + "00000000" + "00000000" + "00000000");
    }

    @Test
    void severalRecordsInOneWriteAreAnsweredInOrder() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int xid = 0x71; xid <= 0x75; xid++) {
            out.write(record(header(xid, 2, 100003, 4, 0).then(none()).then(none())));
        }
        send(out.toByteArray());
        for (int xid = 0x71; xid <= 0x75; xid++) {
            assertThat(reply()).isEqualTo("%08x".formatted(xid) + ACCEPTED + "00000000");
        }
    }

    /**
     * Replies written while the client reads none: the socket's buffers fill, so the server's writes are taken in
     * part and the rest waits in the connection's write queue, and the replies after them queue behind
     * ({@link RpcReplies} writes straight to the socket only while nothing waits). Once the client reads, every
     * reply arrives whole and in order: empty COMPOUNDs whose kilobyte tags come back in their replies.
     */
    @Test
    void repliesToAClientThatReadsNoneForAWhileArriveWholeAndInOrder() throws Exception {
        int calls = 8000;
        String tag = "t".repeat(1000);
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(server.address(), 10_000);
            slow.setSoTimeout(30_000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < calls; i++) {
                out.write(record(header(0x10000 + i, 2, 100003, 4, 1).then(sys(0, 0)).words(tag.length())
                        .bytes(tag).words(1, 0)));
            }
            slow.getOutputStream().write(out.toByteArray()); // 8 MB of replies: more than the sockets hold
            slow.getOutputStream().flush();
            String tagHex = "000003e8" + HexFormat.of().formatHex(tag.getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(slow.getInputStream());
            for (int i = 0; i < calls; i++) {
                assertThat(reply(in)).as("reply %d", i).isEqualTo("%08x".formatted(0x10000 + i) + ACCEPTED
                        + "00000000" + "00000000" + tagHex + "00000000");
            }
        }
    }

    /**
     * Records larger than the connection's read buffer ({@link RecordReader}) among small ones, written in odd
     * pieces: each is one call, answered in order. NULL calls whose bodies carry bytes past their arguments, which
     * NULL ignores: a megabyte one read into a pooled direct buffer, reused for the next; one past that buffer's
     * size, one too small to be pooled and one of three fragments, read into arrays of their own.
     */
    @Test
    void largeRecordsAmongSmallOnesInOddPiecesAreAnsweredInOrder() throws IOException {
        int[] extra = {0, 70_000, 1 << 20, 5, (1 << 20) + 5000, RecordReader.CONNECTION_BUFFER - 44, 40_000,
            1 << 20, 0};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < extra.length; i++) {
            out.write(record(header(0x80 + i, 2, 100003, 4, 0).then(none()).then(none()).filler(extra[i])));
        }
        fragments(out, header(0x90, 2, 100003, 4, 0).then(none()).then(none()).filler(2_500_000).toArray(),
                1_200_000, 1_200_001);
        byte[] bytes = out.toByteArray();
        long reusedBefore = IoBuffers.recordReused();
        OutputStream os = socket.getOutputStream();
        for (int i = 0; i < bytes.length; i += 99_991) {
            os.write(bytes, i, Math.min(99_991, bytes.length - i));
            os.flush();
        }
        for (int i = 0; i < extra.length; i++) {
            assertThat(reply()).as("record %d", i).isEqualTo("%08x".formatted(0x80 + i) + ACCEPTED + "00000000");
        }
        assertThat(reply()).as("the record of three fragments").isEqualTo("00000090" + ACCEPTED + "00000000");
        assertThat(IoBuffers.recordReused()).as("a pooled record buffer reused").isGreaterThan(reusedBefore);
        // given back once RpcFilter returned, which may be just after the reply went out
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (IoBuffers.readBuffersLent() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(IoBuffers.readBuffersLent()).as("no pooled buffer left lent").isZero();
    }

    @Test
    void aRecordAnnouncingMoreThanTheLargestTakenClosesTheConnection() throws IOException {
        int mark = RpcReplies.LAST_FRAGMENT | (RecordReader.MAX_RECORD + 1);
        send(new byte[] {(byte) (mark >>> 24), (byte) (mark >>> 16), (byte) (mark >>> 8), (byte) mark, 0, 0, 0, 1});
        assertThat(socket.getInputStream().read()).as("the end of the stream").isEqualTo(-1);
    }

    /** {@code call} as a record of fragments cut at {@code cuts} (offsets into it, ascending), into {@code out}. */
    private static void fragments(ByteArrayOutputStream out, byte[] call, int... cuts) {
        int[] at = new int[cuts.length + 2];
        System.arraycopy(cuts, 0, at, 1, cuts.length);
        at[at.length - 1] = call.length;
        for (int i = 0; i + 1 < at.length; i++) {
            int n = at[i + 1] - at[i];
            int mark = (i + 2 == at.length ? RpcReplies.LAST_FRAGMENT : 0) | n;
            out.write(new byte[] {(byte) (mark >>> 24), (byte) (mark >>> 16), (byte) (mark >>> 8), (byte) mark}, 0, 4);
            out.write(call, at[i], n);
        }
    }

    private static String authError(int xid, int stat) {
        return "%08x".formatted(xid) + "00000001" + "00000001" + "00000001" + "%08x".formatted(stat);
    }

    private void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** The next reply record (one fragment, as the server writes them), in hex without its record mark. */
    private String reply() throws IOException {
        return reply(new DataInputStream(socket.getInputStream()));
    }

    private static String reply(DataInputStream in) throws IOException {
        int mark = in.readInt();
        assertThat(mark & RpcReplies.LAST_FRAGMENT).as("the last fragment").isNotZero();
        byte[] body = new byte[mark & 0x7fff_ffff];
        in.readFully(body);
        return HexFormat.of().formatHex(body);
    }

    private static byte[] record(Call call) {
        byte[] body = call.toArray();
        byte[] r = new byte[body.length + 4];
        int mark = RpcReplies.LAST_FRAGMENT | body.length;
        r[0] = (byte) (mark >>> 24);
        r[1] = (byte) (mark >>> 16);
        r[2] = (byte) (mark >>> 8);
        r[3] = (byte) mark;
        System.arraycopy(body, 0, r, 4, body.length);
        return r;
    }

    /** xid, CALL, rpcvers, prog, vers, proc. */
    private static Call header(int xid, int rpcvers, int prog, int vers, int proc) {
        return new Call().words(xid, 0, rpcvers, prog, vers, proc);
    }

    /** An AUTH_NONE credential or verifier (a call has both). */
    private static Call none() {
        return new Call().words(0, 0);
    }

    /** An AUTH_SYS credential and an AUTH_NONE verifier. */
    private static Call sys(int uid, int gid, int... gids) {
        XdrBytes body = new XdrBytes(128);
        body.xdrEncodeInt(12345);
        body.xdrEncodeString("client-host");
        words(body, uid, gid, gids.length);
        words(body, gids);
        return new Call().words(1).opaque(body).then(none());
    }

    private static void words(XdrBytes x, int... words) {
        for (int w : words) {
            x.xdrEncodeInt(w);
        }
    }

    /** A call's bytes, built in order. */
    private static final class Call {
        private final XdrBytes x = new XdrBytes(256);

        Call words(int... words) {
            RpcFilterTest.words(x, words);
            return this;
        }

        Call opaque(XdrBytes body) {
            x.xdrEncodeDynamicOpaque(Arrays.copyOf(body.array(), body.size()));
            return this;
        }

        /** {@code n} bytes of a pattern (padded to a multiple of 4), no length before them. */
        Call filler(int n) {
            byte[] b = new byte[n];
            for (int i = 0; i < n; i++) {
                b[i] = (byte) (i * 31 + 7);
            }
            x.xdrEncodeOpaque(b, n);
            return this;
        }

        Call opaque(byte[] body) {
            x.xdrEncodeDynamicOpaque(body);
            return this;
        }

        Call bytes(String s) {
            x.xdrEncodeOpaque(s.getBytes(StandardCharsets.US_ASCII), s.length());
            return this;
        }

        Call then(Call next) {
            byte[] b = next.toArray();
            x.xdrEncodeOpaque(b, b.length);
            return this;
        }

        byte[] toArray() {
            return Arrays.copyOf(x.array(), x.size());
        }
    }
}
