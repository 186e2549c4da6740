package io.nacre.meta;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.store.ObjectStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One metadata server (MDS): a Ratis peer whose state machine is the namespace in LMDB. A file system
 * has one (the default) or three or five, one per node. The first start of a new group formats the file
 * system (root and hidden directories, a new fsid); later starts on the same data directory bring the
 * namespace back. Clients reach the group with a {@link MetadataClient}.
 *
 * <pre>{@code
 * try (MetadataServer mds = MetadataServer.builder().dataDir(dir).objectStore(osts).build().start();
 *      MetadataClient client = MetadataClient.connect(mds.peers())) {
 *     ...
 * }
 * }</pre>
 */
public final class MetadataServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataServer.class);

    static final String DEFAULT_CLUSTER = "nacre";
    private static final String PORT_FILE = "mds.port";
    /** How long this peer may know no leader before it renews its channels to the other peers. */
    private static final Duration LEADERLESS_BEFORE_RENEWAL = Duration.ofSeconds(2);

    private final Path dataDir;
    private final String cluster;
    private final Peer self;
    private final List<Peer> peers;
    private final ObjectStore objectStore;
    private final RaftSettings.Server tuning;
    private RaftServer server;
    private NamespaceStateMachine stateMachine;
    private Thread formatter;
    private Thread channelRenewer;
    /** This peer's address, under which {@link LocalPeers} knows it. */
    private String localAddress;
    private RaftClient formatClient;
    private volatile boolean closed;
    private volatile List<Peer> boundPeers;

    private MetadataServer(Builder b) {
        this.dataDir = b.dataDir;
        this.cluster = b.cluster;
        this.objectStore = b.objectStore;
        this.tuning = new RaftSettings.Server(b.snapshotEvery, SizeInBytes.valueOf(b.segmentBytes), b.electionTimeout);
        List<Peer> group = b.peers == null ? List.of(new Peer(b.peerId, b.address)) : b.peers;
        Peer me = group.stream().filter(p -> p.id().equals(b.peerId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("peer id '" + b.peerId + "' is not among the peers "
                        + group));
        if (group.size() > 1 && group.stream().anyMatch(p -> p.port() == 0)) {
            throw new IllegalArgumentException("every peer of a group of " + group.size()
                    + " needs a fixed port (port 0 is only for a single peer): " + group);
        }
        if (group.stream().map(Peer::id).distinct().count() != group.size()) {
            throw new IllegalArgumentException("peer ids must be distinct: " + group);
        }
        this.self = me;
        this.peers = group;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a server; only the data directory is required. */
    public static final class Builder {
        private Path dataDir;
        private String peerId = "mds0";
        private String address = "127.0.0.1:0";
        private List<Peer> peers;
        private ObjectStore objectStore;
        private String cluster = DEFAULT_CLUSTER;
        private long snapshotEvery = 100_000;
        private long segmentBytes = 32L << 20;
        private Duration electionTimeout = Duration.ofMillis(500);

        private Builder() {
        }

        /** Where this peer keeps its Raft log, snapshots and LMDB namespace. */
        public Builder dataDir(Path d) {
            dataDir = requireNonNull(d, "dataDir");
            return this;
        }

        /** This peer's id; default "mds0". */
        public Builder peerId(String id) {
            peerId = requireNonNull(id, "peerId");
            return this;
        }

        /** This peer's address when it is alone (no {@link #peers}); default 127.0.0.1:0 (a port is chosen). */
        public Builder address(String a) {
            address = requireNonNull(a, "address");
            return this;
        }

        /** The whole group, this peer included; default: this peer alone. */
        public Builder peers(List<Peer> p) {
            peers = List.copyOf(requireNonNull(p, "peers"));
            return this;
        }

        /** The OSTs as this node reaches them: free space for allocation and statfs. Optional. */
        public Builder objectStore(ObjectStore s) {
            objectStore = s;
            return this;
        }

        /** The cluster name; clients must use the same. Default "nacre". */
        public Builder cluster(String c) {
            cluster = requireNonNull(c, "cluster");
            return this;
        }

        /** A snapshot after this many log entries, then the log before it is purged; default 100,000. */
        public Builder snapshotEvery(long entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("snapshotEvery must be >= 1: " + entries);
            }
            snapshotEvery = entries;
            return this;
        }

        /** The size of Raft log segments (only closed segments are purged); default 32 MiB. */
        public Builder logSegmentBytes(long bytes) {
            if (bytes < 64 << 10) {
                throw new IllegalArgumentException("log segments must be >= 64 KiB: " + bytes);
            }
            segmentBytes = bytes;
            return this;
        }

        /** The shortest leader election timeout (the longest is twice it); default 500 ms. */
        public Builder electionTimeout(Duration d) {
            electionTimeout = requireNonNull(d, "electionTimeout");
            return this;
        }

        public MetadataServer build() {
            requireNonNull(dataDir, "dataDir");
            return new MetadataServer(this);
        }
    }

    /**
     * Starts the peer: opens (or, on the first start, creates) its storage and joins the group. On the
     * first start of a group the file system is formatted as soon as a leader is elected.
     */
    public synchronized MetadataServer start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        try {
            Files.createDirectories(dataDir);
            Peer bound = self.port() == 0 ? new Peer(self.id(), self.host() + ":" + stickyPort()) : self;
            List<Peer> group = new ArrayList<>();
            for (Peer p : peers) {
                group.add(p.id().equals(bound.id()) ? bound : p);
            }
            RaftGroup raftGroup = RaftSettings.group(cluster, group);
            Path storage = dataDir.resolve("raft");
            boolean exists = Files.isDirectory(storage.resolve(raftGroup.getGroupId().getUuid().toString()));
            stateMachine = new NamespaceStateMachine(new UsageCache(objectStore, Duration.ofSeconds(1)));
            server = RaftServer.newBuilder()
                    .setServerId(RaftSettings.peerId(bound.id()))
                    .setStateMachine(stateMachine)
                    .setProperties(RaftSettings.server(storage.toFile(), bound, tuning))
                    .setGroup(raftGroup)
                    .setOption(exists ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                    .build();
            server.start();
            localAddress = bound.address();
            LocalPeers.add(raftGroup.getGroupId(), server.getId(), localAddress, server);
            boundPeers = List.copyOf(group);
            LOG.info("metadata server {} started at {} in group {} ({})", bound.id(), bound.address(), group, dataDir);
        } catch (IOException e) {
            close();
            throw new NacreException(Status.IO, "starting metadata server " + self.id() + " in " + dataDir + ": "
                    + e.getMessage(), e);
        }
        if (!stateMachine.formatted()) {
            formatter = Thread.ofVirtual().name("mds-format").start(this::format);
        }
        if (boundPeers.size() > 1) {
            RaftServer s = server;
            channelRenewer = Thread.ofPlatform().daemon().name("mds-channels").start(() -> renewChannelsWhileLeaderless(s));
        }
        return this;
    }

    /**
     * A gRPC channel that cannot connect waits longer and longer between attempts (1 s growing by 1.6x up to
     * two minutes), and Ratis keeps its channels to the other peers for good. A peer that started before
     * the others, or outlived them while they were down, thus kept failing to reach them for a while after
     * they listened again, and elections failed meanwhile: 5 to 23 s after the last of three peers was up
     * on a loaded 2-core machine. While this peer knows no leader, it renews those channels every
     * {@link #LEADERLESS_BEFORE_RENEWAL}, so its votes reach a peer as soon as that peer listens. With a
     * leader known nothing is touched (the leader's appenders keep their streams).
     */
    private void renewChannelsWhileLeaderless(RaftServer s) {
        long leaderlessSince = System.nanoTime();
        while (!closed) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (s.getDivision(RaftSettings.groupId(cluster)).getInfo().getLeaderId() != null) {
                    leaderlessSince = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - leaderlessSince < LEADERLESS_BEFORE_RENEWAL.toNanos()) {
                    continue;
                }
                for (Peer p : boundPeers) {
                    if (!p.id().equals(self.id()) && !closed) {
                        s.getServerRpc().handleException(RaftSettings.peerId(p.id()),
                                new IOException("no leader known for " + LEADERLESS_BEFORE_RENEWAL + ": renewing the channel"), true);
                    }
                }
                LOG.debug("no leader known: renewed the channels to the other peers");
                leaderlessSince = System.nanoTime();
            } catch (IOException | RuntimeException e) {
                // The division is closing or not there yet: nothing to renew.
                LOG.debug("renewing channels", e);
            }
        }
    }

    /**
     * A single peer asked for port 0 gets an ephemeral port once and keeps it across restarts (clients and
     * the group configuration in the log then keep agreeing on its address).
     */
    private int stickyPort() throws IOException {
        Path f = dataDir.resolve(PORT_FILE);
        if (Files.exists(f)) {
            return Integer.parseInt(Files.readString(f, StandardCharsets.US_ASCII).strip());
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(self.host()))) {
            port = ((InetSocketAddress) s.getLocalSocketAddress()).getPort();
        }
        Files.writeString(f, port + "\n", StandardCharsets.US_ASCII);
        return port;
    }

    /** Proposes the format of a new file system until it is applied (by this peer's proposal or another's). */
    private void format() {
        long fsid = new SecureRandom().nextLong() & Long.MAX_VALUE;
        try (RaftClient client = RaftSettings.client(cluster, boundPeers, Duration.ofSeconds(3),
                RetryPolicies.retryForeverWithSleep(TimeDuration.valueOf(100, java.util.concurrent.TimeUnit.MILLISECONDS)))) {
            formatClient = client;
            while (!closed) {
                RaftClientReply reply = client.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(
                        Op.encodeBatch(0, List.of(new Op.Format(fsid == 0 ? 1 : fsid))))));
                if (reply.isSuccess()) {
                    Object r = Replies.decodeResults(reply.getMessage().getContent().toByteArray()).get(0);
                    LOG.info("file system formatted: fsid {}", r);
                    return;
                }
                LOG.warn("formatting failed, retrying: {}", String.valueOf(reply.getException()));
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.error("formatting the file system failed", e);
            }
        }
    }

    /** This peer, with the port it listens on. */
    public Peer peer() {
        return requireStarted().stream().filter(p -> p.id().equals(self.id())).findFirst().orElseThrow();
    }

    /** The group, with the ports the peers listen on: what {@link MetadataClient#connect} needs. */
    public List<Peer> peers() {
        return requireStarted();
    }

    private List<Peer> requireStarted() {
        List<Peer> b = boundPeers;
        if (b == null) {
            throw new IllegalStateException("not started");
        }
        return b;
    }

    NamespaceStateMachine stateMachine() {
        return stateMachine;
    }

    /**
     * The index of the last log entry this peer applied (0 before any): tests count the replicated changes
     * a request costs by its difference.
     */
    public long appliedIndex() {
        NamespaceStateMachine sm = stateMachine;
        var applied = sm == null ? null : sm.getLastAppliedTermIndex();
        return applied == null ? 0 : applied.getIndex();
    }

    /**
     * The index of the oldest entry this peer's Raft log still holds (entries before it were purged after a
     * snapshot): a peer that needs an older one is sent a snapshot instead. -1 when not running.
     */
    public long logStartIndex() {
        try {
            RaftServer s = server;
            return s == null ? -1 : s.getDivision(RaftSettings.groupId(cluster)).getRaftLog().getStartIndex();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Whether this peer leads the group and serves requests (for tests and tools). */
    public boolean isLeader() {
        try {
            RaftServer s = server;
            return s != null && s.getDivision(RaftSettings.groupId(cluster)).getInfo().isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        RaftClient fc = formatClient;
        if (fc != null) {
            try {
                fc.close();
            } catch (IOException e) {
                LOG.debug("closing the format client", e);
            }
        }
        if (channelRenewer != null) {
            channelRenewer.interrupt();
            try {
                channelRenewer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (formatter != null) {
            try {
                formatter.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (server != null) {
            LocalPeers.remove(RaftSettings.groupId(cluster), server.getId(), localAddress, server);
            try {
                server.close();
            } catch (IOException e) {
                throw new NacreException(Status.IO, "closing metadata server " + self.id() + ": " + e.getMessage(), e);
            } finally {
                server = null;
            }
        }
    }
}
