package io.nacre.ost.oss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStore;
import io.nacre.ost.LocalObjectStore;
import io.nacre.ost.ObjectStoreContract;
import io.nacre.ost.Ost;
import io.nacre.ost.RoutingObjectStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract through a real OSS on 127.0.0.1, with the cluster secret on. */
class RemoteObjectStoreTest extends ObjectStoreContract {

    private static final byte[] SECRET = "a test cluster secret".getBytes(StandardCharsets.UTF_8);

    private LocalObjectStore local;
    private OssServer oss;

    @Override
    protected ObjectStore open(Path root) {
        local = new LocalObjectStore(List.of(Ost.open(root.resolve("ost0"), 0, options()),
                Ost.open(root.resolve("ost3"), 3, options())));
        oss = OssServer.builder(local).secret(SECRET).build().start();
        return RemoteObjectStore.builder(oss.uri()).secret(SECRET).build();
    }

    @Override
    protected void closeAll() {
        store.close();
        // Not waiting for the acceptor's 2 s wind-down keeps this suite fast; the OSTs close once requests end.
        oss.closeAsync();
        local.close();
    }

    @Test
    void remoteOstsNameTheirNode() {
        assertThat(store.osts()).allSatisfy(info -> assertThat(info.node()).isEqualTo(oss.uri().toString()));
    }

    @Test
    void strangersCannotReadOrWrite() {
        byte[] data = random(500, 21);
        store.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE);
        try (RemoteObjectStore unsigned = RemoteObjectStore.builder(oss.uri()).build();
             RemoteObjectStore wrong = RemoteObjectStore.builder(oss.uri())
                     .secret("not the cluster secret".getBytes(StandardCharsets.UTF_8)).build()) {
            for (ObjectStore stranger : List.of(unsigned, wrong)) {
                assertStatus(() -> stranger.read(A, 0, ByteBuffer.allocate(500)), Status.ACCESS);
                assertStatus(() -> stranger.write(A, 0, ByteBuffer.wrap(new byte[500]), Durability.STABLE),
                        Status.ACCESS);
                assertStatus(() -> stranger.destroy(A), Status.ACCESS);
                assertStatus(() -> stranger.truncate(A, 0), Status.ACCESS);
            }
        }
        assertThat(readAll(A, 0, 500)).isEqualTo(data);
    }

    @Test
    void aSignatureDoesNotCoverAnotherRequest() {
        OssAuth auth = new OssAuth(SECRET, java.time.Clock.systemUTC());
        String signedFor = OssProtocol.objectPath(0, 1) + "/stat";
        AggregatedHttpResponse r = WebClient.of(oss.uri().toString()).prepare()
                .delete(OssProtocol.objectPath(0, 1))
                .header(OssProtocol.AUTH, auth.sign("GET", signedFor))
                .execute().aggregate().join();
        assertThat(r.status().code()).isEqualTo(401);
        assertThat(r.headers().get(OssProtocol.STATUS)).isEqualTo("ACCESS");
    }

    @Test
    void malformedRequestsGetInvalid() {
        AggregatedHttpResponse r = WebClient.of(oss.uri().toString()).prepare()
                .get(OssProtocol.objectPath(0, 1) + "?offset=abc&length=5")
                .header(OssProtocol.AUTH, new OssAuth(SECRET, java.time.Clock.systemUTC())
                        .sign("GET", OssProtocol.objectPath(0, 1) + "?offset=abc&length=5"))
                .execute().aggregate().join();
        assertThat(r.status().code()).isEqualTo(400);
        assertThat(r.headers().get(OssProtocol.STATUS)).isEqualTo("INVALID");
        String zeroId = OssProtocol.PREFIX + "/0/objects/0/stat";
        r = WebClient.of(oss.uri().toString()).prepare().get(zeroId)
                .header(OssProtocol.AUTH, new OssAuth(SECRET, java.time.Clock.systemUTC()).sign("GET", zeroId))
                .execute().aggregate().join();
        assertThat(r.headers().get(OssProtocol.STATUS)).isEqualTo("INVALID");
    }

    @Test
    void routingSendsEachOstToItsStore() throws Exception {
        Path other = tmp.resolve("other");
        try (LocalObjectStore mine = new LocalObjectStore(List.of(Ost.open(other.resolve("ost1"), 1, options())));
             RoutingObjectStore routing = new RoutingObjectStore(Map.of(1, mine, 0, store, 3, store))) {
            assertThat(routing.osts()).extracting(i -> i.index()).containsExactly(0, 1, 3);
            routing.write(new ObjectRef(1, 5), 0, ByteBuffer.wrap(random(10, 22)), Durability.STABLE);
            routing.write(new ObjectRef(3, 5), 0, ByteBuffer.wrap(random(20, 23)), Durability.STABLE);
            assertThat(mine.stat(new ObjectRef(1, 5)).size()).isEqualTo(10);
            assertThat(local.stat(new ObjectRef(3, 5)).size()).isEqualTo(20);
            assertStatus(() -> routing.stat(new ObjectRef(2, 5)), Status.NOT_FOUND);
        }
        // Closing the routing store closed the remote client too; reopen it for the after-each close.
        store = RemoteObjectStore.builder(oss.uri()).secret(SECRET).build();
    }

    @Test
    void corruptionFoundMidStreamStillReachesTheClient() throws Exception {
        // The bad chunk lies past the OSS's first 1 MiB piece, so the answer has begun when it is found.
        byte[] data = random(OssProtocol.PIECE + 2 * CHUNK, 24);
        store.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE);
        closeAll();
        io.nacre.ost.OstFiles.flipByteOf(tmp.resolve("ost0"),
                java.util.Arrays.copyOfRange(data, OssProtocol.PIECE + CHUNK + 10, OssProtocol.PIECE + CHUNK + 74));
        store = open(tmp);
        ByteBuffer dst = ByteBuffer.allocate(data.length);
        assertStatus(() -> store.read(A, 0, dst), Status.CORRUPT);
        assertThat(readAll(A, 0, OssProtocol.PIECE)).isEqualTo(java.util.Arrays.copyOf(data, OssProtocol.PIECE));
    }

    @Test
    void unreachableOssIsUnavailable() {
        byte[] data = random(500, 25);
        store.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE);
        oss.close();
        try {
            // Every call, reads too: a refused connection is "try again" (NFS4ERR_DELAY), never an I/O error.
            assertStatus(() -> store.stat(A), Status.UNAVAILABLE);
            assertStatus(() -> store.read(A, 0, ByteBuffer.allocate(500)), Status.UNAVAILABLE);
            assertStatus(() -> store.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE), Status.UNAVAILABLE);
            assertStatus(() -> store.sync(A), Status.UNAVAILABLE);
            assertStatus(() -> store.truncate(A, 0), Status.UNAVAILABLE);
            assertStatus(() -> store.destroy(A), Status.UNAVAILABLE);
        } finally {
            oss = OssServer.builder(local).secret(SECRET).build().start();
            store = RemoteObjectStore.builder(oss.uri()).secret(SECRET).build();
        }
    }

    @Test
    void aFenceReachesTheNodesDataServerOnlyWhenSigned() {
        java.util.Set<Long> fenced = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (OssServer withDs = OssServer.builder(local).secret(SECRET).fence(fenced::add).build().start();
             RemoteObjectStore mds = RemoteObjectStore.builder(withDs.uri()).secret(SECRET).build();
             RemoteObjectStore stranger = RemoteObjectStore.builder(withDs.uri()).build()) {
            mds.fence(42);
            assertThat(fenced).containsExactly(42L);
            assertStatus(() -> stranger.fence(43), Status.ACCESS);
            assertThat(fenced).containsExactly(42L);
        }
        // a node without a data server says so
        assertStatus(() -> ((RemoteObjectStore) store).fence(44), Status.NOT_SUPPORTED);
    }

    @Test
    void aRouteAddedLaterReplacesTheOldStoreAndClosesIt() throws Exception {
        Path other = tmp.resolve("other");
        try (LocalObjectStore mine = new LocalObjectStore(List.of(Ost.open(other.resolve("ost1"), 1, options())));
             OssServer before = OssServer.builder(mine).secret(SECRET).build().start();
             OssServer after = OssServer.builder(mine).secret(SECRET).build().start()) {
            RemoteObjectStore first = RemoteObjectStore.builder(before.uri()).secret(SECRET).build();
            RemoteObjectStore moved = RemoteObjectStore.builder(after.uri()).secret(SECRET).build();
            RoutingObjectStore routing = new RoutingObjectStore(Map.of(0, store, 3, store));
            routing.add(first, List.of(1));
            routing.write(new ObjectRef(1, 5), 0, ByteBuffer.wrap(random(10, 22)), Durability.STABLE);
            assertThat(routing.routeOf(1)).isSameAs(first);
            // the node comes back at another address
            routing.add(moved, List.of(1));
            assertThat(routing.routeOf(1)).isSameAs(moved);
            assertThat(routing.stat(new ObjectRef(1, 5)).size()).isEqualTo(10);
            assertThat(routing.routeOf(0)).isSameAs(store);
            // the old store serves nothing more: it was closed
            assertStatus(() -> first.stat(new ObjectRef(1, 5)), Status.UNAVAILABLE);
            moved.close();
        }
    }
}
