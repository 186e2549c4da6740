package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.Opener;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Three peers in this JVM: failover, snapshot installation, and group commit. */
class ReplicationTest {

    @Test
    void groupCommitPutsConcurrentChangesInFewerEntries(@TempDir Path dir) throws Exception {
        try (MetadataServer s = TestServers.single(dir); MetadataClient mds = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            NamespaceStateMachine sm = s.stateMachine();
            long entries0 = sm.entriesApplied.get();
            long ops0 = sm.opsApplied.get();
            try (Creators c = new Creators(mds, d, 16, 100)) {
                c.awaitDone(Duration.ofMinutes(3)); // the client gives up a create after 30 s
                assertThat(c.failures).isEmpty();
                assertThat(c.acked).hasSize(1600);
            }
            long entries = sm.entriesApplied.get() - entries0;
            long ops = sm.opsApplied.get() - ops0;
            assertThat(ops).isEqualTo(1600);
            assertThat(entries).as("%d operations in %d entries", ops, entries).isLessThan(ops / 2);
            assertThat(mds.readdir(Caller.ROOT, d, 0, 4096).entries()).hasSize(1600);
        }
    }

    /** In-process: the client hands requests to whichever peer of this JVM leads; else over gRPC. */
    @ParameterizedTest(name = "in-process {0}")
    @ValueSource(booleans = {true, false})
    void everyAcknowledgedCreateSurvivesTheLeaderGoingAway(boolean inProcess, @TempDir Path dir) throws Exception {
        try (Cluster cluster = new Cluster(dir, 3, 100_000);
             MetadataClient mds = MetadataClient.builder().peers(cluster.peers).inProcess(inProcess).build()) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            int leader = cluster.leader();
            try (Creators c = new Creators(mds, d, 8, 150)) {
                Cluster.await(Duration.ofSeconds(30), () -> c.acked.size() >= 200);
                cluster.stop(leader);
                c.awaitDone(Duration.ofMinutes(3)); // the client gives up a create after 30 s
                assertThat(c.failures).isEmpty();
                assertThat(c.acked).hasSize(8 * 150);
                int newLeader = cluster.leader();
                assertThat(newLeader).isNotEqualTo(leader);
                assertThat(mds.readdir(Caller.ROOT, d, 0, 4096).entries()).extracting(DirEntry::name)
                        .containsExactlyInAnyOrderElementsOf(c.acked);
            }
        }
    }

    @Test
    void aLaggingFollowerCatchesUpByInstallingASnapshot(@TempDir Path dir) throws Exception {
        try (Cluster cluster = new Cluster(dir, 3, 10); MetadataClient mds = cluster.client()) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            int leader = cluster.leader();
            int lagging = (leader + 1) % 3;
            long stoppedAt = cluster.servers[lagging].appliedIndex();
            cluster.stop(lagging);
            try (Creators c = new Creators(mds, d, 4, 150)) {
                c.awaitDone(Duration.ofMinutes(3)); // the client gives up a create after 30 s
                assertThat(c.failures).isEmpty();
            }
            int more = Cluster.purgePast(cluster.servers[cluster.leader()], stoppedAt, mds, d);
            cluster.start(lagging);
            MetadataServer follower = cluster.servers[lagging];
            MetadataServer lead = cluster.servers[leader];
            Cluster.await(Duration.ofSeconds(60), () -> follower.stateMachine().lmdbAppliedIndex()
                    >= lead.stateMachine().lmdbAppliedIndex());
            assertThat(follower.stateMachine().snapshotsInstalled.get()).as("snapshots installed").isPositive();
            int local = follower.stateMachine().readLocal(tx -> {
                int[] n = {0};
                tx.entriesByName(d, "", (name, e) -> {
                    n[0]++;
                    return true;
                });
                return n[0];
            });
            assertThat(local).isEqualTo(600 + more);
            // the caught-up follower now carries a majority with one other peer
            cluster.stop(leader);
            assertThat(Creators.names(mds, d)).hasSize(600 + more);
            mds.create(Caller.ROOT, d, "after", CreateSpec.file(0644));
            assertThat(mds.lookup(Caller.ROOT, d, "after").fid()).isNotNull();
        }
    }

    /** Open marks and files kept for them are state like any other: a snapshot carries them to a follower. */
    @Test
    void anInstalledSnapshotCarriesOpenMarksAndPendingFiles(@TempDir Path dir) throws Exception {
        try (Cluster cluster = new Cluster(dir, 3, 10); MetadataClient mds = cluster.client()) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            int leader = cluster.leader();
            int lagging = (leader + 1) % 3;
            long stoppedAt = cluster.servers[lagging].appliedIndex();
            cluster.stop(lagging);
            Opener a = new Opener("node-a", 1);
            Fid pending = mds.create(Caller.ROOT, d, "pending", CreateSpec.file(0644).openedBy(a)).attr().fid();
            Fid named = mds.create(Caller.ROOT, d, "named", CreateSpec.file(0644)).attr().fid();
            mds.markOpen(a, named);
            mds.remove(Caller.ROOT, d, "pending", io.nacre.engine.meta.MetadataService.RemoveKind.FILE);
            try (Creators c = new Creators(mds, d, 4, 150)) { // past a few snapshots and log segments
                c.awaitDone(Duration.ofMinutes(3));
                assertThat(c.failures).isEmpty();
            }
            Cluster.purgePast(cluster.servers[cluster.leader()], stoppedAt, mds, d); // the log is purged
            cluster.start(lagging);
            MetadataServer follower = cluster.servers[lagging];
            MetadataServer lead = cluster.servers[leader];
            Cluster.await(Duration.ofSeconds(60), () -> follower.stateMachine().lmdbAppliedIndex()
                    >= lead.stateMachine().lmdbAppliedIndex());
            assertThat(follower.stateMachine().snapshotsInstalled.get()).as("snapshots installed").isPositive();
            boolean held = follower.stateMachine().readLocal(tx -> OpenMarks.marked(tx, pending)
                    && OpenMarks.marked(tx, named) && tx.need(pending).nlink == 0
                    && tx.dentry(Fid.PENDING, pending.toHex()) != null);
            assertThat(held).as("the follower holds the marks and the pending file").isTrue();
            cluster.stop(leader); // the follower that installed the snapshot is now one of the two peers left
            mds.remove(Caller.ROOT, d, "named", io.nacre.engine.meta.MetadataService.RemoveKind.FILE);
            assertThat(mds.getattr(named).nlink()).as("still marked: kept").isZero();
            assertThat(mds.unmarkOpen(a.gateway(), pending)).isTrue();
            assertThat(mds.unmarkOpen(a.gateway(), named)).isTrue();
            assertThat(mds.readdir(Caller.ROOT, Fid.PENDING, 0, 100).entries()).isEmpty();
        }
    }
}
