package io.nacre.meta;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** How the MDS configures Ratis: the group, the server's properties and the client's. */
final class RaftSettings {

    private RaftSettings() {
    }

    /** Servers and clients agree on the group without configuration: its id derives from the cluster name. */
    static RaftGroupId groupId(String cluster) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("nacre-mds:" + cluster).getBytes(StandardCharsets.UTF_8)));
    }

    static RaftGroup group(String cluster, List<Peer> peers) {
        return RaftGroup.valueOf(groupId(cluster), peers.stream()
                .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build())
                .toList());
    }

    /** Tuning of a server; the defaults suit a production MDS, tests shrink the snapshot interval. */
    record Server(long snapshotEvery, SizeInBytes segmentSize, Duration electionTimeout) {
    }

    static RaftProperties server(File storageDir, Peer self, Server s) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(storageDir));
        GrpcConfigKeys.Server.setHost(p, self.host());
        GrpcConfigKeys.Server.setPort(p, self.port());
        // Reads are answered by the leader's state machine as they come (no ReadIndex). They are linearizable
        // all the same: one peer applies every change before acknowledging it, and with several peers
        // MetadataClient commits a barrier first and the query waits until its peer has applied it. Ratis's
        // ReadIndex is not used because Ratis 3.3 skips the heartbeat round when the commit index was
        // confirmed by an earlier round, so a leader deposed during a pause answered from stale state.
        // No leader lease either: Ratis 3.3 makes a follower that heard from its leader within the minimum
        // election timeout refuse a pre-vote but not a vote, so a follower can acknowledge the old leader's
        // heartbeat (extending its lease) and then at once vote for a higher-term candidate that passed its
        // pre-vote (Raft thesis 6.4.1 needs both refused).
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.DEFAULT);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, false);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, s.snapshotEvery());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        // LMDB is synced on a clean stop: a snapshot there would only slow the stop down.
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.max(1, Math.min(Integer.MAX_VALUE, s.snapshotEvery() / 2)));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, s.segmentSize());
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        // No commit-index metadata entries: they double the entries (and syncs) per change, and LMDB
        // already records how far it has applied.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        TimeDuration min = TimeDuration.valueOf(s.electionTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, min);
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, min.multiply(2));
        // A leader that stops hearing from a majority within the longest election timeout steps down and, by
        // Ratis's default, stands for nothing for 10 s. With one peer of three down, a stall of the other
        // peer or of the leader itself (a GC, a loaded host) then left the group without a leader for 10 s
        // each time whenever the stepped-down peer held the newest entry (the other's pre-votes were refused
        // for an older log): seen five times in one KillTest run on a loaded 2-core machine. One longest
        // election timeout still lets a peer that can win stand first, and the old leader stands next.
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, min.multiply(2));
        // The first election need not wait a full timeout: nobody can have been leader yet.
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(50, java.util.concurrent.TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(150, java.util.concurrent.TimeUnit.MILLISECONDS));
        return p;
    }

    /** A client used for its gRPC connections only: whoever uses it retries by itself. */
    static RaftClient client(String cluster, List<Peer> peers, Duration requestTimeout) {
        return client(cluster, peers, requestTimeout, RetryPolicies.noRetry());
    }

    static RaftClient client(String cluster, List<Peer> peers, Duration requestTimeout, RetryPolicy retry) {
        RaftProperties p = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(requestTimeout.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS));
        return RaftClient.newBuilder()
                .setClientId(ClientId.randomId())
                .setRaftGroup(group(cluster, peers))
                .setProperties(p)
                .setRetryPolicy(retry)
                .build();
    }

    /** Bounded retries: {@code attempts} tries {@code sleep} apart, then the call fails (UNAVAILABLE). */
    static RetryPolicy retries(int attempts, Duration sleep) {
        return RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
                TimeDuration.valueOf(sleep.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    static RaftPeerId peerId(String id) {
        return RaftPeerId.valueOf(id);
    }
}
