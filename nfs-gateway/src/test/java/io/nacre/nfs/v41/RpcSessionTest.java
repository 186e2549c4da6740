package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsTestClient.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.state.ClientRecords;
import io.nacre.nfs.v41.state.Session;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.CbRecallArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.ReclaimCompleteArgs;
import io.nacre.nfs.v41.xdr.SequenceRes;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sessions and the backchannel over real ONC RPC on loopback, driven by an oncrpc4j client: the parts of
 * the server that need no file system.
 */
class RpcSessionTest {

    private RpcServer server;
    private StateManager state;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        state = new StateManager(11, new StateManager.Options(Duration.ofSeconds(30), 64, 16, 1 << 21, 1 << 21,
                16384, Duration.ofSeconds(5)), ClientRecords.inMemory(), System::nanoTime);
        state.start();
        byte[] owner = "nacre:rpc-test".getBytes(StandardCharsets.UTF_8);
        ServerContext ctx = new ServerContext(null, null, state, null, null, ExportTable.everyone(),
                new FileHandles(1), null, null, owner, owner, List.of(), 1 << 20);
        server = NfsService.serve(new CompoundProcessor(ctx), "127.0.0.1", 0);
        address = server.address();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void mountOverRpcAndTheBackchannelAnswers() throws Exception {
        try (NfsTestClient c = NfsTestClient.connect(address).mount("rpc-client")) {
            assertThat(c.callbacks.poll(10, TimeUnit.SECONDS)).as("CB_NULL probe").isEmpty();
            Session s = state.session(c.session());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!s.backChannel().isUp() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            }
            assertThat(s.backChannel().isUp()).isTrue();
            CompoundRes r = ok(c.call());
            assertThat(r.results().get(0).body(SequenceRes.class).statusFlags()).isZero();

            OpRes recall = s.backChannel().call(new CbRecallArgs(new Stateid4(1, 2, 3), false, new byte[] {7}))
                    .get(10, TimeUnit.SECONDS);
            assertThat(recall.status()).isEqualTo(Nfs4Status.NFS4_OK);
            List<OpArgs> cb = c.callbacks.poll(10, TimeUnit.SECONDS);
            assertThat(cb).extracting(OpArgs::opnum).containsExactly(OpNum.CB_SEQUENCE, OpNum.CB_RECALL);
        }
    }

    @Test
    void retransmittedRequestGetsTheCachedReplyOverRpc() throws Exception {
        try (NfsTestClient c = NfsTestClient.connect(address).mount("rpc-client-2")) {
            CompoundRes first = c.onSlot(7, 1, true, new ReclaimCompleteArgs(false));
            CompoundRes again = c.onSlot(7, 1, true, new ReclaimCompleteArgs(false));
            assertThat(XdrIo.toBytes(again)).isEqualTo(XdrIo.toBytes(first));
        }
    }

    @Test
    void manySlotsInParallel() throws Exception {
        try (NfsTestClient c = NfsTestClient.connect(address).mount("rpc-client-3")) {
            List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.ConcurrentLinkedQueue<Integer> statuses = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int slot = 0; slot < 32; slot++) {
                int s = slot;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int seq = 1; seq <= 20; seq++) {
                            statuses.add(c.onSlot(s, seq + (s == 0 ? 1 : 0), false).status());
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(statuses).hasSize(640).containsOnly(Nfs4Status.NFS4_OK);
        }
    }

    @Test
    void garbageArgumentsAreRefusedAndTheServerCarriesOn() throws Exception {
        try (NfsTestClient c = NfsTestClient.connect(address)) {
            CompoundRes r = c.compound(new io.nacre.nfs.v41.xdr.VoidArgs(OpNum.PUTROOTFH));
            assertThat(r.status()).isEqualTo(Nfs4Status.NFS4ERR_OP_NOT_IN_SESSION);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.raw(x -> {
                x.xdrEncodeInt(0x7fffffff); // a tag longer than any message
            })).isInstanceOf(org.dcache.oncrpc4j.rpc.OncRpcAcceptedException.class);
            c.mount("after-garbage");
            assertThat(c.call().status()).isEqualTo(Nfs4Status.NFS4_OK);
        }
    }
}
