package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** A group of real metadata servers in this JVM, on loopback, each with its own data directory. */
final class Cluster implements AutoCloseable {

    final List<Peer> peers;
    final MetadataServer[] servers;
    private final Path dir;
    private final long snapshotEvery;
    private final long segmentBytes;

    /** A group whose log is purged often: snapshots every {@code snapshotEvery} entries, 64 KiB log segments. */
    Cluster(Path dir, int n, long snapshotEvery) throws IOException {
        this(dir, n, snapshotEvery, 64 << 10);
    }

    Cluster(Path dir, int n, long snapshotEvery, long segmentBytes) throws IOException {
        this.dir = dir;
        this.snapshotEvery = snapshotEvery;
        this.segmentBytes = segmentBytes;
        this.peers = peers(n);
        this.servers = new MetadataServer[n];
        for (int i = 0; i < n; i++) {
            start(i);
        }
    }

    /** n peers on free loopback ports. */
    static List<Peer> peers(int n) throws IOException {
        List<Peer> out = new ArrayList<>();
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                held.add(s);
                out.add(new Peer("mds" + i, "127.0.0.1:" + s.getLocalPort()));
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return out;
    }

    void start(int i) {
        servers[i] = MetadataServer.builder()
                .dataDir(dir.resolve("mds" + i))
                .peerId("mds" + i)
                .peers(peers)
                .snapshotEvery(snapshotEvery)
                .logSegmentBytes(segmentBytes)
                .build()
                .start();
    }

    void stop(int i) {
        servers[i].close();
        servers[i] = null;
    }

    /** The index of the leading peer, waiting for one to be elected. */
    int leader() {
        int[] found = {-1};
        await(Duration.ofSeconds(30), () -> {
            for (int i = 0; i < servers.length; i++) {
                if (servers[i] != null && servers[i].isLeader()) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    MetadataClient client() {
        return MetadataClient.connect(peers);
    }

    /**
     * Creates files named {@code more-N} in {@code dir} until {@code peer}'s log no longer holds the entry after
     * {@code index}, so that a peer which applied up to {@code index} can only catch up from a snapshot; returns
     * how many it created. How many entries a run of creates fills varies with group commit (concurrent creates
     * share an entry), so a fixed count may leave the first log segment open and nothing purged.
     */
    static int purgePast(MetadataServer peer, long index, MetadataClient mds, Fid dir) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        int n = 0;
        while (peer.logStartIndex() <= index + 1) {
            if (System.nanoTime() > deadline || n >= 20_000) {
                throw new AssertionError("the log still starts at " + peer.logStartIndex() + " after " + n
                        + " more creates; wanted past " + (index + 1));
            }
            mds.create(Caller.ROOT, dir, "more-" + n++, CreateSpec.file(0644));
        }
        return n;
    }

    /** Polls until the condition holds; fails after the deadline. */
    static void await(Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + max);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] != null) {
                stop(i);
            }
        }
    }
}
