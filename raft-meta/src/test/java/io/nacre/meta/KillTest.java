package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metadata servers in their own JVMs killed with SIGKILL (no shutdown of any kind): every create that
 * was acknowledged is there afterwards.
 */
class KillTest {

    @Test
    void acknowledgedCreatesSurviveKillingTheOnlyPeer(@TempDir Path dir) throws Exception {
        Peer peer = Cluster.peers(1).get(0);
        Set<String> acked = new HashSet<>();
        Fid d;
        try (PeerProcess p = new PeerProcess(dir.resolve(peer.id()), peer, List.of(peer)).start()) {
            p.awaitReady(Duration.ofSeconds(60));
            try (MetadataClient mds = MetadataClient.connect(List.of(peer))) {
                d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
                for (int i = 0; i < 200; i++) {
                    mds.create(Caller.ROOT, d, "f" + i, CreateSpec.builder(io.nacre.engine.meta.FileType.REGULAR)
                            .delayLayout(true).build());
                    acked.add("f" + i);
                }
                p.kill();
            }
            p.start().awaitReady(Duration.ofSeconds(60));
            try (MetadataClient mds = MetadataClient.connect(List.of(peer))) {
                assertThat(Creators.names(mds, d)).containsExactlyInAnyOrderElementsOf(acked);
            }
        }
    }

    @Test
    void aRequestWhoseAnswerWasLostInACrashGetsItsRealAnswerWhenRetried(@TempDir Path dir) throws Exception {
        Peer peer = Cluster.peers(1).get(0);
        try (PeerProcess p = new PeerProcess(dir.resolve(peer.id()), peer, List.of(peer))) {
            // The 30th entry is applied and committed to LMDB, then the JVM halts before anyone is answered.
            p.start(List.of("-Dnacre.faults=mds.apply.after_commit=halt:30")).awaitReady(Duration.ofSeconds(60));
            try (MetadataClient mds = MetadataClient.connect(List.of(peer))) {
                Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
                List<Throwable> failures = new ArrayList<>();
                Thread creator = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 40; i++) {
                        try {
                            mds.create(Caller.ROOT, d, "f" + i, CreateSpec.builder(io.nacre.engine.meta.FileType.REGULAR)
                                    .delayLayout(true).build());
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                    }
                });
                Cluster.await(Duration.ofSeconds(60), () -> !p.alive());
                p.start().awaitReady(Duration.ofSeconds(60));
                // 40 creates, each given up after the client's 30 s at most
                assertThat(creator.join(Duration.ofMinutes(25))).as("the creator finished").isTrue();
                assertThat(failures).as("the create in flight at the crash is answered from the log, not EXISTS").isEmpty();
                assertThat(Creators.names(mds, d)).hasSize(40);
            }
        }
    }

    @Test
    void everyAcknowledgedCreateSurvivesTheLeaderBeingKilled(@TempDir Path dir) throws Exception {
        List<Peer> peers = Cluster.peers(3);
        List<PeerProcess> procs = new ArrayList<>();
        // The client's deadline covers an election among JVMs on a loaded 2-core machine: what is tested is
        // that failover happens inside the client and loses nothing, not how fast it is.
        Duration clientTimeout = Duration.ofSeconds(120);
        try (MetadataClient mds = MetadataClient.builder().peers(PeerProcess.startGroup(dir, peers, procs))
                .timeout(clientTimeout).build()) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            PeerProcess victim;
            try (Creators c = new Creators(mds, d, 8, 100)) {
                Cluster.await(Duration.ofSeconds(60), () -> c.acked.size() >= 150);
                String leader = mds.leaderId().toString();
                victim = procs.stream().filter(p -> p.peer.id().equals(leader)).findFirst().orElseThrow();
                victim.kill();
                // A create gives up after the client's timeout and the first failure stops the others, so a
                // creator still busy after three timeouts waits for an answer that never comes.
                c.awaitDone(clientTimeout.multipliedBy(3));
                assertThat(c.failures).isEmpty();
                assertThat(c.acked).hasSize(8 * 100);
                assertThat(mds.leaderId().toString()).isNotEqualTo(leader);
                assertThat(Creators.names(mds, d)).containsExactlyInAnyOrderElementsOf(c.acked);
            }
            // the killed peer comes back from its own disk and the group goes on with it
            victim.start().awaitReady(Duration.ofSeconds(60));
            mds.create(Caller.ROOT, d, "after", CreateSpec.file(0644));
            assertThat(Creators.names(mds, d)).hasSize(8 * 100 + 1);
        } catch (Throwable t) {
            PeerProcess.attachLogs(t, procs);
            throw t;
        } finally {
            for (PeerProcess p : procs) {
                p.close();
            }
        }
    }
}
